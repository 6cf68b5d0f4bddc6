"""Persona files: load and validate them, and run the customer's side of the dialogue.

A persona's mood moves with each judged turn: a turn that `calms` (empathy or an
apology, plus action or reassurance, delivered calmly, with no contradiction or
blame) moves it one state calmer, an excellent one two; a turn that `escalates`
(contradiction, defensiveness, blame, a raised voice, or nothing useful) one
state hotter. Calming the calmest state resolves the call; escalating the
hottest loses it; otherwise the call ends at the persona's turn limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicecoach.errors import PersonaError
from voicecoach.types import CheckResult, Persona, PersonaState, VoiceSettings

PERSONA_DIR = Path(__file__).resolve().parent.parent / "personas"
CUSTOMER_TYPES = ("angry", "loud", "abusive", "never-satisfied", "arrogant", "abrupt", "cultural", "distressed")
ENDINGS = ("resolved", "escalated", "turn_limit")
# A turn scoring at least this calms the customer by two states instead of one.
EXCELLENT_SCORE = 85.0
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "id": str, "title": str, "customer_type": str, "customer_name": str, "address_as": str, "situation": str,
    "kernel_of_truth": str, "resolution": str, "vocabulary": list, "max_turns": int, "start_state": str,
    "escalation_allowed_after_turn": int, "voice": dict, "checks": dict, "better": dict, "states": list,
    "ending": dict,
}
_OPTIONAL: dict[str, type] = {"outcome": dict, "silence_prompt": str, "on_interruption": str}
INTERRUPTION = ("stop", "talk_over")
# Without an explicit choice, customers who shout or attack keep talking over a
# trainee who interrupts; the others stop and let them speak.
TALKS_OVER = ("abusive", "loud")


def persona_dirs() -> list[Path]:
    """Bundled personas, then the user's own (`<data dir>/personas`), which may add or override."""
    from voicecoach.config import load_settings

    return [PERSONA_DIR, load_settings().data_path / "personas"]


def list_personas() -> list[Persona]:
    found: dict[str, Persona] = {}
    for folder in persona_dirs():
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                persona = load_persona(path)
                found[persona.id] = persona
    return sorted(found.values(), key=lambda p: p.id)


def get_persona(persona_id: str) -> Persona:
    """The persona with this id; PersonaError listing the valid ids otherwise."""
    for folder in reversed(persona_dirs()):
        path = folder / f"{persona_id}.toml"
        if re.fullmatch(r"[a-z0-9][a-z0-9-]*", persona_id) and path.is_file():
            return load_persona(path)
    valid = ", ".join(p.id for p in list_personas())
    raise PersonaError(f"unknown persona '{persona_id}'; choose one of: {valid}")


def load_persona(path: Path) -> Persona:
    """Read and validate one persona file.

    Raises:
        PersonaError: "<file>:<line>: <field>: <what is wrong>".
    """
    from voicecoach.config import read_toml

    data, text = read_toml(path, error=PersonaError, kind="persona")
    return _Validator(path, text).persona(data)


class _Validator:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, key: str, problem: str, *, table: str | None = None) -> PersonaError:
        return PersonaError(f"{self.path}:{self.line_of(key, table)}: {key}: {problem}")

    def line_of(self, key: str, table: str | None) -> int:
        leaf = key.split(".")[-1].split("[")[0]
        start = 0
        if table:
            header = re.compile(rf"^\s*\[+\s*{re.escape(table)}\s*\]+")
            start = next((i for i, line in enumerate(self.lines) if header.match(line)), 0)
        pattern = re.compile(rf"^\s*[\"']?{re.escape(leaf)}[\"']?\s*=")
        for i in range(start, len(self.lines)):
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1 if table else 1

    def persona(self, data: dict[str, Any]) -> Persona:
        from voicecoach.rules import all_checks

        for key, kind in _REQUIRED.items():
            if key not in data:
                raise PersonaError(f"{self.path}:1: {key}: missing (every persona needs it)")
            if not isinstance(data[key], kind) or (kind is int and isinstance(data[key], bool)):
                raise self.fail(key, f"must be a {getattr(kind, '__name__', kind)}")
        for key in data:
            if key not in _REQUIRED and key not in _OPTIONAL:
                raise self.fail(key, f"unknown field; persona fields are {', '.join(sorted({**_REQUIRED, **_OPTIONAL}))}")
        if data["id"] != self.path.stem:
            raise self.fail("id", f"'{data['id']}' must match the file name '{self.path.stem}'")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", data["id"]):
            raise self.fail("id", "use lower-case letters, digits and hyphens")
        for key in ("title", "customer_name", "address_as", "situation", "resolution"):
            if not data[key].strip():
                raise self.fail(key, "must not be empty")
        if data["customer_type"] not in CUSTOMER_TYPES:
            raise self.fail("customer_type", f"'{data['customer_type']}' is not one of {', '.join(CUSTOMER_TYPES)}")
        if not 1 <= data["max_turns"] <= 30:
            raise self.fail("max_turns", "must be between 1 and 30")
        if data["escalation_allowed_after_turn"] < 0:
            raise self.fail("escalation_allowed_after_turn", "must be 0 or more")
        if not all(isinstance(v, str) and v.strip() for v in data["vocabulary"]):
            raise self.fail("vocabulary", "must be a list of words")
        voice = self.voice(data["voice"])
        known = set(all_checks())
        checks = {}
        for key, weight in data["checks"].items():
            if key not in known:
                raise self.fail(key, f"unknown check id; known: {', '.join(sorted(known))}", table="checks")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 5:
                raise self.fail(key, "weight must be a number from 0 to 5", table="checks")
            checks[key] = float(weight)
        better = {}
        for key, line in data["better"].items():
            if key not in known:
                raise self.fail(key, "unknown check id", table="better")
            if not isinstance(line, str) or not line.strip():
                raise self.fail(key, "must be a sentence", table="better")
            better[key] = line
        states = self.states(data["states"])
        if data["start_state"] not in {s.id for s in states}:
            raise self.fail("start_state", f"'{data['start_state']}' is not a state id ({', '.join(s.id for s in states)})")
        for name in ENDINGS:
            if not isinstance(data["ending"].get(name), str) or not data["ending"][name].strip():
                raise self.fail(name, "every persona needs a closing line for resolved, escalated and turn_limit",
                                table="ending")
        outcome = data.get("outcome", {})
        self.outcome(outcome)
        interruption = data.get("on_interruption", "talk_over" if data["customer_type"] in TALKS_OVER else "stop")
        if interruption not in INTERRUPTION:
            raise self.fail("on_interruption", f"'{interruption}' must be one of {', '.join(INTERRUPTION)}")
        return Persona(
            id=data["id"], title=data["title"], customer_type=data["customer_type"],
            customer_name=data["customer_name"], address_as=data["address_as"], situation=data["situation"].strip(),
            kernel_of_truth=data["kernel_of_truth"].strip(), resolution=data["resolution"].strip(),
            vocabulary=tuple(data["vocabulary"]), max_turns=data["max_turns"], start_state=data["start_state"],
            escalation_allowed_after_turn=data["escalation_allowed_after_turn"], voice=voice, checks=checks,
            better=better, states=states, ending={k: data["ending"][k] for k in ENDINGS}, outcome=dict(outcome),
            source=str(self.path),
            on_interruption=interruption,
            **({"silence_prompt": data["silence_prompt"]} if data.get("silence_prompt", "").strip() else {}),
        )

    def voice(self, table: dict[str, Any]) -> VoiceSettings:
        rules = {"voice": (str, None), "rate_wpm": (int, (80, 400)), "pitch": (int, (0, 99)), "volume": ((int, float), (0, 1))}
        for key in table:
            if key not in rules:
                raise self.fail(key, f"unknown voice setting; use {', '.join(rules)}", table="voice")
        for key, (kind, bounds) in rules.items():
            if key not in table:
                raise self.fail(key, "missing voice setting", table="voice")
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, kind):
                raise self.fail(key, "wrong type", table="voice")
            if bounds and not bounds[0] <= value <= bounds[1]:
                raise self.fail(key, f"must be between {bounds[0]} and {bounds[1]}", table="voice")
        return VoiceSettings(table["voice"], table["rate_wpm"], table["pitch"], float(table["volume"]))

    def states(self, items: list[Any]) -> tuple[PersonaState, ...]:
        if not items:
            raise self.fail("states", "needs at least one [[states]] entry")
        states: list[PersonaState] = []
        for item in items:
            if not isinstance(item, dict):
                raise self.fail("states", "each state must be a [[states]] table")
            for key in ("id", "mood", "lines"):
                if key not in item:
                    raise self.fail("states", f"a state is missing '{key}'")
            if not isinstance(item["mood"], int) or isinstance(item["mood"], bool):
                raise self.fail("mood", f"state '{item['id']}': mood must be a whole number", table="states")
            lines = item["lines"]
            if not isinstance(lines, list) or not lines or not all(isinstance(x, str) and x.strip() for x in lines):
                raise self.fail("lines", f"state '{item['id']}': lines must be a non-empty list of sentences")
            if any(s.id == item["id"] for s in states):
                raise self.fail("id", f"state id '{item['id']}' is used twice", table="states")
            if states and item["mood"] >= states[-1].mood:
                raise self.fail("mood", f"state '{item['id']}': moods must go down the list (hot to calm)")
            states.append(PersonaState(item["id"], item["mood"], tuple(x.strip() for x in lines)))
        if states[-1].mood != 0:
            raise self.fail("mood", "the last (calmest) state must have mood 0")
        return tuple(states)

    def outcome(self, table: dict[str, Any]) -> None:
        from voicecoach.errors import RulesError
        from voicecoach.rules import all_checks
        from voicecoach.rules.combined import compile_expression

        for key, expr in table.items():
            if key not in ("calms", "escalates"):
                raise self.fail(key, "outcome takes calms and escalates", table="outcome")
            try:
                compile_expression(expr, list(all_checks()), where=key)
            except RulesError as exc:
                raise self.fail(key, str(exc).split(": ", 1)[-1], table="outcome") from None


def turn_outcome(checks: list[CheckResult], ruleset: Any, persona: Persona | None = None) -> str:
    """"calms", "escalates" or "holds": how the customer takes this turn."""
    from voicecoach.rules.combined import compile_expression

    # A step done earlier in the call still counts for the customer's mood.
    values = {c.id.replace("-", "_"): True if c.settled_turn is not None else c.passed for c in checks}
    ids = [c.id for c in checks]
    for key in ("calms", "escalates"):
        if persona is not None and key in persona.outcome:
            rule = compile_expression(persona.outcome[key], ids, where=f"{persona.source} [outcome] {key}")
        else:
            rule = ruleset.outcome[key]
        full = {cid.replace("-", "_"): None for cid in ids}
        full.update(values)
        if rule.matches(full):
            return key
    return "holds"


@dataclass
class Dialogue:
    """The customer's side of a call: which state they are in and what they say next."""

    persona: Persona
    state_id: str = ""
    turns: int = 0
    ended: str | None = None  # "resolved" | "escalated" | "turn_limit"
    visits: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state_id = self.state_id or self.persona.start_state
        self.visits = {self.state_id: 1}

    @property
    def state(self) -> PersonaState:
        return self.persona.state(self.state_id)

    def opening(self) -> str:
        return self.state.lines[0]

    def react(self, outcome: str, *, score: float | None = None) -> str:
        """Move the mood after a judged turn; return the customer's next line (or
        their closing line when the call has ended)."""
        if self.ended:
            raise PersonaError("the call has already ended")
        self.turns += 1
        states = self.persona.states
        index = next(i for i, s in enumerate(states) if s.id == self.state_id)
        if outcome == "calms":
            if index == len(states) - 1:
                return self._end("resolved")
            index += 2 if score is not None and score >= EXCELLENT_SCORE else 1
            index = min(index, len(states) - 1)
        elif outcome == "escalates":
            if index == 0:
                return self._end("escalated")
            index -= 1
        if self.turns >= self.persona.max_turns:
            return self._end("turn_limit")
        self.state_id = states[index].id
        seen = self.visits.get(self.state_id, 0)
        self.visits[self.state_id] = seen + 1
        lines = self.state.lines
        return lines[seen % len(lines)]

    def silent(self, *, give_up: bool) -> str:
        """A turn with no reply: the customer asks if anyone is there, or gives up."""
        if self.ended:
            raise PersonaError("the call has already ended")
        self.turns += 1
        if give_up:
            return self._end("escalated")
        if self.turns >= self.persona.max_turns:
            return self._end("turn_limit")
        return self.persona.silence_prompt

    def _end(self, how: str) -> str:
        self.ended = how
        return self.persona.ending[how]

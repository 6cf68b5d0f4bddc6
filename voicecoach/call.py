"""The call, not the sentence, is what a coach judges.

A turn is judged against the call so far (`CallSoFar`): a HEART step already done
is not demanded again while the customer has not escalated since; after an
escalation it is expected again. Reassurance and action are what the trainee
should push for once the customer has been heard, and come after hearing them
before that. The session summary scores HEART over the whole call (which step,
on which turn) and picks the three things to practise next from the call: what
was missed where it mattered and never put right later.

Practice, the kiosk, the demo, rescoring and `score --call` all go through `Call`
(turn contexts in order) and `summarize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from voicecoach.types import Baseline, CallSoFar, CheckResult, PastTurn, Persona, TurnContext

# Steps that, once done, are not asked for again until the customer escalates: any
# check of a group done settles the whole group (a customer who was asked for the
# story and is calming need not also hear it reflected back).
SETTLE_GROUPS = (("reflect", "open-question"), ("empathy", "apology"), ("reassure",), ("alternatives",),
                 ("resolution-question",))
SETTLES = {check_id: group for group in SETTLE_GROUPS for check_id in group}
# Having done one of these, the customer has been heard.
HEARD_BY = ("reflect", "empathy", "apology", "open-question")
# What moves the call on once the customer has been heard.
MOVES_ON = ("action", "reassure")
# Feedback weight of a missing action/promise before the customer has been heard
# (hear them first) and after (now it is what the call needs).
BEFORE_HEARD_PRIORITY = 0.5
AFTER_HEARD_PRIORITY = 1.5
# The checks that show a HEART step was done on a turn. Accept is shown by a reply
# with none of its faults.
STEP_DONE_BY = {
    "hear": ("reflect", "open-question"),
    "empathize": ("empathy", "apology"),
    "reassure": ("reassure",),
    "take_action": ("action", "alternatives", "resolution-question"),
}
ACCEPT_FAULTS = ("no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues",
                 "respectful-boundary")
MAX_PRACTICE = 3


def settle(checks: list[CheckResult], call: CallSoFar | None) -> list[CheckResult]:
    """Checks with the steps the call has already done marked as settled (not demanded)."""
    if call is None or not call.turns:
        return checks
    out = []
    for c in checks:
        # A step done in full earlier is settled whether this reply skips it or half-repeats
        # it (a bare "sorry" after a full apology must not cost more than no apology).
        partial = c.passed is True and c.credit is not None and c.credit < 1.0
        done_on = _settled_on(call, c.id) if c.id in SETTLES and (c.passed is False or partial) else None
        if done_on is None:
            out.append(c)
        else:
            out.append(replace(c, passed=None, credit=None, settled_turn=done_on,
                               message=f"Done on turn {done_on + 1}, and the customer has not escalated since: "
                                       "no need to repeat it now."))
    return out


def _settled_on(call: CallSoFar, check_id: str) -> int | None:
    """The last earlier turn that did `check_id` (or another of its group), if no turn
    from it on escalated."""
    group = SETTLES.get(check_id, (check_id,))
    for past in reversed(call.turns):
        if past.outcome == "escalates":
            return None
        if past.done.intersection(group):
            return past.index
    return None


def heard(call: CallSoFar | None) -> bool:
    """The customer has been heard earlier in the call, and has not escalated since."""
    return call is not None and any(_settled_on(call, c) is not None for c in HEARD_BY)


def feedback_priority(checks: list[CheckResult], call: CallSoFar | None) -> dict[str, float]:
    """How much each miss counts when choosing this turn's feedback (1.0 unless listed)."""
    heard_now = any(c.passed is True for c in checks if c.id in HEARD_BY)
    if heard(call):
        factor = AFTER_HEARD_PRIORITY
    elif heard_now:
        return {}
    else:
        factor = BEFORE_HEARD_PRIORITY
    return {check_id: factor for check_id in MOVES_ON}


def past_turn(record: dict[str, Any], persona: Persona | None) -> PastTurn:
    """A stored turn record as the call history sees it."""
    checks = record.get("checks") or []
    return PastTurn(
        index=int(record.get("index", 0)),
        mood=_mood(persona, record.get("state")),
        outcome=str(record.get("outcome") or "holds"),
        done=frozenset(c["id"] for c in checks if c.get("passed") is True),
        raised=tuple(f["check_id"] for f in record.get("feedback") or []),
    )


def _mood(persona: Persona | None, state_id: Any) -> int | None:
    if persona is None or not isinstance(state_id, str):
        return None
    return next((s.mood for s in persona.states if s.id == state_id), None)


@dataclass
class Call:
    """The turns of one call so far; hands out each next turn's context."""

    persona: Persona | None
    baseline: Baseline | None = None
    agent_name: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)

    def context(self, *, turn_index: int, customer_line: str, state_id: str | None = None,
                live: bool = False, customer_name: str | None = None) -> TurnContext:
        persona = self.persona
        name = customer_name or (persona.address_as if persona is not None else None)
        replies = tuple(r["transcript"] for r in self.records if isinstance(r.get("transcript"), str) and r["transcript"])
        so_far = CallSoFar(turns=tuple(past_turn(r, persona) for r in self.records if r.get("outcome") != "silent"),
                           mood=_mood(persona, state_id))
        return TurnContext(persona=persona, turn_index=turn_index, customer_line=customer_line, customer_name=name,
                           agent_name=self.agent_name, baseline=self.baseline, live=live,
                           previous_replies=replies, call=so_far)

    def add(self, record: dict[str, Any]) -> None:
        """Append a finished turn (a turn record with `state` and `outcome`)."""
        self.records.append(record)


def rejudge(record: dict[str, Any], context: TurnContext, ruleset: Any) -> dict[str, Any]:
    """A turn record judged alone, re-judged in its call: settled checks, score, feedback."""
    from voicecoach.scoring import score_turn

    raw = [CheckResult(**c) for c in record.get("checks") or []]
    checks = settle([replace(c, settled_turn=None) for c in raw], context.call)
    scored = score_turn(checks, ruleset, context.persona, priority=feedback_priority(checks, context.call))
    from dataclasses import asdict

    return {**record, "checks": [asdict(c) for c in checks], "score": scored.score_0_100, "heart": scored.heart,
            "feedback": [asdict(f) for f in scored.feedback]}


def summarize(turns: list[dict[str, Any]], ruleset: Any, persona: Persona | None) -> dict[str, Any]:
    """The call as a whole: score, HEART step by step (best score and the first turn
    that did it) and up to three things to practise next, each naming its turn.

    Args:
        turns: the stored turn records in order (each with `checks`, `heart`, `index`).
    """
    from voicecoach.scoring import HEART_STEPS, better_line, weights
    from voicecoach.store import session_score

    heart: dict[str, dict[str, Any]] = {}
    for step in HEART_STEPS:
        scores = [t["heart"].get(step) for t in turns if isinstance(t.get("heart"), dict)]
        scores = [s for s in scores if s is not None]
        first = next((_index(t, i) for i, t in enumerate(turns) if _did(step, t.get("checks") or [])), None)
        heart[step] = {"score_0_100": max(scores) if scores else None, "turn": first}
    cost: dict[str, float] = {}
    worst: dict[str, tuple[float, int, str]] = {}
    last_miss: dict[str, int] = {}
    last_pass: dict[str, int] = {}
    for i, t in enumerate(turns):
        checks = [CheckResult(**c) for c in t.get("checks") or []]
        weight = weights(checks, ruleset, persona)
        for c in checks:
            if c.passed is True and (c.credit is None or c.credit >= 1.0):
                last_pass[c.id] = i
            if c.passed is None or weight[c.id] <= 0:
                continue
            credit = c.credit if c.credit is not None else float(bool(c.passed))
            if credit >= 1.0:
                continue
            miss = weight[c.id] * (1.0 - credit)
            cost[c.id] = cost.get(c.id, 0.0) + miss
            last_miss[c.id] = i
            if c.id not in worst or miss > worst[c.id][0]:
                worst[c.id] = (miss, _index(t, i), c.message)
    # Put right later in the call (after its last miss): acted on, not to practise.
    open_ids = [cid for cid in cost if last_pass.get(cid, -1) < last_miss[cid]]
    top = sorted(open_ids, key=lambda cid: (-cost[cid], worst[cid][1]))[:MAX_PRACTICE]
    practice = [{"check_id": cid, "turn": worst[cid][1], "why": worst[cid][2],
                 "try": better_line(cid, ruleset, persona)} for cid in top]
    return {"score": session_score(turns), "turns": len(turns), "heart": heart, "practice_next": practice}


def _index(turn: dict[str, Any], position: int) -> int:
    value = turn.get("index", position)
    return int(value) if isinstance(value, int) else position


def _did(step: str, checks: list[dict[str, Any]]) -> bool:
    passed = {c.get("id"): c.get("passed") for c in checks}
    if step == "accept":
        judged = [passed[c] for c in ACCEPT_FAULTS if c in passed and passed[c] is not None]
        return bool(judged) and all(judged)
    return any(passed.get(c) is True for c in STEP_DONE_BY.get(step, ()))

"""The check registry.

Each check is a small function registered with `@check`, under a stable id that
stored sessions and outside tools rely on. Its docstring's first paragraph is the
guidance it teaches (shown to the trainee); `passes`/`fails` are examples the
test suite runs for every registered check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from voicecoach.types import CheckResult, ProsodyReport, Transcript, TurnContext


@dataclass(frozen=True)
class TurnInput:
    """Everything a check may look at for one turn."""

    transcript: Transcript | None
    prosody: ProsodyReport | None
    context: TurnContext = field(default_factory=TurnContext)
    samples: Any = None  # the reply's audio (numpy, 16 kHz) when judged from sound
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


CheckFunc = Callable[[TurnInput, dict[str, Any]], CheckResult]


@dataclass(frozen=True)
class Check:
    id: str
    kind: str  # "content", "acoustic" or "combined"
    heart: str | None  # the HEART step it serves, if any
    guidance: str
    func: CheckFunc
    passes: tuple[dict[str, Any], ...] = ()
    fails: tuple[dict[str, Any], ...] = ()
    better: str = ""


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str,
    *,
    kind: str,
    heart: str | None = None,
    passes: tuple[dict[str, Any], ...] = (),
    fails: tuple[dict[str, Any], ...] = (),
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check. The function's docstring (first paragraph) is its guidance."""

    def register(func: CheckFunc) -> CheckFunc:
        if check_id in REGISTRY:
            raise ValueError(f"check id {check_id!r} registered twice")
        guidance = " ".join((func.__doc__ or "").strip().split("\n\n")[0].split())
        REGISTRY[check_id] = Check(check_id, kind, heart, guidance, func, passes, fails)
        return func

    return register


def not_applicable(check_id: str, reason: str) -> CheckResult:
    return CheckResult(id=check_id, passed=None, value=None, threshold=None, message=reason)


def all_checks() -> dict[str, Check]:
    """Every registered check (bundled combined rules included), importing the check
    modules on first use."""
    if not any(spec.kind == "combined" for spec in REGISTRY.values()):
        from voicecoach.rules import acoustic, content  # noqa: F401  (register on import)
        from voicecoach.rules.combined import bundled_tables

        for rule_id, table in bundled_tables().get("combined", {}).items():
            REGISTRY[rule_id] = Check(rule_id, "combined", table.get("heart") or None,
                                      " ".join(str(table["guidance"]).split()), _combined_placeholder,
                                      tuple(table.get("passes", ())), tuple(table.get("fails", ())),
                                      str(table.get("better", "")))
    return REGISTRY


def _combined_placeholder(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    raise RuntimeError("combined checks run through run_checks with a RuleSet")


def run_checks(turn: TurnInput, ruleset: Any) -> list[CheckResult]:
    """Run every check on one turn: acoustic and content checks in registry order,
    then the rule set's combined rules, which see the results before them."""
    from voicecoach.rules.combined import evaluate, symbols

    from voicecoach.understand import refine

    results = []
    for spec in all_checks().values():
        if spec.kind != "combined":
            results.append(spec.func(turn, ruleset.thresholds.get(spec.id, {})))
    results = refine(turn, results, ruleset)
    span = turn.cache.get("span")
    if span is None:
        span = _empathy_span(turn, results)
    known = [r.id for r in results] + [rule.id for rule in ruleset.combined]
    for rule in ruleset.combined:
        values = symbols(results, turn.prosody, span, turn.context.turn_index)
        results.append(evaluate(rule, values, known))
    return results


def _empathy_span(turn: TurnInput, results: list[CheckResult]) -> dict[str, float | None]:
    empathy = next((r for r in results if r.id == "empathy"), None)
    if (empathy is None or not empathy.passed or empathy.start_s is None or turn.samples is None
            or turn.prosody is None):
        return {}
    from voicecoach.prosody import span_delivery

    return span_delivery(turn.samples, sample_rate=16000, start_s=empathy.start_s, end_s=empathy.end_s,
                         report=turn.prosody, baseline=turn.context.baseline,
                         words=len(empathy.evidence.split()))


def band_credit(value: float, low: float | None, high: float | None, tolerance: float) -> float:
    """1.0 inside [low, high], falling linearly to 0.0 at `tolerance` beyond either edge."""
    miss = 0.0
    if low is not None and value < low:
        miss = low - value
    elif high is not None and value > high:
        miss = value - high
    return float(max(0.0, 1.0 - miss / tolerance)) if tolerance > 0 else float(miss == 0)


def example_turn(example: dict[str, Any]) -> TurnInput:
    """Build a TurnInput from a check's example: `text`, `prosody` overrides, `context`.

    The prosody starts from a calm, unremarkable reply (with a baseline) so an
    example only names what it is about.
    """
    from voicecoach.types import Baseline, Span, Word

    text = example.get("text")
    transcript = None
    if text is not None:
        tokens = text.split()
        words = [Word(t, 1.0 + 0.4 * i, 1.3 + 0.4 * i, 0.9) for i, t in enumerate(tokens)]
        transcript = Transcript(text=text, words=words, language="en", no_speech=not tokens)
    prosody = None
    if "prosody" in example or text is None:
        calm = dict(
            duration_s=8.0, reply_pause_s=1.0, speech_s=6.0, speech_rate_wpm=140.0, articulation_rate_wpm=150.0,
            pitch_median_hz=120.0, pitch_range_st=4.0, pitch_shift_st=0.5, loudness_db=-28.0,
            loudness_shift_db=1.0, rate_ratio=1.0, pitch_drift_st=0.3, loudness_drift_db=0.5,
            longest_pause_s=0.4, pauses=[Span(3.0, 3.4)], speech_spans=[Span(1.0, 3.0), Span(3.4, 7.4)],
            filler_count=0, word_count=14, voiced_fraction=0.6, has_baseline=True,
        )
        calm.update(example.get("prosody", {}))
        prosody = ProsodyReport(**calm)
    context = dict(example.get("context", {}))
    persona = context.get("persona")
    if isinstance(persona, str) and persona.startswith("@"):
        context["persona"] = stub_persona({persona[1:]: 1.0})
    if prosody is not None and prosody.has_baseline and "baseline" not in context:
        context["baseline"] = Baseline(120.0, -29.0, 140.0)
    turn = TurnInput(transcript=transcript, prosody=prosody, context=TurnContext(**context))
    if "span" in example:
        turn.cache["span"] = dict(example["span"])
    return turn


def stub_persona(checks: dict[str, float], **fields: Any) -> Any:
    """A minimal persona that opts into `checks` (for examples and tests)."""
    from voicecoach.types import Persona, PersonaState, VoiceSettings

    values: dict[str, Any] = dict(
        id="example", title="Example", customer_type="angry", customer_name="Alex Example", address_as="Alex",
        situation="", kernel_of_truth="", resolution="", vocabulary=(), max_turns=6, start_state="calm",
        escalation_allowed_after_turn=99, voice=VoiceSettings(), checks=dict(checks), better={},
        states=(PersonaState("calm", 0, ("Hello.",)),), ending={},
    )
    values.update(fields)
    return Persona(**values)

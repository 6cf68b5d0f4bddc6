"""The learned layer of the content judgement: one logistic classifier per check.

The phrase patterns (`rules/content.py`) are precise where they fire and know
negation, hedges and disclaimers, but a list of phrases cannot cover how people
really say things: "I know this system better than anyone" is defensive with no
defensive phrase in it, "I'll ring you back by three" is a promise without
"promise". The classifier sees what the patterns cannot: the meaning of each clause
(MiniLM sentence embeddings, already computed for the paraphrase checks), pooled over
the reply (their mean), how close the reply is to the customer's complaint, and
every pattern check's verdict. So the patterns stay in as evidence the model weighs,
and as the source of the quoted span when they agree with it.

The model is trained by `scripts/train_content.py` on the labelled replies in
`tests/data/` (never on `tests/data/untouched/`) and shipped as
`voicecoach/data/content_model.npz`. Names (customer-name, own-name) stay with the
pattern/phonetic matcher: a name is a fact to find, not a meaning to weigh.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from voicecoach.types import CheckResult

if TYPE_CHECKING:
    from voicecoach.rules import TurnInput
    from voicecoach.rules.content import TextView

MODEL_FILE = "content_model.npz"
# Below this many words the patterns alone judge: a reply like "Sorry." has too
# little meaning to weigh, and the labelled replies the model learned from are longer.
MIN_LEARNED_TOKENS = 4
# Checks the classifier judges, in feature order of their pattern verdicts.
LEARNED = ("reflect", "empathy", "apology", "reassure", "action", "open-question", "no-contradiction",
           "no-agreement", "no-defensiveness", "no-blaming-colleagues", "respectful-boundary", "positive-language",
           "resolution-question", "alternatives", "no-premature-escalation")
PATTERN_ONLY = ("customer-name", "own-name")
# Checks a persona opts into; the features always carry their pattern verdict, so that
# a customer who does not expect them is read the same way as the training replies.
OPT_IN = ("open-question", "respectful-boundary", "resolution-question", "alternatives")
# For these the classifier detects the fault; `passed` is its absence.
FAULTS = frozenset({"no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues",
                    "positive-language", "no-premature-escalation"})

# What the trainee hears when the classifier, not a phrase, found the behaviour or fault.
FOUND = {
    "reflect": "You reflected the complaint back: {quote}.",
    "empathy": "You showed empathy: {quote}.",
    "apology": "You apologized: {quote}.",
    "reassure": "You reassured the customer: {quote}.",
    "action": "You proposed a concrete step: {quote}.",
    "open-question": "Good open question: {quote}.",
    "respectful-boundary": "You set a calm boundary: {quote}.",
    "resolution-question": "You asked what would resolve it: {quote}.",
    "alternatives": "You offered options: {quote}.",
    "no-contradiction": "{quote} disputes the customer's account: accept their experience and look into it instead.",
    "no-agreement": "{quote} reinforces the complaint: rephrase what went wrong instead of agreeing.",
    "no-defensiveness": "{quote} sounds defensive: leave yourself out of it and talk about fixing the problem.",
    "no-blaming-colleagues": "{quote} blames someone else: apologize on the company's behalf and fix it.",
    "positive-language": "{quote} tells the customer what you can't do: follow it with what you can.",
    "no-premature-escalation": "{quote} hands the call off too early: try your own options first.",
}
MISSED = {
    "reflect": "You did not reflect the complaint back: restate what went wrong in your own words before answering.",
    "empathy": "You did not acknowledge how the customer feels: name the feeling before the fix.",
    "apology": "You did not apologize: \"I apologize for the trouble this has caused\" admits no blame and calms the customer.",
    "reassure": "You did not reassure the customer that this will be sorted; promise what you can deliver.",
    "action": "You offered no concrete next step: say what you will do now (\"let me check … right now\").",
    "open-question": "You asked no open question: ask what happened or how it affected them before proposing a fix.",
    "respectful-boundary": "You let the personal attack pass without a word: say calmly that remarks like that won't "
                           "help solve it, and that you are committed to helping.",
    "resolution-question": "Ask what a good outcome looks like to them (\"what would put this right for you?\") "
                           "before offering more.",
    "alternatives": "Offer the customer a choice of two or three things you can do.",
    "no-contradiction": "You did not contradict the customer.",
    "no-agreement": "You did not reinforce the complaint.",
    "no-defensiveness": "You stayed non-defensive.",
    "no-blaming-colleagues": "You did not blame colleagues.",
    "positive-language": "Your wording stayed positive.",
    "no-premature-escalation": "You kept ownership of the call.",
}


def detected(check_id: str, result: CheckResult) -> bool | None:
    """Whether a result says the thing the check looks for is there (the fault, for faults)."""
    if result.passed is None:
        return None
    return (not result.passed) if check_id in FAULTS else bool(result.passed)


@dataclass(frozen=True)
class ContentModel:
    """Per-check logistic weights over `features`; `threshold` is each check's cut, and
    `margin` how far below it the probability must fall to overrule a phrase the
    patterns found (at least down to 0.1: they are precise where they fire)."""

    checks: tuple[str, ...]
    weights: np.ndarray  # (checks, features)
    bias: np.ndarray  # (checks,)
    threshold: np.ndarray  # (checks,)
    margin: np.ndarray  # (checks,)
    mean: np.ndarray  # feature standardisation
    scale: np.ndarray
    data_sha256: str

    def probabilities(self, x: np.ndarray) -> dict[str, float]:
        x = np.where(np.isnan(x), self.mean, x)  # an unknown part (no customer line) reads as average
        z = self.weights @ ((x - self.mean) / self.scale) + self.bias
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return dict(zip(self.checks, (float(v) for v in p)))

    def row(self, check_id: str) -> int:
        return self.checks.index(check_id)


@lru_cache(maxsize=1)
def shared_model() -> ContentModel | None:
    """The shipped model, or None when the package carries none (patterns alone then)."""
    path = resources.files("voicecoach.data").joinpath(MODEL_FILE)
    if not path.is_file():
        return None
    with resources.as_file(path) as real, np.load(real, allow_pickle=False) as data:
        return ContentModel(
            checks=tuple(str(c) for c in data["checks"]), weights=data["weights"], bias=data["bias"],
            threshold=data["threshold"], margin=data["margin"], mean=data["mean"], scale=data["scale"],
            data_sha256=str(data["data_sha256"]),
        )


def features(v: TextView, results: dict[str, CheckResult]) -> np.ndarray:
    """The reply as the classifier sees it: pooled clause meaning, closeness to the
    complaint, size and question shape, and every pattern check's verdict."""
    from voicecoach.embed import DIM

    vectors = v.vectors if v.vectors is not None and len(v.vectors) else np.zeros((1, DIM), dtype=np.float32)
    # Mean only: an element-wise max over clauses grows with their number, so a one-line
    # reply would read unlike the longer replies the model learned from.
    pooled = [vectors.mean(axis=0)]
    if v.customer_vector is not None and v.vectors is not None and len(v.vectors):
        sims = v.vectors @ v.customer_vector
        closeness = [float(sims.max()), float(sims.mean()), float(v.customer_vector @ vectors.mean(axis=0))]
    else:
        closeness = [float("nan")] * 3
    shape = [np.log1p(len(v.reply.tokens)), float(len(v.clauses)), float(bool(v.reply.questions)),
             float(sum(t in ("not", "never", "no", "nothing") for t in v.reply.tokens))]
    verdicts = []
    for check_id in LEARNED:
        r = results.get(check_id)
        found = detected(check_id, r) if r is not None else None
        credit = r.credit if r is not None and r.credit is not None and found is not None else 0.0
        verdicts += [1.0 if found else 0.0, float(credit)]
    return np.concatenate([*pooled, np.array(closeness + shape + verdicts, dtype=np.float32)]).astype(np.float32)


def pattern_verdicts(turn: TurnInput, results: list[CheckResult], ruleset: Any) -> dict[str, CheckResult]:
    """The pattern results by id, with the opt-in checks judged as if the persona expected them."""
    from dataclasses import replace as copy

    from voicecoach.rules import REGISTRY, stub_persona

    by_id = {r.id: r for r in results}
    persona = turn.context.persona
    missing = [c for c in OPT_IN if c in REGISTRY and (persona is None or persona.checks.get(c, 0.0) <= 0)]
    if missing:
        opted = (copy(persona, checks={**persona.checks, **{c: 1.0 for c in missing}}) if persona is not None
                 else stub_persona({c: 1.0 for c in missing}))
        forced = copy(turn, context=copy(turn.context, persona=opted))  # shares the per-turn cache
        vetoes = dict(turn.cache.get("vetoes", {}))
        for check_id in missing:
            by_id[check_id] = REGISTRY[check_id].func(forced, ruleset.thresholds.get(check_id, {}))
        turn.cache["vetoes"] = vetoes  # an opt-in the persona does not use vetoes nothing
    return by_id


def refine(turn: TurnInput, results: list[CheckResult], ruleset: Any) -> list[CheckResult]:
    """The pattern results with the classifier's verdict on each learned check.

    Where the classifier agrees with the pattern the pattern's result (and its quoted
    span) stands; where it disagrees, the classifier's verdict is taken, quoting the
    clause that drove it. Not-applicable results are never changed."""
    from voicecoach.rules.content import view

    if turn.cache.get("patterns_only"):
        return results
    model = shared_model()
    if model is None:
        return results
    v = view(turn)
    if v is None or len(v.reply.tokens) < MIN_LEARNED_TOKENS:
        return results
    x = features(v, pattern_verdicts(turn, results, ruleset))
    probabilities = model.probabilities(x)
    vetoes = turn.cache.get("vetoes", {})
    out = []
    for r in results:
        if r.id not in probabilities or r.passed is None:
            out.append(r)
            continue
        p = probabilities[r.id]
        row = model.row(r.id)
        cut = float(model.threshold[row])
        found = detected(r.id, r)
        says = p >= (cut - float(model.margin[row]) if found else cut)
        if says == found or (says and r.id in vetoes):
            out.append(replace(r, value=_with_p(r.value, p)) if isinstance(r.value, dict) else r)
            continue
        out.append(_overruled(r, says, p, cut, v, x, model))
    return out


def _with_p(value: dict[str, Any], p: float) -> dict[str, Any]:
    return {**value, "model_p": round(p, 3)}


def _overruled(r: CheckResult, says: bool, p: float, cut: float, v: TextView, x: np.ndarray,
               model: ContentModel) -> CheckResult:
    value = {"model_p": round(p, 3), "pattern": r.evidence or None}
    threshold = {"model_cut": round(cut, 3)}
    if not says:
        passed = r.id in FAULTS
        return CheckResult(r.id, passed, value, threshold, MISSED[r.id], "", None, None, 1.0 if passed else 0.0)
    match = _driving_clause(r.id, v, x, model)
    quote = f"\u201c{match.text.strip(' ,.')}\u201d" if match is not None else "what you said"
    message = FOUND[r.id].format(quote=quote)
    if r.id in FAULTS:
        message = message[0].upper() + message[1:]
    passed = r.id not in FAULTS
    evidence = match.text if match is not None else ""
    start = match.start_s if match is not None else None
    end = match.end_s if match is not None else None
    return CheckResult(r.id, passed, value, threshold, message, evidence, start, end, 1.0 if passed else 0.0)


def _driving_clause(check_id: str, v: TextView, x: np.ndarray, model: ContentModel) -> Any:
    """The clause whose meaning pushes the check's score up most (its vector put in
    place of the reply's mean, the rest of the features kept)."""
    from voicecoach.embed import DIM

    if v.vectors is None or not len(v.vectors):
        return None
    i = model.row(check_id)
    w = model.weights[i] / model.scale
    gains = v.vectors @ w[:DIM]
    best = int(np.argmax(gains[: len(v.clauses)]))
    return v.reply.match(*v.clauses[best])

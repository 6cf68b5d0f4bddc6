"""Check results -> turn score (0-100), HEART breakdown and at most three feedback items.

Every applicable check contributes its weight times its credit (0..1), so a near
miss costs a little and a half-met check earns half: no zero for almost. A
persona re-weights checks for its customer type; weight 0 drops a check.
"""

from __future__ import annotations

from typing import Any

from voicecoach.types import CheckResult, FeedbackItem, Persona, TurnScore

HEART_STEPS = ("hear", "empathize", "accept", "reassure", "take_action")
MAX_FEEDBACK = 3

# A better way to say it, when the persona has none of its own for the check.
DEFAULT_BETTER = {
    "reflect": "So, if I've got this right, <restate what went wrong in their words>.",
    "empathy": "That sounds really frustrating, and I'd feel the same in your position.",
    "apology": "I apologize for the trouble this has caused you.",
    "reassure": "I'm going to make sure this gets sorted today.",
    "action": "Let me check that for you right now.",
    "open-question": "Could you tell me what happened when you tried it?",
    "customer-name": "Use their name once early on: \"I'm sorry about this, Mr Morales.\"",
    "own-name": "My name is <your name>, and I'll be looking after this for you.",
    "no-contradiction": "Let me look into exactly what happened.",
    "no-agreement": "So the delivery you were promised for Tuesday never came.",
    "no-defensiveness": "Let's focus on getting this fixed for you.",
    "no-blaming-colleagues": "I apologize for the mix-up earlier; it's mine to fix now.",
    "positive-language": "What I can do is <the option you can offer>.",
    "respectful-boundary": "I do want to help you, and I can do that best if we keep this about the order.",
    "resolution-question": "What would put this right for you?",
    "alternatives": "I can either <option one> or <option two>; which would suit you better?",
    "no-premature-escalation": "Let me see what I can do for you myself first.",
    "calm-pace": "Slow down: aim for about 140 words a minute, with a breath between sentences.",
    "reply-pause": "Let them finish, breathe in and out once, then answer.",
    "steady-pitch": "Drop your shoulders, breathe out, and start your reply low.",
    "steady-volume": "Keep to your normal speaking volume, however loud the customer gets.",
    "no-dead-air": "Tell them what you're doing while you look: \"I'm just pulling up your order now.\"",
    "fillers": "Replace \"um\" with a short silent pause.",
    "no-interruption": "Wait for the customer's last word, breathe, then answer.",
}


def weights(checks: list[CheckResult], ruleset: Any, persona: Persona | None) -> dict[str, float]:
    """Each check's weight: the persona's when it names the check, else the rule set's."""
    out = {}
    for c in checks:
        if persona is not None and c.id in persona.checks:
            out[c.id] = float(persona.checks[c.id])
        else:
            out[c.id] = ruleset.weight(c.id)
    return out


def heart_of(check_id: str, ruleset: Any) -> str | None:
    from voicecoach.rules import all_checks

    for rule in ruleset.combined:
        if rule.id == check_id:
            return rule.heart or None
    spec = all_checks().get(check_id)
    return spec.heart if spec else None


def score_turn(checks: list[CheckResult], ruleset: Any, persona: Persona | None = None, *,
               priority: dict[str, float] | None = None) -> TurnScore:
    """Weighted partial-credit score, HEART breakdown and the top feedback items.

    `priority` scales how much a miss counts when the feedback is chosen (the call
    decides: hear the customer before pushing a fix); it does not change the score."""
    priority = priority or {}
    weight = weights(checks, ruleset, persona)
    applicable = [c for c in checks if c.passed is not None and weight[c.id] > 0]

    def credit(c: CheckResult) -> float:
        return c.credit if c.credit is not None else float(bool(c.passed))

    total = sum(weight[c.id] for c in applicable)
    score = round(100.0 * sum(weight[c.id] * credit(c) for c in applicable) / total, 1) if total > 0 else None
    heart: dict[str, float | None] = {}
    for step in HEART_STEPS:
        mine = [c for c in applicable if heart_of(c.id, ruleset) == step]
        step_weight = sum(weight[c.id] for c in mine)
        heart[step] = round(100.0 * sum(weight[c.id] * credit(c) for c in mine) / step_weight, 1) if mine else None
    misses = sorted((c for c in applicable if credit(c) < 1.0),
                    key=lambda c: weight[c.id] * (1.0 - credit(c)) * priority.get(c.id, 1.0), reverse=True)
    feedback = [
        FeedbackItem(check_id=c.id, text=c.message, quote=c.evidence, start_s=c.start_s, end_s=c.end_s,
                     suggestion=better_line(c.id, ruleset, persona))
        for c in misses[:MAX_FEEDBACK]
    ]
    return TurnScore(score_0_100=score, heart=heart, checks=checks, feedback=feedback)


def better_line(check_id: str, ruleset: Any, persona: Persona | None) -> str:
    if persona is not None and check_id in persona.better:
        return persona.better[check_id]
    for rule in ruleset.combined:
        if rule.id == check_id and rule.better:
            return rule.better
    return DEFAULT_BETTER.get(check_id, "")

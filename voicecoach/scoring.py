"""Check results -> turn score (0-100), HEART breakdown and at most three feedback items.

Every applicable check contributes its weight times its credit (0..1), so a near
miss costs a little and a half-met check earns half: no zero for almost.
"""

from __future__ import annotations

from typing import Any

from voicecoach.types import CheckResult, FeedbackItem, TurnScore

HEART_STEPS = ("hear", "empathize", "accept", "reassure", "take_action")
MAX_FEEDBACK = 3


def score_turn(checks: list[CheckResult], thresholds: dict[str, dict[str, Any]]) -> TurnScore:
    """Weighted partial-credit score, HEART breakdown and the top feedback items."""
    from voicecoach.rules import all_checks

    registry = all_checks()
    applicable = [c for c in checks if c.passed is not None]

    def weight(c: CheckResult) -> float:
        return float(thresholds.get(c.id, {}).get("weight", 1.0))

    def credit(c: CheckResult) -> float:
        return c.credit if c.credit is not None else float(bool(c.passed))

    total = sum(weight(c) for c in applicable)
    score = round(100.0 * sum(weight(c) * credit(c) for c in applicable) / total, 1) if total > 0 else None
    heart: dict[str, float | None] = {}
    for step in HEART_STEPS:
        mine = [c for c in applicable if c.id in registry and registry[c.id].heart == step]
        heart[step] = round(100.0 * sum(credit(c) for c in mine) / len(mine), 1) if mine else None
    misses = sorted((c for c in applicable if not c.passed), key=lambda c: weight(c) * (1.0 - credit(c)), reverse=True)
    feedback = [
        FeedbackItem(check_id=c.id, text=c.message, quote=c.evidence, start_s=c.start_s, end_s=c.end_s)
        for c in misses[:MAX_FEEDBACK]
    ]
    return TurnScore(score_0_100=score, heart=heart, checks=checks, feedback=feedback)

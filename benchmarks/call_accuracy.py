#!/usr/bin/env python3
"""How well the conversation-aware judgement agrees with a coach over whole calls.

    python benchmarks/call_accuracy.py [--untouched] [--errors]

Each labelled call (tests/data/CALLS.md) says, turn by turn, what a coach would
raise (`coach_says`) and would clearly not raise (`coach_does_not_say`), which turn
first did each HEART step, and what the call's "practise next" must include and
exclude. The calls are judged as `voicecoach score --call` judges them (text replies).

Figures:
- says: share of the coach's points that are among the turn's feedback items;
- quiet: share of the "would not say" points that the feedback does not raise;
- heart: share of HEART steps whose first turn matches;
- next-in / next-out: practise-next includes found / excludes kept out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "calls" / "dev.jsonl"
UNTOUCHED = ROOT / "tests" / "data" / "untouched" / "calls.jsonl"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def judge(call: dict) -> dict:
    from voicecoach.callfile import ScriptedCall, ScriptedTurn, judge_call
    from voicecoach.rules.thresholds import load_ruleset

    scripted = ScriptedCall(Path("labelled"), call["persona"], None,
                            tuple(ScriptedTurn(t["customer_line"], t["reply"], None, None) for t in call["turns"]))
    return judge_call(scripted, ruleset=load_ruleset())


def evaluate(calls: list[dict]) -> tuple[dict[str, list[int]], list[str]]:
    """Per figure [agreeing, total]; and a line per disagreement."""
    counts = {k: [0, 0] for k in ("says", "quiet", "heart", "next-in", "next-out")}
    errors = []
    for call in calls:
        result = judge(call)
        for labelled, judged in zip(call["turns"], result["turns"]):
            raised = {f["check_id"] for f in judged["feedback"]}
            applicable = {c["id"] for c in judged["checks"] if c["passed"] is not None}
            for cid in labelled.get("coach_says", []):
                counts["says"][1] += 1
                if cid in raised:
                    counts["says"][0] += 1
                else:
                    state = "n/a" if cid not in applicable else "not top-3"
                    errors.append(f"{call['id']} turn {judged['turn']}: coach says {cid}, judged {state}: {labelled['reply']}")
            for cid in labelled.get("coach_does_not_say", []):
                counts["quiet"][1] += 1
                if cid not in raised:
                    counts["quiet"][0] += 1
                else:
                    errors.append(f"{call['id']} turn {judged['turn']}: coach would not say {cid}: {labelled['reply']}")
        heart = result["session"]["heart"]
        for step, turn in call["heart_turns"].items():
            counts["heart"][1] += 1
            got = heart.get(step, {}).get("turn")
            if got == turn:
                counts["heart"][0] += 1
            else:
                errors.append(f"{call['id']}: HEART {step} first on turn {turn}, judged {got}")
        practice = {f["check_id"] for f in result["session"]["feedback"]}
        for cid in call["practise_next"].get("includes", []):
            counts["next-in"][1] += 1
            counts["next-in"][0] += cid in practice
            if cid not in practice:
                errors.append(f"{call['id']}: practise next should include {cid}, got {sorted(practice)}")
        for cid in call["practise_next"].get("excludes", []):
            counts["next-out"][1] += 1
            counts["next-out"][0] += cid not in practice
            if cid in practice:
                errors.append(f"{call['id']}: practise next should not include {cid}")
    return counts, errors


def table(counts: dict[str, list[int]]) -> str:
    lines = ["| figure | agree | of | share |", "|---|---|---|---|"]
    for name, (good, total) in counts.items():
        lines.append(f"| {name} | {good} | {total} | {good / max(1, total):.2f} |")
    return "\n".join(lines)


def main() -> int:
    untouched = "--untouched" in sys.argv
    calls = load(UNTOUCHED if untouched else DEV)
    counts, errors = evaluate(calls)
    print(f"{len(calls)} calls, {sum(len(c['turns']) for c in calls)} turns\n")
    print(table(counts))
    if "--errors" in sys.argv and not untouched:
        print("\n" + "\n".join(errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

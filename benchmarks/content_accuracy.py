#!/usr/bin/env python3
"""Per-check precision and recall of the content checks on the labelled replies.

    python benchmarks/content_accuracy.py [tests/data/labelled_replies.jsonl] [--errors]

Each record (written by hand, independently of the check code) holds a customer
line, a trainee reply and the expected `passed` value of some checks. Precision
and recall are for *detecting what the check looks for*: the behaviour for
checks like `empathy`, the fault for the `no-...` checks. The opt-in checks
(open-question, respectful-boundary, resolution-question, alternatives) are
switched on for every record so that their detectors are measured everywhere.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "labelled_replies.jsonl"
OPT_IN = ("open-question", "respectful-boundary", "resolution-question", "alternatives")


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def predict(record: dict) -> dict[str, bool | None]:
    from voicecoach import turn
    from voicecoach.personas import get_persona
    from voicecoach.types import TurnContext

    persona = get_persona(record["persona"])
    persona = replace(persona, checks={**persona.checks, **{c: 1.0 for c in OPT_IN}})
    context = TurnContext(persona=persona, turn_index=int(record.get("turn", 0)),
                          customer_line=record.get("customer_line", ""), customer_name=record.get("customer_name"))
    verdicts = {c.id: c.passed for c in turn.judge_text(record["reply"], context=context).checks}
    if "own-name" in record["labels"] and context.turn_index != 0:
        first = turn.judge_text(record["reply"], context=replace(context, turn_index=0)).checks
        verdicts["own-name"] = next(c.passed for c in first if c.id == "own-name")
    return verdicts


def evaluate(records: list[dict]) -> tuple[dict[str, dict], list[tuple[str, str, bool, bool | None, str]]]:
    """Per check: tp, fp, fn, tn, precision, recall; and the list of disagreements."""
    stats: dict[str, dict] = {}
    errors = []
    for record in records:
        verdicts = predict(record)
        for check_id, expected in record["labels"].items():
            fault = check_id.startswith("no-") or check_id == "positive-language"
            got = verdicts.get(check_id)
            # None (not applicable) counts as "nothing detected"
            truth = (expected is False) if fault else (expected is True)
            said = (got is False) if fault else (got is True)
            s = stats.setdefault(check_id, {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
            s[("t" if truth == said else "f") + ("p" if said else "n")] += 1
            if truth != said:
                errors.append((record["id"], check_id, expected, got, record["reply"]))
    for s in stats.values():
        s["precision"] = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        s["recall"] = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        s["n"] = s["tp"] + s["fp"] + s["fn"] + s["tn"]
    return stats, errors


def table(stats: dict[str, dict]) -> str:
    lines = ["| check | n | detected (tp+fn) | precision | recall |", "|---|---|---|---|---|"]
    for check_id in sorted(stats):
        s = stats[check_id]
        lines.append(f"| {check_id} | {s['n']} | {s['tp'] + s['fn']} | {s['precision']:.2f} | {s['recall']:.2f} |")
    tp = sum(s["tp"] for s in stats.values())
    fp = sum(s["fp"] for s in stats.values())
    fn = sum(s["fn"] for s in stats.values())
    lines.append(f"| **all** | {sum(s['n'] for s in stats.values())} | {tp + fn} | {tp / max(1, tp + fp):.2f} | {tp / max(1, tp + fn):.2f} |")
    return "\n".join(lines)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    records = load(Path(args[0]) if args else DATA)
    stats, errors = evaluate(records)
    print(f"{len(records)} labelled replies\n")
    print(table(stats))
    if "--split" in sys.argv:
        # The patterns were refined looking only at mistakes on odd-numbered records;
        # the even-numbered ones are the held-out half.
        for name, parity in (("tuning half (odd ids)", 1), ("held-out half (even ids)", 0)):
            part = [r for r in records if int(r["id"].lstrip("r")) % 2 == parity]
            print(f"\n{name}: {len(part)} replies\n")
            print(table(evaluate(part)[0]))
    if "--errors" in sys.argv:
        print()
        for rid, check_id, expected, got, reply in errors:
            print(f"{rid} {check_id}: labelled {expected}, judged {got}: {reply}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

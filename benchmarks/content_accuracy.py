#!/usr/bin/env python3
"""Per-check precision, recall and F1 of the content judgement on labelled replies.

    python benchmarks/content_accuracy.py [FILE.jsonl ...] [--errors] [--patterns-only] [--untouched]

Each record (written by hand, independently of the check code; see
tests/data/LABELLING.md) holds a customer line, a trainee reply and the expected
`passed` value of the content checks. Precision and recall are for *detecting what
the check looks for*: the behaviour for checks like `empathy`, the fault for the
`no-...` checks and `positive-language`. The opt-in checks (open-question,
respectful-boundary, resolution-question, alternatives) are switched on for every
record so that their detectors are measured everywhere.

Without files it reads the training set (tests/data/labelled_replies.jsonl and
tests/data/batches/*.jsonl); `--untouched` reads the untouched test split, which
nobody tuning the judgement reads: only its figures are printed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "labelled_replies.jsonl"
BATCHES = ROOT / "tests" / "data" / "batches"
UNTOUCHED = ROOT / "tests" / "data" / "untouched" / "replies.jsonl"
OPT_IN = ("open-question", "respectful-boundary", "resolution-question", "alternatives")
FAULTS = ("no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues", "positive-language",
          "no-premature-escalation")


def training_files() -> list[Path]:
    return [DATA, *sorted(BATCHES.glob("*.jsonl"))]


def load_all(paths: list[Path] | None = None) -> list[dict]:
    out = []
    for path in paths or training_files():
        out += load(path)
    return out


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def context_of(record: dict):
    from voicecoach.personas import get_persona
    from voicecoach.types import TurnContext

    persona = get_persona(record["persona"])
    persona = replace(persona, checks={**persona.checks, **{c: 1.0 for c in OPT_IN}})
    return TurnContext(persona=persona, turn_index=int(record.get("turn", 0)),
                       customer_line=record.get("customer_line", ""), customer_name=record.get("customer_name"))


def predict(record: dict, *, patterns_only: bool = False) -> dict[str, bool | None]:
    from voicecoach import turn

    context = context_of(record)
    verdicts = {c.id: c.passed for c in turn.judge_text(record["reply"], context=context,
                                                        patterns_only=patterns_only).checks}
    if "own-name" in record["labels"] and context.turn_index != 0:
        first = turn.judge_text(record["reply"], context=replace(context, turn_index=0)).checks
        verdicts["own-name"] = next(c.passed for c in first if c.id == "own-name")
    return verdicts


def pattern_features(record: dict):
    """(feature vector, pattern verdicts, vetoes) of a record, as the classifier is trained on."""
    from voicecoach.rules import TurnInput, run_checks
    from voicecoach.rules.content import view
    from voicecoach.rules.thresholds import load_ruleset
    from voicecoach.types import Transcript, Word
    from voicecoach.understand import features, pattern_verdicts

    tokens = record["reply"].split()
    transcript = Transcript(record["reply"].strip(), [Word(t, 0.0, 0.0, 1.0) for t in tokens], "en", not tokens)
    turn_input = TurnInput(transcript, None, context_of(record))
    turn_input.cache["patterns_only"] = True
    rules = load_ruleset()
    results = run_checks(turn_input, rules)
    v = view(turn_input)
    if v is None:
        return None, {r.id: r.passed for r in results}, {}
    x = features(v, pattern_verdicts(turn_input, results, rules))
    return x, {r.id: r.passed for r in results}, dict(turn_input.cache.get("vetoes", {}))


def evaluate(records: list[dict], *, patterns_only: bool = False,
             verdicts_of=None) -> tuple[dict[str, dict], list[tuple[str, str, bool, bool | None, str]]]:
    """Per check: tp, fp, fn, tn, precision, recall, f1; and the list of disagreements."""
    stats: dict[str, dict] = {}
    errors = []
    for record in records:
        verdicts = verdicts_of(record) if verdicts_of else predict(record, patterns_only=patterns_only)
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
        s["f1"] = 2 * s["precision"] * s["recall"] / (s["precision"] + s["recall"]) if s["precision"] + s["recall"] else 0.0
    return stats, errors


def macro_f1(stats: dict[str, dict]) -> float:
    return sum(s["f1"] for s in stats.values()) / len(stats) if stats else 0.0


def table(stats: dict[str, dict]) -> str:
    lines = ["| check | n | detected (tp+fn) | precision | recall | F1 |", "|---|---|---|---|---|---|"]
    for check_id in sorted(stats):
        s = stats[check_id]
        lines.append(f"| {check_id} | {s['n']} | {s['tp'] + s['fn']} | {s['precision']:.2f} | {s['recall']:.2f} "
                     f"| {s['f1']:.2f} |")
    tp = sum(s["tp"] for s in stats.values())
    fp = sum(s["fp"] for s in stats.values())
    fn = sum(s["fn"] for s in stats.values())
    lines.append(f"| **all** | {sum(s['n'] for s in stats.values())} | {tp + fn} | {tp / max(1, tp + fp):.2f} "
                 f"| {tp / max(1, tp + fn):.2f} | macro {macro_f1(stats):.2f} |")
    return "\n".join(lines)


def main() -> int:
    args = [Path(a) for a in sys.argv[1:] if not a.startswith("--")]
    if "--untouched" in sys.argv:
        args = [UNTOUCHED]
    records = load_all(args or None)
    stats, errors = evaluate(records, patterns_only="--patterns-only" in sys.argv)
    print(f"{len(records)} labelled replies\n")
    print(table(stats))
    if "--errors" in sys.argv and "--untouched" not in sys.argv:
        print()
        for rid, check_id, expected, got, reply in errors:
            print(f"{rid} {check_id}: labelled {expected}, judged {got}: {reply}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

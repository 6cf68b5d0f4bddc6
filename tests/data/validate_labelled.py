#!/usr/bin/env python3
"""Check labelled-reply files against LABELLING.md: python tests/data/validate_labelled.py FILE..."""
import json
import sys
from pathlib import Path

PERSONAS = {"abrupt-executive", "abusive-caller", "angry-eddie", "cultural-sarcasm", "know-it-all", "loud-demander",
            "missing-parcel", "never-satisfied", "overdue-borrower"}
CHECKS = {"reflect", "empathy", "apology", "reassure", "action", "open-question", "customer-name", "own-name",
          "no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues", "positive-language",
          "resolution-question", "alternatives", "no-premature-escalation"}
FIELDS = {"id", "batch", "writer", "style", "persona", "turn", "customer_name", "customer_line", "reply", "labels"}


def main(paths: list[str]) -> int:
    bad = 0
    for path in paths:
        seen = set()
        for n, line in enumerate(Path(path).read_text().splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                r = json.loads(line)
            except ValueError as exc:
                print(f"{where}: not JSON ({exc})"); bad += 1; continue
            problems = []
            if set(r) != FIELDS:
                problems.append(f"fields {sorted(set(r) ^ FIELDS)} wrong")
            if r.get("persona") not in PERSONAS:
                problems.append(f"unknown persona {r.get('persona')!r}")
            if r.get("id") in seen:
                problems.append(f"duplicate id {r.get('id')}")
            seen.add(r.get("id"))
            labels = r.get("labels", {})
            missing = CHECKS - set(labels)
            extra = set(labels) - CHECKS - {"respectful-boundary"}
            if missing or extra:
                problems.append(f"labels missing {sorted(missing)} extra {sorted(extra)}")
            if any(not isinstance(v, bool) for v in labels.values()):
                problems.append("labels must be true/false")
            if not isinstance(r.get("turn"), int) or not str(r.get("reply", "")).strip():
                problems.append("turn must be an int and reply non-empty")
            for p in problems:
                print(f"{where}: {p}"); bad += 1
    print("ok" if not bad else f"{bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

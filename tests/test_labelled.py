"""Precision and recall of the content checks on 523 hand-labelled replies.

The replies were written and labelled independently of the check code (see
benchmarks/content_accuracy.py for how they are scored). Floors are set just
under what the checks reach, so any regression fails.
"""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import content_accuracy  # noqa: E402

OVERALL_PRECISION = 0.90
OVERALL_RECALL = 0.84
CHECK_PRECISION = 0.75
CHECK_RECALL = 0.50


@pytest.fixture(scope="module")
def stats():
    records = content_accuracy.load()
    assert len(records) >= 200
    result, _ = content_accuracy.evaluate(records)
    print("\n" + content_accuracy.table(result))
    return result


def test_the_set_covers_every_content_check_both_ways(stats):
    for check_id in ("reflect", "empathy", "apology", "reassure", "action", "open-question", "customer-name",
                     "own-name", "no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues",
                     "positive-language", "respectful-boundary", "resolution-question", "alternatives",
                     "no-premature-escalation"):
        s = stats[check_id]
        assert s["tp"] + s["fn"] >= 12 and s["fp"] + s["tn"] >= 12, check_id


def test_overall_precision_and_recall(stats):
    tp = sum(s["tp"] for s in stats.values())
    fp = sum(s["fp"] for s in stats.values())
    fn = sum(s["fn"] for s in stats.values())
    assert tp / (tp + fp) >= OVERALL_PRECISION
    assert tp / (tp + fn) >= OVERALL_RECALL


@pytest.mark.parametrize("check_id", sorted([
    "reflect", "empathy", "apology", "reassure", "action", "open-question", "customer-name", "own-name",
    "no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues", "positive-language",
    "respectful-boundary", "resolution-question", "alternatives", "no-premature-escalation"]))
def test_each_check_meets_its_floor(stats, check_id):
    s = stats[check_id]
    assert s["precision"] >= CHECK_PRECISION, f"{check_id} precision {s['precision']:.2f}"
    assert s["recall"] >= CHECK_RECALL, f"{check_id} recall {s['recall']:.2f}"

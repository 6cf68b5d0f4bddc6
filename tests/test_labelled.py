"""The content judgement measured on hand-labelled replies (tests/data/LABELLING.md).

Two sets: the training set (tests/data/labelled_replies.jsonl and the batches in
tests/data/batches/, written by seven writers in different styles, from which the
classifier is learned) and the untouched split (tests/data/untouched/replies.jsonl,
written by another writer before the learned layer was built and never read by
anyone tuning it). Floors sit just under what the judgement reaches, so any
regression fails; the README gives the figures and what they mean.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
import content_accuracy  # noqa: E402

CHECKS = ("reflect", "empathy", "apology", "reassure", "action", "open-question", "customer-name", "own-name",
          "no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues", "positive-language",
          "respectful-boundary", "resolution-question", "alternatives", "no-premature-escalation")
# Untouched split, measured once the learned layer was final: macro F1 0.75 (patterns
# alone: 0.63), the weakest check 0.52. The floors leave room for the int8 embedding
# kernels of other CPUs. The target is 0.92; the README says why it is not reached.
UNTOUCHED_MACRO_F1 = 0.72
UNTOUCHED_CHECK_F1 = 0.45
MIN_TRAINING_REPLIES = 1500


@pytest.fixture(scope="module")
def training():
    """What the training set teaches, per check: [detected, not detected] by its labels.

    (Its figures are the out-of-batch ones `scripts/train_content.py` prints; judging it
    again here, in sample, would only cost a minute and prove little.)"""
    records = content_accuracy.load_all()
    assert len(records) >= MIN_TRAINING_REPLIES
    counts: dict[str, list[int]] = {}
    for record in records:
        for check_id, label in record["labels"].items():
            detected = (label is False) if check_id in content_accuracy.FAULTS else (label is True)
            counts.setdefault(check_id, [0, 0])[0 if detected else 1] += 1
    return counts


@pytest.fixture(scope="module")
def untouched():
    records = content_accuracy.load(content_accuracy.UNTOUCHED)
    assert len(records) >= 400
    stats, _ = content_accuracy.evaluate(records)
    print("\nuntouched split\n" + content_accuracy.table(stats))
    return stats


def test_the_sets_cover_every_content_check_both_ways(training, untouched):
    for check_id in CHECKS:
        assert min(training[check_id]) >= 40, check_id
        s = untouched[check_id]
        assert s["tp"] + s["fn"] >= 12 and s["fp"] + s["tn"] >= 12, check_id


def test_the_batches_come_from_several_writers_and_styles():
    records = content_accuracy.load_all()
    assert len({r.get("writer", "w0") for r in records}) >= 7
    assert {"asr", "paraphrase", "negation", "sarcasm", "nonnative", "plain"} <= {r["style"] for r in records}
    untouched_ids = {r["id"] for r in content_accuracy.load(content_accuracy.UNTOUCHED)}
    assert not untouched_ids & {r["id"] for r in records}


def test_macro_f1_on_the_untouched_split(untouched):
    assert content_accuracy.macro_f1(untouched) >= UNTOUCHED_MACRO_F1


@pytest.mark.parametrize("check_id", CHECKS)
def test_each_check_on_the_untouched_split(untouched, check_id):
    assert untouched[check_id]["f1"] >= UNTOUCHED_CHECK_F1, untouched[check_id]


def test_the_learned_layer_beats_the_patterns_alone_on_the_untouched_split(untouched):
    records = content_accuracy.load(content_accuracy.UNTOUCHED)
    patterns, _ = content_accuracy.evaluate(records, patterns_only=True)
    assert content_accuracy.macro_f1(untouched) >= content_accuracy.macro_f1(patterns) + 0.08


def test_the_shipped_model_was_trained_on_todays_labelled_data():
    import train_content

    from voicecoach.understand import LEARNED, shared_model

    model = shared_model()
    assert model is not None, "run scripts/train_content.py"
    assert model.data_sha256 == train_content.data_sha256(content_accuracy.training_files()), \
        "the labelled data changed: retrain with `.venv/bin/python scripts/train_content.py`"
    assert model.checks == LEARNED and np.all(np.isfinite(model.weights))

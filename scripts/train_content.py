#!/usr/bin/env python3
"""Train the content classifier (voicecoach/understand.py) on the labelled replies.

    .venv/bin/python scripts/train_content.py [--dry-run] [--exclude FILE] [--no-augment]

Reads tests/data/labelled_replies.jsonl and tests/data/batches/*.jsonl (never
tests/data/untouched/), computes each reply's features with the phrase patterns
alone (every reply also as unpunctuated ASR text, same labels), and fits one L2-regularised logistic regression per learned check (Newton's
method, numpy only). The penalty and the decision cut of each check are chosen by
leave-one-batch-out cross-validation: each batch was written by a different
writer in a different style, so a fold is a writer the model has not read, as a
new trainee is. Those cross-validated figures are what it prints. Writes voicecoach/data/content_model.npz with the SHA-256 of the
training files, so the test suite can tell a model that is stale against its data.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import content_accuracy  # noqa: E402

from voicecoach.embed import DIM  # noqa: E402
from voicecoach.understand import FAULTS, LEARNED, MIN_LEARNED_TOKENS, MODEL_FILE  # noqa: E402

OUT = ROOT / "voicecoach" / "data" / MODEL_FILE
PENALTIES = (3.0, 10.0, 30.0, 100.0, 300.0)
CUTS = np.round(np.arange(0.30, 0.86, 0.05), 2)
MARGINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
# A phrase the patterns found is overruled only below this probability, whatever the
# cut: where they fire they are precise, and a short reply gives the model little to go on.
OVERRULE_BELOW = 0.1
NEWTON_STEPS = 12


def data_sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fit(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """L2 logistic regression by Newton's method, classes weighted to balance (most checks
    have few positives); the bias is not penalised."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    ridge = np.full(d + 1, penalty)
    ridge[-1] = 0.0
    positives = max(1.0, float(y.sum()))
    negatives = max(1.0, float(n - y.sum()))
    weight = np.where(y > 0.5, n / (2 * positives), n / (2 * negatives))
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ theta, -30, 30)))
        gradient = xb.T @ (weight * (p - y)) + ridge * theta
        hessian = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(ridge + 1e-6)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-5:
            break
    return theta[:-1], float(theta[-1])


def decide(p: np.ndarray, found: np.ndarray, vetoed: np.ndarray, short: np.ndarray, cut: float,
           margin: float) -> np.ndarray:
    """The run-time rule (understand.refine): a phrase the patterns found stands unless the
    probability falls `margin` below the cut; words they ruled out are never put back; a
    very short reply keeps the patterns' verdict."""
    said = np.where(found, p >= min(cut - margin, OVERRULE_BELOW), p >= cut)
    said = np.where(vetoed & ~found, False, said)
    return np.where(short, found, said)


def predict(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -30, 30)))


def f1(truth: np.ndarray, said: np.ndarray) -> float:
    tp = float(np.sum(truth & said))
    fp = float(np.sum(~truth & said))
    fn = float(np.sum(truth & ~said))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def asr_like(text: str) -> str:
    """A reply as speech recognition might write it: lower case, no punctuation, no apostrophes."""
    text = re.sub(r"[\u2019']", "", text.lower())
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="measure only; write no model")
    parser.add_argument("--exclude", action="append", default=[], metavar="FILE", help="leave a batch file out")
    parser.add_argument("--no-augment", action="store_true", help="train on the replies as written only")
    args = parser.parse_args()
    paths = [p for p in content_accuracy.training_files() if p.name not in args.exclude]
    records = content_accuracy.load_all(paths)
    # Every reply also as unpunctuated ASR text (same labels), so the model does not learn
    # to lean on punctuation that live transcripts often lack; scored on the originals only.
    if not args.no_augment:
        records = records + [{**r, "reply": asr_like(r["reply"]), "augmented": True} for r in records
                             if asr_like(r["reply"]) != r["reply"]]
    rows, kept, vetoes, verdicts = [], [], [], []
    for record in records:
        x, verdict, veto = content_accuracy.pattern_features(record)
        if x is not None:
            rows.append(x)
            kept.append(record)
            vetoes.append(veto)
            verdicts.append(verdict)
    x_all = np.vstack(rows).astype(np.float64)
    mean = np.nanmean(x_all, axis=0)
    x_all = np.where(np.isnan(x_all), mean, x_all)
    scale = x_all.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z_all = (x_all - mean) / scale
    batches = sorted({r.get("batch", "b0") for r in kept})
    fold_of = np.array([batches.index(r.get("batch", "b0")) for r in kept])
    augmented = np.array([bool(r.get("augmented")) for r in kept])
    weights, biases, cuts, margins, report = [], [], [], [], []
    verdict_start = x_all.shape[1] - 2 * len(LEARNED)
    for index, check_id in enumerate(LEARNED):
        found_all = x_all[:, verdict_start + 2 * index] > 0.5
        vetoed_all = np.array([check_id in v for v in vetoes])
        short_all = x_all[:, DIM + 3] < np.log1p(MIN_LEARNED_TOKENS)  # features(): the token count after closeness
        # Not applicable here (no insult to answer, say): refine leaves it so, "not detected".
        unjudged_all = np.array([v.get(check_id) is None for v in verdicts])
        mask = np.array([check_id in r["labels"] for r in kept])
        labels = np.array([(r["labels"].get(check_id) is False) if check_id in FAULTS else
                           (r["labels"].get(check_id) is True) for r in kept])
        z, y, folds = z_all[mask], labels[mask].astype(float), fold_of[mask]
        found, vetoed, short, unjudged = found_all[mask], vetoed_all[mask], short_all[mask], unjudged_all[mask]
        original = ~augmented[mask]
        best = (-1.0, PENALTIES[0], 0.5, 0.0, None)
        for penalty in PENALTIES:
            oof = np.zeros(len(y))
            for k in range(len(batches)):
                train, test = folds != k, (folds == k) & original
                if y[train].min() == y[train].max():
                    oof[test] = y[train].mean()
                    continue
                w, b = fit(z[train], y[train], penalty)
                oof[test] = predict(z[test], w, b)
            for cut in CUTS:
                for margin in MARGINS:
                    said = decide(oof[original], found[original], vetoed[original], short[original], cut, margin)
                    said &= ~unjudged[original]
                    score = f1(y[original].astype(bool), said)
                    if score > best[0] + 1e-9:
                        best = (score, penalty, float(cut), margin, said)
        score, penalty, cut, margin, said = best
        w, b = fit(z, y, penalty)
        weights.append(w)
        biases.append(b)
        cuts.append(cut)
        margins.append(cut - min(cut - margin, OVERRULE_BELOW))
        truth = y[original].astype(bool)
        tp, fp, fn = int(np.sum(truth & said)), int(np.sum(~truth & said)), int(np.sum(truth & ~said))
        report.append((check_id, int(original.sum()), int(truth.sum()), tp / max(1, tp + fp), tp / max(1, tp + fn), score,
                       penalty, cut, margin))
        print(f"{check_id:24s} n={int(original.sum()):5d} detected={int(truth.sum()):4d} cv P={report[-1][3]:.2f} "
              f"R={report[-1][4]:.2f} F1={score:.2f} (penalty {penalty:g}, cut {cut:.2f}, margin {margin:.1f})", flush=True)
    if args.dry_run:
        print(f"macro F1 (leave-one-batch-out): {np.mean([r[5] for r in report]):.3f} (dry run, nothing written)")
        return 0
    np.savez_compressed(
        OUT, checks=np.array(LEARNED), weights=np.array(weights, dtype=np.float32),
        bias=np.array(biases, dtype=np.float32), threshold=np.array(cuts, dtype=np.float32),
        margin=np.array(margins, dtype=np.float32),
        mean=mean.astype(np.float32), scale=scale.astype(np.float32), data_sha256=np.array(data_sha256(paths)),
    )
    print(f"macro F1 (leave-one-batch-out over {len(batches)} batches, learned checks): "
          f"{np.mean([r[5] for r in report]):.3f}")
    print(f"wrote {OUT.relative_to(ROOT)} from {int((~augmented).sum())} replies in {len(paths)} files "
          f"(+{int(augmented.sum())} as ASR text)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Train the content classifier (voicecoach/understand.py) on the labelled replies.

    .venv/bin/python scripts/train_content.py [--report]

Reads tests/data/labelled_replies.jsonl and tests/data/batches/*.jsonl (never
tests/data/untouched/), computes each reply's features with the phrase patterns
alone, and fits one L2-regularised logistic regression per learned check (Newton's
method, numpy only). The penalty and the decision cut of each check are chosen by
5-fold cross-validation on the training set; the cross-validated figures are what
`--report` prints. Writes voicecoach/data/content_model.npz with the SHA-256 of the
training files, so the test suite can tell a model that is stale against its data.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import content_accuracy  # noqa: E402

from voicecoach.understand import FAULTS, LEARNED, MODEL_FILE  # noqa: E402

OUT = ROOT / "voicecoach" / "data" / MODEL_FILE
PENALTIES = (3.0, 10.0, 30.0, 100.0)
CUTS = np.round(np.arange(0.30, 0.71, 0.05), 2)
FOLDS = 5
NEWTON_STEPS = 12


def data_sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fit(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """L2 logistic regression by Newton's method; the bias is not penalised."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    ridge = np.full(d + 1, penalty)
    ridge[-1] = 0.0
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ theta, -30, 30)))
        gradient = xb.T @ (p - y) + ridge * theta
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(ridge + 1e-6)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-5:
            break
    return theta[:-1], float(theta[-1])


def predict(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -30, 30)))


def f1(truth: np.ndarray, said: np.ndarray) -> float:
    tp = float(np.sum(truth & said))
    fp = float(np.sum(~truth & said))
    fn = float(np.sum(truth & ~said))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> int:
    paths = content_accuracy.training_files()
    records = content_accuracy.load_all(paths)
    rows, kept = [], []
    for record in records:
        x, _ = content_accuracy.pattern_features(record)
        if x is not None:
            rows.append(x)
            kept.append(record)
    x_all = np.vstack(rows).astype(np.float64)
    mean = x_all.mean(axis=0)
    scale = x_all.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z_all = (x_all - mean) / scale
    rng = np.random.default_rng(7)
    fold_of = rng.integers(0, FOLDS, size=len(kept))
    weights, biases, cuts, report = [], [], [], []
    for check_id in LEARNED:
        mask = np.array([check_id in r["labels"] for r in kept])
        labels = np.array([(r["labels"].get(check_id) is False) if check_id in FAULTS else
                           (r["labels"].get(check_id) is True) for r in kept])
        z, y, folds = z_all[mask], labels[mask].astype(float), fold_of[mask]
        best = (-1.0, PENALTIES[0], 0.5, None)
        for penalty in PENALTIES:
            oof = np.zeros(len(y))
            for k in range(FOLDS):
                train, test = folds != k, folds == k
                if y[train].min() == y[train].max():
                    oof[test] = y[train].mean()
                    continue
                w, b = fit(z[train], y[train], penalty)
                oof[test] = predict(z[test], w, b)
            for cut in CUTS:
                score = f1(y.astype(bool), oof >= cut)
                if score > best[0] + 1e-9:
                    best = (score, penalty, float(cut), oof)
        score, penalty, cut, oof = best
        w, b = fit(z, y, penalty)
        weights.append(w)
        biases.append(b)
        cuts.append(cut)
        said = oof >= cut
        truth = y.astype(bool)
        tp, fp, fn = int(np.sum(truth & said)), int(np.sum(~truth & said)), int(np.sum(truth & ~said))
        report.append((check_id, int(mask.sum()), int(truth.sum()), tp / max(1, tp + fp), tp / max(1, tp + fn), score,
                       penalty, cut))
        print(f"{check_id:24s} n={mask.sum():5d} detected={int(truth.sum()):4d} cv P={report[-1][3]:.2f} "
              f"R={report[-1][4]:.2f} F1={score:.2f} (penalty {penalty:g}, cut {cut:.2f})", flush=True)
    np.savez_compressed(
        OUT, checks=np.array(LEARNED), weights=np.array(weights, dtype=np.float32),
        bias=np.array(biases, dtype=np.float32), threshold=np.array(cuts, dtype=np.float32),
        mean=mean.astype(np.float32), scale=scale.astype(np.float32), data_sha256=np.array(data_sha256(paths)),
    )
    print(f"macro F1 (5-fold CV, learned checks): {np.mean([r[5] for r in report]):.3f}")
    print(f"wrote {OUT.relative_to(ROOT)} from {len(kept)} replies in {len(paths)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

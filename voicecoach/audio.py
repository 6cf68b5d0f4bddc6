"""Audio in and out: decode any common file to 16 kHz mono float32, write WAVs, levels."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from voicecoach.config import MAX_AUDIO_S
from voicecoach.errors import AudioError
from voicecoach.types import Recording

SAMPLE_RATE = 16000
# Samples this close to full scale count as clipped (16-bit full scale is 32767/32768).
CLIP_LEVEL = 0.999
# Above this share of clipped samples the user is warned: a few clipped peaks are
# harmless, a steady run of them distorts pitch and loudness measurement.
CLIP_WARN_FRACTION = 0.001
_TRUNCATED_DATA = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def load(path: str | os.PathLike[str], *, max_duration_s: float = MAX_AUDIO_S) -> Recording:
    """Decode an audio file to 16 kHz mono float32.

    Args:
        path: a WAV, FLAC, OGG or MP3 file (anything libsndfile reads; other
            containers go through ffmpeg when it is installed).
        max_duration_s: longer files are refused before decoding.

    Returns:
        The recording, resampled to `SAMPLE_RATE` and mixed down to mono.

    Raises:
        AudioError: missing, empty, unreadable, truncated, too long or zero-length.
    """
    file = Path(path)
    if not file.exists():
        raise AudioError(f"{file}: file not found; check the path")
    if file.is_dir():
        raise AudioError(f"{file}: is a folder, not an audio file")
    if file.stat().st_size == 0:
        raise AudioError(f"{file}: file is empty (0 bytes); record or export it again")

    import soundfile as sf

    try:
        info = sf.info(str(file))
    except (sf.LibsndfileError, RuntimeError):
        samples, rate = _decode_with_ffmpeg(file, max_duration_s)
    else:
        _check_not_truncated(file, info)
        if info.frames == 0:
            raise AudioError(f"{file}: holds no audio (0 samples); record or export it again")
        _check_duration(file, info.frames / info.samplerate, max_duration_s)
        try:
            samples, rate = sf.read(str(file), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(f"{file}: cannot decode audio ({exc}); re-export it as WAV or FLAC") from None
    return from_array(samples, rate, source=str(file))


def from_array(samples: np.ndarray, sample_rate: int, *, source: str = "array") -> Recording:
    """Turn a (n,) or (n, channels) array at any rate into a 16 kHz mono Recording."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if data.shape[0] == 0:
        raise AudioError(f"{source}: holds no audio (0 samples); record or export it again")
    if not np.all(np.isfinite(data)):
        raise AudioError(f"{source}: audio contains invalid samples (NaN or infinity); re-export it")
    clipped = float(np.mean(np.abs(data) >= CLIP_LEVEL))
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if sample_rate != SAMPLE_RATE:
        import soxr

        mono = soxr.resample(mono, sample_rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    return Recording(np.ascontiguousarray(mono), SAMPLE_RATE, source, clipped_fraction=clipped)


def clipping_warning(recording: Recording) -> str | None:
    """A one-line warning when the recording is clipped enough to distort measurement."""
    if recording.clipped_fraction <= CLIP_WARN_FRACTION:
        return None
    return (
        f"{recording.source}: {recording.clipped_fraction:.1%} of samples are clipped; "
        "lower the microphone gain: loudness and pitch readings may be off"
    )


def write_wav(path: str | os.PathLike[str], recording: Recording) -> Path:
    """Write 16-bit PCM WAV atomically (temp file in the same folder, then rename)."""
    import soundfile as sf

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        sf.write(tmp, recording.samples, recording.sample_rate, subtype="PCM_16", format="WAV")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def power_db(samples: np.ndarray) -> float:
    """Mean power in dB relative to full scale (a full-scale sine is -3 dB)."""
    energy = float(np.mean(np.square(samples, dtype=np.float64))) if len(samples) else 0.0
    return float(10.0 * np.log10(max(energy, 1e-12)))


def _check_duration(file: Path, duration_s: float, max_duration_s: float) -> None:
    if duration_s > max_duration_s:
        raise AudioError(
            f"{file}: {duration_s / 60:.1f} min long, over the {max_duration_s / 60:.0f} min limit "
            "for one reply; cut it to the reply (or raise max_audio_s in the settings)"
        )


def _check_not_truncated(file: Path, info: object) -> None:
    # libsndfile quietly shortens a WAV whose data chunk promises more than the
    # file holds; its log says so, and a cut-off reply must not be scored as whole.
    match = _TRUNCATED_DATA.search(getattr(info, "extra_info", "") or "")
    if match and int(match.group(2)) < int(match.group(1)):
        rate_bytes = max(1, int(info.samplerate) * int(info.channels) * 2)  # type: ignore[attr-defined]
        promised, held = int(match.group(1)) / rate_bytes, int(match.group(2)) / rate_bytes
        raise AudioError(
            f"{file}: truncated WAV (header promises ~{promised:.1f} s, file holds ~{held:.1f} s); "
            "copy or export the file again"
        )


def _decode_with_ffmpeg(file: Path, max_duration_s: float) -> tuple[np.ndarray, int]:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise AudioError(f"{file}: not a readable audio file (WAV, FLAC, OGG or MP3 expected)")
    # Decode one second past the cap so an over-long file is recognised, never fully read.
    cmd = [ffmpeg, "-nostdin", "-v", "error", "-i", str(file), "-t", str(max_duration_s + 1),
           "-f", "f32le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        raise AudioError(f"{file}: not a readable audio file (WAV, FLAC, OGG or MP3 expected)")
    samples = np.frombuffer(proc.stdout, dtype=np.float32)
    _check_duration(file, len(samples) / SAMPLE_RATE, max_duration_s)
    return samples, SAMPLE_RATE

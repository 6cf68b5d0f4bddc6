"""The customer's voice: persona lines synthesized with pyttsx3 on espeak-ng.

Each line is synthesized once per text and voice setting and kept in the cache
dir (`<cache>/voices/<hash>.wav`); a session copies the audio it played.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.errors import AudioError
from voicecoach.types import Recording, VoiceSettings

# Below this level (dBFS, 10 ms frames) the synthesized audio counts as silence:
# the customer's voice "stops" at the last frame above it, not at the file's end
# (espeak-ng appends a pause).
AUDIBLE_DB = -45.0
_LOCK = threading.Lock()  # one pyttsx3 engine per process, not re-entrant
_ENGINE = None


@dataclass(frozen=True)
class Speech:
    """A synthesized line: its audio and where the voice really stops."""

    text: str
    path: Path
    recording: Recording  # at the synthesizer's own rate, mono
    voice_end_s: float  # last audible moment, from the start of the audio


def synthesize(text: str, voice: VoiceSettings, *, cache_dir: Path) -> Speech:
    """The line as speech, from the cache or freshly synthesized.

    Raises:
        AudioError: the line is empty or espeak-ng cannot synthesize it.
    """
    if not text.strip():
        raise AudioError("cannot speak an empty line")
    key = hashlib.sha256(f"{voice.voice}|{voice.rate_wpm}|{voice.pitch}|{voice.volume}|{text}".encode()).hexdigest()[:32]
    path = cache_dir / "voices" / f"{key}.wav"
    if not path.is_file():
        _render(text, voice, path)
    import soundfile as sf

    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError):
        path.unlink(missing_ok=True)  # a damaged cache entry: render it again
        _render(text, voice, path)
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    recording = Recording(np.ascontiguousarray(mono), int(rate), f"tts:{voice.voice}")
    return Speech(text, path, recording, last_audible_s(mono, rate))


def last_audible_s(samples: np.ndarray, sample_rate: int) -> float:
    """Time just after the last 10 ms frame louder than AUDIBLE_DB."""
    hop = max(1, sample_rate // 100)
    usable = len(samples) // hop * hop
    if usable == 0:
        return 0.0
    frames = samples[:usable].reshape(-1, hop).astype(np.float64)
    level = 10 * np.log10(np.maximum(np.mean(frames**2, axis=1), 1e-12))
    loud = np.flatnonzero(level > AUDIBLE_DB)
    return float((loud[-1] + 1) * hop / sample_rate) if len(loud) else 0.0


def _release_engine() -> None:
    global _ENGINE
    _ENGINE = None
    import gc

    gc.collect()


def _espeak_cli(sentence: str, voice: VoiceSettings, out: Path) -> None:
    """The same settings through the espeak-ng command (pyttsx3's volume 0-1 is
    espeak's amplitude 0-100)."""
    import shutil
    import subprocess

    binary = shutil.which("espeak-ng")
    if binary is None:
        raise AudioError("espeak-ng is not installed; run `make setup` (apt-get install espeak-ng)")
    cmd = [binary, "-v", voice.voice, "-s", str(voice.rate_wpm), "-p", str(voice.pitch),
           "-a", str(int(round(voice.volume * 100))), "-w", str(out), sentence]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
        raise AudioError(f"espeak-ng produced no audio for voice '{voice.voice}' ({proc.stderr.strip() or 'no output'}); "
                         "check `voicecoach doctor`")


def _render(text: str, voice: VoiceSettings, path: Path) -> None:
    """Synthesize sentence by sentence and join: pyttsx3's espeak driver silently
    writes nothing for long multi-sentence input (seen with 3-sentence lines)."""
    global _ENGINE
    import contextlib
    import io
    import re

    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    pieces: list[np.ndarray] = []
    rate = 22050
    try:
        with _LOCK, contextlib.redirect_stdout(io.StringIO()):  # the driver prints "Audio saved to ..."
            import pyttsx3

            if _ENGINE is None:
                import atexit

                _ENGINE = pyttsx3.init("espeak")
                # Drop the engine while the interpreter is intact: pyttsx3's own
                # finalizer fails noisily on stderr at shutdown otherwise.
                atexit.register(_release_engine)
            engine = _ENGINE
            engine.setProperty("voice", voice.voice)
            engine.setProperty("rate", voice.rate_wpm)
            engine.setProperty("pitch", voice.pitch)
            engine.setProperty("volume", voice.volume)
            for sentence in sentences:
                # pyttsx3 will not write into an existing file: name a fresh one each time
                tmp = path.parent / f".tts.{os.getpid()}.{uuid.uuid4().hex}.wav"
                try:
                    engine.save_to_file(sentence, str(tmp))
                    engine.runAndWait()
                    if not tmp.is_file() or tmp.stat().st_size <= 44:
                        # The driver now and then finishes its loop before espeak-ng's
                        # synthesis ends and writes nothing; espeak-ng itself does not.
                        _espeak_cli(sentence, voice, tmp)
                    data, rate = sf.read(str(tmp), dtype="float32")
                    pieces.append(data)
                finally:
                    tmp.unlink(missing_ok=True)
    except (RuntimeError, ValueError, OSError, KeyError) as exc:
        raise AudioError(f"cannot synthesize the customer's voice ({exc}); install espeak-ng (`make setup`)") from None
    from voicecoach.audio import write_wav

    write_wav(path, Recording(np.concatenate(pieces).astype(np.float32), int(rate), "tts"))

"""Live audio with sounddevice: the customer's line out, the trainee's reply in.

One full-duplex PortAudio stream carries both, so playback and capture share a
clock: the moment the customer's last audible sample reaches the speaker
(`outputBufferDacTime`, so output latency is accounted for) and the moment each
captured block left the microphone (`inputBufferAdcTime`) are on the same time
line, and the reply pause is their difference. The stream callback only copies
blocks and timestamps into queues (python-sounddevice's rec_unlimited pattern);
endpointing, barge-in detection and transcription happen outside it.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from voicecoach.errors import DeviceError
from voicecoach.types import Recording


@dataclass(frozen=True)
class LiveOptions:
    """Capture settings.

    Attributes:
        end_silence_s: silence after speech that ends the turn (about a second, as a
            human listener waits before taking the turn).
        max_reply_s: a reply is cut off here.
        no_reply_s: with no speech at all by then, the turn is silent.
        block_s: PortAudio block length.
        barge_in_s: speech this long during the customer's line is a barge-in.
        capture_rate: device rate for the duplex stream (resampled to 16 kHz after).
    """

    end_silence_s: float = 1.0
    max_reply_s: float = 60.0
    no_reply_s: float = 8.0
    block_s: float = 0.02
    barge_in_s: float = 0.4
    capture_rate: int = 48000
    check_every_s: float = 0.2


def output_devices() -> list[dict[str, Any]]:
    try:
        import sounddevice as sd

        return [d for d in sd.query_devices() if d["max_output_channels"] > 0]
    except (OSError, ImportError):
        return []


def speaker_or_none(device: Any = None) -> Callable[[Any], None] | None:
    """A function that plays a Speech on `device` (default output), or None when
    there is no output device to play to."""
    if not output_devices():
        return None

    def play(speech: Any) -> None:
        play_recording(speech.recording, device=device)

    return play


def play_recording(recording: Recording, *, device: Any = None) -> None:
    """Play and wait until the last sample has left the speaker."""
    import sounddevice as sd

    try:
        sd.play(recording.samples, recording.sample_rate, device=device, blocking=True)
    except (sd.PortAudioError, ValueError) as exc:
        raise DeviceError(f"cannot play to the output device ({exc}); check it with `voicecoach doctor`") from None

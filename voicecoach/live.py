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


# Captures running in this process. Restarting PortAudio (device_problem) while
# one runs would pull its streams from under it.
_running = 0
_running_lock = threading.Lock()


def _started(change: int) -> None:
    global _running
    with _running_lock:
        _running += change


def device_problem(input_device: Any = None, output_device: Any = None, *, rate: int = LiveOptions.capture_rate) -> str | None:
    """Why a call could not start on these devices right now (None: it can).

    PortAudio lists the devices once, when it starts, so it is restarted first to
    see a headset plugged in since then. That closes any open stream: call this
    only when none is open.
    """
    try:
        import sounddevice as sd
    except OSError as exc:
        return f"the audio library PortAudio is missing ({exc}); run `make setup`"
    with _running_lock:
        if _running:
            return None  # a capture is still closing; the devices it holds are there
        try:
            if sd._initialized:  # noqa: SLF001 - the refresh python-sounddevice documents (issue #125)
                sd._terminate()  # noqa: SLF001
            sd._initialize()  # noqa: SLF001
        except sd.PortAudioError as exc:
            return f"the audio system cannot start ({exc})"
    checks = (("microphone", input_device, sd.check_input_settings),
              ("speaker", output_device, sd.check_output_settings))
    for kind, device, check in checks:
        try:
            check(device=device, channels=1, dtype="float32", samplerate=rate)
        except (sd.PortAudioError, ValueError) as exc:
            return f"no usable {kind} ({exc})"
    return None


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


class LiveReplies:
    """Plays each customer line and captures the trainee's reply on real devices.

    Args:
        input_device, output_device: PortAudio device (index or name); None = the
            system default (on PulseAudio: the default source and sink).
        transcriber: when given, finished stretches of speech are transcribed while
            the trainee is still talking, so the turn's transcript is nearly ready
            when they stop (returned with the reply).
        talk_over: the customer keeps talking when interrupted (else they stop).
        on_level: called with the input level in dBFS about 10 times a second.

    Attributes:
        stop_event: when this event is set (the trainee hung up, the station was
            reset), the customer falls silent and the capture ends at once, returning
            the reply so far.
    """

    def __init__(self, *, input_device: Any = None, output_device: Any = None, options: LiveOptions | None = None,
                 transcriber: Any = None, talk_over: bool = False,
                 on_level: Callable[[float], None] | None = None) -> None:
        self.input_device = input_device
        self.output_device = output_device
        self.options = options or LiveOptions()
        self.transcriber = transcriber
        self.talk_over = talk_over
        self.on_level = on_level
        self.stop_event: threading.Event | None = None
        self.timings: dict[str, float] = {}

    def capture(self, customer: Any, *, turn_index: int) -> Any:
        from voicecoach.session import CapturedReply

        return self._run(customer.recording, customer.voice_end_s, CapturedReply)

    def record(self, *, max_s: float | None = None) -> Recording:
        """Capture one utterance with nothing played first (calibration reading)."""
        from voicecoach.session import CapturedReply

        silence = Recording(np.zeros(1, dtype=np.float32), self.options.capture_rate, "silence")
        reply = self._run(silence, 0.0, CapturedReply, max_s=max_s)
        if reply.error:
            raise DeviceError(reply.error)
        if reply.recording is None:
            raise DeviceError("nothing was recorded from the microphone; check it with `voicecoach doctor`")
        return reply.recording

    # ------------------------------------------------------------------ internals

    def _run(self, customer: Recording, voice_end_s: float, make: Any, *, max_s: float | None = None) -> Any:
        import sounddevice as sd
        import soxr

        from voicecoach import prosody
        from voicecoach.audio import SAMPLE_RATE

        opts = self.options
        rate = opts.capture_rate
        out = customer.samples if customer.sample_rate == rate else soxr.resample(
            customer.samples, customer.sample_rate, rate).astype(np.float32)
        voice_end = int(voice_end_s * rate)
        blocks: queue.Queue[tuple[np.ndarray, float]] = queue.Queue()
        shared = {"pos": 0, "voice_end_t": None, "stop": False, "status": 0}

        def on_input(indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            # Copy the block with its capture time; nothing else happens here.
            blocks.put((indata[:, 0].copy(), time_info.inputBufferAdcTime))

        def on_output(outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            pos = shared["pos"]
            n = 0 if shared["stop"] else max(0, min(frames, len(out) - pos))
            outdata[:n, 0] = out[pos : pos + n]
            outdata[n:] = 0
            if shared["voice_end_t"] is None and (pos + frames > voice_end or shared["stop"]):
                offset = max(0, min(voice_end, pos + n) - pos) if not shared["stop"] else 0
                shared["voice_end_t"] = time_info.outputBufferDacTime + offset / rate
            shared["pos"] = pos + n

        # Two streams rather than one duplex stream: through PulseAudio's ALSA plugin a
        # duplex stream delivers a fraction of its blocks. Both streams stamp blocks on
        # the same PortAudio clock, so DAC and ADC times still line up. "high" latency
        # because the plugin stalls at low latency; the timestamps account for it.
        _started(+1)  # until the streams are closed, whatever happens
        in_stream = None
        try:
            block = int(opts.block_s * rate)
            in_stream = sd.InputStream(samplerate=rate, blocksize=block, channels=1, dtype="float32",
                                       device=self.input_device, callback=on_input, latency="high")
            out_stream = sd.OutputStream(samplerate=rate, blocksize=block, channels=1, dtype="float32",
                                         device=self.output_device, callback=on_output, latency="high")
        except (sd.PortAudioError, ValueError) as exc:
            if in_stream is not None:
                in_stream.close()
            _started(-1)
            raise DeviceError(f"no usable microphone/speaker ({exc}); plug one in or pick devices with "
                              "--input-device/--output-device (see `voicecoach doctor`)") from None
        captured: list[np.ndarray] = []
        stamps: list[tuple[int, float]] = []  # (first sample index of a block, its ADC time)
        total = 0
        first_t: float | None = None
        limit_s = max_s or opts.max_reply_s
        interrupted = False
        error = None
        hung_up = False
        last_check = 0.0
        pending = _Incremental(self.transcriber) if self.transcriber is not None else None
        try:
            with in_stream, out_stream:
                self.timings = {"playback_started": time.perf_counter()}
                last_block = time.monotonic()
                while True:
                    if self.stop_event is not None and self.stop_event.is_set():
                        shared["stop"] = hung_up = True
                        break
                    try:
                        block, adc_t = blocks.get(timeout=0.1)
                    except queue.Empty:
                        if time.monotonic() - last_block > 2.0:
                            error = "the microphone stopped sending audio (unplugged?); the reply so far is kept"
                            break
                        continue
                    last_block = time.monotonic()
                    if first_t is None:
                        first_t = adc_t
                    captured.append(block)
                    stamps.append((total, adc_t))
                    total += len(block)
                    if self.on_level is not None and len(captured) % 5 == 0:
                        self.on_level(10 * np.log10(max(float(np.mean(block.astype(np.float64) ** 2)), 1e-12)))
                    now_t = adc_t + len(block) / rate
                    elapsed = len(captured) * len(block) / rate
                    if elapsed - last_check < opts.check_every_s:
                        continue
                    last_check = elapsed
                    audio16 = _to16k(np.concatenate(captured), rate)
                    spans = prosody.speech_spans(audio16, sample_rate=SAMPLE_RATE)
                    voice_end_t = shared["voice_end_t"]
                    playing = voice_end_t is None or now_t < voice_end_t
                    if playing:
                        talking = [s for s in spans if s.duration_s >= opts.barge_in_s]
                        if talking and not interrupted:
                            interrupted = True
                            if not self.talk_over:
                                shared["stop"] = True
                        continue
                    since_end = now_t - voice_end_t
                    if pending is not None and spans:
                        pending.update(audio16, spans)
                    when, _where = _clock(stamps, rate)
                    after = [s for s in spans if when(s.end_s) > voice_end_t - opts.barge_in_s]
                    if not after:
                        if since_end >= opts.no_reply_s:
                            break
                        continue
                    quiet = now_t - when(after[-1].end_s)
                    if quiet >= opts.end_silence_s or since_end >= limit_s:
                        break
        except BaseException:
            if pending is not None:
                pending.close()
            raise
        finally:
            _started(-1)
        if hung_up:  # blocks captured before the key but still queued belong to the reply
            while not blocks.empty():
                block, adc_t = blocks.get_nowait()
                first_t = adc_t if first_t is None else first_t
                captured.append(block)
                stamps.append((total, adc_t))
                total += len(block)
        end_detected = time.perf_counter()
        voice_end_t = shared["voice_end_t"]
        if not captured or first_t is None:
            if pending is not None:
                pending.close()
            if hung_up:
                return make(None, live=True, hung_up=True)
            return make(None, error=error or "no audio came from the microphone", live=True)
        audio16 = _to16k(np.concatenate(captured), rate)
        spans = prosody.speech_spans(audio16, sample_rate=SAMPLE_RATE)
        when, where = _clock(stamps, rate)
        if voice_end_t is None:  # the device failed before the customer finished
            voice_end_t = stamps[-1][1]
        # Sample positions become times through each block's own ADC stamp: on a
        # virtual or congested device the input may not run at exactly its nominal
        # rate, and counting samples from the first block would drift.
        start_s = max(0.0, where(voice_end_t))
        reply_pause = None
        if spans:
            speech_after = [s for s in spans if s.end_s > start_s - opts.barge_in_s - 5.0]
            onset = speech_after[0].start_s if speech_after else spans[0].start_s
            reply_pause = when(onset) - voice_end_t
            if reply_pause < 0:
                interrupted = interrupted or reply_pause < -0.3
                start_s = max(0.0, onset - 0.3)
        clip = audio16[int(start_s * SAMPLE_RATE):]
        recording = Recording(np.ascontiguousarray(clip), SAMPLE_RATE, "live")
        transcript = pending.finish(clip, start_s) if pending is not None else None
        self.timings["end_detected"] = end_detected
        return make(recording, reply_pause_s=reply_pause, interrupted=interrupted, error=error, live=True,
                    transcript=transcript, hung_up=hung_up)


def _clock(stamps: list[tuple[int, float]], rate: int) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """Map seconds into the capture to stream time and back, through each block's ADC stamp.

    On a virtual or congested device the input may not run at exactly its nominal
    rate: counting samples from the first block would drift by tenths of a second
    over a long turn, enough to end a reply in the middle of a pause.
    """
    starts = np.array([i for i, _ in stamps])
    times = np.array([t for _, t in stamps])

    def when(seconds_in: float) -> float:
        index = int(seconds_in * rate)
        k = max(0, int(np.searchsorted(starts, index, side="right")) - 1)
        return float(times[k] + (index - starts[k]) / rate)

    def where(t: float) -> float:
        k = max(0, int(np.searchsorted(times, t, side="right")) - 1)
        return float((starts[k] + (t - times[k]) * rate) / rate)

    return when, where


def _to16k(samples: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    from voicecoach.audio import SAMPLE_RATE

    return samples if rate == SAMPLE_RATE else soxr.resample(samples, rate, SAMPLE_RATE).astype(np.float32)


class _Incremental:
    """Transcribes finished stretches of speech in a worker thread while the trainee
    is still talking: a stretch is finished once a pause of `min_gap_s` follows it.

    Each stretch starts `lead_s` before its first speech and lasts at least
    `min_chunk_s`: Whisper invents words in long silences ("Bye.") and loops on
    very short clips, and a longer stretch gives it the sentence as context.
    """

    min_gap_s = 0.5
    min_chunk_s = 3.0
    lead_s = 0.3

    def __init__(self, transcriber: Any) -> None:
        self.transcriber = transcriber
        self.done_until_s = 0.0  # capture time (s from capture start) transcribed so far
        self.spans: list[Any] = []
        self.words: list[Any] = []
        self.jobs: queue.Queue[tuple[np.ndarray, float] | None] = queue.Queue()
        self.lock = threading.Lock()
        self.worker = threading.Thread(target=self._work, name="voicecoach-transcribe", daemon=True)
        self.worker.start()

    def update(self, audio16: np.ndarray, spans: list[Any]) -> None:
        from voicecoach.audio import SAMPLE_RATE

        self.spans = spans
        end_s = len(audio16) / SAMPLE_RATE
        closed = [s for s in spans if s.end_s > self.done_until_s and end_s - s.end_s >= self.min_gap_s]
        if not closed:
            return
        start_s = max(self.done_until_s, closed[0].start_s - self.lead_s)
        cut_s = closed[-1].end_s + self.min_gap_s / 2
        if cut_s - start_s < self.min_chunk_s:
            return
        self.jobs.put((audio16[int(start_s * SAMPLE_RATE) : int(cut_s * SAMPLE_RATE)].copy(), start_s))
        self.done_until_s = cut_s

    def finish(self, clip: np.ndarray, clip_start_s: float) -> Any:
        """The whole reply's transcript, times relative to `clip` (the stored reply)."""
        from voicecoach.audio import SAMPLE_RATE
        from voicecoach.types import Transcript, Word

        rest_s = max(self.done_until_s, clip_start_s)
        ahead = [s for s in self.spans if s.end_s > rest_s]
        if ahead:
            rest_s = max(rest_s, ahead[0].start_s - self.lead_s)
        rest_from = rest_s - clip_start_s
        if rest_from < len(clip) / SAMPLE_RATE:
            tail = clip[int(rest_from * SAMPLE_RATE) :]
            self.jobs.put((tail.copy(), rest_s))
        self.jobs.put(None)
        self.worker.join()
        words = sorted((Word(w.text, round(w.start_s - clip_start_s, 3), round(w.end_s - clip_start_s, 3), w.probability)
                        for w in self.words if w.end_s > clip_start_s - 0.5), key=lambda w: w.start_s)
        language = getattr(self.transcriber.settings, "language", "en")
        return Transcript(" ".join(w.text for w in words), words, language, not words)

    def close(self) -> None:
        """End the worker when there is no reply to finish."""
        self.jobs.put(None)
        self.worker.join()

    def _work(self) -> None:
        from voicecoach.audio import SAMPLE_RATE

        while True:
            job = self.jobs.get()
            if job is None:
                return
            samples, offset_s = job
            if len(samples) < SAMPLE_RATE * 0.15:
                continue
            result = self.transcriber.transcribe(Recording(samples, SAMPLE_RATE, "live"))
            with self.lock:
                self.words += [type(w)(w.text, w.start_s + offset_s, w.end_s + offset_s, w.probability)
                               for w in result.words]

"""A scripted trainee for the live tests: it listens to the virtual speaker (the
customer's voice, through `parec`) and answers into the virtual microphone
(`paplay`), at a chosen moment relative to the customer's voice."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RATE = 16000
HOP = 160  # 10 ms
LOUD_DB = -45.0


@dataclass
class Answer:
    wav: Path | None  # None: stay silent this turn
    gap_s: float = 1.0  # after the customer's voice stops (measured from the stream)
    barge_in_after_s: float | None = None  # instead: this long after the customer starts
    at_start_s: float | None = None  # instead: this long after the previous answer (a calibration reading)


@dataclass
class Trainee:
    answers: list[Answer]
    quiet_s: float = 0.8  # how long the customer must be silent to count as finished
    log: list[dict] = field(default_factory=list)
    playing: subprocess.Popen | None = None
    stopped: bool = False

    def start(self) -> "Trainee":
        self.proc = subprocess.Popen(
            ["parec", "-d", "speaker.monitor", "--format=s16le", f"--rate={RATE}", "--channels=1", "--latency-msec=10"],
            stdout=subprocess.PIPE)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        # An answer still playing is cut off too: left running, it would go on
        # talking into the microphone during the next test.
        self.stopped = True
        self.proc.kill()
        playing = self.playing
        if playing is not None:
            playing.kill()
        self.thread.join(timeout=5)

    def _say(self, wav: Path) -> None:
        if self.stopped:
            return
        self.playing = subprocess.Popen(["paplay", "--device=mic", "--latency-msec=10", str(wav)])
        try:
            self.playing.wait()
        finally:
            self.playing = None

    def _frames(self):
        while True:
            buf = self.proc.stdout.read(HOP * 2)
            if len(buf) < HOP * 2:
                return
            x = np.frombuffer(buf, dtype=np.int16).astype(np.float64) / 32768
            yield time.monotonic(), 10 * np.log10(max(float(np.mean(x ** 2)), 1e-12))

    def _run(self) -> None:
        frames = self._frames()
        for answer in self.answers:
            if answer.at_start_s is not None:
                time.sleep(answer.at_start_s)
                self.log.append({"after_voice_end_s": None, "barge_in": False})
                self._say(answer.wav)
                continue
            started = None
            last_loud = None
            for now, level in frames:
                if level > LOUD_DB:
                    started = started or now
                    last_loud = now
                if answer.barge_in_after_s is not None and started and now - started >= answer.barge_in_after_s:
                    break
                if answer.barge_in_after_s is None and last_loud and now - last_loud >= self.quiet_s:
                    break
            else:
                return
            if answer.barge_in_after_s is None:
                delay = answer.gap_s - (time.monotonic() - last_loud)
                if delay > 0:
                    time.sleep(delay)
            injected = time.monotonic()
            self.log.append({"after_voice_end_s": injected - last_loud if last_loud else None,
                             "barge_in": answer.barge_in_after_s is not None})
            if answer.wav is not None:
                self._say(answer.wav)

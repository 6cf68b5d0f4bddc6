"""One reply, judged: recording -> transcript + prosody -> checks -> score.

Pure apart from the transcriber it is handed, so the same path scores a live
capture, a file from disk and a stored turn being re-scored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.types import Baseline, CheckResult, ProsodyReport, Recording, Transcript, TurnContext, TurnScore, Word

if TYPE_CHECKING:
    from voicecoach.rules.thresholds import Thresholds
    from voicecoach.transcribe import Transcriber


@dataclass(frozen=True)
class JudgedTurn:
    transcript: Transcript
    prosody: ProsodyReport | None
    checks: list[CheckResult]
    score: TurnScore
    warnings: list[str] = field(default_factory=list)


def judge_recording(
    recording: Recording,
    *,
    transcriber: Transcriber,
    context: TurnContext | None = None,
    thresholds: Thresholds | None = None,
    reply_pause_s: float | None = None,
) -> JudgedTurn:
    """Transcribe, measure and judge one spoken reply (time 0 = customer stopped)."""
    from voicecoach import audio, prosody

    context = context or TurnContext()
    warnings = [w for w in [audio.clipping_warning(recording)] if w]
    spans = prosody.speech_spans(recording.samples, sample_rate=recording.sample_rate)
    vocabulary = [v for v in (context.customer_name, context.agent_name) if v]
    transcript = transcriber.transcribe(recording, spans=spans, vocabulary=vocabulary)
    report = prosody.analyse(
        recording.samples, sample_rate=recording.sample_rate, transcript=transcript, spans=spans,
        baseline=context.baseline, reply_pause_s=reply_pause_s,
    )
    if transcript.no_speech:
        warnings.append(f"{recording.source}: no speech heard; nothing to judge")
    return _judge(transcript, report, context, thresholds, warnings)


def judge_text(text: str, *, context: TurnContext | None = None, thresholds: Thresholds | None = None) -> JudgedTurn:
    """Judge a typed reply: content only, acoustic checks are not applicable."""
    tokens = text.split()
    transcript = Transcript(text=text.strip(), words=[Word(t, 0.0, 0.0, 1.0) for t in tokens],
                            language="en", no_speech=not tokens)
    return _judge(transcript, None, context or TurnContext(), thresholds, [])


def _judge(transcript: Transcript, report: ProsodyReport | None, context: TurnContext,
           thresholds: Thresholds | None, warnings: list[str]) -> JudgedTurn:
    from voicecoach import scoring
    from voicecoach.rules import TurnInput, run_checks
    from voicecoach.rules.thresholds import load_thresholds

    limits = thresholds if thresholds is not None else load_thresholds()
    checks = run_checks(TurnInput(transcript, report, context), limits)
    return JudgedTurn(transcript, report, checks, scoring.score_turn(checks, limits), warnings)


def measure_baseline(recording: Recording, *, transcriber: Transcriber, cache_dir: Path | None = None) -> Baseline:
    """The speaker's calm baseline from a calibration reading; cached by audio content
    so a trainee's reading is transcribed once, not on every scored reply."""
    from voicecoach import prosody
    from voicecoach.errors import AudioError

    key = hashlib.sha256(recording.samples.tobytes()).hexdigest()[:32] + f"-{transcriber.model_info.path.name}"
    cached = cache_dir / "baselines" / f"{key}.json" if cache_dir else None
    if cached and cached.is_file():
        try:
            return Baseline(**json.loads(cached.read_text()))
        except (ValueError, TypeError):
            cached.unlink(missing_ok=True)
    spans = prosody.speech_spans(recording.samples, sample_rate=recording.sample_rate)
    transcript = transcriber.transcribe(recording, spans=spans)
    if transcript.no_speech:
        raise AudioError(f"{recording.source}: no speech in the baseline reading; record the calibration text again")
    report = prosody.analyse(recording.samples, sample_rate=recording.sample_rate, transcript=transcript, spans=spans)
    baseline = prosody.baseline_from(report, source=recording.source)
    if cached:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".baseline.")
            with os.fdopen(fd, "w") as out:
                json.dump(asdict(baseline), out)
            os.replace(tmp, cached)
        except OSError:
            pass  # a cache that cannot be written only costs time
    return baseline

"""One reply, judged: recording -> transcript + prosody -> checks -> score.

Pure apart from the transcriber it is handed, so the same path scores a live
capture, a file from disk and a stored turn being re-scored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicecoach.types import Baseline, CheckResult, ProsodyReport, Recording, Transcript, TurnContext, TurnScore, Word

if TYPE_CHECKING:
    from voicecoach.rules.thresholds import RuleSet
    from voicecoach.transcribe import Transcriber

# Below this share of common English function words a reply of 4+ words is
# probably not English, and the English phrase checks cannot judge it fairly.
MIN_ENGLISH_SHARE = 0.12


@dataclass(frozen=True)
class JudgedTurn:
    transcript: Transcript
    prosody: ProsodyReport | None
    checks: list[CheckResult]
    score: TurnScore
    warnings: list[str] = field(default_factory=list)


def turn_record(judged: JudgedTurn) -> dict[str, Any]:
    """A judged turn as plain JSON data (the `score --json` fields and a stored turn's)."""
    return {
        "transcript": judged.transcript.text,
        "words": [asdict(w) for w in judged.transcript.words],
        "no_speech": judged.transcript.no_speech,
        "language": judged.transcript.language,
        "prosody": asdict(judged.prosody) if judged.prosody is not None else None,
        "checks": [asdict(c) for c in judged.checks],
        "score": judged.score.score_0_100,
        "heart": judged.score.heart,
        "feedback": [asdict(f) for f in judged.score.feedback],
        "warnings": judged.warnings,
    }


def judge_recording(
    recording: Recording,
    *,
    transcriber: Transcriber,
    context: TurnContext | None = None,
    ruleset: RuleSet | None = None,
    reply_pause_s: float | None = None,
    transcript: Transcript | None = None,
) -> JudgedTurn:
    """Transcribe, measure and judge one spoken reply (time 0 = customer stopped).

    `transcript` skips transcription when the words are already known (a live
    capture transcribes while the trainee speaks)."""
    from voicecoach import audio, prosody

    context = context or TurnContext()
    warm = _warm_in_background(ruleset)
    warnings = [w for w in [audio.clipping_warning(recording)] if w]
    spans = prosody.speech_spans(recording.samples, sample_rate=recording.sample_rate)
    vocabulary = [v for v in (context.customer_name, context.agent_name) if v]
    if context.persona is not None:
        vocabulary += [context.persona.address_as, *context.persona.vocabulary]
    if transcript is None:
        transcript = transcriber.transcribe(recording, spans=spans, vocabulary=vocabulary)
    report = prosody.analyse(
        recording.samples, sample_rate=recording.sample_rate, transcript=transcript, spans=spans,
        baseline=context.baseline, reply_pause_s=reply_pause_s,
    )
    if transcript.no_speech:
        warnings.append(f"{recording.source}: no speech heard; nothing to judge")
    warm.join()
    return _judge(transcript, report, context, ruleset, warnings, samples=recording.samples)


def _warm_in_background(ruleset: RuleSet | None) -> threading.Thread:
    """Load the rule set and the embedding model while Whisper transcribes: both
    are mostly native code that releases the GIL, so the wait overlaps."""

    def work() -> None:
        from voicecoach.rules.content import warm_up
        from voicecoach.rules.thresholds import load_ruleset

        try:
            if ruleset is None:
                load_ruleset()
            warm_up()
        except Exception:  # noqa: BLE001 - the same call on the main thread reports it properly
            pass

    thread = threading.Thread(target=work, name="voicecoach-warm-up", daemon=True)
    thread.start()
    return thread


def judge_text(text: str, *, context: TurnContext | None = None, ruleset: RuleSet | None = None,
               patterns_only: bool = False) -> JudgedTurn:
    """Judge a typed reply: content only, acoustic checks are not applicable.

    `patterns_only` leaves the learned classifier out (to measure the patterns alone)."""
    tokens = text.split()
    transcript = Transcript(text=text.strip(), words=[Word(t, 0.0, 0.0, 1.0) for t in tokens],
                            language="en", no_speech=not tokens)
    warnings = [] if tokens else ["the reply is empty: nothing to judge"]
    return _judge(transcript, None, context or TurnContext(), ruleset, warnings, patterns_only=patterns_only)


def _judge(transcript: Transcript, report: ProsodyReport | None, context: TurnContext,
           ruleset: RuleSet | None, warnings: list[str], *, samples: object = None,
           patterns_only: bool = False) -> JudgedTurn:
    from voicecoach import call, scoring
    from voicecoach.rules import TurnInput, run_checks
    from voicecoach.rules.thresholds import load_ruleset
    from voicecoach.text import english_share, tokens_of

    rules = ruleset if ruleset is not None else load_ruleset()
    tokens = tokens_of(transcript.text)
    if len(tokens) >= 4 and english_share(tokens) < MIN_ENGLISH_SHARE:
        warnings = warnings + ["the reply does not look like English: the phrase checks may misjudge it"]
    turn_input = TurnInput(transcript, report, context, samples=samples)
    if patterns_only:
        turn_input.cache["patterns_only"] = True
    checks = call.settle(run_checks(turn_input, rules), context.call)
    score = scoring.score_turn(checks, rules, context.persona, priority=call.feedback_priority(checks, context.call))
    return JudgedTurn(transcript, report, checks, score, warnings)


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

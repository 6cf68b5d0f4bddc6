"""Acoustic checks: how the reply sounded. All need a recording (None with --text)."""

from __future__ import annotations

from typing import Any

from voicecoach.prosody import is_filler
from voicecoach.rules import TurnInput, band_credit, check, not_applicable
from voicecoach.types import CheckResult, ProsodyReport

NO_AUDIO = "no audio for this turn: delivery not judged"
NO_SPEECH = "no speech heard: delivery not judged"


def _speech(turn: TurnInput, check_id: str) -> ProsodyReport | CheckResult:
    if turn.prosody is None:
        return not_applicable(check_id, NO_AUDIO)
    if not turn.prosody.speech_spans:
        return not_applicable(check_id, NO_SPEECH)
    return turn.prosody


def _extent(p: ProsodyReport) -> tuple[float, float]:
    return p.speech_spans[0].start_s, p.speech_spans[-1].end_s


@check(
    "calm-pace",
    kind="acoustic",
    passes=({"prosody": {"speech_rate_wpm": 140.0}}, {"prosody": {"speech_rate_wpm": 105.0, "rate_ratio": 0.8}}),
    fails=({"prosody": {"speech_rate_wpm": 215.0, "rate_ratio": 1.5}}, {"prosody": {"speech_rate_wpm": 160.0, "rate_ratio": 1.5}}),
)
def calm_pace(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Keep a calm, even pace: an agitated agent speeds up, and a rushed answer sounds
    like you want the customer gone. Around 130-160 words a minute is clear and unhurried."""
    p = _speech(turn, "calm-pace")
    if isinstance(p, CheckResult):
        return p
    if p.speech_rate_wpm is None or p.word_count < t["min_words"]:
        return not_applicable("calm-pace", "too few words to judge the pace")
    rate, ratio = p.speech_rate_wpm, p.rate_ratio
    credit = band_credit(rate, t["min_wpm"], t["max_wpm"], t["tolerance_wpm"])
    if ratio is not None and ratio > t["max_rate_ratio"]:
        credit = min(credit, band_credit(ratio, None, t["max_rate_ratio"], 0.5))
    passed = credit == 1.0
    threshold = {"min_wpm": t["min_wpm"], "max_wpm": t["max_wpm"], "max_rate_ratio": t["max_rate_ratio"]}
    if passed:
        message = f"Good pace: {rate:.0f} words a minute."
    elif rate > t["max_wpm"] or (ratio is not None and ratio > t["max_rate_ratio"]):
        faster = f", {ratio:.0%} of your calm pace" if ratio is not None else ""
        message = (f"You spoke at {rate:.0f} words a minute{faster}: slow down to about 140. "
                   "A calm pace tells the customer you are in control.")
    else:
        message = f"You spoke at {rate:.0f} words a minute: a little more pace (about 130) keeps the customer with you."
    start, end = _extent(p)
    return CheckResult("calm-pace", passed, round(rate, 1), threshold, message, "whole reply", start, end, credit)


@check(
    "reply-pause",
    kind="acoustic",
    passes=({"prosody": {"reply_pause_s": 1.0}}, {"prosody": {"reply_pause_s": 2.2}}),
    fails=({"prosody": {"reply_pause_s": 0.1}}, {"prosody": {"reply_pause_s": -0.8}}, {"prosody": {"reply_pause_s": 4.0}}),
)
def reply_pause(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Let the customer finish, take a breath, then answer: a brief moment of silence shows
    you heard them out and are not reacting on impulse; a long silence sounds lost."""
    p = _speech(turn, "reply-pause")
    if isinstance(p, CheckResult):
        return p
    pause = p.reply_pause_s
    if pause is None:
        return not_applicable("reply-pause", "the moment the customer stopped is unknown")
    credit = band_credit(pause, t["min_s"], t["max_s"], t["tolerance_s"])
    if pause < 0:
        credit = 0.0
    passed = credit == 1.0
    if passed:
        message = f"Good timing: you paused {pause:.1f} s before answering."
    elif pause < 0:
        message = (f"You started {-pause:.1f} s before the customer finished. Let them vent to the end, "
                   "breathe, then answer.")
    elif pause < t["min_s"]:
        message = (f"You answered {pause:.1f} s after the customer stopped: take a breath first "
                   f"(about {t['min_s']:.1f}-1.5 s) so it is clear you listened.")
    else:
        message = (f"{pause:.1f} s of silence before you answered: the customer may think you are lost. "
                   "Acknowledge them within a couple of seconds, even with \"I hear you\".")
    threshold = {"min_s": t["min_s"], "max_s": t["max_s"]}
    return CheckResult("reply-pause", passed, round(pause, 2), threshold, message, "", min(0.0, pause), max(0.0, pause), credit)


@check(
    "steady-pitch",
    kind="acoustic",
    passes=({"prosody": {"pitch_shift_st": 1.0}},
            {"prosody": {"has_baseline": False, "pitch_shift_st": None, "pitch_drift_st": 0.5}}),
    fails=({"prosody": {"pitch_shift_st": 4.5}},
           {"prosody": {"has_baseline": False, "pitch_shift_st": None, "pitch_drift_st": 4.0}}),
)
def steady_pitch(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Keep your voice at its calm, natural pitch: a rising voice is heard as anger or
    panic, and the customer mirrors it."""
    p = _speech(turn, "steady-pitch")
    if isinstance(p, CheckResult):
        return p
    limit = t["max_shift_st"]
    if p.has_baseline and p.pitch_shift_st is not None:
        shift, against = p.pitch_shift_st, "your calm baseline"
    elif p.pitch_drift_st is not None:
        shift, against = p.pitch_drift_st, "the start of this reply (no baseline recorded)"
    else:
        reason = "no voiced speech to measure" if p.pitch_median_hz is None else "no baseline and too short a reply to judge pitch"
        return not_applicable("steady-pitch", reason)
    credit = band_credit(shift, None, limit, t["tolerance_st"])
    passed = credit == 1.0
    message = (f"Steady pitch: {shift:+.1f} semitones against {against}." if passed else
               f"Your voice rose {shift:+.1f} semitones against {against}. Breathe out, drop your shoulders "
               "and bring it back down: a low, even voice calms the customer.")
    start, end = _extent(p)
    return CheckResult("steady-pitch", passed, round(shift, 2), {"max_shift_st": limit, "against": against},
                       message, "whole reply", start, end, credit)


@check(
    "steady-volume",
    kind="acoustic",
    passes=({"prosody": {"loudness_shift_db": 2.0}},
            {"prosody": {"has_baseline": False, "loudness_shift_db": None, "loudness_drift_db": 1.0}}),
    fails=({"prosody": {"loudness_shift_db": 9.0}},
           {"prosody": {"has_baseline": False, "loudness_shift_db": None, "loudness_db": -6.0}}),
)
def steady_volume(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Do not raise your voice, even when the customer raises theirs: speak at your
    normal volume, calm but firm."""
    p = _speech(turn, "steady-volume")
    if isinstance(p, CheckResult):
        return p
    limit = t["max_shift_db"]
    if p.has_baseline and p.loudness_shift_db is not None:
        shift, against = p.loudness_shift_db, "your calm baseline"
        credit = band_credit(shift, None, limit, t["tolerance_db"])
    else:
        against = "the start of this reply (no baseline recorded)"
        shift = p.loudness_drift_db if p.loudness_drift_db is not None else 0.0
        credit = min(band_credit(shift, None, limit, t["tolerance_db"]),
                     band_credit(p.loudness_db or -90.0, None, t["max_absolute_db"], t["tolerance_db"]))
        if p.loudness_db is not None and p.loudness_db > t["max_absolute_db"]:
            against = f"an absolute ceiling of {t['max_absolute_db']:.0f} dBFS (no baseline recorded)"
            shift = p.loudness_db - t["max_absolute_db"]
    passed = credit == 1.0
    message = (f"Steady volume: {shift:+.1f} dB against {against}." if passed else
               f"Your voice was {shift:+.1f} dB louder than {against}. Lower it: a raised voice "
               "sounds like an argument, however kind the words.")
    start, end = _extent(p)
    return CheckResult("steady-volume", passed, round(shift, 2), {"max_shift_db": limit, "against": against},
                       message, "whole reply", start, end, credit)


@check(
    "no-dead-air",
    kind="acoustic",
    passes=({"prosody": {"longest_pause_s": 0.8}},),
    fails=({"prosody": {"longest_pause_s": 4.0}},),
)
def no_dead_air(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """No long silences in the middle of a reply: if you need time, say what you are
    doing ("let me pull up your order") instead of going quiet."""
    p = _speech(turn, "no-dead-air")
    if isinstance(p, CheckResult):
        return p
    longest = max(p.pauses, key=lambda s: s.duration_s, default=None)
    gap = p.longest_pause_s
    credit = band_credit(gap, None, t["max_pause_s"], t["tolerance_s"])
    passed = credit == 1.0
    message = (f"No dead air (longest pause {gap:.1f} s)." if passed else
               f"You went silent for {gap:.1f} s mid-reply. Fill the gap with what you are doing, "
               "for example \"I'm checking that for you now\".")
    start, end = (longest.start_s, longest.end_s) if longest else (None, None)
    return CheckResult("no-dead-air", passed, round(gap, 2), {"max_pause_s": t["max_pause_s"]}, message,
                       "pause" if longest else "", start, end, credit)


@check(
    "fillers",
    kind="acoustic",
    passes=({"text": "I understand, let me check that for you right now", "prosody": {}},
            {"text": "um I understand let me check that for you", "prosody": {}}),
    fails=({"text": "um I uh understand um let me uh check that", "prosody": {}},),
)
def fillers(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Keep hesitations (um, uh, er) rare: a few are natural, a stream of them sounds
    unsure and undermines the customer's trust in your answer."""
    p = _speech(turn, "fillers")
    if isinstance(p, CheckResult):
        return p
    words = turn.transcript.words if turn.transcript else []
    found = [w for w in words if is_filler(w.text)]
    count = len(found) if turn.transcript else p.filler_count
    real_words = max(1, len(words) - count)
    allowed = max(t["free_count"], t["max_per_100_words"] * real_words / 100.0)
    credit = band_credit(count, None, allowed, allowed + 2)
    passed = count <= allowed
    message = (f"Few hesitations ({count} filler{'s' if count != 1 else ''})." if passed else
               f"{count} fillers ({', '.join(w.text.strip(',.') for w in found[:4])}…): pause silently "
               "instead of saying um or uh; a short silence sounds more confident.")
    start = found[0].start_s if found else None
    end = found[-1].end_s if found else None
    evidence = " ".join(w.text for w in found)
    return CheckResult("fillers", passed, count, {"max_count": round(allowed, 1)}, message, evidence, start, end, credit)


@check(
    "no-interruption",
    kind="acoustic",
    passes=({"prosody": {"reply_pause_s": 0.8}, "context": {"live": True}},),
    fails=({"prosody": {"reply_pause_s": -1.2}, "context": {"live": True}},),
)
def no_interruption(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Let the customer finish their whole story before you speak: talking over an
    upset customer tells them you are not listening, and they start again louder."""
    if not turn.context.live:
        return not_applicable("no-interruption", "only judged in live practice")
    p = _speech(turn, "no-interruption")
    if isinstance(p, CheckResult):
        return p
    pause = p.reply_pause_s
    if pause is None:
        return not_applicable("no-interruption", "the moment the customer stopped is unknown")
    passed = pause >= t["min_overlap_s"]
    message = ("You let the customer finish." if passed else
               f"You started talking {-pause:.1f} s before the customer finished: hear them out to the end.")
    return CheckResult("no-interruption", passed, round(pause, 2), {"min_overlap_s": t["min_overlap_s"]}, message,
                       "", min(0.0, pause), 0.0, 1.0 if passed else 0.0)

"""How a reply was delivered: speech and pause spans, reply pause, rate, pitch, loudness.

Speech spans come from Silero VAD (shipped with faster-whisper) with its padding
off, then each edge is moved to where the short-time energy really crosses the
speech threshold: Silero works in 32 ms windows and its edges wander by a window
or two. Pitch is YIN (de Cheveigné & Kawahara 2002) in plain numpy: librosa's
yin/pyin pay ~1.2 s of numba loading in every fresh process, which alone would
break the `score` speed budget; the tests cross-check this tracker against
Praat on the same audio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from voicecoach.audio import power_db
from voicecoach.types import Baseline, ProsodyReport, Span, Transcript


@dataclass(frozen=True)
class ProsodyOptions:
    """Analysis settings; defaults documented where they come from.

    Attributes:
        vad_threshold: Silero speech probability above which a window is speech
            (Silero's own recommended default).
        min_speech_s: a burst shorter than this is a click, breath or cough, not
            speech (the issue's 150 ms floor; a stressed syllable lasts longer).
        min_pause_s: gaps shorter than this are stop closures inside speech;
            250 ms is the usual floor for a silent pause in speech-rate research
            (Goldman-Eisler; De Jong & Wempe 2009).
        frame_s, hop_s: energy frame and hop.
        energy_floor_db: a frame is speech-loud when it is within this many dB of
            the reply's loud frames (95th percentile).
        edge_search_s: how far an edge may move from where Silero put it.
        fmin_hz, fmax_hz: pitch search range, covering low male to high female speech.
        yin_threshold: YIN's absolute threshold on the normalised difference; the
            paper reports 0.1-0.15 as best for speech.
        min_drift_speech_s: without a baseline, the second half of the speech is
            compared with the first to see whether the voice rose during the reply;
            below this much speech there is too little to compare.
    """

    vad_threshold: float = 0.5
    min_speech_s: float = 0.15
    min_pause_s: float = 0.25
    frame_s: float = 0.025
    hop_s: float = 0.010
    energy_floor_db: float = 30.0
    edge_search_s: float = 0.12
    fmin_hz: float = 60.0
    fmax_hz: float = 500.0
    yin_threshold: float = 0.15
    yin_window_s: float = 0.032
    min_drift_speech_s: float = 3.0


DEFAULT_OPTIONS = ProsodyOptions()

# Vocal fillers only: "like" or "you know" are often real words and counting them
# would punish correct speech.
FILLER_RE = re.compile(r"^(u+h+m*|u+m+|e+r+m*|a+h+|h+m+|m+h*m+|e+h+)$")
_WORD_CHARS = re.compile(r"[^\w']+")


def is_filler(word: str) -> bool:
    return bool(FILLER_RE.match(_WORD_CHARS.sub("", word.lower())))


def counted_words(transcript: Transcript | None) -> list[str]:
    """Words that count towards speech rate: real words, fillers excluded."""
    if transcript is None:
        return []
    return [w.text for w in transcript.words if _WORD_CHARS.sub("", w.text) and not is_filler(w.text)]


def speech_spans(samples: np.ndarray, *, sample_rate: int, options: ProsodyOptions | None = None) -> list[Span]:
    """Speech spans in seconds: Silero VAD, edges refined by energy, short bursts dropped,
    gaps shorter than `min_pause_s` closed."""
    opts = options or DEFAULT_OPTIONS
    if len(samples) < sample_rate * opts.min_speech_s:
        return []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(
        threshold=opts.vad_threshold,
        min_speech_duration_ms=0,
        min_silence_duration_ms=int(opts.min_pause_s * 1000),
        speech_pad_ms=0,
    )
    raw = get_speech_timestamps(samples, vad, sampling_rate=sample_rate)
    if not raw:
        return []
    frame_db, hop = _frame_db(samples, sample_rate=sample_rate, options=opts)
    loud_db = float(np.percentile(frame_db, 95))
    is_loud = frame_db > loud_db - opts.energy_floor_db
    spans = []
    for chunk in raw:
        span = _refine(chunk["start"] / sample_rate, chunk["end"] / sample_rate, is_loud, hop, opts)
        if span is not None:
            spans.append(span)
    merged = _merge(spans, opts.min_pause_s)
    return [s for s in merged if s.duration_s >= opts.min_speech_s]


def analyse(
    samples: np.ndarray,
    *,
    sample_rate: int,
    transcript: Transcript | None = None,
    spans: list[Span] | None = None,
    baseline: Baseline | None = None,
    reply_pause_s: float | None = None,
    options: ProsodyOptions | None = None,
) -> ProsodyReport:
    """Measure the delivery of one reply.

    Args:
        samples: mono float32, shape (n,); time 0 is the moment the customer stopped.
        sample_rate: in Hz.
        transcript: the words (for rate and fillers); None gives no rate.
        spans: precomputed `speech_spans` (computed here when None).
        baseline: the speaker's calm reading; shifts are None without it.
        reply_pause_s: overrides the measured reply pause (e.g. a live capture that
            started before the customer finished).
        options: analysis settings.

    Returns:
        The ProsodyReport; values that cannot be measured are None.
    """
    opts = options or DEFAULT_OPTIONS
    samples = np.asarray(samples, dtype=np.float32)
    duration_s = len(samples) / sample_rate
    if spans is None:
        spans = speech_spans(samples, sample_rate=sample_rate, options=opts)
    words = counted_words(transcript)
    fillers = sum(1 for w in (transcript.words if transcript else []) if is_filler(w.text))
    if not spans:
        return ProsodyReport(
            duration_s=duration_s, reply_pause_s=reply_pause_s, speech_s=0.0, speech_rate_wpm=None,
            articulation_rate_wpm=None, pitch_median_hz=None, pitch_range_st=None, pitch_shift_st=None,
            loudness_db=None, loudness_shift_db=None, rate_ratio=None, pitch_drift_st=None,
            loudness_drift_db=None, longest_pause_s=0.0, pauses=[], speech_spans=[], filler_count=fillers,
            word_count=len(words), voiced_fraction=0.0, has_baseline=baseline is not None,
        )
    pauses = [Span(a.end_s, b.start_s) for a, b in zip(spans, spans[1:])]
    speech_s = sum(s.duration_s for s in spans)
    extent_s = spans[-1].end_s - spans[0].start_s
    rate = len(words) / extent_s * 60.0 if words and extent_s > 0 else None
    articulation = len(words) / speech_s * 60.0 if words and speech_s > 0 else None

    speech = _gather(samples, spans, sample_rate)
    loudness = power_db(speech)
    f0, times = pitch_track(samples, sample_rate=sample_rate, spans=spans, options=opts)
    voiced = f0[np.isfinite(f0)]
    voiced_frames = int(round(speech_s / opts.hop_s))
    pitch_median = float(np.median(voiced)) if len(voiced) else None
    pitch_range = float(12 * np.log2(np.percentile(voiced, 90) / np.percentile(voiced, 10))) if len(voiced) > 10 else None

    pitch_drift, loud_drift = _drift(samples, spans, f0, times, sample_rate, opts)
    pitch_shift = loud_shift = ratio = None
    if baseline is not None:
        if baseline.pitch_median_hz and pitch_median:
            pitch_shift = float(12 * np.log2(pitch_median / baseline.pitch_median_hz))
        if baseline.loudness_db is not None:
            loud_shift = loudness - baseline.loudness_db
        if baseline.speech_rate_wpm and rate:
            ratio = rate / baseline.speech_rate_wpm
    return ProsodyReport(
        duration_s=duration_s,
        reply_pause_s=spans[0].start_s if reply_pause_s is None else reply_pause_s,
        speech_s=speech_s,
        speech_rate_wpm=rate,
        articulation_rate_wpm=articulation,
        pitch_median_hz=pitch_median,
        pitch_range_st=pitch_range,
        pitch_shift_st=pitch_shift,
        loudness_db=loudness,
        loudness_shift_db=loud_shift,
        rate_ratio=ratio,
        pitch_drift_st=pitch_drift,
        loudness_drift_db=loud_drift,
        longest_pause_s=max((p.duration_s for p in pauses), default=0.0),
        pauses=pauses,
        speech_spans=list(spans),
        filler_count=fillers,
        word_count=len(words),
        voiced_fraction=min(1.0, len(voiced) / voiced_frames) if voiced_frames else 0.0,
        has_baseline=baseline is not None,
    )


def pitch_track(
    samples: np.ndarray, *, sample_rate: int, spans: list[Span] | None = None, options: ProsodyOptions | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """YIN f0 per hop; NaN where unvoiced or outside `spans`.

    Returns:
        (f0_hz, times_s), both shape (n_frames,); times are frame centres.
    """
    opts = options or DEFAULT_OPTIONS
    hop = int(round(opts.hop_s * sample_rate))
    window = int(round(opts.yin_window_s * sample_rate))
    max_lag = int(np.ceil(sample_rate / opts.fmin_hz))
    min_lag = int(np.floor(sample_rate / opts.fmax_hz))
    length = window + max_lag
    n_frames = 1 + max(0, len(samples) - length) // hop if len(samples) >= length else 0
    times = (np.arange(n_frames) * hop + length / 2) / sample_rate
    f0 = np.full(n_frames, np.nan)
    if n_frames == 0:
        return f0, times
    keep = np.zeros(n_frames, dtype=bool)
    for span in spans if spans is not None else [Span(0.0, len(samples) / sample_rate)]:
        keep |= (times >= span.start_s) & (times <= span.end_s)
    index = np.flatnonzero(keep)
    if len(index) == 0:
        return f0, times
    frames = np.lib.stride_tricks.sliding_window_view(samples, length)[::hop][index].astype(np.float64)
    cmnd = _cmnd(frames, window=window, max_lag=max_lag)
    lags, dips = _first_dips(cmnd, min_lag=min_lag, threshold=opts.yin_threshold)
    voiced = dips < opts.yin_threshold
    rows = np.flatnonzero(voiced)
    if len(rows):
        f0[index[rows]] = sample_rate / _parabolic(cmnd[rows], lags[rows])
    return f0, times


def baseline_from(report: ProsodyReport, *, source: str = "") -> Baseline:
    """A Baseline from the prosody of a calm calibration reading."""
    return Baseline(
        pitch_median_hz=report.pitch_median_hz,
        loudness_db=report.loudness_db,
        speech_rate_wpm=report.speech_rate_wpm,
        source=source,
        articulation_rate_wpm=report.articulation_rate_wpm,
    )


def _cmnd(frames: np.ndarray, *, window: int, max_lag: int) -> np.ndarray:
    """YIN's cumulative-mean-normalised difference d'(tau) for tau in [0, max_lag]."""
    n_fft = 1 << int(np.ceil(np.log2(frames.shape[1] + window)))
    spectrum = np.fft.rfft(frames, n=n_fft, axis=1)
    head = np.fft.rfft(frames[:, :window], n=n_fft, axis=1)
    # cross[tau] = sum_j x[j] * x[j + tau] over the integration window
    cross = np.fft.irfft(spectrum * np.conj(head), n=n_fft, axis=1)[:, : max_lag + 1]
    power = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    energy = power[:, window : window + max_lag + 1] - power[:, : max_lag + 1]
    diff = np.maximum(energy[:, :1] + energy - 2 * cross, 0.0)
    cumulative = np.cumsum(diff[:, 1:], axis=1) / np.arange(1, max_lag + 1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] / np.maximum(cumulative, 1e-12)
    return cmnd


def _first_dips(cmnd: np.ndarray, *, min_lag: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per frame, the first lag whose d' falls under `threshold`, walked down to its
    local minimum (YIN step 4); frames with no such lag get their global minimum."""
    region = cmnd[:, min_lag:-1]
    below = region < threshold
    has = below.any(axis=1)
    lag = np.where(has, below.argmax(axis=1), region.argmin(axis=1)) + min_lag
    rows = np.arange(len(cmnd))
    last = cmnd.shape[1] - 2
    for _ in range(cmnd.shape[1]):
        step = (lag < last) & (cmnd[rows, np.minimum(lag + 1, last)] < cmnd[rows, lag])
        if not step.any():
            break
        lag = lag + step
    return lag, cmnd[rows, lag]


def _parabolic(cmnd: np.ndarray, lag: np.ndarray) -> np.ndarray:
    rows = np.arange(len(lag))
    left, mid, right = cmnd[rows, lag - 1], cmnd[rows, lag], cmnd[rows, lag + 1]
    denom = left - 2 * mid + right
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    return lag + np.clip(shift, -1.0, 1.0)


def _frame_db(samples: np.ndarray, *, sample_rate: int, options: ProsodyOptions) -> tuple[np.ndarray, float]:
    frame = int(round(options.frame_s * sample_rate))
    hop = int(round(options.hop_s * sample_rate))
    padded = np.pad(samples, (frame // 2, frame // 2))
    if len(padded) < frame:
        padded = np.pad(padded, (0, frame - len(padded)))
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame)[::hop]
    energy = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return 10 * np.log10(np.maximum(energy, 1e-12)), hop / sample_rate


def _refine(start_s: float, end_s: float, is_loud: np.ndarray, hop_s: float, opts: ProsodyOptions) -> Span | None:
    n = len(is_loud)
    reach = int(round(opts.edge_search_s / hop_s))
    first = max(0, int(start_s / hop_s) - reach)
    last = min(n - 1, int(end_s / hop_s) + reach)
    # Move the start back while speech-loud frames continue before it, else forward
    # to the first loud frame; likewise the end.
    start = int(start_s / hop_s)
    while start > first and is_loud[start - 1]:
        start -= 1
    while start <= last and not is_loud[start]:
        start += 1
    end = min(n - 1, int(end_s / hop_s))
    while end < last and is_loud[end + 1]:
        end += 1
    while end >= start and not is_loud[end]:
        end -= 1
    if end < start:
        return None
    return Span(start * hop_s, (end + 1) * hop_s)


def _merge(spans: list[Span], min_gap_s: float) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start_s):
        if merged and span.start_s - merged[-1].end_s < min_gap_s:
            merged[-1] = Span(merged[-1].start_s, max(merged[-1].end_s, span.end_s))
        else:
            merged.append(span)
    return merged


def _gather(samples: np.ndarray, spans: list[Span], sample_rate: int) -> np.ndarray:
    return np.concatenate([samples[int(s.start_s * sample_rate) : int(s.end_s * sample_rate)] for s in spans])


def _drift(
    samples: np.ndarray, spans: list[Span], f0: np.ndarray, times: np.ndarray, sample_rate: int, opts: ProsodyOptions
) -> tuple[float | None, float | None]:
    """Pitch (st) and loudness (dB) of the second half of the speech minus the first.

    Halves rather than first and last seconds: a calm sentence falls by a semitone
    or two from start to end (declination), which would read as a fall; halves
    average whole phrases against whole phrases.
    """
    total = sum(s.duration_s for s in spans)
    if total < opts.min_drift_speech_s:
        return None, None
    head = _clip_spans(spans, total / 2, from_end=False)
    tail = _clip_spans(spans, total / 2, from_end=True)
    loud = power_db(_gather(samples, tail, sample_rate)) - power_db(_gather(samples, head, sample_rate))

    def median_in(part: list[Span]) -> float | None:
        mask = np.zeros(len(times), dtype=bool)
        for s in part:
            mask |= (times >= s.start_s) & (times <= s.end_s)
        values = f0[mask & np.isfinite(f0)]
        return float(np.median(values)) if len(values) >= 20 else None

    first, second = median_in(head), median_in(tail)
    pitch = float(12 * np.log2(second / first)) if first and second else None
    return pitch, float(loud)


def _clip_spans(spans: list[Span], seconds: float, *, from_end: bool) -> list[Span]:
    out: list[Span] = []
    left = seconds
    for span in reversed(spans) if from_end else spans:
        if left <= 0:
            break
        take = min(left, span.duration_s)
        out.append(Span(span.end_s - take, span.end_s) if from_end else Span(span.start_s, span.start_s + take))
        left -= take
    return sorted(out, key=lambda s: s.start_s)


def span_delivery(
    samples: np.ndarray,
    *,
    sample_rate: int,
    start_s: float,
    end_s: float | None,
    report: ProsodyReport,
    baseline: Baseline | None = None,
    words: int = 0,
    options: ProsodyOptions | None = None,
) -> dict[str, float | None]:
    """Delivery of one stretch of the reply (e.g. the empathy phrase's words) against
    the speaker's baseline, or against the whole reply when there is no baseline.

    Returns:
        span_pitch_shift_st, span_loudness_shift_db, span_rate_ratio, span_speech_s
        (None where not measurable: too short, unvoiced, too few words).
    """
    opts = options or DEFAULT_OPTIONS
    if end_s is None or end_s - start_s < 0.2:
        return {}
    part = Span(max(0.0, start_s), min(end_s, len(samples) / sample_rate))
    segment = samples[int(part.start_s * sample_rate) : int(part.end_s * sample_rate)]
    ref_pitch = baseline.pitch_median_hz if baseline and baseline.pitch_median_hz else report.pitch_median_hz
    ref_loud = baseline.loudness_db if baseline and baseline.loudness_db is not None else report.loudness_db
    # A phrase has no pauses in it, so its pace compares with articulation rate.
    ref_rate = (baseline.articulation_rate_wpm if baseline and baseline.articulation_rate_wpm
                else report.articulation_rate_wpm)
    f0, _ = pitch_track(samples, sample_rate=sample_rate, spans=[part], options=opts)
    voiced = f0[np.isfinite(f0)]
    pitch_shift = (float(12 * np.log2(np.median(voiced) / ref_pitch))
                   if len(voiced) >= 5 and ref_pitch else None)
    loud_shift = power_db(segment) - ref_loud if ref_loud is not None and len(segment) else None
    duration = part.duration_s
    rate_ratio = (words / duration * 60.0) / ref_rate if words >= 3 and duration >= 0.5 and ref_rate else None
    return {"span_pitch_shift_st": pitch_shift, "span_loudness_shift_db": loud_shift,
            "span_rate_ratio": rate_ratio, "span_speech_s": duration}

"""Prosody is checked against what each fixture was made to have, and against Praat."""

from __future__ import annotations

import numpy as np
import parselmouth
import pytest
from hypothesis import given, settings, strategies as st
from parselmouth.praat import call

from voicecoach import audio, prosody
from voicecoach.types import Baseline

from conftest import FIXTURES

PAUSE_FIXTURES = ["pause_0_3.wav", "pause_1_2.wav", "pause_3_5.wav", "calm_reply.wav", "agitated_reply.wav",
                  "click_then_speech.wav", "mid_pause_reply.wav"]


@pytest.fixture(scope="session")
def measure(load, transcriber):
    cache: dict = {}

    def run(name: str, baseline: Baseline | None = None):
        key = (name, baseline)
        if key not in cache:
            rec = load(name)
            cache[key] = prosody.analyse(rec.samples, sample_rate=rec.sample_rate,
                                         transcript=transcriber.transcribe(rec), baseline=baseline)
        return cache[key]

    return run


@pytest.mark.parametrize("name", PAUSE_FIXTURES)
def test_reply_pause_matches_the_inserted_silence(measure, manifest, name):
    assert measure(name).reply_pause_s == pytest.approx(manifest[name]["leading_silence_s"], abs=0.1)


def test_a_click_before_speech_is_not_the_reply(measure):
    # the click sits at 0.3 s; the reply starts at 1.5 s
    assert measure("click_then_speech.wav").reply_pause_s > 1.3


@pytest.mark.parametrize("name", ["mid_pause_reply.wav", "dead_air_reply.wav"])
def test_inserted_pause_is_measured(measure, manifest, name):
    report = measure(name)
    inserted = manifest[name]["inserted_pauses_s"][0]
    assert report.longest_pause_s == pytest.approx(inserted, abs=0.1)
    # the pause starts where the first sentence ends, which is the first span's end
    longest = max(report.pauses, key=lambda s: s.duration_s)
    assert longest.duration_s == pytest.approx(inserted, abs=0.1)


def test_speech_rate_orders_and_scales_like_the_synthesis_rate(measure, manifest):
    slow, calm, fast = (measure(n).speech_rate_wpm for n in ("slow_reply.wav", "calm_reply.wav", "fast_reply.wav"))
    assert slow < calm < fast
    nominal = {n: manifest[n]["rate_wpm"] for n in ("slow_reply.wav", "calm_reply.wav", "fast_reply.wav")}
    # same words at different espeak rates: our rate ratios must follow espeak's within 15 %
    assert fast / slow == pytest.approx(nominal["fast_reply.wav"] / nominal["slow_reply.wav"], rel=0.15)
    assert calm / slow == pytest.approx(nominal["calm_reply.wav"] / nominal["slow_reply.wav"], rel=0.15)


@pytest.mark.parametrize("name", ["slow_reply.wav", "calm_reply.wav", "fast_reply.wav", "baseline_reading.wav"])
def test_speech_rate_magnitude_matches_words_over_praat_speech_extent(measure, manifest, name):
    # independent ground truth: the words written into the fixture over the span
    # Praat finds sounding, first onset to last offset
    words = len(manifest[name]["text"].split())
    spans = praat_sounding(FIXTURES / name)
    truth = words / (spans[-1][1] - spans[0][0]) * 60
    assert measure(name).speech_rate_wpm == pytest.approx(truth, rel=0.12)


def test_articulation_rate_removes_pauses(measure):
    report = measure("dead_air_reply.wav")
    assert report.articulation_rate_wpm > report.speech_rate_wpm * 1.2


@pytest.mark.parametrize("name, shift", [("pitch_up_2st.wav", 2.0), ("pitch_up_5st.wav", 5.0), ("calm_reply.wav", 0.0)])
def test_pitch_shift_against_a_baseline(measure, name, shift):
    calm = measure("calm_reply.wav")
    base = Baseline(calm.pitch_median_hz, calm.loudness_db, calm.speech_rate_wpm)
    assert measure(name, base).pitch_shift_st == pytest.approx(shift, abs=0.5)


@pytest.mark.parametrize("name, gain", [("loud_reply.wav", 9.0), ("quiet_reply.wav", -4.0), ("pitch_up_5st.wav", 0.0)])
def test_loudness_shift_against_a_baseline(measure, name, gain):
    calm = measure("calm_reply.wav")
    base = Baseline(calm.pitch_median_hz, calm.loudness_db, calm.speech_rate_wpm)
    assert measure(name, base).loudness_shift_db == pytest.approx(gain, abs=1.0)


def test_rate_ratio_against_a_baseline(measure):
    calm = measure("calm_reply.wav")
    base = Baseline(calm.pitch_median_hz, calm.loudness_db, calm.speech_rate_wpm)
    assert measure("fast_reply.wav", base).rate_ratio == pytest.approx(200 / 120, rel=0.15)


def test_voice_rising_within_a_reply_is_seen_without_a_baseline(load):
    calm, raised = load("calm_reply.wav"), load("pitch_up_5st.wav")
    gap = np.zeros(8000, dtype=np.float32)
    joined = np.concatenate([calm.samples[16000:], gap, raised.samples[16000:]])
    report = prosody.analyse(joined, sample_rate=16000)
    assert report.pitch_drift_st == pytest.approx(5.0, abs=1.0)
    # one calm sentence falls gently (declination) but never "rises"
    assert prosody.analyse(calm.samples, sample_rate=16000).pitch_drift_st < 1.0


@pytest.mark.parametrize("name", ["calm_reply.wav", "pitch_up_5st.wav", "baseline_reading.wav", "fast_reply.wav"])
def test_pitch_agrees_with_praat(name):
    rec = audio.load(FIXTURES / name)
    ours = prosody.analyse(rec.samples, sample_rate=16000).pitch_median_hz
    pitch = parselmouth.Sound(str(FIXTURES / name)).to_pitch_ac(pitch_floor=60, pitch_ceiling=500)
    values = pitch.selected_array["frequency"]
    praat = float(np.median(values[values > 0]))
    assert 12 * abs(np.log2(ours / praat)) < 0.5


def praat_sounding(path) -> list[tuple[float, float]]:
    sound = parselmouth.Sound(str(path))
    grid = call(sound, "To TextGrid (silences)", 100, 0.0, -25.0, 0.25, 0.1, "silent", "sounding")
    out = []
    for i in range(1, call(grid, "Get number of intervals", 1) + 1):
        if call(grid, "Get label of interval", 1, i) == "sounding":
            out.append((call(grid, "Get start time of interval", 1, i), call(grid, "Get end time of interval", 1, i)))
    return out


# (not the click fixture: its full-scale click moves Praat's max-relative silence threshold)
@pytest.mark.parametrize("name", ["pause_1_2.wav", "pause_3_5.wav", "mid_pause_reply.wav", "dead_air_reply.wav", "calm_reply.wav"])
def test_speech_spans_agree_with_praat(name):
    rec = audio.load(FIXTURES / name)
    ours = prosody.speech_spans(rec.samples, sample_rate=16000)
    praat = [s for s in praat_sounding(FIXTURES / name) if s[1] - s[0] >= 0.15]
    assert ours[0].start_s == pytest.approx(praat[0][0], abs=0.1)
    assert ours[-1].end_s == pytest.approx(praat[-1][1], abs=0.1)
    ours_longest = max((b.start_s - a.end_s for a, b in zip(ours, ours[1:])), default=0.0)
    praat_longest = max((b[0] - a[1] for a, b in zip(praat, praat[1:])), default=0.0)
    assert ours_longest == pytest.approx(praat_longest, abs=0.1)


@pytest.mark.parametrize("name", ["silence.wav", "noise.wav"])
def test_no_speech_gives_empty_report(load, name):
    rec = load(name)
    report = prosody.analyse(rec.samples, sample_rate=16000)
    assert report.speech_spans == [] and report.reply_pause_s is None and report.pitch_median_hz is None


def test_fillers_are_counted(measure, manifest):
    assert measure("fillers_reply.wav").filler_count >= manifest["fillers_reply.wav"]["fillers"] - 1


@pytest.mark.parametrize("word, filler", [("um", True), ("Umm,", True), ("uh.", True), ("erm", True), ("hmm", True),
                                          ("ah", True), ("umbrella", False), ("I", False), ("her", False), ("a", False)])
def test_filler_words(word, filler):
    assert prosody.is_filler(word) is filler


@settings(max_examples=40, deadline=None)
@given(
    length=st.integers(min_value=0, max_value=48000),
    level=st.floats(min_value=0.0, max_value=1.0),
    kind=st.sampled_from(["noise", "tone", "zeros", "impulses"]),
)
def test_analyse_never_crashes_on_odd_signals(length, level, kind):
    rng = np.random.default_rng(length)
    t = np.arange(length) / 16000
    signal = {
        "noise": rng.standard_normal(length),
        "tone": np.sin(2 * np.pi * 150 * t),
        "zeros": np.zeros(length),
        "impulses": (rng.random(length) > 0.999).astype(float),
    }[kind]
    report = prosody.analyse((level * signal).astype(np.float32), sample_rate=16000)
    assert report.duration_s == pytest.approx(length / 16000)
    assert report.longest_pause_s >= 0

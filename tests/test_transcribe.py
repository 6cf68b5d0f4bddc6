"""Transcription with the bundled model: accurate words, kept fillers, nothing on silence."""

from __future__ import annotations

import re

import jiwer
import pytest

SPEECH = ["calm_reply.wav", "baseline_reading.wav", "pause_1_2.wav", "mid_pause_reply.wav", "long_reply_15s.wav",
          "slow_reply.wav", "quiet_reply.wav"]


def normalise(text: str) -> str:
    text = text.lower().replace("mr.", "mister").replace("mr ", "mister ").replace("mrs.", "missus")
    text = re.sub(r"\b5\b", "five", text)
    return " ".join(re.sub(r"[^a-z' ]+", " ", text).split())


# Whisper's int8 kernels differ by CPU (AVX-512, AVX2, AVX, generic), and the beam then
# picks other words on a hard clip: baseline_reading.wav measured 0.14-0.18 here under
# CT2_FORCE_CPU_ISA=AVX512/AVX2/AVX/GENERIC and 0.23 on an AVX2-only EPYC. The set's
# aggregate stays at 0.036-0.040 on all four, so the test bounds the aggregate (with a
# margin for other CPUs) and each clip only loosely, to catch a clip gone wrong.
AGGREGATE_WER = 0.10
CLIP_WER = 0.40
WER_SET = SPEECH + ["fast_reply.wav", "loud_reply.wav", "agitated_reply.wav", "dead_air_reply.wav",
                    "fillers_reply.wav", "demo_good_1.wav", "demo_good_2.wav", "demo_good_3.wav"]


def test_word_error_rate_is_low_on_clear_speech(transcriber, load, manifest):
    errors = words = 0
    per_clip = {}
    for name in WER_SET:
        result = transcriber.transcribe(load(name))
        assert not result.no_speech, name
        reference = normalise(manifest[name]["text"])
        measured = jiwer.process_words(reference, normalise(result.text))
        clip_errors = measured.substitutions + measured.deletions + measured.insertions
        per_clip[name] = clip_errors / len(reference.split())
        errors += clip_errors
        words += len(reference.split())
    print(f"aggregate WER {errors / words:.3f}; worst {max(per_clip.items(), key=lambda kv: kv[1])}")
    assert errors / words <= AGGREGATE_WER, per_clip
    assert max(per_clip.values()) <= CLIP_WER, per_clip


@pytest.mark.parametrize("name", SPEECH[:3])
def test_word_timings_are_ordered_and_inside_the_audio(transcriber, load, name):
    rec = load(name)
    words = transcriber.transcribe(rec).words
    assert words
    for a, b in zip(words, words[1:]):
        assert a.start_s <= a.end_s <= b.start_s + 0.05
    assert words[0].start_s >= 0 and words[-1].end_s <= rec.duration_s + 0.05
    assert all(0.0 <= w.probability <= 1.0 for w in words)


@pytest.mark.parametrize("name", ["silence.wav", "noise.wav"])
def test_silence_and_noise_give_no_words(transcriber, load, name):
    result = transcriber.transcribe(load(name))
    assert result.no_speech and result.text == "" and result.words == []


def test_fillers_are_kept_where_spoken(transcriber, load):
    from voicecoach.prosody import is_filler

    words = transcriber.transcribe(load("fillers_reply.wav")).words
    fillers = [w for w in words if is_filler(w.text)]
    assert len(fillers) >= 3
    # the reply opens with "Um": the first word is a filler
    assert is_filler(words[0].text)


def test_a_self_repeating_reply_does_not_run_away(transcriber, load, manifest):
    # Decoding is capped by audio length: a loop cannot emit far more than was said.
    result = transcriber.transcribe(load("repetitive_reply.wav"))
    spoken = len(manifest["repetitive_reply.wav"]["text"].split())
    assert 0.5 * spoken <= len(result.words) <= 1.5 * spoken


def test_hotwords_are_accepted(transcriber, load):
    result = transcriber.transcribe(load("calm_reply.wav"), vocabulary=["Hughes", "", "Hughes"])
    assert "hughes" in result.text.lower()

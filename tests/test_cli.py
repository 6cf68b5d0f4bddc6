"""The CLI contracts outside tools rely on (DESIGN.md), run as real processes."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, run_cli

CHECK_FIELDS = {"id", "passed", "value", "threshold", "message", "evidence", "start_s", "end_s"}
PROSODY_FIELDS = {"reply_pause_s", "speech_s", "speech_rate_wpm", "articulation_rate_wpm", "pitch_median_hz",
                  "pitch_range_st", "pitch_shift_st", "loudness_db", "loudness_shift_db", "longest_pause_s",
                  "pauses", "filler_count"}
ACOUSTIC = {"calm-pace", "reply-pause", "steady-pitch", "steady-volume", "no-dead-air", "fillers"}


@pytest.fixture(scope="module")
def scored():
    proc = run_cli("score", str(FIXTURES / "agitated_reply.wav"), "--baseline", str(FIXTURES / "baseline_reading.wav"),
                   "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_score_json_contract(scored):
    assert {"transcript", "words", "prosody", "checks", "score"} <= set(scored)
    assert PROSODY_FIELDS <= set(scored["prosody"])
    assert ACOUSTIC <= {c["id"] for c in scored["checks"]}
    for check in scored["checks"]:
        assert CHECK_FIELDS <= set(check)
        assert check["passed"] in (True, False, None)
    for word in scored["words"]:
        assert set(word) == {"text", "start_s", "end_s", "probability"}
    assert 0 <= scored["score"] <= 100


def test_score_json_judges_against_the_baseline(scored):
    by_id = {c["id"]: c for c in scored["checks"]}
    assert by_id["steady-pitch"]["passed"] is False and by_id["steady-volume"]["passed"] is False
    assert scored["prosody"]["pitch_shift_st"] == pytest.approx(5.0, abs=1.0)
    assert scored["prosody"]["loudness_shift_db"] == pytest.approx(9.0, abs=1.5)
    assert 1 <= len(scored["feedback"]) <= 3


def test_score_text_makes_acoustic_checks_null():
    proc = run_cli("score", "--text", "I understand, let me check that for you right now.", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["prosody"] is None
    assert all(c["passed"] is None for c in result["checks"] if c["id"] in ACOUSTIC)


def test_reply_pause_option_overrides_the_leading_silence():
    proc = run_cli("score", str(FIXTURES / "pause_0_3.wav"), "--reply-pause", "1.4", "--json")
    result = json.loads(proc.stdout)
    assert result["prosody"]["reply_pause_s"] == 1.4
    assert {c["id"]: c for c in result["checks"]}["reply-pause"]["passed"] is True


def test_silence_scores_as_no_speech_not_an_error():
    proc = run_cli("score", str(FIXTURES / "silence.wav"), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["no_speech"] is True and result["transcript"] == "" and result["words"] == []
    assert all(c["passed"] is None for c in result["checks"] if c["id"] in ACOUSTIC)
    assert result["score"] is None


def test_transcribe_json_contract():
    proc = run_cli("transcribe", str(FIXTURES / "pause_1_2.wav"), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert "understand" in result["text"].lower()
    assert result["words"] and set(result["words"][0]) == {"text", "start_s", "end_s", "probability"}


def test_human_readable_score_explains_itself():
    proc = run_cli("score", str(FIXTURES / "dead_air_reply.wav"))
    assert proc.returncode == 0, proc.stderr
    assert "no-dead-air" in proc.stdout and "Score:" in proc.stdout and "silent for 3." in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["score"], "give an audio file"),
    (["score", "x.wav", "--text", "hi"], "not both"),
    (["score", "--text", "hi", "--rules", "/nonexistent/rules.toml"], "rules file not found"),
    (["score", str(FIXTURES / "pause_1_2.wav"), "--reply-pause", "999"], "--reply-pause"),
    (["score", str(FIXTURES / "pause_1_2.wav"), "--model", "/nonexistent-model-dir"], "not a faster-whisper"),
])
def test_usage_errors_are_one_line(args, message):
    proc = run_cli(*args)
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_help_lists_the_commands():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("score", "transcribe", "doctor", "bench", "demo"):
        assert command in proc.stdout


def test_demo_runs_without_a_microphone():
    proc = run_cli("demo")
    assert proc.returncode == 0, proc.stderr
    assert "=== A good run ===" in proc.stdout and "=== A poor run ===" in proc.stdout


def test_bench_reports_every_figure():
    proc = run_cli("bench", "--json", "--runs", "1", timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    for key in ("transcribe_rtf", "prosody_s", "score_process_s", "cold_start_s", "help_s", "peak_rss_mb",
                "score_vs_bare_whisper_ratio", "repetitive_vs_normal_ratio", "rescore_x_realtime", "report_10_turns_s",
                "sessions_10000_list_s"):
        assert isinstance(result[key], float) and result[key] > 0
    assert set(result["targets"]) >= {"score_vs_bare_whisper_ratio", "prosody_s", "help_s", "peak_rss_mb"}

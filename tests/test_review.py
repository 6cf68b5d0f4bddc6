"""Trainers' review: progress over time and re-scoring stored replies (real model, real sessions)."""

from __future__ import annotations

import json

from conftest import run_cli

STRICT_PACE = "[calm-pace]\nmax_wpm = 40.0\nmax_rate_ratio = 0.3\n"


def env(data) -> dict[str, str]:
    return {"VOICECOACH_DATA_DIR": str(data)}


def sessions(data) -> list[dict]:
    return json.loads(run_cli("sessions", "--json", env=env(data)).stdout)


def show(data, session_id: str) -> dict:
    return json.loads(run_cli("sessions", "show", session_id, "--json", env=env(data)).stdout)


def test_progress_follows_scores_and_heart_steps_over_time(stored_data, tmp_path):
    chart = tmp_path / "progress.html"
    proc = run_cli("progress", "demo", "--json", "--html", str(chart), env=env(stored_data))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    rows = sessions(stored_data)
    # oldest first, the same scores as the index
    assert [s["id"] for s in data["sessions"]] == [r["id"] for r in reversed(rows)]
    assert [s["score"] for s in data["sessions"]] == [r["score"] for r in reversed(rows)]
    good, poor = data["sessions"]
    assert good["heart"]["empathize"] > poor["heart"]["empathize"]
    assert data["trend"] == round(poor["score"] - good["score"], 1)
    eddie = data["personas"]["angry-eddie"]
    assert eddie["sessions"] == 2
    assert eddie["heart"]["empathize"] == round((good["heart"]["empathize"] + poor["heart"]["empathize"]) / 2, 1)
    missed = {m["check_id"]: m for m in data["most_missed"]}
    assert missed and all(0 < m["missed"] <= m["judged"] and m["guidance"] for m in missed.values())
    # the poor run contradicts the customer: that shows among the misses
    stored = [show(stored_data, s["id"]) for s in data["sessions"]]
    failed = {c["id"] for s in stored for t in s["turns"] for c in t["checks"] if c["passed"] is False}
    assert set(missed) <= failed
    page = chart.read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page and "http" not in page.split("<body>")[1]
    assert page.count("<polyline") == 6  # the score and the five HEART steps


def test_progress_table_and_unknown_trainee(stored_data):
    proc = run_cli("progress", "demo", env=env(stored_data))
    assert proc.returncode == 0 and "Most often missed" in proc.stdout and "angry-eddie" in proc.stdout
    proc = run_cli("progress", "nobody", env=env(stored_data))
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1 and "no sessions stored for trainee" in proc.stderr


def test_rescore_keeps_the_previous_result_and_applies_new_rules(data_copy, tmp_path):
    before = {r["id"]: show(data_copy, r["id"]) for r in sessions(data_copy)}
    rules = tmp_path / "strict.toml"
    rules.write_text(STRICT_PACE)
    proc = run_cli("rescore", "--all", "--rules", str(rules), "--json", env=env(data_copy), timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    turns = sum(len(s["turns"]) for s in before.values())
    assert report["turns"] == turns and report["skipped"] == []
    assert report["realtime_factor"] > 1.0
    for session_id, old in before.items():
        new = show(data_copy, session_id)
        assert new["rescored_at"] and new["previous_scores"][-1]["score"] == old["score"]
        for old_turn, new_turn in zip(old["turns"], new["turns"]):
            # history is untouched, the judgement is new, the old one is kept
            assert new_turn["customer_line"] == old_turn["customer_line"]
            assert new_turn["outcome"] == old_turn["outcome"]
            assert new_turn["previous"][-1]["score"] == old_turn["score"]
            assert new_turn["previous"][-1]["checks"] == old_turn["checks"]
            pace = next(c for c in new_turn["checks"] if c["id"] == "calm-pace")
            assert pace["passed"] is False and pace["threshold"]["max_wpm"] == 40.0
    changed = [c for c in report["changes"] if "calm-pace" in c["checks_changed"]]
    assert changed and all(c["new_score"] <= c["old_score"] for c in changed)
    listed = {r["id"]: r for r in sessions(data_copy)}
    assert all(listed[sid]["score"] == show(data_copy, sid)["score"] for sid in listed)


def test_rescore_with_todays_rules_reproduces_the_stored_judgement(data_copy):
    first = sessions(data_copy)[-1]["id"]
    old = show(data_copy, first)
    proc = run_cli("rescore", first, "--workers", "1", env=env(data_copy), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Re-scored" in proc.stdout and "x real time" in proc.stdout
    new = show(data_copy, first)
    assert [t["score"] for t in new["turns"]] == [t["score"] for t in old["turns"]]
    assert [t["transcript"] for t in new["turns"]] == [t["transcript"] for t in old["turns"]]
    # each turn is judged in its call again: the steps settled by earlier turns are the same
    settled = [[c.get("settled_turn") for c in t["checks"]] for t in new["turns"]]
    assert settled == [[c.get("settled_turn") for c in t["checks"]] for t in old["turns"]]
    assert len(new["turns"]) < 2 or any(v is not None for v in settled[1])


def test_rescore_skips_a_missing_recording_and_refuses_bad_input(data_copy, tmp_path):
    first = sessions(data_copy)[-1]["id"]
    folder = data_copy / "sessions" / first
    (folder / "turn-02-trainee.wav").unlink()
    proc = run_cli("rescore", first, "--json", env=env(data_copy), timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert any("turn-02-trainee.wav is missing" in s for s in report["skipped"])
    assert report["turns"] == len(show(data_copy, first)["turns"]) - 1
    bad_rules = tmp_path / "bad.toml"
    bad_rules.write_text("[calm-pace\n")
    for args, message in ((["rescore", "no-such-session"], "no session"),
                          (["rescore"], "pass --all"),
                          (["rescore", "--all", "--rules", str(bad_rules)], "not valid TOML")):
        proc = run_cli(*args, env=env(data_copy))
        assert proc.returncode != 0 and message in proc.stderr and "Traceback" not in proc.stderr, args


def test_a_broken_session_is_left_out_of_progress_and_rescore_with_a_warning(data_copy):
    rows = sessions(data_copy)
    broken, kept = rows[0]["id"], rows[1]["id"]
    (data_copy / "sessions" / broken / "session.json").write_text('{"id": "%s", "turns": 3}' % broken)
    proc = run_cli("progress", "demo", "--json", env=env(data_copy))
    assert proc.returncode == 0, proc.stderr
    assert [s["id"] for s in json.loads(proc.stdout)["sessions"]] == [kept]
    assert f"session {broken} left out" in proc.stderr
    proc = run_cli("rescore", "--all", "--json", env=env(data_copy), timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["sessions"] == [kept] and any(s.startswith(broken) for s in report["skipped"])
    assert report["turns"] == len(show(data_copy, kept)["turns"])

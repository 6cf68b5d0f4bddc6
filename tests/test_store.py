"""Trainers' data care: filters, damaged stores, repair, deletion, retention, export/import, two writers.

The sessions in `stored_data` are real calls (the demo replies judged by the real
model); the filter and concurrency tests add small sessions through the Store
API, which is how every session reaches the disk.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, run_cli

from voicecoach.store import Store
from voicecoach.types import Baseline, Recording


def cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, env={"VOICECOACH_DATA_DIR": str(data)})


def listed(data: Path, *args: str) -> list[dict]:
    proc = cli(data, "sessions", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def assert_one_line_error(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode != 0
    assert proc.stderr.startswith("voicecoach: error:"), proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr


def set_started(data: Path, session_id: str, started_at: str) -> None:
    """Move a session in time, in its session.json and in the index, as if recorded then."""
    path = data / "sessions" / session_id / "session.json"
    session = json.loads(path.read_text())
    session["started_at"] = started_at
    path.write_text(json.dumps(session))
    with sqlite3.connect(data / "index.sqlite3") as db:
        db.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (started_at, session_id))


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def add_session(store: Store, trainee: str, persona_id: str, score: float | None, *, audio: bool = False) -> str:
    session = store.new_session(trainee=trainee, persona_id=persona_id, baseline=None)
    clip = Recording(np.zeros(1600, dtype=np.float32), 16000, "test") if audio else None
    store.save_turn(session, {"index": 0, "customer_line": "Where is my parcel?", "score": score, "outcome": "holds"},
                    customer=clip, trainee=clip)
    store.finish(session, outcome="resolved", summary={})
    return session["id"]


# ---------------------------------------------------------------------- filters


@pytest.fixture
def varied(tmp_path) -> Path:
    """Six small sessions: two trainees, two customers, three months, scores 40-90."""
    data = tmp_path / "varied"
    store = Store(data)
    plan = [("ann", "angry-eddie", 90.0, "2024-01-10T09:00:00+00:00"),
            ("ann", "missing-parcel", 40.0, "2024-02-10T09:00:00+00:00"),
            ("ann", "angry-eddie", 65.0, "2024-03-10T23:30:00+00:00"),
            ("bob", "angry-eddie", 55.0, "2024-01-20T09:00:00+00:00"),
            ("bob", "missing-parcel", 80.0, "2024-02-20T09:00:00+00:00"),
            ("bob", "missing-parcel", None, "2024-03-20T09:00:00+00:00")]
    for trainee, persona, score, started in plan:
        set_started(data, add_session(store, trainee, persona, score), started)
    store.close()
    return data


@pytest.mark.parametrize("args, expected", [
    (("--trainee", "ann"), [65.0, 40.0, 90.0]),
    (("--persona", "missing-parcel"), [None, 80.0, 40.0]),
    (("--trainee", "bob", "--persona", "angry-eddie"), [55.0]),
    (("--since", "2024-02-10"), [None, 65.0, 80.0, 40.0]),
    (("--until", "2024-01-20"), [55.0, 90.0]),                      # a date includes its whole day
    (("--since", "2024-02-01", "--until", "2024-02-28"), [80.0, 40.0]),
    (("--until", "2024-03-10T23:00:00"), [80.0, 40.0, 55.0, 90.0]),
    (("--since", "2024-03-11T01:00+02:00"), [None, 65.0]),           # offsets are converted to UTC
    (("--min-score", "60"), [65.0, 80.0, 90.0]),
    (("--max-score", "60"), [40.0, 55.0]),
    (("--trainee", "ann", "--min-score", "50", "--max-score", "70"), [65.0]),
    (("--trainee", "nobody"), []),
], ids=["trainee", "persona", "trainee+persona", "since", "until-day", "month", "until-time", "since-offset",
        "min", "max", "score-band", "nobody"])
def test_sessions_filters(varied, args, expected):
    rows = listed(varied, *args)
    assert [r["score"] for r in rows] == expected
    assert [r["started_at"] for r in rows] == sorted((r["started_at"] for r in rows), reverse=True)
    assert all(set(r) == {"id", "trainee", "persona_id", "started_at", "ended_at", "turns", "score", "outcome"}
               for r in rows)


@pytest.mark.parametrize("option, value", [("--since", "2024-13-01"), ("--until", "last tuesday"),
                                           ("--since", "2024-02-30")])
def test_bad_date_is_one_line_naming_the_format(varied, option, value):
    proc = cli(varied, "sessions", option, value)
    assert_one_line_error(proc)
    assert "YYYY-MM-DD" in proc.stderr and option in proc.stderr


# ---------------------------------------------------------------------- damage and repair


def test_corrupt_session_json_is_listed_with_a_warning(data_copy):
    rows = listed(data_copy)
    broken = rows[0]["id"]
    (data_copy / "sessions" / broken / "session.json").write_text('{"id": "trunc')
    proc = cli(data_copy, "sessions", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in json.loads(proc.stdout)] == [r["id"] for r in rows]
    assert "warning" in proc.stderr and broken in proc.stderr and "unreadable" in proc.stderr
    assert "Traceback" not in proc.stderr
    shown = cli(data_copy, "sessions", "show", broken)
    assert_one_line_error(shown)
    checked = cli(data_copy, "sessions", "--check")
    assert checked.returncode == 8 and broken in checked.stdout


def test_a_clean_listing_has_no_warnings(data_copy):
    plain = cli(data_copy, "sessions")
    assert plain.returncode == 0 and plain.stderr == ""


def test_missing_recording_is_listed_with_a_warning_and_reported_by_check(data_copy):
    session_id = listed(data_copy)[0]["id"]
    (data_copy / "sessions" / session_id / "turn-01-trainee.wav").unlink()
    plain = cli(data_copy, "sessions")
    assert plain.returncode == 0 and session_id in plain.stdout
    assert "warning" in plain.stderr and "turn-01-trainee.wav is missing" in plain.stderr
    checked = cli(data_copy, "sessions", "--check")
    assert checked.returncode == 8
    assert f"session {session_id}: turn 1: recording turn-01-trainee.wav is missing" in checked.stdout
    assert checked.stderr.startswith("voicecoach: error:") and checked.stderr.count("\n") == 1
    assert cli(data_copy, "sessions", "show", session_id, "--json").returncode == 0


def test_clean_store_passes_check(data_copy):
    proc = cli(data_copy, "sessions", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_repair_fixes_an_index_out_of_step(data_copy):
    ids = [r["id"] for r in listed(data_copy)]
    store = Store(data_copy)
    store.save_baseline("demo", Baseline(**_baseline_fields()))
    store.close()
    # 1. a row lost from the index
    with sqlite3.connect(data_copy / "index.sqlite3") as db:
        db.execute("DELETE FROM sessions WHERE id = ?", (ids[0],))
    # 2. a folder the index never heard of (a copy of a session under a new id)
    extra = "20240101-120000-abcdef"
    shutil.copytree(data_copy / "sessions" / ids[1], data_copy / "sessions" / extra)
    copied = json.loads((data_copy / "sessions" / extra / "session.json").read_text())
    (data_copy / "sessions" / extra / "session.json").write_text(json.dumps({**copied, "id": extra, "trainee": "zoe"}))
    # 3. a folder gone behind the index's back
    shutil.copytree(data_copy / "sessions" / ids[1], data_copy / "gone-backup")
    shutil.rmtree(data_copy / "sessions" / ids[1])
    # 4. a folder nobody can read
    (data_copy / "sessions" / "20240101-130000-aaaaaa").mkdir()

    before = cli(data_copy, "sessions")
    assert before.returncode == 0
    assert "not in the index" in before.stderr and "folder is gone" in before.stderr

    repaired = cli(data_copy, "sessions", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "2 added" in repaired.stdout and "1 dropped" in repaired.stdout and "1 unreadable" in repaired.stdout
    assert "20240101-130000-aaaaaa" in repaired.stderr

    rows = {r["id"]: r for r in listed(data_copy)}
    assert set(rows) == {ids[0], extra}
    assert rows[extra]["trainee"] == "zoe" and rows[extra]["turns"] == len(copied["turns"])
    assert Store(data_copy).baseline("demo") is not None  # trainees' baselines survive a rebuild
    shutil.rmtree(data_copy / "sessions" / "20240101-130000-aaaaaa")
    after = cli(data_copy, "sessions")
    assert after.stderr == "" and cli(data_copy, "sessions", "--check").returncode == 0


def _baseline_fields() -> dict:
    import dataclasses

    return {f.name: 1.0 for f in dataclasses.fields(Baseline)}


def test_unknown_session_is_one_line_everywhere(data_copy):
    for args in (("sessions", "show", "20990101-000000-abcdef"), ("sessions", "delete", "20990101-000000-abcdef", "--yes"),
                 ("export", "20990101-000000-abcdef"), ("sessions", "show", "../etc")):
        assert_one_line_error(cli(data_copy, *args))


# ---------------------------------------------------------------------- deletion


def test_delete_sessions(data_copy):
    first, second = [r["id"] for r in listed(data_copy)]
    refused = cli(data_copy, "sessions", "delete", first)  # stdin is not a terminal here
    assert_one_line_error(refused)
    assert "--yes" in refused.stderr and (data_copy / "sessions" / first).is_dir()
    mixed = cli(data_copy, "sessions", "delete", first, "20990101-000000-abcdef", "--yes")
    assert_one_line_error(mixed)
    assert (data_copy / "sessions" / first).is_dir()  # all ids are checked before anything goes

    done = cli(data_copy, "sessions", "delete", first, "--yes")
    assert done.returncode == 0, done.stderr
    assert not (data_copy / "sessions" / first).exists()
    assert [r["id"] for r in listed(data_copy)] == [second]
    with sqlite3.connect(data_copy / "index.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM turns WHERE session_id = ?", (first,)).fetchone()[0] == 0


def test_delete_all_of_a_trainee(data_copy):
    store = Store(data_copy)
    other = add_session(store, "ann", "angry-eddie", 70.0)
    store.save_baseline("demo", Baseline(pitch_median_hz=120.0, loudness_db=-20.0, speech_rate_wpm=150.0))
    store.close()
    proc = cli(data_copy, "sessions", "delete", "--trainee", "demo", "--all", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in listed(data_copy)] == [other]
    store = Store(data_copy)
    assert store.baseline("demo") is None  # the calm reading's measures go with the trainee
    store.close()
    assert sorted(p.name for p in (data_copy / "sessions").iterdir()) == [other]
    assert_one_line_error(cli(data_copy, "sessions", "delete", "--all", "--yes"))  # --all needs --trainee


# ---------------------------------------------------------------------- retention


def test_prune_deletes_old_recordings_and_keeps_scores(data_copy):
    old, recent = [r["id"] for r in listed(data_copy)]
    before = json.loads((data_copy / "sessions" / old / "session.json").read_text())
    set_started(data_copy, old, "2020-01-01T09:00:00+00:00")
    proc = run_cli("sessions", "prune", env={"VOICECOACH_DATA_DIR": str(data_copy), "VOICECOACH_RETENTION_DAYS": "30"})
    assert proc.returncode == 0, proc.stderr
    assert not list((data_copy / "sessions" / old).glob("*.wav"))
    assert list((data_copy / "sessions" / recent).glob("*.wav"))
    after = json.loads(cli(data_copy, "sessions", "show", old, "--json").stdout)
    assert after["score"] == before["score"]
    assert [t["score"] for t in after["turns"]] == [t["score"] for t in before["turns"]]
    assert all(t["audio_pruned"] and "trainee_audio" not in t and "customer_audio" not in t for t in after["turns"])
    assert {r["id"]: r["score"] for r in listed(data_copy)}[old] == before["score"]
    assert cli(data_copy, "sessions", "--check").returncode == 0  # pruned turns are not "missing" recordings
    again = cli(data_copy, "sessions", "prune", "--days", "30", "--json")
    assert json.loads(again.stdout)["files"] == 0


def test_retention_runs_when_a_session_starts(data_copy):
    old = listed(data_copy)[-1]["id"]
    set_started(data_copy, old, "2020-01-01T09:00:00+00:00")
    store = Store(data_copy, retention_days=30)
    add_session(store, "ann", "angry-eddie", 70.0, audio=True)
    store.close()
    assert not list((data_copy / "sessions" / old).glob("*.wav"))
    assert json.loads((data_copy / "sessions" / old / "session.json").read_text())["turns"][0]["audio_pruned"]


def test_prune_without_a_retention_period_says_how_to_set_one(data_copy):
    proc = cli(data_copy, "sessions", "prune")
    assert_one_line_error(proc)
    assert "VOICECOACH_RETENTION_DAYS" in proc.stderr


# ---------------------------------------------------------------------- export and import


def test_export_import_round_trip(data_copy, tmp_path):
    session_id = listed(data_copy)[0]["id"]
    out = tmp_path / "call.zip"
    exported = cli(data_copy, "export", session_id, "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    names = zipfile.ZipFile(out).namelist()
    assert "session.json" in names and "report.html" in names and "turn-01-trainee.wav" in names

    other = tmp_path / "other"
    imported = cli(other, "import", str(out))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == session_id
    original = json.loads(cli(data_copy, "sessions", "show", session_id, "--json").stdout)
    assert json.loads(cli(other, "sessions", "show", session_id, "--json").stdout) == original
    assert listed(other) == [r for r in listed(data_copy) if r["id"] == session_id]
    for wav in (data_copy / "sessions" / session_id).glob("*.wav"):
        assert (other / "sessions" / session_id / wav.name).read_bytes() == wav.read_bytes()
    assert not [p for p in (other / "sessions").iterdir() if p.name.startswith(".")]
    # a report from elsewhere is not taken in; `voicecoach report` makes our own
    assert not (other / "sessions" / session_id / "report.html").exists()


def test_export_default_name_is_the_session_id(data_copy, tmp_path):
    session_id = listed(data_copy)[0]["id"]
    proc = subprocess.run([sys.executable, "-m", "voicecoach", "export", session_id], cwd=tmp_path,
                          capture_output=True, text=True, env={**_env(), "VOICECOACH_DATA_DIR": str(data_copy)})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / f"{session_id}.zip").is_file()


def _env() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


GOOD_SESSION = {"id": "20240101-120000-abcdef", "trainee": "ann", "persona_id": "angry-eddie",
                "started_at": "2024-01-01T12:00:00+00:00", "ended_at": None, "score": 70.0, "outcome": "resolved",
                "turns": [{"index": 0, "customer_line": "hi", "score": 70.0, "trainee_audio": "turn-01-trainee.wav"}]}
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


def _zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _absolute() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("x")
    info.filename = "/tmp/evil.txt"  # ZipInfo() would strip the slash; a crafted archive does not
    return info


SESSION_BYTES = json.dumps(GOOD_SESSION).encode()
BAD_ARCHIVES = {
    "parent-dir": ([("session.json", SESSION_BYTES), ("../evil.txt", b"x")], "climbs out"),
    "absolute": ([("session.json", SESSION_BYTES), (_absolute(), b"x")], "absolute path"),
    "symlink": ([("session.json", SESSION_BYTES), (_symlink("turn-01-trainee.wav"), b"/etc/passwd")], "symbolic link"),
    "foreign-file": ([("session.json", SESSION_BYTES), ("notes.exe", b"MZ")], "not part of a session"),
    "bad-json": ([("session.json", b"{not json")], "not valid JSON"),
    "no-trainee": ([("session.json", json.dumps({**GOOD_SESSION, "trainee": None}).encode())], "trainee"),
    "missing-fields": ([("session.json", json.dumps({"id": GOOD_SESSION["id"]}).encode())], "lacks"),
    "bad-id": ([("session.json", json.dumps({**GOOD_SESSION, "id": "../../x"}).encode())], "not a valid session id"),
    "audio-path": ([("session.json", json.dumps({**GOOD_SESSION, "turns": [
        {"trainee_audio": "../../etc/passwd"}]}).encode())], "not a turn recording"),
    "text-score": ([("session.json", json.dumps({**GOOD_SESSION, "score": "99"}).encode())], "scores must be numbers"),
    "not-a-wav": ([("session.json", SESSION_BYTES), ("turn-01-trainee.wav", b"#!/bin/sh\n")], "not a WAV"),
    "no-session": ([("turn-01-trainee.wav", WAV)], "no session.json"),
    "not-a-zip": (None, "not a readable zip"),
}


@pytest.mark.parametrize("case", BAD_ARCHIVES, ids=list(BAD_ARCHIVES))
def test_import_rejects_crafted_archives(tmp_path, case):
    members, reason = BAD_ARCHIVES[case]
    path = tmp_path / "bad.zip"
    if members is None:
        path.write_bytes(b"PK\x03\x04 this is not a zip")
    else:
        _zip(path, members)
    data = tmp_path / "data"
    Store(data).close()
    before = tree(data / "sessions")
    proc = cli(data, "import", str(path))
    assert_one_line_error(proc)
    assert reason in proc.stderr
    assert tree(data / "sessions") == before == []
    assert listed(data) == []
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_import_accepts_a_minimal_archive_and_refuses_it_twice(tmp_path):
    path = _zip(tmp_path / "ok.zip", [("session.json", SESSION_BYTES), ("turn-01-trainee.wav", WAV)])
    data = tmp_path / "data"
    first = cli(data, "import", str(path))
    assert first.returncode == 0 and first.stdout.strip() == GOOD_SESSION["id"], first.stderr
    before = tree(data / "sessions")
    again = cli(data, "import", str(path))
    assert_one_line_error(again)
    assert "exists already" in again.stderr and tree(data / "sessions") == before
    assert [r["trainee"] for r in listed(data)] == ["ann"]


def test_import_refuses_a_zip_bomb(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("session.json", SESSION_BYTES)
        archive.writestr("turn-01-trainee.wav", WAV + bytes(200 * 1024**2))
    proc = cli(tmp_path / "data", "import", str(path))
    assert_one_line_error(proc)
    assert "zip bomb" in proc.stderr and not (tmp_path / "data").exists()


def test_import_of_an_existing_session_writes_nothing(data_copy, tmp_path):
    session_id = listed(data_copy)[0]["id"]
    out = tmp_path / "same.zip"
    assert cli(data_copy, "export", session_id, "-o", str(out)).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in (data_copy / "sessions").rglob("*")}
    proc = cli(data_copy, "import", str(out))
    assert_one_line_error(proc)
    assert {p: p.stat().st_mtime_ns for p in (data_copy / "sessions").rglob("*")} == before


# ---------------------------------------------------------------------- two writers

WRITER = """
import sys
from pathlib import Path
import numpy as np
from voicecoach.store import Store
from voicecoach.types import Recording

store = Store(Path(sys.argv[1]))
clip = Recording(np.zeros(8000, dtype=np.float32), 16000, "test")
for n in range(int(sys.argv[3])):
    session = store.new_session(trainee=sys.argv[2], persona_id="angry-eddie", baseline=None)
    for turn in range(2):
        store.save_turn(session, {"index": turn, "customer_line": "hi", "score": 50.0 + n, "outcome": "holds"},
                        customer=clip, trainee=clip)
    store.finish(session, outcome="resolved", summary={})
    print(session["id"])
"""


def test_two_processes_writing_at_once_keep_every_session(tmp_path):
    data = tmp_path / "shared"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(data), name, "8"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("ann", "bob")]
    made = []
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        made += out.split()
    assert len(set(made)) == 16
    rows = listed(data)
    assert sorted(r["id"] for r in rows) == sorted(made)
    assert all(r["turns"] == 2 and r["outcome"] == "resolved" for r in rows)
    assert sorted(p.name for p in (data / "sessions").iterdir()) == sorted(made)
    assert cli(data, "sessions", "--check").returncode == 0

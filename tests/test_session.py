"""Sessions and the store: turns kept through faults, atomic files, many sessions in one process."""

from __future__ import annotations

import errno
import json
import subprocess
import sys

import numpy as np
import pytest

from voicecoach import audio
from voicecoach.errors import DeviceError, StoreError
from voicecoach.personas import get_persona
from voicecoach.session import FileReplies, run_session
from voicecoach.store import Store

from conftest import FIXTURES, ROOT, run_cli

EDDIE = get_persona("angry-eddie")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data")
    yield s
    s.close()


def run(store, transcriber, baseline, tmp_path, files, **kwargs):
    return run_session(EDDIE, trainee=kwargs.pop("trainee", "ann"), source=FileReplies(files), store=store,
                       transcriber=transcriber, baseline=baseline, cache_dir=tmp_path / "cache", **kwargs)


def test_a_good_run_calms_and_a_poor_run_escalates(store, transcriber, baseline, tmp_path):
    good = run(store, transcriber, baseline, tmp_path, sorted(FIXTURES.glob("demo_good_*.wav")))
    poor = run(store, transcriber, baseline, tmp_path, sorted(FIXTURES.glob("demo_poor_*.wav")))
    moods = [EDDIE.state(t["state"]).mood for t in good["turns"]]
    assert moods == sorted(moods, reverse=True) and moods[-1] < moods[0]
    assert good["outcome"] == "resolved"
    assert poor["outcome"] == "escalated" and poor["turns"][0]["outcome"] == "escalates"
    assert good["score"] > poor["score"]
    listed = store.list()
    assert [r["id"] for r in listed] == [poor["id"], good["id"]]  # newest first
    assert set(listed[0]) == {"id", "trainee", "persona_id", "started_at", "ended_at", "turns", "score", "outcome"}


def test_session_json_holds_every_turn_in_full(store, transcriber, baseline, tmp_path):
    session = run(store, transcriber, baseline, tmp_path, [FIXTURES / "demo_good_1.wav"], max_turns=1)
    saved = json.loads((store.folder(session["id"]) / "session.json").read_text())
    turn = saved["turns"][0]
    for key in ("customer_line", "transcript", "words", "prosody", "checks", "score", "heart", "feedback", "outcome"):
        assert key in turn
    assert audio.load(store.folder(session["id"]) / turn["trainee_audio"]).duration_s > 5
    assert audio.load(store.folder(session["id"]) / turn["customer_audio"]).duration_s > 5
    assert saved["summary"]["practice_next"]


class HangsUp:
    """Replies from files; the trainee hangs up during reply number `at`."""

    def __init__(self, files, at):
        self.inner, self.at = FileReplies(files), at

    def capture(self, customer, *, turn_index):
        from dataclasses import replace

        reply = self.inner.capture(customer, turn_index=turn_index)
        return replace(reply, hung_up=turn_index == self.at)


@pytest.mark.parametrize("files, at, outcome", [
    (["demo_good_1.wav", "demo_good_2.wav", "demo_good_3.wav"], 1, "stopped"),
    (["demo_poor_1.wav", "demo_poor_2.wav"], 0, "stopped"),  # a lost customer is not blamed on cut-off words
    ([f"demo_good_{i}.wav" for i in (1, 2, 3)], 2, "resolved"),  # the resolving reply still counts
], ids=["mid-call", "poor-first", "last-reply"])
def test_a_hang_up_keeps_the_reply_so_far_and_ends_the_call(store, transcriber, baseline, tmp_path, files, at, outcome):
    events = []
    session = run_session(EDDIE, trainee="hang", source=HangsUp([FIXTURES / f for f in files], at), store=store,
                          transcriber=transcriber, baseline=baseline, cache_dir=tmp_path / "cache",
                          on_event=lambda kind, data: events.append((kind, data)))
    kept = store.load(session["id"])
    assert len(kept["turns"]) == at + 1 and kept["outcome"] == outcome, [t["outcome"] for t in kept["turns"]]
    assert kept["turns"][-1]["transcript"] and kept["summary"]
    assert not any(kind == "customer" and data.get("final") for kind, data in events)  # no closing line


def test_disk_full_while_saving_is_a_clear_error_and_leaves_no_partial_file(store, transcriber, baseline, tmp_path,
                                                                            monkeypatch):
    import soundfile

    real = soundfile.write
    def full_after_two(file, *args, **kwargs):
        if "turn-02" in str(file):  # the first turn fits; then the disk is full
            real(file, *args, **kwargs)  # a temp file really is written before the failure
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(file, *args, **kwargs)

    monkeypatch.setattr(soundfile, "write", full_after_two)
    files = [FIXTURES / "demo_good_1.wav", FIXTURES / "demo_good_2.wav"]
    with pytest.raises(StoreError, match="disk full") as err:
        run(store, transcriber, baseline, tmp_path, files, trainee="full")
    assert "\n" not in str(err.value)
    session_id = store.list(trainee="full")[0]["id"]
    folder = store.folder(session_id)
    assert sorted(p.name for p in folder.iterdir()) == ["session.json", "turn-01-customer.wav", "turn-01-trainee.wav"]
    kept = store.load(session_id)
    assert len(kept["turns"]) == 1 and kept["turns"][0]["transcript"]


def test_unknown_session_and_bad_ids(store):
    with pytest.raises(StoreError, match="no session"):
        store.load("20990101-000000-abcdef")
    with pytest.raises(StoreError):
        store.folder("../etc")


def test_sessions_cli_contract():
    proc = run_cli("demo", "--no-audio")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(run_cli("sessions", "--trainee", "demo", "--json").stdout)
    assert len(rows) >= 2 and rows[0]["started_at"] >= rows[1]["started_at"]
    shown = json.loads(run_cli("sessions", "show", rows[0]["id"], "--json").stdout)
    assert shown["turns"][0]["checks"] and shown["turns"][0]["customer_line"]
    missing = run_cli("sessions", "show", "nope")
    assert missing.returncode != 0 and missing.stderr.count("\n") == 1


def test_demo_prints_both_calls_and_their_endings():
    proc = run_cli("demo", "--no-audio")
    assert proc.returncode == 0, proc.stderr
    assert "Call resolved" in proc.stdout and "Call lost" in proc.stdout
    assert proc.stdout.count("Practise next") == 2


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_fifty_sessions_in_one_process_do_not_leak(tmp_path, transcriber, baseline):
    store = Store(tmp_path / "many")
    files = [FIXTURES / "pause_0_3.wav"]
    for i in range(5):  # warm every cache first
        run(store, transcriber, baseline, tmp_path, files, max_turns=1, trainee="many")
    before = rss_mb()
    for i in range(45):
        run(store, transcriber, baseline, tmp_path, files, max_turns=1, trainee="many")
    growth = rss_mb() - before
    assert len(store.list(trainee="many")) == 50
    assert growth < 50, f"RSS grew {growth:.0f} MB over 45 sessions"

"""Shared fixtures. Heavy objects (the Whisper model) are loaded once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"

# Isolate every test (and every child process) from the user's own settings, cache
# and sessions. Set at import time so in-process and subprocess runs agree.
_SANDBOX = Path(tempfile.mkdtemp(prefix="voicecoach-tests-"))
os.environ["VOICECOACH_CONFIG"] = str(_SANDBOX / "no-config.toml")
os.environ["VOICECOACH_CACHE_DIR"] = str(_SANDBOX / "cache")
os.environ["VOICECOACH_DATA_DIR"] = str(_SANDBOX / "data")
# Anything that tried to reach a model hub would fail loudly instead of downloading.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def manifest() -> dict[str, dict]:
    data = json.loads((FIXTURES / "manifest.json").read_text())
    return {entry["file"]: entry for entry in data["files"]}


@pytest.fixture(scope="session")
def transcriber():
    from voicecoach.transcribe import shared_transcriber

    return shared_transcriber()


@pytest.fixture(scope="session")
def load():
    from voicecoach import audio

    return lambda name: audio.load(FIXTURES / name)


@pytest.fixture(scope="session")
def baseline(transcriber, load):
    from voicecoach import turn

    return turn.measure_baseline(load("baseline_reading.wav"), transcriber=transcriber)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real `voicecoach` command in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT,
    )


@pytest.fixture(scope="session")
def stored_data(transcriber, baseline, tmp_path_factory) -> Path:
    """A data dir holding two real stored sessions, made once per test run from the
    demo replies: trainee "demo", persona angry-eddie, a good run (resolved in 3 turns)
    then a poor run (the customer escalates after its first turn). Treat it as read-only; use `data_copy` to change it."""
    from voicecoach.personas import get_persona
    from voicecoach.session import FileReplies, run_session
    from voicecoach.store import Store

    root = tmp_path_factory.mktemp("stored") / "data"
    store = Store(root)
    eddie = get_persona("angry-eddie")
    for pattern in ("demo_good_*.wav", "demo_poor_*.wav"):
        files = sorted(FIXTURES.glob(pattern))
        run_session(eddie, trainee="demo", source=FileReplies(files), store=store, transcriber=transcriber,
                    baseline=baseline, cache_dir=_SANDBOX / "cache", max_turns=len(files))
    store.close()
    return root


@pytest.fixture
def data_copy(stored_data, tmp_path) -> Path:
    """A private, writable copy of `stored_data` (pass it as VOICECOACH_DATA_DIR or to Store)."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(stored_data, target)
    return target

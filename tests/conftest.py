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

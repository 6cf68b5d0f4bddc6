"""Audio in: any common file to 16 kHz mono float32; bad files get one clear line."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from voicecoach import audio
from voicecoach.errors import AudioError

from conftest import FIXTURES, run_cli

REPLY = FIXTURES / "pause_1_2.wav"


def convert(src, dst, *sox_args):
    subprocess.run(["sox", str(src), *sox_args, str(dst)], check=True, capture_output=True)
    return dst


@pytest.mark.parametrize(
    "suffix, sox_args",
    [("wav", ["-r", "48000", "-c", "2"]), ("flac", []), ("ogg", ["-r", "44100"]), ("mp3", ["-r", "22050"])],
    ids=["stereo-48k-wav", "flac", "ogg-44k", "mp3-22k"],
)
def test_formats_decode_to_16k_mono(tmp_path, suffix, sox_args):
    original = audio.load(REPLY)
    out = convert(REPLY, tmp_path / f"reply.{suffix}", *sox_args)
    rec = audio.load(out)
    assert rec.sample_rate == 16000 and rec.samples.ndim == 1 and rec.samples.dtype == np.float32
    # mp3 encoders pad up to ~50 ms; everything else keeps the length
    assert abs(rec.duration_s - original.duration_s) < 0.08


def test_stereo_48k_scores_like_the_original(tmp_path):
    out = convert(REPLY, tmp_path / "stereo.wav", "-r", "48000", "-c", "2")
    proc = run_cli("score", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert abs(result["prosody"]["reply_pause_s"] - 1.2) < 0.1
    assert "understand" in result["transcript"].lower()


def _truncated(tmp_path):
    data = REPLY.read_bytes()
    path = tmp_path / "truncated.wav"
    path.write_bytes(data[: len(data) // 3])
    return path


def _header_only(tmp_path):
    path = tmp_path / "zero.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(path), "trim", "0", "0"], check=True, capture_output=True)
    return path


def _two_hours(tmp_path):
    path = tmp_path / "two_hours.flac"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", str(path), "trim", "0", "7200"], check=True, capture_output=True)
    return path


def _text(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio at all\n" * 50)
    return path


def _empty(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    return path


BAD_FILES = [
    ("missing", lambda tmp: tmp / "nope.wav", "not found"),
    ("empty", _empty, "empty"),
    ("not-audio", _text, "not a readable audio file"),
    ("truncated-wav", _truncated, "truncated"),
    ("zero-length", _header_only, "no audio"),
    ("two-hours", _two_hours, "limit"),
]


@pytest.mark.parametrize("make, expected", [(m, e) for _, m, e in BAD_FILES], ids=[i for i, _, _ in BAD_FILES])
def test_bad_files_raise_audio_error(tmp_path, make, expected):
    with pytest.raises(AudioError, match=expected):
        audio.load(make(tmp_path))


@pytest.mark.parametrize("command", ["score", "transcribe"])
@pytest.mark.parametrize("make, expected", [(m, e) for _, m, e in BAD_FILES], ids=[i for i, _, _ in BAD_FILES])
def test_bad_files_give_one_line_and_nonzero_exit(tmp_path, command, make, expected):
    from voicecoach.cli import main
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([command, str(make(tmp_path))])
    lines = err.getvalue().strip().splitlines()
    assert code != 0
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in lines[0]


def test_bad_file_from_a_real_process_has_no_traceback(tmp_path):
    proc = run_cli("score", str(_truncated(tmp_path)))
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_clipped_audio_works_with_a_warning(tmp_path):
    clipped = tmp_path / "clipped.wav"
    subprocess.run(["sox", str(REPLY), str(clipped), "gain", "30"], capture_output=True)  # sox warns about clipping
    proc = run_cli("score", str(clipped), "--json")
    assert proc.returncode == 0, proc.stderr
    assert "clipped" in proc.stderr
    result = json.loads(proc.stdout)
    assert "clipped" in " ".join(result["warnings"])
    assert result["prosody"]["reply_pause_s"] is not None


def test_from_array_mixes_and_resamples():
    tone = np.sin(2 * np.pi * 220 * np.arange(48000) / 48000).astype(np.float32)
    rec = audio.from_array(np.stack([tone, tone], axis=1), 48000)
    assert rec.sample_rate == 16000 and abs(len(rec.samples) - 16000) <= 1
    assert abs(audio.power_db(rec.samples) - audio.power_db(tone)) < 0.2


def test_nan_audio_is_refused():
    with pytest.raises(AudioError, match="invalid samples"):
        audio.from_array(np.array([0.0, np.nan, 0.1], dtype=np.float32), 16000)


def test_write_wav_is_atomic_and_round_trips(tmp_path):
    rec = audio.load(REPLY)
    out = audio.write_wav(tmp_path / "sub" / "copy.wav", rec)
    assert [p.name for p in out.parent.iterdir()] == ["copy.wav"]
    again = audio.load(out)
    assert np.max(np.abs(again.samples - rec.samples)) < 1e-3


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is installed by make setup")
def test_containers_libsndfile_cannot_read_go_through_ffmpeg(tmp_path):
    m4a = tmp_path / "reply.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(REPLY), str(m4a)], check=True)
    rec = audio.load(m4a)
    assert abs(rec.duration_s - audio.load(REPLY).duration_s) < 0.1

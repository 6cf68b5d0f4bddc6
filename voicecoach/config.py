"""Settings: named defaults, overridden by a TOML file, then the environment, then the CLI.

The settings file is `$VOICECOACH_CONFIG` or `<user config dir>/voicecoach/config.toml`:

    model = "/path/to/a/faster-whisper/model/dir"   # default: the bundled Whisper base
    language = "en"
    beam_size = 5
    max_audio_s = 600
    retention_days = 90      # recordings older than this are deleted; 0 = keep forever
    station_name = "floor-2-booth-1"   # kiosk: stored with each session
    kiosk_idle_s = 120       # kiosk: back to the welcome screen after this long untouched
    kiosk_key = "space"      # kiosk: the one "push to talk / next" key
    trainer_pin_hash = "..." # kiosk: written by `voicecoach kiosk --set-pin`
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from voicecoach.errors import VoiceCoachError

APP_NAME = "voicecoach"

# A reply or calibration reading is seconds to a few minutes; ten minutes is far
# beyond any turn and refusing above it keeps a mistaken 2-hour file from
# tying up a practice station.
MAX_AUDIO_S = 600.0
# Trainees practise English call handling; fixing the language skips Whisper's
# language-detection pass and stops short replies being misdetected.
LANGUAGE = "en"
# Whisper's own default; beam search is noticeably more accurate than greedy on
# base for short conversational replies.
BEAM_SIZE = 5
CPU_THREADS = 0  # 0 = let CTranslate2 use every core
# Live capture: the turn ends after this much silence following speech (people wait
# roughly a second before taking the turn), and a turn with no speech at all for
# NO_REPLY_S after the customer stopped is a silent turn.
END_SILENCE_S = 1.0
NO_REPLY_S = 8.0
# Recordings are voices of real staff: a trainer may keep them only so long
# (scores and transcripts stay). None/0 keeps them forever, as before.
RETENTION_DAYS: int | None = None
# Kiosk: a station left alone this long goes back to the welcome screen, so the
# next person never sees the previous trainee's call; two minutes covers reading
# a summary at leisure.
KIOSK_IDLE_S = 120.0
# One big button wired as a key: it advances every kiosk screen.
KIOSK_KEY = "space"


@dataclass(frozen=True)
class Settings:
    model: Path | None = None  # None = the bundled Whisper base
    cache_dir: Path | None = None
    data_dir: Path | None = None
    language: str = LANGUAGE
    beam_size: int = BEAM_SIZE
    cpu_threads: int = CPU_THREADS
    max_audio_s: float = MAX_AUDIO_S
    end_silence_s: float = END_SILENCE_S
    no_reply_s: float = NO_REPLY_S
    retention_days: int | None = RETENTION_DAYS  # days to keep session audio; None/0 = forever
    station_name: str | None = None  # kiosk: which station a session was recorded on
    kiosk_idle_s: float = KIOSK_IDLE_S
    kiosk_key: str = KIOSK_KEY
    trainer_pin_hash: str | None = None  # kiosk: "pbkdf2_sha256$iterations$salt_hex$hash_hex"

    @property
    def cache_path(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        import platformdirs

        return Path(platformdirs.user_cache_dir(APP_NAME))

    @property
    def data_path(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir
        import platformdirs

        return Path(platformdirs.user_data_dir(APP_NAME))


_ENV = {
    "VOICECOACH_MODEL": "model",
    "VOICECOACH_CACHE_DIR": "cache_dir",
    "VOICECOACH_DATA_DIR": "data_dir",
    "VOICECOACH_LANGUAGE": "language",
    "VOICECOACH_BEAM_SIZE": "beam_size",
    "VOICECOACH_CPU_THREADS": "cpu_threads",
    "VOICECOACH_MAX_AUDIO_S": "max_audio_s",
    "VOICECOACH_END_SILENCE_S": "end_silence_s",
    "VOICECOACH_NO_REPLY_S": "no_reply_s",
    "VOICECOACH_RETENTION_DAYS": "retention_days",
    "VOICECOACH_STATION_NAME": "station_name",
    "VOICECOACH_KIOSK_IDLE_S": "kiosk_idle_s",
    "VOICECOACH_KIOSK_KEY": "kiosk_key",
    "VOICECOACH_TRAINER_PIN_HASH": "trainer_pin_hash",
}


def read_text(path: Path, *, error: type[VoiceCoachError], kind: str) -> str:
    """A UTF-8 file's text; the error names the file and what is wrong with it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: {kind} file not found; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the {kind} file ({exc})") from None


def read_toml(path: Path, *, error: type[VoiceCoachError], kind: str) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; the error names the file and line and says what is wrong.

    Returns:
        (data, text): the text too, for locating fields in later messages.
    """
    text = read_text(path, error=error, kind=kind)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = match.group(1) if match else "?"
        raise error(f"{path}:{line}: not valid TOML: {str(exc).split(' (at line')[0]}") from None


def _config_file() -> Path:
    explicit = os.environ.get("VOICECOACH_CONFIG")
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _coerce(name: str, raw: object, origin: str) -> object:
    kinds = {f.name: f.type for f in fields(Settings)}
    kind = kinds[name]
    try:
        if "Path" in kind:
            return Path(str(raw)).expanduser()
        if kind.startswith("int"):
            value = int(raw)  # type: ignore[arg-type]
            if name == "retention_days" and value < 0:
                raise ValueError(value)
            return value
        if kind.startswith("float"):
            value = float(raw)  # type: ignore[arg-type]
            if name == "kiosk_idle_s" and value <= 0:
                raise ValueError(value)
            return value
        return str(raw)
    except (TypeError, ValueError):
        raise VoiceCoachError(f"{origin}: setting '{name}' has an invalid value {raw!r}; fix or remove it") from None


def load_settings(**overrides: object) -> Settings:
    """Build the settings: defaults < config file < environment < `overrides` (CLI)."""
    values: dict[str, object] = {}
    path = _config_file()
    if path.is_file():
        data, _text = read_toml(path, error=VoiceCoachError, kind="settings")
        known = {f.name for f in fields(Settings)}
        for key, raw in data.items():
            name = key.replace("-", "_")
            if name not in known:
                raise VoiceCoachError(f"{path}: unknown setting '{key}'; known: {', '.join(sorted(known))}")
            values[name] = _coerce(name, raw, str(path))
    for env, name in _ENV.items():
        if os.environ.get(env):
            values[name] = _coerce(name, os.environ[env], env)
    for name, raw in overrides.items():
        if raw is not None:
            values[name] = _coerce(name, raw, f"--{name.replace('_', '-')}")
    return replace(Settings(), **values)

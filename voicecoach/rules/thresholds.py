"""Check thresholds and weights: the bundled TOML, overridden by a house-rules file."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from voicecoach.errors import RulesError

Thresholds = dict[str, dict[str, Any]]


def load_thresholds(house_rules: Path | None = None) -> Thresholds:
    """The bundled thresholds, with `house_rules` values laid over them.

    Raises:
        RulesError: the house-rules file is missing, not TOML, or names an unknown
            check or setting.
    """
    bundled = tomllib.loads(resources.files("voicecoach.data").joinpath("thresholds.toml").read_text("utf-8"))
    if house_rules is None:
        return bundled
    overrides = _read(house_rules)
    merged = {key: dict(value) for key, value in bundled.items()}
    for check_id, table in overrides.items():
        if check_id in ("rules",):  # combined-rule tables, read by the rule engine
            continue
        if not isinstance(table, dict):
            raise RulesError(f"{house_rules}: '{check_id}' must be a table like [{check_id}]")
        if check_id not in merged:
            raise RulesError(f"{house_rules}: unknown check '{check_id}'; known: {', '.join(sorted(merged))}")
        for key, value in table.items():
            if key not in merged[check_id]:
                raise RulesError(
                    f"{house_rules}: [{check_id}] has no setting '{key}'; it takes: {', '.join(sorted(merged[check_id]))}"
                )
            if not isinstance(value, type(merged[check_id][key])) and not (
                isinstance(value, (int, float)) and isinstance(merged[check_id][key], (int, float))
            ):
                raise RulesError(f"{house_rules}: [{check_id}] {key} must be a {type(merged[check_id][key]).__name__}")
            merged[check_id][key] = value
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read the rules file ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)"
        raise RulesError(f"{path}: not valid TOML: {exc}") from None

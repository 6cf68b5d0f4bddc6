"""The rule set of a turn: check thresholds and weights, combined rules and the
customer's reaction rules; bundled data with an organization's house rules on top.

A house-rules file holds any of:
    [calm-pace]            max_wpm = 180.0     # a bundled threshold or weight
    [combined.my-rule]     guidance = ... passed = "..." fail_message = "..."
    [outcome]              calms = "..."       # the customer's reaction rules
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from voicecoach.errors import RulesError

Thresholds = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class RuleSet:
    thresholds: Thresholds
    combined: list[Any]  # combined.CombinedRule, in evaluation order
    outcome: dict[str, Any]  # "calms"/"escalates" -> compiled rule
    outcome_sources: dict[str, str]

    def weight(self, check_id: str) -> float:
        for rule in self.combined:
            if rule.id == check_id:
                return rule.weight
        return float(self.thresholds.get(check_id, {}).get("weight", 1.0))


def load_thresholds(house_rules: Path | None = None) -> Thresholds:
    """The bundled thresholds with `house_rules` values laid over them."""
    return load_ruleset(house_rules).thresholds


_BUNDLED: RuleSet | None = None


def load_ruleset(house_rules: Path | None = None) -> RuleSet:
    """Bundled thresholds, combined rules and outcome rules, with house rules on top.

    Raises:
        RulesError: the house-rules file is missing or not TOML, names an unknown
            check or setting, or holds an expression with an unknown field (the
            message names the file, line and what is wrong).
    """
    global _BUNDLED
    if house_rules is None and _BUNDLED is not None:
        return _BUNDLED
    from voicecoach.rules import all_checks
    from voicecoach.rules.combined import build_rules, bundled_tables, compile_expression

    bundled = tomllib.loads(resources.files("voicecoach.data").joinpath("thresholds.toml").read_text("utf-8"))
    rules_data = bundled_tables()
    combined_tables: dict[str, dict[str, Any]] = {k: dict(v) for k, v in rules_data.get("combined", {}).items()}
    outcome_src = dict(rules_data.get("outcome", {}))
    merged = {key: dict(value) for key, value in bundled.items()}
    origin = "voicecoach/data/rules.toml"
    bundled_text = resources.files("voicecoach.data").joinpath("rules.toml").read_text("utf-8")
    origins = {rule_id: f"{origin}:{_line_of(bundled_text, 'combined.' + rule_id)}" for rule_id in combined_tables}
    if house_rules is not None:
        overrides, text = _read(house_rules)
        origin = str(house_rules)
        for table_id, table in overrides.items():
            where = f"{house_rules}:{_line_of(text, table_id)}"
            if not isinstance(table, dict):
                raise RulesError(f"{where}: '{table_id}' must be a table like [{table_id}]")
            if table_id == "combined":
                for rule_id, rule in table.items():
                    if not isinstance(rule, dict):
                        raise RulesError(f"{where}: [combined.{rule_id}] must be a table")
                    combined_tables[rule_id] = {**combined_tables.get(rule_id, {}), **rule}
                    origins[rule_id] = f"{house_rules}:{_line_of(text, 'combined.' + rule_id)}"
                continue
            if table_id == "outcome":
                unknown = set(table) - {"calms", "escalates"}
                if unknown:
                    raise RulesError(f"{where}: [outcome] takes calms and escalates, not {', '.join(sorted(unknown))}")
                outcome_src.update(table)
                continue
            _merge_thresholds(merged, table_id, table, where)
    check_ids = [cid for cid, spec in all_checks().items() if spec.kind != "combined"]
    combined = build_rules(combined_tables, check_ids, origins)
    all_ids = check_ids + [r.id for r in combined]
    outcome_text = text if house_rules is not None else bundled_text
    outcome = {key: compile_expression(expr, all_ids, where=f"{origin}:{_line_of(outcome_text, 'outcome')}: [outcome] {key}")
               for key, expr in outcome_src.items()}
    ruleset = RuleSet(merged, combined, outcome, outcome_src)
    if house_rules is None:
        _BUNDLED = ruleset
    return ruleset


def _merge_thresholds(merged: Thresholds, check_id: str, table: dict[str, Any], where: str) -> None:
    if check_id not in merged:
        raise RulesError(f"{where}: unknown check '{check_id}'; known: {', '.join(sorted(merged))}")
    for key, value in table.items():
        if key not in merged[check_id]:
            raise RulesError(
                f"{where}: [{check_id}] has no setting '{key}'; it takes: {', '.join(sorted(merged[check_id]))}"
            )
        current = merged[check_id][key]
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (isinstance(value, type(current)) or (numeric and isinstance(current, (int, float)))):
            raise RulesError(f"{where}: [{check_id}] {key} must be a {type(current).__name__}")
        merged[check_id][key] = value


def _read(path: Path) -> tuple[dict[str, Any], str]:
    from voicecoach.config import read_toml

    return read_toml(path, error=RulesError, kind="rules")


def _line_of(text: str, table_id: str) -> int:
    pattern = re.compile(rf"^[ \t]*\[+[ \t]*{re.escape(table_id)}[ \t]*[\].]", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1

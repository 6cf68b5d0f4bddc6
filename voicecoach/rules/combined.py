"""Combined checks: what was said joined with how it was said, as data.

Each rule is a set of rule-engine expressions (voicecoach/data/rules.toml and an
organization's house rules), compiled against a typed context so that a rule
naming an unknown field fails when the file is loaded, not mid-session.
"""

from __future__ import annotations

import string
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from voicecoach.errors import RulesError
from voicecoach.types import CheckResult, ProsodyReport

SPAN_FIELDS = ("span_pitch_shift_st", "span_loudness_shift_db", "span_rate_ratio", "span_speech_s")
RULE_KEYS = {"guidance", "applies", "value", "passed", "credit", "weight", "pass_message", "fail_message", "better",
             "heart", "passes", "fails"}
HEART_STEPS = ("hear", "empathize", "accept", "reassure", "take_action", "")


@dataclass(frozen=True)
class CombinedRule:
    id: str
    guidance: str
    applies: Any  # compiled rule_engine.Rule
    value: Any | None
    passed: Any
    credit: Any | None
    weight: float
    pass_message: str
    fail_message: str
    better: str
    heart: str
    passes: tuple[dict[str, Any], ...]
    fails: tuple[dict[str, Any], ...]
    sources: dict[str, str]  # expression texts, for display


def _engine() -> Any:
    """rule-engine, imported with voicecoach's pre-generated PLY parse table.

    rule-engine builds its parser when imported and never saves PLY's table, so
    each process would spend ~0.35 s generating it; PLY looks the table up as
    `rule_engine.parser.parsetab` and falls back to building it if the grammar
    signature differs (see scripts/make_parsetab.py).
    """
    if "rule_engine" not in sys.modules:
        from voicecoach import _rule_engine_parsetab

        sys.modules.setdefault("rule_engine.parser.parsetab", _rule_engine_parsetab)
    import rule_engine as engine

    return engine


def _numeric_prosody_fields() -> list[str]:
    return [f.name for f in fields(ProsodyReport) if f.type in ("float | None", "float", "int")]


def _context(check_ids: list[str], *, with_value: bool) -> Any:
    rule_engine = _engine()

    types = {name: rule_engine.DataType.FLOAT for name in _numeric_prosody_fields() + list(SPAN_FIELDS)}
    types.update({cid.replace("-", "_"): rule_engine.DataType.BOOLEAN for cid in check_ids})
    types["has_speech"] = rule_engine.DataType.BOOLEAN
    types["turn_index"] = rule_engine.DataType.FLOAT
    if with_value:
        types["value"] = rule_engine.DataType.FLOAT
    return rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(types))


def compile_expression(text: str, check_ids: list[str], *, where: str, with_value: bool = False) -> Any:
    """Compile one expression, or raise RulesError naming `where` and the problem."""
    rule_engine = _engine()

    if not isinstance(text, str) or not text.strip():
        raise RulesError(f"{where}: must be a non-empty expression string")
    try:
        return rule_engine.Rule(text, context=_context(check_ids, with_value=with_value))
    except rule_engine.errors.SymbolResolutionError as exc:
        raise RulesError(f"{where}: unknown field '{exc.symbol_name}' in \"{text}\"; fields are check ids "
                         "(with _ for -), prosody values, span_* values, has_speech, turn_index") from None
    except rule_engine.errors.EngineError as exc:
        raise RulesError(f"{where}: invalid expression \"{text}\" ({exc.message})") from None


def build_rules(tables: dict[str, dict[str, Any]], check_ids: list[str],
                origins: dict[str, str]) -> list[CombinedRule]:
    """Compile combined rules; `origins` maps a rule id to "file:line" for errors."""
    rules = []
    ids = check_ids + list(tables)
    for rule_id, table in tables.items():
        where = f"{origins.get(rule_id, 'rules')}: [combined.{rule_id}]"
        if not isinstance(table, dict):
            raise RulesError(f"{where} must be a table")
        unknown = set(table) - RULE_KEYS
        if unknown:
            raise RulesError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(RULE_KEYS))}")
        for key in ("guidance", "passed", "fail_message"):
            if key not in table:
                raise RulesError(f"{where} needs '{key}'")
        if table.get("heart", "") not in HEART_STEPS:
            raise RulesError(f"{where} heart must be one of {', '.join(h for h in HEART_STEPS if h)} or empty")
        try:
            weight = float(table.get("weight", 1.0))
        except (TypeError, ValueError):
            raise RulesError(f"{where} weight must be a number") from None
        value = table.get("value")
        credit = table.get("credit")
        rules.append(CombinedRule(
            id=rule_id,
            guidance=str(table["guidance"]),
            applies=compile_expression(table.get("applies", "true"), ids, where=f"{where} applies"),
            value=compile_expression(value, ids, where=f"{where} value") if value is not None else None,
            passed=compile_expression(table["passed"], ids, where=f"{where} passed", with_value=True),
            credit=compile_expression(credit, ids, where=f"{where} credit", with_value=True) if credit else None,
            weight=weight,
            pass_message=str(table.get("pass_message", "$id: ok")),
            fail_message=str(table["fail_message"]),
            better=str(table.get("better", "")),
            heart=str(table.get("heart", "")),
            passes=tuple(table.get("passes", ())),
            fails=tuple(table.get("fails", ())),
            sources={k: str(table[k]) for k in ("applies", "value", "passed", "credit") if k in table},
        ))
    return rules


def symbols(checks: list[CheckResult], prosody: ProsodyReport | None, span: dict[str, float | None],
            turn_index: int) -> dict[str, Any]:
    values: dict[str, Any] = {name: None for name in _numeric_prosody_fields()}
    if prosody is not None:
        for name in values:
            raw = getattr(prosody, name)
            values[name] = None if raw is None else float(raw)
    values.update({name: span.get(name) for name in SPAN_FIELDS})
    values.update({c.id.replace("-", "_"): c.passed for c in checks})
    values["has_speech"] = bool(prosody is not None and prosody.speech_spans)
    values["turn_index"] = float(turn_index)
    return values


def evaluate(rule: CombinedRule, values: dict[str, Any], known_ids: list[str]) -> CheckResult:
    """Run one combined rule over the values of a turn."""
    rule_engine = _engine()

    full = {cid.replace("-", "_"): None for cid in known_ids}
    full.update(values)
    try:
        if not rule.applies.matches(full):
            return CheckResult(rule.id, None, None, None, "does not apply to this turn")
        value = rule.value.evaluate(full) if rule.value is not None else None
        scope = {**full, "value": None if value is None else float(value)}
        passed = bool(rule.passed.evaluate(scope))
        credit = float(rule.credit.evaluate(scope)) if rule.credit is not None else float(passed)
    except rule_engine.errors.EngineError as exc:
        # a null reached arithmetic: the rule cannot be judged on this turn
        return CheckResult(rule.id, None, None, None, f"cannot be judged on this turn ({exc.message})")
    shown = "n/a" if value is None else f"{float(value):.2f}"
    template = rule.pass_message if passed else rule.fail_message
    message = string.Template(template).safe_substitute(value=shown, id=rule.id)
    rounded = None if value is None else round(float(value), 3)
    return CheckResult(rule.id, passed, rounded, rule.sources.get("passed"), message, "", None, None,
                       max(0.0, min(1.0, credit)))


def bundled_tables() -> dict[str, Any]:
    import tomllib
    from importlib import resources

    return tomllib.loads(resources.files("voicecoach.data").joinpath("rules.toml").read_text("utf-8"))


def source_of(path: Path | None) -> str:
    return str(path) if path else "voicecoach/data/rules.toml"

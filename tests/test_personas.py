"""Persona files: the nine bundled customers validate; broken files say file:line:field."""

from __future__ import annotations

import json
import shutil

import pytest

from voicecoach.errors import PersonaError
from voicecoach.personas import PERSONA_DIR, Dialogue, get_persona, list_personas, load_persona, turn_outcome
from voicecoach.rules import example_turn, run_checks
from voicecoach.rules.thresholds import load_ruleset

from conftest import run_cli

IDS = ["angry-eddie", "missing-parcel", "loud-demander", "abusive-caller", "never-satisfied", "know-it-all",
       "abrupt-executive", "cultural-sarcasm", "overdue-borrower"]


def test_the_nine_personas_are_bundled():
    assert sorted(p.id for p in list_personas()) == sorted(IDS)


@pytest.mark.parametrize("persona_id", IDS)
def test_each_persona_is_complete(persona_id):
    p = get_persona(persona_id)
    assert p.customer_name and p.address_as and p.situation and p.kernel_of_truth and p.resolution
    assert len(p.states) >= 3 and p.states[-1].mood == 0
    assert all(len(s.lines) >= 2 for s in p.states)
    assert set(p.ending) == {"resolved", "escalated", "turn_limit"}
    assert p.checks and all(w >= 0 for w in p.checks.values())
    assert 80 <= p.voice.rate_wpm <= 400


def test_unknown_persona_lists_the_valid_ids():
    with pytest.raises(PersonaError) as err:
        get_persona("grumpy-gus")
    for persona_id in IDS:
        assert persona_id in str(err.value)


BROKEN = [
    ("syntax", lambda t: t.replace('title = "', 'title = ', 1), r"angry-eddie.toml:2: not valid TOML"),
    ("unknown-check", lambda t: t.replace("reflect = 2.0", "reflekt = 2.0", 1), r"angry-eddie.toml:\d+: reflekt: unknown check id"),
    ("bad-weight", lambda t: t.replace("reflect = 2.0", 'reflect = "lots"', 1), r":\d+: reflect: weight must be a number"),
    ("bad-pitch", lambda t: t.replace("pitch = 38", "pitch = 180", 1), r":17: pitch: must be between 0 and 99"),
    ("missing-start", lambda t: t.replace('start_state = "furious"', 'start_state = "livid"', 1), r":11: start_state: 'livid' is not a state id"),
    ("type", lambda t: t.replace("max_turns = 6", 'max_turns = "six"', 1), r":10: max_turns: must be a int"),
    ("id-mismatch", lambda t: t.replace('id = "angry-eddie"', 'id = "eddie"', 1), r":1: id: 'eddie' must match the file name"),
    ("unknown-field", lambda t: "colour = \"red\"\n" + t, r":1: colour: unknown field"),
]


@pytest.mark.parametrize("change, message", [(c, m) for _, c, m in BROKEN], ids=[i for i, _, _ in BROKEN])
def test_broken_persona_names_file_line_and_field(tmp_path, change, message):
    path = tmp_path / "angry-eddie.toml"
    path.write_text(change((PERSONA_DIR / "angry-eddie.toml").read_text()))
    with pytest.raises(PersonaError, match=message):
        load_persona(path)


def test_personas_check_command(tmp_path):
    good = run_cli("personas", "check", str(PERSONA_DIR / "know-it-all.toml"))
    assert good.returncode == 0 and "ok" in good.stdout
    bad = tmp_path / "know-it-all.toml"
    bad.write_text((PERSONA_DIR / "know-it-all.toml").read_text().replace("mood = 0", "mood = 9"))
    proc = run_cli("personas", "check", str(bad))
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1 and "know-it-all.toml:" in proc.stderr


def test_personas_list_and_show():
    listed = json.loads(run_cli("personas", "list", "--json").stdout)
    assert {p["id"] for p in listed} == set(IDS)
    shown = run_cli("personas", "show", "abusive-caller")
    assert shown.returncode == 0 and "Opening:" in shown.stdout


def test_a_user_persona_folder_adds_personas(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path))
    (tmp_path / "personas").mkdir()
    text = (PERSONA_DIR / "angry-eddie.toml").read_text().replace('id = "angry-eddie"', 'id = "angry-ed2"')
    (tmp_path / "personas" / "angry-ed2.toml").write_text(text)
    assert "angry-ed2" in {p.id for p in list_personas()}


RULES = load_ruleset()


def outcome_of(text, **context):
    persona = get_persona("angry-eddie")
    turn = example_turn({"text": text, "context": {"persona": persona, "customer_line": persona.opening, **context}})
    return turn_outcome(run_checks(turn, RULES), RULES, persona)


def test_empathy_and_action_calm_the_customer():
    assert outcome_of("I'm so sorry Mr Morales, that sounds maddening. Let me check the part number "
                      "against your truck right now.") == "calms"


@pytest.mark.parametrize("reply", ["That's not true, you must have given us the wrong details.",
                                   "It's not my fault, I'm just doing my job.",
                                   "The guys on the rack messed it up again, they're useless.",
                                   "OK."])
def test_contradiction_blame_defensiveness_or_nothing_escalate(reply):
    assert outcome_of(reply) == "escalates"


def test_a_raised_voice_escalates_even_with_good_words():
    persona = get_persona("angry-eddie")
    turn = example_turn({"text": "I'm so sorry, that sounds maddening, let me check the part right now.",
                         "prosody": {"pitch_shift_st": 5.0, "loudness_shift_db": 8.0, "rate_ratio": 1.5},
                         "context": {"persona": persona, "customer_line": persona.opening}})
    assert turn_outcome(run_checks(turn, RULES), RULES, persona) == "escalates"


def test_dialogue_branches_resolves_and_escalates():
    persona = get_persona("angry-eddie")
    calm = Dialogue(persona)
    assert calm.opening() == persona.opening
    lines = [calm.react("calms", score=70) for _ in range(len(persona.states))]
    assert calm.ended == "resolved" and lines[-1] == persona.ending["resolved"]
    assert lines[0] in persona.states[1].lines
    hot = Dialogue(persona)
    assert hot.react("escalates") == persona.ending["escalated"] and hot.ended == "escalated"
    held = Dialogue(persona)
    for _ in range(persona.max_turns):
        last = held.react("holds")
    assert held.ended == "turn_limit" and last == persona.ending["turn_limit"]
    with pytest.raises(PersonaError):
        held.react("calms")


def test_an_excellent_turn_skips_a_state():
    persona = get_persona("angry-eddie")
    d = Dialogue(persona)
    d.react("calms", score=95)
    assert d.state_id == persona.states[2].id


def test_persona_outcome_override_is_validated(tmp_path):
    text = (PERSONA_DIR / "angry-eddie.toml").read_text() + '\n[outcome]\ncalms = "empathy == true and mystery"\n'
    path = tmp_path / "angry-eddie.toml"
    path.write_text(text)
    with pytest.raises(PersonaError, match="calms: .*unknown field 'mystery'"):
        load_persona(path)

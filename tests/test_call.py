"""A call judged as a conversation: settled HEART steps, the call summary, `score --call`."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import FIXTURES, ROOT, run_cli

sys.path.insert(0, str(ROOT / "benchmarks"))
import call_accuracy  # noqa: E402

OPENING = ("Oh, you'd better help me. This is my third trip since Monday for an alternator for my Silverado, and "
           "none of them bolts on.")
HEARD = ("I'm so sorry, Mr Morales. So three alternators this week and not one has fitted your Silverado; that "
         "would drive anyone up the wall. Let me check the part number against your truck right now.")
ACTS = "I've found it: the rack was mislabelled. I'm fetching the right one from the back and I'll line it up with yours."
CONTRADICTS = "That's not true, you must have given us the wrong engine size. It's not my fault."
BARE = "Right. What's the part number on the box?"


def judged_call(replies: list[str], persona: str = "angry-eddie") -> dict:
    from voicecoach.callfile import ScriptedCall, ScriptedTurn, judge_call
    from voicecoach.rules.thresholds import load_ruleset

    turns = tuple(ScriptedTurn(OPENING if i == 0 else "Go on then.", reply, None, None) for i, reply in enumerate(replies))
    return judge_call(ScriptedCall(ROOT, persona, None, turns), ruleset=load_ruleset())


def checks_of(turn: dict) -> dict[str, dict]:
    return {c["id"]: c for c in turn["checks"]}


def test_steps_done_are_not_demanded_again_while_the_customer_calms():
    result = judged_call([HEARD, ACTS])
    first, second = result["turns"]
    assert first["outcome"] == "calms"
    for check_id in ("reflect", "empathy", "apology"):
        check = checks_of(second)[check_id]
        assert check["passed"] is None and check["settled_turn"] == 0, check
    assert not {"reflect", "empathy", "apology"} & {f["check_id"] for f in second["feedback"]}


def test_steps_are_expected_again_after_an_escalation():
    result = judged_call([HEARD, CONTRADICTS, BARE])
    assert result["turns"][1]["outcome"] == "escalates"
    third = checks_of(result["turns"][2])
    assert third["empathy"]["passed"] is False and third["empathy"]["settled_turn"] is None
    assert third["apology"]["passed"] is False


def test_action_is_pushed_once_the_customer_has_been_heard():
    from voicecoach.call import AFTER_HEARD_PRIORITY, BEFORE_HEARD_PRIORITY, feedback_priority
    from voicecoach.types import CallSoFar, CheckResult, PastTurn

    missing = [CheckResult("action", False, None, None, "no step"), CheckResult("reflect", False, None, None, "no")]
    assert feedback_priority(missing, CallSoFar())["action"] == BEFORE_HEARD_PRIORITY
    heard = CallSoFar(turns=(PastTurn(0, 4, "calms", frozenset({"reflect", "empathy"})),))
    assert feedback_priority(missing, heard)["action"] == AFTER_HEARD_PRIORITY


def test_the_summary_scores_heart_over_the_call_and_names_turns():
    result = judged_call([BARE, HEARD, ACTS])
    session = result["session"]
    assert session["heart"]["hear"]["turn"] == 1 and session["heart"]["empathize"]["turn"] == 1
    assert session["heart"]["take_action"]["turn"] == 1
    assert 1 <= len(session["feedback"]) <= 3
    for item in session["feedback"]:
        assert {"check_id", "turn", "why", "try"} <= set(item) and 0 <= item["turn"] <= 2
    # put right on turn 1: not something to practise
    assert not {"reflect", "empathy"} & {item["check_id"] for item in session["feedback"]}


def test_score_call_prints_every_turn_and_the_session(tmp_path):
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"persona": "angry-eddie", "trainee": "sam", "turns": [
        {"customer_line": OPENING, "reply": HEARD},
        {"customer_line": "Fine, go and look.", "audio": str(FIXTURES / "demo_good_2.wav"), "reply_pause_s": 1.0},
    ]}))
    proc = run_cli("score", "--call", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["persona"] == "angry-eddie" and result["trainee"] == "sam" and len(result["turns"]) == 2
    for turn in result["turns"]:
        assert {"transcript", "words", "prosody", "checks", "score", "feedback", "outcome", "turn"} <= set(turn)
    assert result["turns"][0]["prosody"] is None and result["turns"][1]["prosody"]["reply_pause_s"] == 1.0
    assert "alternator" in result["turns"][1]["transcript"].lower()
    assert {"score", "heart", "feedback"} <= set(result["session"])
    text = run_cli("score", "--call", str(path))
    assert text.returncode == 0 and "Practise next" in text.stdout or "Call score" in text.stdout


@pytest.mark.parametrize("content, expected", [
    ('{"persona": "angry-eddie", "turns": [', "not valid JSON"),
    ('{"persona": "angry-eddie"}', "turns: a non-empty list"),
    ('{"persona": "angry-eddie", "turns": [{"reply": "hi"}]}', "turns[0].customer_line"),
    ('{"persona": "angry-eddie", "turns": [{"customer_line": "x", "reply": "a", "audio": "b.wav"}]}', "turns[0]: give either"),
    ('{"persona": "angry-eddie", "turns": [{"customer_line": "x", "audio": "nowhere.wav"}]}', "nowhere.wav"),
    ('{"persona": "angry-eddie", "turns": [{"customer_line": "x", "reply": "a", "pause": 1}]}', "turns[0].pause: unknown"),
    ('{"persona": "angry-eddie", "turns": [{"customer_line": "x", "reply": "a", "reply_pause_s": "1"}]}',
     "turns[0].reply_pause_s"),
    ('{"persona": "grumpy-gus", "turns": [{"customer_line": "x", "reply": "a"}]}', "choose one of: abrupt-executive"),
], ids=["bad-json", "no-turns", "no-line", "both", "missing-audio", "unknown-field", "bad-pause", "unknown-persona"])
def test_a_bad_call_file_is_refused_with_file_and_field(tmp_path, content, expected):
    path = tmp_path / "call.json"
    path.write_text(content)
    proc = run_cli("score", "--call", str(path), "--json")
    assert proc.returncode != 0 and proc.stdout == ""
    assert expected in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    if expected != "choose one of: abrupt-executive":
        assert str(path) in proc.stderr


def test_a_missing_call_file_is_named(tmp_path):
    proc = run_cli("score", "--call", str(tmp_path / "absent.json"))
    assert proc.returncode != 0 and "absent.json" in proc.stderr


# Floors under what the conversation-aware judgement reaches on the labelled calls
# (tests/data/CALLS.md): dev calls may be read while building it, the untouched ones not.
# Measured: says 0.71 / 0.84, quiet 0.96 / 0.96, heart 0.80 / 0.87, next-in 0.75 / 0.90, next-out
# 0.91 / 0.86 (dev / untouched); the floors leave room for other CPUs' int8 embeddings.
FLOORS = {"says": 0.65, "quiet": 0.92, "heart": 0.74, "next-in": 0.65, "next-out": 0.75}


@pytest.mark.parametrize("which", ["dev", "untouched"])
def test_the_call_judgement_agrees_with_the_coach(which):
    calls = call_accuracy.load(call_accuracy.DEV if which == "dev" else call_accuracy.UNTOUCHED)
    assert len(calls) >= (26 if which == "dev" else 18)
    counts, _ = call_accuracy.evaluate(calls)
    print("\n" + call_accuracy.table(counts))
    for name, floor in FLOORS.items():
        good, total = counts[name]
        assert total >= 10 and good / total >= floor, f"{which} {name}: {good}/{total}"

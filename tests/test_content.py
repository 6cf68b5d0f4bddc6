"""Content checks on what trainees really say: paraphrase, negation, ASR text, odd input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from voicecoach import turn
from voicecoach.personas import get_persona
from voicecoach.rules import all_checks
from voicecoach.types import TurnContext

from conftest import run_cli

EDDIE = get_persona("angry-eddie")
LINE = EDDIE.opening


def verdict(text: str, check_id: str, **context) -> bool | None:
    ctx = TurnContext(persona=context.pop("persona", EDDIE), customer_line=context.pop("customer_line", LINE),
                      customer_name=context.pop("customer_name", EDDIE.address_as), **context)
    return {c.id: c.passed for c in turn.judge_text(text, context=ctx).checks}[check_id]


@pytest.mark.parametrize("text, expected", [
    ("That sounds incredibly frustrating.", True),
    ("honestly that would drive anyone up the wall", True),
    ("no wonder youre fed up", True),
    ("three trips for one part would wear anybody down", True),
    ("I can't imagine how annoying this has been.", True),
    ("I don't understand why you're upset.", False),
    ("I understand the process takes five days.", False),
    ("Please hold while I look.", False),
])
def test_empathy_paraphrase_and_negation(text, expected):
    assert verdict(text, "empathy") is expected


@pytest.mark.parametrize("text, expected, full", [
    ("I apologize for the trouble this has caused.", True, True),
    ("sorry about that", True, True),
    ("Sorry.", True, False),
    ("I'm not going to apologize for our policy.", False, False),
    ("I'm sorry you feel that way.", False, False),
    ("sorry whats your postcode", False, False),
])
def test_apology_forms(text, expected, full):
    ctx = TurnContext(persona=EDDIE, customer_line=LINE)
    result = next(c for c in turn.judge_text(text, context=ctx).checks if c.id == "apology")
    assert result.passed is expected
    if expected and not full:
        assert "I apologize for" in result.message and result.credit < 1.0


def test_reflect_compares_with_the_customers_line():
    line = "My parcel was promised for Tuesday and it never came, and I stayed home all day."
    assert verdict("so the parcel you were promised for tuesday never turned up", "reflect", customer_line=line) is True
    assert verdict("I understand. Let me help.", "reflect", customer_line=line) is False
    assert verdict("Let me check the tracking.", "reflect", customer_line="") is None


def test_asr_text_without_punctuation_is_judged():
    text = ("um im really sorry about that mr morales so youve had the wrong alternator three times "
            "thats not good enough let me check the part number against your truck right now")
    ctx = TurnContext(persona=EDDIE, customer_line=LINE, customer_name=EDDIE.address_as)
    v = {c.id: c.passed for c in turn.judge_text(text, context=ctx).checks}
    assert v["apology"] and v["action"] and v["customer-name"] and v["reflect"]


@pytest.mark.parametrize("text, check_id", [
    ("That's not true, you must have ordered the wrong one.", "no-contradiction"),
    ("I agree, our service is terrible.", "no-agreement"),
    ("It's not my fault, I only work here.", "no-defensiveness"),
    ("The warehouse lads messed it up again, they're hopeless.", "no-blaming-colleagues"),
    ("There's nothing I can do, it's against policy.", "positive-language"),
])
def test_faults_are_caught(text, check_id):
    assert verdict(text, check_id) is False


def test_owning_a_colleagues_mistake_is_not_blame():
    assert verdict("I apologize that my colleague gave you the wrong part; I'll put it right now.",
                   "no-blaming-colleagues") is True


def test_own_name_only_on_the_first_turn():
    assert verdict("Hi, my name is Priya.", "own-name", turn_index=0) is True
    assert verdict("Hi, my name is Priya.", "own-name", turn_index=2) is None


def test_opt_in_checks_follow_the_persona():
    assert verdict("What would put this right for you?", "resolution-question") is None  # not Eddie's
    demanding = get_persona("never-satisfied")
    assert verdict("What would put this right for you?", "resolution-question", persona=demanding,
                   customer_line=demanding.opening) is True
    assert verdict("I can either refund the month or upgrade you for free.", "alternatives", persona=demanding,
                   customer_line=demanding.opening) is True


def test_escalation_is_premature_early_but_not_after_abuse_continues():
    abusive = get_persona("abusive-caller")
    reply = "I'm going to bring my team leader in on this call."
    assert verdict(reply, "no-premature-escalation", persona=abusive, customer_line=abusive.opening, turn_index=0) is False
    assert verdict(reply, "no-premature-escalation", persona=abusive, customer_line=abusive.opening,
                   turn_index=abusive.escalation_allowed_after_turn) is True


def test_empty_text_gives_no_verdicts_and_a_warning():
    judged = turn.judge_text("   ", context=TurnContext(persona=EDDIE, customer_line=LINE))
    assert all(c.passed is None for c in judged.checks)
    assert judged.score.score_0_100 is None and judged.warnings


def test_a_ten_thousand_word_text_is_judged():
    text = " ".join(["I understand how frustrating this is and I will check the order right now."] * 800)
    judged = turn.judge_text(text, context=TurnContext(persona=EDDIE, customer_line=LINE))
    assert len(text.split()) > 10_000
    assert {c.id: c.passed for c in judged.checks}["empathy"] is True


def test_non_english_text_is_scored_with_a_warning():
    judged = turn.judge_text("Je suis vraiment désolé, je vais vérifier votre commande tout de suite.",
                             context=TurnContext(persona=EDDIE, customer_line=LINE))
    assert judged.score.score_0_100 is not None
    assert any("English" in w for w in judged.warnings)


CONTENT_IDS = [cid for cid, spec in all_checks().items()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(min_size=0, max_size=300), line=st.text(max_size=120), turn_index=st.integers(0, 10))
def test_random_text_never_crashes_and_every_check_answers(text, line, turn_index):
    persona = get_persona("abusive-caller")
    judged = turn.judge_text(text, context=TurnContext(persona=persona, customer_line=line, turn_index=turn_index,
                                                       customer_name="Mr Hollis"))
    assert [c.id for c in judged.checks] == CONTENT_IDS
    assert judged.score.score_0_100 is None or 0 <= judged.score.score_0_100 <= 100


@settings(max_examples=30, deadline=None)
@given(words=st.lists(st.sampled_from(["i", "not", "sorry", "understand", "frustrating", "check", "never", "agree",
                                       "um", "what", "would", "fault", "colleague", "manager", "either", "or", "can't",
                                       "you", "right", "now", "?", ",", "."]), max_size=40))
def test_random_phrase_soup_never_crashes(words):
    judged = turn.judge_text(" ".join(words), context=TurnContext(persona=get_persona("never-satisfied"),
                                                                  customer_line="Nothing you offer is enough."))
    assert len(judged.checks) == len(CONTENT_IDS)


def test_score_text_with_persona_json_contract():
    proc = run_cli("score", "--text", "I'm so sorry Mr Morales, that sounds maddening. Let me check the part now.",
                   "--persona", "angry-eddie", "--turn", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["persona"] == "angry-eddie" and result["customer_line"] == EDDIE.opening
    assert set(result["heart"]) == {"hear", "empathize", "accept", "reassure", "take_action"}
    assert result["outcome"] in ("calms", "holds", "escalates")
    assert len(result["feedback"]) <= 3
    for item in result["feedback"]:
        assert item["text"] and item["suggestion"]


def test_unknown_persona_from_the_cli():
    proc = run_cli("score", "--text", "hello", "--persona", "nobody")
    assert proc.returncode != 0 and "angry-eddie" in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("heard, name, found", [
    ("thank you ms show i am rebooking you now", "Ms Cho", "show"),
    ("mister morale let me check that part", "Mr Morales", "morale"),
    ("doctor penn rose i will book the repair", "Dr Penrose", "penn rose"),
    ("mrs campell i can credit the month", "Mrs Campbell", "campell"),
    ("sorry about that miss novac", "Ms Novak", "novac"),
    ("i am sorry mister morales", "Mr Morales", "morales"),
], ids=["cho-show", "morale", "penn-rose", "campell", "novac", "exact"])
def test_the_customer_name_is_found_through_recognition_errors(heard, name, found):
    from voicecoach.names import find_name
    from voicecoach.text import tokens_of

    hit = find_name(tokens_of(heard), name)
    assert hit is not None and hit.heard == found


@pytest.mark.parametrize("said, name", [
    ("let me show you the new times", "Ms Cho"),
    ("holly from the returns desk will call you", "Mr Hollis"),
    ("i will book the morale of the story", "Dr Penrose"),
], ids=["show", "holly", "unrelated"])
def test_ordinary_words_are_not_taken_for_the_name(said, name):
    from voicecoach.names import find_name
    from voicecoach.text import tokens_of

    assert find_name(tokens_of(said), name) is None


def test_a_misheard_name_is_credited_with_the_heard_words_as_evidence():
    judged = turn.judge_text("okay ms show i have rebooked you on the six fifty",
                             context=TurnContext(persona=get_persona("abrupt-executive"), customer_line="Fix this.",
                                                 customer_name="Ms Cho"))
    check = {c.id: c for c in judged.checks}["customer-name"]
    assert check.passed is True and "show" in check.evidence.lower() and check.value["exact"] is False

"""The check registry: every check's own examples, thresholds as data, fixtures judged."""

from __future__ import annotations

import pytest

from voicecoach import turn
from voicecoach.errors import RulesError
from voicecoach.rules import all_checks, example_turn, run_checks
from voicecoach.rules.thresholds import load_ruleset, load_thresholds
from voicecoach.types import TurnContext

ACOUSTIC_IDS = {"calm-pace", "reply-pause", "steady-pitch", "steady-volume", "no-dead-air", "fillers",
                "no-interruption"}
CONTENT_IDS = {"reflect", "empathy", "apology", "reassure", "action", "open-question", "customer-name", "own-name",
               "no-contradiction", "no-agreement", "no-defensiveness", "no-blaming-colleagues", "positive-language",
               "respectful-boundary", "resolution-question", "alternatives", "no-premature-escalation"}
COMBINED_IDS = {"composure", "sincere-empathy"}
REGISTRY = all_checks()
THRESHOLDS = load_thresholds()
RULESET = load_ruleset()


def test_every_check_of_the_design_is_registered_with_its_kind():
    assert set(REGISTRY) == ACOUSTIC_IDS | CONTENT_IDS | COMBINED_IDS
    for ids, kind in ((ACOUSTIC_IDS, "acoustic"), (CONTENT_IDS, "content"), (COMBINED_IDS, "combined")):
        assert all(REGISTRY[i].kind == kind for i in ids)


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_each_check_teaches_and_has_examples(check_id):
    spec = REGISTRY[check_id]
    assert len(spec.guidance) > 40
    assert spec.passes and spec.fails
    assert RULESET.weight(check_id) > 0


EXAMPLES = [(cid, ex, True) for cid, spec in REGISTRY.items() for ex in spec.passes] + [
    (cid, ex, False) for cid, spec in REGISTRY.items() for ex in spec.fails
]


@pytest.mark.parametrize("check_id, example, expected", EXAMPLES,
                         ids=[f"{c}-{'pass' if e else 'fail'}-{i}" for i, (c, _, e) in enumerate(EXAMPLES)])
def test_check_examples(check_id, example, expected):
    result = {r.id: r for r in run_checks(example_turn(example), RULESET)}[check_id]
    assert result.id == check_id
    assert result.passed is expected, result.message
    assert result.message
    assert 0.0 <= result.credit <= 1.0
    # a pass may earn a little less than full credit (a bare "sorry"); a fail never full
    assert result.credit >= 0.75 if expected else result.credit < 1.0


@pytest.mark.parametrize("check_id", sorted(ACOUSTIC_IDS))
def test_acoustic_checks_do_not_apply_without_audio(check_id):
    result = REGISTRY[check_id].func(example_turn({"text": "I understand"}), THRESHOLDS[check_id])
    assert result.passed is None


@pytest.fixture(scope="module")
def judged(transcriber, load, baseline):
    cache = {}

    def run(name, with_baseline=True):
        if (name, with_baseline) not in cache:
            context = TurnContext(baseline=baseline if with_baseline else None)
            cache[(name, with_baseline)] = turn.judge_recording(load(name), transcriber=transcriber, context=context)
        return cache[(name, with_baseline)]

    return run


def verdicts(judged_turn):
    return {c.id: c.passed for c in judged_turn.checks}


def test_a_calm_reply_passes_every_acoustic_check(judged):
    v = verdicts(judged("calm_reply.wav"))
    assert all(v[i] is True for i in ACOUSTIC_IDS - {"no-interruption"} | {"composure"})
    assert v["no-interruption"] is None  # judged in live practice only
    # "I can hear how frustrating it is ... let me check the part number" is empathy and action
    assert v["empathy"] is True and v["action"] is True and v["sincere-empathy"] is True


def test_an_agitated_reply_fails_pace_pause_pitch_and_volume(judged):
    v = verdicts(judged("agitated_reply.wav"))
    assert v["composure"] is False
    assert v["calm-pace"] is False and v["reply-pause"] is False
    assert v["steady-pitch"] is False and v["steady-volume"] is False
    result = judged("agitated_reply.wav")
    assert result.score.score_0_100 < judged("calm_reply.wav").score.score_0_100
    assert 1 <= len(result.score.feedback) <= 3


@pytest.mark.parametrize("name, check_id", [("dead_air_reply.wav", "no-dead-air"), ("fillers_reply.wav", "fillers"),
                                            ("pitch_up_5st.wav", "steady-pitch"), ("loud_reply.wav", "steady-volume"),
                                            ("fast_reply.wav", "calm-pace"), ("pause_3_5.wav", "reply-pause"),
                                            ("pause_0_3.wav", "reply-pause")])
def test_each_fault_fails_its_check(judged, name, check_id):
    assert verdicts(judged(name))[check_id] is False


@pytest.mark.parametrize("name, check_id", [("pitch_up_2st.wav", "steady-pitch"), ("quiet_reply.wav", "steady-volume"),
                                            ("slow_reply.wav", "calm-pace"), ("pause_1_2.wav", "reply-pause"),
                                            ("mid_pause_reply.wav", "no-dead-air")])
def test_within_limits_passes(judged, name, check_id):
    assert verdicts(judged(name))[check_id] is True


def test_without_a_baseline_pitch_and_volume_say_so(judged):
    result = judged("calm_reply.wav", with_baseline=False)
    by_id = {c.id: c for c in result.checks}
    assert "no baseline" in by_id["steady-pitch"].message or by_id["steady-pitch"].passed is None
    assert "no baseline" in by_id["steady-volume"].message


def test_every_result_carries_evidence_or_a_reason(judged):
    for result in judged("agitated_reply.wav").checks + judged("calm_reply.wav").checks:
        assert result.message
        if result.passed is not None and result.id in CONTENT_IDS and result.id != "customer-name":
            fault = result.id.startswith("no-") or result.id == "positive-language"
            if result.passed is not fault:
                assert result.evidence and result.start_s is not None and result.end_s >= result.start_s


def test_partial_credit_for_a_near_miss(judged):
    pace = {c.id: c for c in judged("fast_reply.wav").checks}["calm-pace"]
    assert pace.passed is False
    near = example_turn({"prosody": {"speech_rate_wpm": 180.0, "rate_ratio": 1.1}})
    near_result = REGISTRY["calm-pace"].func(near, THRESHOLDS["calm-pace"])
    assert near_result.passed is False and 0.5 < near_result.credit < 1.0


def test_house_rules_override_thresholds(tmp_path, judged):
    rules = tmp_path / "house.toml"
    rules.write_text("[calm-pace]\nmax_wpm = 300.0\nmax_rate_ratio = 3.0\n\n[fillers]\nweight = 2\n")
    limits = load_thresholds(rules)
    assert limits["calm-pace"]["max_wpm"] == 300.0 and limits["fillers"]["weight"] == 2
    assert limits["reply-pause"] == THRESHOLDS["reply-pause"]


@pytest.mark.parametrize("content, message", [
    ("[calm-pace\nmax_wpm = 1", r"house.toml:1: not valid TOML"),
    ("[calm-pace]\nweight = 1\n\n[combined.mine]\nguidance = \"x\"\npassed = \"shouting > 1\"\nfail_message = \"x\"\n",
     r"house.toml:4: \[combined.mine\] passed: unknown field 'shouting'"),
    ("[combined.mine]\nguidance = \"x\"\npassed = \"empathy == \"\nfail_message = \"x\"\n", "invalid expression"),
    ("[outcome]\ncalms = \"nonsense_field\"\n", "unknown field 'nonsense_field'"),
    ("[no-such-check]\nweight = 1\n", "unknown check 'no-such-check'"),
    ("[calm-pace]\nmax_wmp = 200.0\n", "has no setting 'max_wmp'"),
    ("[calm-pace]\nmax_wpm = \"fast\"\n", "must be a float"),
])
def test_bad_house_rules_say_what_is_wrong(tmp_path, content, message):
    rules = tmp_path / "house.toml"
    rules.write_text(content)
    with pytest.raises(RulesError, match=message):
        load_thresholds(rules)


def test_empathy_said_loudly_is_not_sincere(judged):
    calm = {c.id: c for c in judged("calm_reply.wav").checks}
    raised = {c.id: c for c in judged("loud_reply.wav").checks}  # same words, 9 dB louder
    assert calm["empathy"].passed and raised["empathy"].passed
    assert calm["sincere-empathy"].passed is True
    assert raised["sincere-empathy"].passed is False and raised["sincere-empathy"].value > 1.0

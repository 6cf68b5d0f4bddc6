"""The kiosk station driven headless with Textual's pilot, replies from recorded files."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from voicecoach import audio
from voicecoach.config import load_settings
from voicecoach.errors import DeviceError, PersonaError, StoreError
from voicecoach.session import FileReplies

from conftest import FIXTURES, ROOT

pytest.importorskip("textual")

from voicecoach import kiosk  # noqa: E402

GOOD = sorted(FIXTURES.glob("demo_good_*.wav"))
SIZE = (120, 50)


def make_app(data_dir: Path, transcriber, *, replies=GOOD, source=None, idle_s: float = 60.0, **settings):
    base = replace(load_settings(), data_dir=data_dir, kiosk_idle_s=idle_s, **settings)
    return kiosk.KioskApp(
        settings=base,
        make_source=source or (lambda persona, on_level: FileReplies(list(replies))),
        record_reading=lambda on_level: audio.load(FIXTURES / "baseline_reading.wav"),
        transcriber=lambda: transcriber,
    )


async def wait_for(pilot, predicate, timeout_s: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out on {pilot.app.screen!r}")
        await pilot.pause(0.05)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def screen_text(app) -> str:
    from textual.widgets import Static

    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def identify(pilot, name: str) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kiosk.WelcomeScreen))
    await pilot.press("space")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kiosk.IdentifyScreen))
    if name:
        await pilot.press(*list(name), "enter")
    else:
        await pilot.press("space")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kiosk.PickScreen))


async def pick(pilot, persona_id: str = "angry-eddie") -> None:
    screen = pilot.app.screen
    index = [p.id for p in screen.personas].index(persona_id)
    screen.query_one("#personas").highlighted = index
    await pilot.pause()
    await pilot.press("space")


async def reach_calibration(pilot, name: str) -> None:
    """Welcome → name (or anonymous) → Eddie → the calibration screen (no baseline yet)."""
    await identify(pilot, name)
    await pick(pilot)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kiosk.CalibrateScreen))


async def whole_call(pilot, name: str) -> dict:
    """Welcome → name → Eddie → (calibration) → every turn → summary; returns the summary screen."""
    app = pilot.app
    await identify(pilot, name)
    await pick(pilot)
    await wait_for(pilot, lambda: isinstance(app.screen, (kiosk.CalibrateScreen, kiosk.CallScreen)))
    if isinstance(app.screen, kiosk.CalibrateScreen):
        assert "north wind" in text_of(app, "#reading")
        await pilot.press("space")
    await wait_for(pilot, lambda: isinstance(app.screen, kiosk.CallScreen))
    seen_feedback = False
    while not isinstance(app.screen, kiosk.SummaryScreen):
        screen = app.screen
        if isinstance(screen, kiosk.ErrorScreen):
            raise AssertionError(screen.message)
        if isinstance(screen, kiosk.CallScreen) and screen.waiting:
            feedback = text_of(app, "#feedback")
            assert "Score" in feedback and "HEART hit:" in feedback
            seen_feedback = True
            await pilot.press("space")
        await pilot.pause(0.05)
    assert seen_feedback
    return app.screen


def run(coro):
    return asyncio.run(coro)


def test_a_whole_session_then_back_to_welcome(tmp_path, transcriber):
    data = tmp_path / "data"
    app = make_app(data, transcriber, station_name="booth-7")

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            summary = await whole_call(pilot, "ann")
            text = text_of(app, "#summary")
            assert "Session score:" in text and "first session" in text
            assert "Practise next:" in text or "Call resolved" in screen_text(app)
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            assert app.trainee is None
            return summary.session

    session = run(go())
    stored = json.loads((data / "sessions" / session["id"] / "session.json").read_text())
    assert stored["trainee"] == "ann" and stored["station"] == "booth-7"
    assert stored["outcome"] == "resolved" and len(stored["turns"]) == 3  # resolved in 3 (conftest)


def test_escape_ends_the_call_and_shows_the_summary_of_the_turns_so_far(tmp_path, transcriber):
    data = tmp_path / "data"
    app = make_app(data, transcriber)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await reach_calibration(pilot, "")
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting)
            assert "Esc: end the call" in text_of(app, "#cue")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, (kiosk.SummaryScreen, kiosk.ErrorScreen)))
            assert isinstance(app.screen, kiosk.SummaryScreen), app.screen.message
            assert "Session score:" in text_of(app, "#summary")
            return app.screen.session

    session = run(go())
    stored = json.loads((data / "sessions" / session["id"] / "session.json").read_text())
    assert stored["outcome"] == "stopped" and len(stored["turns"]) == 1 and stored["summary"]


def test_escape_on_the_calibration_screen_goes_back_to_welcome_and_keeps_no_baseline(tmp_path, transcriber):
    import threading

    from voicecoach.store import Store

    app = make_app(tmp_path / "data", transcriber)
    read = threading.Event()

    def slow_reading(on_level):  # the trainee is still reading when they press Esc
        read.wait(10)
        return audio.load(FIXTURES / "baseline_reading.wav")

    app.record_reading = slow_reading

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await reach_calibration(pilot, "leaver")
            await pilot.press("escape")  # before recording
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            assert app.trainee is None
            await reach_calibration(pilot, "newcomer")
            await pilot.press("space")  # recording
            await pilot.pause(0.2)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            read.set()
            await wait_for(pilot, lambda: all(w.is_finished for w in app.workers))

    run(go())
    store = Store(tmp_path / "data")
    assert store.baseline("newcomer") is None and store.baseline("leaver") is None
    store.close()


def test_second_session_shows_the_trend_and_a_stored_baseline_skips_calibration(data_copy, transcriber):
    # data_copy holds two sessions of trainee "demo"; the demo trainee has no stored baseline.
    from voicecoach.store import Store

    store = Store(data_copy)
    from voicecoach import turn
    store.save_baseline("demo", turn.measure_baseline(audio.load(FIXTURES / "baseline_reading.wav"),
                                                      transcriber=transcriber))
    store.close()
    app = make_app(data_copy, transcriber)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await identify(pilot, "demo")
            await pick(pilot)
            await wait_for(pilot, lambda: not isinstance(app.screen, kiosk.PickScreen))
            assert isinstance(app.screen, kiosk.CallScreen)  # no calibration: the baseline is stored
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.SummaryScreen) or
                           (isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting))
            await pilot.press("space")
            while not isinstance(app.screen, kiosk.SummaryScreen):
                if isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting:
                    await pilot.press("space")
                await pilot.pause(0.05)
            # the screen is pushed before its widgets are composed
            await wait_for(pilot, lambda: len(app.screen.query("#summary")) > 0)
            text = text_of(app, "#summary")
            assert "Your sessions so far: 3" in text and "Trend:" in text

    run(go())


def test_privacy_the_next_trainee_sees_only_their_own_history(data_copy, transcriber):
    app = make_app(data_copy, transcriber, replies=GOOD[:1])

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            # The previous trainee ("demo") has two sessions here; "bob" must see none of them.
            await whole_call_short(pilot, "bob")
            text = text_of(app, "#summary")
            assert "first session" in text and "so far" not in text
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.IdentifyScreen))
            assert app.screen.query_one("#name").value == ""  # rebuilt, not bob's screen

    run(go())


async def whole_call_short(pilot, name: str) -> None:
    app = pilot.app
    await identify(pilot, name)
    await pick(pilot)
    await wait_for(pilot, lambda: isinstance(app.screen, kiosk.CalibrateScreen))
    await pilot.press("space")
    # one reply file: the second turn is silent, the third ends the call
    while not isinstance(app.screen, kiosk.SummaryScreen):
        if isinstance(app.screen, kiosk.ErrorScreen):
            raise AssertionError(app.screen.message)
        if isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting:
            await pilot.press("space")
        await pilot.pause(0.05)


def test_inactivity_returns_to_a_fresh_welcome_screen(tmp_path, transcriber):
    app = make_app(tmp_path / "data", transcriber, idle_s=1.0)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await identify(pilot, "carol")
            assert app.trainee == "carol"
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen), timeout_s=5)
            assert app.trainee is None and app.persona is None

    run(go())


def test_inactivity_while_waiting_between_turns_cancels_the_call(tmp_path, transcriber):
    app = make_app(tmp_path / "data", transcriber, idle_s=1.5)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await identify(pilot, "")
            assert app.anonymous and app.trainee.startswith("anonymous-")
            await pick(pilot)
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.CalibrateScreen))
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting)
            assert "Score" in text_of(app, "#feedback")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen), timeout_s=5)
            await pilot.pause(0.5)
            assert isinstance(app.screen, kiosk.WelcomeScreen)

    run(go())


def test_a_corrupt_persona_is_hidden_and_the_rest_usable(tmp_path, transcriber, monkeypatch, caplog):
    data = tmp_path / "data"
    mine = data / "personas"
    mine.mkdir(parents=True)
    (mine / "broken.toml").write_text('id = "broken"\ntitle = 3\n')
    shutil.copy(ROOT / "personas" / "angry-eddie.toml", mine / "angry-eddie.toml")
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(data))
    app = make_app(data, transcriber)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await identify(pilot, "dan")
            ids = [p.id for p in app.screen.personas]
            assert "broken" not in ids and "angry-eddie" in ids and len(ids) == 9
            assert "alternator" in text_of(app, "#situation") or app.screen.personas[0].situation[:20] in text_of(app, "#situation")

    with caplog.at_level("WARNING", logger="voicecoach.kiosk"):
        run(go())
    assert any("broken.toml" in r.getMessage() for r in caplog.records)


class Exploding:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def capture(self, customer, *, turn_index):
        raise self.exc


@pytest.mark.parametrize("exc, shown", [
    (RuntimeError("boom in the turn"), "boom in the turn"),
    (DeviceError("the microphone stopped sending audio (unplugged?)"), "headset"),
    (StoreError("disk full while saving session x"), "tell a trainer"),
    (PersonaError("eddie.toml:3: states: missing"), "Choose another one"),
], ids=["unexpected", "device", "store", "persona"])
def test_a_turn_that_raises_shows_the_error_and_returns_to_welcome(tmp_path, transcriber, exc, shown):
    app = make_app(tmp_path / "data", transcriber, source=lambda persona, on_level: Exploding(exc))

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await reach_calibration(pilot, "erin")
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.ErrorScreen))
            assert shown in text_of(app, "#message")
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            assert app.is_running
            await pilot.press("space")  # still usable
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.IdentifyScreen))

    run(go())


def test_trainer_pin_unlocks_every_session_on_the_station(data_copy, transcriber):
    pin_hash = kiosk.hash_pin("2468", iterations=1000)
    app = make_app(data_copy, transcriber, trainer_pin_hash=pin_hash)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.PinScreen))
            await pilot.press(*"1111", "enter")
            assert isinstance(app.screen, kiosk.PinScreen)
            await pilot.press(*"2468", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.TrainerScreen))
            assert app.screen.query_one("#sessions").row_count == 2
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))

    run(go())


def test_wrong_pins_lock_the_trainer_list_even_across_resets(data_copy, transcriber):
    pin_hash = kiosk.hash_pin("2468", iterations=1000)
    app = make_app(data_copy, transcriber, trainer_pin_hash=pin_hash)
    clock = {"now": 1000.0}
    app.pin_clock = lambda: clock["now"]

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.PinScreen))
            for _ in range(kiosk.MAX_PIN_TRIES):
                await pilot.press(*"1111", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            await pilot.press("t")  # back at once: the right PIN is not even checked
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.PinScreen))
            await pilot.press(*"2468", "enter")
            assert isinstance(app.screen, kiosk.PinScreen) and "Try again in 30 s" in text_of(app, "#cue")
            clock["now"] += kiosk.PIN_LOCKOUT_S + 1
            await pilot.press(*"0000", "enter")  # one more wrong one doubles the wait
            assert app.pin_locked_for_s() == pytest.approx(2 * kiosk.PIN_LOCKOUT_S)
            clock["now"] += 2 * kiosk.PIN_LOCKOUT_S + 1
            await pilot.press(*"2468", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.TrainerScreen))
            assert app.pin_failures == 0

    run(go())


def test_call_events_that_arrive_before_the_screen_is_built_are_shown(data_copy, transcriber):
    app = make_app(data_copy, transcriber)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await identify(pilot, "early")
            app.persona = app.screen.personas[0]
            screen = kiosk.CallScreen()
            screen.on_session_event("customer", {"turn": 0, "line": "Where is my order?", "state": "upset"})
            screen.on_session_event("speaking", {"turn": 0, "duration_s": 30.0})
            await app.switch_screen(screen)
            await pilot.pause()
            assert "Where is my order?" in text_of(app, "#caption")
            assert "is speaking" in text_of(app, "#who")

    run(go())


def test_pin_hash_round_trip_and_config_file(tmp_path):
    stored = kiosk.hash_pin("123456", iterations=1000)
    assert kiosk.check_pin("123456", stored) and not kiosk.check_pin("123457", stored)
    assert not kiosk.check_pin("123456", None) and not kiosk.check_pin("123456", "garbage")
    config = tmp_path / "config.toml"
    config.write_text('language = "en"\n[extra]\nx = 1\n')
    kiosk.write_pin_hash(config, stored)
    kiosk.write_pin_hash(config, stored)
    text = config.read_text()
    assert text.count("trainer_pin_hash") == 1 and text.index("trainer_pin_hash") < text.index("[extra]")


def test_difficulty_moves_the_starting_mood():
    from voicecoach.personas import get_persona

    eddie = get_persona("angry-eddie")
    ids = [s.id for s in eddie.states]
    assert kiosk.with_difficulty(eddie, "harder").start_state == ids[0]
    assert kiosk.with_difficulty(eddie, "standard") is eddie
    assert ids.index(kiosk.with_difficulty(eddie, "easier").start_state) >= ids.index(eddie.start_state)


def test_set_pin_command_stores_only_a_hash(tmp_path):
    import os
    import subprocess
    import sys

    def run_cli(*args, env, input_text):
        return subprocess.run([sys.executable, "-m", "voicecoach", *args], input=input_text, capture_output=True,
                              text=True, timeout=120, env={**os.environ, **env}, cwd=ROOT)

    config = tmp_path / "config.toml"
    done = run_cli("kiosk", "--set-pin", env={"VOICECOACH_CONFIG": str(config)}, input_text="97531\n")
    assert done.returncode == 0, done.stderr
    text = config.read_text()
    assert "97531" not in text and "pbkdf2_sha256$" in text
    from voicecoach.config import load_settings

    os.environ["VOICECOACH_CONFIG"], saved = str(config), os.environ["VOICECOACH_CONFIG"]
    try:
        assert kiosk.check_pin("97531", load_settings().trainer_pin_hash)
    finally:
        os.environ["VOICECOACH_CONFIG"] = saved
    bad = run_cli("kiosk", "--set-pin", env={"VOICECOACH_CONFIG": str(tmp_path / "other.toml")}, input_text="12\n")
    assert bad.returncode == 1 and "4 to 12 digits" in bad.stderr


def test_no_microphone_at_calibration_is_shown_and_the_station_stays_up(tmp_path, transcriber):
    app = make_app(tmp_path / "data", transcriber)

    def no_mic(on_level):
        raise DeviceError("no input device found; plug in the headset")

    app.record_reading = no_mic

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await reach_calibration(pilot, "fay")
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.ErrorScreen))
            assert "plug in the headset" in text_of(app, "#message") and app.trainee is None
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))

    run(go())


def test_no_headset_when_a_trainee_starts_is_said_on_the_welcome_screen(tmp_path, transcriber):
    # A real PortAudio check of a device that does not exist; then the headset is
    # "plugged in" (the check passes) and the next press goes on.
    app = kiosk.live_app(replace(load_settings(), data_dir=tmp_path / "data"), input_device=42,
                         transcriber=lambda: transcriber)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            await pilot.press("space")
            await pilot.pause()
            assert isinstance(app.screen, kiosk.WelcomeScreen)
            assert "headset is not ready: no usable microphone" in text_of(app, "#cue")
            app.check_devices = lambda: None
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.IdentifyScreen))

    run(go())


def test_an_error_in_the_screens_themselves_does_not_exit(tmp_path, transcriber, monkeypatch):
    def broken():
        raise RuntimeError("persona folder unreadable")

    monkeypatch.setattr(kiosk, "usable_personas", broken)
    app = make_app(tmp_path / "data", transcriber)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.IdentifyScreen))
            await pilot.press(*"gus", "enter")  # Enter: a Textual message handler raises
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.ErrorScreen))
            assert "persona folder unreadable" in text_of(app, "#message")
            await pilot.press("space")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            await pilot.press("space", "space")  # space on an empty name: the one-key path raises too
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.ErrorScreen))
            assert app.is_running

    run(go())


def test_a_configured_key_advances_every_screen(tmp_path, transcriber):
    app = make_app(tmp_path / "data", transcriber, kiosk_key="f5")

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            assert "F5" in text_of(app, "#cue")
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.IdentifyScreen))
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, kiosk.PickScreen))
            assert app.anonymous

    run(go())


def test_sessions_back_to_back_leak_no_threads_and_little_memory(tmp_path, transcriber):
    # The soak of benchmarks/kiosk_bench.py, short: whole sessions on one station, the one
    # key advancing every screen. The first session is the warm-up (calibration, models,
    # the worker pool); threads and RSS are compared from its end to the end of the last.
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from kiosk_bench import soak

    result = soak(12, transcriber, data_dir=tmp_path / "data", trainees=("ann", ""),
                  personas=("angry-eddie",))
    assert result["app_running"] and result["turns"] >= 12 and result["sessions"] >= 3
    assert result["leaked_threads"] == 0, result
    assert result["rss_growth_mb"] < 50, result

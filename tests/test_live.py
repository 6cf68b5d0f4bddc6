"""Live practice on real PortAudio streams over PulseAudio's virtual devices.

voicecoach plays the customer to the null sink "speaker" and records the default
source "mic.monitor"; a scripted trainee (tests/live_helpers.py) hears the
customer on "speaker.monitor" and answers into "mic" with `paplay`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, ROOT, run_cli

sys.path.insert(0, str(ROOT / "benchmarks"))
from scripted_trainee import Answer, Trainee  # noqa: E402

BASELINE = str(FIXTURES / "baseline_reading.wav")


@pytest.fixture(scope="module", autouse=True)
def pulse():
    # The live tests run in CI: a missing PulseAudio is a failure, not a skip.
    subprocess.run([str(ROOT / "scripts" / "pulse-devices.sh")], check=True)


def practice(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_cli("practice", "--baseline", BASELINE, *args, env=env, timeout=240)


def latest(trainee: str) -> dict:
    rows = json.loads(run_cli("sessions", "--trainee", trainee, "--json").stdout)
    return json.loads(run_cli("sessions", "show", rows[0]["id"], "--json").stdout)


def check(turn: dict, check_id: str) -> dict:
    return next(c for c in turn["checks"] if c["id"] == check_id)


@pytest.mark.parametrize("gap_s", [0.6, 1.5, 2.5])
def test_reply_pause_matches_the_injected_gap(gap_s):
    bot = Trainee([Answer(FIXTURES / "pause_0_3.wav", gap_s=gap_s)]).start()
    try:
        proc = practice("--persona", "abrupt-executive", "--trainee", f"gap{gap_s}", "--max-turns", "1")
    finally:
        bot.stop()
    assert proc.returncode == 0, proc.stderr
    injected = bot.log[0]["after_voice_end_s"]
    expected = injected + 0.3  # the reply file itself starts with 0.3 s of silence
    turn = latest(f"gap{gap_s}")["turns"][0]
    assert turn["prosody"]["reply_pause_s"] == pytest.approx(expected, abs=0.15)
    assert "understand" in turn["transcript"].lower()
    assert check(turn, "no-interruption")["passed"] is True


def test_barge_in_is_caught():
    bot = Trainee([Answer(FIXTURES / "pause_0_3.wav", barge_in_after_s=2.0)]).start()
    try:
        proc = practice("--persona", "angry-eddie", "--trainee", "barger", "--max-turns", "1")
    finally:
        bot.stop()
    assert proc.returncode == 0, proc.stderr
    turn = latest("barger")["turns"][0]
    assert turn["interrupted"] is True
    assert turn["prosody"]["reply_pause_s"] < -0.3
    assert check(turn, "no-interruption")["passed"] is False
    assert turn["outcome"] == "escalates"


def test_a_whole_session_runs_branches_and_is_stored():
    answers = [Answer(FIXTURES / f"demo_good_{i}.wav", gap_s=1.0) for i in (1, 2, 3)]
    bot = Trainee(answers).start()
    try:
        proc = practice("--persona", "angry-eddie", "--trainee", "whole", "--max-turns", "3")
    finally:
        bot.stop()
    assert proc.returncode == 0, proc.stderr
    session = latest("whole")
    assert len(session["turns"]) == 3 and session["ended_at"]
    states = [t["state"] for t in session["turns"]]
    assert states[0] == "furious" and states[-1] != "furious"  # the customer calmed down
    assert all(t["score"] is not None for t in session["turns"])
    from voicecoach.config import load_settings

    folder = load_settings().data_path / "sessions" / session["id"]
    for t in session["turns"]:
        assert (folder / t["customer_audio"]).is_file() and (folder / t["trainee_audio"]).is_file()
    assert session["summary"]["practice_next"]
    assert "Practise next" in proc.stdout


def test_silence_makes_the_customer_ask_if_anyone_is_there():
    bot = Trainee([Answer(None), Answer(FIXTURES / "pause_0_3.wav")]).start()
    try:
        proc = practice("--persona", "missing-parcel", "--trainee", "quiet", "--max-turns", "2",
                        env={"VOICECOACH_NO_REPLY_S": "2.5"})
    finally:
        bot.stop()
    assert proc.returncode == 0, proc.stderr
    session = latest("quiet")
    first, second = session["turns"]
    assert first["outcome"] == "silent" and first["score"] is None
    assert second["customer_line"] == "Hello? Are you still there?" or "there" in second["customer_line"].lower()


def test_no_input_device_is_one_clear_line():
    proc = practice("--persona", "angry-eddie", "--trainee", "nodev", "--input-device", "42", "--max-turns", "1")
    assert proc.returncode == 4
    assert proc.stderr.count("\n") == 1 and "microphone" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGKILL, -9)])
def test_killed_mid_session_keeps_every_finished_turn(sig, code):
    trainee = f"killed{int(sig)}"
    # Short replies: the kill comes once the first turn is stored.
    # The first reply acts and promises, so the customer holds and the call goes on.
    answers = [Answer(FIXTURES / name, gap_s=0.8) for name in ("demo_good_5.wav", "pause_1_2.wav", "demo_poor_1.wav")]
    bot = Trainee(answers).start()
    proc = subprocess.Popen([sys.executable, "-m", "voicecoach", "practice", "--baseline", BASELINE, "--persona",
                             "angry-eddie", "--trainee", trainee, "--max-turns", "3"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rows = json.loads(run_cli("sessions", "--trainee", trainee, "--json").stdout)
            if rows and rows[0]["turns"] >= 1:
                break
            time.sleep(0.3)
        else:
            pytest.fail("no turn was finished in time")
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == code
    finally:
        proc.kill()
        bot.stop()
    session = latest(trainee)
    assert len(session["turns"]) >= 1
    from voicecoach import audio
    from voicecoach.config import load_settings

    folder = load_settings().data_path / "sessions" / session["id"]
    for t in session["turns"]:
        assert t["transcript"] and audio.load(folder / t["trainee_audio"]).duration_s > 1
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no half-written files
    if sig == signal.SIGINT:
        assert session["outcome"] == "stopped"


def test_a_microphone_that_vanishes_mid_reply_keeps_the_turn(tmp_path, monkeypatch, transcriber, baseline):
    import sounddevice as sd

    from voicecoach import audio
    from voicecoach.errors import DeviceError
    from voicecoach.live import LiveReplies
    from voicecoach.personas import get_persona
    from voicecoach.session import run_session
    from voicecoach.store import Store
    from voicecoach.voice import synthesize

    persona = get_persona("know-it-all")
    line_s = synthesize(persona.opening, persona.voice, cache_dir=tmp_path / "cache").voice_end_s
    real = sd.InputStream

    class Vanishing(real):  # the fault: after a while the device stops delivering audio
        def __init__(self, *args, callback, samplerate, blocksize, **kwargs):
            budget = {"blocks": int((line_s + 4.0) * samplerate / blocksize)}

            def cut(indata, frames, time_info, status):
                budget["blocks"] -= 1
                if budget["blocks"] > 0:
                    callback(indata, frames, time_info, status)

            super().__init__(*args, callback=cut, samplerate=samplerate, blocksize=blocksize, **kwargs)

    monkeypatch.setattr(sd, "InputStream", Vanishing)
    store = Store(tmp_path / "data")
    bot = Trainee([Answer(FIXTURES / "long_reply_15s.wav", gap_s=0.5)]).start()
    try:
        with pytest.raises(DeviceError, match="microphone stopped"):
            run_session(persona, trainee="vanish", source=LiveReplies(transcriber=transcriber), store=store,
                        transcriber=transcriber, baseline=baseline, cache_dir=tmp_path / "cache", max_turns=2)
    finally:
        bot.stop()
    session = store.load(store.list(trainee="vanish")[0]["id"])
    assert session["outcome"] == "device-error" and len(session["turns"]) == 1
    turn = session["turns"][0]
    assert turn["error"] and turn["transcript"]  # judged as far as it got
    kept = audio.load(store.folder(session["id"]) / turn["trainee_audio"])
    assert 1.0 < kept.duration_s < 14.0


def test_first_session_calibrates_the_trainee_and_later_ones_reuse_it():
    bot = Trainee([Answer(FIXTURES / "baseline_reading.wav", at_start_s=3.0),
                   Answer(FIXTURES / "pause_0_3.wav", gap_s=1.0)]).start()
    try:
        first = run_cli("practice", "--persona", "angry-eddie", "--trainee", "newbie", "--max-turns", "1", timeout=240)
    finally:
        bot.stop()
    assert first.returncode == 0, first.stderr
    assert "Calibration" in first.stdout and "Baseline saved" in first.stdout
    measured = latest("newbie")["baseline"]
    from voicecoach import prosody
    from voicecoach.audio import load

    reading = load(FIXTURES / "baseline_reading.wav")
    expected = prosody.analyse(reading.samples, sample_rate=16000).pitch_median_hz
    assert measured["pitch_median_hz"] == pytest.approx(expected, rel=0.05)
    bot = Trainee([Answer(FIXTURES / "pause_0_3.wav", gap_s=1.0)]).start()
    try:
        again = run_cli("practice", "--persona", "angry-eddie", "--trainee", "newbie", "--max-turns", "1", timeout=240)
    finally:
        bot.stop()
    assert again.returncode == 0, again.stderr
    assert "Calibration" not in again.stdout
    assert latest("newbie")["baseline"] == measured


def test_kiosk_station_on_live_devices(tmp_path, transcriber, baseline):
    """The kiosk on real streams: the customer is heard, the scripted trainee answers,
    the level meter moves, feedback is shown, and leaving it idle cancels the call."""
    import asyncio
    from dataclasses import replace

    from voicecoach import kiosk
    from voicecoach.config import load_settings
    from voicecoach.store import Store

    settings = replace(load_settings(), data_dir=tmp_path / "data", station_name="live-booth", kiosk_idle_s=2.0)
    store = Store(settings.data_path)
    store.save_baseline("kiosk-live", baseline)
    store.close()
    app = kiosk.live_app(settings, transcriber=lambda: transcriber)
    levels = []

    async def go():
        async with app.run_test(size=(120, 50)) as pilot:
            await pilot.press("space")
            await pilot.press(*"kiosk-live", "enter")
            await pilot.pause(0.3)
            screen = app.screen
            screen.query_one("#personas").highlighted = [p.id for p in screen.personas].index("angry-eddie")
            await pilot.pause()
            await pilot.press("space")
            end = time.monotonic() + 90
            while not (isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting):
                assert not isinstance(app.screen, kiosk.ErrorScreen), app.screen.message
                assert time.monotonic() < end
                if app.level_db is not None:
                    levels.append(app.level_db)
                await pilot.pause(0.1)
            assert "Score" in str(app.screen.query_one("#feedback").render())
            while not isinstance(app.screen, kiosk.WelcomeScreen):  # idle: the call is cancelled
                assert time.monotonic() < end + 10
                await pilot.pause(0.1)

    # A reply that holds the customer (an action and a promise, no empathy): the call waits for the next turn.
    bot = Trainee([Answer(FIXTURES / "demo_good_5.wav", gap_s=1.0)]).start()
    try:
        asyncio.run(go())
    finally:
        bot.stop()
    assert levels and max(levels) > -40.0
    store = Store(settings.data_path)
    row = store.list(trainee="kiosk-live")[0]
    session = store.load(row["id"])
    store.close()
    assert session["station"] == "live-booth" and session["outcome"] == "stopped"
    turn = session["turns"][0]
    # demo_good_5.wav starts with 1.0 s of silence (audio_fixtures/manifest.json)
    assert turn["prosody"]["reply_pause_s"] == pytest.approx(bot.log[0]["after_voice_end_s"] + 1.0, abs=0.15)
    assert "truck" in turn["transcript"].lower()


def _null_sink_modules(*sinks: str) -> list[str]:
    """Ids of the PulseAudio modules that make these null sinks (scripts/pulse-devices.sh)."""
    listed = subprocess.run(["pactl", "list", "short", "modules"], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in listed.splitlines():
        fields = line.split("\t")
        for sink in sinks:
            if len(fields) > 2 and fields[1] == "module-null-sink" and f"sink_name={sink} " in fields[2] + " ":
                found[sink] = fields[0]
    assert set(found) == set(sinks), listed
    return [found[s] for s in sinks]


def _source_names() -> list[str]:
    listed = subprocess.run(["pactl", "list", "short", "sources"], capture_output=True, text=True, check=True).stdout
    return [line.split("\t")[1] for line in listed.splitlines() if "\t" in line]


def test_kiosk_headset_unplugged_mid_reply_then_back(tmp_path, transcriber, baseline):
    """The station is recording a reply when the headset goes away, then comes back.

    Unplugging a USB headset removes its microphone and its speaker; here both null
    sinks are unloaded (`pactl unload-module`), which removes the virtual source
    "mic.monitor" the station records from, then re-added (scripts/pulse-devices.sh).
    The recording stream has nowhere to go, PulseAudio ends it, the station hears
    nothing for 2 s and shows the device error. The turn so far is stored, the station
    stays up and usable, and the next session works; in it the trainee hangs up (Esc)
    mid-reply, and the reply so far is judged and stored.

    Removing the source alone is not tested: PulseAudio then moves the recording to
    whatever source is left (its stream rescue) and the reply keeps flowing, so there
    is nothing for the station to detect or lose.
    """
    import asyncio
    from dataclasses import replace

    from voicecoach import audio, kiosk
    from voicecoach.config import load_settings
    from voicecoach.store import Store

    settings = replace(load_settings(), data_dir=tmp_path / "data", station_name="unplug-booth", kiosk_idle_s=60.0)
    store = Store(settings.data_path)
    store.save_baseline("unplug", baseline)
    store.close()
    app = kiosk.live_app(settings, transcriber=lambda: transcriber)
    seen: dict = {}

    async def wait(pilot, predicate, timeout_s=90.0):
        end = time.monotonic() + timeout_s
        while not predicate():
            assert time.monotonic() < end, f"timed out on {app.screen!r}"
            await pilot.pause(0.05)

    async def start_call(pilot):
        await wait(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
        await pilot.press("space")
        await pilot.press(*"unplug", "enter")
        await wait(pilot, lambda: isinstance(app.screen, kiosk.PickScreen))
        screen = app.screen
        screen.query_one("#personas").highlighted = [p.id for p in screen.personas].index("angry-eddie")
        await pilot.pause()
        await pilot.press("space")

    async def back_to_welcome(pilot):
        app.idle_s = 0.5  # as a station left alone: the call is cancelled
        await wait(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen), 10)
        app.idle_s = 60.0

    async def go():
        async with app.run_test(size=(120, 50)) as pilot:
            bot = Trainee([Answer(FIXTURES / "long_reply_15s.wav", gap_s=0.5)]).start()
            try:
                await start_call(pilot)
                await wait(pilot, lambda: bot.log)  # the trainee has started answering
                await pilot.pause(3.0)
                for module in _null_sink_modules("mic", "speaker"):
                    subprocess.run(["pactl", "unload-module", module], check=True)
                seen["sources_after_unplug"] = _source_names()
                await wait(pilot, lambda: isinstance(app.screen, (kiosk.ErrorScreen, kiosk.SummaryScreen)) or
                           (isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting))
                seen["screen"] = type(app.screen).__name__
                selector = {"ErrorScreen": "#message", "SummaryScreen": "#summary"}.get(seen["screen"], "#feedback")
                # the screen is pushed before its widgets are composed
                await wait(pilot, lambda: len(app.screen.query(selector)) > 0)
                seen["text"] = str(app.screen.query_one(selector).render())
            finally:
                bot.stop()
                subprocess.run([str(ROOT / "scripts" / "pulse-devices.sh")], check=True)  # plugged back in
            if isinstance(app.screen, kiosk.ErrorScreen):
                await pilot.press("space")
                await wait(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen), 10)
            else:
                await back_to_welcome(pilot)
            assert app.is_running
            # The following session, on the devices as they are back; the trainee hangs
            # up (Esc) three seconds into a long reply.
            bot = Trainee([Answer(FIXTURES / "long_reply_15s.wav", gap_s=0.5)]).start()
            try:
                await start_call(pilot)
                await wait(pilot, lambda: bot.log or isinstance(app.screen, kiosk.ErrorScreen))
                await pilot.pause(3.0)
                await pilot.press("escape")
                await wait(pilot, lambda: isinstance(app.screen, (kiosk.ErrorScreen, kiosk.SummaryScreen)), 20)
                assert isinstance(app.screen, kiosk.SummaryScreen), app.screen.message
            finally:
                bot.stop()
            await back_to_welcome(pilot)

    try:
        asyncio.run(go())
    finally:
        subprocess.run([str(ROOT / "scripts" / "pulse-devices.sh")], check=True)
    print("observed:", seen)
    store = Store(settings.data_path)
    first, second = [store.load(r["id"]) for r in reversed(store.list(trainee="unplug"))]
    folder = store.folder(first["id"])
    store.close()
    assert "mic.monitor" not in seen["sources_after_unplug"]
    turn = first["turns"][0]
    kept = audio.load(folder / turn["trainee_audio"])
    seen.update(outcome=first["outcome"], error=turn["error"], kept_s=kept.duration_s, said=turn["transcript"])
    print("observed:", seen)
    assert len(first["turns"]) >= 1 and turn["transcript"]  # the reply so far, judged
    assert len(first["turns"]) == 1 and 1.0 < kept.duration_s < 14.0  # cut by the unplug
    assert seen["screen"] == "ErrorScreen" and "microphone stopped sending audio" in seen["text"], seen
    assert first["outcome"] == "device-error" and "microphone stopped" in turn["error"]
    assert second["outcome"] == "stopped" and len(second["turns"]) == 1 and not second["turns"][0]["error"]
    hung_up = audio.load(store.folder(second["id"]) / second["turns"][0]["trainee_audio"])
    assert second["turns"][0]["transcript"] and 1.5 < hung_up.duration_s < 8.0, second["turns"][0]

"""Kiosk station figures, device-free: the Textual app runs headless (`App.run_test`)
with recorded replies (`session.FileReplies`, audio_fixtures/demo_good_*.wav) and a
no-op speaker that only notes when a customer line is handed to it.

    python benchmarks/kiosk_bench.py            # idle CPU and "next" → customer (JSON)
    python benchmarks/kiosk_bench.py --soak     # sessions back to back until 200 turns
    python benchmarks/kiosk_bench.py --soak --turns 20

Figures:
  idle_cpu_pct            process CPU time / wall time on the welcome screen, % of one core
  next_to_customer_s      key press that starts the call → the opening line handed to the
                          speaker, the line already in the TTS cache (median)
  next_to_customer_cold_s the same with an empty TTS cache (the line is synthesized)
  next_turn_to_customer_s key press between turns → the next line handed to the speaker
  soak                    turns, wall time, RSS and Python threads after the first session and at the end
                          (pass: no thread more, RSS grown < 50 MB); also RSS after each session, and
                          the growth after the first round (each trainee and customer seen once)

`voicecoach bench` reports the first two (with targets); the soak is too long for it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"
SIZE = (120, 50)
TARGETS = {"idle_cpu_pct": ("<", 5.0), "next_to_customer_s": ("<=", 0.5)}
SOAK_RSS_GROWTH_MB = 50.0
TRAINEES = ("ann", "bob", "", "cho", "dev")  # "": anonymous (the one key, no name)
PERSONAS = ("angry-eddie", "missing-parcel", "know-it-all", "overdue-borrower")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class Speaker:
    """A no-op speaker: notes when each customer line is handed to it."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, speech: Any) -> None:
        self.calls.append((time.perf_counter(), speech.text))


def rss_mb() -> float:
    """Current resident set size of this process (not the peak)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_app(settings: Any, transcriber: Any, speaker: Speaker) -> Any:
    from voicecoach import audio, kiosk
    from voicecoach.session import FileReplies

    replies = sorted(FIXTURES.glob("demo_good_*.wav"))
    return kiosk.KioskApp(
        settings=settings,
        make_source=lambda persona, on_level: FileReplies(replies, player=speaker),
        record_reading=lambda on_level: audio.load(FIXTURES / "baseline_reading.wav"),
        transcriber=lambda: transcriber,
    )


def _settings(data_dir: Path, cache_dir: Path | None = None) -> Any:
    from voicecoach.config import load_settings

    base = load_settings()
    return replace(base, data_dir=data_dir, cache_dir=cache_dir or base.cache_path, kiosk_idle_s=600.0)


def _transcriber(transcriber: Any) -> Any:
    if transcriber is not None:
        return transcriber
    from voicecoach.transcribe import shared_transcriber

    return shared_transcriber()


async def _wait_for(pilot: Any, predicate: Callable[[], bool], timeout_s: float = 120.0) -> None:
    from voicecoach import kiosk

    end = time.monotonic() + timeout_s
    while not predicate():
        screen = pilot.app.screen
        if isinstance(screen, kiosk.ErrorScreen):
            raise RuntimeError(f"the station showed an error: {screen.message}")
        if time.monotonic() > end:
            raise RuntimeError(f"timed out on {screen!r}")
        await pilot.pause(0.01)


async def _to_pick(pilot: Any, name: str, persona_id: str) -> None:
    """Welcome → name (or the key: anonymous) → the customer highlighted on the pick screen."""
    from voicecoach import kiosk

    app = pilot.app
    await _wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
    await pilot.press("space")
    await _wait_for(pilot, lambda: isinstance(app.screen, kiosk.IdentifyScreen))
    if name:
        await pilot.press(*name, "enter")
    else:
        await pilot.press("space")
    await _wait_for(pilot, lambda: isinstance(app.screen, kiosk.PickScreen))
    screen = app.screen
    screen.query_one("#personas").highlighted = [p.id for p in screen.personas].index(persona_id)
    await pilot.pause()


async def _idle_workers(app: Any) -> None:
    from textual.worker import WorkerState

    end = time.monotonic() + 30
    while any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        if time.monotonic() > end:
            raise RuntimeError("a station worker did not finish")
        await asyncio.sleep(0.02)


# ---------------------------------------------------------------------- idle CPU


def idle_cpu(seconds: float = 10.0) -> dict[str, float]:
    """CPU used by the station sitting on the welcome screen, % of one core."""
    with tempfile.TemporaryDirectory(prefix="voicecoach-kiosk-") as tmp:
        app = make_app(_settings(Path(tmp) / "data"), None, Speaker())

        async def go() -> dict[str, float]:
            from voicecoach import kiosk

            async with app.run_test(size=SIZE) as pilot:
                await _wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
                await asyncio.sleep(1.0)  # first paint and timers settled
                cpu0, wall0 = time.process_time(), time.perf_counter()
                await asyncio.sleep(seconds)
                cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
                assert isinstance(app.screen, kiosk.WelcomeScreen)
            return {"idle_cpu_pct": 100.0 * cpu / wall, "idle_wall_s": wall}

        return asyncio.run(go())


# ---------------------------------------------------------------------- "next" → customer


def next_to_customer(transcriber: Any = None, *, runs: int = 3, persona_id: str = "angry-eddie") -> dict[str, Any]:
    """From the key press that starts the call (pick screen, baseline stored) to the
    opening line handed to the speaker: with the line cached, and with an empty TTS
    cache. One whole call first (warm-up) also times the key between turns."""
    from voicecoach import audio, kiosk, turn
    from voicecoach.store import Store

    transcriber = _transcriber(transcriber)
    baseline = turn.measure_baseline(audio.load(FIXTURES / "baseline_reading.wav"), transcriber=transcriber)
    with tempfile.TemporaryDirectory(prefix="voicecoach-kiosk-") as tmp:
        root = Path(tmp)
        store = Store(root / "data")
        store.save_baseline("bench", baseline)
        store.close()
        warm_cache = root / "cache-warm"
        speaker = Speaker()
        app = make_app(_settings(root / "data", warm_cache), transcriber, speaker)
        cached: list[float] = []
        cold: list[float] = []
        between: list[float] = []

        async def start_call(pilot: Any) -> float:
            """Press the key on the pick screen; seconds until the speaker has the opening line."""
            n = len(speaker.calls)
            pressed = time.perf_counter()
            await pilot.press("space")
            await _wait_for(pilot, lambda: len(speaker.calls) > n)
            return speaker.calls[n][0] - pressed

        async def go() -> None:
            async with app.run_test(size=SIZE) as pilot:
                # warm-up: one whole call (model, VAD, embedder, rule set, TTS engine, the cache filled)
                await _to_pick(pilot, "bench", persona_id)
                await start_call(pilot)
                while not isinstance(app.screen, kiosk.SummaryScreen):
                    if isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting:
                        n = len(speaker.calls)
                        pressed = time.perf_counter()
                        await pilot.press("space")
                        await _wait_for(pilot, lambda: len(speaker.calls) > n or isinstance(app.screen, kiosk.SummaryScreen))
                        if len(speaker.calls) > n:
                            between.append(speaker.calls[n][0] - pressed)
                    await pilot.pause(0.01)
                await pilot.press("space")
                for i in range(2 * runs):
                    fresh = i % 2 == 0
                    app.settings = replace(app.settings, cache_dir=root / f"cache-cold-{i}" if fresh else warm_cache)
                    await _to_pick(pilot, "bench", persona_id)
                    (cold if fresh else cached).append(await start_call(pilot))
                    app.reset()  # the call is cancelled: back to the welcome screen
                    await _idle_workers(app)

        asyncio.run(go())
    return {"next_to_customer_s": statistics.median(cached), "next_to_customer_cold_s": statistics.median(cold),
            "next_turn_to_customer_s": statistics.median(between) if between else float("nan"),
            "next_to_customer_runs": {"cached": cached, "cold": cold, "between_turns": between}}


# ---------------------------------------------------------------------- soak


def soak(turns: int = 200, transcriber: Any = None, *, data_dir: Path | None = None,
         trainees: tuple[str, ...] = TRAINEES, personas: tuple[str, ...] = PERSONAS) -> dict[str, Any]:
    """Whole sessions back to back on one station until `turns` turns are done, the one
    key advancing every screen (calibration on a named trainee's first session).
    Threads and RSS are taken on the welcome screen after the first session (the
    warm-up: models loaded, worker pool started) and after the last."""
    from voicecoach import kiosk

    transcriber = _transcriber(transcriber)
    with tempfile.TemporaryDirectory(prefix="voicecoach-kiosk-") as tmp:
        root = data_dir or Path(tmp) / "data"
        speaker = Speaker()
        app = make_app(_settings(root), transcriber, speaker)
        result: dict[str, Any] = {"turns": 0, "sessions": 0, "outcomes": {}, "rss_trace_mb": []}

        async def settle() -> tuple[int, float]:
            await _idle_workers(app)
            await asyncio.sleep(0.2)
            return threading.active_count(), rss_mb()

        async def one(pilot: Any, name: str, persona_id: str) -> dict[str, Any]:
            await _to_pick(pilot, name, persona_id)
            await pilot.press("space")
            await _wait_for(pilot, lambda: isinstance(app.screen, (kiosk.CalibrateScreen, kiosk.CallScreen)))
            if isinstance(app.screen, kiosk.CalibrateScreen):
                await pilot.press("space")
            while not isinstance(app.screen, kiosk.SummaryScreen):
                if isinstance(app.screen, kiosk.ErrorScreen):
                    raise RuntimeError(f"the station showed an error: {app.screen.message}")
                if isinstance(app.screen, kiosk.CallScreen) and app.screen.waiting:
                    await pilot.press("space")
                await pilot.pause(0.02)
            session = app.screen.session
            await pilot.press("space")
            await _wait_for(pilot, lambda: isinstance(app.screen, kiosk.WelcomeScreen))
            return session

        async def go() -> None:
            async with app.run_test(size=SIZE) as pilot:
                start = time.perf_counter()
                i = 0
                while result["turns"] < turns:
                    session = await one(pilot, trainees[i % len(trainees)], personas[i % len(personas)])
                    i += 1
                    result["turns"] += len(session["turns"])
                    result["sessions"] += 1
                    outcome = session.get("outcome") or "?"
                    result["outcomes"][outcome] = result["outcomes"].get(outcome, 0) + 1
                    if i == 1:
                        result["threads_start"], result["rss_start_mb"] = await settle()
                    result["rss_trace_mb"].append(round(rss_mb(), 1))
                    if i == max(len(trainees), len(personas)):  # every trainee and customer seen once
                        result["rss_round_mb"] = rss_mb()
                result["threads_end"], result["rss_end_mb"] = await settle()
                result["wall_s"] = time.perf_counter() - start
                result["app_running"] = app.is_running

        asyncio.run(go())
    result["rss_growth_mb"] = result["rss_end_mb"] - result["rss_start_mb"]
    if "rss_round_mb" in result:  # growth once each trainee and customer has had a session
        result["rss_growth_after_round_mb"] = result["rss_end_mb"] - result["rss_round_mb"]
    result["leaked_threads"] = max(0, result["threads_end"] - result["threads_start"])
    result["ok"] = result["leaked_threads"] == 0 and result["rss_growth_mb"] < SOAK_RSS_GROWTH_MB
    return result


def _meets(value: float, op: str, limit: float) -> bool:
    return {"<=": value <= limit, "<": value < limit}[op]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--soak", action="store_true", help="run the soak (whole sessions back to back)")
    parser.add_argument("--turns", type=int, default=200, help="soak length in turns (default 200)")
    parser.add_argument("--idle-s", type=float, default=10.0, help="idle CPU window (default 10 s)")
    parser.add_argument("--runs", type=int, default=3, help="key-press timings per case (default 3)")
    args = parser.parse_args(argv)
    if args.soak:
        figures = soak(args.turns)
        print(json.dumps(figures, indent=2))
        return 0 if figures["ok"] and figures["app_running"] else 1
    figures: dict[str, Any] = {**idle_cpu(args.idle_s), **next_to_customer(runs=args.runs)}
    figures["targets"] = {k: {"target": f"{op} {limit}", "met": _meets(figures[k], op, limit)}
                          for k, (op, limit) in TARGETS.items()}
    print(json.dumps(figures, indent=2))
    return 0 if all(t["met"] for t in figures["targets"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

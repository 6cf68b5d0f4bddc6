"""`voicecoach bench`: speed and memory of the hot paths on this machine.

Whole-process figures run the real command in a child process (as a user
would), so imports, model loading and JIT costs are all paid and counted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from voicecoach.errors import VoiceCoachError

REPLY = "long_reply_15s.wav"
REPETITIVE = "repetitive_reply.wav"
TARGETS = {
    "score_vs_bare_whisper_ratio": ("<=", 1.3),
    "prosody_s": ("<=", 0.2),
    "help_s": ("<", 0.3),
    "peak_rss_mb": ("<", 1024),
    "repetitive_vs_normal_ratio": ("<=", 2.0),
    "content_checks_s": ("<=", 0.05),
    "score_call_6_turns_s": ("<=", 1.0),
    "live_feedback_after_end_s": ("<=", 1.0),
    "live_customer_after_feedback_s": ("<=", 0.3),
    "live_peak_rss_mb": ("<", 1024),
    "rescore_x_realtime": (">=", 5.0),
    "report_10_turns_s": ("<=", 2.0),
    "sessions_10000_list_s": ("<=", 0.5),
    "kiosk_idle_cpu_pct": ("<", 5.0),
    "kiosk_next_to_customer_s": ("<=", 0.5),
}
CONTENT_REPLY = ("I'm so sorry about this, Mr Morales, three trips for one part would wear anyone down. So the "
                 "alternator you were sold doesn't bolt on. Let me check the part number against your truck right "
                 "now, and I'll make sure you leave with the right one today.")

# The same decoding a bare faster-whisper user would run, on the same model dir.
_BARE = """
import sys
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", local_files_only=True)
segments, _ = model.transcribe(sys.argv[2], language="en", beam_size=5, word_timestamps=True)
print(" ".join(s.text for s in segments))
"""


def run_bench(fixtures: Path, *, runs: int = 3, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    from voicecoach import audio, prosody
    from voicecoach.config import load_settings
    from voicecoach.transcribe import Transcriber

    say = progress or (lambda _m: None)
    reply, repetitive = fixtures / REPLY, fixtures / REPETITIVE
    for path in (reply, repetitive):
        if not path.is_file():
            raise VoiceCoachError(f"benchmark audio {path} is missing; run from a source checkout")
    settings = load_settings()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "runs": runs}

    say("timing `voicecoach --help`…")
    results["help_s"] = _median(runs + 2, lambda: _child([sys.executable, "-m", "voicecoach", "--help"])[0])

    say("cold start: `score` with an empty model cache…")
    with tempfile.TemporaryDirectory() as cold:
        elapsed, rss = _child([sys.executable, "-m", "voicecoach", "score", str(reply), "--json"],
                              env={"VOICECOACH_CACHE_DIR": cold})
    results["cold_start_s"], cold_rss = elapsed, rss

    transcriber = Transcriber(settings)
    model_dir = str(transcriber.model_info.path)
    say("whole-process `score` vs bare faster-whisper…")
    score_runs, bare_runs = [], []
    # Interleaved, so that a slow spell of the machine hits both sides alike.
    for _ in range(runs):
        score_runs.append(_child([sys.executable, "-m", "voicecoach", "score", str(reply), "--json"]))
        bare_runs.append(_child([sys.executable, "-c", _BARE, model_dir, str(reply)]))
    results["score_process_s"] = statistics.median(t for t, _ in score_runs)
    results["bare_whisper_process_s"] = statistics.median(t for t, _ in bare_runs)
    results["score_vs_bare_whisper_ratio"] = results["score_process_s"] / results["bare_whisper_process_s"]
    results["peak_rss_mb"] = max([cold_rss] + [r for _, r in score_runs])

    say("in-process transcription and prosody…")
    rec, rep = audio.load(reply), audio.load(repetitive)
    transcriber.transcribe(rec)  # warm
    normal_s = _median(runs, lambda: _timed(lambda: transcriber.transcribe(rec)))
    repetitive_s = _median(runs, lambda: _timed(lambda: transcriber.transcribe(rep)))
    results["reply_duration_s"] = rec.duration_s
    results["transcribe_s"] = normal_s
    results["transcribe_rtf"] = normal_s / rec.duration_s
    results["repetitive_transcribe_s"] = repetitive_s
    results["repetitive_vs_normal_ratio"] = (repetitive_s / rep.duration_s) / (normal_s / rec.duration_s)
    transcript = transcriber.transcribe(rec)
    prosody.analyse(rec.samples, sample_rate=rec.sample_rate, transcript=transcript)  # warm the VAD session
    results["prosody_s"] = _median(
        runs + 2, lambda: _timed(lambda: prosody.analyse(rec.samples, sample_rate=rec.sample_rate, transcript=transcript))
    )
    say("content and combined checks…")
    results["content_checks_s"] = _content_time(runs + 2, transcript=transcript, rec=rec)
    say("a 6-turn text call judged as a conversation (score --call)…")
    results["score_call_6_turns_s"] = _call_time(runs + 2)
    say("HTML report of a 10-turn session…")
    results["report_10_turns_s"] = _report_time(fixtures, transcriber=transcriber, settings=settings, runs=runs)
    if _pulse_ready():
        say("live call on the PulseAudio virtual devices (19 s reply, then a short one)…")
        results.update(_live_figures(fixtures, transcriber, settings))
    else:
        say("no PulseAudio virtual devices (scripts/pulse-devices.sh): live figures skipped")
    say("re-scoring the demo's two stored sessions, whole process…")
    results.update(_rescore_figures())
    say("`voicecoach sessions --trainee X` over 10,000 indexed sessions, whole process…")
    results.update(_sessions_figures(fixtures, runs))
    say("kiosk station, headless: idle CPU on the welcome screen (10 s), key → customer speaking…")
    results.update(_kiosk_figures(fixtures, transcriber, runs))
    results["targets"] = {
        key: {"target": f"{op} {limit}", "met": _meets(results[key], op, limit)}
        for key, (op, limit) in TARGETS.items() if key in results
    }
    return results


def _meets(value: float, op: str, limit: float) -> bool:
    return {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[op]


def _rescore_figures() -> dict[str, float]:
    """`voicecoach rescore --all` as a trainer runs it, over the demo's stored sessions:
    audio seconds re-judged per wall-clock second, process start and workers included."""
    import json

    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as tmp:
        env = {**os.environ, "VOICECOACH_DATA_DIR": str(Path(tmp) / "data")}
        made = subprocess.run([sys.executable, "-m", "voicecoach", "demo", "--no-audio"], env=env,
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise VoiceCoachError(f"the demo failed while preparing the re-score benchmark: {made.stderr.strip()}")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "voicecoach", "rescore", "--all", "--json"], env=env,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise VoiceCoachError(f"rescore failed in the benchmark: {proc.stderr.strip()}")
        audio_s = json.loads(proc.stdout)["audio_s"]
    return {"rescore_audio_s": audio_s, "rescore_process_s": elapsed, "rescore_x_realtime": audio_s / elapsed}


def _sessions_figures(fixtures: Path, runs: int) -> dict[str, float]:
    """A trainer listing one trainee's sessions out of 10,000: the store is built once
    (benchmarks/sessions_index.py), then the query is timed, in process and as a whole command."""
    sys.path.insert(0, str(fixtures.parent / "benchmarks"))
    from sessions_index import PROBE, build_store, time_cli, time_in_process  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as tmp:
        root = Path(tmp) / "data"
        build_store(root, 10_000)
        query = ["--trainee", PROBE]
        in_process_s, _rows = time_in_process(root, query, runs + 2)
        # The target is held by the worst case: all 10,000 rows listed as JSON.
        return {"sessions_10000_query_s": in_process_s, "sessions_10000_trainee_s": time_cli(root, query, runs),
                "sessions_10000_list_s": time_cli(root, [], runs)}


def _kiosk_figures(fixtures: Path, transcriber: Any, runs: int) -> dict[str, float]:
    """The kiosk station run headless with recorded replies (benchmarks/kiosk_bench.py):
    CPU while it waits on the welcome screen, and the time from the key that starts a
    call to the customer's line reaching the speaker (cached line; the uncached one too).
    The 200-turn soak is not run here (minutes): `python benchmarks/kiosk_bench.py --soak`."""
    sys.path.insert(0, str(fixtures.parent / "benchmarks"))
    from kiosk_bench import idle_cpu, next_to_customer  # type: ignore[import-not-found]

    idle = idle_cpu(10.0)
    start = next_to_customer(transcriber, runs=runs)
    return {"kiosk_idle_cpu_pct": idle["idle_cpu_pct"], "kiosk_next_to_customer_s": start["next_to_customer_s"],
            "kiosk_next_to_customer_cold_s": start["next_to_customer_cold_s"],
            "kiosk_next_turn_to_customer_s": start["next_turn_to_customer_s"]}


def _pulse_ready() -> bool:
    import shutil

    if shutil.which("pactl") is None:
        return False
    sinks = subprocess.run(["pactl", "list", "short", "sinks"], capture_output=True, text=True, check=False).stdout
    return all(f"\t{name}\t" in sinks for name in ("speaker", "mic"))


def _live_figures(fixtures: Path, transcriber: Any, settings: Any) -> dict[str, float]:
    """A two-turn live call with angry-eddie: the demo's first good reply (19 s; it
    calms him, so the call goes on), then a short one, answered by the scripted
    trainee (benchmarks/scripted_trainee.py) through the virtual microphone."""
    import resource

    from voicecoach import audio, turn
    from voicecoach.live import LiveReplies
    from voicecoach.personas import get_persona
    from voicecoach.session import run_session
    from voicecoach.store import Store

    sys.path.insert(0, str(fixtures.parent / "benchmarks"))
    from scripted_trainee import Answer, Trainee  # type: ignore[import-not-found]

    persona = get_persona("angry-eddie")
    source = LiveReplies(transcriber=transcriber)
    marks: dict[str, float] = {}

    def on_event(kind: str, data: dict[str, Any]) -> None:
        if kind == "turn" and data["turn"] == 0:
            marks["feedback"] = time.perf_counter()
            marks["end_detected"] = source.timings.get("end_detected", float("nan"))
        elif kind == "turn" and data["turn"] == 1:
            marks["next_playback"] = source.timings.get("playback_started", float("nan"))

    baseline = turn.measure_baseline(audio.load(fixtures / "baseline_reading.wav"), transcriber=transcriber)
    bot = Trainee([Answer(fixtures / "demo_good_1.wav", gap_s=1.0), Answer(fixtures / "pause_0_3.wav", gap_s=1.0)]).start()
    with tempfile.TemporaryDirectory() as data_dir:
        store = Store(Path(data_dir))
        try:
            run_session(persona, trainee="bench", source=source, store=store, transcriber=transcriber,
                        baseline=baseline, cache_dir=settings.cache_path, max_turns=2, on_event=on_event)
        finally:
            bot.stop()
            store.close()
    if "next_playback" not in marks or marks["next_playback"] < marks["feedback"]:
        raise VoiceCoachError("the benchmark call ended before its second turn; are the virtual devices "
                              "in use by another process? (rerun `voicecoach bench`)")
    return {
        "live_feedback_after_end_s": marks["feedback"] - marks["end_detected"],
        "live_customer_after_feedback_s": marks["next_playback"] - marks["feedback"],
        "live_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def _report_time(fixtures: Path, *, transcriber: Any, settings: Any, runs: int) -> float:
    """Seconds to render the HTML report of a 10-turn session (audio encoded, pitch
    tracked): the demo's good run stored for real, its turns repeated to ten."""
    from voicecoach import audio, turn
    from voicecoach.personas import get_persona
    from voicecoach.report import render_report
    from voicecoach.session import FileReplies, run_session
    from voicecoach.store import Store

    files = sorted(fixtures.glob("demo_good_*.wav"))
    baseline = turn.measure_baseline(audio.load(fixtures / "baseline_reading.wav"), transcriber=transcriber)
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as data_dir:
        store = Store(Path(data_dir))
        try:
            session = run_session(get_persona("angry-eddie"), trainee="bench", source=FileReplies(files), store=store,
                                  transcriber=transcriber, baseline=baseline, cache_dir=settings.cache_path,
                                  max_turns=len(files))
            folder = store.folder(session["id"])
            stored = session["turns"]
            session["turns"] = [{**stored[i % len(stored)], "index": i} for i in range(10)]
            return _median(runs, lambda: _timed(lambda: render_report(session, folder)))
        finally:
            store.close()


def _content_time(n: int, *, transcript: Any, rec: Any) -> float:
    """Warm time of every content and combined check on one reply (the audio's own
    prosody included, so the combined rules run too)."""
    from voicecoach import prosody, turn
    from voicecoach.personas import get_persona
    from voicecoach.rules import TurnInput, run_checks
    from voicecoach.rules.thresholds import load_ruleset
    from voicecoach.types import Transcript, TurnContext, Word

    persona = get_persona("angry-eddie")
    context = TurnContext(persona=persona, customer_line=persona.opening, customer_name=persona.address_as)
    words = [Word(t, 1.0 + 0.35 * i, 1.3 + 0.35 * i, 0.9) for i, t in enumerate(CONTENT_REPLY.split())]
    typed = Transcript(CONTENT_REPLY, words, "en", False)
    report = prosody.analyse(rec.samples, sample_rate=rec.sample_rate, transcript=transcript)
    ruleset = load_ruleset()
    turn.judge_text(CONTENT_REPLY, context=context)  # warm: model, prototypes, rule set
    from voicecoach.embed import shared_embedder

    def once() -> float:
        shared_embedder().clear_cache()  # every clause and the customer's line embedded afresh
        return _timed(lambda: run_checks(TurnInput(typed, report, context, samples=rec.samples), ruleset))

    return _median(n, once)


CALL_REPLIES = (
    CONTENT_REPLY,
    "I hear you. Let me put your old alternator next to this one and compare the brackets myself, right now.",
    "Thank you for bearing with me. The rack was mislabelled; I'll fetch the right one from the back.",
    "That's not true, you must have told us the wrong engine. It's not my fault.",
    "I apologize, that was wrong of me. You gave us the right details. I'm fetching the right part now.",
    "It lines up. Let me walk out to your truck with you and check it fits, and you won't be charged again.",
)


def _call_time(n: int) -> float:
    """Warm time of `score --call` on a 6-turn typed call: every turn judged in the call so
    far, the customer's mood moved, the call summarized (no process start, no printing)."""
    from voicecoach.callfile import ScriptedCall, ScriptedTurn, judge_call
    from voicecoach.embed import shared_embedder
    from voicecoach.personas import get_persona
    from voicecoach.rules.thresholds import load_ruleset

    eddie = get_persona("angry-eddie")
    lines = [line for state in eddie.states for line in state.lines]
    scripted = ScriptedCall(Path("bench"), eddie.id, None,
                            tuple(ScriptedTurn(lines[i], reply, None, None) for i, reply in enumerate(CALL_REPLIES)))
    ruleset = load_ruleset()
    judge_call(scripted, ruleset=ruleset)  # warm

    def once() -> float:
        shared_embedder().clear_cache()
        return _timed(lambda: judge_call(scripted, ruleset=ruleset))

    return _median(n, once)


def render(results: dict[str, Any]) -> str:
    rows = [
        ("voicecoach --help", f"{results['help_s']:.3f} s"),
        ("cold start (score, empty model cache)", f"{results['cold_start_s']:.2f} s"),
        ("score, whole process (15 s reply)", f"{results['score_process_s']:.2f} s"),
        ("bare faster-whisper, whole process", f"{results['bare_whisper_process_s']:.2f} s"),
        ("score / bare ratio", f"{results['score_vs_bare_whisper_ratio']:.2f}"),
        ("transcription real-time factor", f"{results['transcribe_rtf']:.3f}"),
        ("repetitive / normal decoding ratio", f"{results['repetitive_vs_normal_ratio']:.2f}"),
        ("prosody per reply (warm)", f"{results['prosody_s'] * 1000:.0f} ms"),
        ("content + combined checks (warm)", f"{results['content_checks_s'] * 1000:.0f} ms"),
        ("score --call, 6-turn text call (warm)", f"{results['score_call_6_turns_s']:.2f} s"),
        ("peak RSS", f"{results['peak_rss_mb']:.0f} MB"),
        ("HTML report, 10-turn session", f"{results['report_10_turns_s']:.2f} s"),
        (f"rescore --all, whole process ({results['rescore_audio_s']:.0f} s of replies)",
         f"{results['rescore_process_s']:.1f} s = {results['rescore_x_realtime']:.1f}x real time"),
        ("sessions --trainee X of 10,000, whole process", f"{results['sessions_10000_trainee_s']:.3f} s "
         f"(query {results['sessions_10000_query_s'] * 1000:.0f} ms)"),
        ("sessions, all 10,000 listed, whole process", f"{results['sessions_10000_list_s']:.3f} s"),
        ("kiosk: CPU idle on the welcome screen", f"{results['kiosk_idle_cpu_pct']:.2f} % of a core"),
        ("kiosk: key → customer line to the speaker", f"{results['kiosk_next_to_customer_s']:.3f} s "
         f"(uncached line {results['kiosk_next_to_customer_cold_s']:.3f} s)"),
    ]
    if "live_feedback_after_end_s" in results:
        rows += [
            ("live: feedback after end of turn (19 s reply)", f"{results['live_feedback_after_end_s']:.2f} s"),
            ("live: customer speaks after the feedback", f"{results['live_customer_after_feedback_s']:.2f} s"),
            ("live: peak RSS of the practising process", f"{results['live_peak_rss_mb']:.0f} MB"),
        ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    lines.append("")
    for key, target in results["targets"].items():
        lines.append(f"{'met ' if target['met'] else 'MISS'}  {key} {target['target']}")
    return "\n".join(lines)


def _child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB) of that child alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.stderr else []
        raise VoiceCoachError(f"benchmark command failed ({' '.join(cmd[:4])}…): {err[-1] if err else proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024.0


def _timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _median(n: int, func: Callable[[], float]) -> float:
    return statistics.median(func() for _ in range(n))

"""The `voicecoach` command. Heavy modules are imported inside each command."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

from voicecoach import __version__
from voicecoach.errors import VoiceCoachError

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "audio_fixtures"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except VoiceCoachError as exc:
        print(f"voicecoach: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("voicecoach: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voicecoach",
        description="Offline voice role-play trainer for call-centre staff: hear a reply, judge how it was said.",
    )
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("score", help="score one reply (audio file or --text), or a whole call (--call)")
    p.add_argument("audio", nargs="?", type=Path, help="the reply (WAV/FLAC/OGG/MP3); time 0 = customer stopped")
    p.add_argument("--text", help="score a typed reply instead of audio (acoustic checks are null)")
    p.add_argument("--call", type=Path, metavar="CALL.json",
                   help="judge a whole call as a conversation: {persona, trainee?, turns: [{customer_line, reply|audio}]}")
    p.add_argument("--baseline", type=Path, help="a calm calibration reading by the same speaker")
    p.add_argument("--reply-pause", type=float, metavar="S", help="reply pause in seconds (instead of the leading silence)")
    p.add_argument("--persona", metavar="ID", help="the customer being answered (see `voicecoach personas list`)")
    p.add_argument("--turn", type=int, default=0, metavar="N", help="which reply of the call this is, from 0")
    p.add_argument("--customer-line", metavar="TEXT", help="what the customer just said (default: the persona's line)")
    p.add_argument("--customer-name", metavar="NAME", help="the customer's name (default: the persona's)")
    p.add_argument("--agent-name", metavar="NAME", help="the trainee's own name")
    p.add_argument("--rules", type=Path, help="house-rules TOML: thresholds, weights, combined rules")
    p.add_argument("--model", type=Path, help="a faster-whisper model dir instead of the bundled one")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_cmd_score)

    p = sub.add_parser("transcribe", help="transcribe an audio file with word timings")
    p.add_argument("audio", type=Path)
    p.add_argument("--model", type=Path, help="a faster-whisper model dir instead of the bundled one")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_transcribe)

    p = sub.add_parser("personas", help="list, show or check difficult-customer personas")
    p.add_argument("action", nargs="?", default="list", choices=["list", "show", "check"])
    p.add_argument("target", nargs="?", help="persona id (show) or persona file (check)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_personas)

    p = sub.add_parser("doctor", help="check the model, speech synthesis, audio devices and folders")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_doctor)

    p = sub.add_parser("bench", help="measure speed and memory on this machine")
    p.add_argument("--json", action="store_true")
    p.add_argument("--runs", type=int, default=3, help="repetitions per timing (median reported)")
    p.set_defaults(run=_cmd_bench)

    p = sub.add_parser("demo", help="two whole practice calls from recorded replies (no microphone needed)")
    p.add_argument("--no-audio", action="store_true", help="do not play the customer's voice")
    p.set_defaults(run=_cmd_demo)

    p = sub.add_parser("practice", help="a live call: the customer speaks, you answer into the microphone")
    p.add_argument("--persona", default="angry-eddie", metavar="ID", help="which customer (default angry-eddie)")
    p.add_argument("--trainee", default="trainee", metavar="NAME", help="whose session this is (baseline and history)")
    p.add_argument("--input-device", metavar="D", help="microphone (index or name; default: the system's)")
    p.add_argument("--output-device", metavar="D", help="speaker (index or name; default: the system's)")
    p.add_argument("--baseline", type=Path, metavar="WAV", help="a calm reading to use instead of calibrating")
    p.add_argument("--recalibrate", action="store_true", help="record a new calm reading for this trainee")
    p.add_argument("--max-turns", type=int, metavar="N", help="stop after N replies")
    p.set_defaults(run=_cmd_practice)

    p = sub.add_parser("kiosk", help="the unattended practice station: a full-screen app that never exits on an error")
    p.add_argument("--station", metavar="NAME", help="this station's name, stored with each session (station_name)")
    p.add_argument("--idle", type=float, metavar="S", help="back to the welcome screen after S seconds untouched "
                                                          "(kiosk_idle_s; default 120)")
    p.add_argument("--key", metavar="KEY", help="the one 'push to talk / next' key (kiosk_key; default space)")
    p.add_argument("--input-device", metavar="D", help="microphone (index or name; default: the system's)")
    p.add_argument("--output-device", metavar="D", help="speaker (index or name; default: the system's)")
    p.add_argument("--set-pin", action="store_true", help="set the trainer PIN (stored hashed in the settings file) and exit")
    p.set_defaults(run=_cmd_kiosk)

    p = sub.add_parser("progress", help="a trainee's scores and HEART steps over time, and what they miss most")
    p.add_argument("trainee", metavar="TRAINEE")
    p.add_argument("--persona", metavar="ID", help="only sessions with this customer")
    p.add_argument("--html", type=Path, metavar="OUT", help="also write a chart page (self-contained HTML)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_cmd_progress)

    p = sub.add_parser("rescore", help="re-judge stored replies with today's model and rules (keeps the old result)")
    p.add_argument("sessions", nargs="*", metavar="SESSION")
    p.add_argument("--all", action="store_true", help="every stored session")
    p.add_argument("--rules", type=Path, help="house-rules TOML: thresholds, weights, combined rules")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: one per core)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_cmd_rescore)

    p = sub.add_parser("sessions", help="list, show, delete or prune stored sessions; check or repair the index")
    p.add_argument("action", nargs="?", default="list", choices=["list", "show", "delete", "prune"])
    p.add_argument("session", nargs="*", metavar="SESSION", help="session id (show: one; delete: one or more)")
    p.add_argument("--trainee", metavar="NAME", help="only this trainee's sessions")
    p.add_argument("--persona", metavar="ID", help="only sessions with this customer")
    p.add_argument("--since", metavar="DATE", help="started on or after (YYYY-MM-DD or ISO date-time, UTC)")
    p.add_argument("--until", metavar="DATE", help="started on or before (a date includes the whole day)")
    p.add_argument("--min-score", type=float, metavar="N", help="session score at least N")
    p.add_argument("--max-score", type=float, metavar="N", help="session score at most N")
    p.add_argument("--all", action="store_true", help="delete: every session of --trainee")
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.add_argument("--days", type=int, metavar="N", help="prune: delete recordings older than N days "
                                                         "(default: the retention_days setting)")
    p.add_argument("--check", action="store_true", help="read every session file and report problems")
    p.add_argument("--repair", action="store_true", help="rebuild the index from the session folders")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_cmd_sessions)

    p = sub.add_parser("export", help="one session as a zip: session.json, recordings and report.html")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("-o", "--output", type=Path, metavar="OUT.zip", help="default: <session id>.zip here")
    p.set_defaults(run=_cmd_export)

    p = sub.add_parser("import", help="add a session exported with `voicecoach export` (checked first)")
    p.add_argument("archive", type=Path, metavar="ZIP")
    p.set_defaults(run=_cmd_import)

    p = sub.add_parser("report", help="one session as a self-contained HTML page (audio, plots, checks, feedback)")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--html", type=Path, metavar="OUT", help="where to write it (default: report.html in the session folder)")
    p.set_defaults(run=_cmd_report)

    p = sub.add_parser("replay", help="walk through a stored session in the terminal, with its audio")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--no-audio", action="store_true", help="only print, do not play the recordings")
    p.set_defaults(run=_cmd_replay)
    return parser


def _settings(args: argparse.Namespace) -> Any:
    from voicecoach.config import load_settings

    return load_settings(model=getattr(args, "model", None))


def _cmd_transcribe(args: argparse.Namespace) -> int:
    from voicecoach import audio
    from voicecoach.transcribe import shared_transcriber

    settings = _settings(args)
    recording = audio.load(args.audio, max_duration_s=settings.max_audio_s)
    _warn(audio.clipping_warning(recording))
    transcript = shared_transcriber(settings).transcribe(recording)
    if args.json:
        print(json.dumps(asdict(transcript)))
    elif transcript.no_speech:
        print("(no speech)")
    else:
        print(transcript.text)
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from voicecoach import turn
    from voicecoach.rules.thresholds import load_ruleset

    if args.call is not None:
        return _score_call(args)
    if args.audio is None and args.text is None:
        raise VoiceCoachError("give an audio file to score, or --text \"the reply\", or --call CALL.json")
    if args.audio is not None and args.text is not None:
        raise VoiceCoachError("give either an audio file or --text, not both")
    if args.reply_pause is not None and not -30.0 <= args.reply_pause <= 60.0:
        raise VoiceCoachError("--reply-pause must be seconds between -30 and 60")
    if args.turn < 0:
        raise VoiceCoachError("--turn counts replies from 0")
    ruleset = load_ruleset(args.rules)
    settings = _settings(args)
    persona = None
    if args.persona:
        from voicecoach.personas import get_persona

        persona = get_persona(args.persona)
    context = _context(args, persona)
    if args.text is not None:
        if args.baseline is not None:
            _warn("--baseline is ignored with --text: there is no audio to compare")
        judged = turn.judge_text(args.text, context=context, ruleset=ruleset)
    else:
        from dataclasses import replace

        from voicecoach import audio
        from voicecoach.transcribe import shared_transcriber

        recording = audio.load(args.audio, max_duration_s=settings.max_audio_s)
        baseline_rec = audio.load(args.baseline, max_duration_s=settings.max_audio_s) if args.baseline else None
        transcriber = shared_transcriber(settings)
        if baseline_rec is not None:
            baseline = turn.measure_baseline(baseline_rec, transcriber=transcriber, cache_dir=settings.cache_path)
            context = replace(context, baseline=baseline)
        judged = turn.judge_recording(recording, transcriber=transcriber, context=context,
                                      ruleset=ruleset, reply_pause_s=args.reply_pause)
    for warning in judged.warnings:
        _warn(warning)
    if args.json:
        print(json.dumps(score_json(judged, context)))
    else:
        print(_score_text(judged))
    return 0


def _score_call(args: argparse.Namespace) -> int:
    from voicecoach.callfile import judge_call, load_call
    from voicecoach.personas import get_persona
    from voicecoach.rules.thresholds import load_ruleset

    if args.audio is not None or args.text is not None:
        raise VoiceCoachError("--call judges a whole call: give no audio file or --text with it")
    refused = {"--persona": (args.persona is not None, "the call file names its persona"),
               "--customer-line": (args.customer_line is not None, "each turn of the call file has its customer line"),
               "--reply-pause": (args.reply_pause is not None, "give reply_pause_s per turn in the call file"),
               "--turn": (args.turn != 0, "the call file's turns are numbered in order"),
               "--customer-name": (args.customer_name is not None, "the customer's name comes from the persona"),
               "--baseline": (args.baseline is not None, "a call is judged without a baseline (pitch and loudness "
                                                         "against each reply's own start)")}
    for flag, (given, why) in refused.items():
        if given:
            raise VoiceCoachError(f"{flag} cannot be used with --call: {why}")
    scripted = load_call(args.call)
    try:
        get_persona(scripted.persona_id)  # an unknown id fails before any work, listing the valid ones
    except VoiceCoachError as exc:
        raise type(exc)(f"{args.call}: persona: {exc}") from None
    ruleset = load_ruleset(args.rules)
    settings = _settings(args)

    def transcriber() -> Any:
        from voicecoach.transcribe import shared_transcriber

        return shared_transcriber(settings)

    result = judge_call(scripted, ruleset=ruleset, transcriber=transcriber, max_audio_s=settings.max_audio_s,
                        warn=_warn, agent_name=args.agent_name)
    if args.json:
        print(json.dumps(result))
    else:
        print(_call_text(result))
    return 0


def _call_text(result: dict[str, Any]) -> str:
    lines = []
    for t in result["turns"]:
        score = "n/a" if t["score"] is None else f"{t['score']:.0f}"
        lines.append(f"Turn {t['turn'] + 1} ({t['state']}): score {score}, customer {t['outcome']}")
        lines.append(f"  Customer: {t['customer_line']}")
        lines.append(f"  You: {t['transcript'] or '(no speech)'}")
        for item in t["feedback"]:
            lines.append(f"  - {item['text']}")
    session = result["session"]
    score = "n/a" if session["score"] is None else f"{session['score']:.0f}"
    lines.append(f"Call score {score}; outcome: {session['outcome']}")
    steps = []
    for step, value in session["heart"].items():
        done = f"turn {value['turn'] + 1}" if value["turn"] is not None else "not done"
        steps.append(f"{step.replace('_', ' ')}: {done}")
    lines.append("HEART: " + "; ".join(steps))
    if session["feedback"]:
        lines.append("Practise next:")
        for i, item in enumerate(session["feedback"], 1):
            tip = f" Try: \u201c{item['try']}\u201d" if item["try"] else ""
            lines.append(f"  {i}. (turn {item['turn'] + 1}) {item['why']}{tip}")
    return "\n".join(lines)


def _context(args: argparse.Namespace, persona: Any) -> Any:
    from voicecoach.types import TurnContext

    line = args.customer_line
    if line is None and persona is not None:
        start = persona.state(persona.start_state)
        line = start.lines[args.turn % len(start.lines)]
    name = args.customer_name or (persona.address_as if persona is not None else None)
    return TurnContext(persona=persona, turn_index=args.turn, customer_line=line or "", customer_name=name,
                       agent_name=args.agent_name)


def score_json(judged: Any, context: Any = None) -> dict[str, Any]:
    """The `score --json` contract (DESIGN.md)."""
    outcome = None
    if context is not None and context.persona is not None:
        from voicecoach.personas import turn_outcome
        from voicecoach.rules.thresholds import load_ruleset

        outcome = turn_outcome(judged.checks, load_ruleset(), context.persona)
    from voicecoach.turn import turn_record

    return {
        "persona": context.persona.id if context is not None and context.persona is not None else None,
        "turn": context.turn_index if context is not None else 0,
        "customer_line": context.customer_line if context is not None else "",
        "outcome": outcome,
        **turn_record(judged),
    }


def _score_text(judged: Any) -> str:
    lines = [f"Transcript: {judged.transcript.text or '(no speech)'}"]
    p = judged.prosody
    if p is not None and p.speech_spans:
        def fmt(value: float | None, spec: str, unit: str) -> str:
            return "n/a" if value is None else f"{value:{spec}}{unit}"

        lines.append(
            f"Delivery:   reply pause {fmt(p.reply_pause_s, '.1f', ' s')}, pace {fmt(p.speech_rate_wpm, '.0f', ' wpm')}, "
            f"pitch {fmt(p.pitch_median_hz, '.0f', ' Hz')}"
            + (f" ({p.pitch_shift_st:+.1f} st vs baseline)" if p.pitch_shift_st is not None else "")
            + f", loudness {fmt(p.loudness_db, '.1f', ' dBFS')}"
            + (f" ({p.loudness_shift_db:+.1f} dB vs baseline)" if p.loudness_shift_db is not None else "")
            + f", longest pause {p.longest_pause_s:.1f} s, fillers {p.filler_count}"
        )
    score = judged.score.score_0_100
    lines.append(f"Score:      {'n/a' if score is None else f'{score:.0f}/100'}")
    lines.append("Checks:")
    for c in judged.checks:
        mark = {True: "ok  ", False: "MISS", None: " -  "}[c.passed]
        lines.append(f"  {mark} {c.id:<16} {c.message}")
    heart = {k: v for k, v in judged.score.heart.items() if v is not None}
    if heart:
        lines.append("HEART:      " + ", ".join(f"{k.replace('_', ' ')} {v:.0f}" for k, v in heart.items()))
    if judged.score.feedback:
        lines.append("Work on:")
        for i, item in enumerate(judged.score.feedback, 1):
            at = f" (at {item.start_s:.1f} s)" if item.start_s is not None else ""
            lines.append(f"  {i}. {item.text}{at}")
            if item.suggestion:
                lines.append(f"     Try: \"{item.suggestion.strip(chr(34))}\"")
    return "\n".join(lines)


def _cmd_personas(args: argparse.Namespace) -> int:
    from voicecoach import personas

    if args.action == "list":
        found = personas.list_personas()
        if args.json:
            print(json.dumps([{"id": p.id, "title": p.title, "customer_type": p.customer_type,
                               "customer_name": p.customer_name} for p in found]))
        else:
            width = max(len(p.id) for p in found)
            for p in found:
                print(f"{p.id:<{width}}  {p.customer_type:<16} {p.title}")
        return 0
    if not args.target:
        raise VoiceCoachError(f"`personas {args.action}` needs a {'persona id' if args.action == 'show' else 'file'}")
    if args.action == "show":
        persona = personas.get_persona(args.target)
        if args.json:
            print(json.dumps(asdict(persona)))
        else:
            print(f"{persona.title} ({persona.id}, {persona.customer_type})")
            print(f"Customer: {persona.customer_name}, address as {persona.address_as}")
            print(f"Situation: {persona.situation}")
            print(f"Resolved when: {persona.resolution}")
            print(f"Opening: \"{persona.opening}\"")
            print(f"States: {' -> '.join(f'{s.id} ({s.mood})' for s in persona.states)}; up to {persona.max_turns} turns")
            print("Weighted checks: " + ", ".join(f"{k} x{v:g}" for k, v in persona.checks.items()))
        return 0
    persona = personas.load_persona(Path(args.target))
    print(f"{args.target}: ok ({persona.id}, {len(persona.states)} states)")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from voicecoach.doctor import diagnose, render

    report = diagnose(_settings(args))
    print(json.dumps(report) if args.json else render(report))
    return 0 if report["ok"] else 1


def _cmd_bench(args: argparse.Namespace) -> int:
    from voicecoach.bench import render, run_bench

    if args.runs < 1:
        raise VoiceCoachError("--runs must be at least 1")
    results = run_bench(FIXTURES, runs=args.runs, progress=None if args.json else _progress)
    print(json.dumps(results, indent=2) if args.json else render(results))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from voicecoach import audio, turn
    from voicecoach.personas import get_persona
    from voicecoach.session import FileReplies, run_session
    from voicecoach.store import Store
    from voicecoach.transcribe import shared_transcriber

    if not FIXTURES.is_dir():
        raise VoiceCoachError(f"the example replies are not here ({FIXTURES}); run the demo from a source checkout")
    settings = _settings(args)
    persona = get_persona("angry-eddie")
    store = Store(settings.data_path, retention_days=settings.retention_days)
    transcriber = shared_transcriber(settings)
    print(f"voicecoach demo: two calls with {persona.customer_name} ({persona.title.lower()}),")
    print("answered by recorded replies: a calm, well-built run and a defensive, agitated one.\n")
    baseline = turn.measure_baseline(audio.load(FIXTURES / "baseline_reading.wav"), transcriber=transcriber,
                                     cache_dir=settings.cache_path)
    player = None
    if not args.no_audio and sys.stdout.isatty():
        from voicecoach import live

        player = live.speaker_or_none()
    runs = (("A good run", sorted(FIXTURES.glob("demo_good_*.wav"))), ("A poor run", sorted(FIXTURES.glob("demo_poor_*.wav"))))
    session_ids = []
    for title, files in runs:
        print(f"=== {title} ===")
        session = run_session(persona, trainee="demo", source=FileReplies(files, player=player), store=store,
                              transcriber=transcriber, baseline=baseline, cache_dir=settings.cache_path,
                              max_turns=len(files), on_event=print_event)
        session_ids.append(session["id"])
        print()
    from voicecoach.report import write_report

    print(f"Sessions stored in {store.sessions_dir}; list them with `voicecoach sessions`.")
    for session_id in session_ids:
        print(f"Report: {write_report(store, session_id)}")
    return 0


CALIBRATION_TEXT = ("The north wind and the sun were arguing about which of them was stronger, when a traveller "
                    "came along wrapped in a warm cloak. They agreed that whoever made him take off his cloak first "
                    "would be called the stronger.")


def _device(value: str | None) -> Any:
    return int(value) if value is not None and value.isdigit() else value


def _cmd_practice(args: argparse.Namespace) -> int:
    from voicecoach import audio, live, turn
    from voicecoach.personas import get_persona
    from voicecoach.session import run_session
    from voicecoach.store import Store
    from voicecoach.transcribe import shared_transcriber

    if args.max_turns is not None and args.max_turns < 1:
        raise VoiceCoachError("--max-turns must be at least 1")
    interactive = sys.stdin.isatty()
    settings = _settings(args)
    persona = get_persona(args.persona)
    store = Store(settings.data_path, retention_days=settings.retention_days)
    transcriber = shared_transcriber(settings)
    meter = _level_meter if interactive and sys.stdout.isatty() else None
    options = live.LiveOptions(end_silence_s=settings.end_silence_s, no_reply_s=settings.no_reply_s)
    source = live.LiveReplies(input_device=_device(args.input_device), output_device=_device(args.output_device),
                              transcriber=transcriber, talk_over=persona.on_interruption == "talk_over",
                              on_level=meter, options=options)
    if args.baseline is not None:
        baseline = turn.measure_baseline(audio.load(args.baseline), transcriber=transcriber, cache_dir=settings.cache_path)
    else:
        baseline = None if args.recalibrate else store.baseline(args.trainee)
        if baseline is None:
            print("Calibration: read this aloud in your normal, calm voice, then stop.\n")
            print(f"  {CALIBRATION_TEXT}\n")
            if interactive:
                input("Press Enter, then start reading. ")
            reading = source.record(max_s=30.0)
            baseline = turn.measure_baseline(reading, transcriber=transcriber)
            store.save_baseline(args.trainee, baseline)
            print("Baseline saved.\n")
    print(f"{persona.title}: {persona.situation}\n")
    if interactive:
        input("Press Enter to start the call. ")
    run_session(persona, trainee=args.trainee, source=source, store=store, transcriber=transcriber,
                baseline=baseline, cache_dir=settings.cache_path, max_turns=args.max_turns, on_event=print_event)
    return 0


def _cmd_kiosk(args: argparse.Namespace) -> int:
    import logging
    import threading
    import time

    from voicecoach import kiosk
    from voicecoach.config import _config_file, load_settings

    if args.set_pin:
        return _set_pin(_config_file())
    kiosk.limit_malloc_arenas()  # before the model-loading thread below gets an arena of its own
    if args.idle is not None and args.idle <= 0:
        raise VoiceCoachError("--idle must be a positive number of seconds")
    settings = load_settings(station_name=args.station, kiosk_idle_s=args.idle, kiosk_key=args.key)
    log_file = kiosk.setup_logging(settings.data_path)
    log = logging.getLogger("voicecoach.kiosk")
    transcriber = kiosk.shared_loader(settings)
    # Load the model while the first trainee types their name.
    threading.Thread(target=transcriber, daemon=True).start()
    while True:
        app = kiosk.live_app(settings, input_device=_device(args.input_device),
                             output_device=_device(args.output_device), transcriber=transcriber)
        started = time.monotonic()
        try:
            app.run(mouse=False)
        except Exception:  # noqa: BLE001 - a station restarts rather than exits
            log.exception("the station app stopped unexpectedly; restarting")
        else:
            if app.return_code == 0:
                print(f"voicecoach kiosk stopped by a trainer (log: {log_file})")
                return 0
            log.error("the station app stopped with code %s; restarting", app.return_code)
        time.sleep(1.0 if time.monotonic() - started > 30 else 10.0)  # no tight restart loop


def _set_pin(config_file: Path) -> int:
    import getpass

    from voicecoach.kiosk import hash_pin, write_pin_hash

    if sys.stdin.isatty():
        pin = getpass.getpass("New trainer PIN (4-12 digits): ")
        if getpass.getpass("Again: ") != pin:
            raise VoiceCoachError("the two PINs differ; nothing was changed")
    else:
        pin = sys.stdin.readline().strip()
    write_pin_hash(config_file, hash_pin(pin))
    print(f"trainer PIN set in {config_file}")
    return 0


def _level_meter(level_db: float) -> None:
    bars = int(max(0.0, min(1.0, (level_db + 60.0) / 60.0)) * 30)
    print(f"\r  mic [{'#' * bars}{' ' * (30 - bars)}]", end="", flush=True)


def print_event(kind: str, data: dict[str, Any]) -> None:
    """Terminal captions, per-turn feedback and the end-of-call summary."""
    if kind == "customer":
        who = "Customer" if not data.get("final") else "Customer (closing)"
        print(f"{who}: \"{data['line']}\"")
    elif kind == "turn":
        record = data["record"]
        if record.get("interrupted"):
            print("  (you spoke over the customer)")
        said = record.get("transcript") or "(no reply heard)"
        print(f"  You: \"{said}\"")
        if record.get("score") is not None:
            reaction = {"calms": "calms down", "escalates": "gets angrier", "holds": "is not convinced yet",
                        "silent": "waits"}.get(record["outcome"], record["outcome"])
            print(f"  Score {record['score']:.0f}/100; the customer {reaction}.")
        for item in record.get("feedback", [])[:3]:
            at = f" [{item['start_s']:.1f} s]" if item.get("start_s") is not None else ""
            print(f"   - {item['text']}{at}")
            if item.get("suggestion"):
                print(f"     Try: \"{item['suggestion'].strip(chr(34))}\"")
        if record.get("error"):
            print(f"  ! {record['error']}")
    elif kind == "end":
        session = data["session"]
        summary = session.get("summary") or {}
        score = summary.get("score")
        ending = {"resolved": "resolved", "escalated": "lost: the customer escalated", "turn_limit": "out of time",
                  "stopped": "stopped"}.get(session.get("outcome"), session.get("outcome"))
        print(f"Call {ending}. Session score: {'n/a' if score is None else f'{score:.0f}/100'} "
              f"over {summary.get('turns', 0)} turn(s). Session {session['id']}.")
        heart = summary.get("heart") or {}
        if heart:
            steps = [f"{step.replace('_', ' ')} {'turn ' + str(v['turn'] + 1) if v.get('turn') is not None else 'not done'}"
                     for step, v in heart.items() if isinstance(v, dict)]
            print("HEART over the call: " + "; ".join(steps) + ".")
        if summary.get("practice_next"):
            print("Practise next:")
            for i, item in enumerate(summary["practice_next"], 1):
                where = f" (turn {item['turn'] + 1})" if isinstance(item.get("turn"), int) else ""
                print(f"  {i}. {item['check_id']}{where}: {item['try']}")


def _cmd_report(args: argparse.Namespace) -> int:
    from voicecoach.report import write_report
    from voicecoach.store import Store

    print(write_report(Store(_settings(args).data_path), args.session, args.html))
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    from voicecoach.report import load_session, replay
    from voicecoach.store import Store

    store = Store(_settings(args).data_path)
    session = load_session(store, args.session)
    play = None
    if not args.no_audio:
        from voicecoach import live

        # speaker_or_none tells whether there is any output device at all.
        play = live.play_recording if live.speaker_or_none() is not None else None
        if play is None:
            _warn("no audio output device: replaying the text only")
    replay(session, store.folder(args.session), play=play)
    return 0


def _cmd_sessions(args: argparse.Namespace) -> int:
    from voicecoach.store import Store

    settings = _settings(args)
    store = Store(settings.data_path)
    if args.check and args.repair:
        raise VoiceCoachError("use --check or --repair, not both (--check only reports; --repair rebuilds the index)")
    if args.check or args.repair:
        return _sessions_check(store) if args.check else _sessions_repair(store)
    if args.action == "delete":
        return _sessions_delete(store, args)
    if args.action == "prune":
        return _sessions_prune(store, args.days if args.days is not None else settings.retention_days, args.json)
    if args.action == "show":
        if len(args.session) != 1:
            raise VoiceCoachError("`sessions show` needs one session id; list them with `voicecoach sessions`")
        session = store.load(args.session[0])
        if args.json:
            print(json.dumps(session))
        else:
            print(f"{session['id']}  {session['trainee']}  {session['persona_id']}  {session['started_at']}  "
                  f"outcome {session.get('outcome')}  score {session.get('score')}")
            for number, t in enumerate(session.get("turns") or [], 1):
                t = t if isinstance(t, dict) else {}
                print(f"  {number}. customer: {t.get('customer_line', '(not recorded)')}")
                print(f"     trainee: {t.get('transcript') or '(silence)'}  -> {t.get('score')} ({t.get('outcome')})")
        return 0
    rows = _listed(store, args)
    for warning in store.listing_warnings(rows):
        _warn(warning)
    if args.json:
        print(json.dumps(rows))
    elif not rows:
        print("no sessions yet")
    else:
        for r in rows:
            score = "n/a" if r["score"] is None else f"{r['score']:.0f}"
            print(f"{r['id']}  {r['trainee']:<12} {r['persona_id']:<18} {r['started_at']}  turns {r['turns']}  "
                  f"score {score:>3}  {r['outcome'] or 'in progress'}")
    return 0


def _listed(store: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    from voicecoach.store import time_bound

    return store.list(
        trainee=args.trainee, persona_id=args.persona, min_score=args.min_score, max_score=args.max_score,
        since=None if args.since is None else time_bound(args.since, option="--since"),
        until=None if args.until is None else time_bound(args.until, option="--until", end=True),
    )


def _sessions_check(store: Any) -> int:
    problems = store.check()
    for problem in problems:
        print(problem)
    if problems:
        from voicecoach.errors import StoreError

        raise StoreError(f"{len(problems)} problem(s) found; `voicecoach sessions --repair` rebuilds the index "
                              f"(missing recordings cannot be restored)")
    print("all sessions readable; the index matches the folders")
    return 0


def _sessions_repair(store: Any) -> int:
    report = store.repair()
    for folder in report.unreadable:
        _warn(f"unreadable session folder {folder}; left as is (fix or delete it)")
    print(f"Index rebuilt from {store.sessions_dir}: {report.added} added, {report.updated} updated, "
          f"{report.dropped} dropped (folder gone), {len(report.unreadable)} unreadable.")
    return 0


def _sessions_delete(store: Any, args: argparse.Namespace) -> int:
    if args.all and (args.session or not args.trainee):
        raise VoiceCoachError("use either `sessions delete ID...` or `sessions delete --trainee NAME --all`")
    ids = store.ids_of(args.trainee) if args.all else list(args.session)
    if not ids:
        raise VoiceCoachError(f"no sessions of '{args.trainee}' to delete" if args.all else
                              "name the sessions to delete, or use --trainee NAME --all")
    unknown = [sid for sid in ids if not store.exists(sid)]
    if unknown:
        raise VoiceCoachError(f"no session '{unknown[0]}'; nothing deleted; list them with `voicecoach sessions`")
    if not args.yes:
        if not sys.stdin.isatty():
            raise VoiceCoachError(f"deleting {len(ids)} session(s) needs --yes when not run from a terminal; nothing deleted")
        answer = input(f"Delete {len(ids)} session(s) with their recordings for good? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    print(f"Deleted {store.delete(ids)} session(s).")
    if args.all:
        # Everything of this trainee goes, their calm baseline included: it is measured from their voice.
        store.forget_trainee(args.trainee)
    return 0


def _sessions_prune(store: Any, days: int | None, as_json: bool) -> int:
    from dataclasses import asdict

    if not days:
        raise VoiceCoachError("no retention period: pass --days N or set retention_days "
                              "(VOICECOACH_RETENTION_DAYS) to more than 0")
    report = store.apply_retention(days)
    for problem in report.problems:
        _warn(problem)
    if as_json:
        print(json.dumps(asdict(report)))
    else:
        print(f"Deleted {report.files} recording(s) ({report.bytes / 1e6:.1f} MB) from {report.sessions} session(s) "
              f"started more than {days} day(s) ago; their scores and transcripts are kept.")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from voicecoach.archive import export_session
    from voicecoach.store import Store

    path, warnings = export_session(Store(_settings(args).data_path), args.session, args.output)
    for warning in warnings:
        _warn(warning)
    print(path)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from voicecoach.archive import import_session, read_archive
    from voicecoach.store import Store

    archive = read_archive(args.archive)  # checked before the store is touched
    print(import_session(Store(_settings(args).data_path), archive))
    return 0

def _cmd_rescore(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from voicecoach.rescore import rescore
    from voicecoach.store import Store

    if bool(args.all) == bool(args.sessions):
        raise VoiceCoachError("name the sessions to re-score, or pass --all (not both)")
    if args.workers is not None and args.workers < 1:
        raise VoiceCoachError("--workers must be at least 1")
    settings = _settings(args)
    store = Store(settings.data_path)
    ids = [row["id"] for row in store.list()] if args.all else list(args.sessions)
    if not ids:
        print("no sessions to re-score")
        return 0
    report = rescore(store, ids, settings=settings, rules_path=args.rules, workers=args.workers,
                     on_progress=_progress_bar("re-scoring", sys.stderr.isatty()))
    for reason in report.skipped:
        _warn(f"skipped {reason}")
    if args.json:
        print(json.dumps({**asdict(report), "realtime_factor": report.realtime_factor}))
        return 0
    for change in report.changes:
        old = "n/a" if change["old_score"] is None else f"{change['old_score']:.0f}"
        new = "n/a" if change["new_score"] is None else f"{change['new_score']:.0f}"
        flipped = f"  checks changed: {', '.join(change['checks_changed'])}" if change["checks_changed"] else ""
        print(f"{change['session']}  turn {change['turn']}: {old} -> {new}{flipped}")
    speed = f", {report.realtime_factor:.1f}x real time" if report.realtime_factor else ""
    print(f"Re-scored {report.turns} turn(s) in {len(report.sessions)} session(s): {report.audio_s:.0f} s of audio "
          f"in {report.elapsed_s:.1f} s{speed}. The previous results are kept in each turn's \"previous\".")
    return 0


def _progress_bar(label: str, interactive: bool) -> Any:
    """A one-line bar on a terminal; a line per tenth of the work otherwise (logs stay short)."""
    shown = {"step": -1}

    def update(done: int, total: int) -> None:
        if interactive:
            filled = int(30 * done / max(total, 1))
            end = "\n" if done == total else ""
            print(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif (step := 10 * done // max(total, 1)) != shown["step"]:
            shown["step"] = step
            print(f"{label}: {done}/{total}", file=sys.stderr, flush=True)

    return update


def _cmd_progress(args: argparse.Namespace) -> int:
    from voicecoach.progress import progress, render_html, render_text
    from voicecoach.store import Store

    store = Store(_settings(args).data_path)
    data = progress(store, args.trainee, persona_id=args.persona)
    for warning in data.get("warnings", []):
        _warn(warning)
    if args.html is not None:
        try:
            args.html.write_text(render_html(data), encoding="utf-8")
        except OSError as exc:
            raise VoiceCoachError(f"cannot write {args.html} ({exc.strerror or exc}); pick another path") from None
    print(json.dumps(data) if args.json else render_text(data))
    if args.html is not None and not args.json:
        print(f"Chart written to {args.html}")
    return 0


def _warn(message: str | None) -> None:
    if message:
        print(f"voicecoach: warning: {message}", file=sys.stderr)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

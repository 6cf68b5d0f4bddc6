"""Re-judge stored replies with today's model and rules.

Each stored turn's trainee audio is transcribed, measured and checked again; the
new result replaces the turn's fields and the old one is kept under `previous`
(newest last) so a trainer can compare. The conversation itself is history and
stays as it happened: the customer's lines and reactions are not changed.

Turns are spread over worker processes, one Whisper model each with its share of
the cores: CTranslate2 scales better across processes than across threads of one
model, and a spawned worker shares no state with the parent.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

from voicecoach.config import Settings
from voicecoach.store import WAV_NAME
from voicecoach.errors import StoreError, VoiceCoachError

# What a re-score replaces in a turn; the rest (line, state, outcome, audio) is history.
JUDGED_FIELDS = ("transcript", "words", "no_speech", "language", "prosody", "checks", "score", "heart",
                 "feedback", "warnings")


@dataclass(frozen=True)
class TurnJob:
    session_id: str
    position: int  # index into the session's turn list
    audio_path: Path
    persona_id: str
    turn_index: int
    customer_line: str
    baseline: dict[str, Any] | None
    live: bool
    reply_pause_s: float | None
    previous_replies: tuple[str, ...]


@dataclass
class RescoreReport:
    sessions: list[str] = field(default_factory=list)
    turns: int = 0
    audio_s: float = 0.0
    elapsed_s: float = 0.0
    skipped: list[str] = field(default_factory=list)  # "session turn N: why"
    changes: list[dict[str, Any]] = field(default_factory=list)  # per turn: old/new score, checks that flipped

    @property
    def realtime_factor(self) -> float | None:
        """Seconds of audio re-judged per second of work (5 = five times faster than real time)."""
        return self.audio_s / self.elapsed_s if self.elapsed_s > 0 else None


def rescore(
    store: Any,
    session_ids: list[str],
    *,
    settings: Settings,
    rules_path: Path | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RescoreReport:
    """Re-judge every turn with audio in the given sessions and store the results.

    Raises:
        StoreError: a session id is unknown (checked before any work starts).
        RulesError: the rules file is invalid (checked before any work starts).
    """
    from voicecoach.rules.thresholds import load_ruleset

    load_ruleset(rules_path)  # a bad rules file fails now, not in every worker
    started = time.perf_counter()
    report = RescoreReport()
    sessions = _readable(store, session_ids, report)
    jobs: list[TurnJob] = []
    for session in sessions.values():
        report.sessions.append(session["id"])
        found, skipped = _jobs(session, store.folder(session["id"]))
        jobs += found
        report.skipped += skipped
    results: dict[tuple[str, int], dict[str, Any]] = {}
    done = 0
    for job, record, audio_s in _run(jobs, settings, rules_path, workers):
        done += 1
        if on_progress is not None:
            on_progress(done, len(jobs))
        if isinstance(record, str):
            report.skipped.append(f"{job.session_id} turn {job.position + 1}: {record}")
            continue
        results[(job.session_id, job.position)] = record
        report.audio_s += audio_s
    for session in sessions.values():
        mine = {pos: rec for (sid, pos), rec in results.items() if sid == session["id"]}
        if mine:
            report.changes += _apply(session, mine, rules_path)
            store.rewrite(session)
    report.turns = len(results)
    report.elapsed_s = time.perf_counter() - started
    return report


def _readable(store: Any, session_ids: list[str], report: RescoreReport) -> dict[str, dict[str, Any]]:
    """The sessions that can be re-scored; the others are skipped with the reason.

    A session still being recorded (no end time, started in the last day) is left
    alone: its practice process rewrites the file after every turn.

    Raises:
        StoreError: an id is unknown (a typo should stop the command, not be skipped).
    """
    from voicecoach.store import session_problem

    out: dict[str, dict[str, Any]] = {}
    for sid in session_ids:
        if not store.exists(sid):
            raise StoreError(f"no session '{sid}'; list them with `voicecoach sessions`")
        try:
            session = store.load(sid)
        except StoreError as exc:
            report.skipped.append(f"{sid}: {exc}")
            continue
        problem = session_problem(session, folder_name=sid)
        if problem:
            report.skipped.append(f"{sid}: session.json {problem}")
        elif session.get("ended_at") is None and _recent(session["started_at"]):
            report.skipped.append(f"{sid}: still being recorded")
        else:
            out[sid] = session
    return out


def _recent(started_at: str) -> bool:
    from datetime import datetime, timedelta, timezone

    try:
        started = datetime.fromisoformat(started_at)
    except ValueError:
        return False
    if started.tzinfo is None:
        started = started.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc) - started < timedelta(days=1)


def _jobs(session: dict[str, Any], folder: Path) -> tuple[list[TurnJob], list[str]]:
    jobs: list[TurnJob] = []
    skipped: list[str] = []
    replies: list[str] = []
    for position, turn in enumerate(session["turns"]):
        name = turn.get("trainee_audio")
        where = f"{session['id']} turn {position + 1}"
        if name is not None and not (isinstance(name, str) and WAV_NAME.fullmatch(name)):
            skipped.append(f"{where}: '{name}' is not a turn recording of this session")
        elif turn.get("audio_pruned"):
            skipped.append(f"{where}: the recording was deleted by the retention setting")
        elif not name:
            skipped.append(f"{where}: no reply audio was recorded")
        elif not (folder / name).is_file():
            skipped.append(f"{where}: {name} is missing")
        else:
            prosody = turn.get("prosody") if isinstance(turn.get("prosody"), dict) else {}
            jobs.append(TurnJob(
                session_id=session["id"], position=position, audio_path=folder / name,
                persona_id=session["persona_id"], turn_index=int(turn.get("index", position)),
                customer_line=turn.get("customer_line", ""), baseline=session.get("baseline"),
                live=bool(turn.get("live", _was_live(turn))), reply_pause_s=prosody.get("reply_pause_s"),
                previous_replies=tuple(replies),
            ))
        if isinstance(turn.get("transcript"), str) and turn["transcript"]:
            replies.append(turn["transcript"])
    return jobs, skipped


def _was_live(turn: dict[str, Any]) -> bool:
    # Sessions stored before turns carried "live": only live turns judge interruptions.
    return any(c.get("id") == "no-interruption" and c.get("passed") is not None for c in turn.get("checks", []))


def _run(jobs: list[TurnJob], settings: Settings, rules_path: Path | None, workers: int | None):
    """Yield (job, turn record or an error message, audio seconds) as turns finish."""
    cores = os.cpu_count() or 1
    workers = max(1, min(workers or cores, cores, len(jobs) or 1))
    if workers == 1:
        _init(settings, rules_path, 0)
        for job in jobs:
            yield (job, *_judge(job))
        return
    threads = max(1, cores // workers)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_init,
                             initargs=(settings, rules_path, threads)) as pool:
        futures: dict[Future[Any], TurnJob] = {pool.submit(_judge, job): job for job in jobs}
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            yield (futures[future], *future.result())


_WORKER: dict[str, Any] = {}


def _init(settings: Settings, rules_path: Path | None, threads: int) -> None:
    from voicecoach.rules.thresholds import load_ruleset
    from voicecoach.transcribe import shared_transcriber

    if threads:
        settings = replace(settings, cpu_threads=threads)
    _WORKER["transcriber"] = shared_transcriber(settings)
    _WORKER["rules"] = load_ruleset(rules_path)


def _judge(job: TurnJob) -> tuple[dict[str, Any] | str, float]:
    from voicecoach import audio, turn
    from voicecoach.personas import get_persona
    from voicecoach.types import Baseline, TurnContext

    try:
        persona = get_persona(job.persona_id)
        recording = audio.load(job.audio_path)
        context = TurnContext(persona=persona, turn_index=job.turn_index, customer_line=job.customer_line,
                              customer_name=persona.address_as, live=job.live,
                              baseline=Baseline(**job.baseline) if job.baseline else None,
                              previous_replies=job.previous_replies)
        judged = turn.judge_recording(recording, transcriber=_WORKER["transcriber"], context=context,
                                      ruleset=_WORKER["rules"], reply_pause_s=job.reply_pause_s)
    except VoiceCoachError as exc:
        return str(exc), 0.0
    except (TypeError, ValueError, KeyError) as exc:
        # A session stored by an older version (another baseline layout, say):
        # this turn is skipped, the rest of the batch goes on.
        return f"cannot be re-judged ({type(exc).__name__}: {exc})", 0.0
    return turn.turn_record(judged), recording.duration_s


def _apply(session: dict[str, Any], records: dict[int, dict[str, Any]], rules_path: Path | None) -> list[dict[str, Any]]:
    from voicecoach.personas import get_persona
    from voicecoach.rules.thresholds import load_ruleset
    from voicecoach.session import summarize
    from voicecoach.store import now_iso, session_score

    from voicecoach.call import Call, rejudge

    stamp = now_iso()
    changes = []
    try:
        persona = get_persona(session["persona_id"])
    except VoiceCoachError:
        persona = None
    rules = load_ruleset(rules_path)
    # Turns were re-judged alone (in parallel); each is now judged in its call, in
    # order, with the conversation as it happened (states and outcomes as stored).
    call = Call(persona)
    for position, turn in enumerate(session["turns"]):
        if position not in records:
            call.add(turn)
            continue
        context = call.context(turn_index=int(turn.get("index", position)), customer_line=turn.get("customer_line", ""),
                               state_id=turn.get("state"))
        record = rejudge(records[position], context, rules)
        old = {key: turn.get(key) for key in JUDGED_FIELDS}
        turn.setdefault("previous", []).append({"replaced_at": stamp, **old})
        turn.update(record)
        before = {c["id"]: c["passed"] for c in old.get("checks") or []}
        flipped = [c["id"] for c in record["checks"] if c["id"] in before and before[c["id"]] != c["passed"]]
        changes.append({"session": session["id"], "turn": position + 1, "old_score": old.get("score"),
                        "new_score": record["score"], "checks_changed": flipped})
        call.add(turn)
    session.setdefault("previous_scores", []).append({"replaced_at": stamp, "score": session.get("score")})
    session["score"] = session_score(session["turns"])
    session["rescored_at"] = stamp
    session["rules"] = str(rules_path) if rules_path else "bundled"
    if persona is not None:
        session["summary"] = summarize(session, rules, persona)
    return changes

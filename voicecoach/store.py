"""Sessions on disk: one folder per session plus an SQLite index (WAL mode).

Layout under the data dir:
    sessions/<session id>/session.json           every turn: line, transcript, prosody, checks, score
    sessions/<session id>/turn-01-customer.wav   what the customer said
    sessions/<session id>/turn-01-trainee.wav    what the trainee said
    index.sqlite3                                trainees, sessions, turn scores

Every file is written to a temporary name in the same folder, synced, then
renamed, and the JSON is rewritten after each turn's audio is safely on disk, so
a crash or kill at any moment leaves every finished turn readable and no
half-written file. Folder names are session ids, never trainee names.

The index is a cache of the folders: `repair()` rebuilds it from them. Each row
keeps the size and mtime of the session.json it was made from (`json_stamp`), so
a listing can tell with one stat per session whether a file was changed or
broken behind the index's back.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import secrets
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from voicecoach.errors import StoreError, VoiceCoachError
from voicecoach.types import Baseline, Recording

SCHEMA = """
CREATE TABLE IF NOT EXISTS trainees (
    name TEXT PRIMARY KEY,
    baseline_json TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    trainee TEXT NOT NULL,
    persona_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    turns INTEGER NOT NULL DEFAULT 0,
    score REAL,
    outcome TEXT,
    json_stamp TEXT,
    audio_pruned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_trainee ON sessions (trainee, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_persona ON sessions (persona_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions (started_at);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    score REAL,
    outcome TEXT,
    PRIMARY KEY (session_id, idx)
);
"""


# Columns added after the first release; an older index gains them when opened.
ADDED_COLUMNS = {"json_stamp": "TEXT", "audio_pruned": "INTEGER NOT NULL DEFAULT 0"}
LIST_COLUMNS = ("id", "trainee", "persona_id", "started_at", "ended_at", "turns", "score", "outcome")
SESSION_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")
WAV_NAME = re.compile(r"turn-\d{2,3}-(customer|trainee)\.wav")
REQUIRED_FIELDS = ("id", "trainee", "persona_id", "started_at", "turns")
# Listing warns about at most this many sessions one by one, then counts the rest,
# so a badly damaged store does not bury the listing itself.
MAX_WARNINGS = 10
DATE_FORMATS = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM] (UTC unless an offset is given)"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def utc_stamp(value: str) -> str:
    """An ISO date-time as the index stores it (UTC, whole seconds), so stamps compare as text.

    Raises:
        ValueError: `value` is not an ISO date-time.
    """
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat(timespec="seconds")


def time_bound(text: str, *, option: str, end: bool = False) -> str:
    """A --since/--until value as an index stamp; sessions match `since <= started_at < until`.

    A date alone covers its whole day, so `--until 2024-05-01` includes that day;
    a date-time is inclusive to the second.

    Raises:
        VoiceCoachError: `text` is neither an ISO date nor an ISO date-time.
    """
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None and len(text) <= 10:
        moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(days=1 if end else 0)
        return moment.isoformat(timespec="seconds")
    try:
        stamp = utc_stamp(text)
    except ValueError:
        raise VoiceCoachError(f"{option} '{text}' is not a date; use {DATE_FORMATS}") from None
    if end:
        stamp = (datetime.fromisoformat(stamp) + timedelta(seconds=1)).isoformat(timespec="seconds")
    return stamp


def session_problem(session: Any, *, folder_name: str | None = None) -> str | None:
    """Why a parsed session.json cannot be indexed, or None when it can."""
    if not isinstance(session, dict):
        return "not a session (the JSON is not an object)"
    missing = [key for key in REQUIRED_FIELDS if key not in session]
    if missing:
        return f"lacks {', '.join(missing)}"
    if not all(isinstance(session[key], str) and session[key] for key in ("id", "trainee", "persona_id", "started_at")):
        return "id, trainee, persona_id and started_at must be non-empty text"
    if not isinstance(session["turns"], list) or not all(isinstance(t, dict) for t in session["turns"]):
        return "turns must be a list of objects"
    if not all(_number_or_none(session.get(key)) for key in ("score",)) or \
            not all(_number_or_none(t.get("score")) for t in session["turns"]):
        return "scores must be numbers or null"
    if not all(session.get(key) is None or isinstance(session[key], str) for key in ("ended_at", "outcome")):
        return "ended_at and outcome must be text or null"
    if folder_name is not None and session["id"] != folder_name:
        return f"its id '{session['id']}' does not match the folder name"
    try:
        utc_stamp(session["started_at"])
    except ValueError:
        return f"started_at '{session['started_at']}' is not an ISO date-time"
    return None


def session_score(turns: list[dict[str, Any]]) -> float | None:
    """A session's score: the mean of its judged turns' scores (None when none was judged)."""
    scores = [t["score"] for t in turns if t.get("score") is not None]
    return round(sum(scores) / len(scores), 1) if scores else None


def _number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


@dataclass
class RepairReport:
    """What `Store.repair` did: counts of index rows, and folders it could not read."""

    added: int = 0
    updated: int = 0
    dropped: int = 0
    unreadable: list[str] = field(default_factory=list)


@dataclass
class PruneReport:
    """What `Store.apply_retention` removed; `problems` are sessions it could only partly prune."""

    sessions: int = 0
    files: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)


def _open_index(path: Path, *, timeout_s: float = 30.0) -> sqlite3.Connection:
    """Open (creating if need be) the WAL index, retrying while another process holds it.

    SQLite reports some lock states without calling its busy handler: switching a new
    file to WAL while another connection does the same, or WAL recovery after a crash.
    Those are retried here with a short randomized back-off until `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        db = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            _create_schema(db)
            return db
        except sqlite3.Error as exc:
            db.close()
            busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.02, 0.1))


def _create_schema(db: sqlite3.Connection) -> None:
    if _schema_complete(db):
        return  # the common case; also keeps a read-only index usable for listing
    # One IMMEDIATE transaction: taking the write lock up front waits in SQLite's
    # busy handler, whereas a read that upgrades to a write fails at once when
    # another process wrote in between.
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in filter(str.strip, SCHEMA.split(";")):
            db.execute(statement)
        have = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
        for name, kind in ADDED_COLUMNS.items():
            if name not in have:
                db.execute(f"ALTER TABLE sessions ADD COLUMN {name} {kind}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite may have rolled back already
            db.execute("ROLLBACK")
        raise


def _schema_complete(db: sqlite3.Connection) -> bool:
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    wanted = set(re.findall(r"IF NOT EXISTS (\w+)", SCHEMA))
    columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
    return wanted <= names and set(ADDED_COLUMNS) <= columns


class Store:
    """The session store rooted at `root` (normally the user data dir).

    Args:
        root: the data dir.
        retention_days: when set (> 0), recordings of sessions older than this are
            deleted each time a new session starts (see `apply_retention`).
    """

    def __init__(self, root: Path, *, retention_days: int | None = None) -> None:
        self.root = root
        self.sessions_dir = root / "sessions"
        self.retention_days = retention_days
        try:
            self.sessions_dir.mkdir(parents=True, exist_ok=True)
            self.db = _open_index(root / "index.sqlite3")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session store at {root} ({exc}); check the folder's permissions and free space") from None

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ sessions

    def new_session(self, *, trainee: str, persona_id: str, baseline: Baseline | None,
                    station: str | None = None) -> dict[str, Any]:
        if self.retention_days:
            # Retention is a promise to trainees, so it runs whenever recording starts;
            # a failure here must not stop the call (`sessions prune` reports it).
            try:
                self.apply_retention(self.retention_days)
            except (VoiceCoachError, OSError):
                pass
        session_id = self._new_folder()
        session = {
            "id": session_id, "trainee": trainee, "persona_id": persona_id, "started_at": now_iso(),
            "ended_at": None, "outcome": None, "score": None, "turns": [],
            "baseline": asdict(baseline) if baseline else None, "summary": None, "station": station,
        }
        self._write_json(session)
        self._index(session)
        return session

    def _new_folder(self) -> str:
        """Create a fresh session folder; the id is retried if another process took it first."""
        for _ in range(10):
            stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
            session_id = f"{stamp}-{secrets.token_hex(3)}"
            try:
                self.folder(session_id).mkdir(parents=True, exist_ok=False)
                return session_id
            except FileExistsError:
                continue
            except OSError as exc:
                raise StoreError(f"cannot create a session folder in {self.sessions_dir} "
                                 f"({exc.strerror or exc}); check its permissions and free space") from None
        raise StoreError(f"cannot find a free session id in {self.sessions_dir}; try again")

    def folder(self, session_id: str) -> Path:
        if not session_id or any(c in session_id for c in "/\\\0") or session_id.startswith("."):
            raise StoreError(f"'{session_id}' is not a session id")
        return self.sessions_dir / session_id

    def save_turn(self, session: dict[str, Any], turn: dict[str, Any], *, customer: Recording | None,
                  trainee: Recording | None) -> None:
        """Add a finished turn: audio first, then the session JSON, then the index."""
        from voicecoach.audio import write_wav

        folder = self.folder(session["id"])
        number = len(session["turns"]) + 1
        try:
            if customer is not None:
                turn["customer_audio"] = write_wav(folder / f"turn-{number:02d}-customer.wav", customer).name
            if trainee is not None:
                turn["trainee_audio"] = write_wav(folder / f"turn-{number:02d}-trainee.wav", trainee).name
        except OSError as exc:
            raise self._disk_error(exc, session) from None
        session["turns"].append(turn)
        session["score"] = session_score(session["turns"])
        self._write_json(session)
        self._index(session, turn=turn, number=number)

    def finish(self, session: dict[str, Any], *, outcome: str, summary: dict[str, Any]) -> None:
        session["ended_at"] = now_iso()
        session["outcome"] = outcome
        session["summary"] = summary
        self._write_json(session)
        self._index(session)

    def rewrite(self, session: dict[str, Any]) -> None:
        """Store a changed session (re-scored, pruned): the JSON atomically, then every index row."""
        self._write_json(session)
        self._index(session)
        for number, turn in enumerate(session["turns"], 1):
            self._index(session, turn=turn, number=number)

    def load(self, session_id: str) -> dict[str, Any]:
        path = self.folder(session_id) / "session.json"
        if not path.is_file():
            if self.folder(session_id).is_dir():
                raise StoreError(f"session {session_id}: its session.json is missing (the recordings in "
                                 f"{path.parent} are kept); `voicecoach sessions --repair` updates the index")
            raise StoreError(f"no session '{session_id}'; list them with `voicecoach sessions`")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: unreadable session file ({exc})") from None

    def list(self, *, trainee: str | None = None, persona_id: str | None = None, since: str | None = None,
             until: str | None = None, min_score: float | None = None,
             max_score: float | None = None) -> list[dict[str, Any]]:
        """Sessions, newest first: {id, trainee, persona_id, started_at, ended_at, turns, score, outcome}.

        Args:
            trainee, persona_id: only these (exact match).
            since, until: stamps from `time_bound`; `since <= started_at < until`.
            min_score, max_score: inclusive; sessions without a score are left out when either is given.
        """
        conditions = {"trainee = ?": trainee, "persona_id = ?": persona_id, "started_at >= ?": since,
                      "started_at < ?": until, "score >= ?": min_score, "score <= ?": max_score}
        used = {sql: value for sql, value in conditions.items() if value is not None}
        query = f"SELECT {', '.join(LIST_COLUMNS)} FROM sessions"
        if used:
            query += " WHERE " + " AND ".join(used)
        query += " ORDER BY started_at DESC, id DESC"
        try:
            return [dict(zip(LIST_COLUMNS, row)) for row in self.db.execute(query, tuple(used.values()))]
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the session index ({exc}); rebuild it with `voicecoach sessions --repair`") from None

    def exists(self, session_id: str) -> bool:
        """True when the session has an index row or a folder."""
        row = self.db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None or self.folder(session_id).exists()

    def ids_of(self, trainee: str) -> list[str]:
        """Every session id of a trainee, newest first."""
        return [row["id"] for row in self.list(trainee=trainee)]

    # ------------------------------------------------------------------ care: checks, repair, deletion, retention

    def listing_warnings(self, rows: list[dict[str, Any]]) -> list[str]:
        """Cheap checks for a listing: one stat per listed session and one folder scan.

        A session.json whose size or mtime differs from what the index recorded is
        parsed to see whether it is still readable; unchanged files are trusted.
        """
        stamps = dict(self.db.execute("SELECT id, json_stamp FROM sessions"))
        problems = []
        for row in rows:
            problem = self._json_problem(row["id"], stamps.get(row["id"]))
            if problem:
                problems.append(f"session {row['id']} ({row['trainee']}): {problem}; it is listed from the index")
        stray = sorted(set(self._folder_names()) - set(stamps))
        if stray:
            problems.append(f"{len(stray)} session folder(s) not in the index ({', '.join(stray[:3])}"
                            f"{', …' if len(stray) > 3 else ''}); `voicecoach sessions --repair` indexes the readable ones")
        return _capped(problems)

    def check(self) -> list[str]:
        """A full check: every session.json parsed, every recording looked for, index vs folders.

        Returns:
            One line per problem (empty when all is well).
        """
        rows = {row[0]: row for row in self.db.execute(f"SELECT {', '.join(LIST_COLUMNS)} FROM sessions")}
        folders = set(self._folder_names())
        problems = [f"session {sid}: in the index but its folder is gone" for sid in sorted(set(rows) - folders)]
        for name in sorted(folders):
            session, problem = self._read(name)
            if problem:
                problems.append(f"session {name}: {problem}")
                continue
            if name not in rows:
                problems.append(f"session {name}: folder not in the index")
            elif rows[name][5] != len(session["turns"]) or rows[name][6] != session.get("score"):
                problems.append(f"session {name}: the index is out of step with session.json")
            problems += [f"session {name}: {gap}" for gap in _missing_audio(session, self.folder(name))]
        return problems

    def repair(self) -> RepairReport:
        """Rebuild the index from the folders.

        Rows whose folder is gone are dropped; readable session.json files are
        (re)indexed with all their turns; unreadable folders are reported and keep
        whatever row they had, so they stay listed. Trainees and their baselines
        are kept.
        """
        report = RepairReport()
        self._clear_trash()
        before = {row[0]: row for row in self.db.execute(f"SELECT {', '.join(LIST_COLUMNS)} FROM sessions")}
        folders = self._folder_names()
        readable = []
        for name in sorted(folders):
            session, problem = self._read(name)
            if problem:
                report.unreadable.append(f"{name}: {problem}")
            else:
                readable.append(session)
        gone = sorted(set(before) - set(folders))
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for session in readable:
                    self._put(session)
                for session_id in gone:
                    self._drop(session_id)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot rebuild the session index ({exc}); check free space and permissions of {self.root}") from None
        after = {row[0]: row for row in self.db.execute(f"SELECT {', '.join(LIST_COLUMNS)} FROM sessions")}
        report.added = sum(1 for s in readable if s["id"] not in before)
        report.updated = sum(1 for s in readable if s["id"] in before and before[s["id"]] != after.get(s["id"]))
        report.dropped = len(gone)
        return report

    def index_session(self, session: dict[str, Any]) -> None:
        """Index a session whose folder is already complete (an import): every field and turn."""
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self._put(session)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot update the session index ({exc}); the session folder {session['id']} is intact") from None

    def delete(self, session_ids: list[str]) -> int:
        """Delete sessions: folder and index rows. All ids are checked before anything is removed.

        Raises:
            StoreError: an id is unknown (nothing is deleted then).
        """
        unknown = [sid for sid in session_ids if not self.exists(sid)]
        if unknown:
            raise StoreError(f"no session '{unknown[0]}'; nothing deleted; list them with `voicecoach sessions`")
        for session_id in dict.fromkeys(session_ids):
            self._delete_one(session_id)
        return len(set(session_ids))

    def forget_trainee(self, trainee: str) -> None:
        """Remove a trainee's own row (their calm baseline) once their sessions are gone."""
        try:
            self.db.execute("DELETE FROM trainees WHERE name = ?", (trainee,))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot remove trainee '{trainee}' from the index ({exc})") from None

    def _delete_one(self, session_id: str) -> None:
        # The folder is first renamed out of sight (atomic), so a crash midway leaves
        # neither a half-deleted session in the listing nor a folder `repair` would revive.
        folder = self.folder(session_id)
        trash = self.sessions_dir / f".deleting-{session_id}-{secrets.token_hex(3)}"
        try:
            if folder.exists():
                os.rename(folder, trash)
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self._drop(session_id)
            shutil.rmtree(trash, ignore_errors=True)
        except OSError as exc:
            raise StoreError(f"cannot delete session {session_id} ({exc.strerror or exc}); check the permissions of {folder}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot delete session {session_id} from the index ({exc}); "
                             f"run `voicecoach sessions --repair`") from None

    def apply_retention(self, days: int | None, *, now: datetime | None = None) -> PruneReport:
        """Delete the recordings of sessions started more than `days` days ago.

        The session JSON and every score stay; each turn that lost its audio gets
        `"audio_pruned": true` and no longer names its WAV files. Cheap when there is
        nothing to do: one indexed query on started_at.

        Args:
            days: the retention period; 0 or None keeps everything.
            now: the present (tests).

        Raises:
            VoiceCoachError: `days` is negative.
        """
        report = PruneReport()
        if not days:
            return report
        if days < 0:
            raise VoiceCoachError(f"retention of {days} days is not possible; use 0 (keep forever) or more")
        cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=days)).isoformat(timespec="seconds")
        due = [row[0] for row in self.db.execute(
            "SELECT id FROM sessions WHERE started_at < ? AND audio_pruned = 0", (cutoff,))]
        for session_id in due:
            self._prune_audio(session_id, report)
        return report

    def _prune_audio(self, session_id: str, report: PruneReport) -> None:
        folder = self.folder(session_id)
        if folder.is_dir():
            session, problem = self._read(session_id)
            if problem:
                # The recordings go anyway: retention is about not keeping voices.
                report.problems.append(f"session {session_id}: {problem}; its recordings were deleted, the file left as is")
            elif _strip_audio(session):
                self._write_json(session)
            removed = 0
            for entry in os.scandir(folder):
                if WAV_NAME.fullmatch(entry.name):
                    report.bytes += entry.stat().st_size
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
            report.files += removed
            report.sessions += 1 if removed else 0
        try:
            self.db.execute("UPDATE sessions SET audio_pruned = 1, json_stamp = ? WHERE id = ?",
                            (self._stamp(session_id), session_id))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot update the session index ({exc}); run `voicecoach sessions --repair`") from None

    def _put(self, session: dict[str, Any]) -> None:
        """Upsert every field of a session and its turns (inside the caller's transaction)."""
        pruned = any(t.get("audio_pruned") for t in session["turns"])
        self.db.execute("INSERT INTO trainees (name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                        (session["trainee"], now_iso()))
        self.db.execute(
            "INSERT OR REPLACE INTO sessions (id, trainee, persona_id, started_at, ended_at, turns, score, outcome, "
            "json_stamp, audio_pruned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session["id"], session["trainee"], session["persona_id"], utc_stamp(session["started_at"]),
             session.get("ended_at"), len(session["turns"]), session.get("score"), session.get("outcome"),
             self._stamp(session["id"]), int(pruned)),
        )
        self.db.execute("DELETE FROM turns WHERE session_id = ?", (session["id"],))
        self.db.executemany("INSERT INTO turns (session_id, idx, score, outcome) VALUES (?, ?, ?, ?)",
                            [(session["id"], n, t.get("score"), t.get("outcome"))
                             for n, t in enumerate(session["turns"], 1)])

    def _drop(self, session_id: str) -> None:
        self.db.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
        self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def _read(self, session_id: str) -> tuple[dict[str, Any], str | None]:
        """(session, None) or ({}, why session.json cannot be used)."""
        path = self.folder(session_id) / "session.json"
        try:
            session = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}, "session.json is missing"
        except (OSError, ValueError) as exc:
            return {}, f"session.json is unreadable ({str(exc).splitlines()[0][:80]})"
        problem = session_problem(session, folder_name=session_id)
        return (session, None) if problem is None else ({}, f"session.json {problem}")

    def _json_problem(self, session_id: str, stamp: str | None) -> str | None:
        try:
            current = self._stamp(session_id, missing_ok=False)
        except FileNotFoundError:
            return "folder is gone" if not self.folder(session_id).exists() else "session.json is missing"
        if stamp is None or stamp == current:
            return None
        session, problem = self._read(session_id)
        if problem:
            return problem
        missing = _missing_audio(session, self.folder(session_id))
        return "; ".join(missing) if missing else None

    def _stamp(self, session_id: str, *, missing_ok: bool = True) -> str | None:
        # The folder's mtime is part of the stamp: removing or adding a recording
        # changes it, so a listing notices a lost WAV with the same one stat.
        folder = self.folder(session_id)
        try:
            info = os.stat(folder / "session.json")
            folder_info = os.stat(folder)
        except FileNotFoundError:
            if missing_ok:
                return None
            raise
        return f"{info.st_size}:{info.st_mtime_ns}:{folder_info.st_mtime_ns}"

    def _folder_names(self) -> list[str]:
        # Hidden names are work in progress (imports, deletions), never sessions.
        try:
            return [e.name for e in os.scandir(self.sessions_dir) if e.is_dir() and not e.name.startswith(".")]
        except OSError as exc:
            raise StoreError(f"cannot read {self.sessions_dir} ({exc.strerror or exc}); check its permissions") from None

    def _clear_trash(self) -> None:
        for entry in os.scandir(self.sessions_dir):
            if entry.name.startswith(".deleting-") and entry.is_dir():
                shutil.rmtree(entry.path, ignore_errors=True)

    # ------------------------------------------------------------------ trainees

    def baseline(self, trainee: str) -> Baseline | None:
        row = self.db.execute("SELECT baseline_json FROM trainees WHERE name = ?", (trainee,)).fetchone()
        if not row or not row[0]:
            return None
        try:
            return Baseline(**json.loads(row[0]))
        except (TypeError, ValueError):
            return None

    def save_baseline(self, trainee: str, baseline: Baseline) -> None:
        try:
            self.db.execute(
                "INSERT INTO trainees (name, baseline_json, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET baseline_json = excluded.baseline_json",
                (trainee, json.dumps(asdict(baseline)), now_iso()),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot save the baseline of '{trainee}' ({exc})") from None

    # ------------------------------------------------------------------ internals

    def _write_json(self, session: dict[str, Any]) -> None:
        target = self.folder(session["id"]) / "session.json"
        try:
            fd, tmp = tempfile.mkstemp(prefix=".session.", suffix=".tmp", dir=target.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(session, out, indent=1)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise self._disk_error(exc, session) from None

    def _index(self, session: dict[str, Any], *, turn: dict[str, Any] | None = None, number: int = 0) -> None:
        try:
            with self.db:
                # IMMEDIATE takes the write lock up front, so two processes saving at once
                # wait for each other (busy timeout) instead of failing on a lock upgrade.
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute(
                    "INSERT INTO trainees (name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                    (session["trainee"], now_iso()),
                )
                self.db.execute(
                    "INSERT INTO sessions (id, trainee, persona_id, started_at, ended_at, turns, score, outcome, "
                    "json_stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "ended_at = excluded.ended_at, turns = excluded.turns, score = excluded.score, "
                    "outcome = excluded.outcome, json_stamp = excluded.json_stamp",
                    (session["id"], session["trainee"], session["persona_id"], utc_stamp(session["started_at"]),
                     session["ended_at"], len(session["turns"]), session["score"], session["outcome"],
                     self._stamp(session["id"])),
                )
                if turn is not None:
                    self.db.execute("INSERT OR REPLACE INTO turns (session_id, idx, score, outcome) VALUES (?, ?, ?, ?)",
                                    (session["id"], number, turn.get("score"), turn.get("outcome")))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot update the session index ({exc}); the session folder {session['id']} is intact") from None

    def _disk_error(self, exc: OSError, session: dict[str, Any]) -> StoreError:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(f"disk full while saving session {session['id']}: free some space; "
                              f"the turns finished so far are kept in {self.folder(session['id'])}")
        return StoreError(f"cannot save session {session['id']} ({exc.strerror or exc})")


def _strip_audio(session: dict[str, Any]) -> bool:
    """Drop the WAV names from every turn that had any, marking it pruned; True if any changed."""
    changed = False
    for turn in session["turns"]:
        had = [turn.pop(key) for key in ("customer_audio", "trainee_audio") if key in turn]
        if had:
            turn["audio_pruned"] = True
            changed = True
    if changed:
        session["audio_pruned_at"] = now_iso()
    return changed


def _missing_audio(session: dict[str, Any], folder: Path) -> list[str]:
    gaps = []
    for number, turn in enumerate(session["turns"], 1):
        for key in ("customer_audio", "trainee_audio"):
            name = turn.get(key)
            if isinstance(name, str) and name and not (folder / Path(name).name).is_file():
                gaps.append(f"turn {number}: recording {name} is missing")
    return gaps


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_WARNINGS:
        return lines
    return lines[:MAX_WARNINGS] + [f"… and {len(lines) - MAX_WARNINGS} more; see `voicecoach sessions --check`"]

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
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import sqlite3
import tempfile
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from voicecoach.errors import StoreError
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
    outcome TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_trainee ON sessions (trainee, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions (started_at);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    score REAL,
    outcome TEXT,
    PRIMARY KEY (session_id, idx)
);
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """The session store rooted at `root` (normally the user data dir)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sessions_dir = root / "sessions"
        try:
            self.sessions_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(root / "index.sqlite3", timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session store at {root} ({exc}); check the folder's permissions and free space") from None

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ sessions

    def new_session(self, *, trainee: str, persona_id: str, baseline: Baseline | None) -> dict[str, Any]:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        session_id = f"{stamp}-{secrets.token_hex(3)}"
        session = {
            "id": session_id, "trainee": trainee, "persona_id": persona_id, "started_at": now_iso(),
            "ended_at": None, "outcome": None, "score": None, "turns": [],
            "baseline": asdict(baseline) if baseline else None, "summary": None,
        }
        self.folder(session_id).mkdir(parents=True, exist_ok=False)
        self._write_json(session)
        self._index(session)
        return session

    def folder(self, session_id: str) -> Path:
        if not session_id or "/" in session_id or "\\" in session_id or session_id.startswith("."):
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
        scores = [t["score"] for t in session["turns"] if t.get("score") is not None]
        session["score"] = round(sum(scores) / len(scores), 1) if scores else None
        self._write_json(session)
        self._index(session, turn=turn, number=number)

    def finish(self, session: dict[str, Any], *, outcome: str, summary: dict[str, Any]) -> None:
        session["ended_at"] = now_iso()
        session["outcome"] = outcome
        session["summary"] = summary
        self._write_json(session)
        self._index(session)

    def load(self, session_id: str) -> dict[str, Any]:
        path = self.folder(session_id) / "session.json"
        if not path.is_file():
            raise StoreError(f"no session '{session_id}'; list them with `voicecoach sessions`")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: unreadable session file ({exc})") from None

    def list(self, *, trainee: str | None = None) -> list[dict[str, Any]]:
        """Sessions, newest first: {id, trainee, persona_id, started_at, ended_at, turns, score, outcome}."""
        query = "SELECT id, trainee, persona_id, started_at, ended_at, turns, score, outcome FROM sessions"
        args: tuple[Any, ...] = ()
        if trainee is not None:
            query += " WHERE trainee = ?"
            args = (trainee,)
        query += " ORDER BY started_at DESC, id DESC"
        cols = ("id", "trainee", "persona_id", "started_at", "ended_at", "turns", "score", "outcome")
        return [dict(zip(cols, row)) for row in self.db.execute(query, args)]

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
                self.db.execute("BEGIN")
                self.db.execute(
                    "INSERT INTO trainees (name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                    (session["trainee"], now_iso()),
                )
                self.db.execute(
                    "INSERT INTO sessions (id, trainee, persona_id, started_at, ended_at, turns, score, outcome) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET ended_at = excluded.ended_at, "
                    "turns = excluded.turns, score = excluded.score, outcome = excluded.outcome",
                    (session["id"], session["trainee"], session["persona_id"], session["started_at"],
                     session["ended_at"], len(session["turns"]), session["score"], session["outcome"]),
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

"""`voicecoach export` / `import`: one session as a zip a trainer can hand on.

An archive holds, flat at its root, `session.json`, the turn recordings
(`turn-NN-customer.wav`, `turn-NN-trainee.wav`) and `report.html`. Imports come
from outside, so every member is checked before anything is written: no paths
(absolute or climbing with `..`), no links, no other files, a bounded size, a
session.json with the fields a session needs and an id that is new here. The
files are extracted into a hidden folder next to the sessions and renamed into
place in one step, so a failed import leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from voicecoach.errors import StoreError
from voicecoach.store import SESSION_ID, WAV_NAME, Store, session_problem

SESSION_FILE = "session.json"
REPORT_FILE = "report.html"
# A 20-turn call is ~40 WAVs of under a minute each (~2 MB apiece at 16 kHz), so
# 2 GB is far beyond any real session yet small enough that a crafted archive
# cannot fill a practice station's disk.
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_JSON_BYTES = 64 * 1024**2
# WAV barely compresses and JSON/HTML ~10x; a member that inflates more than this
# is a zip bomb. Small members are exempt: a few KB of repeated text is harmless.
MAX_RATIO = 100
RATIO_EXEMPT_BYTES = 1024**2
CHUNK_BYTES = 1024**2


@dataclass
class Archive:
    """A checked archive, ready to import: its session and the members to extract."""

    path: Path
    session: dict[str, Any]
    members: list[zipfile.ZipInfo] = field(default_factory=list)


def export_session(store: Store, session_id: str, out: Path | None = None) -> tuple[Path, list[str]]:
    """Write a session's folder and its HTML report as one zip.

    Args:
        store: the session store.
        session_id: the session to export.
        out: the zip to write; default `<session id>.zip` in the current folder
            (an id, never the trainee's name).

    Returns:
        (the path written, warnings: e.g. the report could not be made).

    Raises:
        StoreError: unknown session, unreadable session.json, or the zip cannot be written.
    """
    session = store.load(session_id)
    folder = store.folder(session_id)
    target = out if out is not None else Path(f"{session_id}.zip")
    warnings: list[str] = []
    report = _report(session, folder, warnings)
    wavs = sorted(p for p in folder.iterdir() if WAV_NAME.fullmatch(p.name) and p.is_file())
    try:
        _write_zip(target, folder / SESSION_FILE, wavs, report)
    except OSError as exc:
        raise StoreError(f"cannot write {target} ({exc.strerror or exc}); pick another path with -o") from None
    return target, warnings


def _report(session: dict[str, Any], folder: Path, warnings: list[str]) -> str | None:
    # The report module is optional here: an export without the page is still a
    # complete session, so a failure only warns.
    try:
        from voicecoach.report import render_report
    except ImportError as exc:
        warnings.append(f"report.html left out: the report module cannot be loaded ({exc})")
        return None
    try:
        return render_report(session, folder)
    except Exception as exc:  # noqa: BLE001 - any report bug must not block the export
        warnings.append(f"report.html left out: the report could not be made ({type(exc).__name__}: {exc})")
        return None


def _write_zip(target: Path, session_json: Path, wavs: list[Path], report: str | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(session_json, SESSION_FILE)
            for wav in wavs:
                # PCM hardly deflates; storing it saves time for nothing lost.
                archive.write(wav, wav.name, compress_type=zipfile.ZIP_STORED)
            if report is not None:
                archive.writestr(REPORT_FILE, report)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def read_archive(path: Path) -> Archive:
    """Open and check an archive without writing anything.

    Raises:
        StoreError: the file is not a zip, or any member or the session is not acceptable.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_members(path, infos)
            session = _read_session(path, archive)
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file; check the path") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise StoreError(f"{path}: not a readable zip archive ({exc}); export it again with `voicecoach export`") from None
    return Archive(path, session, infos)


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        _check_name(path, name, info)
        if name in seen:
            raise StoreError(f"{path}: '{name}' appears twice; refusing the archive")
        seen.add(name)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise StoreError(f"{path}: unpacks to more than {MAX_TOTAL_BYTES // 1024**3} GB; refusing the archive")
        if info.file_size > RATIO_EXEMPT_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise StoreError(f"{path}: '{name}' inflates {info.file_size // max(info.compress_size, 1)}x "
                             f"(a zip bomb?); refusing the archive")
    if SESSION_FILE not in seen:
        raise StoreError(f"{path}: no {SESSION_FILE} in the archive; it is not a voicecoach export")


def _check_name(path: Path, name: str, info: zipfile.ZipInfo) -> None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise StoreError(f"{path}: '{name}' is a symbolic link; refusing the archive")
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise StoreError(f"{path}: '{name}' is an absolute path; refusing the archive")
    if ".." in pure.parts:
        raise StoreError(f"{path}: '{name}' climbs out of the folder (..); refusing the archive")
    if name not in (SESSION_FILE, REPORT_FILE) and not WAV_NAME.fullmatch(name):
        raise StoreError(f"{path}: '{name}' is not part of a session (only {SESSION_FILE}, {REPORT_FILE} and "
                         f"turn-NN-customer/trainee.wav); refusing the archive")


def _read_session(path: Path, archive: zipfile.ZipFile) -> dict[str, Any]:
    info = archive.getinfo(SESSION_FILE)
    if info.file_size > MAX_JSON_BYTES:
        raise StoreError(f"{path}: {SESSION_FILE} is larger than {MAX_JSON_BYTES // 1024**2} MB; refusing the archive")
    try:
        session = json.loads(archive.read(SESSION_FILE).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: {SESSION_FILE} is not valid JSON ({str(exc).splitlines()[0]}); refusing the archive") from None
    problem = session_problem(session)
    if problem:
        raise StoreError(f"{path}: {SESSION_FILE} {problem}; refusing the archive")
    if not SESSION_ID.fullmatch(session["id"]):
        raise StoreError(f"{path}: '{session['id']}' is not a valid session id (YYYYMMDD-HHMMSS-xxxxxx); refusing the archive")
    for number, turn in enumerate(session["turns"], 1):
        for key in ("customer_audio", "trainee_audio"):
            name = turn.get(key)
            if name is not None and not (isinstance(name, str) and WAV_NAME.fullmatch(name)):
                raise StoreError(f"{path}: turn {number} names '{name}' as its {key}, not a turn recording; "
                                 f"refusing the archive")
    return session


def import_session(store: Store, archive: Archive) -> str:
    """Add a checked archive's session to the store; return its id.

    Raises:
        StoreError: the id exists already, a member is not what its header says, or
            the disk write fails. Nothing is left behind in any of these cases.
    """
    session_id = archive.session["id"]
    if store.exists(session_id):
        raise StoreError(f"session {session_id} exists already; nothing imported "
                         f"(delete it first with `voicecoach sessions delete {session_id}`)")
    staging = store.sessions_dir / f".import-{session_id}-{secrets.token_hex(3)}"
    try:
        staging.mkdir()
        _extract(archive, staging)
        if store.exists(session_id):  # another process won the race while we extracted
            raise StoreError(f"session {session_id} exists already; nothing imported")
        os.rename(staging, store.folder(session_id))
    except zipfile.BadZipFile as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StoreError(f"{archive.path}: damaged archive ({exc}); nothing imported") from None
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StoreError(f"cannot import into {store.sessions_dir} ({exc.strerror or exc}); check free space and permissions") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        store.index_session(archive.session)
    except StoreError:
        shutil.rmtree(store.folder(session_id), ignore_errors=True)
        raise
    return session_id


def _extract(archive: Archive, staging: Path) -> None:
    # session.json is written from the copy that was checked (the file could have
    # changed since), and an imported report.html is left out: it is HTML and
    # script from elsewhere, and `voicecoach report` makes a trusted one.
    (staging / SESSION_FILE).write_text(json.dumps(archive.session, indent=1), encoding="utf-8")
    with zipfile.ZipFile(archive.path) as source:
        for info in archive.members:
            if info.filename not in (SESSION_FILE, REPORT_FILE):
                _copy_member(archive.path, source, info, staging / info.filename)


def _copy_member(path: Path, source: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    # The header's size is only a claim: count what really comes out.
    written = 0
    with source.open(info) as member, open(target, "wb") as out:
        while chunk := member.read(CHUNK_BYTES):
            written += len(chunk)
            if written > info.file_size:
                raise StoreError(f"{path}: '{info.filename}' is larger than its header says; refusing the archive")
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if info.filename.endswith(".wav") and not _looks_like_wav(target):
        raise StoreError(f"{path}: '{info.filename}' is not a WAV file; refusing the archive")


def _looks_like_wav(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(12)
    return head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE"

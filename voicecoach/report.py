"""A stored session as one self-contained HTML page, and replayed in the terminal.

The page works opened from disk with no network: CSS, script and plots are
inline, and every recording is embedded as a data: URI (Ogg Vorbis, which
Chromium and Firefox play; WAV when libsndfile cannot encode Vorbis). All text
comes from stored sessions (transcripts are user data), so the template is
rendered with jinja2's autoescaping on and nothing is marked safe.
"""

from __future__ import annotations

import base64
import io
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from voicecoach.errors import StoreError, VoiceCoachError

REPORT_NAME = "report.html"
TEMPLATE = "report.html.j2"
# Vorbis quality for embedded speech: at 0.5 a 16 kHz reply costs ~45 kbit/s and
# stays clear, so a 10-turn page is a few MB instead of ~15 MB of WAV.
VORBIS_COMPRESSION = 0.5
HEART_NAMES = {"hear": "Hear", "empathize": "Empathize", "accept": "Accept", "reassure": "Reassure",
               "take_action": "Take action"}
REACTIONS = {"calms": "the customer calms down", "escalates": "the customer gets angrier",
             "holds": "the customer is not convinced yet", "silent": "the customer waits"}
ENDINGS = {"resolved": "resolved", "escalated": "lost: the customer escalated", "turn_limit": "out of time",
           "stopped": "stopped"}
# Checks judged on the whole reply (pace, pitch, volume) would highlight every word;
# they are shown on the plot instead.
WHOLE_REPLY = "whole reply"


@dataclass(frozen=True)
class PlotOptions:
    """Geometry and ranges of the per-turn pitch/loudness plot.

    Attributes:
        width_px, panel_px: SVG width and the height of each of the two panels.
        left_px, right_px: room for the axis labels.
        pitch_range_st: the pitch panel spans +/- this many semitones around the
            reference (an octave each way covers agitated speech).
        loudness_low_db, loudness_high_db: the loudness panel's range around the
            baseline loudness.
        loudness_hop_s: loudness is averaged over this much audio per point, so the
            line follows syllables rather than every 10 ms frame.
        max_points: pitch frames are thinned to at most this many per turn to keep
            the page small.
    """

    width_px: int = 760
    panel_px: int = 90
    left_px: int = 74
    right_px: int = 12
    pitch_range_st: float = 12.0
    loudness_low_db: float = -24.0
    loudness_high_db: float = 12.0
    loudness_hop_s: float = 0.08
    max_points: int = 800


PLOT = PlotOptions()


# ---------------------------------------------------------------------- public API


def render_report(session: dict[str, Any], folder: Path) -> str:
    """One self-contained HTML page for a stored session.

    Args:
        session: the session as stored (session.json).
        folder: the session's folder, where its turn WAVs are.

    Returns:
        The HTML text. Missing or unreadable audio and turns lacking fields are
        reported on the page in place of what could not be shown; they never raise.
    """
    view = _session_view(session, folder)
    return _template().render(**view)


def write_report(store: Any, session_id: str, out: Path | None = None) -> Path:
    """Render a stored session's report and write it (atomically).

    Args:
        store: a `voicecoach.store.Store`.
        session_id: the session to report.
        out: where to write; default `<session folder>/report.html`.

    Returns:
        The path written.

    Raises:
        StoreError: unknown session, unreadable session.json, or the file cannot be written.
    """
    session = _checked(store.load(session_id), session_id)
    folder = store.folder(session_id)
    target = out if out is not None else folder / REPORT_NAME
    html = render_report(session, folder)
    try:
        _write_atomic(target, html)
    except OSError as exc:
        raise StoreError(f"cannot write the report to {target} ({exc.strerror or exc}); pick another path") from None
    return target


def replay(session: dict[str, Any], folder: Path, *, play: Callable[[Any], None] | None = None,
           echo: Callable[[str], None] = print) -> None:
    """Walk through a stored session in the terminal, turn by turn.

    Args:
        session: the stored session.
        folder: its folder (for the audio).
        play: plays a `Recording` and waits until it ends; None = print only.
        echo: where each line of text goes.
    """
    echo(f"Session {session.get('id', '?')}: {session.get('trainee', '?')} with {_persona_title(session)}, "
         f"{_date_text(session.get('started_at'))}")
    for number, turn in enumerate(_turns(session), 1):
        play = _replay_turn(turn, number, folder, play=play, echo=echo)
    _replay_summary(session, echo)


def load_session(store: Any, session_id: str) -> dict[str, Any]:
    """`store.load` plus a shape check, so a report never starts on a non-session."""
    return _checked(store.load(session_id), session_id)


# ---------------------------------------------------------------------- replay


def _replay_turn(turn: dict[str, Any], number: int, folder: Path, *, play: Callable[[Any], None] | None,
                 echo: Callable[[str], None]) -> Callable[[Any], None] | None:
    """Print (and play) one turn; returns the player, or None once the device failed."""
    state = f" ({turn['state']})" if turn.get("state") else ""
    echo(f"\nTurn {number}{state}")
    echo(f"Customer: \"{turn.get('customer_line') or ''}\"")
    play = _play_file(turn, "customer", folder, play, echo)
    if turn.get("interrupted"):
        echo("  (you spoke over the customer)")
    echo(f"  You: \"{turn.get('transcript') or '(no reply heard)'}\"")
    play = _play_file(turn, "trainee", folder, play, echo)
    failed = [c for c in _dicts(turn.get("checks")) if c.get("passed") is False]
    if failed:
        echo("  Findings:")
        for c in failed:
            at = f" [{c['start_s']:.1f} s]" if _is_number(c.get("start_s")) else ""
            echo(f"   - {c.get('id', '?')}: {c.get('message') or ''}{at}")
    reaction = REACTIONS.get(str(turn.get("outcome")), "the customer's reaction was not recorded")
    echo(f"  Score {_score_text(turn.get('score'))}; {reaction}.")
    if turn.get("error"):
        echo(f"  ! {turn['error']}")
    return play


def _play_file(turn: dict[str, Any], who: str, folder: Path, play: Callable[[Any], None] | None,
               echo: Callable[[str], None]) -> Callable[[Any], None] | None:
    if play is None:
        return None
    recording, missing = _load_audio(turn, who, folder)
    if recording is None:
        echo(f"  ({missing})")
        return play
    try:
        play(recording)
    except VoiceCoachError as exc:
        # A vanished device ends playback, not the replay: the text still helps.
        echo(f"  (audio off: {exc})")
        return None
    return play


def _replay_summary(session: dict[str, Any], echo: Callable[[str], None]) -> None:
    summary = session.get("summary") if isinstance(session.get("summary"), dict) else {}
    ending = ENDINGS.get(str(session.get("outcome")), "in progress")
    echo(f"\nCall {ending}. Session score: {_score_text(session.get('score'))} over {len(_turns(session))} turn(s).")
    for i, item in enumerate(_dicts(summary.get("practice_next")), 1):
        if i == 1:
            echo("Practise next:")
        where = f" (turn {item['turn'] + 1})" if isinstance(item.get("turn"), int) else ""
        echo(f"  {i}. {item.get('check_id', '?')}{where}: {item.get('try') or item.get('why') or ''}")


# ---------------------------------------------------------------------- page model


def _session_view(session: dict[str, Any], folder: Path) -> dict[str, Any]:
    turns = [_turn_view(turn, number, folder, session.get("baseline")) for number, turn in
             enumerate(_turns(session), 1)]
    summary = session.get("summary") if isinstance(session.get("summary"), dict) else {}
    return {
        "session_id": str(session.get("id") or folder.name),
        "trainee": str(session.get("trainee") or "?"),
        "persona": _persona_title(session),
        "date": _date_text(session.get("started_at")),
        "ending": ENDINGS.get(str(session.get("outcome")), "in progress"),
        "score": _score_text(session.get("score")),
        "turns": turns,
        "practice_next": [{"check_id": str(item.get("check_id") or "?"), "why": str(item.get("why") or ""),
                           "try": str(item.get("try") or ""),
                           "turn": item["turn"] + 1 if isinstance(item.get("turn"), int) else None}
                          for item in _dicts(summary.get("practice_next"))],
    }


def _turn_view(turn: dict[str, Any], number: int, folder: Path, baseline: Any) -> dict[str, Any]:
    checks = _dicts(turn.get("checks"))
    prosody = turn.get("prosody") if isinstance(turn.get("prosody"), dict) else None
    trainee_audio, trainee_rec = _audio_view(turn, "trainee", folder, number)
    customer_audio, _ = _audio_view(turn, "customer", folder, number)
    audio_id = trainee_audio["id"] if trainee_audio.get("src") else ""
    plot, plot_note = _plot_view(trainee_rec, prosody, baseline if isinstance(baseline, dict) else None)
    if trainee_rec is None:
        plot_note = trainee_audio["missing"]
    return {
        "number": number,
        "state": str(turn.get("state") or ""),
        "customer_line": str(turn.get("customer_line") or ""),
        "interrupted": bool(turn.get("interrupted")),
        "error": str(turn.get("error") or ""),
        "warnings": [str(w) for w in turn.get("warnings") or [] if w] if isinstance(turn.get("warnings"), list) else [],
        "transcript": _transcript_view(turn, checks, audio_id),
        "customer_audio": customer_audio,
        "trainee_audio": trainee_audio,
        "audio_id": audio_id,
        "plot": plot,
        "plot_note": plot_note,
        "checks": [_check_row(c) for c in checks],
        "heart": _heart_view(turn.get("heart")),
        "score": _score_text(turn.get("score")),
        "score_value": turn.get("score") if _is_number(turn.get("score")) else None,
        "feedback": [_feedback_view(f) for f in _dicts(turn.get("feedback"))[:3]],
        "reaction": REACTIONS.get(str(turn.get("outcome")), "reaction not recorded"),
        "outcome": str(turn.get("outcome") or ""),
        "reply_pause": _reply_pause_text(prosody),
    }


def _transcript_view(turn: dict[str, Any], checks: list[dict[str, Any]], audio_id: str) -> dict[str, Any]:
    """The reply as runs of words; a run sharing the same evidencing checks is one <mark>."""
    text = str(turn.get("transcript") or "")
    words = [w for w in _dicts(turn.get("words")) if str(w.get("text") or "").strip()]
    if not words:
        return {"text": text, "runs": [], "no_speech": bool(turn.get("no_speech")) or not text}
    spans = [c for c in checks if c.get("passed") in (True, False) and c.get("evidence") != WHOLE_REPLY
             and _is_number(c.get("start_s")) and _is_number(c.get("end_s")) and c["end_s"] > c["start_s"]]
    runs: list[dict[str, Any]] = []
    for word in words:
        hits = tuple(c for c in spans if _word_in(word, c))
        key = tuple(c.get("id") for c in hits)
        if runs and runs[-1]["key"] == key:
            runs[-1]["words"].append(str(word["text"]).strip())
            continue
        runs.append({"key": key, "words": [str(word["text"]).strip()], "checks": hits,
                     "t": word.get("start_s") if _is_number(word.get("start_s")) else None})
    for run in runs:
        run["text"] = " ".join(run.pop("words"))
        hits = run.pop("checks")
        run["failed"] = any(c.get("passed") is False for c in hits)
        run["title"] = "; ".join(f"{c.get('id')} ({'passed' if c.get('passed') else 'failed'}): "
                                 f"{c.get('message') or ''}" for c in hits)
        run["audio"] = audio_id if run["t"] is not None else ""
    return {"text": text, "runs": runs, "no_speech": False}


def _word_in(word: dict[str, Any], check: dict[str, Any]) -> bool:
    """A word belongs to a check's evidence when its middle lies in the check's span
    (50 ms slack: word and check times are snapped separately)."""
    if not (_is_number(word.get("start_s")) and _is_number(word.get("end_s"))):
        return False
    middle_s = (word["start_s"] + word["end_s"]) / 2
    return check["start_s"] - 0.05 <= middle_s <= check["end_s"] + 0.05


def _check_row(check: dict[str, Any]) -> dict[str, Any]:
    passed = check.get("passed")
    spec = _check_specs().get(str(check.get("id")))
    start_s = check.get("start_s") if _is_number(check.get("start_s")) else None
    return {
        "id": str(check.get("id") or "?"),
        "status": {True: "passed", False: "failed"}.get(passed, "n.a."),
        "value": _fmt(check.get("value")),
        "threshold": _fmt(check.get("threshold")),
        "message": str(check.get("message") or ""),
        "guidance": spec.guidance if spec is not None else "",
        "heart": HEART_NAMES.get(spec.heart or "", "") if spec is not None else "",
        "t": start_s if passed is False and check.get("evidence") != WHOLE_REPLY else None,
    }


def _feedback_view(item: dict[str, Any]) -> dict[str, Any]:
    start_s = item.get("start_s") if _is_number(item.get("start_s")) else None
    return {"check_id": str(item.get("check_id") or ""), "text": str(item.get("text") or ""),
            "quote": str(item.get("quote") or ""), "suggestion": str(item.get("suggestion") or "").strip('"'),
            "t": start_s}


def _heart_view(heart: Any) -> list[dict[str, Any]]:
    heart = heart if isinstance(heart, dict) else {}
    rows = []
    for key, name in HEART_NAMES.items():
        value = heart.get(key)
        value = float(value) if _is_number(value) else None
        rows.append({"name": name, "value": "n/a" if value is None else f"{value:.0f}",
                     "width": 0.0 if value is None else max(0.0, min(100.0, value))})
    return rows


# ---------------------------------------------------------------------- audio


def _audio_view(turn: dict[str, Any], who: str, folder: Path, number: int) -> tuple[dict[str, Any], Any]:
    """A player's data (id, data: URI, MIME type) or what is missing; plus the Recording."""
    element_id = f"turn{number}-{who}"
    recording, missing = _load_audio(turn, who, folder)
    if recording is None:
        return {"id": element_id, "src": "", "type": "", "missing": missing}, None
    src, mime = _data_uri(recording.samples, recording.sample_rate)
    return {"id": element_id, "src": src, "type": mime, "missing": ""}, recording


def _load_audio(turn: dict[str, Any], who: str, folder: Path) -> tuple[Any, str]:
    """(Recording, "") or (None, a sentence saying what is missing and why)."""
    from voicecoach import audio

    name = turn.get(f"{who}_audio")
    if turn.get("audio_pruned"):
        return None, f"{who} audio deleted by the retention setting (the scores are kept)"
    if not isinstance(name, str) or not name:
        return None, f"{who} audio missing: not recorded for this turn"
    # The name comes from session.json: only a plain file inside the session folder.
    if Path(name).name != name or name.startswith("."):
        return None, f"{who} audio missing: '{name}' is not a file name in the session folder"
    path = folder / name
    if not path.is_file():
        return None, f"{who} audio missing: {name}"
    try:
        return audio.load(path), ""
    except VoiceCoachError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        return None, f"{who} audio unreadable: {name} ({reason})"
    except (OSError, RuntimeError, ValueError) as exc:
        return None, f"{who} audio unreadable: {name} ({exc})"


def _data_uri(samples: np.ndarray, sample_rate: int) -> tuple[str, str]:
    """Encode to Ogg Vorbis (WAV if this libsndfile has no Vorbis) as a data: URI."""
    import soundfile as sf

    buffer = io.BytesIO()
    try:
        sf.write(buffer, samples, sample_rate, format="OGG", subtype="VORBIS", compression_level=VORBIS_COMPRESSION)
        mime, player_type = "audio/ogg", "audio/ogg; codecs=vorbis"
    except (sf.LibsndfileError, RuntimeError, TypeError):
        buffer = io.BytesIO()
        sf.write(buffer, samples, sample_rate, format="WAV", subtype="PCM_16")
        mime, player_type = "audio/wav", "audio/wav"
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:{mime};base64,{encoded}", player_type


# ---------------------------------------------------------------------- plot


def _plot_view(recording: Any, prosody: dict[str, Any] | None, baseline: dict[str, Any] | None,
               options: PlotOptions = PLOT) -> tuple[dict[str, Any] | None, str]:
    """SVG geometry of pitch (semitones vs the reference) and loudness (dB vs the
    reference) over the trainee's recording, pauses and the reply pause; or (None, why)."""
    if recording is None:
        return None, ""
    duration_s = len(recording.samples) / recording.sample_rate
    if duration_s <= 0:
        return None, "trainee audio is empty"
    spans = _spans(prosody, "speech_spans")
    pitch_hz, pitch_times_s = _pitch(recording, spans)
    loud_db, loud_times_s = _loudness(recording, spans, options)
    pitch_ref_hz, pitch_ref_label = _pitch_reference(pitch_hz, prosody, baseline)
    loud_ref_db, loud_ref_label = _loudness_reference(loud_db, prosody, baseline)
    x = _x_scale(duration_s, options)
    top_px, bottom_px = 8, 8 + options.panel_px + 18
    pitch_st = 12.0 * np.log2(pitch_hz / pitch_ref_hz) if pitch_ref_hz else np.full_like(pitch_hz, np.nan)
    view = {
        "width": options.width_px,
        "height": bottom_px + options.panel_px + 26,
        "left": options.left_px,
        "right": options.width_px - options.right_px,
        "pitch_top": top_px, "loud_top": bottom_px, "panel": options.panel_px,
        "pitch_path": _path(pitch_times_s, pitch_st, x, _y_scale(top_px, options.panel_px, options.pitch_range_st,
                                                                -options.pitch_range_st)),
        "loud_path": _path(loud_times_s, loud_db - loud_ref_db if loud_ref_db is not None else loud_db * np.nan, x,
                           _y_scale(bottom_px, options.panel_px, options.loudness_high_db, options.loudness_low_db)),
        "pitch_zero": _y_scale(top_px, options.panel_px, options.pitch_range_st, -options.pitch_range_st)(0.0),
        "loud_zero": _y_scale(bottom_px, options.panel_px, options.loudness_high_db, options.loudness_low_db)(0.0),
        "pitch_ref": pitch_ref_label, "loud_ref": loud_ref_label,
        "pitch_range": f"{options.pitch_range_st:g}",
        "loud_high": f"{options.loudness_high_db:+g}", "loud_low": f"{options.loudness_low_db:+g}",
        "pauses": [{"x": x(p[0]), "w": max(1.0, x(p[1]) - x(p[0]))} for p in _spans(prosody, "pauses")],
        "reply_pause": _reply_pause_mark(prosody, x),
        "ticks": [{"x": x(t), "label": f"{t:g} s"} for t in _ticks(duration_s)],
        "duration_s": round(duration_s, 3),
    }
    return view, ""


def _pitch(recording: Any, spans: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    from voicecoach.prosody import pitch_track
    from voicecoach.types import Span

    span_list = [Span(a, b) for a, b in spans] if spans else None
    f0_hz, times_s = pitch_track(recording.samples, sample_rate=recording.sample_rate, spans=span_list)
    step = max(1, math.ceil(len(f0_hz) / PLOT.max_points))
    return f0_hz[::step], times_s[::step]


def _loudness(recording: Any, spans: list[tuple[float, float]], options: PlotOptions) -> tuple[np.ndarray, np.ndarray]:
    """Frame power in dBFS averaged over `loudness_hop_s`, NaN outside speech: the
    baseline is a speech loudness, so pauses have nothing to compare."""
    from voicecoach.prosody import DEFAULT_OPTIONS, _frame_db

    frame_db, hop_s = _frame_db(recording.samples, sample_rate=recording.sample_rate, options=DEFAULT_OPTIONS)
    group = max(1, int(round(options.loudness_hop_s / hop_s)))
    usable = len(frame_db) // group * group
    if usable == 0:
        return np.array([]), np.array([])
    power = np.power(10.0, frame_db[:usable] / 10.0).reshape(-1, group).mean(axis=1)
    level_db = 10.0 * np.log10(np.maximum(power, 1e-12))
    times_s = (np.arange(len(level_db)) + 0.5) * group * hop_s
    if spans:
        inside = np.zeros(len(times_s), dtype=bool)
        for start_s, end_s in spans:
            inside |= (times_s >= start_s) & (times_s <= end_s)
        level_db = np.where(inside, level_db, np.nan)
    return level_db, times_s


def _pitch_reference(pitch_hz: np.ndarray, prosody: dict[str, Any] | None,
                     baseline: dict[str, Any] | None) -> tuple[float | None, str]:
    if baseline and _is_number(baseline.get("pitch_median_hz")) and baseline["pitch_median_hz"] > 0:
        return float(baseline["pitch_median_hz"]), f"baseline {baseline['pitch_median_hz']:.0f} Hz"
    own = prosody.get("pitch_median_hz") if prosody else None
    if not _is_number(own) and np.isfinite(pitch_hz).any():
        own = float(np.nanmedian(pitch_hz))
    if _is_number(own) and own > 0:
        return float(own), f"this reply {own:.0f} Hz (no baseline)"
    return None, "no pitch measured"


def _loudness_reference(level_db: np.ndarray, prosody: dict[str, Any] | None,
                        baseline: dict[str, Any] | None) -> tuple[float | None, str]:
    if baseline and _is_number(baseline.get("loudness_db")):
        return float(baseline["loudness_db"]), f"baseline {baseline['loudness_db']:.0f} dBFS"
    own = prosody.get("loudness_db") if prosody else None
    if not _is_number(own) and np.isfinite(level_db).any():
        own = float(np.nanmedian(level_db))
    if _is_number(own):
        return float(own), f"this reply {own:.0f} dBFS (no baseline)"
    return None, "no loudness measured"


def _reply_pause_mark(prosody: dict[str, Any] | None, x: Callable[[float], float]) -> dict[str, Any] | None:
    """The leading silence before speech; negative means the trainee spoke over the
    customer, which has no width on this time axis, so it is a marker at 0 s."""
    pause_s = prosody.get("reply_pause_s") if prosody else None
    if not _is_number(pause_s):
        return None
    if pause_s < 0:
        return {"x": x(0.0), "w": 3.0, "over": True, "label": f"spoke over the customer by {-pause_s:.1f} s"}
    return {"x": x(0.0), "w": max(1.0, x(pause_s) - x(0.0)), "over": False, "label": f"reply pause {pause_s:.1f} s"}


def _x_scale(duration_s: float, options: PlotOptions) -> Callable[[float], float]:
    width_px = options.width_px - options.left_px - options.right_px
    return lambda t_s: round(options.left_px + width_px * min(max(t_s, 0.0), duration_s) / duration_s, 1)


def _y_scale(top_px: float, height_px: float, high: float, low: float) -> Callable[[float], float]:
    return lambda v: round(top_px + height_px * (high - min(max(v, low), high)) / (high - low), 1)


def _path(times_s: np.ndarray, values: np.ndarray, x: Callable[[float], float], y: Callable[[float], float]) -> str:
    """An SVG path through the finite points; a gap (NaN) starts a new stroke. A lone
    point gets a zero-length segment, which round line caps draw as a dot (a bare
    moveto draws nothing): short voiced bursts must stay visible."""
    strokes: list[list[str]] = []
    pen_down = False
    for t_s, v in zip(times_s.tolist(), np.asarray(values, dtype=float).tolist()):
        if not math.isfinite(v):
            pen_down = False
            continue
        if not pen_down:
            strokes.append([])
        strokes[-1].append(f"{x(t_s)} {y(v)}")
        pen_down = True
    return " ".join("M" + " L".join(points) + (" h0" if len(points) == 1 else "") for points in strokes)


def _ticks(duration_s: float) -> list[float]:
    step_s = next((s for s in (1, 2, 5, 10, 20, 30, 60) if duration_s / s <= 12), 120)
    return [float(t) for t in range(0, int(duration_s) + 1, step_s)]


def _spans(prosody: dict[str, Any] | None, key: str) -> list[tuple[float, float]]:
    items = prosody.get(key) if prosody else None
    return [(float(s["start_s"]), float(s["end_s"])) for s in _dicts(items)
            if _is_number(s.get("start_s")) and _is_number(s.get("end_s")) and s["end_s"] >= s["start_s"]]


def _reply_pause_text(prosody: dict[str, Any] | None) -> str:
    pause_s = prosody.get("reply_pause_s") if prosody else None
    if not _is_number(pause_s):
        return ""
    return f"spoke over the customer by {-pause_s:.1f} s" if pause_s < 0 else f"reply pause {pause_s:.1f} s"


# ---------------------------------------------------------------------- helpers


@lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("voicecoach", "data"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(TEMPLATE)


@lru_cache(maxsize=1)
def _check_specs() -> dict[str, Any]:
    from voicecoach.rules import all_checks

    return all_checks()


def _checked(session: Any, session_id: str) -> dict[str, Any]:
    if not isinstance(session, dict) or not isinstance(session.get("turns", []), list):
        raise StoreError(f"session '{session_id}': session.json is not a stored session; "
                         "restore it from a backup or remove the folder")
    return session


def _turns(session: dict[str, Any]) -> list[dict[str, Any]]:
    return _dicts(session.get("turns"))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value) or "none"
    return str(value)


def _score_text(score: Any) -> str:
    return f"{score:.0f}/100" if _is_number(score) else "n/a"


def _date_text(stamp: Any) -> str:
    try:
        return datetime.fromisoformat(str(stamp)).strftime("%Y-%m-%d %H:%M %Z").strip()
    except ValueError:
        return str(stamp or "date unknown")


def _persona_title(session: dict[str, Any]) -> str:
    persona_id = str(session.get("persona_id") or "")
    if not persona_id:
        return "unknown customer"
    try:
        from voicecoach.personas import get_persona

        persona = get_persona(persona_id)
    except VoiceCoachError:
        return persona_id
    return f"{persona.customer_name}, {persona.title.lower()} ({persona_id})"


def _write_atomic(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)

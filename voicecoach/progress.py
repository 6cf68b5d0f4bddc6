"""A trainee's progress: scores and HEART steps over time, per customer, and the
checks they miss most often. Read from the stored sessions; nothing is cached,
so a re-score or a deletion shows at once."""

from __future__ import annotations

import html
from typing import Any

from voicecoach.errors import StoreError
from voicecoach.store import session_problem
from voicecoach.scoring import HEART_STEPS

LABELS = {"hear": "Hear", "empathize": "Empathize", "accept": "Accept", "reassure": "Reassure",
          "take_action": "Take action"}
MOST_MISSED = 5


def progress(store: Any, trainee: str, *, persona_id: str | None = None) -> dict[str, Any]:
    """Everything `voicecoach progress` shows, as plain data (oldest session first).

    Raises:
        StoreError: the trainee has no stored sessions.
    """
    rows = [r for r in store.list(trainee=trainee) if persona_id is None or r["persona_id"] == persona_id]
    if not rows:
        which = f" with persona '{persona_id}'" if persona_id else ""
        raise StoreError(f"no sessions stored for trainee '{trainee}'{which}; list them with `voicecoach sessions`")
    sessions: list[dict[str, Any]] = []
    warnings: list[str] = []
    missed: dict[str, list[int]] = {}  # check id -> [missed, judged]
    for row in reversed(rows):
        try:
            stored = store.load(row["id"])
            problem = session_problem(stored, folder_name=row["id"])
            if problem:
                raise StoreError(f"session.json {problem}")
            line = _session_line(row, stored)
            checks = [c for t in stored["turns"] for c in (t.get("checks") or [])
                      if isinstance(c, dict) and isinstance(c.get("id"), str) and c.get("passed") is not None]
        except (StoreError, AttributeError, TypeError) as exc:
            warnings.append(f"session {row['id']} left out: {exc}")
            continue
        sessions.append(line)
        for check in checks:
            tally = missed.setdefault(check["id"], [0, 0])
            tally[0] += not check["passed"]
            tally[1] += 1
    return {
        "trainee": trainee,
        "persona": persona_id,
        "sessions": sessions,
        "personas": _per_persona(sessions),
        "heart": _mean_heart(sessions),
        "trend": _trend([s["score"] for s in sessions if s["score"] is not None]),
        "most_missed": _most_missed(missed),
        "warnings": warnings,
    }


def _session_line(row: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    heart: dict[str, float | None] = {}
    for step in HEART_STEPS:
        values = [t["heart"][step] for t in stored["turns"]
                  if isinstance(t.get("heart"), dict) and isinstance(t["heart"].get(step), (int, float))]
        heart[step] = round(sum(values) / len(values), 1) if values else None
    return {"id": row["id"], "started_at": row["started_at"], "persona_id": row["persona_id"], "score": row["score"],
            "outcome": row["outcome"], "turns": row["turns"], "heart": heart}


def _per_persona(sessions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for s in sessions:
        entry = out.setdefault(s["persona_id"], {"sessions": 0, "scores": []})
        entry["sessions"] += 1
        if s["score"] is not None:
            entry["scores"].append(s["score"])
    for pid, entry in out.items():
        entry["heart"] = _mean_heart([s for s in sessions if s["persona_id"] == pid])
        scores = entry.pop("scores")
        entry.update({"first": scores[0] if scores else None, "last": scores[-1] if scores else None,
                      "best": max(scores) if scores else None,
                      "mean": round(sum(scores) / len(scores), 1) if scores else None})
    return out


def _mean_heart(sessions: list[dict[str, Any]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for step in HEART_STEPS:
        values = [s["heart"][step] for s in sessions if s["heart"].get(step) is not None]
        out[step] = round(sum(values) / len(values), 1) if values else None
    return out


def _trend(scores: list[float]) -> float | None:
    """Mean of the last three sessions minus the mean of the first three (points)."""
    if len(scores) < 2:
        return None
    k = min(3, len(scores) // 2)
    return round(sum(scores[-k:]) / k - sum(scores[:k]) / k, 1)


def _most_missed(missed: dict[str, list[int]]) -> list[dict[str, Any]]:
    from voicecoach.rules import all_checks

    checks = all_checks()
    ranked = sorted(((cid, m, n) for cid, (m, n) in missed.items() if m), key=lambda x: (-x[1] / x[2], -x[1], x[0]))
    return [{"check_id": cid, "missed": m, "judged": n, "miss_rate": round(m / n, 2),
             "guidance": checks[cid].guidance if cid in checks else ""}
            for cid, m, n in ranked[:MOST_MISSED]]


# ---------------------------------------------------------------------- rendering


def _fmt(value: float | None) -> str:
    return "  -" if value is None else f"{value:3.0f}"


def render_text(data: dict[str, Any]) -> str:
    lines = [f"Progress of {data['trainee']}" + (f" with {data['persona']}" if data["persona"] else "")]
    head = "  date        customer            score  " + "  ".join(f"{LABELS[s][:5]:>5}" for s in HEART_STEPS) + "  outcome"
    lines += ["", head]
    for s in data["sessions"]:
        steps = "  ".join(f"{_fmt(s['heart'][step]):>5}" for step in HEART_STEPS)
        lines.append(f"  {s['started_at'][:10]}  {s['persona_id']:<18}  {_fmt(s['score'])}    {steps}  {s['outcome'] or 'unfinished'}")
    if data["trend"] is not None:
        lines += ["", f"Trend: {data['trend']:+.0f} points (last sessions against the first)."]
    lines += ["", "Per customer:"]
    for pid, p in data["personas"].items():
        steps = ", ".join(f"{LABELS[step]} {_fmt(p['heart'][step]).strip()}" for step in HEART_STEPS)
        lines.append(f"  {pid:<18} {p['sessions']} session(s), first {_fmt(p['first']).strip()}, "
                     f"last {_fmt(p['last']).strip()}, best {_fmt(p['best']).strip()}; HEART: {steps}")
    if data["most_missed"]:
        lines += ["", "Most often missed:"]
        for m in data["most_missed"]:
            lines.append(f"  {m['check_id']:<26} missed {m['missed']} of {m['judged']}: {m['guidance']}")
    return "\n".join(lines)


COLOURS = {"score": "#111", "hear": "#1f77b4", "empathize": "#d62728", "accept": "#2ca02c", "reassure": "#9467bd",
           "take_action": "#ff7f0e"}
MARKERS = ("circle", "square", "diamond", "triangle")


def render_html(data: dict[str, Any]) -> str:
    """A self-contained page: the chart as inline SVG, the tables, no external files."""
    e = html.escape
    sessions = data["sessions"]
    width, height, pad = 760, 300, 40
    n = max(len(sessions) - 1, 1)

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * (i / n if len(sessions) > 1 else 0.5)

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / 100

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="scores over time">']
    for v in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                     f'<text x="{pad - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{v}</text>')
    for key in ("score", *HEART_STEPS):
        points = [(x(i), y(s["score"] if key == "score" else s["heart"][key])) for i, s in enumerate(sessions)
                  if (s["score"] if key == "score" else s["heart"][key]) is not None]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            stroke = 3 if key == "score" else 1.5
            parts.append(f'<polyline fill="none" stroke="{COLOURS[key]}" stroke-width="{stroke}" points="{path}">'
                         f"<title>{e(LABELS.get(key, key))}</title></polyline>")
    personas = list(data["personas"])
    for i, s in enumerate(sessions):
        if s["score"] is None:
            continue
        marker = MARKERS[personas.index(s["persona_id"]) % len(MARKERS)]
        parts.append(_marker(marker, x(i), y(s["score"]),
                             f"{s['started_at'][:10]} {s['persona_id']}: {s['score']:.0f} ({s['outcome'] or 'unfinished'})"))
    parts.append("</svg>")
    legend = " ".join(f'<span style="color:{c}">&#9632; {e(LABELS.get(k, k))}</span>' for k, c in COLOURS.items())
    legend += " &nbsp; " + " ".join(f"{_marker_glyph(MARKERS[i % len(MARKERS)])} {e(p)}" for i, p in enumerate(personas))
    missed = "".join(f"<tr><td>{e(m['check_id'])}</td><td>{m['missed']} of {m['judged']}</td><td>{e(m['guidance'])}</td></tr>"
                     for m in data["most_missed"])
    table = "".join(
        f"<tr><td>{e(s['started_at'][:16].replace('T', ' '))}</td><td>{e(s['persona_id'])}</td><td>{_fmt(s['score'])}</td>"
        + "".join(f"<td>{_fmt(s['heart'][step])}</td>" for step in HEART_STEPS)
        + f"<td>{e(s['outcome'] or 'unfinished')}</td></tr>" for s in sessions)
    trend = "" if data["trend"] is None else f"<p>Trend: <b>{data['trend']:+.0f}</b> points (last sessions against the first).</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Progress of {e(data['trainee'])}</title>
<style>body{{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}}table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;font-size:14px}}svg{{width:100%;height:auto}}</style></head>
<body><h1>Progress of {e(data['trainee'])}</h1>
<p>{len(sessions)} session(s){' with ' + e(data['persona']) if data['persona'] else ''}. Score and HEART steps (0-100) per session, oldest first.</p>
{''.join(parts)}<p>{legend}</p>{trend}
<h2>Sessions</h2><table><tr><th>date</th><th>customer</th><th>score</th>{''.join(f'<th>{LABELS[s]}</th>' for s in HEART_STEPS)}<th>outcome</th></tr>{table}</table>
<h2>Most often missed</h2><table><tr><th>check</th><th>missed</th><th>what to do</th></tr>{missed or '<tr><td colspan="3">nothing missed</td></tr>'}</table>
</body></html>
"""


def _marker(kind: str, cx: float, cy: float, title: str) -> str:
    t = f"<title>{html.escape(title)}</title>"
    if kind == "square":
        return f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="#111">{t}</rect>'
    if kind == "diamond":
        return f'<polygon points="{cx:.1f},{cy - 6:.1f} {cx + 6:.1f},{cy:.1f} {cx:.1f},{cy + 6:.1f} {cx - 6:.1f},{cy:.1f}" fill="#111">{t}</polygon>'
    if kind == "triangle":
        return f'<polygon points="{cx:.1f},{cy - 6:.1f} {cx + 6:.1f},{cy + 5:.1f} {cx - 6:.1f},{cy + 5:.1f}" fill="#111">{t}</polygon>'
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="#111">{t}</circle>'


def _marker_glyph(kind: str) -> str:
    return {"square": "&#9632;", "diamond": "&#9670;", "triangle": "&#9650;"}.get(kind, "&#9679;")

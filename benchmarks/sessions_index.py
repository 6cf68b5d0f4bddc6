"""How fast `voicecoach sessions` lists and filters a big store.

Builds a data dir of N sessions (default 10,000: 40 trainees, the nine personas,
two years of dates, scores spread like real ones) with a small session.json per
folder, indexes it with `Store.repair()` (the real rebuild path), then times the
listing queries in process and `voicecoach sessions ... --json` as a whole
process, as a trainer would run it. Target: under 0.5 s for the whole process.

    python benchmarks/sessions_index.py [--sessions N] [--runs R] [--json]

`voicecoach bench` imports `build_store` and `time_cli` from here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERSONAS = ("angry-eddie", "missing-parcel", "loud-demander", "abusive-caller", "never-satisfied", "know-it-all",
            "abrupt-executive", "cultural-sarcasm", "overdue-borrower")
TRAINEES = 40
OUTCOMES = ("resolved", "escalated", "turn_limit", "stopped")
START = datetime(2023, 1, 2, 8, 0, tzinfo=timezone.utc)
SPAN_DAYS = 730
# The trainee whose sessions the timed queries list (1/40th of the store).
PROBE = "trainee-07"
QUERIES = {
    "trainee": ["--trainee", PROBE],
    "trainee_month": ["--trainee", PROBE, "--since", "2024-03-01", "--until", "2024-03-31"],
    "persona_low_scores": ["--persona", "angry-eddie", "--max-score", "50"],
    "everything": [],
}


def build_store(root: Path, sessions: int = 10_000, *, seed: int = 7) -> float:
    """Write `sessions` session folders under `root` and index them; return the index build time (s)."""
    from voicecoach.store import Store

    rng = random.Random(seed)
    folder = root / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(sessions):
        started = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
        session_id = f"{started:%Y%m%d-%H%M%S}-{n:06x}"
        turns = [{"index": i, "score": round(min(100.0, max(0.0, rng.gauss(65, 15))), 1),
                  "outcome": rng.choice(("calms", "holds", "escalates"))} for i in range(rng.randint(2, 8))]
        session = {"id": session_id, "trainee": f"trainee-{rng.randrange(TRAINEES):02d}",
                   "persona_id": rng.choice(PERSONAS), "started_at": started.isoformat(timespec="seconds"),
                   "ended_at": (started + timedelta(minutes=6)).isoformat(timespec="seconds"),
                   "outcome": rng.choice(OUTCOMES), "score": round(statistics.fmean(t["score"] for t in turns), 1),
                   "turns": turns, "baseline": None, "summary": None}
        (folder / session_id).mkdir()
        (folder / session_id / "session.json").write_text(json.dumps(session), encoding="utf-8")
    store = Store(root)
    start = time.perf_counter()
    report = store.repair()
    elapsed = time.perf_counter() - start
    store.close()
    if report.added != sessions:
        raise RuntimeError(f"indexed {report.added} of {sessions} sessions")
    return elapsed


def time_in_process(root: Path, args: list[str], runs: int) -> tuple[float, int]:
    """Median seconds of the listing as `sessions` does it (query + warnings check); row count."""
    from voicecoach.store import Store, time_bound

    store = Store(root)
    options = dict(zip(args[::2], args[1::2]))

    def once() -> int:
        rows = store.list(
            trainee=options.get("--trainee"), persona_id=options.get("--persona"),
            since=time_bound(options["--since"], option="--since") if "--since" in options else None,
            until=time_bound(options["--until"], option="--until", end=True) if "--until" in options else None,
            max_score=float(options["--max-score"]) if "--max-score" in options else None,
        )
        store.listing_warnings(rows)
        return len(rows)

    count = once()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    store.close()
    return statistics.median(times), count


def time_cli(root: Path, args: list[str], runs: int) -> float:
    """Median wall seconds of `python -m voicecoach sessions ARGS --json`, interpreter start included."""
    env = {**os.environ, "VOICECOACH_DATA_DIR": str(root)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "voicecoach", "sessions", *args, "--json"], env=env,
                              capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0 or proc.stderr:
            raise RuntimeError(f"sessions {' '.join(args)} failed or warned: {proc.stderr.strip()}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voicecoach-sessions-") as tmp:
        root = Path(tmp) / "data"
        start = time.perf_counter()
        index_s = build_store(root, args.sessions)
        results: dict[str, object] = {"sessions": args.sessions, "build_s": time.perf_counter() - start,
                                      "repair_index_s": index_s, "queries": {}}
        for name, query in QUERIES.items():
            in_process_s, rows = time_in_process(root, query, args.runs)
            results["queries"][name] = {"args": query, "rows": rows, "in_process_s": in_process_s,  # type: ignore[index]
                                        "process_s": time_cli(root, query, args.runs)}
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{args.sessions} sessions: folders + index built in {results['build_s']:.1f} s "
          f"(index rebuilt from the folders in {index_s:.2f} s)")
    for name, figures in results["queries"].items():  # type: ignore[union-attr]
        print(f"  sessions {' '.join(figures['args']) or '(all)':<55} {figures['rows']:>6} rows  "
              f"in-process {figures['in_process_s'] * 1000:6.1f} ms  whole process {figures['process_s']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

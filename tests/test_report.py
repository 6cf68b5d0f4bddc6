"""`voicecoach report` and `voicecoach replay` on real stored sessions; the page is
loaded in a real headless Chromium (Debian's chromium + chromium-driver)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = ROOT / "tests" / "artifacts"
# A seek lands within this of the finding's start (the audio runs on while we look).
SEEK_TOLERANCE_S = 0.3


def _session_id(data: Path, outcome: str) -> str:
    from voicecoach.store import Store

    store = Store(data)
    try:
        return next(row["id"] for row in store.list() if row["outcome"] == outcome)
    finally:
        store.close()


def _env(data: Path) -> dict[str, str]:
    return {"VOICECOACH_DATA_DIR": str(data)}


def _folder(data: Path, session_id: str) -> Path:
    return data / "sessions" / session_id


def _edit_session(data: Path, session_id: str, change) -> None:
    path = _folder(data, session_id) / "session.json"
    session = json.loads(path.read_text())
    change(session)
    path.write_text(json.dumps(session))


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # The report tests run in CI like the live tests: a missing browser is a failure.
    for path in (CHROMIUM, CHROMEDRIVER):
        assert path.exists(), f"{path} is missing: `make setup` installs chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
                "--window-size=1200,1600"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver path is given, so Selenium Manager never looks for (or downloads) one.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def reports(stored_data, tmp_path_factory) -> dict[str, Path]:
    """Both stored sessions' reports, written by the real command outside the read-only data dir."""
    out_dir = tmp_path_factory.mktemp("reports")
    written = {}
    for outcome in ("resolved", "escalated"):
        out = out_dir / f"{outcome}.html"
        proc = run_cli("report", _session_id(stored_data, outcome), "--html", str(out), env=_env(stored_data))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == str(out)
        written[outcome] = out
    return written


def _load_page(browser, page: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('audio')].every(a => a.readyState >= 1 || a.error)"))


def test_report_page_loads_cleanly_with_playable_audio(browser, reports, stored_data):
    for outcome, page in reports.items():
        _load_page(browser, page)
        players = browser.execute_script("""
            return [...document.querySelectorAll('audio')].map(a => ({
                id: a.id, ready: a.readyState, duration: a.duration, error: a.error && a.error.code,
                canPlay: a.canPlayType(a.querySelector('source').type)}))""")
        turns = json.loads((_folder(stored_data, _session_id(stored_data, outcome)) / "session.json").read_text())["turns"]
        assert len(players) == 2 * len(turns)
        for player in players:
            assert player["error"] is None and player["ready"] >= 1, player
            assert player["canPlay"] and player["duration"] > 0, player
        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert severe == [], severe
        if outcome == "resolved":
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            browser.execute_script("window.scrollTo(0, 0)")
            assert browser.save_screenshot(str(ARTIFACTS / "report.png"))


@pytest.mark.parametrize("selector", ["mark[data-t]", "li.finding[data-t]", "tr[data-t]"],
                         ids=["highlighted-word", "feedback-item", "failed-check-row"])
def test_clicking_a_finding_seeks_its_audio(browser, reports, selector):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # Findings after the first half second, so a seek cannot pass by standing still at 0.
    for page in reports.values():
        _load_page(browser, page)
        found = [el for el in browser.find_elements(By.CSS_SELECTOR, selector)
                 if float(el.get_attribute("data-t")) >= 0.5]
        if found:
            break
    else:
        pytest.fail(f"no {selector} finding with a start time in either report")
    finding = found[0]
    start_s = float(finding.get_attribute("data-t"))
    player_id = finding.get_attribute("data-audio")
    # Where the seek landed is read in the page, at the 'seeked' event: polling from
    # here would add the round trips' time of playback.
    wait = WebDriverWait(browser, 10, poll_frequency=0.05)
    browser.execute_script("document.querySelectorAll('audio').forEach(a => { a.pause(); a.currentTime = 0; });")
    wait.until(lambda d: d.execute_script("return [...document.querySelectorAll('audio')].every(a => !a.seeking)"))
    browser.execute_script("""
        const a = document.getElementById(arguments[1]);
        window.seekedAt = null;
        a.addEventListener('seeked', () => { window.seekedAt = a.currentTime; }, {once: true});
        arguments[0].scrollIntoView({block: 'center'});""", finding, player_id)
    finding.click()
    wait.until(lambda d: d.execute_script("return window.seekedAt !== null"))
    seeked_s = browser.execute_script("return window.seekedAt")
    assert start_s - 0.05 <= seeked_s <= start_s + SEEK_TOLERANCE_S
    wait.until(lambda d: d.execute_script("return !document.getElementById(arguments[0]).paused", player_id))


def test_report_names_missing_and_corrupt_audio(data_copy):
    session_id = _session_id(data_copy, "resolved")
    folder = _folder(data_copy, session_id)
    (folder / "turn-02-trainee.wav").unlink()
    customer = folder / "turn-01-customer.wav"
    customer.write_bytes(customer.read_bytes()[:5000])  # a WAV cut short: the header promises more
    proc = run_cli("report", session_id, env=_env(data_copy))
    assert proc.returncode == 0, proc.stderr
    html = (folder / "report.html").read_text()
    assert proc.stdout.strip() == str(folder / "report.html")
    assert "trainee audio missing: turn-02-trainee.wav" in html
    assert "customer audio unreadable: turn-01-customer.wav" in html
    turns = len(json.loads((folder / "session.json").read_text())["turns"])
    assert html.count("<audio") == 2 * turns - 2  # a player per recording, less the two broken ones
    # Turn 2's findings have no player to seek, so they are not made clickable.
    assert 'data-audio="turn2-trainee"' not in html


def test_report_survives_turns_lacking_fields(stored_data):
    from voicecoach.report import render_report

    session_id = _session_id(stored_data, "resolved")
    folder = _folder(stored_data, session_id)
    session = json.loads((folder / "session.json").read_text())
    full = session["turns"][0]
    session["turns"] = [
        {"index": 0},
        {**full, "prosody": None, "words": [{"text": "hi"}], "heart": None, "checks": [{"id": "x"}],
         "feedback": [{"start_s": "soon"}], "trainee_audio": "../../elsewhere.wav"},
        {**full, "customer_audio": None},
    ]
    session["baseline"] = None
    session["summary"] = {"practice_next": [{}]}
    html = render_report(session, folder)
    assert "customer audio missing: not recorded for this turn" in html
    assert "trainee audio missing: &#39;../../elsewhere.wav&#39; is not a file name" in html
    assert "(no baseline)" in html  # turn 3's plot falls back to the reply's own pitch and loudness
    assert html.count("<audio") == 2


@pytest.mark.parametrize("damage, message", [
    (None, "no session 'no-such-session'"),
    ("{not json", "unreadable session file"),
    ("[1, 2]", "is not a stored session"),
    ("", "its session.json is missing"),
], ids=["unknown-id", "corrupt-json", "not-a-session", "missing-json"])
def test_report_refuses_unknown_or_corrupt_sessions_in_one_line(data_copy, damage, message):
    if damage is None:
        session_id = "no-such-session"
    else:
        session_id = _session_id(data_copy, "resolved")
        if damage:
            (_folder(data_copy, session_id) / "session.json").write_text(damage)
        else:
            (_folder(data_copy, session_id) / "session.json").unlink()
    for command in ("report", "replay"):
        proc = run_cli(command, session_id, "--no-audio" if command == "replay" else "--html=/dev/null",
                       env=_env(data_copy))
        assert proc.returncode != 0
        assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_replay_prints_every_turn(stored_data):
    for outcome in ("resolved", "escalated"):
        session_id = _session_id(stored_data, outcome)
        session = json.loads((_folder(stored_data, session_id) / "session.json").read_text())
        proc = run_cli("replay", session_id, "--no-audio", env=_env(stored_data))
        assert proc.returncode == 0, proc.stderr
        for number, turn in enumerate(session["turns"], 1):
            assert f"Turn {number}" in proc.stdout
            assert turn["customer_line"] in proc.stdout
            assert turn["transcript"] in proc.stdout
            assert f"Score {turn['score']:.0f}/100" in proc.stdout
        assert f"Session score: {session['score']:.0f}/100" in proc.stdout


def test_replay_plays_what_it_has_and_notes_what_is_missing(data_copy):
    from voicecoach.report import replay

    session_id = _session_id(data_copy, "resolved")
    folder = _folder(data_copy, session_id)
    (folder / "turn-02-trainee.wav").unlink()
    session = json.loads((folder / "session.json").read_text())
    played, lines = [], []
    replay(session, folder, play=played.append, echo=lines.append)
    assert len(played) == 2 * len(session["turns"]) - 1
    assert all(r.sample_rate == 16000 and r.duration_s > 1.0 for r in played)
    assert "  (trainee audio missing: turn-02-trainee.wav)" in lines


def test_report_escapes_user_text(data_copy):
    session_id = _session_id(data_copy, "resolved")

    def inject(session: dict) -> None:
        turn = session["turns"][0]
        turn["transcript"] = "I hear you <script>alert('x')</script>"
        turn["words"][0]["text"] = "<script>alert('w')</script>"
        turn["customer_line"] = "<img src=x onerror=alert(1)>"
        session["trainee"] = "<b>Bob</b>"

    _edit_session(data_copy, session_id, inject)
    proc = run_cli("report", session_id, env=_env(data_copy))
    assert proc.returncode == 0, proc.stderr
    html = (_folder(data_copy, session_id) / "report.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Bob</b>" not in html
    assert "&lt;script&gt;alert(&#39;w&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert len(re.findall(r"<script>", html)) == 1  # the page's own seek script only


def test_ten_turn_report_renders_within_two_seconds(stored_data):
    from voicecoach.report import render_report

    session_id = _session_id(stored_data, "resolved")
    folder = _folder(stored_data, session_id)
    session = json.loads((folder / "session.json").read_text())
    stored = session["turns"]
    session["turns"] = [{**stored[i % len(stored)], "index": i} for i in range(10)]
    render_report({**session, "turns": stored[:1]}, folder)  # imports and template compiled once, as in a process
    start = time.perf_counter()
    html = render_report(session, folder)
    elapsed_s = time.perf_counter() - start
    assert html.count("<audio") == 20
    assert elapsed_s < 2.0


def test_demo_writes_a_report_per_session(tmp_path):
    proc = run_cli("demo", "--no-audio", env=_env(tmp_path / "data"))
    assert proc.returncode == 0, proc.stderr
    paths = [Path(line.removeprefix("Report: ")) for line in proc.stdout.splitlines() if line.startswith("Report: ")]
    assert len(paths) == 2 and all(p.is_file() and p.name == "report.html" for p in paths)

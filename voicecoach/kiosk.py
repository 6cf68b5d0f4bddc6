"""The unattended practice station: a full-screen terminal app (Textual).

Welcome → who are you (name, badge or anonymous) → which customer and how hard →
a calm reading the first time → the call, turn by turn, with captions, a level
meter, a "your turn" cue and feedback after each reply → the summary with the
trend over the trainee's earlier sessions → back to the welcome screen.

One key (space unless `kiosk_key` says otherwise) advances every screen, so a
station can be a headset and one big button. The station never exits on an
error: the message is shown and logged (`<data dir>/kiosk.log`) and the station
goes back to the welcome screen. Left alone for `kiosk_idle_s`, it goes back to
the welcome screen too, and every screen is built afresh, so the next person
never sees the previous trainee's call.

The call runs in a worker thread over `session.run_session`; where the replies
come from is injected (`make_source`), so tests drive the whole station with
recorded replies (`session.FileReplies`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import logging.handlers
import re
import secrets
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from voicecoach.errors import DeviceError, PersonaError, StoreError, VoiceCoachError
from voicecoach.types import Persona, Recording

log = logging.getLogger("voicecoach.kiosk")

# Difficulty moves where the customer's mood starts: one state calmer, as written,
# or the hottest state (states run from hottest to calmest).
DIFFICULTIES = ("easier", "standard", "harder")
# A HEART step counts as hit in a turn's feedback at this sub-score (0-100) or above.
HEART_HIT = 50.0
# An error message stays on screen this long before the station resets by itself.
ERROR_SHOW_S = 15.0
# Level meter range: -60 dBFS (silence on a headset mic) to 0 dBFS.
METER_FLOOR_DB = -60.0
METER_WIDTH = 40
# PBKDF2-SHA256 iterations for the trainer PIN (OWASP's 2023 figure is 600 000;
# a PIN is short, so the work factor is most of its protection).
PIN_ITERATIONS = 600_000
MAX_PIN_TRIES = 3
# After MAX_PIN_TRIES wrong PINs in a row the station waits this long before checking
# another, doubling with each further wrong one up to the maximum.
PIN_LOCKOUT_S = 30.0
PIN_LOCKOUT_MAX_S = 900.0
MAX_NAME_CHARS = 40
CALIBRATION_MAX_S = 30.0
TRAINER_LIST_ROWS = 500
HEART_LABELS = {"hear": "Hear", "empathize": "Empathize", "accept": "Accept", "reassure": "Reassure",
                "take_action": "Take action"}
REACTIONS = {"calms": "calms down", "escalates": "gets angrier", "holds": "is not convinced yet", "silent": "waits"}
ENDINGS = {"resolved": "Call resolved", "escalated": "Call lost: the customer escalated", "turn_limit": "Out of time",
           "stopped": "Call stopped"}


# ---------------------------------------------------------------------- pure helpers


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = PIN_ITERATIONS) -> str:
    """The stored form of a trainer PIN: "pbkdf2_sha256$iterations$salt_hex$hash_hex"."""
    if not re.fullmatch(r"\d{4,12}", pin):
        raise VoiceCoachError("a trainer PIN is 4 to 12 digits")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str | None) -> bool:
    """True when `pin` matches the stored hash (constant-time compare); False for no or a malformed hash."""
    if not stored:
        return False
    try:
        scheme, iterations, salt_hex, digest_hex = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def write_pin_hash(config_file: Path, pin_hash: str) -> None:
    """Set `trainer_pin_hash` in the settings file, keeping every other line."""
    lines = config_file.read_text(encoding="utf-8").splitlines() if config_file.is_file() else []
    kept = [ln for ln in lines if not re.match(r"\s*trainer[_-]pin[_-]hash\s*=", ln)]
    # A top-level key must come before the first [table].
    at = next((i for i, ln in enumerate(kept) if ln.lstrip().startswith("[")), len(kept))
    kept.insert(at, f'trainer_pin_hash = "{pin_hash}"')
    try:
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    except OSError as exc:
        raise VoiceCoachError(f"cannot write {config_file} ({exc.strerror or exc}); check its permissions") from None


def usable_personas() -> list[Persona]:
    """Every persona that loads; a broken file is left out and logged, the rest stay usable."""
    from voicecoach.personas import load_persona, persona_dirs

    found: dict[str, Persona] = {}
    for folder in persona_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                persona = load_persona(path)
            except PersonaError as exc:
                log.warning("persona left out: %s", exc)
                continue
            found[persona.id] = persona
    return sorted(found.values(), key=lambda p: p.id)


def with_difficulty(persona: Persona, difficulty: str) -> Persona:
    """The persona starting one state calmer ("easier"), as written, or hottest ("harder")."""
    ids = [s.id for s in persona.states]
    start = ids.index(persona.start_state)
    if difficulty == "easier":
        return replace(persona, start_state=ids[min(start + 1, len(ids) - 1)])
    if difficulty == "harder":
        return replace(persona, start_state=ids[0])
    return persona


def heart_hits(heart: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(steps hit, steps missed) of one turn's HEART breakdown; unjudged steps are in neither."""
    hit = [HEART_LABELS[k] for k, v in heart.items() if v is not None and v >= HEART_HIT and k in HEART_LABELS]
    missed = [HEART_LABELS[k] for k, v in heart.items() if v is not None and v < HEART_HIT and k in HEART_LABELS]
    return hit, missed


def meter_text(level_db: float | None) -> str:
    if level_db is None:
        return ""
    fill = int(max(0.0, min(1.0, (level_db - METER_FLOOR_DB) / -METER_FLOOR_DB)) * METER_WIDTH)
    return f"Mic  [{'█' * fill}{'░' * (METER_WIDTH - fill)}]"


def setup_logging(data_path: Path) -> Path:
    """Log to `<data dir>/kiosk.log` (rotated); returns the file."""
    target = data_path / "kiosk.log"
    root = logging.getLogger("voicecoach")
    if not any(getattr(h, "baseFilename", None) == str(target) for h in root.handlers):
        data_path.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    return target


def release_freed_memory() -> None:
    """Give memory freed by the last call back to the system.

    A call allocates and frees hundreds of MB in worker threads (audio, Whisper,
    ONNX); glibc keeps freed pages in per-thread arenas, so a station's RSS would
    creep up session after session without anything being leaked. Trimming on each
    reset keeps it flat; elsewhere than glibc this does nothing.
    """
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (M_ARENA_MAX) before the station starts its threads:
    every new thread otherwise may get an arena of its own that is never returned."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


M_ARENA_MAX = -8  # from glibc's malloc.h


@functools.lru_cache(maxsize=1)
def _glibc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
        libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    except (OSError, AttributeError):  # not glibc
        return None
    return libc


def drop_render_caches() -> None:
    """Let go of the screens a trainee saw. Textual (8.x) keeps each widget's render
    cache alive through an `lru_cache` on an instance method (`StylesCache.get_inner_outer`,
    Textualize/textual#6665): up to 1024 caches with their rendered lines, tens of MB
    over a day of sessions. The station rebuilds every screen anyway, so it clears that
    cache on each reset."""
    try:
        from textual._styles_cache import StylesCache

        StylesCache.get_inner_outer.cache_clear()  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        pass  # a Textual without the cache


class Cancelled(Exception):
    """The station was reset while a call was running."""


class HungUp(Exception):
    """The trainee ended the call between turns; the turns so far are stored and summarized."""


class GatedReplies:
    """Wraps a reply source: tells the screen when the customer speaks and the trainee
    listens, and waits for the "next" key before each turn after the first."""

    def __init__(self, inner: Any, *, gate: threading.Event, cancel: threading.Event,
                 notify: Callable[[str, dict[str, Any]], None], pause_between_turns: bool = True,
                 hang_up: threading.Event | None = None) -> None:
        self.inner = inner
        self.gate = gate
        self.cancel = cancel
        self.notify = notify
        self.pause_between_turns = pause_between_turns
        self.hang_up = hang_up or threading.Event()
        if hasattr(inner, "stop_event"):
            inner.stop_event = self.hang_up  # a live capture ends at once, keeping what was said

    def capture(self, customer: Any, *, turn_index: int) -> Any:
        if turn_index > 0 and self.pause_between_turns:
            self.notify("waiting", {"turn": turn_index})
            while not self.gate.wait(0.1):
                if self.cancel.is_set() or self.hang_up.is_set():
                    break
            self.gate.clear()
        if self.cancel.is_set():
            raise Cancelled()
        if self.hang_up.is_set():
            raise HungUp()
        self.notify("speaking", {"turn": turn_index, "duration_s": float(getattr(customer, "voice_end_s", 0.0) or 0.0)})
        reply = self.inner.capture(customer, turn_index=turn_index)
        if self.cancel.is_set():
            raise Cancelled()
        if self.hang_up.is_set() and not reply.hung_up:
            reply = replace(reply, hung_up=True)  # a source that cannot stop mid-reply
        self.notify("scoring", {"turn": turn_index})
        return reply


# ---------------------------------------------------------------------- screens


class KioskScreen(Screen):
    """A kiosk screen: `advance` is what the one big key does here."""

    def advance(self) -> None:
        pass


class WelcomeScreen(KioskScreen):
    BINDINGS = [("t", "trainer", "Trainer")]

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        with Vertical(id="welcome", classes="panel"):
            yield Static("voicecoach", id="title", classes="title")
            yield Static("Practise a difficult call. Put the headset on.", classes="big")
            if app.settings.station_name:
                yield Static(f"Station: {app.settings.station_name}", classes="dim")
            yield Static(f"Press {app.key_label} to start.", id="cue", classes="cue")
            yield Static("Trainers: T", classes="dim")

    def advance(self) -> None:
        app: KioskApp = self.app  # type: ignore[assignment]
        problem = app.device_problem()
        if problem:
            log.warning("call not started: %s", problem)
            self.query_one("#cue", Static).update(
                f"The headset is not ready: {problem}. Plug it in, then press {app.key_label}.")
            return
        app.switch_screen(IdentifyScreen())

    def action_trainer(self) -> None:
        app: KioskApp = self.app  # type: ignore[assignment]
        if not app.settings.trainer_pin_hash:
            self.notify("No trainer PIN is set on this station (voicecoach kiosk --set-pin).", severity="warning")
            return
        app.switch_screen(PinScreen())


class NameInput(Input):
    pass


class IdentifyScreen(KioskScreen):
    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        with Vertical(classes="panel"):
            yield Static("Who is practising?", classes="title")
            yield Static("Type your name or scan your badge, then press Enter.", classes="big")
            yield NameInput(placeholder="name or badge number", max_length=MAX_NAME_CHARS, id="name")
            yield Static(f"Or press {app.key_label} to practise anonymously (nothing is kept under your name).",
                         id="cue", classes="cue")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._go(event.value)

    def advance(self) -> None:
        self._go(self.query_one("#name", Input).value)

    def _go(self, value: str) -> None:
        app: KioskApp = self.app  # type: ignore[assignment]
        name = " ".join(value.split())
        if name and not re.fullmatch(r"[\w .'@-]+", name):
            self.notify("Use letters, digits, spaces, . ' @ or - in a name.", severity="warning")
            return
        app.trainee = name or f"anonymous-{secrets.token_hex(4)}"
        app.anonymous = not name
        app.switch_screen(PickScreen())


class PickScreen(KioskScreen):
    BINDINGS = [("left", "harder(-1)", "Easier"), ("right", "harder(1)", "Harder")]

    def __init__(self) -> None:
        super().__init__()
        self.personas = usable_personas()
        self.difficulty = "standard"

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        with Vertical(classes="panel"):
            yield Static("Choose a customer", classes="title")
            with Horizontal():
                yield OptionList(*[Option(f"{p.customer_name}: {p.title}", id=p.id) for p in self.personas],
                                 id="personas")
                yield Static("", id="situation", classes="situation")
            yield Static("", id="difficulty", classes="big")
            yield Static(f"Up/Down: customer   Left/Right: difficulty   {app.key_label} or Enter: start the call",
                         id="cue", classes="cue")

    def on_mount(self) -> None:
        if not self.personas:
            self.app.fail("No customer personas could be loaded; ask a trainer to check the persona files.")  # type: ignore[attr-defined]
            return
        options = self.query_one("#personas", OptionList)
        options.highlighted = 0
        options.focus()
        self._show(0)

    def _show(self, index: int | None) -> None:
        if index is None or not self.personas:
            return
        p = self.personas[index]
        self.query_one("#situation", Static).update(f"{p.customer_name} ({p.customer_type})\n\n{p.situation}")
        marks = "   ".join(f"[b][{d.upper()}][/b]" if d == self.difficulty else d for d in DIFFICULTIES)
        self.query_one("#difficulty", Static).update(f"Difficulty:  {marks}")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._start(event.option_index)

    def action_harder(self, step: int) -> None:
        i = DIFFICULTIES.index(self.difficulty) + step
        self.difficulty = DIFFICULTIES[max(0, min(len(DIFFICULTIES) - 1, i))]
        self._show(self.query_one("#personas", OptionList).highlighted)

    def advance(self) -> None:
        self._start(self.query_one("#personas", OptionList).highlighted)

    def _start(self, index: int | None) -> None:
        if index is None or not self.personas:
            return
        app: KioskApp = self.app  # type: ignore[assignment]
        app.persona = with_difficulty(self.personas[index], self.difficulty)
        app.difficulty = self.difficulty
        app.after_pick()


class CalibrateScreen(KioskScreen):
    BINDINGS = [("escape", "leave", "Back")]

    def action_leave(self) -> None:
        self.app.reset()  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        from voicecoach.cli import CALIBRATION_TEXT

        app: KioskApp = self.app  # type: ignore[assignment]
        with Vertical(classes="panel"):
            yield Static("First, a short calm reading", classes="title")
            yield Static("Read this aloud in your normal, calm voice. It tells voicecoach how you "
                         "usually sound.", classes="big")
            yield Static(CALIBRATION_TEXT, id="reading", classes="caption")
            yield Static("", id="meter", classes="meter")
            yield Static(f"Press {app.key_label}, then start reading. Stop when you reach the end.",
                         id="cue", classes="cue")
        self.recording = False

    def advance(self) -> None:
        if self.recording:
            return
        self.recording = True
        self.query_one("#cue", Static).update("Recording… read the text now.")
        self.app.start_calibration()  # type: ignore[attr-defined]


class CallScreen(KioskScreen):
    BINDINGS = [("escape", "hang_up", "End the call")]

    def __init__(self) -> None:
        super().__init__()
        # Set before the screen is composed: the call's first events can arrive first.
        self.line: str = ""
        self.turn = -1
        self.waiting = False
        self.ending = False  # the trainee hung up: later events only add feedback
        # The call's worker may report before this screen has mounted its widgets;
        # those events are kept and shown once it has.
        self._early: list[tuple[str, dict[str, Any]]] | None = []

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        persona = app.persona
        with Vertical(classes="panel"):
            yield Static(f"{persona.customer_name}: {persona.title}" if persona else "", classes="title")
            yield Static("Connecting the call…", id="who", classes="big")
            yield Static("", id="caption", classes="caption")
            yield Static("", id="meter", classes="meter")
            yield Static("", id="cue", classes="cue")
            yield Static("", id="feedback", classes="feedback")

    def advance(self) -> None:
        if self.waiting:
            self.waiting = False
            self.app.next_turn()  # type: ignore[attr-defined]

    def action_hang_up(self) -> None:
        self.app.hang_up()  # type: ignore[attr-defined]
        self.ending = True
        self.waiting = False
        self.query_one("#who", Static).update("Ending the call…")
        self.query_one("#cue", Static).update("")

    def on_mount(self) -> None:
        early, self._early = self._early or [], None
        for kind, data in early:
            self.on_session_event(kind, data)

    def on_session_event(self, kind: str, data: dict[str, Any]) -> None:
        if self._early is not None:
            self._early.append((kind, data))
            return
        app: KioskApp = self.app  # type: ignore[assignment]
        who = self.query_one("#who", Static)
        cue = self.query_one("#cue", Static)
        name = app.persona.customer_name if app.persona else "The customer"
        if kind == "customer":
            self.line = data["line"]
            if data.get("final"):
                who.update(f"{name} (closing)")
                self.query_one("#caption", Static).update(f"“{self.line}”")
                cue.update("")
        elif self.ending:
            if kind == "turn":
                self.query_one("#feedback", Static).update(feedback_text(data["record"]))
        elif kind == "waiting":
            self.waiting = True
            cue.update(f"Press {app.key_label} to hear {name}'s next line (Esc: end the call).")
        elif kind == "speaking":
            self.turn = data["turn"]
            self.waiting = False
            who.update(f"{name} is speaking")
            self.query_one("#caption", Static).update(f"“{self.line}”")
            cue.update("Listen…")
            turn = self.turn
            self.set_timer(max(0.05, data.get("duration_s", 0.0)), lambda: self._your_turn(turn))
        elif kind == "scoring":
            who.update("Scoring your reply…")
            cue.update("")
        elif kind == "turn":
            self.query_one("#feedback", Static).update(feedback_text(data["record"]))
            who.update("Feedback on your reply")

    def _your_turn(self, turn: int) -> None:
        if self.turn == turn and str(self.query_one("#who", Static).render()).endswith("is speaking"):
            self.query_one("#who", Static).update("You are speaking")
            self.query_one("#cue", Static).update(">>> YOUR TURN: answer the customer now <<<")


def feedback_text(record: dict[str, Any]) -> str:
    """One turn's feedback: score and reaction, the three items, HEART steps hit and missed."""
    parts: list[str] = []
    said = record.get("transcript") or "(no reply heard)"
    parts.append(f"You said: “{said}”")
    if record.get("interrupted"):
        parts.append("You spoke over the customer.")
    if record.get("score") is not None:
        reaction = REACTIONS.get(record.get("outcome") or "", record.get("outcome") or "")
        parts.append(f"Score {record['score']:.0f}/100: the customer {reaction}.")
    for i, item in enumerate(record.get("feedback", [])[:3], 1):
        line = f"{i}. {item['text']}"
        if item.get("suggestion"):
            line += f"\n   Try: “{item['suggestion'].strip(chr(34))}”"
        parts.append(line)
    hit, missed = heart_hits(record.get("heart") or {})
    if hit or missed:
        parts.append(f"HEART hit: {', '.join(hit) or 'none'}   missed: {', '.join(missed) or 'none'}")
    if record.get("error"):
        parts.append(f"! {record['error']}")
    return "\n".join(parts)


class SummaryScreen(KioskScreen):
    def __init__(self, session: dict[str, Any], history: dict[str, Any] | None) -> None:
        super().__init__()
        self.session = session
        self.history = history

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        with Vertical(classes="panel"):
            yield Static(ENDINGS.get(self.session.get("outcome") or "", "Call over"), classes="title")
            yield Static(summary_text(self.session, self.history), id="summary", classes="feedback")
            yield Static(f"Press {app.key_label} to finish.", id="cue", classes="cue")

    def advance(self) -> None:
        self.app.reset()  # type: ignore[attr-defined]


def summary_text(session: dict[str, Any], history: dict[str, Any] | None) -> str:
    summary = session.get("summary") or {}
    score = summary.get("score", session.get("score"))
    parts = [f"Session score: {'n/a' if score is None else f'{score:.0f}/100'} over {summary.get('turns', 0)} turn(s)."]
    sessions = (history or {}).get("sessions") or []
    earlier = [s for s in sessions if s["id"] != session["id"]]
    if not earlier:
        parts.append("This is your first session here: your progress shows from the next one.")
    else:
        scores = [f"{s['score']:.0f}" for s in sessions if s.get("score") is not None]
        trend = history.get("trend") if history else None
        parts.append(f"Your sessions so far: {len(sessions)}; scores {' → '.join(scores[-6:])}.")
        if trend is not None:
            parts.append(f"Trend: {trend:+.0f} points (your latest sessions against your first).")
    practice = summary.get("practice_next") or []
    if practice:
        parts.append("Practise next:")
        for i, item in enumerate(practice, 1):
            where = f" (turn {item['turn'] + 1})" if isinstance(item.get("turn"), int) else ""
            parts.append(f"  {i}. {item['check_id']}{where}: {item['why']}\n     Try: “{str(item['try']).strip(chr(34))}”")
    return "\n".join(parts)


class ErrorScreen(KioskScreen):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        with Vertical(classes="panel error"):
            yield Static("Sorry, something went wrong", classes="title")
            yield Static(self.message, id="message", classes="big")
            yield Static(f"Your finished turns are saved. Press {app.key_label} to start again.", id="cue",
                         classes="cue")

    def on_mount(self) -> None:
        self.set_timer(ERROR_SHOW_S, self.advance)

    def advance(self) -> None:
        if self.app.screen is self:
            self.app.reset()  # type: ignore[attr-defined]


class PinScreen(KioskScreen):
    BINDINGS = [("escape", "leave", "Back")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("Trainer PIN", classes="title")
            yield Input(password=True, max_length=12, id="pin")
            yield Static("Enter the PIN and press Enter (Esc: back).", id="cue", classes="cue")
        self.tries = 0

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()

    def action_leave(self) -> None:
        self.app.reset()  # type: ignore[attr-defined]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        app: KioskApp = self.app  # type: ignore[assignment]
        wait_s = app.pin_locked_for_s()
        if wait_s > 0:
            event.input.value = ""
            self.query_one("#cue", Static).update(f"Too many wrong PINs. Try again in {wait_s:.0f} s (Esc: back).")
            return
        if check_pin(event.value, app.settings.trainer_pin_hash):
            app.pin_failures = 0
            log.info("trainer list opened")
            app.switch_screen(TrainerScreen())
            return
        self.tries += 1
        app.pin_failed()
        log.warning("wrong trainer PIN (%d in a row)", app.pin_failures)
        event.input.value = ""
        if self.tries >= MAX_PIN_TRIES:
            app.reset()
        else:
            self.query_one("#cue", Static).update("Wrong PIN. Try again (Esc: back).")


class TrainerScreen(KioskScreen):
    BINDINGS = [("escape", "leave", "Back"), ("q", "quit_station", "Quit the station")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("All sessions on this station", classes="title")
            yield DataTable(id="sessions")
            yield Static("Esc: back to the welcome screen   Q: quit the station", id="cue", classes="cue")

    def on_mount(self) -> None:
        app: KioskApp = self.app  # type: ignore[assignment]
        table = self.query_one("#sessions", DataTable)
        table.add_columns("started", "trainee", "customer", "turns", "score", "outcome", "station")
        with app.open_store() as store:
            for row in store.list()[:TRAINER_LIST_ROWS]:
                try:
                    station = store.load(row["id"]).get("station") or ""
                except StoreError:
                    station = "?"
                score = "" if row["score"] is None else f"{row['score']:.0f}"
                table.add_row(row["started_at"][:16].replace("T", " "), row["trainee"], row["persona_id"],
                              str(row["turns"]), score, row["outcome"] or "", station)
        table.focus()

    def advance(self) -> None:
        self.action_leave()

    def action_leave(self) -> None:
        self.app.reset()  # type: ignore[attr-defined]

    def action_quit_station(self) -> None:
        log.info("station quit by a trainer")
        self.app.exit(0)


# ---------------------------------------------------------------------- the app


class _StoreContext:
    def __init__(self, root: Path, retention_days: int | None) -> None:
        from voicecoach.store import Store

        self.store = Store(root, retention_days=retention_days)

    def __enter__(self) -> Any:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


class KioskApp(App):
    """The station. Everything that touches devices or the model is injected.

    Args:
        settings: `config.Settings` (data dir, station name, idle time, key, PIN hash).
        make_source: `(persona, on_level) -> ReplySource` for one call (live: `live.LiveReplies`).
        record_reading: `(on_level) -> Recording`, the calibration reading (live: `LiveReplies.record`).
        transcriber: `() -> Transcriber`, called in the worker thread (loaded once, lazily).
        pause_between_turns: wait for the key before each customer line after the first.
    """

    TITLE = "voicecoach"
    ENABLE_COMMAND_PALETTE = False
    # No quitting from the keyboard: only a trainer can stop the station.
    BINDINGS = [("ctrl+q", "ignore", ""), ("ctrl+c", "ignore", "")]
    CSS = """
    Screen { align: center middle; }
    .panel { width: 100%; height: 100%; padding: 1 4; }
    .error { background: $error 15%; }
    .title { text-style: bold; color: $accent; padding-bottom: 1; }
    .big { padding-bottom: 1; }
    .dim { color: $text-muted; }
    .cue { text-style: bold reverse; padding: 0 1; margin: 1 0; }
    .caption { border: round $primary; padding: 1 2; margin-bottom: 1; }
    .meter { color: $success; }
    .situation { width: 2fr; padding: 0 2; }
    OptionList { width: 1fr; height: auto; max-height: 16; }
    .feedback { padding-top: 1; }
    DataTable { height: 1fr; }
    """

    def __init__(self, *, settings: Any, make_source: Callable[[Persona, Callable[[float], None]], Any],
                 record_reading: Callable[[Callable[[float], None]], Recording],
                 transcriber: Callable[[], Any], pause_between_turns: bool = True,
                 check_devices: Callable[[], str | None] | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.make_source = make_source
        self.check_devices = check_devices
        self.record_reading = record_reading
        self.get_transcriber = transcriber
        self.pause_between_turns = pause_between_turns
        self.key = settings.kiosk_key or "space"
        self.key_label = self.key.upper()
        self.idle_s = float(settings.kiosk_idle_s)
        self.last_input = time.monotonic()
        self.level_db: float | None = None
        self._busy = False  # the worker is doing something the trainee is waiting for
        self._gate = threading.Event()
        self._cancel = threading.Event()
        self._hang_up = threading.Event()
        # Wrong trainer PINs in a row, kept across resets: each one after the first
        # MAX_PIN_TRIES doubles the wait before the next try is checked.
        self.pin_failures = 0
        self._pin_failed_at = 0.0
        self.pin_clock: Callable[[], float] = time.monotonic
        limit_malloc_arenas()  # the station is the whole process and runs for days
        self._clear_trainee()

    def pin_failed(self) -> None:
        self.pin_failures += 1
        self._pin_failed_at = self.pin_clock()

    def pin_locked_for_s(self) -> float:
        """Seconds before another trainer PIN may be tried (0: now)."""
        if self.pin_failures < MAX_PIN_TRIES:
            return 0.0
        doublings = min(self.pin_failures - MAX_PIN_TRIES, 16)  # bounded: no float overflow
        wait_s = min(PIN_LOCKOUT_MAX_S, PIN_LOCKOUT_S * 2**doublings)
        return max(0.0, self._pin_failed_at + wait_s - self.pin_clock())

    # -- state

    def _clear_trainee(self) -> None:
        self.trainee: str | None = None
        self.anonymous = False
        self.persona: Persona | None = None
        self.difficulty = "standard"
        self.baseline: Any = None
        self.level_db = None

    def open_store(self) -> _StoreContext:
        return _StoreContext(self.settings.data_path, self.settings.retention_days)

    # -- lifecycle

    def on_mount(self) -> None:
        log.info("station %s started", self.settings.station_name or "(unnamed)")
        self.push_screen(WelcomeScreen())
        self.set_interval(0.5, self._check_idle)
        self.set_interval(0.1, self._show_level)

    def action_ignore(self) -> None:
        pass

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_input = time.monotonic()
        if isinstance(event, events.Key) and event.key == self.key and isinstance(self.screen, KioskScreen):
            focused = self.focused
            if not (isinstance(focused, Input) and focused.value):
                event.stop()
                event.prevent_default()
                try:
                    self.screen.advance()
                except Exception as exc:  # noqa: BLE001 - the station must stay up
                    self._handle_exception(exc)
                return
        await super().on_event(event)

    def _handle_exception(self, error: Exception) -> None:
        # Textual exits on an unhandled exception in a handler; a station shows it and carries on.
        log.error("unexpected error in the station", exc_info=error)
        self.call_later(self.fail, f"Unexpected error: {error}")

    def _check_idle(self) -> None:
        if self._busy or isinstance(self.screen, WelcomeScreen):
            return
        if time.monotonic() - self.last_input >= self.idle_s:
            log.info("idle for %.0f s: back to the welcome screen", self.idle_s)
            self.reset()

    def _show_level(self) -> None:
        if isinstance(self.screen, (CallScreen, CalibrateScreen)):
            try:
                self.screen.query_one("#meter", Static).update(meter_text(self.level_db))
            except Exception:  # noqa: BLE001 - the screen is being replaced
                pass

    def _on_level(self, level_db: float) -> None:
        self.level_db = level_db  # read by the UI timer; never touch widgets from the audio thread

    def reset(self) -> None:
        """Back to a fresh welcome screen: any call is cancelled, the trainee forgotten."""
        self._cancel.set()
        self._hang_up.set()  # a capture under way stops now, freeing the devices
        self._gate.set()
        self._busy = False
        self._clear_trainee()
        self.last_input = time.monotonic()
        self.switch_screen(WelcomeScreen())
        drop_render_caches()
        release_freed_memory()

    def fail(self, message: str) -> None:
        """Show an error and make the station usable again (its own timer resets to welcome)."""
        log.error("shown to the trainee: %s", message)
        self._cancel.set()
        self._hang_up.set()
        self._gate.set()
        self._busy = False
        self._clear_trainee()
        self.last_input = time.monotonic()
        self.switch_screen(ErrorScreen(message))

    def next_turn(self) -> None:
        self._gate.set()

    def device_problem(self) -> str | None:
        """Why a call cannot start now (no headset), or None; checked when a trainee
        starts, so a missing device is said before they give their name."""
        if self.check_devices is None:
            return None
        if any(w.group == "call" and not w.is_finished for w in self.workers):
            return None  # a cancelled call is still closing its streams; it cannot be checked now
        try:
            return self.check_devices()
        except Exception as exc:  # noqa: BLE001 - the station must stay up
            log.error("device check failed", exc_info=exc)
            return None

    def hang_up(self) -> None:
        log.info("call ended by the trainee")
        self._hang_up.set()

    # -- flow

    def after_pick(self) -> None:
        if self.anonymous:
            self.baseline = None
        else:
            try:
                with self.open_store() as store:
                    self.baseline = store.baseline(self.trainee or "")
            except StoreError as exc:
                self.fail(str(exc))
                return
        if self.baseline is None:
            self.switch_screen(CalibrateScreen())
        else:
            self._start_call()

    def start_calibration(self) -> None:
        self._busy = True
        self._cancel = threading.Event()
        self.run_worker(self._calibrate, thread=True, exclusive=True, group="call")

    def _calibrate(self) -> None:
        from voicecoach import turn

        cancel = self._cancel
        trainee, anonymous = self.trainee, self.anonymous
        try:
            reading = self.record_reading(self._on_level)
            if cancel.is_set():
                return  # the trainee left (Esc) or the station was reset: nothing is kept
            baseline = turn.measure_baseline(reading, transcriber=self.get_transcriber())
            if not anonymous and not cancel.is_set():
                with self.open_store() as store:
                    store.save_baseline(trainee or "", baseline)
        except Exception as exc:  # noqa: BLE001 - shown, logged, station reset
            self._worker_failed(exc, cancel)
            return
        if not cancel.is_set():
            self._post(self._calibrated, baseline, cancel)

    def _calibrated(self, baseline: Any, cancel: threading.Event) -> None:
        if cancel.is_set():
            return
        self.baseline = baseline
        self._start_call()

    def _start_call(self) -> None:
        self._busy = True
        self._cancel = threading.Event()
        self._gate = threading.Event()
        self._hang_up = threading.Event()
        self.level_db = None
        self.switch_screen(CallScreen())
        self.run_worker(self._call, thread=True, exclusive=True, group="call")

    def _call(self) -> None:
        from voicecoach.progress import progress
        from voicecoach.session import run_session

        cancel, gate, hang_up = self._cancel, self._gate, self._hang_up
        persona, trainee, baseline = self.persona, self.trainee or "", self.baseline
        assert persona is not None
        started: dict[str, str] = {}

        def notify(kind: str, data: dict[str, Any]) -> None:
            if kind == "start":
                started["id"] = data["session"]
            if cancel.is_set():
                return
            self._busy = kind not in ("waiting",)
            self._post(self._session_event, kind, data, cancel)

        try:
            source = GatedReplies(self.make_source(persona, self._on_level), gate=gate, cancel=cancel,
                                  notify=notify, pause_between_turns=self.pause_between_turns, hang_up=hang_up)
            with self.open_store() as store:
                try:
                    session = run_session(persona, trainee=trainee, source=source, store=store,
                                          transcriber=self.get_transcriber(), baseline=baseline,
                                          cache_dir=self.settings.cache_path, on_event=notify,
                                          station=self.settings.station_name)
                except HungUp:
                    session = store.load(started["id"])  # closed as "stopped", with its summary
                history = None
                if not self.anonymous:
                    try:
                        history = progress(store, trainee)
                    except StoreError as exc:
                        log.warning("progress of this trainee not shown: %s", exc)
        except Cancelled:
            log.info("call cancelled (station reset)")
            return
        except Exception as exc:  # noqa: BLE001 - shown, logged, station reset
            self._worker_failed(exc, cancel)
            return
        log.info("session %s stored (trainee %s, %s, score %s)", session["id"],
                 "anonymous" if self.anonymous else "named", persona.id, session.get("score"))
        self._post(self._finished, session, history, cancel)

    def _session_event(self, kind: str, data: dict[str, Any], cancel: threading.Event) -> None:
        if cancel.is_set():
            return
        self.last_input = time.monotonic()  # a running call is activity
        if isinstance(self.screen, CallScreen):
            self.screen.on_session_event(kind, data)

    def _finished(self, session: dict[str, Any], history: dict[str, Any] | None, cancel: threading.Event) -> None:
        self._busy = False
        if cancel.is_set():
            return
        self.last_input = time.monotonic()
        self.switch_screen(SummaryScreen(session, history))

    def _worker_failed(self, exc: BaseException, cancel: threading.Event) -> None:
        if isinstance(exc, DeviceError):
            message = f"Audio device problem: {exc}. Check the headset is plugged in."
        elif isinstance(exc, StoreError):
            message = f"Cannot save sessions: {exc}. Please tell a trainer."
        elif isinstance(exc, PersonaError):
            message = f"This customer cannot be used: {exc}. Choose another one."
        elif isinstance(exc, VoiceCoachError):
            message = str(exc)
        else:
            message = f"Unexpected error: {exc}"
        log.error("call failed: %s", message, exc_info=exc)
        if not cancel.is_set():
            self._post(self.fail, message)

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.call_from_thread(fn, *args)
        except RuntimeError:
            pass  # the app is closing


def shared_loader(settings: Any) -> Callable[[], Any]:
    """`() -> Transcriber` for these settings, safe to call from several threads (loads once)."""
    from voicecoach.transcribe import shared_transcriber

    lock = threading.Lock()

    def get() -> Any:
        with lock:
            return shared_transcriber(settings)

    return get


def live_app(settings: Any, *, input_device: Any = None, output_device: Any = None,
             transcriber: Callable[[], Any] | None = None) -> KioskApp:
    """The station on real devices (`live.LiveReplies`); None = the system's default devices."""
    from voicecoach import live

    get = transcriber or shared_loader(settings)
    options = live.LiveOptions(end_silence_s=settings.end_silence_s, no_reply_s=settings.no_reply_s)

    def replies(persona: Persona, on_level: Callable[[float], None]) -> Any:
        return live.LiveReplies(input_device=input_device, output_device=output_device, transcriber=get(),
                                talk_over=persona.on_interruption == "talk_over", on_level=on_level, options=options)

    def reading(on_level: Callable[[float], None]) -> Recording:
        source = live.LiveReplies(input_device=input_device, output_device=output_device, on_level=on_level,
                                  options=options)
        source.stop_event = app._cancel  # this calibration's: Esc or a reset ends the reading
        return source.record(max_s=CALIBRATION_MAX_S)

    def devices() -> str | None:
        return live.device_problem(input_device, output_device, rate=options.capture_rate)

    app = KioskApp(settings=settings, make_source=replies, record_reading=reading, transcriber=get,
                   check_devices=devices)
    return app

"""A practice session, turn by turn: the customer speaks, the trainee replies, the
reply is judged, the customer reacts, and every finished turn is stored at once.

Where the replies come from is a `ReplySource`: recorded files (the demo, tests)
or the live microphone (`live.LiveReplies`). Everything else is shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from voicecoach.errors import DeviceError, VoiceCoachError
from voicecoach.types import Baseline, Persona, Recording

# Two silent turns in a row and the customer gives up on the call.
MAX_SILENT_TURNS = 2


@dataclass(frozen=True)
class CapturedReply:
    """What the trainee said in one turn.

    Attributes:
        recording: 16 kHz mono audio from the moment the customer stopped (or the
            start of the capture), None when nothing at all was captured.
        reply_pause_s: measured gap from the customer's last audible sample to
            speech onset (negative: the trainee started first); None = take the
            recording's leading silence.
        interrupted: the trainee spoke over the customer.
        error: a device problem that cut the capture short (the turn is still kept).
        live: captured from a microphone (no-interruption is judged).
        hung_up: the trainee ended the call during this reply: the reply so far is
            judged and stored, and the call ends there ("stopped").
    """

    recording: Recording | None
    reply_pause_s: float | None = None
    interrupted: bool = False
    error: str | None = None
    live: bool = False
    transcript: Any = None  # already transcribed while the trainee spoke (live)
    hung_up: bool = False


class ReplySource(Protocol):
    def capture(self, customer: Any, *, turn_index: int) -> CapturedReply:
        """Let the customer's line be heard, then capture the trainee's reply."""


class FileReplies:
    """Replies from audio files, in order (the demo and offline runs). The customer's
    line is played first when a `player` is given."""

    def __init__(self, paths: list[Path], *, player: Callable[[Any], None] | None = None) -> None:
        self.paths = list(paths)
        self.player = player

    def capture(self, customer: Any, *, turn_index: int) -> CapturedReply:
        from voicecoach import audio

        if self.player is not None:
            self.player(customer)
        if turn_index >= len(self.paths):
            return CapturedReply(None)
        return CapturedReply(audio.load(self.paths[turn_index]))


Events = Callable[[str, dict[str, Any]], None]


def run_session(
    persona: Persona,
    *,
    trainee: str,
    source: ReplySource,
    store: Any,
    transcriber: Any,
    baseline: Baseline | None,
    cache_dir: Path,
    max_turns: int | None = None,
    ruleset: Any = None,
    on_event: Events | None = None,
    station: str | None = None,
) -> dict[str, Any]:
    """Run one call to its end; return the stored session (a dict, as in session.json).

    Raises:
        DeviceError: the audio device failed; the turns so far are stored first.
        KeyboardInterrupt: passed on after the session is closed as "stopped".
    """
    from voicecoach import turn as judge
    from voicecoach.call import Call
    from voicecoach.personas import Dialogue, turn_outcome
    from voicecoach.rules.thresholds import load_ruleset
    from voicecoach.voice import synthesize

    rules = ruleset or load_ruleset()
    say = on_event or (lambda _kind, _data: None)
    dialogue = Dialogue(persona)
    limit = min(max_turns or persona.max_turns, persona.max_turns)
    session = store.new_session(trainee=trainee, persona_id=persona.id, baseline=baseline, station=station)
    say("start", {"session": session["id"], "persona": persona, "trainee": trainee})
    line = dialogue.opening()
    call = Call(persona, baseline=baseline)
    silent_turns = 0
    outcome = "stopped"
    try:
        for turn_index in range(limit):
            speech = synthesize(line, persona.voice, cache_dir=cache_dir)
            state = dialogue.state_id
            say("customer", {"turn": turn_index, "line": line, "state": state})
            captured = source.capture(speech, turn_index=turn_index)
            context = call.context(turn_index=turn_index, customer_line=line, state_id=state, live=captured.live)
            record: dict[str, Any] = {"index": turn_index, "state": state, "customer_line": line,
                                      "interrupted": captured.interrupted, "live": captured.live, "error": captured.error}
            if captured.recording is not None:
                judged = judge.judge_recording(captured.recording, transcriber=transcriber, context=context,
                                               ruleset=rules, reply_pause_s=captured.reply_pause_s,
                                               transcript=captured.transcript)
                say("judged", {"turn": turn_index})
                record.update(judge.turn_record(judged))
                said = not judged.transcript.no_speech
            else:
                said = False
                record.update({"transcript": "", "words": [], "prosody": None, "checks": [], "score": None,
                               "heart": {}, "feedback": [], "warnings": ["nothing was captured"]})
            if said:
                silent_turns = 0
                from voicecoach.types import CheckResult

                checks = [CheckResult(**c) for c in record["checks"]]
                reaction = turn_outcome(checks, rules, persona)
                next_line = dialogue.react(reaction, score=record["score"])
            else:
                silent_turns += 1
                reaction = "silent"
                next_line = dialogue.silent(give_up=silent_turns >= MAX_SILENT_TURNS)
            record["outcome"] = reaction
            call.add(record)
            store.save_turn(session, record, customer=speech.recording, trainee=captured.recording)
            say("turn", {"turn": turn_index, "record": record})
            if captured.error:
                raise DeviceError(captured.error)
            if captured.hung_up:
                # The trainee cut their own reply short: a resolution it reached counts,
                # a customer lost over the cut-off words does not ("stopped").
                if dialogue.ended == "resolved":
                    outcome = "resolved"
                break
            if dialogue.ended:
                outcome = dialogue.ended
                say("customer", {"turn": turn_index + 1, "line": next_line, "state": "end", "final": True})
                break
            line = next_line
        else:
            outcome = "turn_limit"
    except BaseException as exc:
        outcome = "device-error" if isinstance(exc, DeviceError) else "stopped"
        _close(store, session, outcome, rules, persona)
        raise
    _close(store, session, outcome, rules, persona)
    say("end", {"session": session})
    return session


def _close(store: Any, session: dict[str, Any], outcome: str, rules: Any, persona: Persona) -> None:
    try:
        store.finish(session, outcome=outcome, summary=summarize(session, rules, persona))
    except VoiceCoachError:
        pass  # the turns are on disk already; the summary is derived data


def summarize(session: dict[str, Any], rules: Any, persona: Persona) -> dict[str, Any]:
    """The session summary: the call judged as a whole (`call.summarize`)."""
    from voicecoach.call import summarize as summarize_call

    return summarize_call(session["turns"], rules, persona)

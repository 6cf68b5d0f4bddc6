"""`voicecoach score --call CALL.json`: a whole scripted call judged as a conversation.

CALL.json is `{"persona": ID, "trainee": optional, "turns": [{"customer_line": TEXT,
"reply": TEXT or "audio": PATH, "reply_pause_s": optional}]}`. Audio paths are taken
relative to the file. The customer's mood follows the replies as in a live call,
so each turn is judged in the call so far (`call.Call`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from voicecoach.errors import VoiceCoachError

MAX_TURNS = 50
TURN_FIELDS = {"customer_line", "reply", "audio", "reply_pause_s"}
CALL_FIELDS = {"persona", "trainee", "turns"}


@dataclass(frozen=True)
class ScriptedTurn:
    customer_line: str
    reply: str | None
    audio: Path | None
    reply_pause_s: float | None


@dataclass(frozen=True)
class ScriptedCall:
    path: Path
    persona_id: str
    trainee: str | None
    turns: tuple[ScriptedTurn, ...]


def load_call(path: Path) -> ScriptedCall:
    """Read and check a call file before any work starts.

    Raises:
        VoiceCoachError: "<file>: <field>: <what is wrong>" (the file missing, bad
            JSON, a wrong or missing field, an audio file that does not exist).
    """
    from voicecoach.config import read_text

    text = read_text(path, error=VoiceCoachError, kind="call")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise VoiceCoachError(f"{path}:{getattr(exc, 'lineno', '?')}: not valid JSON ({getattr(exc, 'msg', exc)})") from None

    def fail(field: str, what: str) -> VoiceCoachError:
        return VoiceCoachError(f"{path}: {field}: {what}")

    if not isinstance(data, dict):
        raise fail("(top level)", 'must be an object {"persona": ..., "turns": [...]}')
    unknown = sorted(set(data) - CALL_FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown field; a call has {', '.join(sorted(CALL_FIELDS))}")
    persona_id = data.get("persona")
    if not isinstance(persona_id, str) or not persona_id:
        raise fail("persona", "a persona id is required (see `voicecoach personas list`)")
    trainee = data.get("trainee")
    if trainee is not None and not isinstance(trainee, str):
        raise fail("trainee", "must be a name (a string)")
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise fail("turns", "a non-empty list of turns is required")
    if len(turns) > MAX_TURNS:
        raise fail("turns", f"{len(turns)} turns; at most {MAX_TURNS}")
    return ScriptedCall(path, persona_id, trainee, tuple(_turn(path, i, t, fail) for i, t in enumerate(turns)))


def _turn(path: Path, i: int, raw: Any, fail: Callable[[str, str], VoiceCoachError]) -> ScriptedTurn:
    where = f"turns[{i}]"
    if not isinstance(raw, dict):
        raise fail(where, "must be an object with customer_line and reply or audio")
    unknown = sorted(set(raw) - TURN_FIELDS)
    if unknown:
        raise fail(f"{where}.{unknown[0]}", f"unknown field; a turn has {', '.join(sorted(TURN_FIELDS))}")
    line = raw.get("customer_line")
    if not isinstance(line, str):
        raise fail(f"{where}.customer_line", "the customer's line (text) is required")
    reply, audio = raw.get("reply"), raw.get("audio")
    if (reply is None) == (audio is None):
        raise fail(where, "give either reply (text) or audio (a file path), not both or neither")
    if reply is not None and not isinstance(reply, str):
        raise fail(f"{where}.reply", "must be text")
    audio_path = None
    if audio is not None:
        if not isinstance(audio, str) or not audio:
            raise fail(f"{where}.audio", "must be a file path")
        audio_path = Path(audio) if Path(audio).is_absolute() else path.parent / audio
        if not audio_path.is_file():
            raise fail(f"{where}.audio", f"no such file: {audio_path}")
    pause = raw.get("reply_pause_s")
    if pause is not None:
        if isinstance(pause, bool) or not isinstance(pause, (int, float)) or not -30.0 <= pause <= 60.0:
            raise fail(f"{where}.reply_pause_s", "must be seconds between -30 and 60")
        pause = float(pause)
    return ScriptedTurn(line, reply, audio_path, pause)


def judge_call(call_file: ScriptedCall, *, ruleset: Any, transcriber: Callable[[], Any] | None = None,
               max_audio_s: float | None = None, warn: Callable[[str], None] | None = None,
               agent_name: str | None = None) -> dict[str, Any]:
    """Judge every turn in the call so far; return `{"persona", "trainee", "turns", "session"}`.

    `transcriber` is called once, when the first audio turn needs it (a text-only
    call never loads Whisper)."""
    from voicecoach import audio, turn
    from voicecoach.call import Call, summarize
    from voicecoach.personas import Dialogue, get_persona, turn_outcome

    persona = get_persona(call_file.persona_id)
    say = warn or (lambda _message: None)
    dialogue = Dialogue(persona)
    call = Call(persona, agent_name=agent_name)
    whisper = None
    out_turns = []
    ended_at: int | None = None
    for i, scripted in enumerate(call_file.turns):
        if dialogue.ended is not None and ended_at is None:
            ended_at = i - 1
            say(f"the customer ended the call ({dialogue.ended}) after turns[{ended_at}]; "
                "the later turns are judged as written")
        state = dialogue.state_id
        context = call.context(turn_index=i, customer_line=scripted.customer_line, state_id=state)
        if scripted.reply is not None:
            if scripted.reply_pause_s is not None:
                say(f"turns[{i}].reply_pause_s is ignored for a typed reply: there is no audio")
            judged = turn.judge_text(scripted.reply, context=context, ruleset=ruleset)
        else:
            assert scripted.audio is not None
            recording = audio.load(scripted.audio, max_duration_s=max_audio_s)
            if whisper is None:
                if transcriber is None:
                    raise VoiceCoachError("this call has audio turns but no transcriber was given")
                whisper = transcriber()
            judged = turn.judge_recording(recording, transcriber=whisper, context=context, ruleset=ruleset,
                                          reply_pause_s=scripted.reply_pause_s)
        for message in judged.warnings:
            say(f"turns[{i}]: {message}")
        if judged.transcript.no_speech:
            outcome = "silent"
        else:
            outcome = turn_outcome(judged.checks, ruleset, persona)
        if dialogue.ended is None:
            if outcome == "silent":
                dialogue.silent(give_up=False)
            else:
                dialogue.react(outcome, score=judged.score.score_0_100)
        record = {"index": i, "state": state, "customer_line": scripted.customer_line, "outcome": outcome,
                  **turn.turn_record(judged)}
        call.add(record)
        out_turns.append({"persona": persona.id, "turn": i, "customer_line": scripted.customer_line,
                          "outcome": outcome, "state": state, **turn.turn_record(judged)})
    summary = summarize(call.records, ruleset, persona)
    session = {"score": summary["score"], "heart": summary["heart"], "feedback": summary["practice_next"],
               "outcome": dialogue.ended or "open", "turns": len(out_turns)}
    return {"persona": persona.id, "trainee": call_file.trainee, "turns": out_turns, "session": session}

"""Boundary dataclasses passed between voicecoach modules. No logic lives here.

Units are in the field names: `_s` seconds, `_hz` hertz, `_st` semitones,
`_db` decibels (relative to full scale unless stated), `_wpm` words per minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Recording:
    """Mono float32 audio in [-1, 1].

    Attributes:
        samples: shape (n,), float32.
        sample_rate: samples per second (16000 after `audio.load`).
        source: where it came from (a path, "live", "tts:...").
        clipped_fraction: share of samples at or near full scale in the original.
    """

    samples: np.ndarray
    sample_rate: int
    source: str
    clipped_fraction: float = 0.0

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True)
class Transcript:
    text: str
    words: list[Word]
    language: str
    no_speech: bool


@dataclass(frozen=True)
class Span:
    """A stretch of time within a recording, in seconds from its start."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Baseline:
    """A trainee's calm delivery, measured on a neutral calibration reading."""

    pitch_median_hz: float | None
    loudness_db: float | None
    speech_rate_wpm: float | None
    source: str = ""
    articulation_rate_wpm: float | None = None  # pauses removed: the reference for a phrase's own pace


@dataclass(frozen=True)
class ProsodyReport:
    """How a reply was delivered. Values are None when they cannot be measured
    (no speech, no voiced frames, no words, no baseline)."""

    duration_s: float
    reply_pause_s: float | None
    speech_s: float
    speech_rate_wpm: float | None
    articulation_rate_wpm: float | None
    pitch_median_hz: float | None
    pitch_range_st: float | None
    pitch_shift_st: float | None
    loudness_db: float | None
    loudness_shift_db: float | None
    rate_ratio: float | None
    pitch_drift_st: float | None
    loudness_drift_db: float | None
    longest_pause_s: float
    pauses: list[Span]
    speech_spans: list[Span]
    filler_count: int
    word_count: int
    voiced_fraction: float
    has_baseline: bool


@dataclass(frozen=True)
class VoiceSettings:
    """How a persona sounds through pyttsx3/espeak-ng."""

    voice: str = "en-us"
    rate_wpm: int = 175
    pitch: int = 50  # espeak-ng pitch, 0-99
    volume: float = 1.0  # 0.0-1.0


@dataclass(frozen=True)
class PersonaState:
    id: str
    mood: int  # 0 calm ... higher = more agitated
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Persona:
    """A difficult customer: who they are, how they sound, how they react."""

    id: str
    title: str
    customer_type: str
    customer_name: str
    address_as: str
    situation: str
    kernel_of_truth: str
    resolution: str
    vocabulary: tuple[str, ...]
    max_turns: int
    start_state: str
    escalation_allowed_after_turn: int
    voice: VoiceSettings
    checks: dict[str, float]  # check id -> weight for this customer (0 = not expected)
    better: dict[str, str]  # check id -> a better thing to say to this customer
    states: tuple[PersonaState, ...]
    ending: dict[str, str]  # "resolved" | "escalated" | "turn_limit" -> closing line
    outcome: dict[str, str] = field(default_factory=dict)  # optional "calms"/"escalates" rule overrides
    silence_prompt: str = "Hello? Are you still there?"  # said after a turn with no reply
    on_interruption: str = "stop"  # when the trainee talks over them: "stop" or "talk_over"
    source: str = ""

    @property
    def opening(self) -> str:
        return self.state(self.start_state).lines[0]

    def state(self, state_id: str) -> PersonaState:
        return next(s for s in self.states if s.id == state_id)


@dataclass(frozen=True)
class PastTurn:
    """What an earlier turn of the call did, as the conversation-aware judgement needs it.

    Attributes:
        index: the turn's position in the call (0 = the first reply).
        mood: the customer's mood when they said the line this reply answered.
        outcome: how the customer took the reply: "calms", "escalates", "holds" or "silent".
        done: ids of the checks the reply passed (or that were already settled then).
        raised: ids of the checks given as feedback on that turn.
    """

    index: int
    mood: int | None
    outcome: str
    done: frozenset[str] = frozenset()
    raised: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallSoFar:
    """The call before this turn: its turns in order and the customer's mood now."""

    turns: tuple[PastTurn, ...] = ()
    mood: int | None = None


@dataclass(frozen=True)
class TurnContext:
    persona: Persona | None = None
    turn_index: int = 0
    customer_line: str = ""
    customer_name: str | None = None
    agent_name: str | None = None
    baseline: Baseline | None = None
    live: bool = False
    previous_replies: tuple[str, ...] = ()
    call: CallSoFar | None = None  # None: judged alone, with no call around it


@dataclass(frozen=True)
class CheckResult:
    """One check on one turn.

    `passed` is True when the good behaviour is present or the fault absent,
    None when the check does not apply to this turn. `credit` (0..1) is the
    partial credit scoring gives: a near miss is not a zero. `settled_turn` is
    the earlier turn that already did what this check asks, while the customer
    has not escalated since: the check is then not demanded again (`passed` None).
    """

    id: str
    passed: bool | None
    value: Any
    threshold: Any
    message: str
    evidence: str = ""
    start_s: float | None = None
    end_s: float | None = None
    credit: float | None = None
    settled_turn: int | None = None


@dataclass(frozen=True)
class FeedbackItem:
    check_id: str
    text: str
    quote: str = ""
    start_s: float | None = None
    end_s: float | None = None
    suggestion: str = ""


@dataclass(frozen=True)
class TurnScore:
    score_0_100: float | None
    heart: dict[str, float | None]
    checks: list[CheckResult]
    feedback: list[FeedbackItem] = field(default_factory=list)

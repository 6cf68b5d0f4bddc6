"""faster-whisper wrapper: a Recording in, a Transcript with word timings out.

Guards, each against a failure seen with Whisper on short replies:
- silence or noise: decoding runs only when the VAD found speech, and words that
  fall outside every speech span are dropped, so nothing is invented on silence
  (faster-whisper's own vad_filter is not used: it re-runs Silero and splits the
  audio into more decoding windows, ~30 % slower on a 15 s reply, for no gain);
- fillers: Whisper learnt to drop "um"/"uh"; a prompt that itself contains
  fillers makes it keep them where they were spoken;
- decoding time: a single temperature (no fallback ladder) and a token cap in
  proportion to the audio length bound the time a self-repeating reply can take.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from voicecoach.config import Settings, load_settings
from voicecoach.errors import ModelError
from voicecoach.types import Recording, Span, Transcript, Word


@dataclass(frozen=True)
class TranscribeOptions:
    """Decoding settings.

    Attributes:
        filler_prompt: initial prompt; its own "um"/"uh" teach the decoder that
            fillers are to be written out (the prompting trick from the Whisper
            discussions; no fine-tuning needed).
        tokens_per_s, token_margin: cap on new tokens per 30 s window, from the
            window's audio length. Fast speech is ~4 words/s, ~6 tokens/s with
            punctuation and timestamps; 10/s leaves room and still stops a loop.
        no_speech_threshold, log_prob_threshold: Whisper's own rule for dropping
            a segment it believes is not speech.
        span_margin_s: a word must overlap a VAD speech span widened by this.
        packed_run, packed_s: a run of at least `packed_run` consecutive words
            each shorter than `packed_s` is a decoding loop with no audio under
            it (Whisper's "I'm sorry, I'm sorry, ..." after a short clip), not
            speech: nobody says three words in 30 ms. A whole segment whose
            words average under twice `packed_s` each is such a loop too. Real
            repetition keeps its timings and survives.
    """

    filler_prompt: str = "Umm, so, uh, let me see... Hmm, okay, um, I think, uh, we can do that."
    tokens_per_s: float = 10.0
    token_margin: int = 32
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    span_margin_s: float = 0.3
    packed_run: int = 3
    packed_s: float = 0.03


DEFAULT_OPTIONS = TranscribeOptions()


class Transcriber:
    """Loads the Whisper model once; `transcribe` is then called per reply."""

    def __init__(self, settings: Settings | None = None, *, options: TranscribeOptions | None = None) -> None:
        from voicecoach import models

        self.settings = settings or load_settings()
        self.options = options or DEFAULT_OPTIONS
        self.model_info = models.model_dir(self.settings)
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError(f"faster-whisper is not installed ({exc}); run `make setup`") from None
        try:
            # A path that exists is loaded as is: faster-whisper never looks at a hub for it.
            self.model = WhisperModel(
                str(self.model_info.path),
                device="cpu",
                compute_type="int8",
                cpu_threads=self.settings.cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                f"cannot load the Whisper model at {self.model_info.path} ({str(exc).splitlines()[0]}); "
                "run `voicecoach doctor` to check or rebuild it"
            ) from None

    def transcribe(
        self, recording: Recording, *, spans: list[Span] | None = None, vocabulary: Iterable[str] = ()
    ) -> Transcript:
        """Transcribe one reply.

        Args:
            recording: 16 kHz mono audio.
            spans: speech spans from `prosody.speech_spans` (computed when None).
            vocabulary: names and terms likely in this turn (customer's name, product
                terms); passed to Whisper as hotwords.

        Returns:
            The Transcript; `no_speech` is True and the text empty when nothing was said.
        """
        from voicecoach import prosody

        language = self.settings.language
        if spans is None:
            spans = prosody.speech_spans(recording.samples, sample_rate=recording.sample_rate)
        if not spans:
            return Transcript(text="", words=[], language=language, no_speech=True)
        opts = self.options
        window_s = min(30.0, recording.duration_s)
        hotwords = ", ".join(dict.fromkeys(v.strip() for v in vocabulary if v and v.strip())) or None
        segments, _info = self.model.transcribe(
            recording.samples,
            language=language,
            beam_size=self.settings.beam_size,
            temperature=0.0,
            condition_on_previous_text=False,
            initial_prompt=opts.filler_prompt,
            hotwords=hotwords,
            word_timestamps=True,
            no_speech_threshold=opts.no_speech_threshold,
            log_prob_threshold=opts.log_prob_threshold,
            max_new_tokens=int(math.ceil(window_s * opts.tokens_per_s)) + opts.token_margin,
        )
        words: list[Word] = []
        texts: list[str] = []
        for segment in segments:
            if segment.no_speech_prob > opts.no_speech_threshold and segment.avg_logprob < opts.log_prob_threshold:
                continue
            kept = [w for w in _unpacked(segment.words or [], opts) if _inside(w.start, w.end, spans, opts.span_margin_s)]
            if not kept:
                continue
            words += [_snap(w.word.strip(), float(w.start), float(w.end), float(w.probability), spans) for w in kept]
            texts.append("".join(w.word for w in kept).strip())
        text = " ".join(texts).strip()
        return Transcript(text=text, words=words, language=language, no_speech=not words)


def _snap(text: str, start_s: float, end_s: float, probability: float, spans: list[Span]) -> Word:
    """Clamp a word to the speech span it overlaps most: Whisper's word timings drift
    into a preceding silence (a word "starting" at 0.0 after a 2 s pause), while the
    VAD edges are measured on the signal."""
    best = max(spans, key=lambda s: min(end_s, s.end_s) - max(start_s, s.start_s))
    if min(end_s, best.end_s) > max(start_s, best.start_s):
        start_s, end_s = max(start_s, best.start_s), min(end_s, best.end_s)
    return Word(text, round(start_s, 3), round(max(start_s, end_s), 3), round(probability, 4))


def _unpacked(words: list, opts: TranscribeOptions) -> list:
    """The words minus every run of `packed_run` or more near-instant words."""
    if len(words) >= opts.packed_run and words[-1].end - words[0].start < 2 * opts.packed_s * len(words):
        return []
    kept: list = []
    run: list = []
    for word in [*words, None]:
        if word is not None and word.end - word.start < opts.packed_s:
            run.append(word)
            continue
        if len(run) < opts.packed_run:
            kept += run
        run = []
        if word is not None:
            kept.append(word)
    return kept


def _inside(start_s: float, end_s: float, spans: list[Span], margin_s: float) -> bool:
    return any(start_s < s.end_s + margin_s and end_s > s.start_s - margin_s for s in spans)


_SHARED: dict[tuple[object, ...], Transcriber] = {}


def shared_transcriber(settings: Settings | None = None) -> Transcriber:
    """One Transcriber per model and decoding settings for the whole process: loading
    the model costs more than a short reply's transcription."""
    settings = settings or load_settings()
    key = (settings.model, settings.cache_path, settings.language, settings.beam_size, settings.cpu_threads)
    if key not in _SHARED:
        _SHARED[key] = Transcriber(settings)
    return _SHARED[key]

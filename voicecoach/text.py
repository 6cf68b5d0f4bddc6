"""Reply text prepared for the content checks: normalised tokens that remember which
spoken word they came from, clause boundaries, negation scope and phrase search.

Replies arrive as Whisper output (punctuated, or not) or typed text, so matching
runs on a normal form: lower case, contractions expanded ("can't" -> "can not",
and the apostrophe-less ASR spellings "cant", "im", "youre" too), fillers dropped,
punctuation kept only as clause boundaries.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Iterator

from voicecoach.types import Word

# Contractions, including the forms speech recognisers write without apostrophes.
_CONTRACTIONS = {
    "can't": "can not", "cant": "can not", "cannot": "can not", "won't": "will not", "wont": "will not",
    "don't": "do not", "dont": "do not", "doesn't": "does not", "doesnt": "does not", "didn't": "did not",
    "didnt": "did not", "isn't": "is not", "isnt": "is not", "aren't": "are not", "arent": "are not",
    "wasn't": "was not", "wasnt": "was not", "weren't": "were not", "werent": "were not", "haven't": "have not",
    "havent": "have not", "hasn't": "has not", "hasnt": "has not", "hadn't": "had not", "hadnt": "had not",
    "shouldn't": "should not", "shouldnt": "should not", "wouldn't": "would not", "wouldnt": "would not",
    "couldn't": "could not", "couldnt": "could not", "mustn't": "must not", "ain't": "is not", "aint": "is not",
    "i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'll": "i will", "ill": "i will",
    "i'd": "i would", "id": "i would", "you're": "you are", "youre": "you are", "you've": "you have",
    "youve": "you have", "you'll": "you will", "youll": "you will", "you'd": "you would", "youd": "you would",
    "we're": "we are", "we've": "we have", "weve": "we have", "we'll": "we will", "we'd": "we would",
    "they're": "they are", "theyre": "they are", "they've": "they have", "theyve": "they have",
    "they'll": "they will", "theyll": "they will", "they'd": "they would", "it's": "it is", "its": "it is",
    "that's": "that is", "thats": "that is", "there's": "there is", "theres": "there is", "what's": "what is",
    "whats": "what is", "here's": "here is", "heres": "here is", "let's": "let us", "lets": "let us",
    "he's": "he is", "hes": "he is", "she's": "she is", "who's": "who is", "how's": "how is",
    "where's": "where is", "y'all": "you all", "gonna": "going to", "wanna": "want to", "gotta": "got to",
    "shan't": "shall not", "i'ma": "i am going to", "ya": "you",
}
NEGATORS = frozenset({"not", "never", "no", "nothing", "neither", "nor", "without", "hardly", "nobody", "none"})
# Tokens that end a negation's reach: "I can't do X, but I understand..." keeps the
# understanding un-negated.
CLAUSE_BREAKS = frozenset({"but", "however", "although", "though", "because", "so", "and", "yet", "instead",
                           "while", "whereas", "although", "anyway"})
# A new subject starts a new idea in run-on speech ("that's not good enough let me
# check it"), so a negation before it does not reach past it.
SUBJECTS = frozenset({"i", "we", "let", "you", "he", "she", "they", "that", "this", "it", "there", "what", "how",
                      "why", "when", "where", "which", "who"})
FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm", "eh"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_END = re.compile(r"[.!?;:\u2014\u2013]")
_DASH = re.compile(r"[-\u2014\u2013.]+|\.\.\.")
# "name's" is "name is"; other "'s" are possessive ("the courier's fault" -> "courier").
_IS_AFTER = frozenset({"name", "that", "it", "what", "there", "here", "who", "he", "she", "where", "how", "let",
                       "this", "everything", "nothing", "something", "one"})


def _possessive(piece: str) -> str:
    if piece.endswith("'s") and piece not in _CONTRACTIONS:
        stem_ = piece[:-2]
        return f"{stem_} is" if stem_ in _IS_AFTER else stem_
    return piece
STOPWORDS = frozenset("""a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now
of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves will shall may might must also really okay
yes yeah well oh let us got get gets getting one thing things""".split())


@dataclass(frozen=True)
class Match:
    """A phrase found in the reply: token range and the spoken words behind it."""

    first_token: int
    last_token: int  # inclusive
    text: str
    start_s: float | None
    end_s: float | None


class Reply:
    """A reply prepared for phrase search.

    Args:
        words: the spoken words with timings (timings may be None for typed text).
    """

    def __init__(self, words: list[Word], *, timed: bool = True) -> None:
        self.words = words
        self.timed = timed
        tokens: list[str] = []
        origin: list[int] = []
        breaks: set[int] = set()  # token indices that start a new clause
        conjunctions: set[int] = set()  # ... of which those at a conjunction, not punctuation
        punctuation: set[int] = set()  # ... of which those after punctuation
        questions: set[int] = set()  # token indices that end a question
        for index, word in enumerate(words):
            raw = word.text.lower().translate(_APOSTROPHES)
            if _DASH.fullmatch(raw.strip()) and tokens:
                breaks.add(len(tokens))
                punctuation.add(len(tokens))
                continue
            pieces = [_possessive(p) for p in _WORD.findall(raw)]
            for piece in pieces:
                if piece in FILLERS:
                    continue
                for part in _CONTRACTIONS.get(piece, piece).split():
                    if part in CLAUSE_BREAKS and tokens:
                        breaks.add(len(tokens))
                        conjunctions.add(len(tokens))
                    tokens.append(part)
                    origin.append(index)
            trailing = raw.rstrip()
            if tokens and (_END.search(trailing[-1:]) or trailing.endswith(",")):
                breaks.add(len(tokens))
                punctuation.add(len(tokens))
                if trailing.endswith("?"):
                    questions.add(len(tokens) - 1)
        self.tokens = tokens
        self.origin = origin
        self.breaks = breaks
        self.conjunctions = conjunctions
        self.punctuation = punctuation
        self.questions = questions
        self.norm = " ".join(tokens)
        self._offsets = []
        offset = 0
        for token in tokens:
            self._offsets.append(offset)
            offset += len(token) + 1

    @classmethod
    def from_text(cls, text: str) -> Reply:
        return cls([Word(t, 0.0, 0.0, 1.0) for t in text.split()], timed=False)

    def find(self, patterns: Iterable[re.Pattern[str]], *, negatable: bool = True, window: int = 4) -> list[Match]:
        """Every match of the patterns, dropping those negated when `negatable`."""
        found: list[Match] = []
        for pattern in patterns:
            for m in pattern.finditer(self.norm):
                if m.end() == m.start():
                    continue
                first = bisect.bisect_right(self._offsets, m.start()) - 1
                last = bisect.bisect_right(self._offsets, m.end() - 1) - 1
                if negatable and self.negated(first, last, window=window):
                    continue
                found.append(self.match(first, last))
        found.sort(key=lambda x: x.first_token)
        return found

    def negated(self, first: int, last: int, *, window: int = 4) -> bool:
        """A negator inside the phrase or within `window` tokens before it, same clause."""
        start = first
        while (start > 0 and self.tokens[first] not in SUBJECTS and first - start < window and start not in self.breaks
               and self.tokens[start - 1] not in SUBJECTS):
            start -= 1
        if start in self.breaks and start < first and self.tokens[start] in CLAUSE_BREAKS:
            start += 1
        return any(t in NEGATORS for t in self.tokens[start : last + 1])

    def match(self, first: int, last: int) -> Match:
        word_first, word_last = self.origin[first], self.origin[last]
        spoken = " ".join(w.text for w in self.words[word_first : word_last + 1])
        if self.timed:
            return Match(first, last, spoken, self.words[word_first].start_s, self.words[word_last].end_s)
        return Match(first, last, spoken, None, None)

    def widen(self, match: Match, *, max_tokens: int = 14) -> Match:
        """The match grown to its clause (at most `max_tokens`), for quoting back."""
        for first, last in self.clauses:
            if first <= match.first_token <= last:
                last = max(match.last_token, min(last, first + max_tokens - 1))
                first = min(first, match.first_token)
                return self.match(first, last)
        return match

    @cached_property
    def clauses(self) -> list[tuple[int, int]]:
        """(first, last) token ranges of clauses: split at punctuation, and at a
        conjunction once a clause has 6+ tokens, so unpunctuated ASR output still
        splits into ideas; no clause runs past 24 tokens."""
        spans: list[tuple[int, int]] = []
        start = 0
        for i in range(1, len(self.tokens) + 1):
            punctuation = i in self.punctuation
            conjunction = i in self.conjunctions and i - start >= 6
            if i == len(self.tokens) or punctuation or conjunction or i - start >= 24:
                spans.append((start, i - 1))
                start = i
        return spans

    def clause_text(self, span: tuple[int, int]) -> str:
        return " ".join(self.tokens[span[0] : span[1] + 1])

    def clause_negated(self, span: tuple[int, int]) -> bool:
        return any(t in NEGATORS for t in self.tokens[span[0] : span[1] + 1])

    def content_stems(self) -> set[str]:
        return content_stems(self.tokens)

    def iter_questions(self) -> Iterator[tuple[int, int]]:
        """Clauses that end with a question mark."""
        for first, last in self.clauses:
            if any(q in range(first, last + 1) for q in self.questions):
                yield first, last


def stem(token: str) -> str:
    """A crude English stemmer: enough to match 'delivered'/'delivery'/'deliver'."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s", "y", "e"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def content_stems(tokens: Iterable[str]) -> set[str]:
    return {stem(t) for t in tokens if t not in STOPWORDS and len(t) > 2 and not t.isdigit()}


def tokens_of(text: str) -> list[str]:
    return Reply.from_text(text).tokens


def english_share(tokens: list[str]) -> float:
    """Share of tokens that are common English function words (0..1)."""
    if not tokens:
        return 1.0
    return sum(1 for t in tokens if t in STOPWORDS) / len(tokens)


def compile_all(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(r"\b" + p + r"\b") for p in patterns)

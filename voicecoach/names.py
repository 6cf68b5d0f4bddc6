"""Finding the customer's name in a reply as speech recognition heard it.

Whisper often spells an unfamiliar name as the nearest common word ("Ms Cho" comes
out "MS show", "Mr Morales" as "mister morale", "Dr Penrose" as "doctor penn rose"),
so an exact token match misses a trainee who did use the name. A name part matches
a token (or two tokens run together) that sounds the same (Metaphone) or is spelled
nearly the same (Jaro-Winkler). Because a sound-alike is often an ordinary word
("I'll show you"), a near match only counts when it stands after a title ("ms",
"mister", "doctor"…) or is not itself a common English word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

TITLES = frozenset({"mr", "mrs", "ms", "miss", "misses", "missus", "mister", "dr", "doctor", "mx", "sir", "madam",
                    "mam", "maam"})
# Titles that stand before a name ("ms show" is Ms Cho); "sir"/"madam" do not ("yes madam, show me").
NAME_TITLES = TITLES - {"sir", "madam", "mam", "maam"}
# Jaro-Winkler similarity above which two spellings are taken as one name: measured on
# misrecognised names (morales/morale 0.97, novak/novac 0.92, campbell/campell 0.97)
# against unrelated words of similar length (hollis/holly 0.89 is the closest pair kept
# out unless a title stands before it).
SPELLING_SIMILARITY = 0.90
MIN_FUZZY_LENGTH = 3  # "Cho" is the shortest name part that is matched by sound


@dataclass(frozen=True)
class NameHit:
    first_token: int
    last_token: int
    heard: str  # the recognised words
    part: str  # the name part they were taken for
    exact: bool


def name_parts(name: str) -> list[str]:
    """The parts of a name worth matching: "Ms Vanessa Cho" -> ["vanessa", "cho"]."""
    from voicecoach.text import tokens_of

    return [p for p in tokens_of(name) if p not in TITLES and len(p) >= 2]


def find_name(tokens: list[str], name: str) -> NameHit | None:
    """The first place in `tokens` (normalised reply tokens) where the name is used."""
    parts = name_parts(name)
    if not parts:
        return None
    fuzzy: NameHit | None = None
    for i, token in enumerate(tokens):
        if token in parts:
            return NameHit(i, i, token, token, True)
        if fuzzy is not None:
            continue
        titled = i > 0 and tokens[i - 1] in NAME_TITLES
        for width in (1, 2):
            if i + width > len(tokens):
                break
            heard_tokens = tokens[i : i + width]
            if width == 2 and any(t in TITLES for t in heard_tokens):
                break
            heard = "".join(heard_tokens)
            for part in parts:
                if len(part) >= MIN_FUZZY_LENGTH and _sounds_like(heard, part) and (titled or not _common(heard_tokens)):
                    fuzzy = NameHit(i, i + width - 1, " ".join(heard_tokens), part, False)
                    break
            if fuzzy is not None:
                break
    return fuzzy


def _sounds_like(heard: str, part: str) -> bool:
    import jellyfish

    if abs(len(heard) - len(part)) > max(2, len(part) // 2):
        return False
    if jellyfish.metaphone(heard) == jellyfish.metaphone(part):
        return True
    return len(part) >= 5 and jellyfish.jaro_winkler_similarity(heard, part) >= SPELLING_SIMILARITY


def _common(tokens: list[str]) -> bool:
    """Every token is an ordinary English word (a whole word in the bundled WordPiece vocabulary)."""
    words = _vocabulary()
    return all(t in words for t in tokens)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    text = resources.files("voicecoach.data").joinpath("minilm_vocab.txt").read_text(encoding="utf-8")
    return frozenset(w for w in text.split() if w.isalpha())


# An introduction: "this is Marcus", "I'm Ben", "my name is Priya", "Tom here".
_INTRO_BEFORE = (("my", "name", "is"), ("name", "is"), ("my", "names"), ("this", "is"), ("it", "is"), ("i", "am"),
                 ("call", "me"))
_NAMING_CUES = (("name", "is"), ("my", "names"), ("call", "me"))  # after these any word is a name
_CALENDAR = frozenset("""monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight january
february march april may june july august september october november december""".split())
_INTRO_AFTER = frozenset({"here", "speaking"})
# What may follow a name just given: the clause goes on to something else.
_AFTER_NAME = frozenset({"here", "speaking", "from", "on", "at", "with", "and", "in", "by", "calling", "if", "but",
                         "so", "i", "let", "we", "how", "what", "thanks", "thank", "sir", "madam", "maam", "mam"})
_GREETINGS = frozenset({"hi", "hello", "hey", "morning", "afternoon", "evening", "done", "okay", "ok", "right"})
# English word endings that a first name rarely has ("this is awful", "I'm exhausted").
_NOT_NAME_ENDINGS = ("ing", "ed", "ful", "ous", "ive", "able", "ible", "less", "ly", "ent", "ant", "ary", "ory", "ic",
                     "ical", "ness", "ment", "est")


def find_own_name(tokens: list[str], spoken: list[str], *, not_these: set[str] | frozenset[str] = frozenset(),
                  stop: frozenset[str] = frozenset(), breaks: set[int] | frozenset[int] = frozenset()) -> NameHit | None:
    """Where the agent gives their own first name.

    Args:
        tokens: normalised reply tokens. spoken: the word each token came from, as
            recognised (for capitals). not_these: the customer's name parts.
        stop: words that are never a name here. breaks: token indices that start a clause.
    """
    for i, token in enumerate(tokens):
        before = any(tuple(tokens[max(0, i - len(cue)) : i]) == cue for cue in _INTRO_BEFORE)
        after = (i + 1 < len(tokens) and tokens[i + 1] in _INTRO_AFTER
                 and (i == 0 or i in breaks or tokens[i - 1] in not_these or tokens[i - 1] in _GREETINGS))
        if not (before or after) or token in not_these or token in stop or token in TITLES or token in _CALENDAR:
            continue
        named = any(tuple(tokens[max(0, i - len(cue)) : i]) == cue for cue in _NAMING_CUES)
        followed = i + 1 >= len(tokens) or (i + 1) in breaks or tokens[i + 1] in _AFTER_NAME or tokens[i + 1] in not_these
        if before and not followed and not named:
            continue
        if _first_name(token, spoken[i] if i < len(spoken) else token, named=named):
            return NameHit(i, i, token, token, True)
    return None


def _first_name(token: str, spoken: str, *, named: bool = False) -> bool:
    if not token.isalpha() or len(token) < 2:
        return False
    if token in _first_names():
        return True
    if token.endswith(_NOT_NAME_ENDINGS):
        return False
    # A name the list lacks (Priya, Kofi, Arjun) is no common word; a capitalised common
    # word ("it is Fedex") counts only where nothing but a name can stand ("my name is").
    return token not in _vocabulary() or (named and spoken[:1].isupper())


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    text = resources.files("voicecoach.data").joinpath("first_names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))

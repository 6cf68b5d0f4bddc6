"""Content checks: what the trainee said. Phrase patterns first (precise, negation
aware), then sentence embeddings for paraphrases the patterns do not list.

Why both: a pattern layer alone misses "being sent home empty-handed twice would
wear anyone down"; embeddings alone cannot tell "I understand why you're upset"
from "I don't understand why you're upset" (cosine 0.82). So an embedding match
only counts on a clause with no negator in it, and patterns veto hollow forms
("I'm sorry you feel that way") outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicecoach.rules import TurnInput, check, not_applicable
from voicecoach.rules import lexicon as lx
from voicecoach.text import STOPWORDS, Match, Reply, content_stems, tokens_of
from voicecoach.types import CheckResult

MAX_EMBEDDED_CLAUSES = 40  # a spoken reply has a handful; a pasted essay is judged on patterns beyond this
DISCLAIMER_REACH = 6  # tokens after "I'm not saying" that it still covers ("...you're wrong at all")
HEDGE_REACH = 8  # tokens after "hopefully" / "I can't promise" that it still covers
CONDITION_REACH = 20  # tokens before "...quicker if we keep it civil" that the condition still covers
OWNERSHIP_REACH = 12  # tokens either side of an apology within which a colleague's error counts as owned
GENERIC_STEMS = frozenset({"problem", "issue", "help", "today", "time", "want", "need", "call", "said", "tell", "know",
                           "look", "going", "come", "make", "take", "sure", "just", "right", "thank", "please",
                           "sorry", "understand", "good", "bad", "really", "still", "even", "again", "back"})


@dataclass
class TextView:
    """Per-turn analysis shared by every content check (built once per turn)."""

    reply: Reply
    clauses: list[tuple[int, int]]
    vectors: np.ndarray | None
    customer: Reply | None
    customer_vector: np.ndarray | None

    def paraphrase(self, name: str, threshold: float) -> tuple[Match | None, float]:
        """Best non-negated clause close to `name`'s prototypes, if above threshold."""
        if self.vectors is None or not len(self.vectors):
            return None, 0.0
        from voicecoach.rules.content import _index

        index = _index()
        sims = self.vectors @ index.vectors[name].T
        best: tuple[Match | None, float] = (None, 0.0)
        for i, span in enumerate(self.clauses[: len(self.vectors)]):
            score = float(sims[i].max())
            if score > best[1] and not self.reply.clause_negated(span):
                best = (self.reply.match(*span), score)
        return (best[0], best[1]) if best[1] >= threshold else (None, best[1])


    def negated_paraphrase(self, name: str, threshold: float) -> bool:
        """A clause close to `name`'s prototypes that is negated ("I don't understand why you're upset")."""
        if self.vectors is None or not len(self.vectors):
            return False
        sims = self.vectors @ _index().vectors[name].T
        return any(float(sims[i].max()) >= threshold and self.reply.clause_negated(span)
                   for i, span in enumerate(self.clauses[: len(self.vectors)]))


def view(turn: TurnInput) -> TextView | None:
    """The turn's TextView, or None when nothing was said."""
    if "text" in turn.cache:
        return turn.cache["text"]
    result = None
    transcript = turn.transcript
    if transcript is not None and not transcript.no_speech and transcript.words:
        reply = Reply(transcript.words, timed=turn.prosody is not None)
        if reply.tokens:
            clauses = reply.clauses[:MAX_EMBEDDED_CLAUSES]
            customer = Reply.from_text(turn.context.customer_line) if turn.context.customer_line.strip() else None
            texts = [reply.clause_text(c) for c in clauses]
            if customer is not None:
                texts.append(customer.norm)
            vectors = _embedder().embed(texts) if texts else None
            customer_vector = None
            if customer is not None and vectors is not None:
                customer_vector, vectors = vectors[-1], vectors[:-1]
            result = TextView(reply, clauses, vectors, customer, customer_vector)
    turn.cache["text"] = result
    return result


def _embedder():
    from voicecoach.embed import shared_embedder

    return shared_embedder()


_INDEX = None


def _index():
    global _INDEX
    if _INDEX is None:
        from voicecoach.embed import PrototypeIndex

        from voicecoach.config import load_settings

        _INDEX = PrototypeIndex(_embedder(), lx.PROTOTYPES, cache_dir=load_settings().cache_path)
    return _INDEX


def warm_up() -> None:
    """Load the embedding model and prototypes now (e.g. while Whisper is busy)."""
    _index()


def _silent(check_id: str) -> CheckResult:
    return not_applicable(check_id, "nothing was said: content not judged")


def _opted_in(turn: TurnInput, check_id: str) -> bool:
    persona = turn.context.persona
    return persona is not None and persona.checks.get(check_id, 0.0) > 0


def _found(check_id: str, match: Match, message: str, *, value: Any = True, threshold: Any = None,
           credit: float = 1.0, passed: bool = True) -> CheckResult:
    return CheckResult(check_id, passed, value, threshold, message, match.text, match.start_s, match.end_s, credit)


def _missing(check_id: str, message: str, *, value: Any = False, threshold: Any = None, credit: float = 0.0) -> CheckResult:
    return CheckResult(check_id, False, value, threshold, message, "", None, None, credit)


def _fault(check_id: str, match: Match, message: str) -> CheckResult:
    return CheckResult(check_id, False, match.text, None, message, match.text, match.start_s, match.end_s, 0.0)


def _clean(check_id: str, message: str) -> CheckResult:
    return CheckResult(check_id, True, None, None, message, "", None, None, 1.0)


def _disclaimed(reply: Reply, hits: list[Match]) -> list[Match]:
    """Drop hits inside a disclaimer's scope: "I'm not saying you're wrong", "that doesn't
    mean it didn't happen". The scope runs a few tokens on, within the same clause."""
    disclaimers = reply.find(lx.DISCLAIMER, negatable=False)

    def covered(hit: Match) -> bool:
        for d in disclaimers:
            if d.first_token <= hit.first_token and hit.first_token - d.last_token <= DISCLAIMER_REACH \
                    and not any(d.last_token < i <= hit.first_token for i in reply.punctuation):
                return True
        return False

    return [h for h in hits if not covered(h)]


def _veto(turn: TurnInput, check_id: str, reason: str) -> None:
    """Note that the patterns saw the words of this check and ruled them out (negated,
    disclaimed, hedged, hollow, countered): the learned layer may not overrule that."""
    turn.cache.setdefault("vetoes", {})[check_id] = reason


def _quote(match: Match) -> str:
    return f"\u201c{match.text.strip(' ,.')}\u201d"


# ----------------------------------------------------------------------------- Hear


@check("reflect", kind="content", heart="hear",
       passes=({"text": "So the part you were given is wrong for the third time, let me fix that.",
                "context": {"customer_line": "This is the third time you've given me the wrong part!"}},
               {"text": "if i got this right the parcel that was promised for tuesday never turned up",
                "context": {"customer_line": "My parcel was promised for Tuesday and it never came."}}),
       fails=({"text": "I understand. Let me help you.",
               "context": {"customer_line": "This is the third time you've given me the wrong part!"}},
              {"text": "Can I have your account number please?",
               "context": {"customer_line": "My parcel was promised for Tuesday and it never came."}}))
def reflect(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Hear the customer out, then reflect their complaint back in your own words
    ("so the part you were given is wrong again"): it proves you listened and gives
    you a moment to think."""
    if not turn.context.customer_line.strip():
        return not_applicable("reflect", "the customer's line is unknown: reflecting cannot be judged")
    v = view(turn)
    if v is None:
        return _silent("reflect")
    assert v.customer is not None
    customer_stems = content_stems(v.customer.tokens) - GENERIC_STEMS
    markers = v.reply.find(lx.REFLECT_MARKERS, negatable=False)
    sims = v.vectors @ v.customer_vector if v.vectors is not None and v.customer_vector is not None else None
    best: tuple[float, Match | None, set[str], float] = (0.0, None, set(), 0.0)
    for i, span in enumerate(v.clauses):
        shared = content_stems(v.reply.tokens[span[0] : span[1] + 1]) & customer_stems
        similarity = float(sims[i]) if sims is not None and i < len(sims) else 0.0
        text = v.reply.clause_text(span)
        marked = any(span[0] <= m.first_token <= span[1] for m in markers)
        # A clause about what the agent will do next is an action, not a restatement.
        acting = bool(_ACTING.match(text))
        strength = len(shared) + 3 * max(0.0, similarity - 0.3)
        if marked:
            strength += 1.5
        if acting and not marked:
            strength -= 2.0
        if strength > best[0]:
            best = (strength, v.reply.match(*span), shared, similarity)
    strength, where, shared, similarity = best
    value = {"shared_words": sorted(shared), "similarity": round(similarity, 3), "marker": bool(markers)}
    threshold = {"min_strength": t["min_strength"]}
    if where is not None and strength >= t["min_strength"]:
        return _found("reflect", where, f"You reflected the complaint back: {_quote(where)}.", value=value,
                      threshold=threshold)
    credit = 0.4 if markers or strength >= t["min_strength"] / 2 else 0.0
    message = ("You touched on what they said but did not restate it: name the customer's actual problem in "
               "your own words." if credit else
               "You did not reflect the complaint back: restate what went wrong in your own words before answering.")
    return _missing("reflect", message, value=value, threshold=threshold, credit=credit)


_ACTING = re.compile(r"^(?:(?:and|so|then|but|now|okay|right) )?(?:i will|i am going to|let me|let us|i can|we will|"
                     r"we can|i have|i am (?:\w+ing)|what i can|i would like to|i could|we could|i need)\b")


@check("open-question", kind="content", heart="hear",
       passes=({"text": "What happened when you got the part home?", "context": {"persona": "@open-question"}},
               {"text": "could you walk me through what the courier told you", "context": {"persona": "@open-question"}}),
       fails=({"text": "Is that right?", "context": {"persona": "@open-question"}},
              {"text": "What I can do is send a new one today.", "context": {"persona": "@open-question"}}))
def open_question(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Ask an open question (what, how, tell me more) to get the whole story: an
    angry customer calms down when they are asked, not told."""
    if not _opted_in(turn, "open-question"):
        return not_applicable("open-question", "not expected with this customer")
    v = view(turn)
    if v is None:
        return _silent("open-question")
    reply = v.reply
    facts = {m.first_token for m in reply.find(lx.FACT_QUESTION, negatable=False)}
    names = set(tokens_of(turn.context.customer_name or ""))
    # A request for the story ("can you tell me...") or an inverted wh-question ("what did
    # the engineer say") is a question even mid-sentence in unpunctuated speech, unless
    # negated ("no need to tell me") or embedded ("I understand why you are...").
    standalone = {m.first_token for m in reply.find(lx.STORY_REQUEST) + reply.find(lx.INVERTED_QUESTION, window=6)}
    for match in reply.find(lx.OPEN_QUESTION, negatable=False):
        clause = next((c for c in v.clauses if c[0] <= match.first_token <= c[1]), None)
        if clause is None or match.first_token in facts:
            continue
        lead = reply.tokens[clause[0] : match.first_token]
        if lead and lead[-1] in lx.EMBEDDING_VERBS:
            continue
        # a question word inside a statement ("I can see how stressful...") is not a question
        if match.first_token not in standalone and any(t not in lx.DISCOURSE and t not in names for t in lead):
            continue
        return _found("open-question", reply.widen(match), f"Good open question: {_quote(match)}.")
    return _missing("open-question", "You asked no open question: ask what happened or how it affected them "
                                     "before proposing a fix.")


@check("customer-name", kind="content", heart="hear",
       passes=({"text": "I'm sorry about this, Mr Morales.", "context": {"customer_name": "Mr Morales"}},
               {"text": "eddie let me check that", "context": {"customer_name": "Eddie Morales"}},
               {"text": "thank you ms show i am rebooking you now", "context": {"customer_name": "Ms Cho"}},
               {"text": "mister morale let me check that part", "context": {"customer_name": "Mr Morales"}}),
       fails=({"text": "I'm sorry about this, sir.", "context": {"customer_name": "Mr Morales"}},
              {"text": "let me show you the new flight times", "context": {"customer_name": "Ms Cho"}}))
def customer_name(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Use the customer's name: two people who know each other's names work on a
    problem together; two strangers argue about it."""
    name = turn.context.customer_name
    if not name:
        return not_applicable("customer-name", "the customer's name is unknown")
    from voicecoach.names import find_name

    if any(find_name(tokens_of(line), name) for line in turn.context.previous_replies):
        return not_applicable("customer-name", "already used the customer's name earlier in the call")
    v = view(turn)
    if v is None:
        return _silent("customer-name")
    hit = find_name(v.reply.tokens, name)
    if hit is not None:
        heard = "" if hit.exact else f" (heard as \u201c{hit.heard}\u201d)"
        return _found("customer-name", v.reply.widen(v.reply.match(hit.first_token, hit.last_token)),
                      f"You used the customer's name ({name}){heard}.",
                      value={"name": name, "heard": hit.heard, "exact": hit.exact})
    return _missing("customer-name", f"Use the customer's name ({name}): it makes the call personal and calmer.",
                    value=None, credit=0.0)


@check("own-name", kind="content", heart="reassure",
       passes=({"text": "Hi, my name is Priya and I'll be helping you today.", "context": {"turn_index": 0}},
               {"text": "this is sam speaking from the parts desk", "context": {"turn_index": 0}}),
       fails=({"text": "I'm sorry to hear that, let me check.", "context": {"turn_index": 0}},))
def own_name(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Give your own name at the start: it makes you a person who owns the problem,
    not a faceless company."""
    if turn.context.turn_index != 0:
        return not_applicable("own-name", "only expected in the first reply")
    v = view(turn)
    if v is None:
        return _silent("own-name")
    agent = turn.context.agent_name
    if agent:
        wanted = set(tokens_of(agent))
        for i, token in enumerate(v.reply.tokens):
            if token in wanted:
                return _found("own-name", v.reply.widen(v.reply.match(i, i)), "You gave your name.", value=agent)
    from voicecoach.names import find_own_name, name_parts

    spoken = [v.reply.words[o].text for o in v.reply.origin]
    hit = find_own_name(v.reply.tokens, spoken, not_these=set(name_parts(turn.context.customer_name or "")),
                        stop=lx.NOT_NAMES | STOPWORDS, breaks=v.reply.breaks)
    if hit is not None:
        match = v.reply.widen(v.reply.match(max(0, hit.first_token - 2), hit.last_token))
        return _found("own-name", match, f"You introduced yourself: {_quote(match)}.", value=hit.heard)
    return _missing("own-name", "Give your name early (\"my name is …\"): the customer then deals with a person.",
                    value=None)


# ------------------------------------------------------------------------ Empathize


@check("empathy", kind="content", heart="empathize",
       passes=({"text": "That sounds incredibly frustrating."},
               {"text": "no wonder youre fed up after waiting in all day"},
               {"text": "I can't imagine how annoying that must be."}),
       fails=({"text": "I don't understand why you're upset."},
              {"text": "Please give me your order number."},
              {"text": "I understand the process, it takes five days."}))
def empathy(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Name and relate to the customer's feeling ("that sounds really frustrating"):
    empathy is acceptance, not agreement, and it has to come before the fix."""
    v = view(turn)
    if v is None:
        return _silent("empathy")
    hits = v.reply.find(lx.EMPATHY_NEGATION_PROOF, negatable=False) + v.reply.find(lx.EMPATHY)
    if not hits and v.reply.find(lx.EMPATHY, negatable=False):
        _veto(turn, "empathy", "negated")
    if not hits and v.negated_paraphrase("empathy", t["similarity"]):
        _veto(turn, "empathy", "negated")
    if not hits and v.reply.find(lx.UNDERSTAND_PROCESS, negatable=False):
        _veto(turn, "empathy", "understands a procedure, not a feeling")
    if hits:
        return _found("empathy", v.reply.widen(hits[0]), f"You showed empathy: {_quote(hits[0])}.", value="phrase")
    match, score = v.paraphrase("empathy", t["similarity"])
    if match is not None:
        return _found("empathy", v.reply.widen(match), f"You showed empathy: {_quote(match)}.", value=round(score, 3),
                      threshold=t["similarity"])
    return _missing("empathy", "You did not acknowledge how the customer feels: name the feeling before the fix.",
                    value=round(score, 3), threshold=t["similarity"])


@check("apology", kind="content", heart="empathize",
       passes=({"text": "I apologize for the wait you've had."},
               {"text": "i am so sorry about the mix up"},
               {"text": "Sorry, that's not good enough from us."}),
       fails=({"text": "I'm not going to apologize for our policy."},
              {"text": "I'm sorry you feel that way."},
              {"text": "Sorry, what was your postcode?"}))
def apology(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Apologize for the customer's experience ("I apologize for the trouble this has
    caused"): it costs nothing, admits no blame, and takes the heat out of the call."""
    v = view(turn)
    if v is None:
        return _silent("apology")
    hollow = v.reply.find(lx.NON_APOLOGY, negatable=False) + v.reply.find(lx.PARDON, negatable=False)
    hollow_tokens = {i for m in hollow for i in range(m.first_token, m.last_token + 1)}

    def real(matches: list[Match]) -> list[Match]:
        return [m for m in matches if not any(i in hollow_tokens for i in range(m.first_token, m.last_token + 1))]

    full = real(v.reply.find(lx.APOLOGY_FULL))
    if full:
        return _found("apology", v.reply.widen(full[0]), f"You apologized: {_quote(full[0])}.", value="apology")
    bare = real(v.reply.find(lx.APOLOGY_BARE))
    if bare:
        return _found("apology", v.reply.widen(bare[0]), f"You said sorry ({_quote(bare[0])}); \"I apologize for …\" naming what "
                      "went wrong lands better.", value="bare sorry", credit=t["bare_sorry_credit"])
    if hollow:
        _veto(turn, "apology", "hollow")
        return _missing("apology", f"{_quote(hollow[0])} is not an apology: apologize for their experience instead.",
                        value="non-apology")
    return _missing("apology", "You did not apologize: \"I apologize for the trouble this has caused\" admits no "
                               "blame and calms the customer.")


@check("reassure", kind="content", heart="reassure",
       passes=({"text": "We're going to get this sorted today."},
               {"text": "leave it with me, I'll see this through"}),
       fails=({"text": "I can't promise anything."}, {"text": "Hopefully it will work out."}))
def reassure(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Reassure the customer that their issue will be dealt with, now or by a time
    you name: worry drives anger, and a promise you can keep removes it."""
    v = view(turn)
    if v is None:
        return _silent("reassure")
    hits = _promises(v.reply)
    if not hits and (v.reply.find(lx.REASSURE, negatable=False) or v.reply.find(lx.REASSURE_NEGATIVE_FORM, negatable=False)):
        _veto(turn, "reassure", "hedged or negated")
    if hits:
        return _found("reassure", v.reply.widen(hits[0]), f"You reassured the customer: {_quote(hits[0])}.")
    match, score = v.paraphrase("reassure", t["similarity"])
    if match is not None and _hedged(v.reply, match):
        _veto(turn, "reassure", "hedged")
    if match is not None and not _hedged(v.reply, match):
        return _found("reassure", v.reply.widen(match), f"You reassured the customer: {_quote(match)}.", value=round(score, 3),
                      threshold=t["similarity"])
    return _missing("reassure", "You did not reassure the customer that this will be sorted; promise what you can deliver.",
                    value=round(score, 3), threshold=t["similarity"])


def _promises(reply: Reply) -> list[Match]:
    """Reassurance phrases that no hedge or condition takes back."""
    hits = reply.find(lx.REASSURE) + reply.find(lx.REASSURE_NEGATIVE_FORM, negatable=False)
    return sorted((h for h in hits if not _hedged(reply, h)), key=lambda m: m.first_token)


def _hedged(reply: Reply, hit: Match) -> bool:
    """A promise under a hedge just before it ("I can't promise it won't happen again",
    "hopefully it will"), or near help made conditional on the customer's manner
    ("we'll get there quicker if we keep it about the order")."""
    for c in reply.find(lx.REASSURE_CONDITION, negatable=False):
        if c.first_token - CONDITION_REACH <= hit.first_token <= c.last_token + HEDGE_REACH:
            return True
    return any(h.first_token <= hit.last_token and hit.first_token - h.last_token <= HEDGE_REACH
               and not any(h.last_token < i <= hit.first_token for i in reply.punctuation)
               for h in reply.find(lx.REASSURE_HEDGE, negatable=False))


# --------------------------------------------------------------------------- Accept


@check("no-contradiction", kind="content", heart="accept",
       passes=({"text": "Let me look at what happened with the part."},
               {"text": "i'm not saying you're wrong, let me check with the driver"},
               {"text": "The tracking says delivered, but you haven't got it, so something has gone wrong our end."}),
       fails=({"text": "That's not true, you must have ordered the wrong one."},
              {"text": "our records show you signed for it"},
              {"text": "the engineer did turn up, his notes say nobody answered"}))
def no_contradiction(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Do not contradict or argue with the customer's account ("that's not true",
    "you must have…"): accept their experience as real and look for the kernel of truth."""
    v = view(turn)
    if v is None:
        return _silent("no-contradiction")
    reply = v.reply
    hits = reply.find(lx.CONTRADICTION, negatable=False) + reply.find(lx.CONTRADICTION_NEGATABLE)
    if not reply.find(lx.OWNED_GAP, negatable=False):
        hits += reply.find(lx.CONTRADICTION_EVIDENCE, negatable=False)
    elif reply.find(lx.CONTRADICTION_EVIDENCE, negatable=False):
        _veto(turn, "no-contradiction", "the record is quoted, and the gap owned")
    if reply.find(lx.EXCULPATE, negatable=False):
        _veto(turn, "no-contradiction", "takes the blame off the customer")
    raw = hits + reply.find(lx.CONTRADICTION_NEGATABLE, negatable=False)
    hits = sorted(_disclaimed(reply, hits), key=lambda m: m.first_token)
    if raw and not hits:
        _veto(turn, "no-contradiction", "negated or disclaimed")
    if hits:
        return _fault("no-contradiction", v.reply.widen(hits[0]), f"{_quote(hits[0])} contradicts the customer: accept their account "
                      "and look into it instead.")
    return _clean("no-contradiction", "You did not contradict the customer.")


@check("no-agreement", kind="content", heart="accept",
       passes=({"text": "Yes, I can do that for you."}, {"text": "So the delivery never came, let me check."}),
       fails=({"text": "I agree, our delivery service is terrible."}, {"text": "yeah that is ridiculous"}))
def no_agreement(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Do not reinforce the complaint with "I agree" or "yes, that's terrible":
    rephrase the key point instead; agreeing fuels the anger and runs down your company."""
    v = view(turn)
    if v is None:
        return _silent("no-agreement")
    hits = v.reply.find(lx.AGREEMENT)
    if not hits and v.reply.find(lx.AGREEMENT, negatable=False):
        _veto(turn, "no-agreement", "negated")
    if hits:
        return _fault("no-agreement", v.reply.widen(hits[0]), f"{_quote(hits[0])} reinforces the complaint: rephrase what went "
                      "wrong instead of agreeing.")
    return _clean("no-agreement", "You did not reinforce the complaint.")


@check("no-defensiveness", kind="content", heart="accept",
       passes=({"text": "I'll look into why that happened."}, {"text": "it's not your fault at all, you did everything right"}),
       fails=({"text": "It's not my fault, I'm just doing my job."}, {"text": "as i already told you calm down"},
              {"text": "we did everything right on our end"}))
def no_defensiveness(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Do not defend or justify yourself: the anger is not about you, and a defensive
    answer only raises the tension. Own the problem without owning the blame."""
    v = view(turn)
    if v is None:
        return _silent("no-defensiveness")
    hits = v.reply.find(lx.DEFENSIVE, negatable=False) + v.reply.find(lx.DEFENSIVE_NEGATABLE)
    raw = hits + v.reply.find(lx.DEFENSIVE_NEGATABLE, negatable=False)
    if v.reply.find(lx.EXCULPATE, negatable=False):
        _veto(turn, "no-defensiveness", "takes the blame off the customer")
    hits = sorted(_disclaimed(v.reply, hits), key=lambda m: m.first_token)
    if raw and not hits:
        _veto(turn, "no-defensiveness", "negated or disclaimed")
    if hits:
        return _fault("no-defensiveness", v.reply.widen(hits[0]), f"{_quote(hits[0])} sounds defensive: leave yourself out of it "
                      "and talk about fixing the problem.")
    return _clean("no-defensiveness", "You stayed non-defensive.")


@check("no-blaming-colleagues", kind="content", heart="accept",
       passes=({"text": "I apologize that my colleague gave you the wrong information; let me fix it."},
               {"text": "i won't blame anyone, it's on us and i'll sort it"}),
       fails=({"text": "The warehouse messed up again, they're useless."},
              {"text": "my colleague should never have told you that"},
              {"text": "I'm sorry, but that's the courier's fault, not ours."}))
def no_blaming_colleagues(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Apologize for a colleague's mistake without criticizing them: blaming another
    team tells the customer your company is the problem."""
    v = view(turn)
    if v is None:
        return _silent("no-blaming-colleagues")
    reply = v.reply
    # An apology near a plain account of a colleague's error owns it, unless the reply
    # also takes the company out of it ("...which isn't really on us").
    owned = [] if reply.find(lx.DEFLECT, negatable=False) else reply.find(lx.BLAME_OK, negatable=False)

    def excused(hit: Match) -> bool:
        if any(p.search(" ".join(reply.tokens[hit.first_token : hit.last_token + 1])) for p in lx.BLAME_HARSH):
            return False
        return any(o.first_token - OWNERSHIP_REACH <= hit.first_token <= o.last_token + OWNERSHIP_REACH for o in owned)

    raw = reply.find(lx.BLAME, negatable=False)
    hits = [m for m in _disclaimed(reply, raw) if not excused(m)]
    if raw and not hits:
        _veto(turn, "no-blaming-colleagues", "owned or disclaimed")
    if hits:
        return _fault("no-blaming-colleagues", v.reply.widen(hits[0]), f"{_quote(hits[0])} blames a colleague: apologize for the "
                      "mistake on the company's behalf and fix it.")
    return _clean("no-blaming-colleagues", "You did not blame colleagues.")


@check("respectful-boundary", kind="content", heart="accept",
       passes=({"text": "I really want to help you, and I can do that best if we keep this respectful.",
                "context": {"persona": "@respectful-boundary"}},),
       fails=({"text": "Don't you dare talk to me like that.", "context": {"persona": "@respectful-boundary"}},
              {"text": "Let me check your order.", "context": {"persona": "@respectful-boundary",
                                                              "customer_line": "Are you stupid or just lazy?"}}))
def respectful_boundary(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """When attacked personally, stay brief and calm: say, kindly and with optimism,
    that personal remarks will not help solve it and that you are committed to helping."""
    if not _opted_in(turn, "respectful-boundary"):
        return not_applicable("respectful-boundary", "not expected with this customer")
    line = turn.context.customer_line
    if line.strip() and not Reply.from_text(line).find(lx.INSULT_CUES, negatable=False):
        return not_applicable("respectful-boundary", "the customer made no personal attack to answer")
    v = view(turn)
    if v is None:
        return _silent("respectful-boundary")
    harsh = v.reply.find(lx.BOUNDARY_HARSH, negatable=False)
    if harsh:
        return _fault("respectful-boundary", v.reply.widen(harsh[0]), f"{_quote(harsh[0])} hits back: set the boundary kindly, "
                      "\"I want to help, and we'll get there faster if we keep it about the order\".")
    good = v.reply.find(lx.BOUNDARY_OK, negatable=False)
    if good:
        return _found("respectful-boundary", v.reply.widen(good[0]), f"You set a calm boundary: {_quote(good[0])}.")
    match, score = v.paraphrase("respectful-boundary", t["similarity"])
    if match is not None:
        return _found("respectful-boundary", v.reply.widen(match), f"You set a calm boundary: {_quote(match)}.", value=round(score, 3))
    return _missing("respectful-boundary", "You let the personal attack pass without a word: say calmly that remarks "
                    "like that won't help solve it, and that you are committed to helping.", value=round(score, 3))


# ------------------------------------------------------------------------- Reassure


@check("positive-language", kind="content", heart="reassure",
       passes=({"text": "What I can do is send a replacement today."},
               {"text": "I can't refund it, but what I can do is replace it today."}),
       fails=({"text": "There's nothing I can do, it's against policy."},
              {"text": "you'll have to call the other number"}))
def positive_language(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Say what you can do, not what you can't: positive, assertive wording keeps
    the customer looking at the solution instead of the wall."""
    v = view(turn)
    if v is None:
        return _silent("positive-language")
    negatives = v.reply.find(lx.NEGATIVE_FRAMING, negatable=False)
    if not negatives:
        return _clean("positive-language", "Your wording stayed positive.")
    # An offer counters the limit; handing the call to a manager does not.
    handed_off = {i for m in v.reply.find(lx.ESCALATION) for i in range(m.first_token, m.last_token + 1)}
    counters = [m for m in v.reply.find(lx.POSITIVE_COUNTER)
                if not handed_off & set(range(m.first_token, m.last_token + 1))]
    if counters:
        _veto(turn, "positive-language", "countered with an offer")
        return _found("positive-language", v.reply.widen(counters[0]), f"You turned a limit into an offer: {_quote(counters[0])}.",
                      value=len(negatives))
    return CheckResult("positive-language", False, len(negatives), None,
                       f"{_quote(negatives[0])} tells the customer what you can't do: follow it with what you can.",
                       negatives[0].text, negatives[0].start_s, negatives[0].end_s, 0.0)


# ---------------------------------------------------------------------- Take action


@check("action", kind="content", heart="take_action",
       passes=({"text": "Let me check the part number against your car right now."},
               {"text": "ive booked a courier for tomorrow morning"}),
       fails=({"text": "There's nothing I can do about it."}, {"text": "I hear you."}))
def action(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Propose a concrete next step and do it, or bring in someone who can: an
    action plan turns the conversation from the problem to the solution."""
    v = view(turn)
    if v is None:
        return _silent("action")
    blocked = {i for m in v.reply.find(lx.ACTION_NOT, negatable=False) + v.reply.find(lx.ESCALATION)
               for i in range(m.first_token, m.last_token + 1)}
    hits = [m for m in v.reply.find(lx.ACTION) if not blocked & set(range(m.first_token, m.last_token + 1))]
    if hits:
        return _found("action", v.reply.widen(hits[0]), f"You proposed a concrete step: {_quote(hits[0])}.")
    match, score = v.paraphrase("action", t["similarity"])
    if match is not None:
        return _found("action", v.reply.widen(match), f"You proposed a concrete step: {_quote(match)}.", value=round(score, 3),
                      threshold=t["similarity"])
    return _missing("action", "You offered no concrete next step: say what you will do now (\"let me check … right now\").",
                    value=round(score, 3), threshold=t["similarity"])


@check("resolution-question", kind="content", heart="take_action",
       passes=({"text": "What would put this right for you?", "context": {"persona": "@resolution-question"}},),
       fails=({"text": "I can offer a ten percent discount.", "context": {"persona": "@resolution-question"}},))
def resolution_question(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Ask what a successful resolution looks like to them: with a customer nothing
    seems to satisfy, it turns vague demands into something you can deliver."""
    if not _opted_in(turn, "resolution-question"):
        return not_applicable("resolution-question", "not expected with this customer")
    v = view(turn)
    if v is None:
        return _silent("resolution-question")
    hits = v.reply.find(lx.RESOLUTION_QUESTION)
    if hits:
        return _found("resolution-question", v.reply.widen(hits[0]), f"You asked what would resolve it: {_quote(hits[0])}.")
    match, score = v.paraphrase("resolution-question", t["similarity"])
    if match is not None:
        return _found("resolution-question", v.reply.widen(match), f"You asked what would resolve it: {_quote(match)}.",
                      value=round(score, 3))
    return _missing("resolution-question", "Ask what a good outcome looks like to them (\"what would put this right "
                    "for you?\") before offering more.", value=round(score, 3))


@check("alternatives", kind="content", heart="take_action",
       passes=({"text": "I can either send a new one today or refund you in full.", "context": {"persona": "@alternatives"}},),
       fails=({"text": "I can send a new one today.", "context": {"persona": "@alternatives"}},))
def alternatives(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Offer a range of options you can actually deliver, and be upfront about what
    you cannot authorize: a choice gives a hard-to-please customer control back."""
    if not _opted_in(turn, "alternatives"):
        return not_applicable("alternatives", "not expected with this customer")
    v = view(turn)
    if v is None:
        return _silent("alternatives")
    hits = v.reply.find(lx.ALTERNATIVES)
    if hits:
        return _found("alternatives", v.reply.widen(hits[0]), f"You offered options: {_quote(hits[0])}.")
    single = v.reply.find(lx.ACTION)
    if single:
        return _missing("alternatives", "You offered one way forward; give two or three options they can choose from.",
                        credit=0.5)
    return _missing("alternatives", "Offer the customer a choice of two or three things you can do.")


@check("no-premature-escalation", kind="content", heart="take_action",
       passes=({"text": "Let me see what I can do myself first."},
               {"text": "I'll bring my manager in now.", "context": {"turn_index": 4}}),
       fails=({"text": "Let me get my manager for you.", "context": {"turn_index": 0}},
              {"text": "ill transfer you to a supervisor", "context": {"turn_index": 1}}))
def no_premature_escalation(turn: TurnInput, t: dict[str, Any]) -> CheckResult:
    """Do not hand the customer to a supervisor as a shortcut: exhaust your own options
    first, and follow the escalation policy only when they are spent."""
    v = view(turn)
    if v is None:
        return _silent("no-premature-escalation")
    persona = turn.context.persona
    allowed_after = persona.escalation_allowed_after_turn if persona is not None else t["default_allowed_after_turn"]
    if turn.context.turn_index >= allowed_after:
        _veto(turn, "no-premature-escalation", "escalating is within policy from this turn")
    hits = v.reply.find(lx.ESCALATION)
    if not hits:
        return _clean("no-premature-escalation", "You kept ownership of the call.")
    if turn.context.turn_index >= allowed_after:
        return _found("no-premature-escalation", v.reply.widen(hits[0]), f"Involving a manager now is within policy: {_quote(hits[0])}.")
    return _fault("no-premature-escalation", v.reply.widen(hits[0]), f"{_quote(hits[0])} hands the call off too early: try your own "
                  "options first.")

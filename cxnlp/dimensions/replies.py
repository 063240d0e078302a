"""What a customer's need asks for, and what an agent's sentence does.

Answer completeness judges whether a reply *met* a need, not whether it is on topic. Two
small readings make that possible, both pure functions of a (filler-free) spaCy span:

- :func:`ask_type` classes a need by the kind of answer it asks for: ``when`` (a time),
  ``how_much`` (an amount), ``how_long`` (a duration), ``how_to`` (steps), ``why`` (a
  cause), ``polar`` (yes or no), ``what`` (another fact), ``request`` (an action) or
  ``problem`` (a fix).
- :func:`reply_functions` reads what an agent sentence does: an action taken ("I've
  waived the fee", "your refund has been processed"), a commitment (with or without a
  time), a refusal, a cause, steps, a yes/no, a time, a duration, an amount, a reference
  to the customer's own case ("your account", "I can see"); or a non-answer: a question
  back, a general statement about everyone ("late fees are applied automatically"), a
  promise without substance ("we'll see what we can do"), a transfer without commitment,
  a yes followed by talk that backs it with nothing ("Yes, lots of our students wear
  glasses"), a promise that names nothing done ("I'll take care of that for you"); and a
  limit or scope that settles a case ("Each permit is only valid in its own zone"), which
  implies the yes or no to a question about it.

:func:`pair_readings` says what a reply adds to the need's own words (an echo adds
nothing), and :func:`pair_features` combines all of it with the reply's similarity to the
need into the features the need–reply classifier (:mod:`cxnlp.dimensions.need_reply`)
weighs: above all, whether the reply gives an answer *of the kind asked*.

The word lists live in ``cxnlp/resources/reply_functions.yaml`` (:class:`ReplyLexicon`,
read by :func:`cxnlp.lexicon.load_lexicon`): every open-class word a reading looks for. What
stays in code is grammar no deployment's wording changes: pronouns, auxiliaries and modals,
negators, wh-words, punctuation and currency symbols, part-of-speech tags.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cxnlp.lexicon import Lexicon, LexiconError, LexiconSpec, load_lexicon
from cxnlp.nlp import span_words
from cxnlp.privacy.placeholders import is_placeholder

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

logger = logging.getLogger(__name__)

DEFAULT_RESOURCE = "reply_functions.yaml"

ASK_TYPES: tuple[str, ...] = (
    "when",
    "how_much",
    "how_many",
    "how_long",
    "how_to",
    "why",
    "polar",
    "what",
    "request",
    "problem",
)

#: Binary and count readings of one agent sentence, in output order.
FUNCTIONS: tuple[str, ...] = (
    "action_done",
    "own_action",
    "commitment",
    "commitment_time",
    "refusal",
    "cause",
    "past_event",
    "past_cause",
    "steps",
    "yes_no",
    "time",
    "time_ahead",
    "duration",
    "amount",
    "number",
    "specific",
    "explains",
    "case_specific",
    "generic",
    "states_rule",
    "question",
    "vague",
    "restates",
    "transfer",
    "you_words",
    "content_words",
    "non_answer_sim",
    "novel_time",
    "novel_amount",
    "novel_info",
    "reply_style",
    "formula",
    "follow_up",
    "anticipates",
    "hedged",
    "yes_talk",
    "bare_yes",
    "decisive",
    "talk",
    "bare_promise",
    "place",
    "person",
)

_FIRST_PERSON = frozenset({"i", "we"})
_HAVE = frozenset({"have", "'ve", "ve", "has", "'s", "had", "'d"})
_WILL = frozenset({"will", "'ll", "ll", "shall"})
_BE_DONE = frozenset({"is", "'s", "are", "'re", "was", "were", "been", "s", "re"})
_BE_PRESENT = frozenset({"is", "'s", "are", "'re", "s", "re"})
#: What may follow "is now" in a settled state ("the address is now your office").
_STATE_POS = frozenset({"ADP", "DET", "PRON", "PROPN"})
_REQUEST_OPENERS = frozenset({"can", "could", "would", "will", "please"})
_WH_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})
_MONEY_SYMBOLS = frozenset({"$", "£", "€", "¥", "%", "₹"})


#: The error of a reply lexicon file that cannot be read: the lexicon loader's.
ReplyLexiconError = LexiconError

#: Version of the packaged reply_functions.yaml, and the lists each version added, so a
#: deployment's copy of an older version keeps loading.
LEXICON_VERSION = 10
_ADDED_IN: Mapping[int, tuple[str, ...]] = {
    2: ("time_period_words", "time_period_determiners", "time_period_prepositions", "time_period_boundaries"),
    3: ("courtesy_no_objects", "effective_phrases", "ask_advice", "suggestion_openers"),
    4: (
        "attention_verbs",
        "non_action_verbs",
        "state_words",
        "settled_markers",
        "yes_no_words",
        "courtesy_words",
        "indirect_question_words",
        "clause_openers",
        "frame_openers",
        "duration_units",
        "unit_qualifiers",
        "one_word_durations",
        "duration_cues",
        "expectation_words",
        "restored_words",
    ),
    5: ("formula_anchors", "formula_words", "causal_verbs", "knowing_verbs"),
    6: ("sympathy_heads", "past_time_words"),
    7: ("cost_words", "permission_words"),
    8: (
        "follow_up_nouns",
        "follow_up_places",
        "follow_up_verbs",
        "follow_up_asks",
        "not_knowing_words",
        "resolve_verbs",
        "anticipation_phrases",
        "hedge_phrases",
    ),
    9: ("scope_words", "scope_phrases", "undecided_phrases"),
    10: (
        "place_prepositions",
        "place_words",
        "person_nouns",
        "alternative_markers",
        "conditional_markers",
        "application_markers",
    ),
}

#: The word lists of version 1, then those each later version added (in error messages, a
#: file missing them all is told of ``attention_verbs`` first).
_LIST_FIELDS = (
    *_ADDED_IN[4],
    "done_words",
    "polar_answers",
    "cause_words",
    "cause_phrases",
    "refusal_words",
    "refusal_phrases",
    "sequence_words",
    "instruction_verbs",
    "not_instructions",
    "currency_words",
    "time_point_words",
    "generic_words",
    "transfer_phrases",
    "vague_phrases",
    "ask_when",
    "ask_how_much",
    "ask_how_many",
    "ask_how_long",
    "ask_how_to",
    "ask_why",
    "restating_phrases",
    "free_phrases",
    "not_done_participles",
    *_ADDED_IN[2],
    *_ADDED_IN[3],
    *_ADDED_IN[5],
    *_ADDED_IN[6],
    *_ADDED_IN[7],
    *_ADDED_IN[8],
    *_ADDED_IN[9],
    *_ADDED_IN[10],
)

#: The word lists of ``cxnlp/resources/reply_functions.yaml`` (what each is for is said
#: there). Before version 4 one list, ``vague_verbs``, held both attention and non-action
#: verbs: an older copy keeps it as its ``non_action_verbs`` (with the packaged
#: ``attention_verbs``, which a copy of the packaged file held anyway); likewise its
#: ``duration_words`` are read as ``duration_units``.
LEXICON = LexiconSpec(
    resource=DEFAULT_RESOURCE,
    version=LEXICON_VERSION,
    parameter="AnswerCompleteness(reply_lexicon=PATH)",
    fields=dict.fromkeys(_LIST_FIELDS, "words"),
    added_in=_ADDED_IN,
    renamed={"non_action_verbs": "vague_verbs", "duration_units": "duration_words"},
)


@dataclass(frozen=True)
class ReplyLexicon:
    """The word lists of ``reply_functions.yaml``, lower-cased, read by :func:`cxnlp.lexicon.
    load_lexicon`; ``lex[name]`` is a list as a set, ``lex.phrases[name]`` the same words
    longest first (phrases are matched in running text)."""

    lexicon: Lexicon

    @property
    def digest(self) -> str:
        """SHA-256 of the file (what the configuration id hashes)."""
        return self.lexicon.digest

    def __getitem__(self, name: str) -> frozenset[str]:
        return self.lexicon.words[name]

    @functools.cached_property
    def phrases(self) -> Mapping[str, tuple[str, ...]]:
        words = self.lexicon.words
        return {name: tuple(sorted(sorted(words[name]), key=len, reverse=True)) for name in words}

    @functools.cached_property
    def duration_words(self) -> frozenset[str]:
        """Every word of a duration: units, the qualifiers between a number and its unit,
        one-word durations and the cues that announce one (what a reply's facts and a
        proactive next step read)."""
        return (
            self["duration_units"]
            | self["unit_qualifiers"]
            | self["one_word_durations"]
            | self["duration_cues"]
        )

    @functools.cached_property
    def inaction_verbs(self) -> frozenset[str]:
        """Verbs whose past, participle or future reports no action on the customer's case:
        ``attention_verbs`` ("we'll look into it") and ``non_action_verbs`` ("I called",
        "I've read your notes"). Answer completeness reads only ``attention_verbs`` to judge
        whether a sentence has content."""
        return self["attention_verbs"] | self["non_action_verbs"]


def load_reply_lexicon(path: str | Path | None = None) -> ReplyLexicon:
    """The packaged word lists, or those of ``path`` (YAML)."""
    return ReplyLexicon(load_lexicon(LEXICON, path))


@functools.cache
def default_reply_lexicon() -> ReplyLexicon:
    return load_reply_lexicon()


# --------------------------------------------------------------------------- helpers
def _words(span: Span) -> tuple[Token, ...]:
    return span_words(span)


def is_number(t: Token) -> bool:
    """A number word or figure, but not the pronoun "one" ("one of the vets", "the one I
    got", "no one"), which gives no figure."""
    if not (t.like_num or t.tag_ == "CD"):
        return False
    if t.lower_ != "one":
        return True
    doc = t.doc
    after = doc[t.i + 1].lower_ if t.i + 1 < len(doc) else ""
    before = doc[t.i - 1].lower_ if t.i > 0 else ""
    return after != "of" and before not in _ONE_AS_PRONOUN


#: Words before "one" that make it a pronoun ("the one", "this one", "no one").
_ONE_AS_PRONOUN = frozenset({"the", "this", "that", "no", "any", "every", "each", "which", "another", "a"})


def _norm_text(tokens: Iterable[Token]) -> str:
    """Lower-cased words joined by single spaces, contractions re-attached ("can't")."""
    out: list[str] = []
    for t in tokens:
        low = _lw(t).replace("\u2019", "'")
        if out and (low.startswith("'") or low == "n't"):
            out[-1] += low
        else:
            out.append(low)
    return " " + " ".join(out) + " "


def _has_phrase(text: str, phrases: Iterable[str]) -> str | None:
    for p in phrases:
        if f" {p} " in text:
            return p
    return None


def _lemma(t: Token) -> str:
    return t.lemma_.lower().replace("\u2019", "'")


def _lw(t: Token) -> str:
    """Lower-cased text with typographic apostrophes made plain ("I’ve" reads as "I've")."""
    return t.lower_.replace("\u2019", "'")


@functools.lru_cache(maxsize=1024)
def _span_lowers(span: Span) -> frozenset[str]:
    """The :func:`_lw` of every token of ``span`` (punctuation and space too), read once
    per span: a reading that needs one of a few words skips a span without them."""
    return frozenset(_lw(t) for t in span)


# --------------------------------------------------------------------------- needs
def ask_type(spans: Sequence[Span], kind: str, lex: ReplyLexicon | None = None) -> str:
    """The kind of answer a need asks for (one of :data:`ASK_TYPES`).

    ``kind`` is the need's class from the need detector (question, request, problem); a
    question is refined by its question words, and "can you ...?" is a request.
    """
    lex = lex or default_reply_lexicon()
    per_span = [_words(s) for s in spans]  # each span's words read once, not once per test
    words = [w for span_words in per_span for w in span_words]
    question = any(t.text.endswith("?") for s in spans for t in s) or any(
        _question_syntax(span_words) or _asks_which(span_words, lex) for span_words in per_span
    )
    # "It crashes when I open the app" is a problem, not a question about a time: the
    # question phrases count only in a need that asks (a "?", question syntax, "I was
    # wondering when...") or that is a question by kind.
    if question or kind == "question" or _indirect_question(words, lex):
        readings = [_clause_readings(span_words) for span_words in per_span]
        for name in ("ask_how_to", "ask_how_long", "ask_how_many", "ask_how_much", "ask_when", "ask_why"):
            if any(
                _asks_at_clause_start(span_words, lex.phrases[name], lex, reading)
                for span_words, reading in zip(per_span, readings, strict=True)
            ):
                return name.removeprefix("ask_")
    if lex["ask_advice"].intersection(_lemma(t) for t in words):
        return "what"  # "Can you recommend a thriller?" is met by naming one, not by an action
    embedded = _embedded_question(words, lex)
    if embedded is not None:
        return embedded  # "Could you confirm what the charge would be?" asks; it requests no act
    if _is_polite_request(words):
        return "request"
    if _asks_which(words, lex):
        return "what"
    if question and kind != "request":
        # "Is my allowance 20 or 23kg?" asks which, and "23kg" answers it; a question opened
        # by a wh-word ("How can the data run out?", "What number shall I call?") asks for
        # the fact, never for a yes or no.
        if any(_offers_alternatives(w) or _opens_with_wh(w) for w in per_span):
            return "what"
        return "polar"
    return "request" if kind == "request" else "problem" if kind == "problem" else "polar"


#: Words by which a need speaks of the customer's own case ("when will *my* card come?",
#: "when do *I* get paid?"), not of how things work in general ("how long does a transfer
#: take?").
_OWN_CASE_WORDS = frozenset({"my", "our", "mine", "ours", "me", "us", "i", "we"})
_CONDITIONAL = frozenset({"if", "suppose", "say"})


def about_own_case(spans: Sequence[Span]) -> bool:
    """Does a need ask about the customer's own case rather than how things work?

    First-person words count, except after a conditional ("how long does it take if I
    pay by card?" asks about the rule). A general figure ("refunds usually take five
    days") answers the general question, not "when will my refund arrive?"."""
    for span in spans:
        conditional = False
        for t in _words(span):
            low = _lw(t)
            conditional = conditional or low in _CONDITIONAL
            if low in _OWN_CASE_WORDS and not conditional:
                return True
    return False


def asks_about_past(spans: Sequence[Span], lex: ReplyLexicon | None = None) -> bool:
    """Does a need ask about the past ("When did you send it?", "when was my last
    payment?")? Then a time that looks back answers it; otherwise only a time ahead
    does."""
    lex = lex or default_reply_lexicon()
    return all(_looks_back(_words(s), lex) for s in spans) if spans else False


def _norm_words(words: Sequence[Token]) -> list[tuple[str, int]]:
    """Lower-cased words with contractions re-attached, each with its first token's index."""
    out: list[tuple[str, int]] = []
    for k, t in enumerate(words):
        low = _lw(t)
        if out and (low.startswith("'") or low == "n't"):
            out[-1] = (out[-1][0] + low, out[-1][1])
        else:
            out.append((low, k))
    return out


#: A sentence's words as a question phrase is looked for in them (:func:`_clause_readings`).
ClauseReadings = tuple[list[tuple[str, int]], list[tuple[str, int]]]


def _clause_readings(words: Sequence[Token]) -> ClauseReadings:
    """The words with contractions re-attached, and as tokenised ("why's" also reads as
    "why" "'s"), each with its first token's index: read once per sentence for all the
    question phrase lists."""
    return _norm_words(words), [(_lw(t), k) for k, t in enumerate(words)]


def _asks_at_clause_start(
    words: Sequence[Token],
    phrases: Iterable[str],
    lex: ReplyLexicon,
    readings: ClauseReadings | None = None,
) -> bool:
    """Whether a question phrase opens a clause: "when will it come", "so why...", "tell me
    how long", but not the "when" of "is my data wiped when you fix the screen?" (a yes/no
    question whose clause merely mentions a time). ``readings``: :func:`_clause_readings`
    of ``words`` when the caller has them."""
    attached, raw = readings if readings is not None else _clause_readings(words)
    return _phrase_opens_clause(words, attached, phrases, lex) or _phrase_opens_clause(
        words, raw, phrases, lex
    )


@functools.lru_cache(maxsize=64)
def _split_phrases(phrases: tuple[str, ...]) -> tuple[list[str], ...]:
    """Each phrase of a word list as its words (split once per list, not once per sentence)."""
    return tuple(phrase.split() for phrase in phrases)


def _phrase_opens_clause(
    words: Sequence[Token], norm: Sequence[tuple[str, int]], phrases: Iterable[str], lex: ReplyLexicon
) -> bool:
    texts = [w for w, _ in norm]
    # A phrase is tried only where its first word stands (the answer is whether any
    # phrase opens a clause anywhere, so the order of the tries does not matter).
    starts: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        starts.setdefault(text, []).append(i)
    for parts in _split_phrases(tuple(phrases)):
        n = len(parts)
        if not n:
            return True  # an empty phrase opens the sentence
        for i in starts.get(parts[0], ()):
            if texts[i : i + n] != parts:
                continue
            if i == 0:
                return True
            prev_word, prev_k = norm[i - 1]
            tok = words[norm[i][1]]
            prev = words[prev_k]
            if (
                _inverted_after(words, norm[i + n - 1][1] + 1)
                or (tok.is_sent_start and tok.pos_ != "SCONJ")  # not the "when" of "wiped when you fix"
                or tok.i - prev.i > 1  # punctuation between: a new clause
                or prev_word in lex["clause_openers"]
                or prev_word in lex["indirect_question_words"]
                or prev.pos_ in ("ADP", "CCONJ", "INTJ", "SCONJ")
            ):
                return True
    return False


def _inverted_after(words: Sequence[Token], k: int) -> bool:
    """An auxiliary right after a question phrase (past at most two nouns): the inversion of
    a direct question, "when *will* it arrive", "how many bags *can* I bring"."""
    for t in words[k : k + 3]:
        if t.pos_ == "AUX":
            return True
        if t.pos_ not in ("NOUN", "ADJ", "DET", "PROPN"):
            return False
    return False


_WH_FACT = frozenset({"what", "which", "who", "whom", "whose", "where", "whats", "what's"})


def _indirect_question(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """ "I was wondering how long...", "can you tell me when...": a question in a statement."""
    indirect = lex["indirect_question_words"]
    return any(
        _lw(t) in indirect and i + 1 < len(words) and words[i + 1].tag_ in _WH_TAGS
        for i, t in enumerate(words)
    )


def _embedded_question(words: Sequence[Token], lex: ReplyLexicon) -> str | None:
    """The ask of a question inside a request to tell or check ("can you tell me whether
    it's free", "could you confirm what the charge would be"): ``polar`` after
    whether/if, ``what`` after a wh-word; None when there is none. The frame is polite, the
    need is the embedded question."""
    indirect = lex["indirect_question_words"]
    for i, t in enumerate(words[:-1]):
        if _lw(t) not in indirect:
            continue
        k = i + 1
        if _lw(words[k]) in ("me", "us") and k + 1 < len(words):
            k += 1  # "tell me whether"
        nxt = words[k]
        if _lw(nxt) in ("whether", "if"):
            return "polar"
        if nxt.tag_ in _WH_TAGS and _lw(nxt) in _WH_FACT:
            return "what"
    return None


def _offers_alternatives(words: Sequence[Token]) -> bool:
    """An alternative question: "or" between two words of one kind ("20 or 23kg", "a
    refund or a replacement", "Tuesday or Wednesday"), not between two clauses ("dig up
    the road or change my pipes")."""
    for i in range(1, len(words) - 1):
        if _lw(words[i]) != "or":
            continue
        after = next((t for t in words[i + 1 : i + 3] if t.pos_ != "DET"), None)
        before = words[i - 1]
        if after is not None and before.pos_ == after.pos_ and before.pos_ in ("NUM", "NOUN", "PROPN", "ADJ"):
            return True
    return False


def _asks_which(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """A question for a fact: a wh-word opening the sentence (after an interjection or a
    conjunction: "Oh, where do I find it?", "And what are the fees?") or an indirect question."""
    indirect = lex["indirect_question_words"]
    opening = _lead_length(words)
    for i, t in enumerate(words):
        if _lw(t) in _WH_FACT and (i == opening or t.is_sent_start or _lw(words[i - 1]) in indirect):
            return True
    return False


def _opens_with_wh(words: Sequence[Token]) -> bool:
    """Does the sentence open (after :func:`_lead_length`'s words) with a wh-word?"""
    k = _lead_length(words)
    return k < len(words) and words[k].tag_ in _WH_TAGS and _lw(words[k]) != "that"


def _lead_length(words: Sequence[Token]) -> int:
    """How many words open a sentence without deciding its kind: interjections and
    conjunctions ("Oh", "And", "Oh and"), and "so". Why: "Oh, where do I find that?" asks
    for a fact as "Where do I find that?" does; a recogniser writes it "oh where do i find
    that", and a written turn often opens a follow-up question with "And"."""
    k = 0
    while k < len(words) - 1 and (words[k].pos_ in ("INTJ", "CCONJ") or _lw(words[k]) == "so"):
        k += 1
    return k


def _is_polite_request(words: Sequence[Token]) -> bool:
    """ "Can/could/would you <verb>", "please <verb>": a request in question form."""
    for i, t in enumerate(words[:-1]):
        if _lw(t) == "please" and words[i + 1].pos_ == "VERB":
            return True
        if (
            _lw(t) in _REQUEST_OPENERS
            and _lw(words[i + 1]) == "you"
            and any(w.pos_ == "VERB" for w in words[i + 2 : i + 5])
        ):
            return True
    return False


# --------------------------------------------------------------------------- replies
def reply_functions(
    span: Span, lex: ReplyLexicon | None = None, *, said: Span | None = None
) -> dict[str, float]:
    """What one agent sentence does (:data:`FUNCTIONS`), read from its filler-free span.

    ``said`` is the sentence as spoken: its first word decides a yes/no ("Yeah, you can
    return it") where the filler-free text has dropped it.
    """
    lex = lex or default_reply_lexicon()
    restated = _sympathy_complement(span, lex)
    words = [t for t in _words(span) if t.i not in restated]
    text = _norm_text(words)
    lemmas = [_lemma(t) for t in words]
    lowers = [_lw(t) for t in words]
    if _is_formula(words, lemmas, lowers, lex):
        # "I'll take care of that for you" reads as a farewell's "take care": still a promise.
        promise = bool(_FIRST_PERSON.intersection(lowers)) and _says_no_content(words, lex)
        return {**dict.fromkeys(FUNCTIONS, 0.0), "formula": 1.0, "bare_promise": float(promise)}
    first_person = any(w in _FIRST_PERSON for w in lowers)
    you_words = sum(w in ("you", "your", "yours", "you're", "youre") for w in lowers)
    # "How about Gone Girl?" offers an answer in a question's form; it asks nothing back.
    suggests = bool(_opens_with_suggestion(words, lex))
    question = (any(t.text.endswith("?") for t in span) or _question_syntax(words)) and not suggests
    # "Late fees are applied automatically" is no action taken; "Paperless statements are
    # now switched on" is.
    rule = _states_a_rule(span, lex) and not lex["settled_markers"].intersection(lowers)
    action = _action_done(words, lex) and not rule
    number = any(is_number(t) for t in words)
    steps = _steps(words, lowers, lex)
    commitment = _commitment(words, lowers, lex)
    time = _has_time(words, lowers, lex) and not _norm_for_anyone(lowers)
    time_ahead = time and not _looks_back(words, lex)
    duration = _has_duration(words, lex)
    joined = set(text.split())  # contractions re-attached: "ca n't" reads as "can't"
    refusal = bool(
        lex["refusal_words"].intersection(joined) or _has_phrase(text, lex.phrases["refusal_phrases"])
    ) or _negated_can(words, lowers)
    # "I'm afraid that's not something I can see here": no refusal of what was asked, only
    # of telling; it leaves the question open, like a vague promise.
    cannot_tell = _cannot_tell(words, lowers, lex, refusal)
    refusal = refusal and not cannot_tell
    cause = bool(
        _cause_word(words, lowers, lex)
        or _has_phrase(text, lex.phrases["cause_phrases"])
        or _result_connector(words)
        or _causal_verb(words, lex)
    )
    amount = (
        any(t.text in _MONEY_SYMBOLS for t in span)
        or (any(t.like_num for t in words) and bool(lex["currency_words"].intersection(lowers)))
        or bool(_has_phrase(text, lex.phrases["free_phrases"]))
    )
    case_specific = you_words > 0 or (first_person and (action or commitment))
    # A redaction placeholder ("[PII]") is a detail given and then removed: still specific.
    addressed = _vocatives(span)
    specific = (
        number
        or suggests
        or any(
            (t.pos_ == "PROPN" and t.i not in addressed)
            or t.like_email
            or t.like_url
            or any(c.isdigit() for c in t.text)
            or is_placeholder(t.text)
            for t in words
        )
        or _spoken_address(lowers)
    )
    # "Yes, I can definitely help you with that", "Sure, I'll look into it": a yes that only
    # takes the question on, with no verb but attention or help, answers nothing yet.
    yes_in_text = _yes_no(words, lex)
    yes_no = (
        not cannot_tell
        and not _only_inaction_verbs(words, lex, lex["resolve_verbs"])
        and (yes_in_text or (said is not None and _yes_no(_words(said), lex, within=False)))
    )
    # "Yes, lots of our students wear glasses", "yes so um memberships are great": a yes
    # followed by talk that backs it with nothing is a discourse marker, not an answer.
    yes_talk = yes_no and _talk_after_yes(span, words, lex)
    yes_no = yes_no and not yes_talk
    # A yes only in the spoken words ("yeah returns are something we get asked about a
    # lot"): the filler-free sentence is all that follows it, read for talk below.
    spoken_yes = yes_no and not yes_in_text
    personal = first_person or you_words > 0 or bool(_PERSONAL.intersection(lowers))
    # A rule for everyone by its form ("Refunds usually take five days", "Most of our
    # plans cost..."), as against a sentence that merely names no one ("It was refused
    # because...") or mentions a policy ("the photos showed it predates the policy").
    states_rule = rule and not (commitment or yes_no)
    # "The driver left it by the back gate": one event told in the past is what happened
    # in this case, not how things work for everyone (unless it states a rule).
    narrated = _narrates_past(words, lowers, lex)
    generic = (
        (not personal and not (yes_no or steps or question or specific or action or narrated))
        or bool(lex["generic_words"].intersection(lowers) and not (action or commitment) and you_words == 0)
        or states_rule
    )
    explains = cause or _explains_after_break(span)
    # "The engineer found the motor had been rewired": a third party's past action is
    # what happened; only the agent's own action ("I've refunded it") is no account of it.
    past_event = not (action and first_person) and narrated
    # "I can see the code was sent at 9:12" reports the record; the state it reads out
    # is no action taken on the customer's request or problem.
    own_action = action and not _reads_record(words, lex)
    # "It was reviewed on March 3rd", "your order was cancelled by Sam": one event told with
    # its date or doer says when or who, not why; a cause relates events ("the engineer
    # found the motor had been rewired", "your rent left before the salary arrived").
    lexical_verbs = sum(t.pos_ == "VERB" for t in words)
    # "It was reviewed on March 3rd" dates one event; "it reached us two days after the due
    # date" relates two, and that relation is the cause.
    relates = bool(_RELATIONAL_TIME.intersection(lowers))
    dated = not relates and (
        time or any(_lw(t) == "by" and t.i > 0 and t.doc[t.i - 1].tag_ == "VBN" for t in words)
    )
    past_cause = past_event and not (dated and lexical_verbs <= 1)
    vague = cannot_tell or (bool(_has_phrase(text, lex.phrases["vague_phrases"])) and not (time or action))
    restates = bool(_has_phrase(text, lex.phrases["restating_phrases"]))
    transfer = bool(_has_phrase(text, lex.phrases["transfer_phrases"])) and not action
    content = sum(1 for t in words if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM") and not t.is_stop)
    out = {
        "action_done": float(action),
        "own_action": float(own_action),
        "commitment": float(commitment),
        "commitment_time": float(commitment and (time or duration)),
        "refusal": float(refusal),
        "cause": float(cause),
        "steps": float(steps),
        "yes_no": float(yes_no),
        "specific": float(specific),
        "explains": float(explains),
        "past_event": float(past_event),
        "past_cause": float(past_cause),
        "time": float(time),
        "time_ahead": float(time_ahead),
        "duration": float(duration),
        "amount": float(amount),
        "number": float(number),
        "case_specific": float(case_specific),
        "generic": float(generic),
        "states_rule": float(states_rule),
        "question": float(question),
        "vague": float(vague),
        "restates": float(restates),
        "transfer": float(transfer),
        "you_words": float(you_words),
        "content_words": float(content),
        # Filled in by the caller from sentence embeddings (similarity to acknowledgement,
        # empathy, vague-promise and deferral prototypes); text alone cannot say.
        "non_answer_sim": 0.0,
        # Filled in per reply window by the caller: how many of its times, amounts and
        # other facts the customer had not said already (an answer tells something new).
        "novel_time": 0.0,
        "novel_amount": 0.0,
        "formula": 0.0,
        "novel_info": 0.0,
        # Filled in per reply window by the caller from its embedding: how answer-like its
        # meaning is, along a direction the need-reply model learned (cxnlp.dimensions.need_reply).
        "reply_style": 0.0,
        "follow_up": float(_follows_up(span, words, lowers, lex)),
        # "You may also want to turn on payment alerts": the next need, anticipated, is
        # proactive connection's; it answers none the customer voiced.
        "anticipates": float(bool(_has_phrase(text, lex.phrases["anticipation_phrases"]))),
        # "It's probably the Wi-Fi", "You can find it online somewhere, I think": a guess.
        "hedged": float(bool(_has_phrase(text, lex.phrases["hedge_phrases"]))),
        "yes_talk": float(yes_talk),
        "talk": 0.0,
        "bare_promise": 0.0,
        # A bare "Yes." (nothing after the yes word): read with the sentence after it.
        "bare_yes": float(yes_no and _opening_yes(words, lex) == len(words)),
        "decisive": float(_decisive(words, lowers, text, lex) and not (question or _evaluates(words))),
    }
    # "I'll take care of that for you", "Leave it with me, I'll sort it all out": ownership
    # of the case with no action named, only pro-forms for what will be done.
    start = _opening_yes(words, lex)  # "Of course, I'll take care of it": the promise after the yes
    out["bare_promise"] = float(
        (commitment or _offered(words))
        and first_person
        and not (time or duration or number or amount)
        and _says_no_content(words[start:], lex)
    )
    # "That isn't something I can look up", "I don't have those details": a negation that
    # refuses to tell, a promise, or a deflection ("Not something I deal with") settles no case.
    out["decisive"] = float(out["decisive"] and not (out["bare_promise"] or cannot_tell or vague or transfer))
    out["talk"] = float(_talk(words, out, lex))
    out["place"] = float(_names_place(words, lowers, lex, addressed))
    out["person"] = float(_names_person(words, lowers, lex, addressed))
    if spoken_yes and _talk(words, {**out, "yes_no": 0.0}, lex):
        out.update(yes_no=0.0, yes_talk=1.0, bare_yes=0.0, talk=1.0)
    return out


def _time_word(low: str, lex: ReplyLexicon) -> bool:
    return low in lex["time_point_words"] or low in lex["time_period_words"] or low in lex["duration_units"]


def _names_place(
    words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon, addressed: frozenset[int]
) -> bool:
    """Does the sentence name a place (what a "where" question wants)? A place preposition
    followed, within a short noun phrase, by a noun or name that is no time word ("behind
    the barn", "on Beach Road", "in the app"), or a one-word place ("upstairs")."""
    preps = lex["place_prepositions"]
    for i, low in enumerate(lowers):
        if low in lex["place_words"]:
            return True
        if low not in preps:
            continue
        for k in range(i + 1, min(i + 5, len(words))):
            t = words[k]
            if t.pos_ in ("NOUN", "PROPN") and t.i not in addressed:
                if _time_word(lowers[k], lex):
                    break
                return True
            if t.pos_ not in ("DET", "ADJ", "NUM", "PRON", "PART", "ADP") or lowers[k] in preps:
                break
    return False


def _names_person(
    words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon, addressed: frozenset[int]
) -> bool:
    """Does the sentence name someone who acts (what a "who" question wants)? A name that
    is no time word, or a noun of a role (``person_nouns``: "our network team", "the
    clerk"); "we are" (the company itself) counts too."""
    nouns = lex["person_nouns"]
    for i, t in enumerate(words):
        low = lowers[i]
        if low in nouns or _lemma(t) in nouns:
            return True
        # "landed from Madrid", "at King's Cross": a name after a place preposition is a place.
        placed = i > 0 and lowers[i - 1] in lex["place_prepositions"] and lowers[i - 1] != "by"
        if t.pos_ == "PROPN" and t.i not in addressed and not _time_word(low, lex) and not placed:
            return True
    return len(lowers) >= 2 and lowers[0] == "we" and lowers[1] in ("are", "do", "'re", "re")


def asks_for(spans: Sequence[Span]) -> str:
    """What a wh-question asks to be named: ``place`` for "where", ``person`` for "who"
    (whom, whose), else ``""``. Only the first wh-word of each clause counts, so "Can you
    tell me where to go?" asks where and "the office where I work" opens nothing."""
    for span in spans:
        words = _words(span)
        for t in words:
            low = _lw(t)
            if t.tag_ not in _WH_TAGS:
                continue
            if low in ("where", "where's", "wheres"):
                return "place"
            if low in ("who", "whom", "whose", "who's", "whos"):
                return "person"
            break
    return ""


def fact_tokens(span: Span, lex: ReplyLexicon | None = None) -> frozenset[tuple[str, str]]:
    """The facts a sentence states, as (kind, word) pairs: ``time`` (dates, days, times of
    day, durations), ``amount`` (money and percentages) and ``other`` (numbers, names,
    codes).

    Comparing a reply's facts with the customer's tells an answer from an echo: "I can see
    the vet's estimate of £3,800" repeats the customer's amount and answers no "how much".
    """
    lex = lex or default_reply_lexicon()
    words = _words(span)
    out: set[tuple[str, str]] = set()
    tp = lex["time_point_words"]
    units = lex.duration_words
    currency = lex["currency_words"]
    addressed = _vocatives(span)
    lowers = [_lw(t) for t in words]
    for i, t in enumerate(words):
        low = lowers[i].strip("$£€¥₹,.").replace(",", "")
        if not low:
            continue
        nxt = lowers[i + 1] if i + 1 < len(words) else ""
        prev = lowers[i - 1] if i else ""
        number = is_number(t) or any(c.isdigit() for c in t.text)
        if number and (nxt in currency or prev in _MONEY_SYMBOLS or t.text[:1] in _MONEY_SYMBOLS):
            out.add(("amount", low))
        elif (
            low in tp
            or _names_period(words, i, lex, lowers)
            or (number and (nxt in ("am", "pm", "a.m.", "p.m.") or nxt in units))
            or _ORDINAL_DAY.fullmatch(low)  # "back on the 12th"
            or (number and (nxt in tp or prev in tp))  # "Friday 14", "14 February"
            or _clock_range(words, i, lex, lowers)  # "between eleven and one", "half ten"
            or _clock_time(words, i, lex, lowers)  # "4:30", "sails at 5", "half past"
            or (_duration_at(words, i, lex) and not (i and words[i - 1].like_num))  # "an hour"
        ):
            out.add(("time", low))
        elif number or (t.pos_ == "PROPN" and t.i not in addressed) or t.like_email or t.like_url:
            out.add(("other", low))
    out.update(("other", f"{lowers[i - 1]}.{lowers[i + 1]}") for i in _spoken_dots(lowers))
    opener = _opens_with_suggestion(words, lex)
    if opener:
        # "How about Gone Girl?": what is suggested is the fact given, however it is tagged.
        suggested = words[len(opener.split()) :]
        out.update(("other", _lw(t)) for t in suggested if t.pos_ in _SUGGESTED_POS and not t.is_stop)
    return frozenset(out)


_SUGGESTED_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})


def _spoken_address(lowers: Sequence[str]) -> bool:
    """An e-mail or web address said aloud ("hw dot heronway at postline dot net",
    "swiftlane dot co dot uk"): "dot" between two words. Why: a recogniser writes what
    was said, and the address is as specific a detail (and as new a fact) as
    "hw.heronway@postline.net"."""
    return bool(_spoken_dots(lowers))


def _spoken_dots(lowers: Sequence[str]) -> list[int]:
    """Indices of the words "dot" said between two words of an address."""
    return [
        i
        for i in range(1, len(lowers) - 1)
        if lowers[i] == "dot" and lowers[i - 1].isalnum() and lowers[i + 1].isalnum()
    ]


def _vocatives(span: Span) -> frozenset[int]:
    """Doc indices of the name the speaker addresses, set off by a comma at the start or the
    end of the sentence ("Olivia, I understand...", "...your plan, Mr Jones."). Saying the
    customer's name tells them nothing: it is no fact of an answer (proactive connection
    counts it as name use)."""
    tokens = [t for t in span if not t.is_space]
    out: set[int] = set()
    head = 0
    while head < len(tokens) and tokens[head].pos_ == "PROPN":
        head += 1
    if 0 < head < len(tokens) and tokens[head].text == ",":
        out.update(t.i for t in tokens[:head])
    end = len(tokens)
    while end and tokens[end - 1].is_punct:
        end -= 1
    tail = end
    while tail and tokens[tail - 1].pos_ == "PROPN":
        tail -= 1
    if 0 < tail < end and tokens[tail - 1].text == ",":
        out.update(t.i for t in tokens[tail:end])
    return frozenset(out)


_PERSONAL = frozenset({"my", "our", "us", "me", "mine", "ours"})
_BREAKS = frozenset({"\u2014", "\u2013", "-", "--", ";", ":", ",", "as", "so", "since"})


def _explains_after_break(span: Span) -> bool:
    """A second clause after a dash, comma or "as"/"so" with some content: a reason given."""
    if _BREAKS.isdisjoint(_span_lowers(span)):
        return False
    tokens = [t for t in span if not t.is_space]
    for i, t in enumerate(tokens):
        if _lw(t) in _BREAKS and i > 1:
            rest = [w for w in tokens[i + 1 :] if w.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM")]
            if len(rest) >= 3:
                return True
    return False


def _causal_verb(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """A finite verb of effect with a subject other than the agent: "the router is on old
    firmware that *limits* the Wi-Fi", "the update *blocked* the app". It names what makes
    the customer's problem happen: a cause with no "because"."""
    for i, t in enumerate(words):
        if t.tag_ in ("VBZ", "VBP", "VBD") and _lemma(t) in lex["causal_verbs"]:
            subject = _lw(words[i - 1]) if i else ""
            if subject not in ("i", "we"):
                return True
    return False


def _narrates_past(words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon) -> bool:
    """What happened, in the past tense ("the payment page timed out", "a cable was cut"):
    the implicit cause that answers a "why" (``lowers``: the words' :func:`_lw`)."""
    for i, t in enumerate(words):
        # "We received it", "I reached out" say nothing happened; "your payment reached us
        # two days late" is what happened (only looking and checking never are).
        own = i > 0 and lowers[i - 1] in _FIRST_PERSON
        inert = lex.inaction_verbs if own else lex["attention_verbs"]
        # "they'll look into what happened": a question about the event, not the event.
        asked = i > 0 and words[i - 1].tag_ in _WH_TAGS
        if t.tag_ == "VBD" and _lemma(t) not in inert and _lemma(t) != "be" and not asked:
            return True
        if lowers[i] in ("was", "were", "got") and i + 1 < len(words) and words[i + 1].tag_ == "VBN":
            return True
    return False


def _states_a_rule(span: Span, lex: ReplyLexicon) -> bool:
    """Is the sentence a generic statement: a bare plural subject and a present-tense verb
    ("Overdraft fees apply when ...", "Customs charges are set by HMRC")? Such a sentence
    says how things work for everyone, not what happened in this customer's case. Read
    from tags alone (the shared parse has no dependency parser)."""
    return bool(_rule_subject(span, lex))


def _rule_subject(span: Span, lex: ReplyLexicon) -> tuple[Token, ...]:
    """The subject nouns of a generic statement (:func:`_states_a_rule`), empty when the
    sentence states none: "Group walks are $32" -> (walks,)."""
    words = _words(span)
    k = 0
    while k < len(words) and (words[k].pos_ in ("INTJ", "CCONJ") or _lw(words[k]) in lex["frame_openers"]):
        k += 1
    # "Most of our plans cost...", "All our fees are...": a quantifier over the company's
    # things opens a rule as a bare plural does ("your" would make it this customer's).
    if k < len(words) and _lw(words[k]) in _QUANTIFIERS:
        k += 1
        while k < len(words) and _lw(words[k]) in ("of", "our", "the"):
            k += 1
    subject: list[Token] = []
    j = k
    while j < len(words) and words[j].tag_ not in ("VBZ", "VBP", "MD"):
        if words[j].tag_ == "RB" and subject:  # "Transfers usually arrive..."
            j += 1
            continue
        if words[j].tag_ not in ("NN", "NNS", "NNP", "JJ", "IN", "HYPH", "VBG"):
            return ()
        subject.append(words[j])
        j += 1
    if j == len(words):
        return ()
    if _tells_an_event(words, j):
        return ()  # "Engineers are working on it", "our teams have fixed the fault"
    if _names_a_date(words, lex) and not any(_lw(w) in ("every", "each") for w in words):
        return ()  # "Marks go live on Friday 14 February": one occasion, not how things work
    head = [t for t in subject if t.tag_ != "IN"]
    cut = next((i for i, t in enumerate(subject) if t.tag_ == "IN"), len(subject))
    nouns = [t for t in subject[:cut] if t.tag_ in ("NN", "NNS", "NNP")]
    if head and nouns and nouns[-1].tag_ == "NNS" and _inflected_plural(nouns[-1]):
        return tuple(nouns)
    return ()


def _names_a_date(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """A calendar date: a day number by a month or weekday ("Friday 14 February", "March
    5"), or an ordinal day ("the 3rd")."""
    points = lex["time_point_words"]
    for i, t in enumerate(words):
        if _ORDINAL_DAY.fullmatch(_lw(t)):
            return True
        if t.like_num and any(
            _lw(w) in points or (_lw(w) in ("may", "march") and w.tag_ == "NNP")
            for w in words[max(0, i - 1) : i + 2]
            if w is not t
        ):
            return True
    return False


_ORDINAL_DAY = re.compile(r"(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)")

#: Quantifiers before "of our"/"our"/"the" + a plural: "most of our plans", "all our fees".
_QUANTIFIERS = frozenset({"most", "all", "many", "some", "several"})


def _tells_an_event(words: Sequence[Token], j: int) -> bool:
    """Is the finite verb at ``j`` a progressive or a perfect ("are working", "have
    fixed")? Those tell what is happening or happened, where a rule's simple present
    ("refunds are processed", "fees apply") says how things always go."""
    low = _lw(words[j])
    nxt = next((t for t in words[j + 1 : j + 3] if t.pos_ != "ADV"), None)
    if nxt is None:
        return False
    return (low in _BE_DONE and nxt.tag_ == "VBG") or (low in _HAVE and nxt.tag_ == "VBN")


def _opens_with_suggestion(words: Sequence[Token], lex: ReplyLexicon) -> str:
    """The suggestion opener the sentence starts with ("how about", "have you tried"), or ""."""
    head = _norm_text(words[:4])
    return next((p for p in lex.phrases["suggestion_openers"] if head.startswith(f" {p} ")), "")


def _result_connector(words: Sequence[Token]) -> bool:
    """Does a "so" join a cause to its result ("your ticket was the basic fare so the case
    had to go in the hold", "the notes mention her ears so it counts as pre-existing")?

    A clause with its verb, then "so", then a new subject. Not a "so" that opens the
    sentence or qualifies a word ("so sorry", "so much", "so that you can"), and not after
    the agent's own words ("I've refunded it so you'll see it Friday" tells what follows
    an action, not why something happened)."""
    for i in range(2, len(words) - 2):
        if _lw(words[i]) != "so":
            continue
        before, after = words[:i], words[i + 1 :]
        if any(_lw(t) in _FIRST_PERSON for t in before[-6:]):
            continue
        if not any(t.pos_ in ("VERB", "AUX") for t in before):
            continue
        subject = after[0]
        if subject.pos_ not in ("PRON", "DET", "NOUN", "PROPN") or _lw(subject) == "that":
            continue
        # "it's handled by another team, so someone may look into it": a hand-off, no result.
        if any(t.tag_ == "MD" and _lw(t) in ("may", "might", "could") for t in after[1:3]):
            continue
        if any(t.pos_ in ("VERB", "AUX") for t in after[1:4]):
            return True
    return False


def _inflected_plural(t: Token) -> bool:
    """Is ``t`` a plural by its form ("fees", "children"), not a name the tagger calls
    plural at the start of a sentence ("Miso is covered ...")?"""
    return _lw(t) != _lemma(t) or _lw(t).endswith("s")


def _reads_record(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """Does the sentence open by reading the customer's record back ("I can see ...",
    "I've pulled up ...") with no action of the agent's own after the frame?"""
    k = 0
    while k < len(words) and _lw(words[k]) in lex["frame_openers"]:
        k += 1
    if not _has_phrase(_norm_text(words[k : k + 4]), lex.phrases["restating_phrases"]):
        return False
    rest = words[k + 2 :]
    own = any(_lw(t) in _FIRST_PERSON for t in rest) and _action_done(rest, lex)
    return not own


def _question_syntax(words: Sequence[Token]) -> bool:
    """A wh-word before a verb or pronoun, or an auxiliary before its pronoun subject, at the
    sentence's start (after :func:`_lead_length`'s opening words: "Oh and is it okay...")."""
    words = words[_lead_length(words) :]
    if not words:
        return False
    first = words[0]
    if first.tag_ in _WH_TAGS and _lw(first) not in ("that", "which"):
        return len(words) > 1 and words[1].pos_ in ("AUX", "VERB", "PRON")
    return (
        first.pos_ == "AUX"
        and len(words) > 1
        and words[1].tag_ in ("PRP", "EX")
        and not _lw(first).startswith("'")
    )


def _action_done(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """An action taken: "I've waived", "we refunded", "it's been cancelled", "you're all set"."""
    vague = lex.inaction_verbs
    done = lex["done_words"]
    n = len(words)
    if n and (
        (_lw(words[0]) in lex["state_words"] and words[0].tag_ != "VB")  # "Done, ..." but not "Set up the..."
        or (n > 1 and _lw(words[0]) == "all" and _lw(words[1]) in done)
    ):
        return True  # "Done, paperless is on now.", "All sorted."
    for i, t in enumerate(words):
        low = _lw(t)
        if low in _FIRST_PERSON:
            j = i + 1
            while j < n and words[j].pos_ in ("ADV", "PART") and _lw(words[j]) not in ("not", "n't", "nt"):
                j += 1
            if j < n and _lw(words[j]) in _HAVE:
                j += 1
                while (
                    j < n
                    and words[j].pos_ in ("ADV", "PART")
                    and _lw(words[j]) not in ("not", "n't", "nt", "to")  # "I have to reset it" is to do
                ):
                    j += 1
                if j < n and _lw(words[j]) in ("gone", "went") and j + 1 < n and _lw(words[j + 1]) == "ahead":
                    return True
                # After the perfect's "have" a verb is a participle whatever its tag: the
                # tagger reads "I've reset it" and "I've put" as base forms.
                if (
                    j < n
                    and (_is_participle(words[j]) or words[j].tag_ == "VB")
                    and _lemma(words[j]) not in vague
                ):
                    return True
            elif j < n and words[j].tag_ == "VBD" and _lemma(words[j]) not in vague:
                return True
            elif j + 1 < n and _lw(words[j]) in _BE_DOING and _doing_now(words, j + 1, vague):
                return True
            elif j + 1 < n and _lw(words[j]) in ("went", "go") and _lw(words[j + 1]) == "ahead":
                return True
        if low in _BE_DONE and not _in_condition(words, i):
            j = i + 1
            between: list[str] = []
            while (
                j < n
                and words[j].pos_ in ("ADV", "PART", "AUX")
                and _lw(words[j]) not in ("not", "n't", "nt")
            ):
                between.append(_lw(words[j]))
                j += 1
            if j < n and _lw(words[j]) == "all" and j + 1 < n:
                between.append("all")
                j += 1
            # "has been refunded", "was waived", "is now active", "you're all set"; a bare
            # present passive ("fees are applied automatically") describes everyone.
            before = [_lw(w) for w in words[max(0, i - 4) : i]]
            specific_subject = bool(before) and (
                before[-1] in ("it", "that", "this", "everything", "which", "you")  # "you're booked"
                or "your" in before
                or words[i - 1].pos_ == "PROPN"
            )
            now_state = between[:1] == ["now"] and j < n and words[j].pos_ in _STATE_POS
            if now_state and not any(_lw(w) in ("not", "n't", "nt") for w in words[i:j]):
                return True  # "the address is now your office", "it's now out for delivery"
            if (
                not between
                and specific_subject
                and low in _BE_PRESENT
                and j < n
                and words[j].pos_ in _STATE_POS
                and _clause_ends_now(words, j)
            ):
                return True  # "you're on the 500 meg plan now": the state the case is in from now
            settled = (
                low in ("was", "were", "been")
                or bool(lex["settled_markers"].intersection(between))
                or (j < n and _lw(words[j]) in lex["state_words"])
                or specific_subject
            )
            by_whom = low in _BE_PRESENT and j + 1 < n and _lw(words[j + 1]) == "by"
            if j < n and _lw(words[j]) in done and settled and not by_whom:
                # "Assembly is done by our own team" says who does it, not that it is done;
                # "it was processed by our team" is done
                return not any(_lw(w) in ("not", "n't", "nt", "never") for w in words[max(0, i - 1) : j])
            if (
                j < n
                and _is_participle(words[j])
                and _lemma(words[j]) not in vague
                and _lw(words[j]) not in lex["not_done_participles"]
                and _has_phrase(_norm_text(words[j:]), lex.phrases["effective_phrases"])
                and not any(_lw(w) in ("not", "n't", "nt", "never") for w in words[max(0, i - 1) : j])
            ):
                return True  # "Miso is covered under your policy from today": in force from now
            if (
                low == "been"
                and j < n
                and _is_participle(words[j])
                and _lemma(words[j]) not in vague
                and _lw(words[j]) not in lex["not_done_participles"]
                and not any(_lw(w) in ("not", "n't", "nt", "never") for w in words[max(0, i - 2) : j])
            ):
                return True  # "parcel ZX-55391 has been redirected": a perfect passive is done
        if low == "taken" and i + 2 < n and _lw(words[i + 1]) == "care" and _lw(words[i + 2]) == "of":
            return True
    return _reports_done_tersely(words, lex)


def _in_condition(words: Sequence[Token], i: int) -> bool:
    """Is ``words[i]`` in a clause opened by "when", "if", "once"... ("you're entitled to a
    refund when your train is cancelled", "once it's approved you'll get an email")? A state
    under a condition is not one the case is in."""
    k = i - 1
    # ``words`` has no punctuation: a gap in token positions is where a clause broke off.
    while k >= 0 and words[k + 1].i - words[k].i == 1 and not words[k].is_punct:
        if _lw(words[k]) in _CONDITIONS:
            return True
        k -= 1
    return False


#: Subordinators that put what follows under a condition or at another time.
_CONDITIONS = frozenset({"when", "if", "once", "whenever", "unless", "until", "provided"})


def _clause_ends_now(words: Sequence[Token], j: int) -> bool:
    """Does the clause that goes on at ``words[j]`` end on "now" ("on the 500 meg plan now")?

    A state with a closing "now" is the result of a change; the same state without it ("it's
    on the standard plan") may be how things always were.
    """
    k = j
    while k < len(words) and not (words[k].is_punct or words[k].pos_ in ("CCONJ", "SCONJ")):
        k += 1
    return k - j >= 2 and _lw(words[k - 1]) == "now"


def _sympathy_complement(span: Span, lex: ReplyLexicon) -> frozenset[int]:
    """Token indices that restate the customer's situation after a head of sympathy, up to
    the clause's end: "I'm so sorry *your flight has been cancelled*, that's awful", "sorry
    to hear *the parcel never came*". "Sorry, I've refunded it" and "sorry to say we can't"
    restate nothing: the agent's own words follow."""
    heads = lex["sympathy_heads"]
    if heads.isdisjoint(_span_lowers(span)):
        return frozenset()
    tokens = list(span)
    out: set[int] = set()
    k = 0
    while k < len(tokens):
        if _lw(tokens[k]) not in heads:
            k += 1
            continue
        j = k + 1
        if j + 1 < len(tokens) and _lw(tokens[j]) == "to":
            if _lemma(tokens[j + 1]) not in _RESTATING_VERBS:
                k = j
                continue  # "sorry to say ...": the agent's news
            j += 2
        elif j < len(tokens) and _lw(tokens[j]) in ("about", "for"):
            # "sorry about that", "sorry for the wait": the complement is a noun phrase, and
            # what follows it, unpunctuated in speech, is the agent's own clause ("sorry
            # about that ive sent a new strap out").
            out.add(tokens[j].i)
            j += 1
            while j < len(tokens) and tokens[j].pos_ in _NOUN_PHRASE_POS and not tokens[j].is_punct:
                out.add(tokens[j].i)
                j += 1
            # "sorry for any inconvenience caused (to you)": a participle after the noun
            # belongs to it; it reports no action of the agent's.
            if j > k + 2 and j < len(tokens) and tokens[j].tag_ in ("VBN", "VBD"):
                out.add(tokens[j].i)
                j += 1
                if j + 1 < len(tokens) and tokens[j].pos_ == "ADP" and tokens[j + 1].pos_ in _NOUN_PHRASE_POS:
                    out.update((tokens[j].i, tokens[j + 1].i))
                    j += 2
            k = j
            continue
        while j < len(tokens) and not tokens[j].is_punct and _lw(tokens[j]) not in _CONTRASTS:
            out.add(tokens[j].i)
            j += 1
        k = j
    return frozenset(out)


#: What a noun phrase after "sorry about/for" is made of ("that", "the long wait", "all this").
_NOUN_PHRASE_POS = frozenset({"DET", "PRON", "ADJ", "NOUN", "PROPN", "NUM"})
#: Verbs after "sorry to" that take the customer's situation as their object.
_RESTATING_VERBS = frozenset({"hear", "see", "learn", "read", "find"})
#: Words that end a restated situation and start the agent's own clause.
_CONTRASTS = frozenset({"but", "however", "though", "so"})


def _cause_word(words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon) -> bool:
    """A cause word, where "caused" names what it caused or by what ("it was caused by a
    retry", "the update caused the crash"), not an object before it ("sorry for the worry
    this has caused"). ``lowers``: the words' :func:`_lw`."""
    cause = lex["cause_words"]
    for i, t in enumerate(words):
        low = lowers[i]
        if low in cause or _lemma(t) in cause:
            if low == "caused" and i + 1 == len(words):
                continue
            if low == "since" and _since_when(words[i + 1 : i + 3], lex):
                continue  # "no pressure since this morning" tells when it began, not why
            return True
    return False


def _since_when(after: Sequence[Token], lex: ReplyLexicon) -> bool:
    """Do the words after "since" name a time ("since this morning", "since Monday", "since
    the 3rd") rather than start a reason ("since your contract ended")?"""
    if not after:
        return False
    if _lw(after[0]) == "then":
        return True
    start = 1 if _lw(after[0]) in ("this", "the") else 0
    lowers = [_lw(t) for t in after[: start + 1]]
    return any(
        lowers[k] in lex["time_point_words"]
        or lowers[k] in lex["past_time_words"]
        or t.like_num
        or t.ent_type_ in ("DATE", "TIME")
        or _names_period(after, k, lex, lowers)
        for k, t in enumerate(after[: start + 1])
    )


def _looks_back(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """Does a sentence only tell the past ("You sent it yesterday", "It was posted last
    Sunday")? A past tense or a past time word, with no modal, future or present verb
    ("it was posted Monday and arrives Friday" also looks ahead)."""
    words = words[_record_frame_end(words, lex) :]
    ahead = any(
        t.tag_ == "MD"
        or _lw(t) in _WILL
        # "has been", "'s gone": the present perfect's auxiliary looks back, not ahead
        or (t.tag_ in ("VBZ", "VBP") and not (k + 1 < len(words) and words[k + 1].tag_ == "VBN"))
        for k, t in enumerate(words)
    )
    if ahead:
        return False
    return any(t.tag_ == "VBD" or _lw(t) in lex["past_time_words"] for t in words)


def _record_frame_end(words: Sequence[Token], lex: ReplyLexicon) -> int:
    """Where the words after a frame of reading the record start ("I can see | the debit
    didn't go through", "I see | it was sent Monday"): the frame's own tense is not the
    event's. 0 when the sentence has no such frame."""
    for i, t in enumerate(words[:6]):
        if _lemma(t) in lex["knowing_verbs"] and any(
            _lw(w) in _FIRST_PERSON for w in words[max(0, i - 3) : i]
        ):
            return i + 1
    return 0


_BE_DOING = frozenset({"am", "'m", "m", "are", "'re", "re"})


def _doing_now(words: Sequence[Token], j: int, vague: frozenset[str]) -> bool:
    """ "I'm moving it across now", "we're sending a new card": the agent's action under
    way, read like one done. Not "I'm going to", nor attention ("I'm looking into it")."""
    while j < len(words) and words[j].pos_ == "ADV":
        j += 1
    return j < len(words) and words[j].tag_ == "VBG" and _lemma(words[j]) not in vague | {"go"}


def _is_participle(t: Token) -> bool:
    """A past participle, including the "-ed" adjectives a tagger gives to lower-case speech
    ("ive just unlocked it": *unlocked* tagged JJ)."""
    return t.tag_ in ("VBN", "VBD") or (t.tag_ == "JJ" and _lw(t).endswith("ed") and len(t) > 4)


_CLAUSE_BREAKS = frozenset({"\u2014", "\u2013", "-", "--", ",", ";", ":", "!", "."})


def _reports_done_tersely(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """An action reported without its subject, as chat agents write: "Reactivated it just now",
    "Refunded \u2014 the gems are back", "No problem, cancelled", "Extension approved".

    A clause that opens with a past participle (after a break, an interjection or nothing),
    or a clause of at most three words that ends in one, is the agent's own action; words
    like "based", "attached", "supposed" (``not_done_participles``) open clauses that are not,
    nor does a participle before a bare noun: "Scratched doors on the wardrobe" names a thing.
    """
    vague = lex.inaction_verbs
    skip = lex["not_done_participles"]
    n = len(words)

    def done_verb(t: Token) -> bool:
        return _is_participle(t) and _lemma(t) not in vague and _lw(t) not in skip and _lw(t) != "sorry"

    starts = [0] + [
        k
        for k in range(1, n)
        if words[k].i - words[k - 1].i > 1 or words[k - 1].pos_ == "INTJ" or words[k].is_sent_start
    ]
    for pos, k in enumerate(starts):
        end = starts[pos + 1] if pos + 1 < len(starts) else n
        clause = words[k:end]
        if not clause:
            continue
        if (done_verb(clause[0]) or _lw(clause[0]) in lex["state_words"]) and not (
            len(clause) > 1 and (_lw(clause[1]) in ("by", "that", "to") or clause[1].tag_ in ("NN", "NNS"))
        ):
            return True  # "Cancelled, you'll stay with ...", "Sure, done."
        if (
            2 <= len(clause) <= 3
            and done_verb(clause[-1])
            and all(w.pos_ in ("NOUN", "PROPN", "DET", "PRON", "ADV") for w in clause[:-1])
        ):
            return True
        if _headline_passive(clause, done_verb):
            return True
    return False


def _headline_passive(clause: Sequence[Token], done_verb: Callable[[Token], bool]) -> bool:
    """A passive report with its auxiliary left out, as chat agents write: "3,412 photos
    saved to your cloud account", "Refund issued to your card today". A short noun phrase,
    then the participle, and no finite verb after it ("Fees charged by the bank are ..."
    describes, it reports nothing)."""
    k = 0
    while k < len(clause) and k < 4 and clause[k].pos_ in ("NUM", "DET", "ADJ", "NOUN", "PROPN"):
        k += 1
    if k == 0 or k >= len(clause) or not any(t.pos_ in ("NOUN", "PROPN") for t in clause[:k]):
        return False
    if not done_verb(clause[k]) or clause[k].tag_ != "VBN":
        return False
    if clause[k - 1].tag_ == "NNS" and not any(t.pos_ in ("NUM", "DET") for t in clause[:k]):
        return False  # "Orders placed after 6pm ship next day": a bare plural says how things work
    return not any(t.tag_ in ("VBZ", "VBP", "VBD", "MD") for t in clause[k + 1 :])


def _commitment(words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon) -> bool:
    """A concrete commitment: "I'll send a replacement", "a technician will come",
    "it should be back by six", "we expect the line to be restored" (``lowers``: the
    words' :func:`_lw`, read once)."""
    vague = lex.inaction_verbs
    for i, low in enumerate(lowers):
        expects = low in lex["expectation_words"] and not (i > 0 and lowers[i - 1] in _NOT_EXPECTING)
        will = low in _WILL or (low == "going" and i + 1 < len(words) and lowers[i + 1] == "to")
        if will or expects:
            rest = words[i + 1 : i + 6]
            rest_lowers = lowers[i + 1 : i + 6]
            negated = any(w in ("not", "n't", "nt", "never") for w in rest_lowers[:2])
            # "We will try to optimise it", "we'll look to improve": an attempt, no commitment.
            attempt = len(rest) > 1 and _lemma(rest[0]) in vague and rest_lowers[1] == "to"
            verb = next(
                (
                    w
                    for w, w_low in zip(rest, rest_lowers, strict=True)
                    if w.pos_ in ("VERB", "AUX") and w_low != "to" and _lemma(w) not in vague
                ),
                None,
            )
            back = any(w in lex["restored_words"] for w in rest_lowers)
            if not negated and not attempt and (verb is not None or back):  # "it'll be back by six"
                return True
    return False


#: Words before "expected" that make it someone else's expectation, not the agent's
#: forecast ("lower than you expected", "more than they'd expected").
_NOT_EXPECTING = frozenset({"than", "you", "they", "he", "she", "had", "'d", "as", "never"})


def _only_knowing_verbs(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """Are all the sentence's lexical verbs verbs of seeing or knowing (``knowing_verbs``)?
    "I can't see that here", "I don't know", "not something I'm able to check" refuse to
    tell, not what the customer asked for ("I can't refund it" does)."""
    return _all_verbs_in(words, lex["knowing_verbs"])


def _only_inaction_verbs(
    words: Sequence[Token], lex: ReplyLexicon, also: frozenset[str] = frozenset()
) -> bool:
    """Are all the sentence's lexical verbs verbs of attention or no action (``help``,
    ``look``, ``check``: :attr:`ReplyLexicon.inaction_verbs`, and ``also``), offered with a
    modal or "let's" ("I can help", "I'll look into it", "Of course, I'd be happy to help",
    "let's get this sorted")? Having looked ("I've checked and it's there") reports, and a
    sentence with no lexical verb ("Yes, you can.") is none of these."""
    if not _all_verbs_in(words, lex.inaction_verbs | also):
        return False
    return all(
        _offered(words[max(0, k - 6) : k]) or _lets(words, k) for k, t in enumerate(words) if t.pos_ == "VERB"
    )


def _lets(words: Sequence[Token], k: int) -> bool:
    """Is ``words[k]`` the "let" of "let's" / "let us" / "let me" (an offer by its form)?"""
    return _lw(words[k]) == "let" and k + 1 < len(words) and _lw(words[k + 1]) in ("'s", "us", "s", "me")


def _all_verbs_in(words: Sequence[Token], verbs: frozenset[str], *, allow_none: bool = False) -> bool:
    """Does the sentence have a lexical verb (or ``allow_none``), and are all its lexical
    verbs in ``verbs``?"""
    lemmas = [_lemma(t) for t in words if t.pos_ == "VERB"]
    return (allow_none or bool(lemmas)) and all(v in verbs for v in lemmas)


def _offered(before: Sequence[Token]) -> bool:
    """Do the words before a verb offer it: "I can", "we'll", "I can definitely", "I'd be
    happy to", "let's" (first person and a modal, or "let" with "us"; no negation: "you
    can't see it yet" and "I can't help" say no)."""
    lows = [_lw(w) for w in before]
    lets = any(_lets(before, k) for k in range(len(before)))
    return (
        lets or (any(w in _FIRST_PERSON for w in lows) and any(w.tag_ == "MD" for w in before))
    ) and not any(w in ("not", "n't", "nt", "never") for w in lows)


def _cannot_tell(words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon, refusal: bool) -> bool:
    """Does the agent say only that they cannot tell: "I can't see that here", "It's not
    something I can check", "I don't have that information", "I'm not sure", "No idea"?

    Such a sentence refuses to tell, not what the customer asked for ("I can't refund it"
    does), and it is no yes or no either ("It's not..." opens like "It isn't covered"): it
    leaves the question open, like a vague promise. Its lexical verbs are all verbs of
    seeing or knowing (``knowing_verbs``), or it negates knowing a thing
    (``not_knowing_words``: "sure", "information", "idea") with no verb but "have" or "be".
    An answer word first ("No, you can't see it yet") answers.
    """
    if not lowers:
        return False
    unknown = bool(lex["not_knowing_words"].intersection(lowers)) and _all_verbs_in(
        words, lex["knowing_verbs"] | {"have", "be"}, allow_none=True
    )
    if lowers[0] == "no" and len(lowers) > 1 and lowers[1] in lex["not_knowing_words"]:
        return True  # "No idea, sorry."
    if lowers[0] in lex["yes_no_words"]:
        return False
    negated = refusal or bool(_NEGATIONS.intersection(lowers))
    first_person = any(w in _FIRST_PERSON for w in lowers)
    return negated and first_person and (_only_knowing_verbs(words, lex) or unknown)


def _follows_up(span: Span, words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon) -> bool:
    """Does the sentence promise later contact about the case as a whole, rather than say
    what the customer asked: a message about the contact ("You'll get an email confirming
    all of this within 24 hours", "I'll send you a text with the reference number"), the
    agent's re-check ("I'll look at this again on Monday"), or what to do if things go
    wrong ("If anything is still wrong by Friday, call us and quote REF1")?

    A follow-up is a next step (proactive connection's), and its time is the time of the
    follow-up, not of what was asked ("When will it be fixed?"). It answers only a need
    that asks for such contact (:func:`asks_for_follow_up`). Read from the words: a message
    noun (``follow_up_nouns``) with no other content noun (but times and ``follow_up_places``)
    and no verb but those of sending
    or contact (``follow_up_verbs``, :attr:`ReplyLexicon.inaction_verbs`); a first-person
    future of attention with "again"; an opening condition whose main clause tells the
    customer to get in touch.
    """
    if not words:
        return False
    nouns, verbs = lex["follow_up_nouns"], lex["follow_up_verbs"]
    places = lex["follow_up_places"]
    # "If anything is still wrong by Friday, call us": the condition, then an imperative.
    if lowers[0] in _CONDITIONS and any(
        _imperative_after_comma(t, verbs | lex.inaction_verbs) for t in words
    ):
        return True
    first_person = any(w in _FIRST_PERSON for w in lowers)
    future = any(w in _WILL for w in lowers)
    if first_person and future and "again" in lowers:
        k = lowers.index("again")
        if any(t.pos_ == "VERB" and _lemma(t) in lex["attention_verbs"] for t in words[:k]):
            return True  # "I'll check your account again on Friday"
    timeless = lex["time_point_words"] | lex["time_period_words"] | lex["duration_units"]
    outcome = lex["restored_words"]
    has_message = False
    for i, t in enumerate(words):
        if _in_condition(words, i):
            continue  # "...and if it's sorted before then, we'll text you instead"
        low, lemma = _lw(t), _lemma(t)
        if low in outcome:
            return False  # "It'll be back by six, and you'll get a text": the outcome's time
        if t.pos_ == "NOUN":
            if low in nouns or lemma in nouns:
                has_message = True
            elif not (low in timeless or lemma in timeless or lemma in places or is_placeholder(t.text)):
                return False  # "I'll send the new router to your address"
        elif t.pos_ == "VERB" and not (lemma in verbs or lemma in lex.inaction_verbs):
            return False  # "I've refunded it, and you'll get an email"
    return has_message


def _imperative_after_comma(t: Token, verbs: frozenset[str]) -> bool:
    """Is ``t`` an imperative of ``verbs`` opening a clause after a comma ("..., call us",
    "..., phone us": the tagger may read a verb that is also a noun as one before "us")?"""
    doc = t.doc
    if t.i == 0 or doc[t.i - 1].text != "," or _lemma(t) not in verbs:
        return False
    return t.tag_ == "VB" or (t.i + 1 < len(doc) and doc[t.i + 1].lower_ in ("us", "me"))


def asks_for_follow_up(spans: Sequence[Span], lex: ReplyLexicon | None = None) -> bool:
    """Does a need ask for later contact or a record of it ("Can I get an email confirming
    this?", "Is there a reference I can quote?", "Will someone let me know how it goes?")?
    Then a follow-up (:func:`_follows_up`) is the answer it asks for."""
    lex = lex or default_reply_lexicon()
    nouns = lex["follow_up_nouns"]
    for span in spans:
        words = _words(span)
        if any(t.pos_ == "NOUN" and (_lw(t) in nouns or _lemma(t) in nouns) for t in words):
            return True
        if _has_phrase(_norm_text(words), lex.phrases["follow_up_asks"]):
            return True
    return False


#: Linking verbs of appearance: "that doesn't sound like much fun" judges how something
#: seems to the customer (sympathy), it refuses nothing.
_APPEARANCE_VERBS = frozenset({"sound", "seem", "look", "feel", "appear"})


def _negated_can(words: Sequence[Token], lowers: Sequence[str]) -> bool:
    """ "I can't", "you can't get a refund", "the system won't allow": a refusal by any subject
    of a negated modal; "we're not able", "that isn't possible" only with the agent's side or
    the case as subject ("you don't need to" is an answer, not a refusal); never a negated
    verb of appearance ("that doesn't sound great", "it doesn't look good")."""
    for i in range(len(words) - 1):
        if i == 0 or lowers[i + 1] not in ("not", "n't", "nt"):
            continue
        if i + 2 < len(words) and _lemma(words[i + 2]) in _APPEARANCE_VERBS:
            continue
        subject = words[i - 1]
        if lowers[i] in ("can", "ca", "could", "will", "wo") and subject.pos_ in ("PRON", "NOUN", "PROPN"):
            return True
        if lowers[i] in ("are", "is", "am", "'m", "'re", "do", "does") and lowers[i - 1] in (
            "i",
            "we",
            "it",
            "that",
            "this",
        ):
            return True
    return False


def _names_period(words: Sequence[Token], i: int, lex: ReplyLexicon, lowers: Sequence[str]) -> bool:
    """Whether ``words[i]`` is a period word ("week", "morning") fixed to one time by what
    comes before it: "next week", "in two weeks", "in the morning", "end of the month"
    (``lowers``: the :func:`_lw` of ``words`` up to ``i`` at least)."""
    if lowers[i] not in lex["time_period_words"] or i == 0:
        return False
    if words[i - 1].like_num or lowers[i - 1] in lex["time_period_determiners"]:
        return True
    if lowers[i - 1] != "the" or i < 2:
        return False
    ahead = lowers[i - 2]
    if ahead in lex["time_period_prepositions"]:
        return True
    return ahead == "of" and i >= 3 and lowers[i - 3] in lex["time_period_boundaries"]


#: A duration written as one token: "4h20", "2h", "1hr30".
_HOURS_AND_MINUTES = re.compile(r"\d+(?:h|hr|hrs)\d{0,2}")


def _clock_range(words: Sequence[Token], i: int, lex: ReplyLexicon, lowers: Sequence[str]) -> bool:
    """ "between eleven and one", "half ten", "quarter past three": a time of day said the way
    people say it, with no "am", "pm" or "o'clock" (a range of days, pounds or metres is
    no time of day). ``lowers``: the :func:`_lw` of ``words``."""
    w = lowers[i]
    if w not in ("half", "quarter", "between"):
        return False
    nxt = words[i + 1 : i + 4]
    if w in ("half", "quarter") and nxt:
        if nxt[0].like_num:
            return w == "half"  # "half ten" (British for 10:30); "quarter ten" is nothing
        return lowers[i + 1] in ("past", "to") and len(nxt) > 1 and nxt[1].like_num
    if w != "between" or len(nxt) < 3 or not (nxt[0].like_num and lowers[i + 2] == "and" and nxt[2].like_num):
        return False
    after = words[i + 4] if i + 4 < len(words) else None
    return after is None or not (
        lowers[i + 4] in lex["duration_units"] or after.pos_ in ("NOUN", "PROPN") or after.is_currency
    )


#: A clock time written as one token: "4:30", "10.15" (the dotted form only where a time is
#: introduced, see :func:`_clock_time`).
_CLOCK_COLON = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d")
_CLOCK_DOT = re.compile(r"(?:[01]?\d|2[0-3])\.[0-5]\d")
#: Words that introduce a time of day: "sails at 5", "from 10.15", "around eleven".
_CLOCK_LEADS = frozenset({"at", "from", "until", "till", "til", "by", "before", "after", "around", "about"})
_MERIDIEM = frozenset({"am", "pm", "a.m.", "p.m."})


def _clock_time(words: Sequence[Token], i: int, lex: ReplyLexicon, lowers: Sequence[str]) -> bool:
    """Whether ``words[i]`` is a time of day: "4:30", "at 5" or "at eleven" with no unit,
    noun or currency after it, "10.15" after such a word, "half past" or "quarter to" with
    or without the hour, or a clock range (:func:`_clock_range`). A price ("£10.15", "at 5
    percent") or a count ("at 3 branches") is none. ``lowers``: the :func:`_lw` of
    ``words``."""
    t = words[i]
    low = lowers[i]
    prev = lowers[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else None
    money = prev in _MONEY_SYMBOLS or t.text[:1] in _MONEY_SYMBOLS
    if nxt is not None and (lowers[i + 1] in lex["currency_words"] or nxt.text in _MONEY_SYMBOLS):
        money = True
    if _CLOCK_COLON.fullmatch(t.text) and not money:
        return True
    if low in ("past", "to") and prev in ("half", "quarter"):
        return True  # "half past", "quarter to", the hour said before or not at all
    if not (t.like_num or _CLOCK_DOT.fullmatch(t.text)) or money or prev not in _CLOCK_LEADS:
        return False
    if nxt is not None and (
        lowers[i + 1] in lex["duration_units"]
        or nxt.pos_ in ("NOUN", "PROPN")
        and lowers[i + 1] not in _MERIDIEM
        or nxt.text == "%"
    ):
        return False  # "at 5 percent", "at 3 branches", "by 2 days"
    value = t.text.replace(":", ".")
    try:
        hour = float(value) if _CLOCK_DOT.fullmatch(t.text) or value.isdigit() else None
    except ValueError:
        hour = None
    # A spelled number ("at eleven") is an hour when it is one; digits must be an hour too.
    if hour is None:
        return low in _HOUR_WORDS
    return 0 < hour < 24


_HOUR_WORDS = frozenset(
    {
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "noon",
    }
)


def _has_time(words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon) -> bool:
    """A time point, a period fixed to one time, a clock time, "by/on/until" + a number or
    date (``lowers``: the :func:`_lw` of ``words``)."""
    tp = lex["time_point_words"]
    for i, t in enumerate(words):
        low = lowers[i]
        if (
            low in tp
            or _lemma(t) in tp
            or _names_period(words, i, lex, lowers)
            or _clock_range(words, i, lex, lowers)
            or _clock_time(words, i, lex, lowers)
            or _ORDINAL_DAY.fullmatch(low)  # "1st of the month", "on the 12th"
        ):
            return True
        if low in ("may", "march") and t.tag_ == "NNP":
            return True
        if t.like_num and i + 1 < len(words) and lowers[i + 1] in ("am", "pm", "a.m.", "p.m."):
            return True
        if (
            low in ("by", "on", "before", "until", "after", "from")
            and i + 1 < len(words)
            and (words[i + 1].like_num or lowers[i + 1] in ("the", "next", "this"))
        ):
            nxt = words[i + 1 : i + 3]
            if any(
                w.like_num or w_low in tp or w.tag_ == "CD"
                for w, w_low in zip(nxt, lowers[i + 1 : i + 3], strict=True)
            ):
                return True
        if t.ent_type_ in ("DATE", "TIME"):
            return True
    return False


def _has_duration(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """A duration: a unit after a number, "a", "few" or a qualifier ("3 days", "a few
    hours", "5 business days"), or a one-word duration ("overnight")."""
    return any(_duration_at(words, i, lex) for i in range(len(words)))


def _duration_at(words: Sequence[Token], i: int, lex: ReplyLexicon) -> bool:
    """Whether ``words[i]`` ends a duration (see :func:`_has_duration`)."""
    low = _lw(words[i])
    if low in lex["one_word_durations"] or _HOURS_AND_MINUTES.fullmatch(low):
        return True  # "overnight", "4h20"
    if low not in lex["duration_units"] or i == 0:
        return False
    before = words[i - 1]
    return (
        before.like_num
        or _lw(before) in ("a", "an", "few", "couple")
        or _lw(before) in lex["unit_qualifiers"]
    )


def _yes_no(words: Sequence[Token], lex: ReplyLexicon, *, within: bool = True) -> bool:
    """A yes or no: opening the sentence, or (``within``) set off by punctuation inside it.
    In the sentence as said, a "yeah" inside is a filler more often than an answer."""
    if not words or (len(words) <= 4 and lex["courtesy_words"].intersection(_lw(t) for t in words)):
        return False
    # "Ha, not at all", "Oh yes, it is": an interjection before the answer is no answer
    # word; "oh no" is an exclamation, not a "no".
    k = 0
    while k < len(words) - 1 and words[k].pos_ == "INTJ" and _lw(words[k]) not in lex["yes_no_words"]:
        k += 1
    if k and _lw(words[k]) == "no":
        return False
    words = words[k:]
    first = _lw(words[0])
    if (first in lex["yes_no_words"] or first in lex["polar_answers"]) and not _courtesy_no(words, lex):
        return True
    if first == "of" and len(words) > 1 and _lw(words[1]) == "course":
        return True
    if first == "not" and len(words) > 2 and (_lw(words[1]), _lw(words[2])) == ("at", "all"):
        return True
    if first == "not" and len(words) > 1 and _lw(words[1]) in _NOT_YET:
        return True  # "Not yet, it'll be ready after 3pm", "Not really"
    if within and any(_standalone_yes_no(t, lex) for t in words[1:]):
        return True  # "You do, yes, but ...", "It's covered, yeah."
    # "It does.", "You can.", "It isn't covered", "That's right": subject + auxiliary first.
    return (
        len(words) >= 2
        and words[0].pos_ == "PRON"
        and _lw(words[0]) not in ("what", "who", "which")
        and words[1].pos_ == "AUX"
        and (len(words) <= 4 or (len(words) > 2 and _lw(words[2]) in ("not", "n't", "nt")))
        and not (len(words) > 3 and _lemma(words[3]) in _APPEARANCE_VERBS)  # "that doesn't sound fun"
    )


#: Readings by which what follows a yes backs it: something done, promised with a time,
#: told to do, dated, priced, refused, explained, or the asked thing said again of a
#: pronoun ("Yes, you can", "Yes, it's covered").
_BACKING = (
    "action_done",
    "commitment_time",
    "steps",
    "time",
    "duration",
    "amount",
    "refusal",
    "cause",
    "past_event",
    "follow_up",
    "yes_no",
    "decisive",
    "question",
)


def _opening_yes(words: Sequence[Token], lex: ReplyLexicon) -> int:
    """The index of the first word after an opening affirmative ("yes", "yeah", "of
    course", "absolutely") and the punctuation, fillers and frame words after it; 0 when
    the sentence opens with no affirmative (a "no" carries its answer whatever follows)."""
    k = 0
    while k < len(words) - 1 and words[k].pos_ == "INTJ" and _lw(words[k]) not in lex["yes_no_words"]:
        k += 1
    if k >= len(words):
        return 0
    first = _lw(words[k])
    if first == "of" and k + 1 < len(words) and _lw(words[k + 1]) == "course":
        k += 1
    elif (
        first in _NEGATIONS
        or first == "nope"
        or not (first in lex["yes_no_words"] or first in lex["polar_answers"])
    ):
        return 0
    k += 1
    while k < len(words) and (
        words[k].is_punct or words[k].pos_ == "INTJ" or _lw(words[k]) in lex["frame_openers"]
    ):
        k += 1
    return k


def _talk_after_yes(span: Span, words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """Does an opening yes lead into talk that backs it with nothing ("Yes, lots of our
    students wear glasses, and eyesight is one of the things we always think about", "yes
    so um moving the site is something we can definitely help with")?

    What follows the yes is read on its own: it backs the yes when it does something an
    answer does (:data:`_BACKING`), sets a limit ("only", "as long as", "not"), or says the
    asked thing again of a pronoun with its auxiliary ("you can", "it is", "we do") and a
    verb that is more than attention or help. Content words and none of that: talk."""
    k = _opening_yes(words, lex)
    if not k or k >= len(words):
        return False
    rest = span.doc[words[k].i : span.end]
    f = reply_functions(rest, lex)
    return bool(f["talk"] or f["bare_promise"])


def _talk(words: Sequence[Token], readings: Mapping[str, float | bool], lex: ReplyLexicon) -> bool:
    """Is the sentence talk that answers nothing: a clause (a verb and a content word) that
    does nothing an answer does (:data:`_BACKING`, a yes or no, a limit), and either only
    offers attention or help or says no asked thing again of a pronoun with its auxiliary
    ("you can bring it", "it is covered", "we do")?"""
    if not any(t.pos_ in ("VERB", "AUX") for t in words) or not any(
        t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ") and not t.is_stop for t in words
    ):
        return False  # "Sure thing", "Yes, you can"
    if readings["bare_promise"] or _only_inaction_verbs(words, lex, lex["resolve_verbs"]):
        # "Of course, I'll take care of that for you", "that's something I can help you with
        # today, let me look into it": the case taken on, nothing answered (a time or a
        # number in it dates or counts no answer).
        return True
    if any(readings[name] for name in _BACKING):
        return False
    inaction = lex.inaction_verbs | lex["resolve_verbs"]
    for i, t in enumerate(words[:-1]):
        if i == 0 and t.pos_ == "PRON" and _lw(t) in _ANSWERING_SUBJECTS:  # its main clause
            j = i + 1
            while j < len(words) - 1 and words[j].pos_ == "ADV":
                j += 1
            verb = words[j]
            if verb.pos_ == "VERB" and verb.tag_ != "VBG" and _lemma(verb) not in inaction:
                return False  # "Yes, we take cheques", "yes, we convert them automatically"
        aux = words[i + 1]
        if (
            t.pos_ != "PRON"
            or _lw(t) not in _ANSWERING_SUBJECTS
            or aux.pos_ != "AUX"
            or _lemma(aux) == "have"
        ):
            continue
        said = words[i + 2 : i + 5]
        if not said or _lw(said[0]) in ("not", "n't", "nt") or said[0].pos_ in _PREDICATE_POS:
            return False  # "Yes, you can.", "yes, it isn't", "yes, it's free", "it's there"
        if any(v.pos_ == "VERB" and _lemma(v) not in inaction for v in said):
            return False  # "Yes, you can bring it", "yes, it's covered"
    return True


#: Verbs too light to name an action by themselves ("take care of it", "I'll do that",
#: "get it sorted"): grammar, like the auxiliaries.
_LIGHT_VERBS = frozenset({"take", "have", "give", "get", "make", "do", "leave", "keep", "be"})


def _light_noun(t: Token) -> bool:
    """Is ``t`` the noun of a light-verb phrase about a pro-form ("take *care* of it",
    "have a *look* at that"): after a light verb (and a determiner), and followed by
    nothing but a preposition with a pronoun ("take a *photo* of the meter" names a thing)?
    Read from the word order: the pipeline has no dependency parser."""
    doc = t.doc
    k = t.i - 1
    if k >= 0 and doc[k].pos_ == "DET":
        k -= 1
    if k < 0 or doc[k].pos_ not in ("VERB", "AUX") or _lemma(doc[k]) not in _LIGHT_VERBS:
        return False
    nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
    if nxt is None or nxt.is_punct:
        return True
    if nxt.pos_ != "ADP" or t.i + 2 >= len(doc):
        return False
    obj = doc[t.i + 2]
    after = doc[t.i + 3] if t.i + 3 < len(doc) else None
    return obj.pos_ == "PRON" or (
        obj.pos_ == "DET" and (after is None or after.pos_ not in ("NOUN", "PROPN", "ADJ", "NUM"))
    )


def _says_no_content(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """Does the sentence name nothing that would be done: its verbs are light, attention or
    resolve verbs ("take", "sort", "handle", "look") and its nouns only light-verb nouns
    ("care", "look"), no names or numbers ("I'll take care of that for you", "I'll sort it
    all out", "leave it with me")?"""
    verbs = _LIGHT_VERBS | lex["attention_verbs"] | lex["resolve_verbs"]
    for t in words:
        if t.pos_ == "VERB" and _lemma(t) not in verbs:
            return False
        if t.pos_ in ("PROPN", "NUM") or (t.pos_ == "NOUN" and not _light_noun(t)):
            return False
    return True


#: What may follow "it is" in a predicate that says the asked thing again ("it's *free*",
#: "it's *there*", "it's *in* stock", "it's *20* euros"), unlike "it's *a* great way to travel".
_PREDICATE_POS = frozenset({"ADJ", "ADV", "ADP", "NUM"})

#: Pronouns by which a reply says the asked thing again ("you can", "it is", "we do").
_ANSWERING_SUBJECTS = frozenset({"you", "it", "they", "we", "i", "she", "he", "there"})


def _decisive(words: Sequence[Token], lowers: Sequence[str], text: str, lex: ReplyLexicon) -> bool:
    """Does the sentence settle a case by a limit or scope ("Each permit is only valid in
    its zone", "Your membership works at all 34 sites", "moving the site doesn't touch
    it", "as long as it's under 23 kilos"), unhedged ("may", "usually", "depending on")?
    Such a statement implies the yes or no to a question about a case it covers."""
    if _HEDGE_WORDS.intersection(lowers) or lex["generic_words"].intersection(lowers) - _SCOPE_GENERIC:
        return False  # "may", "usually", "customers", "policy": how things go, not this case
    if _has_phrase(text, lex.phrases["hedge_phrases"]) or _has_phrase(text, lex.phrases["undecided_phrases"]):
        return False
    return bool(
        _negates(words, lowers)
        or lex["scope_words"].intersection(lowers)
        or _has_phrase(text, lex.phrases["scope_phrases"])
    )


#: Words that open an exclamation before the sentence proper ("Oh no, ...", "Gosh, ...").
_INTERJECTIONS = frozenset({"oh", "ah", "aw", "aww", "gosh", "wow", "ouch", "no", "dear", "goodness", "oops"})
#: Verbs by which the agent judges how the customer's situation seems ("that sounds awful").
_SEEM_VERBS = frozenset({"sound", "seem", "look", "feel"})


def _evaluates(words: Sequence[Token]) -> bool:
    """Does the sentence judge how the customer's situation seems ("That doesn't sound like
    much fun at all", "Oh no, that sounds awful, nobody should have to put up with it",
    "It must be so frustrating")? Empathy by its form: a negation or a scope word in it
    ("doesn't", "nobody") settles nothing about the case."""
    k = 0
    while k < len(words) and (words[k].pos_ == "INTJ" or _lw(words[k]) in _INTERJECTIONS):
        k += 1
    rest = words[k : k + 5]
    if not rest or _lw(rest[0]) not in ("that", "this", "it", "that's", "which"):
        return False
    for t in rest[1:]:
        if _lemma(t) in _SEEM_VERBS:
            return True
        if _lw(t) == "must" or (t.pos_ != "AUX" and _lw(t) not in ("not", "n't", "nt", "really", "so")):
            return _lw(t) == "must"
    return False


def _negates(words: Sequence[Token], lowers: Sequence[str]) -> bool:
    """A negated statement ("it doesn't touch it", "there's no charge", "they can't go on
    trains"), not an exclamation ("oh no") or an imperative ("don't worry")."""
    for i, w in enumerate(lowers):
        if w in ("not", "n't", "nt", "never"):
            if i > 0 and lowers[i - 1] in ("do", "don't", "dont"):
                aux = words[i - 1]
                before = aux.doc[aux.i - 1] if aux.i > aux.sent.start else None
                if before is None or before.is_punct or _lw(before) in ("and", "so", "but", "just"):
                    continue  # "don't worry", "do not hesitate": an imperative
            return True
        if w == "no" and i + 1 < len(words) and words[i].pos_ == "DET":
            return True
    return False


#: generic_words that are scope words too ("all", "any", "every"): a scope, not a hedge.
_SCOPE_GENERIC = frozenset({"any", "every", "all", "automatically"})


def _courtesy_no(words: Sequence[Token], lex: ReplyLexicon) -> bool:
    """An opening "no" that is a courtesy ("No problem — cancelled", "No worries, done"):
    it agrees to a request, so it is no polar answer."""
    return len(words) > 1 and _lw(words[0]) == "no" and _lw(words[1]) in lex["courtesy_no_objects"]


def _standalone_yes_no(t: Token, lex: ReplyLexicon) -> bool:
    """Is ``t`` a yes or no said on its own, set off by punctuation ("You do, yes —")
    rather than a determiner ("no fee")?"""
    if _lw(t) not in lex["yes_no_words"]:
        return False
    doc = t.doc
    before = doc[t.i - 1] if t.i > 0 else None
    after = doc[t.i + 1] if t.i + 1 < len(doc) else None
    set_off = before is not None and (
        before.is_punct
        # "..., so yes, he'll be admitted", "if they're all students then no, you'd be exempt"
        or (_lw(before) in _YES_NO_LEADS and after is not None and after.is_punct)
    )
    return bool(set_off) and (after is None or after.is_punct)


#: Connectives that may stand between a reason and the yes or no it leads to.
_YES_NO_LEADS = frozenset({"so", "then", "and", "but"})


#: Who answers for whom: "Can I ...?" is answered "You can", "Will it ...?" "It won't".
_COUNTERPART = {
    "i": frozenset({"you"}),
    "we": frozenset({"you"}),
    "you": frozenset({"i", "we"}),
    "it": frozenset({"it", "that", "they"}),
    "they": frozenset({"they", "it"}),
    "there": frozenset({"there"}),
}


def polar_frame(question: Span) -> tuple[str, str] | None:
    """The auxiliary and subject a yes/no question opens with ("Can I ...?" → can, i;
    "Is there ...?" → be, there), when the subject is a pronoun; else None."""
    words = _words(question)
    for i, t in enumerate(words[:3]):
        if t.pos_ != "AUX":
            continue
        subject = _lw(words[i + 1]) if i + 1 < len(words) else ""
        # "Is it ...?" reads nothing: "it's" opens too many statements to echo a question.
        if subject in _COUNTERPART and not (subject == "it" and _lemma(t) == "be"):
            return _lemma(t), subject
        return None
    return None


def echoes_polar(frame: tuple[str, str], reply: Span) -> bool:
    """An implied yes or no: the reply repeats the question's auxiliary after the
    counterpart subject ("Is there step-free access?" → "There's a lift";
    "Can I bring it?" → "You can't, but ...")."""
    aux, subject = frame
    words = _words(reply)
    wanted = _COUNTERPART[subject]
    for i, t in enumerate(words[:-1]):
        if _lw(t) not in wanted:
            continue
        j = i + 1
        while j < len(words) and words[j].pos_ == "ADV" and _lw(words[j]) not in ("not", "n't", "nt"):
            j += 1
        if j < len(words) and words[j].pos_ == "AUX" and _lemma(words[j]) == aux:
            return True
    return False


def implies_yes_no(
    question: Sequence[Span],
    reply: Sequence[Span],
    functions: Mapping[str, float],
    lex: ReplyLexicon | None = None,
) -> bool:
    """A yes or no given without the word, to a yes/no question:

    - the price, to a question about money ("Is there a fee?" → "£5 per transfer");
    - a word that grants it, to a question of permission ("Can we bring a gazebo?" →
      "Gazebos up to 3 by 3 metres are allowed"; "Is £1,450 within the limit?" → "so
      £1,450 is fine");
    - the question's own verb or predicative adjective said again of a pronoun for the thing
      asked ("Is it still covered?" → "It's covered", "Will it load automatically?" → "It
      loads the next time you tap in"), affirmed or denied. "Your plan covers a range of
      treatments" speaks of the plan and "Parcels are sometimes delayed" of everyone's, and
      a hedge ("may", "usually") grants nothing: none of them answers.
    """
    lex = lex or default_reply_lexicon()
    asked = [w for s in question for w in _words(s)]
    said = [w for s in reply for w in _words(s)]
    if not asked or not said:
        return False
    if functions.get("amount", 0.0) and any(_lemma(w) in lex["cost_words"] for w in asked):
        return True
    for i, w in enumerate(said):
        hedged = any(_lw(t) in _HEDGE_WORDS for t in said[max(0, i - 3) : i])
        if _lw(w) in lex["permission_words"] and w.pos_ in ("ADJ", "VERB", "INTJ") and not hedged:
            return True  # "Students *may* be eligible" grants nothing
    predicates = {_lemma(w) for k, w in enumerate(asked) if _predicate(asked, k)}
    for i, w in enumerate(said):
        if _lemma(w) in predicates and _predicate(said, i):
            before = [_lw(t) for t in said[max(0, i - 3) : i]]
            if any(b in _SPECIFIC_SUBJECTS for b in before) and not _HEDGE_WORDS.intersection(before):
                return True
    return False


def _predicate(words: Sequence[Token], k: int) -> bool:
    """Is ``words[k]`` a verb or a predicative adjective ("is it *waterproof*", not "an
    *old* dishwasher"), and not one too light to echo a question by?"""
    w = words[k]
    if _lemma(w) in _LIGHT_PREDICATES:
        return False
    if w.pos_ == "VERB":
        return True
    return w.pos_ == "ADJ" and not (k + 1 < len(words) and words[k + 1].pos_ in ("NOUN", "PROPN", "ADJ"))


#: Predicates too light to echo a question by ("Can I do...?" → "We do...").
_LIGHT_PREDICATES = frozenset({"be", "have", "do", "get", "go", "make", "need", "want", "let", "can", "will"})
#: A pronoun for the thing asked about: "your plan covers..." speaks of the plan, "it's
#: covered" of what was asked.
_SPECIFIC_SUBJECTS = frozenset(
    {"it", "its", "it's", "you", "you're", "youre", "they", "that", "this", "she", "he"}
)
#: Words that hedge a grant or an echo into how things may be ("students may be eligible").
_HEDGE_WORDS = frozenset({"may", "might", "could", "sometimes", "often", "usually"})


_NEGATIONS = frozenset({"not", "n't", "nt", "never", "no"})
#: What follows an opening "not" that makes it a polar "no" ("Not yet", "Not really").
_NOT_YET = frozenset({"yet", "really", "quite", "anymore", "currently", "now", "today", "until"})
#: Words that place one event against another ("two days after the due date").
_RELATIONAL_TIME = frozenset({"after", "before", "late", "later", "early", "earlier", "overdue"})
#: Word classes a courtesy formula may carry besides its own words ("Thank *you* for *your*
#: patience, *Michael*").
_FORMULA_POS = frozenset({"DET", "PRON", "ADP", "CCONJ", "PROPN", "INTJ", "PART", "AUX"})


def _is_formula(
    words: Sequence[Token], lemmas: Sequence[str], lowers: Sequence[str], lex: ReplyLexicon
) -> bool:
    """A courtesy or hold formula and nothing else: "Take care!", "Michael, thanks for your
    patience today.", "Just a second.", "Have a lovely day!".

    Such a sentence answers nothing, though its words look like an answer's ("take" opens
    an instruction, "today" is a time, "second" a number). It needs one of
    ``formula_anchors`` (or opens with the "have" of a wish) and no word outside
    ``formula_words``, function words and names;
    a yes/no or a negation makes it an answer ("Yes, thank you", "No, thanks").
    """
    anchors, vocab = lex["formula_anchors"], lex["formula_words"]
    polar = lex["yes_no_words"] | lex["polar_answers"]
    anchored = bool(lemmas) and lemmas[0] == "have"  # a wish: "Have a lovely day!"
    for t, lemma, low in zip(words, lemmas, lowers, strict=True):
        if low in polar or low in _NEGATIONS or any(c.isdigit() for c in low):
            return False
        if low in anchors or lemma in anchors:
            anchored = True
        elif not (low in vocab or lemma in vocab or t.pos_ in _FORMULA_POS):
            return False
    return anchored


_STEP_CONTENT = frozenset({"NOUN", "PROPN", "NUM", "ADJ"})


def _instruction_start(words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon) -> int:
    """Where an instruction would start: after clause and frame openers ("Please", "Hello,",
    "OK, then") and after a leading condition up to its comma ("If it still fails, ...");
    0 when nothing precedes it."""
    start = 0
    if lowers and lowers[0] in _CONDITIONS:
        doc = words[0].doc
        comma = next(
            (k for k, t in enumerate(words) if t.i + 1 < len(doc) and doc[t.i + 1].text == ","), None
        )
        if comma is None:
            return 0
        start = comma + 1
    openers = lex["clause_openers"] | lex["frame_openers"]
    while start < len(words) and lowers[start] in openers:
        start += 1
    return start


#: The agent as the one an instruction gives to ("send it to *us*", "tell *me*").
_TO_THE_AGENT = frozenset({"me", "us"})


def _steps(words: Sequence[Token], lowers: Sequence[str], lex: ReplyLexicon) -> bool:
    """Instructions: an imperative opener, "you can/need to <verb>", or sequence words; not
    what the customer is told to give the agent ("Send us a photo")."""
    if not words:
        return False
    # "Send the service number to me", "you can send us a photo": the customer is asked to
    # give the agent something, a question back in an instruction's form.
    if any(
        w in _TO_THE_AGENT
        and i > 0
        and (
            lowers[i - 1] in ("to", "with")
            or (words[i - 1].pos_ == "VERB" and _lemma(words[i - 1]) not in lex["not_instructions"])
        )
        for i, w in enumerate(lowers)
    ):
        return False
    first = words[0]
    verbs = lex["instruction_verbs"]
    # "Please restart the phone", "Hello, try it again", "If it still fails, turn it off
    # and on": the imperative after a courtesy opener or a condition, when its verb is an
    # instruction verb (a "please" before any other verb asks the customer for something:
    # "Please provide your number"). An attention verb instructs only with what to attend
    # to or to do again ("Please check the APN setting", "Please try again"; "Please wait
    # patiently" holds).
    start = _instruction_start(words, lowers, lex)
    if 0 < start < len(words) - 1:
        lead, rest = words[start], words[start + 1 :]
        lemma = _lemma(lead)
        attends = lemma in lex["attention_verbs"] and not any(
            t.pos_ in _STEP_CONTENT and not _light_noun(t) for t in rest
        )
        if (
            lead.tag_ in ("VB", "VBP")
            and lemma in verbs
            and lemma not in lex["not_instructions"]
            and (not attends or "again" in lowers[start + 1 :])
            and _has_phrase(f" {' '.join(lowers)} ", lex["vague_phrases"]) is None  # "try again later"
        ):
            return True
    # An imperative opener instructs when it names what to do: an instruction verb with
    # something after it, or any verb with a content word ("Wait." holds, "Leave it with
    # me" takes ownership; neither is a step).
    if first.tag_ == "VB" and _lemma(first) not in lex["not_instructions"] and len(words) > 1:
        # "Understand the panic", "Appreciate your patience": a feeling, not a step.
        feeling = _lemma(first) in lex["attention_verbs"] | lex["knowing_verbs"]
        if _lemma(first) in verbs or (
            not feeling and any(t.pos_ in _STEP_CONTENT and not _light_noun(t) for t in words[1:])
        ):
            return True
    if _lw(first) == "just" and len(words) > 1 and words[1].tag_ == "VB":
        return True
    for i, w in enumerate(lowers[:-1]):
        if w == "you" and lowers[i + 1] in (
            "can",
            "could",
            "need",
            "should",
            "'ll",
            "will",
            "just",
            "must",
            "have",
            "may",
            "might",
        ):
            nxt = [_lemma(t) for t in words[i + 1 : i + 5]]
            if verbs.intersection(nxt):
                return True
    # "It is suggested that you update the app", "We recommend you clear the cache", "You
    # are advised to back up the data": advice verbs put a step to the customer.
    for i, t in enumerate(words[:-1]):
        if t.pos_ == "VERB" and _lemma(t) in lex["ask_advice"]:
            after = words[i + 1 : i + 5]
            if any(
                w.tag_ in ("VB", "VBP") and _lemma(w) in verbs and _lemma(w) not in lex["not_instructions"]
                for w in after
            ):
                return True
    # "First open the app, then tap Reset": a sequence word that is not an adjective ("next
    # spring") with an instruction verb in the imperative ("opens" describes, "open" tells),
    # not the agent's own ("We will verify it after ...": a promise).
    return any(_lw(t) in lex["sequence_words"] and t.pos_ != "ADJ" for t in words) and any(
        t.tag_ == "VB"
        and _lemma(t) in verbs
        and _lemma(t) not in lex["not_instructions"]
        and not _agent_does(lowers, k)
        for k, t in enumerate(words)
    )


#: Pronouns that make a norm about anyone ("Nobody should ..."), and the words that make it one.
_ANYONE = frozenset({"nobody", "noone", "everyone", "everybody", "anyone", "anybody"})
_NORM = frozenset({"should", "must", "ought", "deserves", "deserve"})


def _norm_for_anyone(lowers: Sequence[str]) -> bool:
    """Is the sentence a norm about anyone ("Nobody should have to put up with a cold room,
    especially in December", "No one deserves to wait that long over Christmas")? Empathy
    said as a rule: a time in it sets the scene and says nothing about when this case is
    dealt with."""
    for k, w in enumerate(lowers[:-1]):
        anyone = w in _ANYONE or (w == "one" and k > 0 and lowers[k - 1] == "no")
        if anyone and lowers[k + 1] in _NORM:
            return True
    return False


def _agent_does(lowers: Sequence[str], k: int) -> bool:
    """Is the verb at ``k`` the agent's own deed: an "I"/"we" before it with no "you" in
    between ("We will feed it back and verify it" promises; "we'll reset it, then you log
    in" instructs)?"""
    own = max((i for i in range(k) if lowers[i] in _FIRST_PERSON), default=-1)
    return own >= 0 and "you" not in lowers[own + 1 : k]


# --------------------------------------------------------------------------- pairs
#: The answer functions that meet each ask type.
ANSWER_KINDS: Mapping[str, tuple[str, ...]] = {
    "when": ("time", "duration", "commitment_time"),
    "how_much": ("amount",),
    "how_many": ("number", "amount"),
    "how_long": ("duration", "time", "commitment_time"),
    "how_to": ("steps", "own_action"),  # doing it for the customer answers "how do I"
    "why": ("cause", "past_cause"),
    # "I can see it was sent" answers "has it?"; "Each permit is only valid in its own
    # zone" answers "can I use it in zone G?" (decisive: an implied yes or no).
    "polar": ("yes_no", "refusal", "action_done", "decisive"),
    "what": ("specific", "time", "amount", "steps"),  # "What do I need to register?": "Go to..."
    "request": ("own_action", "commitment_time", "steps", "refusal"),
    "problem": ("own_action", "commitment_time", "steps", "cause"),
}


def window_functions(
    functions: Sequence[Mapping[str, float]], after: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Functions of a reply made of several sentences: any sentence showing one counts.

    ``after``: the functions of the sentence that follows the window in the same turn, if
    any. A bare "Yes." is read with the sentence after it: "Yes. So, um, memberships are
    great" is a yes followed by talk (``yes_talk``), no yes answer."""
    out = dict.fromkeys(FUNCTIONS, 0.0)
    for f in functions:
        for name in FUNCTIONS:
            out[name] = (
                max(out[name], f[name]) if name not in ("you_words", "content_words") else out[name] + f[name]
            )
    following = [*functions[1:], after]
    talked_over = [
        bool(f["bare_yes"] and nxt is not None and nxt["talk"])
        for f, nxt in zip(functions, following, strict=True)
    ]
    if any(talked_over):
        out["yes_talk"] = 1.0
        out["yes_no"] = float(any(f["yes_no"] and not t for f, t in zip(functions, talked_over, strict=True)))
    out["talk"] = float(all(f["talk"] for f in functions)) if functions else 0.0
    out["bare_promise"] = float(all(f["bare_promise"] for f in functions)) if functions else 0.0
    # A reply that only asks back, or only promises, is judged on all its sentences.
    out["question"] = float(all(f["question"] for f in functions)) if functions else 0.0
    out["generic"] = float(all(f["generic"] for f in functions)) if functions else 0.0
    out["states_rule"] = float(all(f["states_rule"] for f in functions)) if functions else 0.0
    out["vague"] = (
        float(all(f["vague"] or f["question"] for f in functions) and out["vague"] > 0) if functions else 0.0
    )
    out["restates"] = float(all(f["restates"] for f in functions)) if functions else 0.0
    # A reply is a guess when all of it is hedged ("It's probably the router, I think").
    out["hedged"] = float(all(f["hedged"] for f in functions)) if functions else 0.0
    # A window is as much a non-answer as its most answer-like sentence.
    out["non_answer_sim"] = min((f["non_answer_sim"] for f in functions), default=0.0)
    return out


def content_lemmas(spans: Iterable[Span]) -> list[str]:
    """The lemmas of the content words (nouns, names, verbs, adjectives, numbers; no stop
    words) of ``spans``, in order."""
    return [_lemma(t) for span in spans for t in _words(span) if t.pos_ in _CONTENT_POS and not t.is_stop]


_CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"})


def pair_readings(
    need: Sequence[Span], reply: Sequence[Span], lex: ReplyLexicon | None = None
) -> dict[str, float]:
    """What a reply adds to the need it answers: ``novel_content``, how many of its content
    words the need did not say (an answer tells something new; "so the cement mixer we
    delivered won't start when you pull the cord" tells nothing), ``echo_share``, the
    share of its content words that the need said, and ``rule_on_asked``
    (:func:`rule_on_asked`)."""
    said = set(content_lemmas(need))
    words = content_lemmas(reply)
    novel = sum(w not in said for w in words)
    return {
        "novel_content": float(novel),
        "echo_share": float(len(words) - novel) / len(words) if words else 0.0,
        "rule_on_asked": float(rule_on_asked(need, reply, lex)),
        "cases_unapplied": float(cases_unapplied(reply, lex)),
    }


def cases_unapplied(reply: Sequence[Span], lex: ReplyLexicon | None = None) -> bool:
    """Does a reply set out cases without saying which one is the customer's? "$75 for
    Silver members and $125 for Gold, depending on your plan", "if it was online it takes
    30 minutes, and if in a shop it shows straight away": the cases are opened by an
    ``alternative_markers`` phrase or two ``conditional_markers``, and no
    ``application_markers`` phrase after them applies one to the case ("yours is curved,
    so plan for the whole day")."""
    lex = lex or default_reply_lexicon()
    text = " " + " ".join(_norm_text(_words(span)) for span in reply) + " "
    starts = [text.find(f" {m} ") for m in lex.phrases["alternative_markers"]]
    opened = [i for i in starts if i >= 0]
    conditions = [i for m in lex["conditional_markers"] for i in _all_at(text, f" {m} ")]
    if len(conditions) >= 2:
        opened.append(sorted(conditions)[1])
    if not opened:
        return False
    first = min(opened)
    return not any(text.find(f" {m} ", first) >= 0 for m in lex.phrases["application_markers"])


def _all_at(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


#: Asks a fact answers: a reply that leaves the customer's case among several answers none.
FACT_ASKS = frozenset({"when", "how_much", "how_many", "how_long", "polar", "what"})


_POSSESSIVES = frozenset({"my", "our", "mine", "ours", "your"})
_NOUN_PHRASE_INNER = frozenset({"ADJ", "NOUN", "PROPN", "NUM", "PART"})


def _unpossessed_nouns(spans: Sequence[Span]) -> set[str]:
    """Lemmas of the nouns a need names that are not the customer's own ("a group walk",
    "mirror wills"; not "my bill", "our deposit")."""
    out: set[str] = set()
    for span in spans:
        words = _words(span)
        for i, t in enumerate(words):
            if t.pos_ not in ("NOUN", "PROPN", "VERB"):  # "a group walk" may be tagged a verb
                continue
            k = i - 1
            while k >= 0 and words[k].pos_ in _NOUN_PHRASE_INNER:
                k -= 1
            if k < 0 or _lw(words[k]) not in _POSSESSIVES:
                out.add(_lemma(t))
    return out


def rule_on_asked(need: Sequence[Span], reply: Sequence[Span], lex: ReplyLexicon | None = None) -> bool:
    """Does a general statement state the very thing the need asks about, unhedged ("How
    much is a group walk for my kelpie?" "Group walks are $32 for the hour")? Its subject is
    a thing the need names that is not the customer's own, and it has no word of what
    usually or mostly holds (``generic_words``). Then it answers the question, though it
    is said as a rule; "Refunds normally take five days" to "when will *my* refund
    arrive?" still does not (:func:`general_for_own_case`)."""
    lex = lex or default_reply_lexicon()
    subjects = [_rule_subject(span, lex) for span in reply]
    if not any(subjects):
        return False
    if any(lex["generic_words"].intersection(_span_lowers(span)) for span in reply):
        return False
    asked = _unpossessed_nouns(need)
    return all(not nouns or _lemma(nouns[-1]) in asked for nouns in subjects)


def general_for_own_case(functions: Mapping[str, float]) -> bool:
    """Is a reply a general statement ("Most of our plans cost $30 to $90") to a need about
    the customer's own case ("How much is *my* bill?", :func:`about_own_case`)? It says
    nothing about this customer's case, so it cannot meet the need, however many figures
    it holds."""
    return (
        functions.get("own_case", 0.0) > 0
        and functions["states_rule"] > 0
        and not functions["case_specific"]
        and not functions.get("rule_on_asked", 0.0)
    )


def _new_facts(functions: Mapping[str, float]) -> dict[str, bool]:
    """Which fact kinds of a reply are new facts of the customer's case: a fact the
    customer gave already is an echo, not an answer ("I can see you sent it on Monday"
    answers no "when"), and a general figure is not this customer's ("cards are normally
    posted within ten working days" answers no "when will *my* card arrive?", see
    :func:`about_own_case`)."""
    general = general_for_own_case(functions)
    # "When will it arrive?" is not met by when it was sent; "when did you send it?" is.
    timely = functions.get("need_past", 0.0) > 0 or functions["time_ahead"] > 0
    return {
        "time": functions["novel_time"] > 0 and not general and timely,
        "duration": functions["novel_time"] > 0 and not general,
        "amount": functions["novel_amount"] > 0 and not general,
        "number": functions["novel_info"] > 0 and not general,
        "specific": functions["novel_info"] > 0 and not general,
    }


#: What a wh-question wants named (the pair reading ``asks_for``: 1 place, 2 person).
ASKS_FOR_CODES: Mapping[str, float] = {"": 0.0, "place": 1.0, "person": 2.0}
_WANTS_NAMED: Mapping[int, str] = {1: "place", 2: "person"}


def answers_in_kind(ask: str, functions: Mapping[str, float]) -> bool:
    """Does a reply give an answer of the kind ``ask`` wants (:data:`ANSWER_KINDS`)?
    Refusals meet a request only with a cause; a cause with a next step meets a problem."""
    new_fact = _new_facts(functions)
    kinds = ANSWER_KINDS.get(ask, ())
    named = _WANTS_NAMED.get(int(functions.get("asks_for", 0.0)))
    if ask == "what" and named is not None:
        # "Where do we pick up the key?" is met by a place, "who do I call?" by someone; a
        # time or a figure ("check-in is from three") is the answer to another question.
        # The place or person is the fact given (in speech-recogniser text a name may be
        # lower-cased and read as no fact), unless it is said as how things work in general.
        return bool(functions[named] > 0 and not general_for_own_case(functions)) or bool(
            functions["steps"] or functions["own_action"]
        )
    if any(functions[k] > 0 and new_fact.get(k, True) for k in kinds if k != "refusal"):
        return True
    # "Billing's a different department, I'm afraid": a refusal that sends the customer
    # elsewhere is a deflection, no refusal of what was asked.
    if (
        "refusal" in kinds
        and functions["refusal"] > 0
        and not functions["transfer"]
        and (functions["explains"] > 0 or ask == "polar")
    ):
        return True
    # "Can you fix it?" "Yes, it'll be about ninety pounds and a week": a yes that states the
    # terms of the case (a new amount, time or duration) takes the request on; a bare "yes,
    # I can help with that" names nothing.
    if (
        ask == "request"
        and functions["yes_no"] > 0
        and any(new_fact[k] and functions[k] > 0 for k in ("amount", "duration"))
    ):
        return True
    # A cause with a next step: "it got stuck at the depot; it's out Thursday".
    return bool(
        ask == "problem"
        and (functions["cause"] or functions["past_event"])
        and (functions["time_ahead"] or functions["commitment"])
    )


def pair_features(
    ask: str, relevance: float, functions: Mapping[str, float], adjacent_relevance: float = 0.0
) -> dict[str, float]:
    """The features the need–reply classifier weighs for one (need, reply) pair.

    ``kind_match`` is 1 when the reply gives an answer of the kind the need asks for
    (:data:`ANSWER_KINDS`); refusals meet a request only with a cause. A reply of the
    kind asked that comes right after the need (``functions["adjacent"]``) is read as at
    least ``adjacent_relevance`` relevant: adjacency, not shared words, ties a terse
    answer to its question.
    """
    new_fact = _new_facts(functions)
    match = answers_in_kind(ask, functions)
    any_answer = any(
        functions[k] > 0 and new_fact.get(k, True)
        for k in ("own_action", "commitment_time", "steps", "cause", "amount", "time")
    )
    if match and functions.get("adjacent", 0.0) > 0:
        relevance = max(relevance, adjacent_relevance)
    features = {
        "relevance": float(relevance),
        "kind_match": float(match),
        "kind_match_x_relevance": float(match) * float(relevance),
        "any_answer": float(any_answer),
        "action_done": functions["action_done"],
        "commitment": functions["commitment"],
        "commitment_time": functions["commitment_time"],
        "refusal_with_cause": float(functions["refusal"] > 0 and functions["explains"] > 0),
        "bare_refusal": float(functions["refusal"] > 0 and functions["explains"] == 0),
        "case_specific": functions["case_specific"],
        "generic": functions["generic"],
        "question_only": functions["question"],
        "vague": functions["vague"],
        "transfer": functions["transfer"],
        "specifics": float(min(3.0, functions["novel_info"])),
        "content_words": float(min(12.0, functions["content_words"])) / 12.0,
        "non_answer_sim": functions["non_answer_sim"],
        "restates_only": float(functions["restates"] > 0 and not any_answer),
        "reply_style": functions["reply_style"],
        # A yes followed by talk that backs it with nothing: no yes answer.
        "yes_talk": functions["yes_talk"],
        # A limit or scope said unhedged to a yes/no question: an implied yes or no.
        "polar_decisive": float(ask == "polar" and functions["decisive"] > 0 and not functions["yes_no"]),
        "novel_content": float(min(6.0, functions.get("novel_content", 0.0))) / 6.0,
        "echo_share": functions.get("echo_share", 0.0),
    }
    for a in ASK_TYPES:
        features[f"ask_{a}"] = float(ask == a)
    return features


PAIR_FEATURES: tuple[str, ...] = tuple(pair_features("polar", 0.0, dict.fromkeys(FUNCTIONS, 0.0)))


#: What each ask type wants, in the words the evidence uses.
ASK_WANTS: Mapping[str, str] = {
    "when": "a time",
    "how_much": "an amount",
    "how_many": "a number",
    "how_long": "a duration",
    "how_to": "steps (or doing it for them)",
    "why": "a cause",
    "polar": "a yes or no",
    "what": "the fact asked for (or what to do)",
    "request": "the action taken or a refusal with its reason",
    "problem": "a fix, an action, or a cause with a next step",
}


def why_not(ask: str, functions: Mapping[str, float]) -> str:
    """In words, why a reply does not meet a need (for the evidence)."""
    if functions["question"]:
        return "it asks a question back"
    if functions.get("hedged"):
        return "it hedges (a guess, not an answer)"
    if functions["vague"]:
        return "it promises without saying what or when"
    if functions["transfer"] and not functions["commitment_time"]:
        return "it sends the customer elsewhere without a commitment"
    if functions["refusal"] and not functions["explains"]:
        return "it refuses without a reason"
    if functions.get("cases_unapplied") and ask in FACT_ASKS:
        return "it sets out the cases without saying which is this customer's"
    if functions["generic"] and not functions["case_specific"]:
        return "it is a general statement, not about this customer's case"
    wanted = ASK_WANTS[ask]
    return f"it does not give {wanted}"

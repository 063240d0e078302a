"""Answer completeness: was every customer need *met*, not merely talked about?

The dimension works in three steps, each a small pure function of the shared parse.

1. **Needs.** Every customer sentence is classed as a *question*, *request* or *problem
   statement* from precise spaCy ``Matcher`` patterns (question syntax from POS tags,
   request frames such as "I'd like to" or "please <verb>", problem frames such as a
   negated verb or a fault word), read on the filler-free text, and, for paraphrases the
   patterns miss, from cosine similarity to the prototype sentences in
   ``need_prototypes``. Greetings, thanks, courtesy questions and confirmations
   (``social_prototypes``) are not needs. Two consecutive needs that say the same thing
   (cosine at least ``merge_threshold``, or a problem and the short question about it,
   "Can you fix it?") are merged into one. When nothing reads as a need, the most need-like
   sentence of the customer's opening turn (three content words or more, at least
   ``opening_need_threshold``) is the reason for contact; a statement announced as a new
   point in any turn ("Also, one of the mugs arrived chipped.") is a need by the same
   measure. A short statement that replies to the agent's question for a detail ("What day
   suits you?" "Thursday morning.") is no need, nor is a short sentence with a need pattern
   that reads as courtesy. Each need is classed by the answer it asks for
   (:func:`~cxnlp.dimensions.replies.ask_type`: a time, an amount, steps, a cause, yes/no,
   an action, a fix...).
2. **Replies.** Candidate replies are windows of up to ``window`` consecutive agent
   sentences after the need, in one agent reply (answers may come turns later, after a
   hold or a verification question); questions back, courtesy and hold formulas ("Take
   care!", "Just a second.") and bare acknowledgements are not
   candidates, nor is the agent's closing after the customer's thanks
   (:meth:`AnswerCompleteness.closing_sentences`: next steps said while taking leave are
   proactive connection). What each sentence does is read by
   :func:`~cxnlp.dimensions.replies.reply_functions` (an action taken, a commitment with a
   time, a refusal, a cause, steps, a yes/no, a time, an amount; or a general statement, a
   vague promise, a transfer, a restatement of the case) plus its embedding's similarity to
   non-answer prototypes. The need–reply classifier
   (:mod:`~cxnlp.dimensions.need_reply`) turns those readings, whether they are of the kind
   asked, and the reply's similarity to the need into P(met). A window counts for a need
   only if it is about that need at least as much as about any other need
   (``exclusivity_margin``), and an answer belongs to the need it was given to: a reply
   that meets a need raised in a later turn is no late answer to an earlier question or
   request (:meth:`AnswerCompleteness._assign`). The best window decides the status:

   - ``answered``: P(met) >= ``answer_probability``: full credit;
   - ``partial``: P(met) >= ``partial_probability``: credit rising linearly from 0 at
     ``partial_probability`` to 1 at ``answer_probability``, so a reply the model is less
     sure of earns less, and weakening an answer always costs points;
   - ``open``: otherwise, no credit. The evidence then says why the best reply falls short.
3. **Beyond.** Informative on-topic agent statements that answer no need are counted as a
   feature (``beyond_count``); they do not move the score: help beyond the question is
   proactive connection's "anticipation".

Score (0-100)::

    score = 100 * mean over needs of credit(P(met))
    credit(p) = clip((p - partial_probability) / (answer_probability - partial_probability), 0, 1)

NaN when the customer voiced no need.

The prototype sentences and word lists (``need_prototypes``, ``social_prototypes``,
``resolved_prototypes``...) live in ``cxnlp/resources/completeness_lexicon.yaml``
(:data:`LEXICON`); a deployment passes its own copy as ``completeness_lexicon``.

Features (all finite floats):

``n_needs``
    Customer needs after merging.
``answered_share``, ``partial_share``, ``open_share``
    Shares of needs per status (sum to 1; 0.0 when there is no need).
``met_probability``, ``min_met_probability``
    Mean and lowest P(met) of the needs' best replies (0.0 when there is no need).
``mean_answer_similarity``
    Mean similarity of each need's best reply to it (0.0 when there is no need).
``beyond_count``
    Informative on-topic agent statements that answer no need (not capped).

Outcome signals (they do not change the score; they are there for calibration against
human ratings, which judge the outcome of the contact as much as the agent's words; all
are computed whether or not the customer voiced a need):

``customer_confirmed_resolution``
    Highest cosine of a sentence of the customer's *last* turn to
    ``resolved_prototypes`` ("thanks, it works now"), 0.0 when the customer does not
    speak after the agent's first reply. A customer who closes by confirming is the most
    direct evidence that the need was met.
``customer_still_complaining``
    The same for ``complaint_prototypes`` ("it still doesn't work", "nobody
    replied"): a contact that ends with the customer complaining was not resolved.
``customer_opening_complaint``
    The same for the customer's *first* turn: a customer who opens angry ("this is a
    scam") is harder to satisfy than one who asks calmly, whatever the agent does.
``customer_turns_after_reply``
    Customer turns after the agent's first reply: each is a follow-up the first reply
    did not make unnecessary (or a thank-you; the two signals above tell which).
``customer_words``
    Words (non-punctuation tokens) the customer wrote: a long complaint is a harder case.
``customer_exclamations``
    Exclamation marks in the customer's turns: how heated the customer is.
``question_share``, ``problem_share``
    Shares of the needs that are questions and problem statements (0.0 when there is no
    need; requests make up the rest). An information question can be answered in one
    reply; a fault or a complaint often cannot be fixed within the contact.
``agent_questions``
    Agent sentences that ask something (:func:`is_question`): asking back means the
    problem is not solved yet in this contact.
``agent_asks_for_details``
    Highest cosine of an agent sentence to ``detail_request_prototypes`` ("please
    send us your order number by private message"): the answer is deferred until the
    customer provides information.
``agent_redirects``
    Highest cosine of an agent sentence to ``redirect_prototypes`` ("please call our
    hotline", "please contact the seller"): the customer is sent elsewhere for the answer.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from cxnlp.dimensions.base import Dimension, PrototypeSet, clip_score, register_dimension
from cxnlp.dimensions.need_reply import PairScorer, default_pair_scorer, load_pair_scorer
from cxnlp.dimensions.replies import (
    ASK_WANTS,
    ASKS_FOR_CODES,
    FACT_ASKS,
    FUNCTIONS,
    ReplyLexicon,
    about_own_case,
    answers_in_kind,
    ask_type,
    asks_about_past,
    asks_for,
    asks_for_follow_up,
    default_reply_lexicon,
    echoes_polar,
    fact_tokens,
    general_for_own_case,
    implies_yes_no,
    is_number,
    load_reply_lexicon,
    pair_features,
    pair_readings,
    polar_frame,
    reply_functions,
    why_not,
    window_functions,
)
from cxnlp.lexicon import Lexicon, LexiconSpec, default_lexicon, lexicon_at
from cxnlp.model import DimensionResult, Evidence
from cxnlp.nlp import ParsedTranscript, Sentence, SentenceEncoder
from cxnlp.privacy.placeholders import is_placeholder

if TYPE_CHECKING:  # pragma: no cover
    from spacy.matcher import Matcher
    from spacy.tokens import Span, Token
    from spacy.vocab import Vocab

logger = logging.getLogger(__name__)

NeedKind = Literal["question", "request", "problem"]
#: How a need was found: a need pattern, or closeness to the need prototypes.
NeedSource = Literal["pattern", "semantic"]
#: A need before merging: its sentence, kind and how it was found.
DetectedNeed = tuple[Sentence, NeedKind, NeedSource]
Status = Literal["answered", "partial", "open"]
#: A reply option scored for a need: (P(met), (its sentences, similarity, what they do)).
_Scored = tuple[float, tuple[tuple["Sentence", ...], float, dict[str, float]]]

#: The word lists version 2 of ``completeness_lexicon.yaml`` moved out of the need patterns.
_ADDED_IN_2 = ("request_verbs", "wish_verbs", "seeking_words", "seeking_openers", "fault_states")

#: The prototype sentences and word lists of ``cxnlp/resources/completeness_lexicon.yaml``
#: (what each is for is said there); a deployment passes its own copy as
#: ``AnswerCompleteness(completeness_lexicon=PATH)``.
LEXICON = LexiconSpec(
    resource="completeness_lexicon.yaml",
    version=3,
    parameter="AnswerCompleteness(completeness_lexicon=PATH)",
    fields={
        "need_prototypes": "labelled",
        "social_prototypes": "sentences",
        "non_answer_prototypes": "sentences",
        "vague_prototypes": "sentences",
        "resolved_prototypes": "sentences",
        "complaint_prototypes": "sentences",
        "detail_request_prototypes": "sentences",
        "redirect_prototypes": "sentences",
        "problem_lemmas": "words",
        "benign_negated": "words",
        "non_request_imperatives": "words",
        "additive_markers": "words",
        "social_phrases": "phrases",
        "additive_phrases": "phrases",
        "specific_time_words": "words",
        **dict.fromkeys(_ADDED_IN_2, "words"),
    },
    labels={"need_prototypes": ("question", "request", "problem")},
    added_in={2: _ADDED_IN_2},
    moved={"vague_verbs": "attention_verbs in reply_functions.yaml (AnswerCompleteness(reply_lexicon=PATH))"},
)


def default_completeness_lexicon() -> Lexicon:
    """The packaged ``completeness_lexicon.yaml``, read once per process."""
    return default_lexicon(LEXICON)


#: What a sentence that asks the customer for details may still do that answers: an action
#: taken, a promise, a cause, a time or an amount ("Send us the order number and we'll
#: refund it today").
_DEED_FUNCTIONS = ("action_done", "own_action", "commitment", "cause", "time", "amount", "refusal")
#: Reply functions that make a sentence an answer candidate even when it sounds like an
#: acknowledgement ("Sure, I've cancelled it.").
_ANSWER_FUNCTIONS = (
    "action_done",
    "commitment",
    "steps",
    "cause",
    "time",
    "duration",
    "amount",
    "yes_no",
    "refusal",
)
# Closed-class grammar stays in code (the lexicon's header says which is which): the
# conjunctions that split clauses (read together with their part of speech), wh-tags,
# pronouns, auxiliaries and negators in the need patterns, currency symbols.
#: Content words from which a sentence with a need pattern tells a case, never courtesy.
_LONG_NEED_WORDS = 4
_CLAUSE_JOINERS = frozenset({"but", "and", "because", "since", "as", "so", "although"})

_WH_TAGS = ["WDT", "WP", "WP$", "WRB"]
_CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})


def _need_patterns(lex: Lexicon) -> dict[str, list[list[dict]]]:
    """Matcher patterns by need kind; match offsets are relative to the sentence."""
    benign = sorted(lex.words["benign_negated"])
    problem = sorted(lex.words["problem_lemmas"])
    fault_states = sorted(lex.words["fault_states"])
    not_requests = sorted(lex.words["non_request_imperatives"])
    words = lex.words
    return {
        "question": [[{"ORTH": "?"}]],
        "request": [
            [
                {"LOWER": "i"},
                {"POS": "ADV", "OP": "*"},
                {"LEMMA": {"IN": sorted(words["request_verbs"])}},
            ],
            [
                {"LOWER": "i"},
                {"LOWER": {"IN": ["'d", "would", "d"]}},
                {"POS": "ADV", "OP": "*"},
                {"LEMMA": {"IN": sorted(words["wish_verbs"])}},
            ],
            [{"LOWER": "please"}, {"POS": "ADV", "OP": "*"}, {"POS": "VERB"}],
            [{"POS": "VERB"}, {"LOWER": "please"}],
            [
                {"LOWER": {"IN": ["can", "could", "would", "will"]}},
                {"LOWER": "you"},
                {"POS": "ADV", "OP": "*"},
                {"POS": "VERB"},
            ],
            [{"LEMMA": "help"}, {"LOWER": "me"}],
            [
                {"LOWER": "i"},
                {"LOWER": {"IN": ["am", "'m", "m", "was"]}},
                {"LOWER": {"IN": sorted(words["seeking_words"])}},
            ],
            [
                {
                    "IS_SENT_START": True,
                    "LOWER": {"IN": sorted(words["seeking_openers"])},
                }
            ],
            [{"IS_SENT_START": True, "TAG": "VB", "LEMMA": {"NOT_IN": not_requests}}],
        ],
        "problem": [
            [
                {"LOWER": {"IN": ["not", "n't", "never", "cannot", "nt"]}},
                {"POS": {"IN": ["ADV", "AUX", "PART"]}, "OP": "*"},
                {"POS": {"IN": ["VERB", "ADJ"]}, "LEMMA": {"NOT_IN": benign}},
            ],
            [
                {"LOWER": {"IN": ["no", "nobody", "nothing"]}},
                {
                    "POS": {"IN": ["NOUN", "VERB", "PRON", "NUM", "ADJ"]},
                    "LEMMA": {"NOT_IN": benign},
                },
            ],
            [{"LEMMA": {"IN": problem}}],
            # "I looked in the bin and it's not there": what should be somewhere is not.
            [
                {"LEMMA": "be"},
                {"LOWER": {"IN": ["not", "n't", "nt"]}},
                {"LOWER": {"IN": ["there", "here", "anywhere"]}},
            ],
            [{"LEMMA": "keep", "POS": "VERB"}, {"TAG": "VBG"}],
            *_fault_state_patterns(fault_states),
            [{"LOWER": {"IN": problem}}],
        ],
        # A problem only in a statement: "is it still being processed?" asks.
        "recurrence": _recurrence_patterns(),
    }


def _recurrence_patterns() -> list[list[dict]]:
    """ "the brake is still squeaking", "I'm still being charged", "the mould is coming back
    again": what goes on after it should have stopped is a problem, whatever the verb."""
    go_on = {"POS": {"IN": ["ADV", "AUX", "PART"]}, "OP": "*"}
    return [
        [{"LOWER": "still"}, go_on, {"TAG": {"IN": ["VBG", "VBN"]}, "LEMMA": {"NOT_IN": ["go"]}}],
        [{"LEMMA": {"IN": ["come", "happen", "start"]}}, {"LOWER": "back", "OP": "?"}, {"LOWER": "again"}],
        [{"LEMMA": "come", "TAG": "VBG"}, {"LOWER": "back"}],
    ]


def _fault_state_patterns(fault_states: list[str]) -> list[list[dict]]:
    """ "the power's off again", "the lights have gone out", "it's been dead all day": a
    thing, not a person, in a state of failure (the tagger reads a contracted "'s" as a
    possessive, so it is its own slot)."""
    subjects = [{"POS": {"IN": ["NOUN", "PROPN"]}}, {"LOWER": {"IN": ["it", "they", "everything"]}}]
    verb = {"LEMMA": {"IN": ["be", "go", "stay", "keep"]}}
    state = [{"POS": "ADV", "OP": "*"}, {"LOWER": {"IN": fault_states}}]
    contracted = {"LOWER": {"IN": ["'s", "\u2019s", "s"]}}
    return [
        pattern
        for subject in subjects
        for pattern in (
            [subject, {**verb, "OP": "+"}, *state],
            [subject, contracted, {**verb, "OP": "*"}, *state],
        )
    ]


class _MatcherCache:
    """Matchers built lazily per spaCy vocab and lexicon (a vocab is not weak-referenceable)."""

    def __init__(self) -> None:
        self._by_vocab: dict[tuple[int, str], tuple[Vocab, Matcher, Matcher]] = {}

    def get(self, vocab: Vocab, lex: Lexicon) -> tuple[Matcher, Matcher]:
        key = (id(vocab), lex.digest)
        hit = self._by_vocab.get(key)
        if hit is not None and hit[0] is vocab:
            return hit[1], hit[2]
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        from cxnlp.matching import GatedMatcher

        need = GatedMatcher(vocab)
        for kind, patterns in _need_patterns(lex).items():
            need.add(kind, patterns)
        social = PhraseMatcher(vocab, attr="LOWER")
        social.add("social", [Doc(vocab, words=list(p)) for p in lex.phrases["social_phrases"]])
        if len(self._by_vocab) > 8:
            self._by_vocab.clear()
        self._by_vocab[key] = (vocab, need, social)
        return need, social


_MATCHERS = _MatcherCache()


@dataclass(frozen=True, slots=True, eq=False)
class Need:
    """A customer need: its sentences (one, or two merged), kind and how it was found.

    ``vectors`` holds the embeddings answers are compared with: each sentence's, plus its
    clauses' where the sentence packs a request and its context ("I'd like to send the
    jacket back, it is too small").
    """

    sentences: tuple[Sentence, ...]
    kind: NeedKind
    source: NeedSource
    vectors: np.ndarray

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def last_index(self) -> int:
        return self.sentences[-1].index


@dataclass(frozen=True, slots=True)
class NeedOutcome:
    """How a need was met: status, the best reply (if any), its probability and reading.

    ``probability`` is the need–reply classifier's P(met) for ``answer``; ``ask`` the kind
    of answer the need asks for; ``functions`` what the best reply does
    (:func:`~cxnlp.dimensions.replies.window_functions`).
    """

    need: Need
    status: Status
    relevance: float
    probability: float
    answer: tuple[Sentence, ...] = ()
    ask: str = "polar"
    functions: dict[str, float] = field(default_factory=dict)


@functools.lru_cache(maxsize=2048)
def content_tokens(span: Span) -> tuple[Token, ...]:
    """Content words of a span: nouns, verbs, adjectives, numbers that are not stop words.

    Remembered per span (bounded, as :func:`is_question`): needs, replies and follow-ups
    read them several times a sentence. The tuple is shared: never change it."""
    return tuple(t for t in span if t.pos_ in _CONTENT_POS and not t.is_stop and (t.is_alpha or t.like_num))


def specifics(span: Span, lex: Lexicon | None = None) -> int:
    """Concrete details: numbers, amounts, dates, durations, times of day, and redaction
    placeholders ("[PII]": a detail somebody removed is still a detail given)."""
    time_words = (lex or default_completeness_lexicon()).words["specific_time_words"]
    n = 0
    for t in span:
        if is_number(t) or t.tag_ == "$" or t.text in ("$", "€", "£", "¥", "%"):
            n += 1
        elif is_placeholder(t.text):
            n += 1
        elif t.lower_ in time_words or t.lemma_.lower() in time_words:
            n += 1
    return n


def informativeness(span: Span, lex: Lexicon | None = None, replies: ReplyLexicon | None = None) -> float:
    """How much an agent sentence says, 0-1.

    Why: a relevant-sounding sentence can still be empty ("we will check it"); content
    words, specifics (numbers, dates, amounts) and concrete verbs are what a customer can
    act on. 0.15 per content word, 0.25 per specific, 0.1 per concrete verb (one that is
    not among the reply lexicon's ``attention_verbs``: "check", "look"), capped at 1.
    """
    lex = lex or default_completeness_lexicon()
    replies = replies or default_reply_lexicon()
    content = content_tokens(span)
    vague = replies["attention_verbs"]
    concrete = sum(1 for t in content if t.pos_ == "VERB" and t.lemma_.lower() not in vague)
    return float(min(1.0, 0.15 * len(content) + 0.25 * specifics(span, lex) + 0.1 * concrete))


@functools.lru_cache(maxsize=2048)
def is_question(span: Span) -> bool:
    """A "?" or question syntax (wh-word or auxiliary/modal + pronoun at the start).

    Remembered per span (bounded): need detection, merging and the outcome features ask it
    of the same sentences, and each reading walks the span's tokens. A span equals another
    only over the same characters of the same doc object, so the answer is the span's own.
    """
    if any(t.text.endswith("?") for t in span):
        return True
    tokens = _opening_words(span)
    if not tokens:
        return False
    first = tokens[0]
    if first.tag_ in _WH_TAGS:
        return True
    if first.pos_ != "AUX" or len(tokens) < 2 or first.lower_ in ("'s", "'m", "'re", "'ll", "'d", "'ve"):
        return False
    return tokens[1].tag_ in ("PRP", "EX") or _inverted_subject(first, span.end)


def _inverted_subject(aux: Token, end: int) -> bool:
    """Subject-auxiliary inversion with a noun subject, read from the parts of speech: "do
    the little ones need helmets", "does the plan still cover it", "is the shop open today"
    (a recogniser writes no question mark). After the auxiliary comes a noun phrase ending
    in a noun, then a verb (or, after a form of "be", what the subject is or does). "Do the
    brakes." has no verb after its noun: an order, no question. ``end``: the sentence's end
    in the doc."""
    doc, k = aux.doc, aux.i + 1
    if k < end and (doc[k].pos_ == "DET" or doc[k].tag_ == "PRP$"):
        k += 1
    while k < end and doc[k].pos_ in ("ADJ", "NUM"):
        k += 1
    if k >= end or doc[k].pos_ not in ("NOUN", "PROPN"):
        return False
    while k < end and doc[k].pos_ in ("NOUN", "PROPN"):
        k += 1
    while k < end and doc[k].pos_ in ("ADV", "PART"):
        k += 1
    if k >= end:
        return False
    nxt = doc[k]
    return nxt.pos_ == "VERB" or (aux.lemma_ == "be" and nxt.pos_ in ("ADJ", "ADP", "VERB"))


def clauses(span: Span) -> list[str]:
    """Clauses of a sentence split at commas, semicolons and conjunctions.

    Parts with fewer than two content words are dropped ("it is too small"); nothing is
    returned when the sentence does not split or only one part is left unchanged.
    """
    parts: list[list] = [[]]
    for tok in span:
        if tok.text in (",", ";", ":") or (tok.pos_ in ("CCONJ", "SCONJ") and tok.lower_ in _CLAUSE_JOINERS):
            parts.append([])
        elif not tok.is_space:
            parts[-1].append(tok)
    texts = [
        "".join(t.text_with_ws for t in part).strip()
        for part in parts
        if sum(t.pos_ in _CONTENT_POS and not t.is_stop for t in part) >= 2
    ]
    return texts if len(parts) >= 2 and texts else []


def opens_new_point(span: Span, lex: Lexicon | None = None) -> bool:
    """Does the sentence announce extra information ("You can also...", "By the way...")?

    Such a sentence does not continue the answer before it, so it never joins an answer
    window and may count as help beyond the question.
    """
    lex = lex or default_completeness_lexicon()
    lowers = [t.lower_ for t in span]
    if any(w in lex.words["additive_markers"] for w in lowers):
        return True
    text = " ".join(lowers)
    return any(" ".join(p) in text for p in lex.phrases["additive_phrases"])


def _covered(matches: Sequence[tuple[int, int, int]]) -> set[int]:
    return {i for _, start, end in matches for i in range(start, end)}


def pattern_need_kind(span: Span, lex: Lexicon | None = None) -> NeedKind | None:
    """The need kind a sentence's patterns signal, ignoring words inside social phrases.

    Why: "no problem" and "how are you?" contain need-like words but are courtesy; a
    match that overlaps a social phrase does not count.
    """
    matcher, social = _MATCHERS.get(span.doc.vocab, lex or default_completeness_lexicon())
    social_tokens = _covered(social(span))
    kinds: list[str] = []
    for match_id, start, end in matcher(span):
        if social_tokens.intersection(range(start, end)):
            continue
        kinds.append(span.doc.vocab.strings[match_id])
    if "recurrence" in kinds and not is_question(span):
        kinds.append("problem")
    if kinds and _asks_with_do(span):
        return "question"  # "Do I need a referral?" asks; it requests nothing
    for kind in ("request", "problem", "question"):
        if kind in kinds:
            return kind  # type: ignore[return-value]
    if is_question(span):
        return "question"
    return None


def _asks_with_do(span: Span) -> bool:
    """A yes/no question opened by "do"/"does"/"did" and a pronoun ("And do I need...").

    The question may follow a lead-in set off by a comma or colon ("And also, do I need the
    original box?", "Another question: do I have to pay?"); adverbs before the auxiliary
    (a question word aside) do not change what it asks."""
    words = [t for t in span if t.pos_ not in ("INTJ", "CCONJ", "SPACE")]
    starts = [0] + [i + 1 for i, t in enumerate(words) if t.text in (",", ":")]
    for start in starts:
        rest = list(itertools.dropwhile(lambda t: t.pos_ == "ADV" and t.tag_ != "WRB", words[start:]))
        if len(rest) > 1 and rest[0].lower_ in ("do", "does", "did") and rest[1].tag_ in ("PRP", "EX"):
            return True
    return False


def _opening_words(span: Span) -> list[Token]:
    """The sentence's words without interjections, conjunctions and punctuation ("Oh, and
    do I..."), so that question syntax is read from the first word that carries it."""
    return [t for t in span if t.pos_ not in ("INTJ", "CCONJ", "PUNCT", "SPACE")]


def _exchange_blocks(parsed: ParsedTranscript) -> dict[int, int]:
    """Sentence index -> how many customer turns have begun up to it: a customer turn and
    the agent's reply to it share a number (consecutive agent turns are one reply)."""
    block, n_customer_turns, last_turn = {}, 0, -1
    for s in parsed.sentences:
        if s.speaker == "customer" and s.turn_index != last_turn:
            n_customer_turns += 1
        last_turn = s.turn_index
        block[s.index] = n_customer_turns
    return block


#: Content words (no numbers) below which a statement right after an agent's question is
#: the customer's reply to it ("Late morning if possible.", "It's 0709 4456.").
_SHORT_REPLY_WORDS = 4


def _answers_to_agent(
    parsed: ParsedTranscript, lex: Lexicon | None = None, invites: Callable[[Sentence], bool] | None = None
) -> set[int]:
    """Customer sentences that answer the agent's question just before them: the first
    statement of a customer turn that follows an agent turn ending in a question, short
    (fewer than ``_SHORT_REPLY_WORDS`` content words, numbers aside), no question of its own
    and no new point ("Also, ..."). ``invites`` says which agent questions invite a need
    ("Is there anything else I can help with?"): the customer's reply to one is a need.

    Why: "What time would you like?" "Late morning if possible." and "Can I have the account
    number?" "It's oh seven oh nine double four." give the agent what it asked for; they
    voice no need of the customer's, and counting them as needs lets the agent's next
    action be credited to them instead of to the need it serves.
    """
    out: set[int] = set()
    sentences = parsed.sentences
    spoke = False  # has the customer spoken before (the opening "How can I help?" invites a need)
    for k, sent in enumerate(sentences):
        if sent.speaker != "customer" or (k > 0 and sentences[k - 1].speaker == "customer"):
            continue  # k: the first sentence of a customer turn
        # A call the customer opens has its opening at k == 0: their next turn is no opening.
        opening, spoke = not spoke, True
        asked = sentences[k - 1]
        if opening or not is_question(asked.clean) or (invites is not None and invites(asked)):
            continue
        turn = itertools.takewhile(lambda s, t=sent.turn_index: s.turn_index == t, sentences[k:])
        replies = [s for s in turn if not _is_trivial(s.clean, lex)]
        for n, reply in enumerate(replies):
            # The detail may take more than one sentence ("Claire Ivanova. The account
            # number is 2170 8487."): a later sentence still replies when it, too, is short
            # and gives a number (the detail asked for) with no need pattern of its own
            # ("Account 2170. The router broke on the 5th." tells a problem).
            span = reply.clean
            later_detail = any(t.like_num for t in span) and pattern_need_kind(span, lex) is None
            if not _short_reply(span, lex) or (n > 0 and not later_detail):
                break
            out.add(reply.index)
    return out


def _short_reply(span: Span, lex: Lexicon | None = None) -> bool:
    """A short statement that can give a detail the agent asked for (see
    :func:`_answers_to_agent`): no question, no new point, no negation, fewer than
    ``_SHORT_REPLY_WORDS`` content words, numbers aside."""
    if is_question(span) or opens_new_point(span, lex):
        return False
    if any(t.lower_ in ("not", "n't", "never", "no") for t in span):
        return False  # "It still doesn't work": a negation tells a case, not a detail asked for
    words = [t for t in content_tokens(span) if t.is_alpha and not t.like_num]
    return len(words) < _SHORT_REPLY_WORDS


def _is_trivial(span: Span, lex: Lexicon | None = None) -> bool:
    """Too short to carry a need ("OK.", "Yes!") unless it asks something ("Refund?",
    "what would we lose" from a recogniser, which writes no question marks, or "when will
    it be back?", whose words are all stop words); an address with no verb
    ("@Acme Customer Service.") carries none either."""
    content = len(content_tokens(span))
    if _is_address(span):
        return True
    if is_question(span):
        return content < 1 and sum(t.is_alpha for t in span) < 3
    return content < 1 or (content < 2 and not _terse_request(span, lex))


def _terse_request(span: Span, lex: Lexicon | None = None) -> bool:
    """A request in one content word: a thing asked for with "please" ("Refund, please.",
    "The bill, please.") or an order with an object ("Cancel it.", "do the brakes").
    "Yes please." and "Go ahead." ask for nothing, nor "Keep the change." (the lexicon's
    ``non_request_imperatives``)."""
    lex = lex or default_completeness_lexicon()
    words = [t for t in span if t.is_alpha]
    if any(t.lower_ == "please" for t in words) and any(t.pos_ in ("NOUN", "PROPN") for t in words):
        return True
    if (
        len(words) < 2
        or words[0].tag_ != "VB"
        or words[0].lemma_.lower() in lex.words["non_request_imperatives"]
    ):
        return False
    rest = words[1:]
    if len(rest) == 1 and rest[0].lower_ in ("it", "them", "that", "this"):
        return True
    return rest[-1].pos_ in ("NOUN", "PROPN") and all(
        t.pos_ in ("DET", "ADJ", "NUM", "NOUN", "PROPN") or t.tag_ == "PRP$" for t in rest
    )


def _is_address(span: Span) -> bool:
    """A social-media post's address and nothing else ("@Acme Customer Service Guangdong."):
    an @-handle and names only, no question. "@AcmeHelp still no signal in Leeds" states a
    problem after the handle, so it is no bare address."""
    words = [t for t in span if not (t.is_punct or t.is_space)]
    return (
        any(t.text.startswith("@") for t in words)
        and all(t.text.startswith("@") or t.pos_ == "PROPN" for t in words)
        and not any(t.text.endswith("?") for t in span)
    )


@dataclass(slots=True)
class _Reply:
    """A candidate reply window's need-independent readings: its unit vector, what its
    sentences do and its novel facts (read once per window), and its style (read when a
    need first keeps it)."""

    unit: np.ndarray
    functions: dict[str, float]
    novelty: dict[str, float]
    style: float | None = None


@register_dimension("answer_completeness.v1")
class AnswerCompleteness(Dimension):
    """Share of the customer's needs the agent met (see the module docstring).

    Parameters
    ----------
    need_threshold : float
        Cosine to a need prototype above which a sentence without a need pattern still
        counts as a need (paraphrase recall). Non-needs in varied examples (thanks,
        confirmations, account numbers, small talk) reached at most 0.41; most needs
        score 0.45-0.68.
    social_threshold : float
        Cosine to a courtesy prototype above which a pattern-matched sentence is courtesy,
        not a need, when it is also closer to courtesy than to any need.
    merge_threshold : float
        Cosine above which two consecutive needs are the same need said twice.
    context_merge_threshold : float
        Lower cosine at which a problem statement and the question or request right after
        it in the same turn ("The headphones arrived broken. Can I return them?") are one
        need: the problem is the question's context. A question opened by "also" or
        "by the way" starts a new need whatever the cosine.
    answer_probability : float
        P(met) from which a need counts as ``answered`` and earns full credit. On the
        tuning pairs (``need_reply_tune`` and ``need_reply_tune2``, never the holdout) 0.45
        is about the lower quartile of real answers and the 85th percentile of
        non-answers; the best-F1 threshold of grouped cross-validation
        (``benchmarks/train_need_reply.py --check``) is lower, 0.275, because a yes/no
        decision must not miss answers, while credit should grow with confidence.
    partial_probability : float
        P(met) from which a need earns some credit (``partial``; below: ``open``).
    informative_threshold : float
        Informativeness (0-1) an extra statement needs to count as ``beyond``.
    vague_threshold : float
        Cosine to a vague-promise prototype above which an extra statement is no ``beyond``.
    non_answer_threshold : float
        Cosine to an acknowledgement/empathy prototype above which an uninformative
        agent sentence is no answer candidate.
    beyond_threshold : float
        Cosine to some need that an extra agent statement needs to be on topic. On-topic
        tips in varied examples reach 0.38-0.57; a helpdesk sentence from another STC-3
        dialogue reaches a median of 0.19 to a need.
    exclusivity_margin : float
        How much closer to another need an answer window may be and still count for
        this one (an answer belongs to the need it is about).
    window : int
        Consecutive agent sentences (same turn) read together as one answer.
    adjacent_relevance : float
        The relevance the need–reply classifier reads, at least, for an answer of the kind
        asked in the agent's reply right after a need with no other need between (a
        question and its answer are adjacent; "No problem, cancelled" shares few words with
        "Can you stop the switch?"). A greeting or topic talk there gains nothing, and
        whether a reply is about another need is still judged from the raw similarities
        (``exclusivity_margin``).
    opening_need_threshold : float
        Cosine to a need prototype the customer's opening needs to be taken as the reason
        for contact when no sentence reads as a need (its most need-like sentence of three
        content words or more is). Openings that describe a situation reach 0.22-0.29
        ("the fridge you replaced is making a loud buzzing noise"), so the bar is low: a
        customer calls for a reason, and courtesy is ruled out separately.
    detail_request_threshold : float
        Cosine to a detail-request prototype ("Please send us your order number by private
        message") from which an agent sentence that takes no action, promises nothing and
        gives no cause, time or amount is no answer candidate: it asks the customer for
        something, a question back in an instruction's form. On 400 dialogues of the STC-3
        ``dev`` half, the instructions in turns the raters call a solution stay below 0.45
        (median 0.25); a fifth of the sentences that ask for a number, the details or a
        private message reach 0.55 (the rest stay candidates, as before).
    reply_lexicon : str, optional
        Path of a reply-function word list file (default: the packaged
        ``cxnlp/resources/reply_functions.yaml``).
    completeness_lexicon : str, optional
        Path of a need and non-answer lexicon file: prototype sentences and word lists
        (default: the packaged ``cxnlp/resources/completeness_lexicon.yaml``).
    need_reply_model : str, optional
        Path of a need–reply model file (default: the packaged
        ``cxnlp/resources/need_reply_model.json``, see ``benchmarks/train_need_reply.py``).
    """

    name = "answer_completeness"
    higher_is_better = True

    resource_params = ("reply_lexicon", "need_reply_model", "completeness_lexicon")

    def __init__(
        self,
        *,
        need_threshold: float = 0.45,
        social_threshold: float = 0.4,
        merge_threshold: float = 0.6,
        context_merge_threshold: float = 0.3,
        answer_probability: float = 0.45,
        partial_probability: float = 0.175,
        informative_threshold: float = 0.5,
        vague_threshold: float = 0.6,
        non_answer_threshold: float = 0.6,
        beyond_threshold: float = 0.3,
        exclusivity_margin: float = 0.1,
        window: int = 3,
        adjacent_relevance: float = 0.55,
        opening_need_threshold: float = 0.2,
        detail_request_threshold: float = 0.55,
        reply_lexicon: str | None = None,
        need_reply_model: str | None = None,
        completeness_lexicon: str | None = None,
    ) -> None:
        self.need_threshold = need_threshold
        self.social_threshold = social_threshold
        self.merge_threshold = merge_threshold
        self.context_merge_threshold = context_merge_threshold
        self.answer_probability = answer_probability
        self.partial_probability = partial_probability
        self.informative_threshold = informative_threshold
        self.vague_threshold = vague_threshold
        self.non_answer_threshold = non_answer_threshold
        self.beyond_threshold = beyond_threshold
        self.exclusivity_margin = exclusivity_margin
        self.window = window
        self.adjacent_relevance = adjacent_relevance
        self.opening_need_threshold = opening_need_threshold
        self.detail_request_threshold = detail_request_threshold
        self.reply_lexicon = reply_lexicon
        self.need_reply_model = need_reply_model
        self.completeness_lexicon = completeness_lexicon

        # The lexicon and its prototype sets are read in prepare() (until then the empty
        # sets say that prepare() is missing).
        self._needs = self._social = self._non_answer = PrototypeSet({})
        self._vague = self._closing = self._deferral = PrototypeSet({})
        self._encoder: SentenceEncoder | None = None
        self._pending_clauses: list[str] | None = None
        # Needs found by prefetch(), by id of the parsed transcript (replaced per batch).
        self._detected: dict[int, tuple[ParsedTranscript, list[DetectedNeed]]] = {}
        self._lexicon_cache: tuple[str, ReplyLexicon] | None = None
        # The reply functions of the transcript being scored (cleared after each score()).
        self._memo: tuple[ParsedTranscript, dict[int, dict[str, float]]] | None = None
        self._facts_memo: tuple[ParsedTranscript, dict[int, frozenset[tuple[str, str]]]] | None = None
        self._scorer_cache: tuple[str, PairScorer] | None = None

    def credit(self, probability: float) -> float:
        """Share of a need's points earned by a best reply with this P(met) (0-1)."""
        span = self.answer_probability - self.partial_probability
        if span <= 0:
            return float(probability >= self.answer_probability)
        return float(min(1.0, max(0.0, (probability - self.partial_probability) / span)))

    def _lexicon(self) -> ReplyLexicon:
        """The reply-function word lists (packaged, or ``reply_lexicon``'s file), read once per path."""
        if self.reply_lexicon is None:
            return default_reply_lexicon()
        path = str(self.reply_lexicon)
        if self._lexicon_cache is None or self._lexicon_cache[0] != path:
            self._lexicon_cache = (path, load_reply_lexicon(path))
        return self._lexicon_cache[1]

    def _pair_scorer(self) -> PairScorer:
        """The need–reply classifier (packaged, or ``need_reply_model``'s file), read once per path."""
        if self.need_reply_model is None:
            return default_pair_scorer()
        path = str(self.need_reply_model)
        if self._scorer_cache is None or self._scorer_cache[0] != path:
            self._scorer_cache = (path, load_pair_scorer(path))
        return self._scorer_cache[1]

    def resource_digests(self) -> dict[str, str]:
        """Content hashes of the resources this configuration reads (for the fingerprint)."""
        return {
            "reply_lexicon": self._lexicon().digest,
            "need_reply_model": self._pair_scorer().digest,
            "completeness_lexicon": lexicon_at(LEXICON, self.completeness_lexicon).digest,
        }

    def prepare(self, encoder: SentenceEncoder) -> None:
        """Read the completeness lexicon and embed its prototype sentences."""
        lex = lexicon_at(LEXICON, self.completeness_lexicon)
        self.lexicon_ = lex
        sentences = lex.sentences
        self._needs = PrototypeSet(lex.labelled["need_prototypes"])
        self._social = PrototypeSet({"social": sentences["social_prototypes"]})
        self._non_answer = PrototypeSet({"non_answer": sentences["non_answer_prototypes"]})
        self._vague = PrototypeSet({"vague": sentences["vague_prototypes"]})
        self._closing = PrototypeSet(
            {"resolved": sentences["resolved_prototypes"], "complaint": sentences["complaint_prototypes"]}
        )
        self._deferral = PrototypeSet(
            {"details": sentences["detail_request_prototypes"], "redirect": sentences["redirect_prototypes"]}
        )
        for protos in (
            self._needs,
            self._social,
            self._non_answer,
            self._vague,
            self._closing,
            self._deferral,
        ):
            protos.prepare(encoder)
        self._encoder = encoder

    def prefetch(self, batch: Sequence[ParsedTranscript]) -> None:
        """Embed the clauses of every need in the batch in one encoder call.

        Why: clause vectors are needed per need, and embedding them transcript by
        transcript means many tiny forward passes; one call for the batch fills the
        encoder's cache so that :meth:`score` finds them there. The needs found here are
        kept for :meth:`score` of the same parsed transcripts (until the next batch), so
        the customer's sentences are read once.
        """
        if self._encoder is None:
            return
        self._detected = {}
        self._pending_clauses = []
        try:
            for parsed in batch:
                detected = self._detect_needs(parsed)
                self._detected[id(parsed)] = (parsed, detected)
                for sent, _, _ in detected:
                    self._need_vectors(sent, parsed)
            pending = list(dict.fromkeys(self._pending_clauses))
        finally:
            self._pending_clauses = None
        if pending:
            self._encoder.encode(pending)

    # -- step 1: needs ---------------------------------------------------------------
    def find_needs(self, parsed: ParsedTranscript) -> list[Need]:
        """Customer needs in order, near-duplicate neighbours merged."""
        kept = self._detected.pop(id(parsed), None)
        detected = kept[1] if kept is not None and kept[0] is parsed else self._detect_needs(parsed)
        needs = [
            Need((sent,), kind, source, self._need_vectors(sent, parsed)) for sent, kind, source in detected
        ]
        return self._merge(needs, parsed)

    def _detect_needs(self, parsed: ParsedTranscript) -> list[DetectedNeed]:
        """The sentences that voice a need, with its kind and how it was found, before
        merging: by pattern or prototype, else the reason for contact."""
        sentences = parsed.customer_sentences
        if not sentences:
            return []
        vectors = parsed.vectors_of(sentences)
        need_sims = self._needs.best(vectors)
        social_sims = self._social.best(vectors)
        found: list[DetectedNeed] = []
        replies_to_agent = _answers_to_agent(
            parsed, self.lexicon_, lambda s: self._invites_need(parsed.vectors[s.index])
        )
        for sent, (label, need_sim), (_, social_sim) in zip(sentences, need_sims, social_sims, strict=True):
            if _is_trivial(sent.clean, self.lexicon_) or sent.index in replies_to_agent:
                continue
            kind = pattern_need_kind(sent.clean, self.lexicon_)
            courtesy = social_sim >= self.social_threshold and social_sim > need_sim
            if kind is not None and courtesy:
                # A need pattern is overruled by courtesy only in a short sentence ("Can
                # you hear me?", "Oh, wrong number, sorry."): a situation told at length
                # ("my cleaner didn't turn up this morning and I've got people coming
                # tonight", 0.42 to courtesy and 0.33 to a need) is a case, not small talk.
                courtesy = len(content_tokens(sent.clean)) < _LONG_NEED_WORDS
            if kind is not None and not courtesy:
                found.append((sent, kind, "pattern"))
            elif kind is None and need_sim >= self.need_threshold and need_sim > social_sim:
                found.append((sent, label, "semantic"))  # type: ignore[arg-type]
            elif kind is None and not courtesy and self._raises_new_point(sent, need_sim):
                # "Great. Also, one of the mugs arrived chipped.": a later turn's new point
                # is a need as the opening's situation is (see _reason_for_contact).
                found.append((sent, "problem" if label in (None, "problem") else label, "semantic"))  # type: ignore[arg-type]
        return found or self._reason_for_contact(sentences, need_sims, social_sims)

    def _invites_need(self, vector: np.ndarray) -> bool:
        """Is an agent question (its sentence vector) an offer of help ("How can I help?",
        "Anything else I can do for you?") rather than a question for a detail: close to a
        courtesy or an acknowledgement prototype (``social_threshold``)?"""
        vec = vector[None, :]
        best = max(self._social.best(vec)[0][1], self._non_answer.best(vec)[0][1])
        return bool(best >= self.social_threshold)

    def _raises_new_point(self, sent: Sentence, need_sim: float) -> bool:
        """A statement announced as a new point ("Also, ...", "One more thing: ...") that
        describes a situation: at least three content words and as close to a need as an
        opening must be (``opening_need_threshold``)."""
        if need_sim < self.opening_need_threshold or not opens_new_point(sent.clean, self.lexicon_):
            return False
        return len([t for t in content_tokens(sent.clean) if t.is_alpha]) >= 3

    def _reason_for_contact(
        self,
        sentences: Sequence[Sentence],
        need_sims: Sequence[tuple[str | None, float]],
        social_sims: Sequence[tuple[str | None, float]],
    ) -> list[DetectedNeed]:
        """The customer's opening turn as a need when nothing else reads as one.

        Why: people contact a service because something is wrong or wanted; an opening
        that describes a situation ("The water's coming out brown from every tap") is the
        need even without a question, a request frame or a fault word. Courtesy and short
        openings ("Hi there.") are not.
        """
        first_turn = sentences[0].turn_index
        best: tuple[float, Sentence, str | None] | None = None
        for sent, (label, need_sim), (_, social_sim) in zip(sentences, need_sims, social_sims, strict=True):
            if sent.turn_index != first_turn:
                break
            courtesy = social_sim >= self.social_threshold and social_sim > need_sim
            words = [t for t in content_tokens(sent.clean) if t.is_alpha]
            eligible = (
                len(words) >= 3
                and not courtesy
                and need_sim >= self.opening_need_threshold
                and not _is_address(sent.clean)
            )
            if eligible and (best is None or need_sim > best[0]):
                best = (need_sim, sent, label)
        if best is None:
            return []
        # The opening's most need-like sentence: "the new tap you put in last week" sets the
        # scene, "its dripping already" is why they called.
        _, sent, label = best
        kind: NeedKind = "problem" if label in (None, "problem") else label  # type: ignore[assignment]
        return [(sent, kind, "semantic")]

    def _need_vectors(self, sent: Sentence, parsed: ParsedTranscript) -> np.ndarray:
        parts = clauses(sent.span)
        own = parsed.vectors[[sent.index]]
        if not parts or self._encoder is None:
            return own
        if self._pending_clauses is not None:  # prefetch pass: collect, embed later
            self._pending_clauses.extend(parts)
            return np.vstack([own] * (1 + len(parts)))
        return np.vstack([own, self._encoder.encode(parts)])

    def _merge(self, needs: list[Need], parsed: ParsedTranscript) -> list[Need]:
        merged: list[Need] = []
        customer_order = {s.index: i for i, s in enumerate(parsed.customer_sentences)}
        for need in needs:
            if merged:
                prev = merged[-1]
                adjacent = customer_order[need.sentences[0].index] == customer_order[prev.last_index] + 1
                sim = float(parsed.vectors[prev.last_index] @ parsed.vectors[need.sentences[0].index])
                same_turn = need.sentences[0].turn_index == prev.sentences[-1].turn_index
                first = need.sentences[0].span
                # "My bill is eighty-four dollars, it's normally sixty-two. Why is it higher?":
                # a short question right after a statement in the same turn asks about it.
                short_question = is_question(first) and (
                    len(content_tokens(first)) <= 4 or _refers_back(first)
                )
                after_statement = not any(is_question(s.span) for s in prev.sentences)
                # "Why was my claim turned down? It just stopped opening one day.", "I got
                # charged a late fee. But I paid on time." and "I've been charged twice.
                # There are two payments of $39.99 on my card.": the statement says more
                # about the point before it, it raises none of its own.
                about_previous = need.kind == "problem" and (
                    _continues_clause(first)
                    or (
                        (not after_statement or (same_turn and prev.kind == "problem"))
                        and (sim >= self.context_merge_threshold or _opens_with_pronoun(first))
                    )
                )
                sets_context = (
                    same_turn
                    and not opens_new_point(first, self.lexicon_)
                    and (
                        (
                            prev.kind == "problem"
                            and need.kind != "problem"
                            and (sim >= self.context_merge_threshold or _refers_back(first))
                        )
                        or (after_statement and short_question)
                        or about_previous
                    )
                )
                # Context sets a need within one turn even across a sentence that voices none
                # ("I started the transfer three weeks ago. It still says pending. What's
                # holding it up?").
                # "Does somebody need to be home? Or can they just get on with it?": a question
                # opened by "or" offers the other answer to the question before it.
                alternative = (
                    same_turn
                    and adjacent
                    and is_question(first)
                    and _first_word(first) == "or"
                    and any(is_question(s.span) for s in prev.sentences)
                )
                if (adjacent and sim >= self.merge_threshold) or sets_context or alternative:
                    kind = prev.kind if alternative or need.kind == "problem" else need.kind
                    merged[-1] = Need(
                        prev.sentences + need.sentences,
                        kind,
                        prev.source,
                        np.vstack([prev.vectors, need.vectors]),
                    )
                    continue
            merged.append(need)
        return _without_reasks(merged)

    # -- step 2: answers -------------------------------------------------------------
    def answer_candidates(self, parsed: ParsedTranscript) -> list[Sentence]:
        """Agent sentences that could answer something.

        Left out: questions back, also in an instruction's form ("Please send us your
        number by private message", ``detail_request_threshold``), courtesy and hold
        formulas ("Take care!", "Just a second."), and sentences that do nothing an answer does (no action,
        commitment, steps, cause, time, amount, yes/no or refusal) and are either close to
        an acknowledgement or empathy prototype or have no content word ("I see.", "I'm so
        sorry to hear that."). A bare "Yes." stays: it answers a polar question.
        """
        agent = parsed.agent_sentences
        if not agent:
            return []
        all_functions = self._agent_functions(parsed)
        vectors = parsed.vectors_of(agent)
        non_answer = self._non_answer.best(vectors)
        details = self._deferral.best_per_label(vectors)["details"]
        out = []
        for sent, (_, sim), detail_sim in zip(agent, non_answer, details, strict=True):
            funcs = all_functions[sent.index]
            if funcs["question"] or funcs["formula"]:
                continue
            if detail_sim >= self.detail_request_threshold and not any(funcs[k] for k in _DEED_FUNCTIONS):
                continue  # "Please provide your number by private message": a question back
            does_something = any(funcs[k] for k in _ANSWER_FUNCTIONS)
            if not does_something and (sim >= self.non_answer_threshold or not content_tokens(sent.clean)):
                continue
            out.append(sent)
        return out

    def _windows(
        self, candidates: list[Sentence], parsed: ParsedTranscript, block: Mapping[int, int] | None = None
    ) -> list[tuple[Sentence, ...]]:
        """For each candidate, it and the following candidates of the same agent reply.

        Consecutive agent turns with no customer turn between them are one reply.
        ``block``: :func:`_exchange_blocks` of ``parsed`` when the caller has it.
        """
        if block is None:
            block = _exchange_blocks(parsed)
        windows = []
        for i, sent in enumerate(candidates):
            win = [sent]
            for nxt in candidates[i + 1 : i + max(1, self.window)]:
                if block[nxt.index] != block[sent.index] or opens_new_point(nxt.span, self.lexicon_):
                    break
                win.append(nxt)
            windows.append(tuple(win))
        return windows

    def match(
        self, needs: list[Need], parsed: ParsedTranscript, candidates: list[Sentence] | None = None
    ) -> list[NeedOutcome]:
        """Best reply and status for each need, judged by the need–reply classifier.

        Every window of up to ``window`` consecutive candidate sentences after the need
        (in the same agent reply; answers may come turns later) is a candidate reply. Its
        probability of meeting the need comes from the classifier over
        :func:`~cxnlp.dimensions.replies.pair_features`: whether it gives an answer of the
        kind asked, whether it is about this customer's case, whether it is a question
        back, a promise or a general statement, and its similarity to the need. A window
        counts for a need only if it is about that need at least as much as about any
        other (within ``exclusivity_margin``): the answer to the second question is not
        also the answer to the first. ``candidates``: :meth:`answer_candidates` when None.
        """
        lex = self._lexicon()
        scorer = self._pair_scorer()
        if candidates is None:
            candidates = self.answer_candidates(parsed)
        closing = self.closing_sentences(needs, parsed)
        candidates = [s for s in candidates if s.index not in closing]
        block = _exchange_blocks(parsed)  # read once, not once per need
        windows = self._windows(candidates, parsed, block)
        functions = self.candidate_functions(candidates, parsed)
        asks = [ask_type([s.clean for s in need.sentences], need.kind, lex) for need in needs]
        rivals: dict[tuple[int, int], float] = {}  # a window's closest need, shared by all needs
        replies: dict[tuple[int, int], _Reply] = {}  # what a reply is and does, shared by all needs
        scored = []
        ask_of = {n.last_index: a for n, a in zip(needs, asks, strict=True)}
        for need, ask in zip(needs, asks, strict=True):
            options = self.reply_options(
                need, needs, windows, functions, parsed, rivals, ask_of, block, replies
            )
            probs = scorer.probability(
                [pair_features(ask, rel, funcs, self.adjacent_relevance) for _, rel, funcs in options]
            )
            # A general statement never meets a need about the customer's own case: at most
            # just short of partial credit, so the evidence says why it falls short.
            # So is one that sets out the cases without applying one to the customer's ("$75
            # for Silver members and $125 for Gold") when the need asks for a fact.
            cap = np.array(
                [
                    general_for_own_case(funcs)
                    or (ask in FACT_ASKS and funcs.get("cases_unapplied", 0.0) > 0)
                    for _, _, funcs in options
                ],
                dtype=bool,
            )
            probs = np.where(cap, np.minimum(probs, self.partial_probability * 0.99), probs)
            # A hedged answer ("It's probably the Wi-Fi", "It might be, I think") is a guess:
            # at most half the need's credit (partial), however well it fits the need.
            hedged = np.array([funcs.get("hedged", 0.0) > 0 for _, _, funcs in options], dtype=bool)
            half = (self.partial_probability + self.answer_probability) / 2
            probs = np.where(hedged, np.minimum(probs, half), probs)
            scored.append(sorted(zip(probs.tolist(), options, strict=True), key=lambda po: -po[0]))
        chosen = self._assign(needs, asks, scored, parsed)
        outcomes = []
        for need, ask, pick in zip(needs, asks, chosen, strict=True):
            if pick is None:
                used, rel, funcs, p = (), 0.0, dict.fromkeys(FUNCTIONS, 0.0), 0.0
            else:
                p, (used, rel, funcs) = pick
            if p >= self.answer_probability:
                status: Status = "answered"
            elif p >= self.partial_probability:
                status = "partial"
            else:
                status = "open"
            outcomes.append(NeedOutcome(need, status, rel, p, used, ask=ask, functions=funcs))
        return outcomes

    def _assign(
        self,
        needs: Sequence[Need],
        asks: Sequence[str],
        scored: Sequence[Sequence[_Scored]],
        parsed: ParsedTranscript,
    ) -> list[_Scored | None]:
        """Each need's best reply, an answer belonging to the need it was given to.

        Why: a reply that meets a need the customer raised in a later turn ("Could you take
        up the trousers too?" "I've added the hem, they'll be ready Friday") is that need's
        answer; it is no late answer to an earlier question or request ("Is my coat ready?")
        whose own reply answered nothing, unless it answers only the earlier need in kind
        or is at least as close in meaning to it as to the later need.
        A problem statement is exempt: the fix the customer's follow-up asked for fixes the
        problem too ("My flight's cancelled." "Is there another?" "Yes, I've booked you on
        the 2214"). Needs are settled from the last to the first, so a later need's answer
        is known when an earlier one looks for its own.
        """
        chosen: list[_Scored | None] = [None] * len(needs)
        for i in range(len(needs) - 1, -1, -1):
            need = needs[i]
            turn = need.sentences[-1].turn_index
            claims = [
                (j, asks[j], {s.index for s in pick[1][0]})
                for j in range(i + 1, len(needs))
                if (pick := chosen[j]) is not None
                and pick[0] >= self.answer_probability
                and needs[j].sentences[0].turn_index > turn
            ]
            for option in scored[i]:
                used, rel, funcs = option[1]
                if need.kind != "problem" and claims:
                    taken = [(j, ask) for j, ask, idx in claims if any(s.index in idx for s in used)]
                    if any(_continues_answer(used, idx) for _, _, idx in claims):
                        # "Could you take up the trousers?" "I've added the hem. It's £12 and
                        # they'll be ready on Friday.": the second sentence goes on with the
                        # answer to the trousers; it is no "no, Friday" to "Is my coat ready?".
                        continue
                    own_only = answers_in_kind(asks[i], funcs) and not any(
                        answers_in_kind(ask, funcs) for _, ask in taken
                    )
                    if taken and not own_only:
                        # Kind does not tell whose answer it is. The reply may serve both only
                        # when the later need has an answer of its own elsewhere and the
                        # reply is as close in meaning to this need ("I've booked you with
                        # Dr Haddad on Thursday. No, you don't need a referral": the booking
                        # is the appointment's, the "no" the referral question's).
                        indices = {s.index for s in used}
                        unit = self._window_vector(used, parsed)
                        shared = all(
                            any(
                                p >= self.answer_probability and indices.isdisjoint(s.index for s in u)
                                for p, (u, _, _) in scored[j]
                            )
                            and rel >= float((needs[j].vectors @ unit).max())
                            for j, _ in taken
                        )
                        if not shared:
                            continue
                chosen[i] = option
                break
        return chosen

    def closing_sentences(self, needs: Sequence[Need], parsed: ParsedTranscript) -> set[int]:
        """The agent's closing: its sentences after the customer's last turn, when that turn
        only thanks or takes leave (courtesy, no need) after an agent reply and the agent's
        turn has a courtesy formula ("You're welcome.", "Bye now."); after a bare
        acknowledgement ("Great."), only when the agent's turn ends with one.

        Why: the customer has accepted the replies as they were; what the agent adds while
        closing (the customer's name, next steps, anticipation, an offer of more help) is
        proactive connection, not a late answer to a need the replies left open. An answer
        after a hold ("Let me check." "Sure." "It was posted on Monday.") is no closing: the
        customer's "Sure." thanks no one and the agent's turn does not close.
        """
        customer = parsed.customer_sentences
        agent = parsed.agent_sentences
        if not customer or not agent:
            return set()
        last_turn = customer[-1].turn_index
        if agent[0].turn_index > last_turn or any(
            s.turn_index == last_turn for n in needs for s in n.sentences
        ):
            return set()
        closing = [s for s in agent if s.turn_index > last_turn]
        functions = self._agent_functions(parsed)
        if not any(functions[s.index]["formula"] for s in closing):
            return set()
        last = [s for s in customer if s.turn_index == last_turn]
        _, phrases = _MATCHERS.get(last[0].clean.doc.vocab, self.lexicon_)
        if not any(phrases(s.clean) for s in last) and not functions[closing[-1].index]["formula"]:
            # "It's LS6 2AB." or "Sure." thanks no one: an answer may follow, unless the agent
            # then takes leave ("Great." "... Bye.").
            return set()
        social = self._social.best(parsed.vectors_of(last))
        courteous = all(
            _is_trivial(s.clean, self.lexicon_)
            or sim >= self.social_threshold
            or _courtesy_with_praise(s.clean, phrases)
            for s, (_, sim) in zip(last, social, strict=True)
        )
        return {s.index for s in closing} if courteous else set()

    def _agent_functions(self, parsed: ParsedTranscript) -> dict[int, dict[str, float]]:
        """:func:`reply_functions` of every agent sentence, read once per transcript."""
        if self._memo is not None and self._memo[0] is parsed:
            return self._memo[1]
        lex = self._lexicon()
        functions = {s.index: reply_functions(s.clean, lex, said=s.span) for s in parsed.agent_sentences}
        self._memo = (parsed, functions)
        return functions

    def candidate_functions(
        self, candidates: Sequence[Sentence], parsed: ParsedTranscript
    ) -> dict[int, dict[str, float]]:
        """What each candidate sentence does: its text functions plus, from its embedding, how
        close it is to an acknowledgement, empathy, a vague promise or a deferral."""
        all_functions = self._agent_functions(parsed)
        out = {s.index: dict(all_functions[s.index]) for s in candidates}
        if candidates:
            vectors = parsed.vectors_of(candidates)
            deferral = self._deferral.best_per_label(vectors)
            sims = np.max(
                np.vstack(
                    [
                        [sim for _, sim in self._non_answer.best(vectors)],
                        [sim for _, sim in self._vague.best(vectors)],
                        deferral["details"],
                        deferral["redirect"],
                    ]
                ),
                axis=0,
            )
            for sent, sim in zip(candidates, sims, strict=True):
                out[sent.index]["non_answer_sim"] = float(sim)
        return out

    def reply_options(
        self,
        need: Need,
        needs: Sequence[Need],
        windows: Sequence[tuple[Sentence, ...]],
        functions: dict[int, dict[str, float]],
        parsed: ParsedTranscript,
        rivals: dict[tuple[int, int], float] | None = None,
        asks: Mapping[int, str] | None = None,
        block: Mapping[int, int] | None = None,
        replies: dict[tuple[int, int], _Reply] | None = None,
    ) -> list[tuple[tuple[Sentence, ...], float, dict[str, float]]]:
        """Every candidate reply to ``need``: (sentences, similarity, what they do).

        A reply is a window's first ``k`` sentences, after the need; it is left out when it
        is clearly more about another need (``exclusivity_margin``). With ``asks`` (each
        need's ask type by its ``last_index``), the reply right after a need that answers it
        in kind is always a candidate for it, however few words an elliptical follow-up
        ("Can you refund it?") shares with it and however close an earlier need's words
        are (that need may still count the same reply, when it is about it). ``block`` and
        ``replies`` carry what does not depend on the need from one need to the next
        (:meth:`match` shares them; each is computed here when None).
        """
        options = []
        frames = [f for f in (polar_frame(s.clean) for s in need.sentences) if f is not None]
        if block is None:
            block = _exchange_blocks(parsed)
        if replies is None:
            replies = {}
        asks = asks or {}
        own_case = float(about_own_case([s.clean for s in need.sentences]))
        # A follow-up ("you'll get an email confirming all of this") answers only a need
        # that asks for one; for any other it ends the reply (see _follows_up).
        wants_follow_up = asks_for_follow_up([s.clean for s in need.sentences], self._lexicon())
        need_past = float(asks_about_past([s.clean for s in need.sentences], self._lexicon()))
        wants_named = ASKS_FOR_CODES[asks_for([s.clean for s in need.sentences])]
        for win in windows:
            if win[0].index <= need.last_index:
                continue
            latest = max((n for n in needs if n.last_index < win[0].index), key=lambda n: n.last_index)
            # The reply right after the need, with no other need between (its relevance is
            # presumed when it answers in kind: see pair_features).
            adjacent = latest is need and block[win[0].index] == block[need.last_index]
            opens_with_answer = any(functions[win[0].index][f] for f in _ANSWER_FUNCTIONS)
            for k in range(1, len(win) + 1):
                if k > 1 and not opens_with_answer:
                    break  # a reply starts at its first answering sentence, not at "bear with me"
                last = functions[win[k - 1].index]
                if (last["follow_up"] and not wants_follow_up) or last["anticipates"]:
                    # "When will it be fixed?" "I'll look at this again on Monday", "You may
                    # also want to set up alerts": a next step or the next need, no answer.
                    break
                used = win[:k]
                key = (used[0].index, k)
                reply = replies.get(key)
                if reply is None:
                    reply = replies[key] = self._read_reply(used, functions, parsed)
                unit = reply.unit
                rel = float((need.vectors @ unit).max())
                funcs = dict(reply.functions)
                funcs["adjacent"] = float(adjacent)
                funcs["own_case"] = own_case
                funcs["need_past"] = need_past
                funcs["asks_for"] = wants_named
                funcs.update(reply.novelty)
                funcs.update(
                    pair_readings([s.clean for s in need.sentences], [s.clean for s in used], self._lexicon())
                )
                own_ask = asks.get(need.last_index)
                presumed = adjacent and own_ask is not None and answers_in_kind(own_ask, funcs)
                if not presumed and not self._exclusive(need, needs, used, unit, rel, rivals, funcs, asks):
                    continue
                if frames and not funcs["yes_no"]:
                    funcs["yes_no"] = float(any(echoes_polar(f, s.clean) for f in frames for s in used))
                if own_ask == "polar" and not funcs["yes_no"]:
                    funcs["yes_no"] = float(
                        implies_yes_no(
                            [s.clean for s in need.sentences], [s.clean for s in used], funcs, self._lexicon()
                        )
                    )
                if reply.style is None:
                    reply.style = self._pair_scorer().reply_style(unit)
                funcs["reply_style"] = reply.style
                options.append((used, rel, funcs))
        return options

    def _read_reply(
        self, used: tuple[Sentence, ...], functions: dict[int, dict[str, float]], parsed: ParsedTranscript
    ) -> _Reply:
        """What a reply window is and does whatever the need (its unit vector, functions and
        novel facts): read once per window, not once per need."""
        nxt = used[-1].index + 1  # the sentence after the window, if in the same turn
        after = (
            functions.get(nxt)
            if nxt < len(parsed.sentences) and parsed.sentences[nxt].turn_index == used[-1].turn_index
            else None
        )
        return _Reply(
            self._window_vector(used, parsed),
            window_functions([functions[s.index] for s in used], after),
            self._novelty(used, parsed),
        )

    def _exclusive(
        self,
        need: Need,
        needs: Sequence[Need],
        used: tuple[Sentence, ...],
        unit: np.ndarray,
        rel: float,
        rivals: dict[tuple[int, int], float] | None,
        funcs: Mapping[str, float] | None = None,
        asks: Mapping[int, str] | None = None,
    ) -> bool:
        """Is the reply about ``need`` at least as much as about any other need (within
        ``exclusivity_margin``), and, after a later need, more about this one than that?

        With what the reply does (``funcs``) and each need's ask type (``asks``, by
        ``last_index``), kind decides before words do after a later need: a reply that
        answers this need in kind counts for it too ("My flight's cancelled." "Is there
        another one?" "Yes, I've booked you on the 2214" settles both), and one that
        answers only the later need in kind is that need's, however many words it shares
        with this one ("Is he due for his booster?" "Can you book him in?" "I've booked
        him in for Tuesday")."""
        key = (used[0].index, len(used))
        if rivals is None or key not in rivals:
            # Only needs voiced before the reply are its rivals: a reply cannot be about
            # what the customer says after it ("It is really the 4.6 version's fault" after
            # "You have to upgrade it to 4.7" takes nothing from the earlier need).
            rival = max(float((n.vectors @ unit).max()) for n in needs if n.last_index < used[0].index)
            if rivals is not None:
                rivals[key] = rival
        else:
            rival = rivals[key]
        if rel < rival - self.exclusivity_margin:
            return False
        # A reply after a later need answers that need unless it is more about this one.
        between = [n for n in needs if need.last_index < n.last_index < used[0].index]
        if not between:
            return True
        turn = need.sentences[-1].turn_index
        # Needs the customer raised in a later turn, before the reply: the reply was given to
        # them first. How close the reply is to the closest of them, in meaning.
        raised_later = [n for n in between if n.sentences[0].turn_index > turn]
        about_later = max((float((n.vectors @ unit).max()) for n in raised_later), default=-1.0)
        if raised_later and funcs is not None and not funcs.get("content_words", 1.0):
            # "Yes.", "Done.": a reply with no content word answers the need it follows, by
            # adjacency alone; after a later need it is no late answer to an earlier one.
            return False
        if funcs is not None and asks:
            own_ask = asks.get(need.last_index)
            answers_own = own_ask is not None and answers_in_kind(own_ask, funcs)
            later = [
                n for n in between if n.last_index in asks and answers_in_kind(asks[n.last_index], funcs)
            ]
            if own_ask == "polar" and any(n.sentences[0].turn_index > turn for n in later):
                # It answers the later need in kind: an action taken on it says neither yes nor
                # no to this question ("Is he due for his booster?" "Can I bring him in?" "I've
                # booked him in for Thursday" answers the second only); a "yes" or "no" still
                # may ("My flight's cancelled." "Is there another?" "Yes, I've booked you").
                # Needs voiced in the same turn are asked together and may share one reply.
                return answers_in_kind(own_ask, {**funcs, "action_done": 0.0}) and rel >= about_later
            if answers_own:
                # Kind alone does not give a reply to an earlier need once the customer has
                # moved on: "What time will they turn up?" ... "Will we have water?" "The water
                # goes off on Monday morning for two hours" holds a time, but it is about the
                # water. It must be about this need at least as much as about the later one.
                return need.kind == "problem" or rel >= about_later
            if later:
                return False
        return rel >= max(float((n.vectors @ unit).max()) for n in between)

    def _novelty(self, used: tuple[Sentence, ...], parsed: ParsedTranscript) -> dict[str, float]:
        """How many of a reply's times, amounts and other facts the customer had not said
        before it: the echo of the customer's own details answers nothing."""
        said = frozenset().union(
            *(self._facts(s, parsed) for s in parsed.customer_sentences if s.index < used[0].index)
        )
        new = frozenset().union(*(self._facts(s, parsed) for s in used)) - said
        return {
            "novel_time": float(sum(kind == "time" for kind, _ in new)),
            "novel_amount": float(sum(kind == "amount" for kind, _ in new)),
            "novel_info": float(len(new)),
        }

    def _facts(self, sent: Sentence, parsed: ParsedTranscript) -> frozenset[tuple[str, str]]:
        """:func:`fact_tokens` of a sentence of ``parsed``, read once per transcript and only
        for the sentences a reply's novelty looks at."""
        if self._facts_memo is None or self._facts_memo[0] is not parsed:
            self._facts_memo = (parsed, {})
        facts = self._facts_memo[1]
        found = facts.get(sent.index)
        if found is None:
            found = facts[sent.index] = fact_tokens(sent.clean, self._lexicon())
        return found

    @staticmethod
    def _window_vector(used: tuple[Sentence, ...], parsed: ParsedTranscript) -> np.ndarray:
        """The unit-length sum of a reply window's sentence embeddings (zeros when empty)."""
        vec = parsed.vectors_of(used).sum(axis=0)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    # -- step 3: beyond --------------------------------------------------------------
    def beyond(
        self, outcomes: list[NeedOutcome], parsed: ParsedTranscript, candidates: list[Sentence] | None = None
    ) -> list[tuple[Sentence, float]]:
        """Informative on-topic agent statements that are part of no answer (among
        ``candidates``, :meth:`answer_candidates` when None)."""
        if not outcomes:
            return []
        used = {s.index for o in outcomes for s in o.answer}
        need_idx = [s.index for o in outcomes for s in o.need.sentences]
        first_need = min(need_idx)
        need_vecs = np.vstack([o.need.vectors for o in outcomes])
        out = []
        for sent in self.answer_candidates(parsed) if candidates is None else candidates:
            if sent.index in used or sent.index < first_need:
                continue
            if informativeness(sent.clean, self.lexicon_, self._lexicon()) < self.informative_threshold:
                continue
            vec = parsed.vectors[sent.index]
            if float(self._vague.best(vec[None, :])[0][1]) >= self.vague_threshold:
                continue
            topic = float((need_vecs @ vec).max())
            if topic >= self.beyond_threshold:
                out.append((sent, topic))
        return out

    # -- outcome signals -------------------------------------------------------------
    def outcome_features(self, parsed: ParsedTranscript) -> dict[str, float]:
        """Signals of how the contact ended, for calibration (they do not move the score).

        Why: human raters of satisfaction and task accomplishment judge the outcome,
        which the customer's last words and the agent's deferrals reveal more directly
        than the agent's answers do.
        """
        first_reply = next((s.turn_index for s in parsed.agent_sentences), None)
        later = [
            s for s in parsed.customer_sentences if first_reply is not None and s.turn_index > first_reply
        ]
        last_turn = [s for s in later if s.turn_index == later[-1].turn_index] if later else []
        closing = self._closing.best_per_label(parsed.vectors_of(last_turn))
        customer = parsed.customer_sentences
        first_turn = [s for s in customer if s.turn_index == customer[0].turn_index]
        opening = self._closing.best_per_label(parsed.vectors_of(first_turn))
        agent = parsed.agent_sentences
        deferral = self._deferral.best_per_label(parsed.vectors_of(agent))
        return {
            "customer_confirmed_resolution": _max_or_zero(closing["resolved"]),
            "customer_still_complaining": _max_or_zero(closing["complaint"]),
            "customer_opening_complaint": _max_or_zero(opening["complaint"]),
            "customer_turns_after_reply": float(len({s.turn_index for s in later})),
            "customer_words": float(sum(_n_words(s.span) for s in parsed.customer_sentences)),
            "customer_exclamations": float(
                sum(
                    t.text.count("!") + t.text.count("！")
                    for t in parsed.transcript.turns
                    if t.speaker == "customer"
                )
            ),
            "agent_questions": float(sum(is_question(s.span) for s in agent)),
            "agent_asks_for_details": _max_or_zero(deferral["details"]),
            "agent_redirects": _max_or_zero(deferral["redirect"]),
        }

    # -- score -----------------------------------------------------------------------
    def score(self, parsed: ParsedTranscript) -> DimensionResult:
        needs = self.find_needs(parsed)
        outcome = self.outcome_features(parsed)
        if not needs:
            result = _no_need_result(self.name, parsed)
            return DimensionResult(result.name, result.score, result.evidence, {**result.features, **outcome})
        candidates = self.answer_candidates(parsed)  # read once for answers and extras
        outcomes = self.match(needs, parsed, candidates)
        extras = self.beyond(outcomes, parsed, candidates)
        self._memo = None
        self._facts_memo = None
        per_need = 100.0 / len(outcomes)
        evidence = [self._need_evidence(o, per_need * self.credit(o.probability)) for o in outcomes]
        total = sum(e.weight for e in evidence)
        n = len(outcomes)
        counts = {s: sum(o.status == s for o in outcomes) for s in ("answered", "partial", "open")}
        features = {
            "n_needs": float(n),
            "answered_share": counts["answered"] / n,
            "partial_share": counts["partial"] / n,
            "open_share": counts["open"] / n,
            "met_probability": float(np.mean([o.probability for o in outcomes])),
            "min_met_probability": float(min(o.probability for o in outcomes)),
            "mean_answer_similarity": float(np.mean([o.relevance for o in outcomes])),
            "beyond_count": float(len(extras)),
            "question_share": sum(o.need.kind == "question" for o in outcomes) / n,
            "problem_share": sum(o.need.kind == "problem" for o in outcomes) / n,
            **outcome,
        }
        return DimensionResult(self.name, clip_score(total), tuple(evidence), features)

    def _need_evidence(self, outcome: NeedOutcome, points: float) -> Evidence:
        """One evidence item per need: the reply that met it, or why none did."""
        need = outcome.need
        asks = f"{need.kind}, asks for {ASK_WANTS[outcome.ask]}"
        p = f"P(met) {outcome.probability:.2f}"
        if outcome.answer:
            reply = " ".join(s.text for s in outcome.answer)
            where = f"turn {outcome.answer[0].turn_index}"
            if outcome.status == "answered":
                detail = f"{asks}; met by {where} ({p}): {reply!r}"
            else:
                reason = why_not(outcome.ask, outcome.functions)
                detail = f"{asks}; best reply {where} falls short, {reason} ({p}): {reply!r}"
        else:
            detail = f"{asks}; no agent sentence after it could answer it"
        return Evidence(
            dimension=self.name,
            kind=outcome.status,
            turn_index=need.sentences[0].turn_index,
            sentence=need.text,
            detail=detail,
            weight=points,
            span=None,
        )


def _courtesy_with_praise(span: Span, phrases: Callable[[Span], Sequence[tuple[int, int, int]]]) -> bool:
    """A thank-you or goodbye (a social phrase) with at most one content word beside it
    ("Brilliant, cheers.", "Lovely, thanks so much."): courtesy, though the praise word
    keeps the sentence from being trivial. ``phrases``: the social phrase matcher."""
    found = phrases(span)
    if not found:
        return False
    covered = _covered(found)
    return sum(t.i not in covered for t in content_tokens(span)) <= 1


def _continues_answer(used: Sequence[Sentence], claimed: set[int]) -> bool:
    """Are a reply's sentences the later part of an answer another need claimed: all of them
    in that answer, which begins before them? They go on with that answer."""
    indices = [s.index for s in used]
    return bool(claimed) and claimed.issuperset(indices) and min(claimed) < indices[0]


def _first_word(span: Span) -> str:
    """The sentence's first word, lower-cased ("" when it has none)."""
    return next((t.lower_ for t in span if t.is_alpha), "")


def _continues_clause(span: Span) -> bool:
    """Does the sentence open with a joining word ("But I paid on time.")?"""
    return _first_word(span) in _CLAUSE_JOINERS


def _opens_with_pronoun(span: Span) -> bool:
    """Does the sentence open on what was just said ("It just stopped opening.")?"""
    return _first_word(span) in ("it", "this", "that", "they", "these", "those")


def _is_reask(need: Need, earlier: Need) -> bool:
    """Is ``need`` a short elliptical follow-up ("And the roaming?", "Any news on the
    refund?") that asks again for an earlier need in another turn?

    It has no verb and no question word of its own ("what about" aside), and every
    content word it has was in the earlier need.
    """
    if need.sentences[0].turn_index == earlier.sentences[-1].turn_index:
        return False
    span = need.sentences[0].clean
    if len(need.sentences) > 1 or not is_question(span):
        return False
    words = [t for t in span if t.is_alpha]
    lowers = [t.lower_ for t in words]
    about = len(lowers) > 1 and lowers[1] == "about"
    if any(t.pos_ == "VERB" for t in words) or any(t.tag_ in _WH_TAGS for t in words[1 if about else 0 :]):
        return False
    own = content_tokens(span)
    before = {
        w for s in earlier.sentences for t in content_tokens(s.clean) for w in (t.lemma_.lower(), t.lower_)
    }
    # "roaming" said as a verb ("get roaming turned on") is the same word as the noun.
    return 0 < len(own) <= 2 and all(t.lemma_.lower() in before or t.lower_ in before for t in own)


def _is_pushback(need: Need, earlier: Need) -> bool:
    """Is ``need`` the customer pushing back on the agent's last reply ("That doesn't answer
    my question.", "So is that a no?", "Is that right?") rather than a new need?

    One short sentence (at most three content words) in a later turn than ``earlier``,
    a yes/no question or a statement (no question word, no request) about "that" or "this":
    what the agent just said. The need it pushes on is still open; a reply to the pushback
    is a reply to that need.
    """
    if len(need.sentences) > 1 or need.kind == "request":
        return False
    if need.sentences[0].turn_index == earlier.sentences[-1].turn_index:
        return False
    span = need.sentences[0].clean
    if opens_new_point(span):
        return False  # "Also, is that the full amount I paid?" raises a point of its own
    words = [t for t in span if t.is_alpha]
    if not any(t.lower_ in ("that", "this", "that's") for t in words[:4]):
        return False
    # "that" tagged as a relative wh-word ("Sorry, that doesn't answer my question") asks nothing.
    if any(t.tag_ in _WH_TAGS and t.lower_ != "that" for t in words):
        return False
    return len(content_tokens(span)) <= 3


def _without_reasks(needs: list[Need]) -> list[Need]:
    """Needs less the follow-ups that only ask again for an earlier one, or push back on the
    reply to it: the answer after the follow-up then meets the earlier need, which is the
    one the customer still has."""
    kept: list[Need] = []
    for need in needs:
        if not any(_is_reask(need, earlier) for earlier in kept) and not (
            kept and _is_pushback(need, kept[-1])
        ):
            kept.append(need)
    return kept


def _refers_back(span: Span) -> bool:
    """A short need that points back at what came before ("Can you fix it?", "Why is that?")."""
    pronoun = any(t.lower_ in ("it", "this", "that", "them", "these", "those") for t in span)
    return pronoun and len(content_tokens(span)) <= 3


def _max_or_zero(values: np.ndarray) -> float:
    """Largest value, 0.0 for none (no such sentence: no signal)."""
    return float(np.max(values)) if len(values) else 0.0


def _n_words(span: Span) -> int:
    return sum(1 for t in span if not (t.is_punct or t.is_space))


def _no_need_result(name: str, parsed: ParsedTranscript) -> DimensionResult:
    first = parsed.customer_sentences[0] if parsed.customer_sentences else None
    detail = (
        "the customer voiced no question, request or problem"
        if first is not None
        else "the transcript has no customer sentence"
    )
    evidence = (
        Evidence(
            dimension=name,
            kind="no_need",
            turn_index=first.turn_index if first is not None else 0,
            sentence=first.text if first is not None else "",
            detail=detail,
        ),
    )
    features = {
        "n_needs": 0.0,
        "answered_share": 0.0,
        "partial_share": 0.0,
        "open_share": 0.0,
        "met_probability": 0.0,
        "min_met_probability": 0.0,
        "mean_answer_similarity": 0.0,
        "beyond_count": 0.0,
        "question_share": 0.0,
        "problem_share": 0.0,
    }
    return DimensionResult(name, math.nan, evidence, features)

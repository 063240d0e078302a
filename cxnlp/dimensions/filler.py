"""Filler content: the share of the agent's words that serve no purpose (lower is better).

Score = ``100 * flagged agent words / agent words``, where a *word* is a token that is
neither punctuation nor space, and NaN when the agent says nothing. Each agent token
carries one mask entry, so a word flagged by several detectors counts once; the first
detector to claim it (in the order below) names its kind, which keeps the per-kind
shares adding up to the score.

Detectors
---------
``filler_word``
    Hesitations and hedges found by a spaCy ``Matcher`` with part-of-speech and context
    conditions (:func:`filler_word_patterns`; the words are those of
    ``cxnlp/resources/filler_words.yaml``): *um, uh, erm, hmm*; *like* only when tagged
    as an interjection or set off by commas (never the verb in "would you like", nor the
    preposition in "a plan like this one"); *you know* only between punctuation
    (not "do you know", "let you know"); *I mean* followed by a pause; *basically,
    actually, literally, honestly* as adverbs; *kind of / sort of* as hedges before an
    adjective, adverb or verb (not "what kind of plan"). Discourse markers by position and
    part of speech (:func:`discourse_marker_flags`): *yeah, okay, right...* except as the
    first word of the agent's turn (an answer or acknowledgement) or a check ("okay?");
    *so, well* opening a sentence before a pause or another marker (never *so* as a
    connector inside a sentence, nor *well* as an adverb); *just* as a softener of the
    agent's own action ("let me just check"), never meaning "only" or "a moment ago".
``boilerplate``
    Padding phrases ("as I said before", "I just wanted to let you know that", "your
    call is important to us", a doubled "bear with me") from
    :data:`BOILERPLATE_PATTERNS` and the stock padding phrases of the lexicon ("at the end
    of the day"), plus whole sentences whose meaning is close to
    ``boilerplate_prototypes`` and clearly closer to them than to
    ``purposeful_prototypes`` (both in ``cxnlp/resources/filler_lexicon.yaml``).
``small_talk``
    Whole agent sentences close to ``small_talk_prototypes`` (weather, weekends,
    sport, anecdotes, grumbling about the agent's own systems or colleagues), clearly
    closer to them than to purposeful agent speech (greetings, information-gathering
    questions, empathy, explanations), and *not* close to anything the customer said:
    chat about a storm is relevant when the storm cut the customer's line. Laughter
    tokens (*haha, lol*) count too.
``repetition``
    The first copy of words said twice in a row, a stutter or false start ("the lab, the
    lab signed", "they'll be, um, they'll be": :func:`restart_flags`); and an agent
    sentence of at least ``min_repeat_words`` words whose embedding is within
    ``repeat_threshold`` cosine of an earlier agent sentence of the same call; the first
    occurrence is fine. A restatement with a purpose is no repeat: a recap or summary
    announced as one ("so just to recap: ...", ``recap_phrases`` in the lexicon), a
    sentence that adds a detail the earlier one lacks (a number, a name, a date: reading
    back the customer's next detail, or a summary joining two earlier statements), a
    repeat the customer asked for (in the agent's turn right after a customer's question, of
    something said before it, when the question asks to hear it again, "sorry, what did you
    say?", ``repeat_requests`` in the lexicon, or asks about what is repeated: a noun both
    name, or cosine at least ``relevance_threshold``; a question on another matter excuses
    nothing), and the closing
    courtesy that echoes the greeting ("Thank you for chatting with Acme." after "Welcome to
    Acme chat."): the last agent turn's sentences are not repeats of the agent's opening turn
    (when the agent opens the call).

Small talk is judged against the customer's words: chat that echoes them is on topic,
unless the agent is talking about themself ("I went to Lisbon years ago") rather than the
customer; a short sentence beside small talk in the same turn ("What a finish!") is part of
it. :meth:`FillerContent.small_talk_sentences` gives those sentences to
proactive_connection, which finds no act in them (small talk is not empathy).

Features (percent of agent words, except ``agent_words``)
---------------------------------------------------------
``agent_words``, ``filler_word_share``, ``small_talk_share``, ``repetition_share``,
``boilerplate_share``. The four shares add up to the score.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cxnlp.dimensions.base import Dimension, PrototypeSet, clip_score, register_dimension
from cxnlp.fillers import filler_vocabulary
from cxnlp.lexicon import Lexicon, LexiconSpec, default_lexicon, lexicon_at
from cxnlp.model import DimensionResult, Evidence
from cxnlp.nlp import span_words
from cxnlp.text_location import ASCII_APOSTROPHES

if TYPE_CHECKING:  # pragma: no cover
    from spacy.matcher import Matcher
    from spacy.tokens import Span, Token
    from spacy.vocab import Vocab

    from cxnlp.nlp import ParsedTranscript, Sentence, SentenceEncoder

logger = logging.getLogger(__name__)

#: Kinds in priority order: the first to claim a word names it.
KINDS: tuple[str, ...] = ("filler_word", "boilerplate", "small_talk", "repetition")

_PUNCT = {"IS_PUNCT": True}
_NOT_DETERMINER = {"TAG": {"NOT_IN": ["DT", "WDT", "WP", "WP$", "PDT", "PRP$", "JJ", "JJR", "JJS", "CD"]}}
_HEDGE_NEXT = {"POS": {"IN": ["ADJ", "ADV", "VERB", "AUX", "PART"]}}

Rule = tuple[str, str, list[dict[str, Any]], tuple[bool, ...]]


def filler_word_patterns() -> tuple[Rule, ...]:
    """``(label, kind, token pattern, flags)`` of the filler-word rules: ``flags[i]`` says
    whether the token matched by pattern element ``i`` is filler (the others are context,
    e.g. the commas around a discourse *like*). Matched with ``with_alignments=True``.

    The words come from ``cxnlp/resources/filler_words.yaml`` (:mod:`cxnlp.fillers`), the
    one definition of filler; the hesitation pattern also catches drawn-out spellings.
    """
    words = filler_vocabulary().words
    return (
        (
            "hesitation",
            "filler_word",
            [{"LOWER": {"REGEX": r"^(u+[mh]+|e+r+m+|e+r+|h+m+|m{2,}|a+h+m+)$"}}],
            (True,),
        ),
        ("hesitation_word", "filler_word", [{"LOWER": {"IN": sorted(words["hesitations"])}}], (True,)),
        *_CONTEXT_PATTERNS,
        (
            "hedge_adverb",
            "filler_word",
            [{"LOWER": {"IN": sorted(words["hedge_adverbs"])}, "POS": "ADV"}],
            (True,),
        ),
        ("hedge_kinda", "filler_word", [{"LOWER": {"IN": sorted(words["hedges"])}}], (True,)),
        *_HEDGE_PATTERNS,
        *_discourse_patterns(words),
    )


def _discourse_patterns(words: Mapping[str, frozenset[str]]) -> tuple[Rule, ...]:
    """Softeners and stacked discourse phrases (words from ``filler_words.yaml``).

    *just* after a first-person subject and before a verb, a hesitation between them allowed
    ("let me just, um, pull up", "I'll just take"), or opening a sentence before an -ing verb
    ("Just checking"); "I've just applied" (a moment ago), "it's just the fee" and "you just
    need" (only) do not match. *you know* / *I mean* next to a hesitation or an answer token
    ("right i mean it", "um you know") where speech-recogniser text has no commas.
    """
    softeners = sorted(words["softeners"])
    pause = {"LOWER": {"IN": sorted(words["hesitations"])}, "OP": "*"}
    comma = {"IS_PUNCT": True, "OP": "*"}
    verb = {"TAG": {"IN": ["VB", "VBP", "VBG"]}}
    stack = {"LOWER": {"IN": sorted(words["hesitations"] | words["response_tokens"] | {"well"})}}
    phrases = ({"LOWER": "you"}, {"LOWER": "know"}), ({"LOWER": "i"}, {"LOWER": "mean"})
    return (
        (
            "softener",
            "filler_word",
            [
                {"LOWER": {"IN": sorted(words["softener_subjects"])}},
                {"LOWER": {"IN": softeners}},
                comma,
                pause,
                comma,
                verb,
            ],
            (False, True, False, False, False, False),
        ),
        (
            "softener_opening",
            "filler_word",
            [{"LOWER": {"IN": softeners}, "IS_SENT_START": True}, {"TAG": "VBG"}],
            (True, False),
        ),
        *(
            (f"{a['LOWER']}_{b['LOWER']}_{where}", "filler_word", pattern, flags)
            for a, b in phrases
            for where, pattern, flags in (
                ("after_marker", [stack, a, b], (False, True, True)),
                (
                    "before_hesitation",
                    [a, b, {"LOWER": {"IN": sorted(words["hesitations"])}}],
                    (True, True, False),
                ),
            )
        ),
    )


def discourse_marker_flags(span: Span, words: Mapping[str, frozenset[str]] | None = None) -> set[int]:
    """Doc token indices of the discourse markers used as filler in ``span`` (one sentence
    of a turn's doc), judged by position and part of speech, never as a blanket word list.

    - an answer token (``response_tokens``: yeah, okay, right...) is filler as an interjection
      or sentence opener, except as the first word of the turn (only hesitations before it: an
      answer to a yes/no question, or an acknowledgement) and as a check ("okay?");
      "is that okay" and "right away" are adjectives and adverbs, not openers;
    - a pause marker (``pause_markers``: so, well) is filler where it opens the sentence (only
      markers and punctuation before it) and a pause, a hesitation or another marker follows
      ("So, um, the fee", "so yeah"), or where it trails at the end ("..., so."); *well* also
      as an interjection anywhere ("and, well, breakfast"). Inside a sentence *so* is a
      connector ("..., so the refund goes out today"), whatever follows it.

    The turn is the span's doc (the parse gives each turn its own doc).
    """
    words = words or filler_vocabulary().words
    answers, pauses = words["response_tokens"], words["pause_markers"]
    hesitation = words["hesitations"]
    markers = hesitation | answers | pauses | words["hedge_adverbs"] | words["hedges"] | {"like"}
    doc = span.doc
    tokens = [t for t in span if not t.is_space]
    lowers = [t.lower_ for t in tokens]
    opening = True  # only markers and punctuation so far in this sentence
    turn_first = all(t.is_punct or t.is_space or t.lower_ in hesitation for t in doc[: span.start])
    flagged: set[int] = set()
    for k, token in enumerate(tokens):
        lower = lowers[k]
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        pause_after = nxt is None or nxt.is_punct or lowers[k + 1] in markers
        if lower in answers:
            interjection = token.pos_ == "INTJ" or opening
            if interjection and not turn_first and not (nxt is not None and nxt.text == "?"):
                flagged.add(token.i)
        elif lower in pauses:
            trailing = (
                k > 0
                and (tokens[k - 1].is_punct or lowers[k - 1] in markers)
                and all(t.is_punct or t.lower_ in markers for t in tokens[k + 1 :])
            )
            if (opening and pause_after) or trailing or (lower == "well" and token.pos_ == "INTJ"):
                flagged.add(token.i)
        if not (token.is_punct or lower in markers):
            opening = False
            turn_first = False
        elif lower not in hesitation and not token.is_punct:
            turn_first = False
    return flagged


#: Filler words that are filler only in context: a discourse *like*, *you know*, *I mean*.
_CONTEXT_PATTERNS: tuple[Rule, ...] = (
    ("like_interjection", "filler_word", [{"LOWER": "like", "TAG": "UH"}], (True,)),
    (
        "like_between_commas",
        "filler_word",
        [{"ORTH": ","}, {"LOWER": "like", "POS": {"NOT_IN": ["VERB"]}}, {"ORTH": ","}],
        (False, True, False),
    ),
    (
        "like_sentence_start",
        "filler_word",
        [{"LOWER": "like", "IS_SENT_START": True}, {"ORTH": ","}],
        (True, False),
    ),
    (
        "you_know_tag",
        "filler_word",
        [_PUNCT, {"LOWER": "you"}, {"LOWER": "know"}, _PUNCT],
        (False, True, True, False),
    ),
    (
        "you_know_opening",
        "filler_word",
        [{"LOWER": "you", "IS_SENT_START": True}, {"LOWER": "know"}, {"ORTH": ","}],
        (True, True, False),
    ),
    (
        "i_mean_opening",
        "filler_word",
        [{"LOWER": "i", "IS_SENT_START": True}, {"LOWER": "mean"}, _PUNCT],
        (True, True, False),
    ),
    (
        "i_mean_tag",
        "filler_word",
        [_PUNCT, {"LOWER": "i"}, {"LOWER": "mean"}, _PUNCT],
        (False, True, True, False),
    ),
)
#: Hedging phrases and laughter.
_HEDGE_PATTERNS: tuple[Rule, ...] = (
    (
        "hedge_kind_of",
        "filler_word",
        [_NOT_DETERMINER, {"LOWER": {"IN": ["kind", "sort"]}}, {"LOWER": "of"}, _HEDGE_NEXT],
        (False, True, True, False),
    ),
    (
        "hedge_kind_of_opening",
        "filler_word",
        [{"LOWER": {"IN": ["kind", "sort"]}, "IS_SENT_START": True}, {"LOWER": "of"}, _HEDGE_NEXT],
        (True, True, False),
    ),
    (
        "to_be_honest",
        "filler_word",
        [{"LOWER": "to"}, {"LOWER": "be"}, {"LOWER": "honest"}],
        (True, True, True),
    ),
    (
        "laughter",
        "small_talk",
        [{"LOWER": {"REGEX": r"^((ha){2,}h?|(he){2,}h?|lol+|lmao|rofl)$"}}],
        (True,),
    ),
)

_SAID = {"LOWER": {"IN": ["said", "mentioned", "stated", "explained", "told"]}}
_WHEN = {"LOWER": {"IN": ["before", "earlier", "previously", "already", "above"]}, "OP": "?"}

#: Padding phrases, same layout as :func:`filler_word_patterns`.
BOILERPLATE_PATTERNS: tuple[Rule, ...] = (
    (
        "as_i_said",
        "boilerplate",
        [
            {"LOWER": {"IN": ["as", "like"]}},
            {"LOWER": {"IN": ["i", "we"]}},
            {"LOWER": {"IN": ["'ve", "\u2019ve", "have"]}, "OP": "?"},
            _SAID,
            {"LOWER": "you", "OP": "?"},
            _WHEN,
        ],
        (True, True, True, True, True, True),
    ),
    (
        "i_want_to_let_you_know",
        "boilerplate",
        [
            {"LOWER": "i"},
            {"LOWER": "just", "OP": "?"},
            {"LOWER": {"IN": ["want", "wanted", "wanna", "would", "'d", "\u2019d"]}},
            {"LOWER": {"IN": ["like", "to"]}, "OP": "*"},
            {"LOWER": {"IN": ["let", "say", "inform", "mention", "tell", "advise"]}},
            {"LOWER": "you", "OP": "?"},
            {"LOWER": "know", "OP": "?"},
            {"LOWER": "that", "OP": "?"},
        ],
        (True, True, True, True, True, True, True, True),
    ),
    (
        "just_to_let_you_know",
        "boilerplate",
        [
            {"LOWER": "just"},
            {"LOWER": "to"},
            {"LOWER": "let"},
            {"LOWER": "you"},
            {"LOWER": "know"},
            {"LOWER": "that", "OP": "?"},
        ],
        (True, True, True, True, True, True),
    ),
    (
        "call_is_important",
        "boilerplate",
        [
            {"LOWER": "your"},
            {"LOWER": {"IN": ["call", "business", "custom"]}},
            {"LEMMA": "be"},
            {"LOWER": {"IN": ["very", "really", "extremely"]}, "OP": "?"},
            {"LOWER": {"IN": ["important", "valuable"]}},
            {"LOWER": "to"},
            {"LOWER": "us"},
        ],
        (True, True, True, True, True, True, True),
    ),
    (
        "doubled_bear_with_me",
        "boilerplate",
        [
            {"LOWER": "bear"},
            {"LOWER": "with"},
            {"LOWER": "me"},
            {"IS_PUNCT": True, "OP": "?"},
            {"LOWER": "bear"},
            {"LOWER": "with"},
            {"LOWER": "me"},
        ],
        (False, False, False, False, True, True, True),
    ),
)

#: The prototype sentences and stock padding phrases of
#: ``cxnlp/resources/filler_lexicon.yaml`` (what each is for is said there); a deployment
#: passes its own copy as ``FillerContent(filler_lexicon=PATH)``.
LEXICON = LexiconSpec(
    resource="filler_lexicon.yaml",
    version=3,
    parameter="FillerContent(filler_lexicon=PATH)",
    fields={
        "small_talk_prototypes": "sentences",
        "boilerplate_prototypes": "sentences",
        "purposeful_prototypes": "sentences",
        "stock_padding_phrases": "phrases",
        "recap_phrases": "phrases",
        "repeat_requests": "phrases",
    },
    added_in={2: ("recap_phrases",), 3: ("repeat_requests",)},
)

_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself"})
_CURRENCY = frozenset({"$", "€", "£", "¥", "%"})


def default_filler_lexicon() -> Lexicon:
    """The packaged ``filler_lexicon.yaml``, read once per process."""
    return default_lexicon(LEXICON)


def stock_padding_patterns(lex: Lexicon) -> tuple[Rule, ...]:
    """One boilerplate rule per stock padding phrase of ``lex`` (a typographic apostrophe
    matches too), same layout as :func:`filler_word_patterns`."""
    return tuple(
        (
            "stock_" + "_".join(w.strip("'") for w in words),
            "boilerplate",
            [{"LOWER": {"IN": [w, w.replace("'", "\u2019")]}} for w in words],
            (True,) * len(words),
        )
        for words in lex.phrases["stock_padding_phrases"]
    )


def about_the_agent(span: Span) -> bool:
    """The agent talks about themself ("I went there years ago", "my old car did that"),
    not about the customer: first person singular and no "you"."""
    lowers = {t.lower_ for t in span}
    return bool(lowers & _FIRST_PERSON) and not lowers & _SECOND_PERSON


def topic_nouns(span: Span) -> frozenset[str]:
    """Lemmas of the nouns and proper nouns of a sentence (lower-cased, no stop words)."""
    return frozenset(t.lemma_.lower() for t in span if t.pos_ in ("NOUN", "PROPN") and not t.is_stop)


def takes_up_the_customer(sentence: Sentence, customer: Sequence[Sentence]) -> bool:
    """Whether an agent sentence names a thing (a noun) the customer named before it: "Is
    the bait safe with a cat in the house?" - "Yes, it's in boxes a cat can't open." is the
    answer, however close "cat" puts it to the small-talk prototypes, and so is the answer
    to "Has a place come up?" given after two turns of verification.

    Why a word and not only the embedding: a terse answer is mostly its topic noun, and a
    topic noun can be a small-talk topic (a pet, the family, the weekend); the cosine to
    the customer's question then falls just under ``relevance_threshold``, and the answer
    was counted as filler and hidden from proactive_connection. The agent's own anecdote on
    the customer's topic stays small talk (:func:`about_the_agent` is read first).
    """
    named = frozenset().union(*(topic_nouns(c.clean) for c in customer if c.turn_index < sentence.turn_index))
    return bool(topic_nouns(sentence.clean) & named)


def specific_words(span: Span) -> frozenset[str]:
    """The details a sentence gives: numbers, amounts, names and dates (proper nouns), and
    redaction placeholders, lower-cased."""
    from cxnlp.privacy.placeholders import is_placeholder

    return frozenset(
        t.lower_
        for t in span
        if t.like_num
        or t.tag_ in ("CD", "$")
        or t.text in _CURRENCY
        or t.pos_ == "PROPN"
        or any(c.isdigit() for c in t.text)
        or is_placeholder(t.text)
    )


def announces_recap(span: Span, lex: Lexicon, field: str = "recap_phrases") -> bool:
    """Whether the sentence says it is a recap or summary ("so just to recap", "to sum up"),
    or, with ``field="repeat_requests"``, asks to hear something again ("did you say")."""
    lowers = [t.lower_ for t in span]
    n = len(lowers)
    starts: dict[str, list[int]] = {}
    for i, lower in enumerate(lowers):
        starts.setdefault(lower, []).append(i)
    for phrase in lex.phrases[field]:
        if not phrase:  # an empty phrase is in every non-empty sentence
            if n:
                return True
            continue
        if any(tuple(lowers[i : i + len(phrase)]) == phrase for i in starts.get(phrase[0], ())):
            return True
    return False


def count_words(tokens: Sequence[Any]) -> int:
    """Words = tokens that are neither punctuation nor whitespace (a span's as
    :func:`~cxnlp.nlp.span_words` lists them once)."""
    from spacy.tokens import Span as SpacySpan

    if isinstance(tokens, SpacySpan):
        return len(span_words(tokens))
    return sum(1 for t in tokens if not (t.is_punct or t.is_space))


#: The last transcript's :meth:`FillerContent.sentence_kinds` per configuration (and the
#: prototype matrix it was read with): one entry per configuration, so memory stays flat.
_KINDS_MEMO: dict[tuple[Any, ...], tuple[ParsedTranscript, Any, dict[int, tuple[str, str]]]] = {}


def _same_matrix(a: Any, b: Any) -> bool:
    return a is b or (a is not None and b is not None and a.shape == b.shape and np.array_equal(a, b))


_MATCHER_CACHE: dict[tuple[int, str, str], tuple[Any, Matcher, dict[str, tuple[str, tuple[bool, ...]]]]] = {}


def filler_matcher(
    vocab: Vocab, lex: Lexicon | None = None
) -> tuple[Matcher, dict[str, tuple[str, tuple[bool, ...]]]]:
    """The filler/boilerplate ``Matcher`` for ``vocab`` and the stock phrases of ``lex``
    (default: the packaged lexicon), built once and cached.

    Returns the matcher and, per rule label, its kind and token flags.
    """
    lex = lex or default_filler_lexicon()
    key = (id(vocab), lex.digest, filler_vocabulary().digest)
    cached = _MATCHER_CACHE.get(key)
    if cached is not None and cached[0] is vocab:
        return cached[1], cached[2]
    from cxnlp.matching import GatedMatcher

    matcher = GatedMatcher(vocab)
    rules: dict[str, tuple[str, tuple[bool, ...]]] = {}
    for label, kind, pattern, flags in (
        *filler_word_patterns(),
        *BOILERPLATE_PATTERNS,
        *stock_padding_patterns(lex),
    ):
        matcher.add(label, [pattern])
        rules[label] = (kind, flags)
    _MATCHER_CACHE[key] = (vocab, matcher, rules)
    return matcher, rules


def pattern_flags(span: Span, matcher: Matcher | None = None, lex: Lexicon | None = None) -> dict[int, str]:
    """Doc token index → kind for every token a filler or boilerplate pattern flags in ``span``.

    Pure function of the span, usable on any doc with POS tags (the shared parse has them).
    """
    if matcher is None:
        matcher, rules = filler_matcher(span.doc.vocab, lex)
    else:
        rules = filler_matcher(span.doc.vocab, lex)[1]
    vocab = span.doc.vocab
    flagged: dict[int, str] = {}
    for match_id, start, _end, alignment in matcher(span, with_alignments=True):
        kind, flags = rules[vocab.strings[match_id]]
        for offset, element in enumerate(alignment):
            token = span[start + offset]
            if flags[element] and not (token.is_punct or token.is_space):
                flagged.setdefault(token.i, kind)
    for i in sorted(discourse_marker_flags(span)):
        flagged.setdefault(i, "filler_word")
    return flagged


#: The longest false start read: "they'll be, um, they'll be" (three tokens).
_MAX_RESTART = 3


def _spelled_letter(token: Token) -> bool:
    """A letter of a spelled code ("A A B 4"), which repeats on purpose ("I" is a word)."""
    return len(token.text) == 1 and token.is_alpha and token.lower_ != "i"


def restart_flags(span: Span, skip: Collection[int] = ()) -> set[int]:
    """Doc token indices of the first copy of words said twice in a row in ``span``: a
    stutter or false start ("the lab, the lab signed", "I've I've refunded", "they'll be,
    um, they'll be in your portal"). Punctuation and the tokens in ``skip`` (fillers
    already flagged) are read past, so a hesitation between the copies does not hide the
    repeat. Numbers never repeat ("two two four" is a number), nor do the few words
    doubled on purpose (``intended_doubles`` in ``filler_words.yaml``: "that that's", "bye
    bye") or spelled ("A A B"). The second copy carries the meaning; the first serves no
    purpose, which is what filler_content counts.
    """
    intended = filler_vocabulary().words["intended_doubles"]
    tokens = [t for t in span if not (t.is_punct or t.is_space) and t.i not in skip]
    forms = [t.lower_.translate(ASCII_APOSTROPHES) for t in tokens]
    flagged: set[int] = set()
    for size in range(_MAX_RESTART, 0, -1):
        for k in range(len(tokens) - 2 * size + 1):
            first = forms[k : k + size]
            if first != forms[k + size : k + 2 * size] or any(
                t.i in flagged for t in tokens[k : k + 2 * size]
            ):
                continue
            if any(t.like_num or _spelled_letter(t) for t in tokens[k : k + size]) or (
                size == 1 and first[0] in intended
            ):
                continue
            flagged.update(t.i for t in tokens[k : k + size])
    return flagged


def filler_words(span: Span) -> list[str]:
    """The words of ``span`` the patterns flag as filler words, in order (for inspection)."""
    flags = pattern_flags(span)
    return [span.doc[i].text for i in sorted(flags) if flags[i] == "filler_word"]


@register_dimension("filler_content.v1")
class FillerContent(Dimension):
    """Percent of the agent's words that serve no purpose (0-100, lower is better).

    Parameters
    ----------
    small_talk_threshold : float
        Cosine to the nearest small-talk prototype from which a sentence may be small
        talk. Held-out small talk of our own measured 0.40-0.76; on 600 real helpdesk
        sentences (STC-3) the 99th percentile is 0.42, and with ``purpose_margin``
        under 1 % of them pass both tests.
    boilerplate_threshold : float
        Cosine to the nearest boilerplate prototype from which a whole sentence may be
        padding. Set high (held-out padding 0.75-0.79, STC-3 99th percentile 0.53) because
        a sentence that only *opens* with padding keeps its content; the patterns catch
        the opening alone.
    purpose_margin : float
        How much closer to small talk / boilerplate than to purposeful agent speech a
        sentence must be; keeps greetings, empathy and questions that gather
        information out.
    relevance_threshold : float
        A sentence this close (cosine) to any customer sentence is on topic, never
        small talk.
    repeat_threshold : float
        Cosine to an earlier agent sentence from which a sentence is a near-repeat.
        Paraphrased restatements of one fact measured 0.82-0.93, distinct sentences
        on the same topic ("the refund is processed today" / "it reaches your card
        in five days") up to 0.71; 0.8 sits between.
    min_repeat_words : int
        Shorter sentences ("Okay.", "Thank you.") may repeat freely.
    filler_lexicon : str, optional
        Path of a prototype and padding-phrase file (default: the packaged
        ``cxnlp/resources/filler_lexicon.yaml``).
    """

    name = "filler_content"
    resource_params = ("filler_lexicon",)

    def __init__(
        self,
        *,
        small_talk_threshold: float = 0.4,
        boilerplate_threshold: float = 0.55,
        purpose_margin: float = 0.1,
        relevance_threshold: float = 0.5,
        repeat_threshold: float = 0.8,
        min_repeat_words: int = 4,
        filler_lexicon: str | None = None,
    ):
        self.small_talk_threshold = small_talk_threshold
        self.boilerplate_threshold = boilerplate_threshold
        self.purpose_margin = purpose_margin
        self.relevance_threshold = relevance_threshold
        self.repeat_threshold = repeat_threshold
        self.min_repeat_words = min_repeat_words
        self.filler_lexicon = filler_lexicon

    def resource_digests(self) -> dict[str, str]:
        """The lexicon's content hash (for the configuration id)."""
        return {"filler_lexicon": lexicon_at(LEXICON, self.filler_lexicon).digest}

    def prepare(self, encoder: SentenceEncoder) -> None:
        """Read the lexicon and embed the small-talk, boilerplate and purposeful prototypes once."""
        lex = lexicon_at(LEXICON, self.filler_lexicon)
        prototypes = PrototypeSet(
            {
                "small_talk": lex.sentences["small_talk_prototypes"],
                "boilerplate": lex.sentences["boilerplate_prototypes"],
                "purposeful": lex.sentences["purposeful_prototypes"],
            }
        )
        prototypes.prepare(encoder)
        self.lexicon_ = lex
        self.prototypes_ = prototypes

    def sentence_kinds(self, parsed: ParsedTranscript) -> dict[int, tuple[str, str]]:
        """Sentence index → (kind, detail) for agent sentences that are filler as a whole.

        Read once per transcript and configuration: proactive connection asks for the
        small talk of the transcript the filler dimension scores next (its own
        ``FillerContent`` with the same lexicon), so the last answer is kept for it. The
        result is shared: do not change it.
        """
        if not hasattr(self, "prototypes_"):
            raise RuntimeError(
                "FillerContent used before prepare(). Call dimension.prepare(encoder) "
                "(Scorer does this for you)."
            )
        key = (
            self.small_talk_threshold,
            self.boilerplate_threshold,
            self.purpose_margin,
            self.relevance_threshold,
            self.repeat_threshold,
            self.min_repeat_words,
            self.lexicon_.digest,
        )
        kept = _KINDS_MEMO.get(key)
        if kept is not None and kept[0] is parsed and _same_matrix(kept[1], self.prototypes_.matrix):
            return kept[2]
        kinds = self._sentence_kinds(parsed)
        _KINDS_MEMO[key] = (parsed, self.prototypes_.matrix, kinds)
        return kinds

    def _sentence_kinds(self, parsed: ParsedTranscript) -> dict[int, tuple[str, str]]:
        agent = parsed.agent_sentences
        if not agent:
            return {}
        vectors = parsed.vectors_of(agent)
        sims = self.prototypes_.best_per_label(vectors)
        customer = parsed.vectors_of(parsed.customer_sentences)
        relevance = (vectors @ customer.T).max(axis=1) if len(customer) else np.zeros(len(agent))
        kinds: dict[int, tuple[str, str]] = {}
        for i, sent in enumerate(agent):
            purpose = float(sims["purposeful"][i])
            boiler = float(sims["boilerplate"][i])
            talk = float(sims["small_talk"][i])
            if boiler >= self.boilerplate_threshold and boiler - purpose >= self.purpose_margin:
                kinds[sent.index] = (
                    "boilerplate",
                    f"says nothing: close to stock padding ({boiler:.2f}) "
                    f"rather than purposeful speech ({purpose:.2f})",
                )
            elif (
                talk >= self.small_talk_threshold
                and talk - purpose >= self.purpose_margin
                and (
                    about_the_agent(sent.clean)
                    or (
                        relevance[i] < self.relevance_threshold
                        and not takes_up_the_customer(sent, parsed.customer_sentences)
                    )
                )
            ):
                kinds[sent.index] = (
                    "small_talk",
                    f"small talk ({talk:.2f}) unrelated to the customer's words (closest {relevance[i]:.2f})",
                )
        self._short_asides(agent, kinds)
        asked = self._asked_again(parsed)
        # The greeting is the agent's turn that opens the call (none when the customer opens).
        greeting = agent[0].turn_index if parsed.sentences[0].speaker == "agent" else None
        last_turn = agent[-1].turn_index
        for i, sent in enumerate(agent):
            if sent.index in kinds or count_words(sent.span) < self.min_repeat_words:
                continue
            if announces_recap(sent.span, self.lexicon_):
                continue
            earlier = vectors[:i] @ vectors[i] if i else np.zeros(0)
            if len(earlier) and float(earlier.max()) >= self.repeat_threshold:
                j = int(earlier.argmax())
                if specific_words(sent.span) - specific_words(agent[j].span):
                    continue  # a new detail: the next read-back, or a summary of two statements
                if agent[j].turn_index < asked.get(i, (-1, None))[0] and self._asks_for(
                    parsed, asked[i][1], sent, vectors[i]
                ):
                    continue  # said before the customer asked for it again: an answer
                if agent[j].turn_index == greeting != last_turn == sent.turn_index:
                    continue  # the closing courtesy echoing the greeting: the ritual
                kinds[sent.index] = (
                    "repetition",
                    f"near-repeat ({earlier[j]:.2f}) of {agent[j].text!r}",
                )
        return kinds

    def _short_asides(self, agent: Sequence[Sentence], kinds: dict[int, tuple[str, str]]) -> None:
        """Short sentences (under ``min_repeat_words`` words) beside small talk in the same
        turn belong to it ("Did you catch the match? What a finish!", "Oslo! I've always
        wanted to go"): marked small talk in ``kinds``, chains included."""
        changed = True
        while changed:
            changed = False
            for i, sent in enumerate(agent):
                if sent.index in kinds or count_words(sent.span) >= self.min_repeat_words:
                    continue
                beside = [agent[j] for j in (i - 1, i + 1) if 0 <= j < len(agent)]
                if any(
                    b.turn_index == sent.turn_index and kinds.get(b.index, ("",))[0] == "small_talk"
                    for b in beside
                ):
                    kinds[sent.index] = ("small_talk", "short aside to the small talk beside it")
                    changed = True

    def small_talk_sentences(self, parsed: ParsedTranscript) -> set[int]:
        """Indices of the agent sentences that are small talk (read by proactive_connection)."""
        return {i for i, (kind, _) in self.sentence_kinds(parsed).items() if kind == "small_talk"}

    def _asks_for(
        self, parsed: ParsedTranscript, question: Sentence | None, restated: Sentence, vector: np.ndarray
    ) -> bool:
        """Whether the customer's question asks for the ``restated`` sentence (embedded as
        ``vector``): a request to hear it again ("Sorry, what did you say?") or a question
        about what it says (a thing both name, or cosine at least ``relevance_threshold``).
        "Can I get a reference number?" does not ask for the reset steps again."""
        if question is None:
            return False
        if announces_recap(question.clean, self.lexicon_, field="repeat_requests"):
            return True
        if topic_nouns(question.clean) & topic_nouns(restated.clean):
            return True
        return bool(float(parsed.vectors[question.index] @ vector) >= self.relevance_threshold)

    def _asked_again(self, parsed: ParsedTranscript) -> dict[int, tuple[int, Sentence]]:
        """Position (in the agent's sentences) → (turn, sentence) of the customer's question,
        for the sentences of an agent turn that directly follows a customer's question: what
        they restate from before that question, the customer may have asked for ("Sorry,
        what time did you say?" gets the time again; :meth:`_asks_for` decides)."""
        from cxnlp.dimensions.completeness import is_question

        asked: dict[int, tuple[int, Sentence]] = {}
        last_customer = None
        agent_pos = 0
        for sent in parsed.sentences:
            if sent.speaker == "customer":
                last_customer = sent
            if sent.speaker != "agent":
                continue
            if (
                last_customer is not None
                and last_customer.turn_index == sent.turn_index - 1
                and is_question(last_customer.span)
            ):
                asked[agent_pos] = (last_customer.turn_index, last_customer)
            agent_pos += 1
        return asked

    def score(self, parsed: ParsedTranscript) -> DimensionResult:
        """Share of agent words flagged by any detector, in percent."""
        whole = self.sentence_kinds(parsed)
        agent = parsed.agent_sentences
        total = sum(count_words(s.span) for s in agent)
        counts = dict.fromkeys(KINDS, 0)
        evidence: list[Evidence] = []
        for sent in agent:
            token_kind = pattern_flags(sent.span, lex=self.lexicon_)
            for i in restart_flags(sent.span, token_kind):
                token_kind[i] = "repetition"
            sentence_kind = whole.get(sent.index)
            if sentence_kind is not None:
                for t in sent.span:
                    if not (t.is_punct or t.is_space):
                        token_kind.setdefault(t.i, sentence_kind[0])
            for kind, words, text in _runs(sent, token_kind):
                counts[kind] += words
                detail = (
                    sentence_kind[1]
                    if sentence_kind is not None and kind == sentence_kind[0]
                    else f"{kind.replace('_', ' ')}: {text!r}"
                )
                evidence.append(
                    Evidence(self.name, kind, sent.turn_index, sent.text, detail, float(words), text)
                )
        if total == 0:
            return DimensionResult(self.name, math.nan, (), _features(0, counts))
        flagged = sum(counts.values())
        score = clip_score(100.0 * flagged / total)
        return DimensionResult(self.name, score, tuple(evidence), _features(total, counts))


def _runs(sent: Sentence, token_kind: dict[int, str]) -> list[tuple[str, int, str]]:
    """Contiguous runs of same-kind flagged words in a sentence: (kind, words, text).

    Punctuation inside a run (the comma in "bear with me, bear with me") neither breaks
    it nor counts as a word.
    """
    runs: list[tuple[str, int, str]] = []
    kind: str | None = None
    start = end = 0
    words = 0
    doc = sent.span.doc
    for t in sent.span:
        if t.is_punct or t.is_space:
            continue
        k = token_kind.get(t.i)
        if k is not None and k == kind:
            end, words = t.i + 1, words + 1
            continue
        if kind is not None:
            runs.append((kind, words, doc[start:end].text))
        kind, start, end, words = (k, t.i, t.i + 1, 1) if k is not None else (None, 0, 0, 0)
    if kind is not None:
        runs.append((kind, words, doc[start:end].text))
    return runs


def _features(total: int, counts: dict[str, int]) -> dict[str, float]:
    share = (lambda n: 100.0 * n / total) if total else (lambda n: 0.0)
    return {
        "agent_words": float(total),
        "filler_word_share": share(counts["filler_word"]),
        "small_talk_share": share(counts["small_talk"]),
        "repetition_share": share(counts["repetition"]),
        "boilerplate_share": share(counts["boilerplate"]),
    }

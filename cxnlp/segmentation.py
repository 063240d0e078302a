"""Sentence boundaries for speech-recogniser text that has no punctuation.

A speech recogniser's transcript often arrives lower-cased and unpunctuated ("im sorry
about that dana ive refunded the forty dollars is there anything else i can help with").
spaCy's statistical sentence splitter leans on punctuation and capitals, so such a turn
becomes one long sentence, and every dimension reads sentences: the customer's question
hides inside a greeting, the agent's answer inside an apology.

:class:`SpeechSegmenter` is a spaCy component (registered as ``"cxnlp_speech_segmenter"``
and added after the sentence splitter by :func:`cxnlp.nlp.load_pipeline`). Inside each
sentence that is long and has no sentence-final punctuation, it starts a new sentence
before a word that opens a clause in conversation (a subject pronoun followed by a verb,
an auxiliary followed by a subject, a question word, a discourse opener such as "thanks"
or "unfortunately") when the word before can end a clause. Punctuated text is left as the
splitter made it. The word lists live in ``cxnlp/resources/speech_boundaries.yaml``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cxnlp.lexicon import Lexicon, LexiconError, LexiconSpec, load_lexicon

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

COMPONENT_NAME = "cxnlp_speech_segmenter"
DEFAULT_RESOURCE = "speech_boundaries.yaml"
_SENTENCE_FINAL = frozenset({".", "?", "!", "…", "。", "？", "！"})
#: Openers that also continue a clause after an object pronoun ("thank you so much").
_SOFT_OPENERS = frozenset({"so", "please", "right", "now", "actually", "also", "well", "too", "basically"})
_OBJECT_PRONOUNS = frozenset({"you", "it", "me", "them", "us", "him", "her"})
#: Subject pronouns that are also objects ("fix it", "help you").
_OBJECT_TOO = frozenset({"it", "you"})
_CONTRACTIONS = frozenset({"'m", "'ve", "'ll", "'s", "'re", "'d", "m", "ve", "ll", "re", "d"})


#: A speech-boundary file that is not UTF-8 YAML, lacks a field or has one of the wrong type
#: (the one lexicon error, :class:`cxnlp.lexicon.LexiconError`).
SegmentationConfigError = LexiconError

_LIST_FIELDS = (
    "subjects",
    "question_auxiliaries",
    "question_words",
    "question_word_followers",
    "openers",
    "clause_final_pos",
    "not_clause_final",
)

#: ``cxnlp/resources/speech_boundaries.yaml``, read like every other word list
#: (:func:`cxnlp.lexicon.load_lexicon`).
LEXICON = LexiconSpec(
    resource=DEFAULT_RESOURCE,
    version=1,
    parameter="SpeechSegmenter(lexicon=load_boundary_lexicon(PATH))",
    fields={**dict.fromkeys(_LIST_FIELDS, "words"), "min_words": "count", "min_piece": "count"},
)


@dataclass(frozen=True)
class BoundaryLexicon:
    """The word lists that say where a clause may start (see the YAML resource)."""

    min_words: int
    min_piece: int
    subjects: frozenset[str]
    question_auxiliaries: frozenset[str]
    question_words: frozenset[str]
    question_word_followers: frozenset[str]
    openers: frozenset[str]
    clause_final_pos: frozenset[str]
    not_clause_final: frozenset[str]
    digest: str

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> BoundaryLexicon:
        """The lists of a loaded :data:`LEXICON`; part-of-speech tags are spaCy's upper case."""
        lists = {name: lexicon.words[name] for name in _LIST_FIELDS}
        lists["clause_final_pos"] = frozenset(tag.upper() for tag in lists["clause_final_pos"])
        return cls(**lexicon.count, **lists, digest=lexicon.digest)


def load_boundary_lexicon(path: str | Path | None = None) -> BoundaryLexicon:
    """The packaged word lists, or those of ``path`` (YAML)."""
    return BoundaryLexicon.from_lexicon(load_lexicon(LEXICON, path))


@functools.cache
def default_boundary_lexicon() -> BoundaryLexicon:
    return load_boundary_lexicon()


def _word(token: Token) -> str:
    return token.lower_.replace("'", "").replace("\u2019", "")


def _opens_clause(doc: Doc, i: int, lex: BoundaryLexicon) -> bool:
    """Does token ``i`` open a clause (judged from it and the token after it)?"""
    tok = doc[i]
    nxt = doc[i + 1] if i + 1 < len(doc) else None
    word = tok.lower_
    if word in lex.openers:
        # "thank you so much", "could you please", "is it actually": a soft opener right
        # after an object pronoun continues the clause.
        return not (word in _SOFT_OPENERS and i > 0 and doc[i - 1].lower_ in _OBJECT_PRONOUNS)
    if nxt is None:
        return False
    nxt_word = nxt.lower_
    if word in lex.subjects:
        if word in _OBJECT_TOO and i > 0 and doc[i - 1].pos_ in ("VERB", "ADP"):
            return False  # "need it fixed", "help you with": the object of the verb before
        if word != "it" and i > 1 and doc[i - 1].pos_ == "NOUN" and doc[i - 2].pos_ in ("DET", "PRON"):
            return False  # "the parcel i ordered": a relative clause without "that"
        return nxt.pos_ in ("AUX", "VERB") or nxt_word in _CONTRACTIONS
    if word in lex.question_auxiliaries:
        return nxt_word in lex.subjects
    if _word(tok) in lex.question_words:
        return (
            nxt.pos_ == "AUX"
            or nxt_word in lex.subjects
            or nxt_word in lex.question_word_followers
            or nxt_word in _CONTRACTIONS
        )
    return False


def _ends_clause(tok: Token, lex: BoundaryLexicon) -> bool:
    return (
        tok.pos_ in lex.clause_final_pos
        and tok.lower_ not in lex.not_clause_final
        and _word(tok) not in lex.question_words
        and tok.lower_ not in lex.subjects - {"it", "you"}
    )


def _unpunctuated(sent: Span, lex: BoundaryLexicon) -> bool:
    """A long run in a turn with no punctuation at all, lower-cased or very long.

    Written text keeps the splitter's sentences: a written turn has commas, stops or
    capitals, and splitting it at a pronoun would cut a clause from its verb.
    """
    words = [t for t in sent if not (t.is_space or t.is_punct)]
    if len(words) < lex.min_words:
        return False
    if _punctuated(sent.doc):
        return False
    lower = all(not t.text[:1].isupper() or t.lower_ == "i" for t in words[1:])
    return lower or len(words) >= 3 * lex.min_words


def _punctuated(doc: Doc) -> bool:
    """A turn with a stop, a comma or a semicolon anywhere: written text, never split here."""
    return any(t.text in _SENTENCE_FINAL or t.text in (",", ";") for t in doc)


def speech_boundaries(sent: Span, lex: BoundaryLexicon) -> list[int]:
    """Doc token ids inside ``sent`` before which a new sentence should start."""
    if not _unpunctuated(sent, lex):
        return []
    doc = sent.doc
    cuts: list[int] = []
    last = sent.start
    for tok in sent[1:]:
        i = tok.i
        if i - last < lex.min_piece or sent.end - i < lex.min_piece:
            continue
        if _ends_clause(doc[i - 1], lex) and _opens_clause(doc, i, lex):
            cuts.append(i)
            last = i
    return cuts


class SpeechSegmenter:
    """spaCy component: split long unpunctuated sentences at clause openers."""

    def __init__(self, lexicon: BoundaryLexicon | None = None) -> None:
        self.lexicon = lexicon

    def __call__(self, doc: Doc) -> Doc:
        if _punctuated(doc):
            # No sentence of a punctuated turn is split (:func:`_unpunctuated`): the turn is
            # read once here, not once per sentence.
            return doc
        lex = self.lexicon or default_boundary_lexicon()
        cuts = [i for sent in list(doc.sents) for i in speech_boundaries(sent, lex)]
        for i in cuts:
            doc[i].is_sent_start = True
        return doc


def add_speech_segmenter(nlp: Language) -> None:
    """Add the component after the sentence splitter (once)."""
    from spacy.language import Language

    if COMPONENT_NAME not in Language.factories:
        Language.factory(COMPONENT_NAME, func=lambda nlp, name: SpeechSegmenter())
    if not nlp.has_pipe(COMPONENT_NAME):
        nlp.add_pipe(COMPONENT_NAME, last=True)

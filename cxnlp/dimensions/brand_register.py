"""Register cues of off-brand speech, read from the words of one agent sentence as said.

The brand style classifier reads a sentence's meaning (its embedding); some off-brand
speech is better told by its form than by its meaning: "lol yeah that's broken" means the
same as a plain "that's broken", and "The engineer is NOT coming today" the same as the
sentence in lower case. These functions find such forms, each a pure function of a spaCy
span and the word lists of ``cxnlp/resources/brand_lexicon.yaml`` (what each list is for is
said there), so a deployment whose voice welcomes one of them (casual chat) edits its copy:

``text_speak``
    Slang and chat shorthand ("lol", "tbh", "gonna", "ur"), matched on whitespace-separated
    words so that tokenisation ("gon na") does not hide them; filler words are not here.
``shouting``
    A word in capitals that the tagger reads as a function word, verb, adverb or adjective
    ("I SAID", "NOT"), not an acronym; or a run of "!!" / "?!".
``reprimand``
    The sentence opens with a bare imperative aimed at the customer: "Look, ..." /
    "Listen, ..." (not "Look at the back of the card") or "Calm down", "Relax", "Hurry up".
``blame``
    A counterfactual about what the customer did: "if you had read ...", "if you'd kept
    ...", "you should have / must have <done>" (not "you should have received", an
    expectation).
``curt_refusal``
    A refusal with its subject dropped: the sentence opens with a negated modal
    ("Can't help with that", "Won't happen").
``rhetorical_tag``
    A statement closed by a tag question on "you" or "we" ("Leaving it late, aren't you?",
    "Let's keep up, shall we?"): talking down. A tag on "it" ("That's the card ending 44,
    isn't it?") checks a fact and does not count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

#: The cues in the order evidence names them.
CUES: tuple[str, ...] = ("text_speak", "shouting", "reprimand", "blame", "curt_refusal", "rhetorical_tag")

_WORD_EDGE = re.compile(r"^[^\w']+|[^\w']+$")
_PUNCT_RUN = re.compile(r"[!?]{2,}")
_SHOUT_POS = frozenset({"VERB", "AUX", "PRON", "PART", "ADV", "ADJ", "DET", "ADP", "CCONJ", "SCONJ", "INTJ"})
_MODALS = frozenset({"should", "could", "would", "must", "might", "'d"})
_HAVE = frozenset({"have", "'ve", "of"})


@dataclass(frozen=True, slots=True)
class RegisterWords:
    """The word lists the cues read (lower-cased), from the brand lexicon."""

    text_speak: frozenset[str]
    not_shouting: frozenset[str]
    reprimand_openers: frozenset[str]
    reprimand_verbs: frozenset[str]
    expectation_verbs: frozenset[str]


@dataclass(frozen=True, slots=True)
class RegisterCue:
    """One cue found in a sentence: its kind (one of :data:`CUES`) and the words."""

    kind: str
    text: str


def _words(span: Span) -> list[str]:
    return [w for w in (_WORD_EDGE.sub("", raw).lower() for raw in span.text.split()) if w]


def text_speak(span: Span, words: RegisterWords) -> str | None:
    """The first slang or chat-shorthand word of the sentence, if any."""
    for word in _words(span):
        if word in words.text_speak:
            return word
    return None


def shouting(span: Span, words: RegisterWords) -> str | None:
    """A shouted word ("NOT") or a run of "!!"/"?!", if any."""
    run = _PUNCT_RUN.search(span.text)
    if run is not None:
        return run.group()
    for token in span:
        if (
            len(token.text) >= 2
            and token.is_alpha
            and token.is_upper
            and token.pos_ in _SHOUT_POS
            and token.lower_ not in words.not_shouting
        ):
            return token.text
    return None


def _content_tokens(span: Span) -> list[Token]:
    return [t for t in span if not (t.is_punct or t.is_space)]


def reprimand(span: Span, words: RegisterWords) -> str | None:
    """The opening imperative of a reprimand ("Look, ...", "Calm down"), if the sentence has one."""
    tokens = _content_tokens(span)
    if not tokens:
        return None
    first = tokens[0]
    if first.lower_ in words.reprimand_verbs and first.tag_ in {"VB", "VBP"}:
        return first.text
    if first.lower_ in words.reprimand_openers:
        doc = first.doc
        nxt = doc[first.i + 1] if first.i + 1 < len(doc) else None
        # "Look, ..." / "look its simple", not "look at", "look up", "look into"
        if len(tokens) > 1 and (nxt is None or nxt.is_punct or nxt.pos_ not in {"ADP", "PART", "ADV"}):
            return first.text
    return None


def blame(span: Span, words: RegisterWords) -> str | None:
    """A counterfactual about the customer's own doing ("if you had read", "you should have checked")."""
    tokens = _content_tokens(span)
    for i, tok in enumerate(tokens):
        if tok.lower_ != "you":
            continue
        rest = tokens[i + 1 : i + 4]
        lowered = [t.lower_ for t in rest]
        if len(rest) < 2:
            continue
        # "if you had / 'd + past participle"
        if (
            i > 0
            and tokens[i - 1].lower_ == "if"
            and lowered[0] in {"had", "'d"}
            and rest[1].tag_ in {"VBN", "VBD"}
        ):
            return " ".join(t.text for t in tokens[i - 1 : i + 3])
        # "you should / could / must have + past participle" (not an expectation verb)
        if (
            len(rest) >= 3
            and lowered[0] in _MODALS
            and lowered[1] in _HAVE
            and rest[2].tag_ in {"VBN", "VBD"}
        ):
            if rest[2].lemma_.lower() not in words.expectation_verbs:
                return " ".join(t.text for t in tokens[i : i + 4])
    return None


def curt_refusal(span: Span, words: RegisterWords) -> str | None:
    """A negated modal with no subject before it, opening the sentence ("Can't help with that")."""
    tokens = _content_tokens(span)
    if len(tokens) >= 2 and tokens[0].tag_ == "MD" and tokens[1].lower_ in {"n't", "not", "nt"}:
        return f"{tokens[0].text}{tokens[1].text}"
    return None


def rhetorical_tag(span: Span, words: RegisterWords) -> str | None:
    """A closing tag question on "you"/"we" after a comma ("..., aren't you?"), if any."""
    tokens = [t for t in span if not t.is_space]
    commas = [i for i, t in enumerate(tokens) if t.text == ","]
    if not commas or tokens[-1].text != "?":
        return None
    tag = tokens[commas[-1] + 1 : -1]
    if (
        2 <= len(tag) <= 3
        and tag[0].tag_ in {"MD", "VBP", "VBD", "VBZ"}
        and tag[-1].lower_ in {"you", "we"}
        and all(t.lower_ in {"n't", "not"} for t in tag[1:-1])
    ):
        return " ".join(t.text for t in tag) + "?"
    return None


_READERS = {
    "text_speak": text_speak,
    "shouting": shouting,
    "reprimand": reprimand,
    "blame": blame,
    "curt_refusal": curt_refusal,
    "rhetorical_tag": rhetorical_tag,
}


def register_cues(span: Span, words: RegisterWords, kinds: Sequence[str] = CUES) -> list[RegisterCue]:
    """Every cue of ``kinds`` the sentence shows, at most one of each kind."""
    found = []
    for kind in kinds:
        text = _READERS[kind](span, words)
        if text is not None:
            found.append(RegisterCue(kind, text))
    return found

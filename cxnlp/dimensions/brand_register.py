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
    The sentence opens, after at most a discourse word ("Okay, listen carefully", "please
    just listen"), with a bare imperative aimed at the customer: "Look, ..." / "Listen, ..."
    (not "Look at the back of the card") or "Calm down", "Relax", "Hurry up".
``blame``
    A counterfactual about what the customer did: "if you had read ...", "if you'd kept
    ...", "you should have / must have <done>" or, with the subject dropped, "Could've
    checked the app" (not "you should have received", an expectation); or a failure of the
    customer's given as the cause: "because you didn't keep enough money in the account"
    ("because you chose the standard option" is an explanation and does not count).
``reproach``
    The agent reminds the customer it has said this before: "as I already explained", "I've
    told you twice", "like I said" ("As I mentioned, the refund takes five days" does not
    count: a reminder without a repeat word is plain signposting).
``curt_command``
    A sentence that is only an urgency word: "Quickly.", "Now.", "Patience."
``ultimatum``
    A question closed as an ultimatum: "... or not?", "... or are we done?".
``curt_refusal``
    A refusal with its subject dropped: the sentence opens with a negated modal
    ("Can't help with that", "Won't happen"); a question ("Can't the app be updated?") is
    none.
``rhetorical_tag``
    A statement closed by a tag question on "you" or "we" ("Leaving it late, aren't you?",
    "Let's keep up, shall we?"): talking down (a closing ", you know" is the filler
    dimension's: in speech it is mostly filler). A tag on "it" ("That's the
    card ending 44, isn't it?") checks a fact and does not count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

#: The cues in the order evidence names them.
CUES: tuple[str, ...] = (
    "text_speak",
    "shouting",
    "reprimand",
    "blame",
    "reproach",
    "curt_refusal",
    "curt_command",
    "ultimatum",
    "rhetorical_tag",
)

_WORD_EDGE = re.compile(r"^[^\w']+|[^\w']+$")
_PUNCT_RUN = re.compile(r"[!?]{2,}")
_SHOUT_POS = frozenset({"VERB", "AUX", "PRON", "PART", "ADV", "ADJ", "DET", "ADP", "CCONJ", "SCONJ", "INTJ"})
_MODALS = frozenset({"should", "could", "would", "must", "might", "'d"})
_HAVE = frozenset({"have", "'ve", "of"})
#: What may follow the verb of a reproach: "I told you", "I said that", "I explained it
#: twice", "as I already explained, ..." (punctuation is checked apart).
_SAID_TO_YOU = frozenset({"", "you", "this", "that", "it", "so", "twice", "already", "before", "again"})


@dataclass(frozen=True, slots=True)
class RegisterWords:
    """The word lists the cues read (lower-cased), from the brand lexicon."""

    text_speak: frozenset[str]
    not_shouting: frozenset[str]
    reprimand_openers: frozenset[str]
    reprimand_verbs: frozenset[str]
    expectation_verbs: frozenset[str]
    discourse_openers: frozenset[str]
    saying_verbs: frozenset[str]
    repeat_markers: frozenset[str]
    failure_words: frozenset[str]
    curt_words: frozenset[str]


@dataclass(frozen=True, slots=True)
class RegisterCue:
    """One cue found in a sentence: its kind (one of :data:`CUES`) and the words."""

    kind: str
    text: str


def _words(span: Span) -> list[str]:
    return [w for w in (_WORD_EDGE.sub("", raw).lower() for raw in span.text.split()) if w]


def text_speak(span: Span, words: RegisterWords) -> str | None:
    """The first slang or chat-shorthand word of the sentence, if any.

    A capitalised word right after another capitalised word is part of a name ("Xiao U",
    "Mate Hotel"), not slang.
    """
    previous = ""
    for raw in span.text.split():
        word = _WORD_EDGE.sub("", raw)
        if word.lower() in words.text_speak and not (word[:1].isupper() and previous[:1].isupper()):
            return word.lower()
        previous = word
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
    while len(tokens) > 1 and tokens[0].lower_ in words.discourse_openers:
        tokens = tokens[1:]
    if not tokens:
        return None
    first = tokens[0]
    if first.lower_ in words.reprimand_verbs and first.tag_ in {"VB", "VBP"}:
        return first.text
    if first.lower_ in words.reprimand_openers:
        doc = first.doc
        nxt = doc[first.i + 1] if first.i + 1 < len(doc) else None
        # "Look, ..." / "look its simple" / "listen carefully", not "look at", "look up",
        # "look into"
        if len(tokens) > 1 and (
            nxt is None
            or nxt.is_punct
            or nxt.pos_ not in {"ADP", "PART", "ADV"}
            or (nxt.pos_ == "ADV" and nxt.lower_.endswith("ly"))
        ):
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
        # "because / since you didn't ...", "because you never ..."
        if i > 0 and tokens[i - 1].lower_ in {"because", "since", "cause", "cos", "coz"}:
            hit = next((t for t in rest[:3] if t.lower_ in words.failure_words), None)
            if hit is not None:
                return span.doc[tokens[i - 1].i : hit.i + 1].text
    # "Could've checked the app" / "Should have read the terms": the subject dropped
    if (
        len(tokens) >= 3
        and tokens[0].lower_ in _MODALS
        and tokens[1].lower_ in _HAVE
        and tokens[2].tag_ in {"VBN", "VBD"}
        and tokens[2].lemma_.lower() not in words.expectation_verbs
    ):
        return span.doc[tokens[0].i : tokens[2].i + 1].text
    return None


def reproach(span: Span, words: RegisterWords) -> str | None:
    """A reminder that the agent has said it before ("as I already explained", "like I said")."""
    tokens = _content_tokens(span)
    lowered = [t.lower_ for t in tokens]
    for i, tok in enumerate(tokens):
        if tok.lemma_.lower() not in words.saying_verbs or tok.tag_ not in {"VBD", "VBN"}:
            continue
        before = lowered[max(0, i - 4) : i]
        if "i" not in before and "we" not in before:
            continue
        after = lowered[i + 1] if i + 1 < len(lowered) else ""
        if after not in _SAID_TO_YOU and not tokens[i].nbor(1).is_punct:
            continue  # "I already explained the fault to the engineer": a report, not a reminder
        if "like" in lowered[max(0, i - 3) : i]:  # "like I said"
            return span.doc[tokens[max(0, i - 2)].i : tok.i + 1].text
        near = tokens[max(0, i - 3) : i + 4]
        counted = any(  # "three times", "several times"
            t.lower_ == "times"
            and t.i > 0
            and (t.nbor(-1).tag_ == "CD" or t.nbor(-1).lower_ in {"several", "many"})
            for t in near
        )
        if counted or words.repeat_markers.intersection(t.lower_ for t in near):
            start = i - 1 - before[::-1].index("i" if "i" in before else "we")
            return span.doc[tokens[start].i : tok.i + 1].text
    return None


def curt_refusal(span: Span, words: RegisterWords) -> str | None:
    """A negated modal with no subject before it, opening the sentence ("Can't help with that")."""
    tokens = _content_tokens(span)
    if span.text.rstrip().endswith("?"):
        return None  # "Can't the app be updated?" asks
    if len(tokens) >= 2 and tokens[0].tag_ == "MD" and tokens[1].lower_ in {"n't", "not", "nt"}:
        return f"{tokens[0].text}{tokens[1].text}"
    return None


def curt_command(span: Span, words: RegisterWords) -> str | None:
    """A sentence that is nothing but an urgency word ("Quickly.", "Now.", "Patience.")."""
    tokens = _content_tokens(span)
    if 1 <= len(tokens) <= 2 and all(t.lower_ in words.curt_words for t in tokens):
        return " ".join(t.text for t in tokens)
    return None


def ultimatum(span: Span, words: RegisterWords) -> str | None:
    """A question closed as an ultimatum: "... or not?", "... or are we done?"."""
    tokens = _content_tokens(span)
    lowered = [t.lower_ for t in tokens]
    if len(tokens) >= 4 and lowered[-2:] == ["or", "not"] and not {"like", "prefer"} & set(lowered):
        return "or not"
    for i in range(len(lowered) - 3):
        if lowered[i : i + 3] == ["or", "are", "we"] and lowered[i + 3] in {"done", "finished"}:
            return " ".join(t.text for t in tokens[i : i + 4])
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
    "reproach": reproach,
    "curt_refusal": curt_refusal,
    "curt_command": curt_command,
    "ultimatum": ultimatum,
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

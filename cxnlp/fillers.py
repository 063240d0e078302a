"""Filler words: the one definition (``cxnlp/resources/filler_words.yaml``) that the parse,
speech-punctuation restoration and the filler dimension all read.

Each reader applies its own context rules (the parse drops a discourse word only at a
pause, the filler dimension flags "like" only as an interjection); the vocabulary lives
here once, so a word added to the file is filler everywhere.
"""

from __future__ import annotations

import functools

from cxnlp.lexicon import Lexicon, LexiconSpec, default_lexicon

#: The fields of ``filler_words.yaml`` (what each is for is said there).
FILLER_WORDS = LexiconSpec(
    resource="filler_words.yaml",
    version=3,
    parameter="the packaged file only: the parse reads it",
    fields={
        "hesitations": "words",
        "hedge_adverbs": "words",
        "hedges": "words",
        "discourse_words": "words",
        "discourse_phrases": "phrases",
        "response_tokens": "words",
        "pause_markers": "words",
        "softeners": "words",
        "softener_subjects": "words",
        "intended_doubles": "words",
    },
    added_in={
        2: ("response_tokens", "pause_markers", "softeners", "softener_subjects"),
        3: ("intended_doubles",),
    },
)


def filler_vocabulary() -> Lexicon:
    """The packaged filler words, read once per process."""
    return default_lexicon(FILLER_WORDS)


@functools.cache
def hesitations() -> frozenset[str]:
    """Sounds of a pause ("um", "uh", "erm"): dropped everywhere, filler everywhere."""
    return filler_vocabulary().words["hesitations"]


@functools.cache
def droppable_words() -> frozenset[str]:
    """Every filler word the parse may drop at a pause or a sentence opening."""
    words = filler_vocabulary().words
    return words["hesitations"] | words["hedge_adverbs"] | words["hedges"] | words["discourse_words"]


@functools.cache
def hedge_adverbs() -> frozenset[str]:
    """Hedging adverbs ("basically", "literally"): filler wherever they stand as adverbs."""
    return filler_vocabulary().words["hedge_adverbs"]


def discourse_phrases() -> tuple[tuple[str, ...], ...]:
    """Filler phrases ("you know", "I mean"), as tuples of lower-cased words."""
    return filler_vocabulary().phrases["discourse_phrases"]

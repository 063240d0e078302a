"""Sentence punctuation and capitals restored to speech-recogniser text before it is parsed.

A speech recogniser often writes a turn without punctuation or capitals ("im sorry about
that dana ive refunded the forty dollars is there anything else i can help with"). Every
dimension reads sentences, questions ("?" or an inverted auxiliary), and spaCy's tags,
and all three lean on punctuation and capitals: the tagger reads a lower-case "i" or
"can you" differently, and a polar question without "?" is a statement. So before the
shared parse, :func:`restore` gives such a turn what a writer would have given it: a
sentence end ("." or "?") after each word a small learned model marks as the end of a
sentence, a capital at each sentence start and on the pronoun "I" ("i'm" -> "I'm"), and
the apostrophe of a contraction written without it ("ive" -> "I've"). Nothing else
changes: words, their order and spelling (fillers, repeats) stay, so the filler dimension
still counts "um" and "the the".

The model (:data:`DEFAULT_RESOURCE`) is two logistic regressions over word n-gram
features: one for "a sentence ends after this word", decoded left to right, one for
"this sentence is a question". They were fitted by ``benchmarks/train_speech_punctuation.py``
on public written dialogue turns with their punctuation removed (provenance and licences
in the model file); the file is a plain table of feature weights, so applying it costs a
few dictionary look-ups per word.

Only turns without any sentence punctuation (``. ? ! , ; :``) are touched
(:func:`needs_restoring`): written text, and recogniser output that is already
punctuated, reach spaCy unchanged.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxnlp.fillers import hesitations
from cxnlp.resource_files import read_json_model

DEFAULT_RESOURCE = "speech_punctuation.json"
MODEL_FORMAT = "cxnlp.speech_punctuation.v1"
_MAX_BYTES = 8_000_000
_REFIT = "benchmarks/train_speech_punctuation.py"
#: Any of these in a turn means someone punctuated it: leave it as written.
_PUNCTUATION = frozenset(".?!,;:\u2026\u3002\uff1f\uff01")
_WORD_CHARS = re.compile(r"[^\w']+")
_PRONOUN_I = re.compile(r"^i(?=$|['\u2019](?:m|ve|ll|d|s)$)")
#: Longest distance (in words) from the last sentence start that is told apart.
_MAX_DISTANCE = 12
_MAX_REST = 6


class SpeechModelError(ValueError):
    """A speech-punctuation model file is malformed."""


def norm_word(word: str) -> str:
    """The form a feature reads: lower case, letters, digits and apostrophes only."""
    return _WORD_CHARS.sub("", word.lower().replace("\u2019", "'")) or "<sym>"


def needs_restoring(text: str) -> bool:
    """True when ``text`` has at least two words and no sentence or clause punctuation."""
    return len(text.split()) >= 2 and not any(c in _PUNCTUATION for c in text)


def boundary_features(words: Sequence[str], i: int, since_start: int) -> Iterator[str]:
    """Features of the gap after ``words[i]`` (normalised words), ``since_start`` words
    after the current sentence began (0 when ``words[i]`` opened it).

    The two words either side, their bigrams and trigrams, how far the sentence has run
    and how much of the turn is left: a new clause often opens with "i", "can", "thank",
    and a sentence of one word rarely ends unless it is "yes", "okay" or "hi".
    """
    n = len(words)
    a = words[i]
    b = words[i + 1] if i + 1 < n else "</s>"
    p = words[i - 1] if i > 0 else "<s>"
    q = words[i + 2] if i + 2 < n else "</s>"
    first = words[i - since_start]
    distance = min(since_start, _MAX_DISTANCE)
    rest = min(n - i - 1, _MAX_REST)
    yield "bias"
    yield f"a={a}"
    yield f"b={b}"
    yield f"p={p}"
    yield f"q={q}"
    yield f"pa={p} {a}"
    yield f"ab={a} {b}"
    yield f"bq={b} {q}"
    yield f"pab={p} {a} {b}"
    yield f"abq={a} {b} {q}"
    yield f"d={distance}"
    yield f"r={rest}"
    yield f"d={distance} b={b}"
    yield f"f={first} b={b}"
    yield f"f={first} a={a}"


#: Words that open a sentence without deciding its kind ("um so can you..."): the
#: question features read the sentence's first words after them.
_LEADING_FILLERS = frozenset("um umm uh uhh erm er ah oh so well okay ok yeah and but like".split())


def question_features(words: Sequence[str]) -> Iterator[str]:
    """Features of one sentence (normalised words) for "is it a question?"."""
    all_words = words
    k = 0
    while k < len(words) - 1 and words[k] in _LEADING_FILLERS:
        k += 1
    words = words[k:]
    n = len(words)
    first = words[0] if n else "</s>"
    second = words[1] if n > 1 else "</s>"
    third = words[2] if n > 2 else "</s>"
    yield "bias"
    yield f"w1={first}"
    yield f"w12={first} {second}"
    yield f"w123={first} {second} {third}"
    yield f"w2={second}"
    yield f"w23={second} {third}"
    yield f"last={words[-1] if n else '</s>'}"
    yield f"last2={' '.join(words[-2:])}"
    yield f"len={min(n, 10)}"
    for word in set(all_words[:6]):
        yield f"in={word}"


@dataclass(frozen=True)
class LinearModel:
    """A logistic regression stored as named feature weights (absent features weigh 0)."""

    weights: Mapping[str, float]
    threshold: float

    def probability(self, features: Iterator[str]) -> float:
        z = sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class SpeechPunctuator:
    """Sentence ends, question marks and capitals for unpunctuated turns (see the module)."""

    boundary: LinearModel
    question: LinearModel
    digest: str

    def sentence_ends(self, words: Sequence[str]) -> list[int]:
        """Indices of the words after which a sentence ends (the last word always does).

        Hesitations ("um", "uh") are read past, and a sentence never ends before one: the
        model learned from written text, which has none, and an "um" dropped into a clause
        must not move where its sentence ends (it opens the next sentence instead).
        """
        # Sounds a recogniser writes for a pause (cxnlp.fillers): no boundary is decided at one.
        pauses = hesitations()
        kept = [i for i, w in enumerate(words) if norm_word(w) not in pauses]
        norm = [norm_word(words[i]) for i in kept]
        ends: list[int] = []
        start = 0
        for k in range(len(norm) - 1):
            p = self.boundary.probability(boundary_features(norm, k, k - start))
            if p >= self.boundary.threshold:
                ends.append(kept[k])
                start = k + 1
        if words:
            ends.append(len(words) - 1)
        return ends

    def restore(self, text: str) -> str:
        """``text`` with sentence ends and capitals, when it :func:`needs_restoring`."""
        if not needs_restoring(text):
            return text
        words = text.split()
        out: list[str] = []
        start = 0
        for end in self.sentence_ends(words):
            sentence = words[start : end + 1]
            norm = [norm_word(w) for w in sentence]
            mark = (
                "?" if self.question.probability(question_features(norm)) >= self.question.threshold else "."
            )
            out.append(" ".join(_truecase(sentence)) + mark)
            start = end + 1
        return " ".join(out)


#: Contractions a recogniser may write without the apostrophe, where the bare form is no
#: other word ("ill", "wont", "its", "lets" are left alone).
_APOSTROPHES = {
    "im": "I'm", "ive": "I've", "youre": "you're", "youve": "you've", "theyre": "they're",
    "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't", "wasnt": "wasn't",
    "arent": "aren't", "werent": "weren't", "havent": "haven't", "hasnt": "hasn't",
    "couldnt": "couldn't", "wouldnt": "wouldn't", "shouldnt": "shouldn't", "thats": "that's",
    "theres": "there's", "whats": "what's", "weve": "we've", "youll": "you'll", "itll": "it'll",
}  # fmt: skip


def _truecase(words: Sequence[str]) -> list[str]:
    """Capitalise the sentence's first letter and the pronoun "I" ("i've" -> "I've"), and
    put back the apostrophe of an unambiguous contraction ("ive" -> "I've", "dont" -> "don't")."""
    out = [_APOSTROPHES.get(w, w) if w.islower() else w for w in words]
    out = [_PRONOUN_I.sub("I", w) for w in out]
    if out and out[0][:1].islower():
        out[0] = out[0][0].upper() + out[0][1:]
    return out


def _linear(data: Any, name: str, source: str) -> LinearModel:
    part = data.get(name)
    if not isinstance(part, dict):
        raise SpeechModelError(
            f"{source}: field {name!r} got {type(part).__name__}; expected an object. Refit with {_REFIT}."
        )
    weights, threshold = part.get("weights"), part.get("threshold")
    if not isinstance(weights, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
        for k, v in weights.items()
    ):
        raise SpeechModelError(
            f"{source}: {name}.weights must map feature names to numbers. Refit with {_REFIT}."
        )
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not 0.0 < threshold < 1.0:
        raise SpeechModelError(f"{source}: {name}.threshold got {threshold!r}; expected a number in (0, 1).")
    return LinearModel({k: float(v) for k, v in weights.items()}, float(threshold))


def load_speech_punctuator(path: str | Path | None = None) -> SpeechPunctuator:
    """Read and check a model file (the packaged one when ``path`` is None)."""
    data, source, digest = read_json_model(
        DEFAULT_RESOURCE,
        path,
        SpeechModelError,
        model_format=MODEL_FORMAT,
        max_bytes=_MAX_BYTES,
        refit=_REFIT,
    )
    return SpeechPunctuator(_linear(data, "boundary", source), _linear(data, "question", source), digest)


@functools.cache
def default_speech_punctuator() -> SpeechPunctuator:
    return load_speech_punctuator()


def restore(text: str) -> str:
    """:meth:`SpeechPunctuator.restore` with the packaged model."""
    return default_speech_punctuator().restore(text)

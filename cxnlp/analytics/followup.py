"""Route each surveyed customer to the follow-up they need, and say why.

Five actions, most urgent first (the most urgent need is never hidden behind a milder one):

``escalation``
    The customer asks for a manager, someone senior or a formal complaint, threatens legal
    action or a regulator, or threatens to cancel or switch (rating below ``good_rating``);
    or writes a strongly worded complaint with a critical rating.
``callback``
    The issue is still open ("the charge is still on my bill", "nobody ever got back to
    me"), the customer asks to be called back, or the call's evidence shows open questions
    and the rating is low.
``apology``
    A low rating about how the customer was treated or kept waiting while the issue itself
    is not reported open; and, by default, any rating at or below ``silent_rating`` (40)
    whose comment names no other need (see below).
``more_information``
    The customer is confused or asks a question.
``none``
    Nothing above applies.

**Routing by meaning.** Each comment is split into sentences and clauses; each piece is
compared with the prototype sentences of every *signal* (manager request, legal threat,
cancel threat, critical complaint, unresolved issue, callback request, treatment, waiting,
confusion, question, and the "none" signals resolved/praise, no follow-up needed, neutral) by
all-MiniLM-L6-v2 embeddings: a logistic regression fitted on the prototype embeddings names
the signal a piece expresses. The signals of one action share its probability (a piece that
reads half as a manager request and half as going public is an escalation); the piece
carries its most probable action's strongest signal when that action's probability reaches
``min_probability``, its similarity to the signal's nearest prototype reaches
``min_similarity`` (``escalation_similarity`` for escalations) and, for a need, that
similarity beats the piece's similarity to every calm ("none") prototype by ``calm_margin``
(so "Claim approved." is not a legal threat). The encoder reads topic more than polarity or
mood, so an open issue, a request for a call or a question by meaning also needs one of its
signal's *cue words* ("still", "never", "n't", "it's been" for an open issue; "please",
"could", "me" for a request; "?", "why", "not sure" for a question) unless the piece is a close
paraphrase (``uncued_similarity``): "Refund processed." is not "I still haven't received my
refund.", "10/10 would call again" is not a request for a call. A signal turned down only for
want of a cue hands the piece to its action's next signal, then to the next action ("Could
somebody ring me once it's dispatched?" reads most like an open issue and is a request). The
cue found is quoted in the evidence. A sentence of three words or fewer is also read joined
to the one before, so "He said he'd email the forms. He didn't." is a broken promise. So "I want to speak to
someone higher up" is a manager request without the word "manager", and "no need to call me
back" lands on the "no follow-up" prototypes instead of the callback ones. Phrase lists
remain as high-precision evidence: a phrase fires on its own, a piece holding a phrase
carries no contradicting signal by meaning, and a phrase after a negation ("not confusing")
counts for nothing and vetoes its own signal. A need declined or met ("no need to call me
back", "callback not required", "said they'd call me back and they did") keeps its piece
from carrying any need by meaning and is quoted as ``no_followup`` evidence, the reason a
row goes to none; a complaint that only looks negated ("no need to be so curt", "shouldn't
have been passed around") still counts, and a phrase naming the customer's own effort ("I
had to explain it twice") is no request. Signals, phrases and
prototype sentences are data: ``cxnlp/resources/followup_signals.yaml``, versioned and
overridable (:func:`load_followup_signals`).

**Low ratings are never silently "none".** A rating at or below ``silent_rating`` (default
40) with no other signal is routed to ``callback`` (rule ``callback.low_rating``) when the
call's evidence shows open questions, else to ``apology`` (rule ``apology.low_rating``):
the customer was unhappy enough to say so, and someone should ask why. When the comment
reads as praise or resolved, the reason says so and suggests checking for a reversed scale.

Every row names its ``rule`` (``<action>.<signal>``) and quotes the comment sentence that
fired as ``evidence``: the phrase it contains, or the prototype it resembles with the cosine
similarity. The sentence encoder is loaded lazily on the first routing, so importing
:mod:`cxnlp.analytics` stays cheap; ``use_meaning=False`` routes by phrases alone (no model).
An optional :class:`FollowupClassifier` (TF-IDF + logistic regression) trained on labelled
comments can route the rows no rule claimed; rules always take priority.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from cxnlp.analytics.frames import JOIN_SURVEYS_HINT, is_open_question, parse_evidence, require_columns
from cxnlp.schema import SURVEY_THRESHOLD

if TYPE_CHECKING:  # pragma: no cover
    from cxnlp.embedding import SentenceEncoder

logger = logging.getLogger(__name__)

FOLLOWUP_ACTIONS: tuple[str, ...] = (
    "escalation",
    "callback",
    "apology",
    "more_information",
    "none",
)

PRIORITY: dict[str, str] = {
    "escalation": "high",
    "callback": "medium",
    "apology": "medium",
    "more_information": "low",
    "none": "none",
}
_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}
_ACTION_ORDER = {action: i for i, action in enumerate(FOLLOWUP_ACTIONS)}

#: The packaged signal resource (``cxnlp/resources/``).
DEFAULT_SIGNALS_RESOURCE = "followup_signals.yaml"
#: Rating gates a signal can ask for (the numbers are :class:`FollowupRouter` parameters).
GATES: tuple[str, ...] = ("any", "not_good", "low", "critical")
SIGNALS_SCHEMA_VERSION = 1
#: The "none" signal that carries a declined need ("no need to call me back") as evidence.
DECLINED_SIGNAL = "no_followup"
#: The callback signal that asks for contact; it does not veto an escalation by meaning.
CONTACT_SIGNAL = "callback_request"


# --------------------------------------------------------------------------- the resource


class FollowupResourceError(ValueError):
    """A follow-up signal file is missing, unreadable or breaks the schema (one-line message)."""


@dataclass(frozen=True)
class Signal:
    """One thing a comment can say, the action it calls for and how to recognise it."""

    name: str
    action: str
    when: str
    description: str
    phrases: tuple[str, ...] = ()
    prototypes: tuple[str, ...] = ()
    negatable: bool = True
    openers: tuple[str, ...] = ()
    #: Names of the cue sets (the file's ``cue_words``) whose words show a piece means this
    #: signal and not just its topic; ``cue_words`` holds their words.
    cues: tuple[str, ...] = ()
    cue_words: tuple[str, ...] = ()

    @functools.cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return _compile(self.phrases) if self.phrases else None

    @functools.cached_property
    def cue_pattern(self) -> re.Pattern[str] | None:
        return _compile_cues(self.cue_words) if self.cue_words else None

    @functools.cached_property
    def opener_pattern(self) -> re.Pattern[str] | None:
        return _compile(self.openers, anchored=True) if self.openers else None


@dataclass(frozen=True)
class SignalSet:
    """The signals of one resource file, with where they came from and a content hash."""

    signals: tuple[Signal, ...]
    version: int
    name: str
    source: str
    sha256: str
    #: The file's content revision (bumped when a change can move a routing; 0 when absent).
    revision: int = 0
    #: Named sets of cue words (``cue_words`` in the file) that signals refer to by name.
    cue_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Signal:
        for signal in self.signals:
            if signal.name == name:
                return signal
        raise KeyError(name)


_SIGNAL_FIELDS = {"action", "when", "description", "phrases", "openers", "prototypes", "negatable", "cues"}
_TOP_FIELDS = {"version", "revision", "name", "extends", "cue_words", "signals"}


def parse_followup_signals(data: Any, *, source: str = "<data>") -> SignalSet:
    """Validate loaded signal data; errors are one line naming ``source`` and the field.

    A file with ``extends: default`` adds its phrases and prototypes to the packaged signals
    (and may add new signals); without it, the file replaces the packaged one.
    """

    def fail(where: str, problem: str) -> FollowupResourceError:
        return FollowupResourceError(
            f"follow-up signals {source}: {where}: {problem}. See the header of cxnlp's "
            f"packaged {DEFAULT_SIGNALS_RESOURCE} for the schema."
        )

    if not isinstance(data, dict):
        raise fail("(top level)", f"got {type(data).__name__}; expected a mapping with 'signals'")
    unknown = sorted(set(map(str, data)) - _TOP_FIELDS)
    if unknown:
        raise fail(unknown[0], "unknown field; remove it or check its spelling")
    version = data.get("version")
    if version != SIGNALS_SCHEMA_VERSION:
        raise fail("version", f"got {version!r}; expected {SIGNALS_SCHEMA_VERSION}")
    extends = data.get("extends")
    if extends not in (None, "default"):
        raise fail("extends", f"got {extends!r}; expected 'default' or no field")
    revision = data.get("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise fail("revision", f"got {revision!r}; expected a whole number >= 0")
    raw = data.get("signals")
    if not isinstance(raw, dict) or not raw:
        raise fail("signals", f"got {type(raw).__name__}; expected a mapping of signal names")

    base: dict[str, Signal] = {}
    cue_words: dict[str, tuple[str, ...]] = {}
    if extends == "default":
        packaged = default_followup_signals()
        base = {s.name: s for s in packaged.signals}
        cue_words = dict(packaged.cue_words)
    raw_cues = data.get("cue_words", {})
    if not isinstance(raw_cues, dict):
        got = type(raw_cues).__name__
        raise fail("cue_words", f"got {got}; expected a mapping of set names to word lists")
    for set_name, words in raw_cues.items():
        if not (isinstance(words, list) and words and all(isinstance(w, str) and w.strip() for w in words)):
            # YAML reads a bare no/yes/on/off as a bool: quote it ("no").
            raise fail(
                f"cue_words.{set_name}", f"got {words!r}; expected a non-empty list of non-empty strings"
            )
        cue_words[str(set_name)] = cue_words.get(str(set_name), ()) + tuple(w.strip() for w in words)
    merged = dict(base)
    for name, spec in raw.items():
        where = f"signals.{name}"
        if not isinstance(spec, dict):
            raise fail(where, f"got {type(spec).__name__}; expected a mapping of fields")
        bad = sorted(set(map(str, spec)) - _SIGNAL_FIELDS)
        if bad:
            raise fail(f"{where}.{bad[0]}", "unknown field; remove it or check its spelling")
        parent = base.get(name)
        fields: dict[str, Any] = {}
        for key, allowed in (("action", FOLLOWUP_ACTIONS), ("when", GATES)):
            value = spec.get(key, getattr(parent, key, None))
            if value not in allowed:
                got = "missing" if value is None else f"got {value!r}"
                raise fail(f"{where}.{key}", f"{got}; expected one of {', '.join(allowed)}")
            fields[key] = value
        description = spec.get("description", getattr(parent, "description", name))
        if not isinstance(description, str):
            raise fail(f"{where}.description", f"got {description!r}; expected a string")
        negatable = spec.get("negatable", getattr(parent, "negatable", True))
        if not isinstance(negatable, bool):
            raise fail(f"{where}.negatable", f"got {negatable!r}; expected true or false")
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("phrases", "openers", "prototypes"):
            value = spec.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise fail(f"{where}.{key}", f"got {value!r}; expected a list of non-empty strings")
            lists[key] = tuple(getattr(parent, key, ())) + tuple(v.strip() for v in value)
        if not any(lists.values()):
            raise fail(f"{where}.prototypes", "no prototypes and no phrases; add at least one")
        cues = spec.get("cues", list(getattr(parent, "cues", ())))
        if not isinstance(cues, list) or not all(isinstance(c, str) for c in cues):
            raise fail(f"{where}.cues", f"got {cues!r}; expected a list of cue_words set names")
        unknown_sets = [c for c in cues if c not in cue_words]
        if unknown_sets:
            known = ", ".join(sorted(cue_words)) or "none defined"
            raise fail(f"{where}.cues", f"got {unknown_sets[0]!r}; expected a cue_words set ({known})")
        merged[name] = Signal(
            name=str(name),
            description=description,
            negatable=negatable,
            cues=tuple(cues),
            **fields,
            **lists,
        )
    # Every signal's cue words from the merged sets (an extending file may add words to a
    # set that packaged signals name).
    merged = {
        name: replace(signal, cue_words=tuple(dict.fromkeys(w for c in signal.cues for w in cue_words[c])))
        for name, signal in merged.items()
    }
    canonical = json.dumps(data, sort_keys=True, default=str)
    return SignalSet(
        signals=tuple(merged.values()),
        version=int(version),
        name=str(data.get("name", source)),
        source=source,
        sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        revision=revision,
        cue_words=cue_words,
    )


def load_followup_signals(path: str | Path | None = None) -> SignalSet:
    """Read follow-up signals from a YAML file, or the packaged ones when ``path`` is None.

    Raises
    ------
    FollowupResourceError
        If the file is missing, not YAML or breaks the schema; the one-line message names
        the file and the field.
    """
    if path is None:
        return default_followup_signals()
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FollowupResourceError(
            f"follow-up signals {path}: cannot read the file ({exc}). Check the path."
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise FollowupResourceError(
            f"follow-up signals {path}: not valid YAML ({detail}). Fix the syntax."
        ) from exc
    return parse_followup_signals(data, source=str(path))


@functools.cache
def default_followup_signals() -> SignalSet:
    """The packaged signals (``cxnlp/resources/followup_signals.yaml``)."""
    import yaml

    text = (
        resources.files("cxnlp").joinpath("resources", DEFAULT_SIGNALS_RESOURCE).read_text(encoding="utf-8")
    )
    return parse_followup_signals(yaml.safe_load(text), source=f"cxnlp/resources/{DEFAULT_SIGNALS_RESOURCE}")


def _compile(phrases: Iterable[str], *, anchored: bool = False) -> re.Pattern[str]:
    parts = []
    for phrase in phrases:
        stem = phrase.rstrip("*")
        body = r"\s+".join(re.escape(w) for w in stem.split())
        body = body.replace("'", "['\u2019]?")
        parts.append(body + (r"\w*" if phrase.endswith("*") else ""))
    start = r"^\W*" if anchored else r"\b"
    return re.compile(start + r"(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


def _compile_cues(words: Iterable[str]) -> re.Pattern[str]:
    """Cue words: a leading or trailing ``*`` allows any word start or ending ("*n't" is
    every negated auxiliary), a leading ``^`` asks for the start of the piece ("^is": the
    shape of a question without its "?"), an apostrophe must be there (straight or curly),
    and "?" is a question mark anywhere in the piece."""
    parts = []
    for word in words:
        if word == "?":
            parts.append(r"\?")
            continue
        body = r"\s+".join(re.escape(w) for w in word.strip("*^").split()).replace("'", "['\u2019]")
        head = r"^\W*" if word.startswith("^") else r"\w*" if word.startswith("*") else r"\b"
        parts.append(head + body + (r"\w*\b" if word.endswith("*") else r"\b"))
    return re.compile("|".join(parts), re.IGNORECASE)


_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:not|never|nothing|no|without|cannot)|n['\u2019]t|\b(?:do|does|did|is|was|are|were|"
    r"have|has|had|could|would|should|ca|wo)nt)\s+"
    r"(?:(?!(?:but|and|so|then|because|though|although)\b)[\w'\u2019]+\s+){0,3}$",
    re.IGNORECASE,
)
#: Before a phrase, a complaint that only looks negated: "no need to be so curt",
#: "shouldn't have been passed around", "should never have been cut off".
_NOT_A_NEGATION = re.compile(
    r"\bno\s+need\s+(?:for\s+\w+\s+)?to\s+(?:be|get)\b|\bshould(?:n['\u2019]?t|\s+not|\s+never)\s+(?:have|need)\b",
    re.IGNORECASE,
)
#: Before a phrase: the customer's own effort, not a request ("I had to explain it three
#: times", "I tried to call back"); the phrase does not count.
_OWN_EFFORT_BEFORE = re.compile(
    r"\b(?:i|we)\s+(?:had|have|tried|needed|kept\s+having|was\s+trying|'ve\s+had)\s+to\s+"
    r"(?:\w+\s+){0,1}$",
    re.IGNORECASE,
)
#: After a phrase: the need is declined ("callback not needed") or was met ("said they'd
#: call me back and they did").
_NEGATION_AFTER = re.compile(
    r"^\W*(?:(?:is|was|are|were)\s+)?(?:not|no\s+longer|(?:is|was|are|were)n['\u2019]?t)\s+"
    r"(?:needed|required|necessary|wanted)\b"
    r"|^\W*(?:and|which)\s+(?:they|she|he|someone|somebody|it)\s+(?:did|has|have)\b(?!\s*n)",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- comment pieces

_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[-\u2013\u2014]\s+")
_CLAUSE_BREAK = re.compile(
    r"\s*,\s*|\s+(?=(?:but|though|although|however|except|apart from|only thing is|then|"
    r"and\s+(?:the|my|i|it|they|he|she|nobody|no\s+one|still|now))\b)",
    re.IGNORECASE,
)

_LEADING_LINK = re.compile(
    r"^(?:but|even\s+though|though|although|however|and\s+then|and|then|so|yet)\b\s*", re.IGNORECASE
)


#: A sentence this short ("He didn't.", "Still nothing.") is also read with the one before.
_ELLIPTIC_WORDS = 3


def split_comment(comment: str) -> list[str]:
    """The pieces of a comment compared with the prototypes: sentences, then their clauses.

    A sentence with a comma or a contrast word ("but", "though", "apart from") also yields
    its clauses (two words or more), so "lovely agent but the charge is still on my bill"
    is read both whole and as "the charge is still on my bill". A short sentence that
    leans on the one before ("He said he'd email the documents. He didn't.") is also read
    joined to it.
    """
    pieces: list[str] = []
    previous = ""
    for sentence in _SENTENCE_BREAK.split(comment.strip()):
        sentence = sentence.strip()
        if not sentence:
            continue
        if previous and len(sentence.split()) <= _ELLIPTIC_WORDS:
            pieces.append(f"{previous} {sentence}")
        previous = sentence
        pieces.append(sentence)
        clauses = [_LEADING_LINK.sub("", c.strip(" ,;")) for c in _CLAUSE_BREAK.split(sentence)]
        clauses = [c for c in clauses if len(c.split()) >= 2]
        if len(clauses) > 1:
            pieces.extend(clauses)
    return list(dict.fromkeys(pieces))


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Hit:
    """One signal found in one piece of a comment: by a phrase or by meaning."""

    signal: str
    piece: str
    #: "phrase" | "opener" (a phrase at the start of the piece) | "meaning" | "declined" (a
    #: need's phrase negated or met: "no need to call me back", carried by the "no_followup"
    #: signal); "negated" (a phrase after a negation) only while hits are collected.
    how: str
    matched: str  # the phrase, or the most similar prototype sentence of the signal
    similarity: float = math.nan  # cosine similarity to that prototype
    probability: float = math.nan  # the signal model's probability for the signal
    cue: str = ""  # by meaning: the signal's cue word found in the piece ("still", "please")

    def quote(self) -> str:
        if self.how == "declined":
            return f'declined "{self.matched.lower()}" in "{self.piece}"'
        if self.how != "meaning":
            return f'"{self.matched.lower()}" in "{self.piece}"'
        cue = f', cue "{self.cue.lower()}"' if self.cue else ""
        return (
            f'"{self.piece}" ~ "{self.matched}" (similarity {self.similarity:.2f}, '
            f"p={self.probability:.2f}{cue})"
        )

    @property
    def strength(self) -> float:
        return {"phrase": 2.0, "declined": 2.0, "opener": 1.5}.get(self.how, self.probability)


@dataclass(frozen=True)
class Decision:
    """One routing: the action, the rule that fired, why in words, and the quoted evidence."""

    action: str
    rule: str
    reason: str
    evidence: str
    hits: tuple[Hit, ...] = field(default=(), compare=False, repr=False)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


def _is_unit(value: object) -> bool:
    return _is_real(value) and 0.0 <= float(value) <= 1.0


def _is_margin(value: object) -> bool:
    return _is_real(value) and -1.0 <= float(value) <= 1.0


def _is_positive(value: object) -> bool:
    return _is_real(value) and float(value) > 0


def _is_bool(value: object) -> bool:
    return isinstance(value, bool | np.bool_)


def _is_resource(value: object) -> bool:
    return value is None or isinstance(value, str | Path | SignalSet)


def _is_encoder(value: object) -> bool:
    return value is None or hasattr(value, "encode")


class FollowupRouter(BaseEstimator):
    """Route survey responses to follow-up actions by meaning, with phrase and rating rules.

    A scikit-learn-style estimator: ``__init__`` only stores the parameters, :meth:`fit`
    validates them, reads the signal resource and embeds its prototype sentences (it learns
    nothing from ``X``/``y``: thresholds are parameters, tuned on the tune split), and
    :meth:`predict` returns one action per row. :meth:`decide_many` gives the full
    :class:`Decision` (rule, reason, evidence) that :func:`route_followups` reports.

    Parameters
    ----------
    resource
        Path to a signal YAML file, a :class:`SignalSet`, or None for the packaged
        ``followup_signals.yaml``. A file with ``extends: default`` adds to the packaged one.
    min_probability
        Probability the signal model must give a comment piece's most likely signal for the
        piece to carry it.
    min_similarity
        Cosine similarity the piece also needs to that signal's most similar prototype (a
        floor that keeps pieces unlike every prototype from being routed).
    calm_margin
        How much more a piece must resemble a need's nearest prototype than any calm
        (resolved, praise, neutral) prototype to carry the need by meaning (default -0.03:
        about as much; at 0, "Nobody ever rang me back about the refund!" loses to "The
        refund came through.", 0.71 to 0.73, as the encoder reads topic more than polarity).
    escalation_similarity
        The similarity floor for escalation signals by meaning (default 0.4, above
        ``min_similarity``): an escalation is costly, so a loose resemblance ("nice enough
        lady" to "I'm ending my contract with you", 0.34) does not raise one. Phrases are
        not affected.
    uncued_similarity
        The similarity floor, by meaning, for a signal that lists ``cues`` when the piece
        holds none of its cue words (default 0.6). The encoder reads topic more than
        polarity or mood: "Refund processed." resembles "I still haven't received my
        refund." and "10/10 would call again" resembles "I'd like a call back"; a cue word
        ("still", "never", "n't" for an open issue; "please", "could", "me" for a request;
        "?", "why", "not sure" for a question) shows the piece says the need, not only its
        topic. A close paraphrase without one still counts. Phrases are not affected.
    C
        Inverse regularisation of the signal model, a multinomial logistic regression fitted
        on the prototype embeddings (large: the prototypes are clean examples).
    good_rating
        Ratings at or above this (default 85, the survey bar) are "good": manager requests, threats and a
        bare question mark do not route them.
    low_rating
        Ratings at or below this (default 60, a 3 of 5) are "low": needed for treatment and
        waiting complaints and for the call's open questions.
    critical_rating
        Ratings at or below this (default 30) escalate on a strongly worded complaint.
    silent_rating
        Ratings at or below this (default 40) are never routed to ``none``: with no other
        signal they get ``callback.low_rating`` (open questions in the call) or
        ``apology.low_rating``. Set it below 0 to switch this off.
    use_meaning
        False routes by phrases and ratings alone (no sentence encoder is loaded).
    encoder
        A :class:`cxnlp.embedding.SentenceEncoder` (or anything with ``encode(texts)`` returning
        L2-normalised rows); None creates the default MiniLM encoder on first use.
    """

    _constraints = {
        "resource": (_is_resource, "None, a path to a YAML file or a SignalSet"),
        "min_probability": (_is_unit, "a float in [0, 1]"),
        "min_similarity": (_is_unit, "a float in [0, 1]"),
        "escalation_similarity": (_is_unit, "a float in [0, 1]"),
        "uncued_similarity": (_is_unit, "a float in [0, 1]"),
        "calm_margin": (_is_margin, "a float in [-1, 1]"),
        "C": (_is_positive, "a float > 0"),
        "good_rating": (_is_real, "a number (0-100 scale)"),
        "low_rating": (_is_real, "a number (0-100 scale)"),
        "critical_rating": (_is_real, "a number (0-100 scale)"),
        "silent_rating": (_is_real, "a number (0-100 scale)"),
        "use_meaning": (_is_bool, "a bool"),
        "encoder": (_is_encoder, "None or an object with an encode(texts) method"),
    }

    def __init__(
        self,
        *,
        resource: str | Path | SignalSet | None = None,
        min_probability: float = 0.35,
        min_similarity: float = 0.3,
        escalation_similarity: float = 0.4,
        uncued_similarity: float = 0.6,
        calm_margin: float = -0.03,
        C: float = 300.0,
        good_rating: float = SURVEY_THRESHOLD,
        low_rating: float = 60.0,
        critical_rating: float = 30.0,
        silent_rating: float = 40.0,
        use_meaning: bool = True,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.resource = resource
        self.min_probability = min_probability
        self.min_similarity = min_similarity
        self.escalation_similarity = escalation_similarity
        self.uncued_similarity = uncued_similarity
        self.calm_margin = calm_margin
        self.C = C
        self.good_rating = good_rating
        self.low_rating = low_rating
        self.critical_rating = critical_rating
        self.silent_rating = silent_rating
        self.use_meaning = use_meaning
        self.encoder = encoder

    # ------------------------------------------------------------------ fit / predict

    def fit(self, X: object = None, y: object = None) -> FollowupRouter:
        """Validate the parameters, read the signals, embed their prototypes and fit the
        signal model (a logistic regression from prototype embeddings to signal names).

        ``X`` and ``y`` are accepted for pipeline compatibility and ignored.
        """
        from cxnlp.calibration.estimators import _validate_params

        _validate_params(self, self._constraints)
        if not self.critical_rating <= self.low_rating < self.good_rating:
            raise ValueError(
                f"Got critical_rating={self.critical_rating}, low_rating={self.low_rating}, "
                f"good_rating={self.good_rating}; expected critical <= low < good."
            )
        signals = (
            self.resource if isinstance(self.resource, SignalSet) else load_followup_signals(self.resource)
        )
        self.signals_ = signals
        self.prototype_signals_: list[str] = []
        texts: list[str] = []
        for signal in signals.signals:
            texts.extend(signal.prototypes)
            self.prototype_signals_.extend([signal.name] * len(signal.prototypes))
        self.prototype_texts_ = texts
        self.encoder_ = None
        self.signal_model_ = None
        self.prototype_vectors_ = np.zeros((0, 0), dtype=np.float32)
        if self.use_meaning:
            if len(set(self.prototype_signals_)) < 2:
                raise FollowupResourceError(
                    f"follow-up signals {signals.source}: signals: prototypes for "
                    f"{len(set(self.prototype_signals_))} signal(s); expected at least two "
                    "to route by meaning. Add prototypes or use use_meaning=False."
                )
            self.encoder_ = self.encoder if self.encoder is not None else _default_encoder()
            self.prototype_vectors_ = np.asarray(self.encoder_.encode(texts), dtype=np.float32)
            self.signal_model_ = LogisticRegression(C=self.C, max_iter=5000, class_weight="balanced").fit(
                self.prototype_vectors_, np.asarray(self.prototype_signals_, dtype=object)
            )
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """One action per row of ``X`` (columns ``survey_rating``, ``survey_comment`` and,
        optionally, ``evidence``)."""
        require_columns(X, ["survey_rating"], where="FollowupRouter.predict")
        ratings = pd.to_numeric(X["survey_rating"], errors="coerce").to_numpy(dtype=float)
        comments = X["survey_comment"] if "survey_comment" in X.columns else [""] * len(X)
        cells = X["evidence"] if "evidence" in X.columns else [None] * len(X)
        decisions = self.decide_many(
            ratings, [_text(c) for c in comments], [parse_evidence(e) for e in cells]
        )
        return np.asarray([d.action for d in decisions], dtype=object)

    def fingerprint(self) -> str:
        """Hash of the parameters and the signal file's content: identifies the routing."""
        check_is_fitted(self, "signals_")
        params = {k: v for k, v in self.get_params().items() if k not in {"resource", "encoder"}}
        parts = {
            "params": params,
            "signals": self.signals_.sha256,
            "encoder": getattr(self.encoder_, "backend", None),
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ signals

    def hits(self, comments: Sequence[str]) -> list[list[Hit]]:
        """The signals found in each comment, phrase hits first, then meaning hits.

        A phrase preceded by a negation is not a hit, and it keeps the piece from carrying
        the same signal by meaning.
        """
        check_is_fitted(self, "signals_")
        actions = {s.name: s.action for s in self.signals_.signals}
        pieces = [split_comment(c) for c in comments]
        out: list[list[Hit]] = [_spread_negations(self._phrase_hits(p)) for p in pieces]
        if self.signal_model_ is not None:
            for row, found in enumerate(self._meaning_hits(pieces)):
                # A phrase is the stronger evidence: a piece holding phrases ("rude agent",
                # "the problem got fixed") carries no meaning signal other than theirs, so
                # wording never loses to a loose resemblance. Question openers are weaker
                # and veto nothing.
                # A negated phrase ("not confusing at all") vetoes its own signal; a
                # declined need ("no need to call me back", "callback not required") keeps
                # its piece from carrying any need by meaning.
                phrased: dict[str, set[str]] = {}
                negated: set[tuple[str, str]] = set()
                declined: set[str] = set()
                for hit in out[row]:
                    if hit.how == "phrase":
                        phrased.setdefault(hit.piece, set()).add(hit.signal)
                    elif hit.how == "negated":
                        negated.add((hit.piece, hit.signal))
                        if actions[hit.signal] != "none":
                            declined.add(hit.piece)
                out[row].extend(
                    h
                    for h in found
                    # An escalation by meaning survives a request for contact: "I want
                    # whoever is in charge to contact me" holds the phrase "contact me".
                    if (
                        h.piece not in phrased
                        or h.signal in phrased[h.piece]
                        or (actions[h.signal] == "escalation" and phrased[h.piece] <= {CONTACT_SIGNAL})
                    )
                    and (h.piece, h.signal) not in negated
                    and (h.piece not in declined or actions[h.signal] == "none")
                )
        for row_hits in out:
            # A declined need is evidence that no follow-up is wanted (when the resource
            # has the "no_followup" signal): it says why a row is routed to none.
            row_hits[:] = [
                Hit(DECLINED_SIGNAL, h.piece, "declined", h.matched)
                if h.how == "negated" and actions[h.signal] != "none" and DECLINED_SIGNAL in actions
                else h
                for h in row_hits
                if h.how != "negated" or (actions[h.signal] != "none" and DECLINED_SIGNAL in actions)
            ]
        return out

    def _phrase_hits(self, pieces: Sequence[str]) -> list[Hit]:
        found = []
        for signal in self.signals_.signals:
            for piece in pieces:
                if signal.opener_pattern is not None:
                    m = signal.opener_pattern.search(piece)
                    if m is not None:
                        found.append(Hit(signal.name, piece, "opener", m.group(0).strip()))
                if signal.pattern is None:
                    continue
                for m in signal.pattern.finditer(piece):
                    before = piece[: m.start()]
                    if _OWN_EFFORT_BEFORE.search(before):
                        continue  # "I had to call back three times": what the customer did
                    negated = signal.negatable and (
                        (_NEGATION_BEFORE.search(before) is not None and not _NOT_A_NEGATION.search(before))
                        or _NEGATION_AFTER.search(piece[m.end() :]) is not None
                    )
                    how = "negated" if negated else "phrase"
                    found.append(Hit(signal.name, piece, how, m.group(0)))
        return found

    def _meaning_hits(self, pieces: Sequence[Sequence[str]]) -> list[list[Hit]]:
        unique = list(dict.fromkeys(p for row in pieces for p in row))
        if not unique:
            return [[] for _ in pieces]
        vectors = np.asarray(self.encoder_.encode(unique), dtype=np.float32)
        proba = self.signal_model_.predict_proba(vectors)
        sims = vectors @ self.prototype_vectors_.T
        owners = np.asarray(self.prototype_signals_)
        floors = {
            s.name: max(self.min_similarity, self.escalation_similarity)
            if s.action == "escalation"
            else self.min_similarity
            for s in self.signals_.signals
        }
        # Signals of one action share its probability: "your director should hear about
        # this" splits between manager request and going public, yet is plainly an
        # escalation. The piece carries its most probable action's most probable signal.
        classes = [str(c) for c in self.signal_model_.classes_]
        action_of = {s.name: s.action for s in self.signals_.signals}
        actions = list(dict.fromkeys(action_of[c] for c in classes))
        member = np.array([[action_of[c] == a for c in classes] for a in actions], dtype=np.float64)
        action_proba = proba @ member.T
        # Contrast with the calm prototypes: a need by meaning must resemble its signal more
        # than the piece resembles any "none" prototype (praise, resolved, neutral),
        # so "Claim approved." is not a legal threat and "Average call" not a question.
        # Declined-need prototypes ("I wasn't kept waiting.") are left out: they read like
        # the need itself to the encoder, and the signal model tells them apart.
        calm_cols = np.flatnonzero([action_of[o] == "none" and o != DECLINED_SIGNAL for o in owners])
        calm_sims = sims[:, calm_cols].max(axis=1) if len(calm_cols) else np.full(len(unique), -np.inf)
        by_piece: dict[str, Hit] = {}
        cue_patterns = {s.name: s.cue_pattern for s in self.signals_.signals}

        def carried(i: int, k: int, a: int) -> Hit | str:
            """The hit, or why not: "uncued" (only for want of a cue word) or "weak"."""
            signal = classes[k]
            cols = np.flatnonzero(owners == signal)
            j = int(cols[sims[i, cols].argmax()])
            # A signal with cue words: without one, the piece may share only the topic
            # ("Direct debit updated." ~ "The payment is still missing."), so it must be a
            # close paraphrase.
            cue_pattern = cue_patterns[signal]
            cue = cue_pattern.search(unique[i]) if cue_pattern is not None else None
            floor = floors[signal]
            if cue_pattern is not None and cue is None:
                floor = max(floor, self.uncued_similarity)
            if action_of[signal] != "none" and sims[i, j] < calm_sims[i] + self.calm_margin:
                return "weak"
            if sims[i, j] < floor:
                return "uncued" if sims[i, j] >= floors[signal] else "weak"
            return Hit(
                signal,
                unique[i],
                "meaning",
                self.prototype_texts_[j],
                float(sims[i, j]),
                float(action_proba[i, a]),
                cue.group(0).strip() if cue is not None else "",
            )

        for i, piece in enumerate(unique):
            # The most probable action's most probable signal. A signal turned down only
            # for want of its cue words hands the piece on: to the action's next signal,
            # then to the next action that reaches min_probability. "Could somebody ring me
            # once the replacement is dispatched?" reads most like an open issue, has none
            # of its cue words, and is a request for a call; "I'd like a breakdown of the
            # new charges." reads most like "The charge is still on my bill." and is a
            # question.
            for a in np.argsort(-action_proba[i], kind="stable"):
                if action_proba[i, a] < self.min_probability:
                    break
                ranked = [int(k) for k in np.argsort(-proba[i], kind="stable") if member[a, k] > 0]
                top = carried(i, ranked[0], int(a))
                if top == "uncued":
                    top = next(
                        (h for k in ranked[1:] if isinstance(h := carried(i, k, int(a)), Hit)), "uncued"
                    )
                if isinstance(top, Hit):
                    by_piece[piece] = top
                if top != "uncued":
                    break
        return [[by_piece[p] for p in row if p in by_piece] for row in pieces]

    # ------------------------------------------------------------------ decisions

    def decide_many(
        self,
        ratings: Sequence[float],
        comments: Sequence[str],
        evidence: Sequence[Sequence[Mapping[str, Any]]] | None = None,
    ) -> list[Decision]:
        """Route many responses at once (comment pieces are embedded in one batch)."""
        check_is_fitted(self, "signals_")
        evidence = evidence if evidence is not None else [[] for _ in comments]
        if not len(ratings) == len(comments) == len(evidence):
            raise ValueError(
                f"Got {len(ratings)} ratings, {len(comments)} comments and {len(evidence)} "
                "evidence lists; expected one of each per response."
            )
        all_hits = self.hits([_text(c) for c in comments])
        return [
            self._decide(float(r), _text(c), e, h)
            for r, c, e, h in zip(ratings, comments, evidence, all_hits, strict=True)
        ]

    def _gate(self, when: str, rating: float) -> bool:
        known = not math.isnan(rating)
        if when == "not_good":
            return not known or rating < self.good_rating
        if when == "low":
            return not known or rating <= self.low_rating
        if when == "critical":
            return known and rating <= self.critical_rating
        return True

    def _decide(
        self, rating: float, comment: str, evidence: Sequence[Mapping[str, Any]], hits: list[Hit]
    ) -> Decision:
        signals = {s.name: s for s in self.signals_.signals}
        known = not math.isnan(rating)
        low = known and rating <= self.low_rating
        shown = f"{rating:g}" if known else "none"
        firing = [
            h
            for h in hits
            if signals[h.signal].action != "none" and self._gate(signals[h.signal].when, rating)
        ]
        calm = [h for h in hits if signals[h.signal].action == "none"]
        resolved = any(h.signal == "resolved" for h in calm)
        opened = [str(i.get("sentence", "")).strip() for i in evidence if is_open_question(i)]

        def from_hits(action: str) -> Decision | None:
            mine = [h for h in firing if signals[h.signal].action == action]
            if not mine:
                return None
            top = max(mine, key=lambda h: h.strength)
            quotes = [top] + [h for h in mine if h is not top and h.signal == top.signal][:1]
            reason = signals[top.signal].description
            if signals[top.signal].when != "any" and known:
                reason += f" (rating {shown})"
            return Decision(
                action,
                f"{action}.{top.signal}",
                reason,
                " | ".join(h.quote() for h in quotes),
                tuple(hits),
            )

        for action in ("escalation", "callback"):
            decision = from_hits(action)
            if decision is not None:
                return decision
        if opened and low and not resolved:
            return Decision(
                "callback",
                "callback.open_questions",
                f"low rating ({shown}) and {len(opened)} open question(s) in the call",
                " | ".join(opened[:3]),
                tuple(hits),
            )
        decision = from_hits("apology") or from_hits("more_information")
        if decision is not None:
            return decision
        if "?" in comment and (not known or rating < self.good_rating):
            piece = next((p for p in split_comment(comment) if "?" in p), comment)
            return Decision(
                "more_information",
                "more_information.question",
                "the customer asks a question",
                f'"?" in "{piece}"',
                tuple(hits),
            )
        if known and rating <= self.silent_rating:
            return self._low_rating(rating, opened, calm, hits)
        if calm:
            top = max(calm, key=lambda h: h.strength)
            return Decision("none", "none", signals[top.signal].description, top.quote(), tuple(hits))
        return Decision("none", "none", "no follow-up signal in the comment", "", tuple(hits))

    def _low_rating(self, rating: float, opened: list[str], calm: list[Hit], hits: list[Hit]) -> Decision:
        why = f"rating {rating:g} is at or below {self.silent_rating:g} and the comment names no other need"
        if calm:
            top = max(calm, key=lambda h: h.strength)
            why += "; the comment reads positive, check the rating scale was not reversed"
            quoted = top.quote()
        else:
            quoted = ""
        if opened:
            return Decision(
                "callback",
                "callback.low_rating",
                why + f"; {len(opened)} open question(s) in the call",
                " | ".join(opened[:3]),
                tuple(hits),
            )
        return Decision(
            "apology", "apology.low_rating", why + ": apologise and ask what went wrong", quoted, tuple(hits)
        )


def _spread_negations(found: list[Hit]) -> list[Hit]:
    """A phrase negated in a sentence is negated in the sentence's clauses too: "I was told
    someone would call me back and they did" declines the callback in the clause "I was told
    someone would call me back" as well."""
    negated = [h for h in found if h.how == "negated"]
    if not negated:
        return found
    return [
        Hit(h.signal, h.piece, "negated", h.matched)
        if h.how == "phrase"
        and any(
            n.signal == h.signal and n.matched.lower() == h.matched.lower() and h.piece in n.piece
            for n in negated
        )
        else h
        for h in found
    ]


@functools.cache
def _default_encoder() -> SentenceEncoder:
    from cxnlp.embedding import SentenceEncoder

    return SentenceEncoder()


@functools.cache
def _default_router(**params: Any) -> FollowupRouter:
    return FollowupRouter(**params).fit()


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def decide(
    rating: float,
    comment: str,
    evidence_items: Sequence[dict[str, Any]],
    *,
    good_rating: float = SURVEY_THRESHOLD,
    low_rating: float = 60.0,
    critical_rating: float = 30.0,
    router: FollowupRouter | None = None,
) -> Decision:
    """Route one surveyed contact. See the module docstring for the order.

    ``rating`` is 0-100, or NaN when the customer left only a comment: then a signal's
    rating gate reads as passed ("not good", "low") except "critical", and the rules that
    rest on the rating itself (open questions in the call, the never-none floor) do not
    fire. Uses the default :class:`FollowupRouter` with these thresholds unless ``router``
    (fitted) is given.
    """
    if router is None:
        router = _default_router(
            good_rating=good_rating, low_rating=low_rating, critical_rating=critical_rating
        )
    return router.decide_many([rating], [comment], [evidence_items])[0]


class FollowupClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF + logistic regression over survey comments, to extend the routing rules.

    Train it on comments labelled with :data:`FOLLOWUP_ACTIONS` (for example the rows a
    team leader re-routed by hand); :func:`route_followups` consults it only for rows no
    rule claimed, and only above ``min_confidence``.

    Parameters
    ----------
    C
        Inverse regularisation strength of the logistic regression.
    ngram_range
        Word n-grams for TF-IDF; (1, 2) keeps "not fixed" apart from "fixed".
    min_df
        Minimum document frequency of a term.
    class_weight
        Passed to the logistic regression; "balanced" because "none" dominates real data.
    min_confidence
        Probability the predicted action needs before :func:`route_followups` uses it.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        class_weight: str | dict[Any, float] | None = "balanced",
        min_confidence: float = 0.6,
    ) -> None:
        self.C = C
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.class_weight = class_weight
        self.min_confidence = min_confidence

    def fit(self, X: Iterable[str], y: Iterable[str]) -> FollowupClassifier:
        """Learn the comment -> action mapping; ``y`` must use :data:`FOLLOWUP_ACTIONS`."""
        texts = _texts(X)
        labels = np.asarray(list(y), dtype=object)
        if len(texts) != len(labels):
            raise ValueError(
                f"Got {len(texts)} comments and {len(labels)} labels; expected one label per comment."
            )
        unknown = sorted(set(labels) - set(FOLLOWUP_ACTIONS))
        if unknown:
            raise ValueError(
                f"Got labels {unknown}; expected actions among {FOLLOWUP_ACTIONS}. Relabel them."
            )
        if len(set(labels)) < 2:
            raise ValueError(
                f"Got a single action {sorted(set(labels))} in y; expected at least two to learn from."
            )
        self.pipeline_ = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(ngram_range=self.ngram_range, min_df=self.min_df, sublinear_tf=True),
                ),
                (
                    "logreg",
                    LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=1000),
                ),
            ]
        )
        self.pipeline_.fit(texts, labels)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probability of each action in ``classes_`` order."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(_texts(X))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The most probable action per comment."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


def _texts(X: Iterable[str]) -> list[str]:
    if isinstance(X, str):
        raise TypeError("Got a single string; expected an iterable of comments. Wrap it in a list.")
    return ["" if _missing(x) else str(x) for x in X]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


PASSTHROUGH: tuple[str, ...] = ("customer_name", "agent_id", "team", "queue", "channel")


def route_followups(
    df: pd.DataFrame,
    *,
    router: FollowupRouter | None = None,
    classifier: FollowupClassifier | None = None,
    good_rating: float = SURVEY_THRESHOLD,
    low_rating: float = 60.0,
    critical_rating: float = 30.0,
    resource: str | Path | None = None,
    id_col: str = "transcript_id",
    rating_col: str = "survey_rating",
    comment_col: str = "survey_comment",
    evidence_col: str = "evidence",
    passthrough: Sequence[str] = PASSTHROUGH,
) -> pd.DataFrame:
    """Route every surveyed contact to one follow-up action, most urgent first.

    Parameters
    ----------
    df
        The score table joined with surveys. Rows with neither a rating nor a comment (not
        surveyed) are left out.
    router
        A :class:`FollowupRouter` (fitted or not); None uses the default router with the
        thresholds and ``resource`` below (it loads the sentence encoder on first use).
    classifier
        A fitted :class:`FollowupClassifier`, consulted only where no rule fired.
    good_rating, low_rating, critical_rating
        Rating thresholds of the default router (see :class:`FollowupRouter`); ignored when
        ``router`` is given.
    resource
        A follow-up signal YAML file for the default router (None: the packaged one).
    id_col, rating_col, comment_col, evidence_col
        Column names; ``evidence_col`` is optional.
    passthrough
        Context columns copied when present (customer name for the callback, agent, team).

    Returns
    -------
    pandas.DataFrame
        ``transcript_id, action, priority, rule, reason, evidence, survey_rating,
        survey_comment`` and the passthrough columns present, sorted by priority then
        rating (lowest first). ``evidence`` quotes the comment sentence that fired: the
        phrase it contains, or the prototype it resembles with the cosine similarity.
    """
    require_columns(
        df,
        [id_col, rating_col],
        where="route_followups",
        hint=JOIN_SURVEYS_HINT,
    )
    if router is None and resource is not None:
        # Not cached: the file may change between calls (prototype vectors are, by the encoder).
        router = FollowupRouter(
            good_rating=good_rating,
            low_rating=low_rating,
            critical_rating=critical_rating,
            resource=resource,
            encoder=_default_encoder(),
        ).fit()
    elif router is None:
        router = _default_router(
            good_rating=good_rating, low_rating=low_rating, critical_rating=critical_rating
        )
    elif not hasattr(router, "signals_"):
        router = router.fit()
    ratings = pd.to_numeric(df[rating_col], errors="coerce")
    comments = df[comment_col] if comment_col in df.columns else pd.Series(None, index=df.index)
    comments = comments.map(_text)
    surveyed = ratings.notna() | comments.str.strip().ne("")
    rows = df.loc[surveyed]
    cells = rows[evidence_col] if evidence_col in rows.columns else [None] * len(rows)

    decisions = router.decide_many(
        ratings[surveyed].to_numpy(dtype=float),
        list(comments[surveyed]),
        [parse_evidence(e) for e in cells],
    )
    if classifier is not None:
        decisions = _apply_classifier(classifier, decisions, list(comments[surveyed]))

    out = pd.DataFrame(
        {
            id_col: rows[id_col].to_numpy(),
            "action": [d.action for d in decisions],
            "priority": [PRIORITY[d.action] for d in decisions],
            "rule": [d.rule for d in decisions],
            "reason": [d.reason for d in decisions],
            "evidence": [d.evidence for d in decisions],
            rating_col: ratings[surveyed].to_numpy(),
            comment_col: comments[surveyed].to_numpy(),
        }
    )
    for col in passthrough:
        if col in rows.columns and col not in out.columns:
            out[col] = rows[col].to_numpy()
    order = out["priority"].map(_PRIORITY_ORDER)
    out = out.assign(_order=order).sort_values(["_order", rating_col], kind="stable")
    logger.info("route_followups: %s", out["action"].value_counts().to_dict())
    return out.drop(columns="_order").reset_index(drop=True)


def _apply_classifier(
    classifier: FollowupClassifier, decisions: list[Decision], comments: list[str]
) -> list[Decision]:
    check_is_fitted(classifier, "pipeline_")
    open_rows = [i for i, d in enumerate(decisions) if d.action == "none" and comments[i].strip()]
    if not open_rows:
        return decisions
    proba = classifier.predict_proba([comments[i] for i in open_rows])
    best = proba.argmax(axis=1)
    out = list(decisions)
    for row, k, p in zip(open_rows, best, proba[np.arange(len(best)), best], strict=True):
        action = str(classifier.classes_[k])
        if action != "none" and p >= classifier.min_confidence:
            out[row] = Decision(action, "classifier", f"text classifier: P({action}) = {p:.2f}", "")
    return out


def write_followups(followups: pd.DataFrame, path: str | Path) -> Path:
    """Write the routed follow-ups as CSV or Parquet, chosen by the file extension.

    Returns the path written, so a CLI can print it.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise ValueError(
            f"Got a path ending in {suffix or '(no extension)'!r}; expected .csv or .parquet. "
            "Rename the output file."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    from cxnlp.io import write_frame

    return write_frame(followups, target)

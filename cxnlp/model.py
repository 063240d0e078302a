"""The data model every stage shares: turns, transcripts, evidence, results, rejects.

Records are frozen dataclasses so that a transcript read once can be handed to any
number of scorers, threads or workers without anyone changing it under the others.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Speaker = Literal["agent", "customer", "system"]

#: How raw speaker labels map onto the roles cxnlp knows. Matching is on the lower-cased,
#: stripped label. Anything else is rejected with the label named. ``system`` is an IVR
#: prompt, a bot or a recorded message: kept in the transcript (it takes time and the
#: customer hears it) but never scored as the agent's words.
SPEAKER_ALIASES: Mapping[str, Speaker] = MappingProxyType(
    {
        **dict.fromkeys(
            [
                "agent",
                "rep",
                "representative",
                "helpdesk",
                "advisor",
                "adviser",
                "associate",
                "staff",
                "support",
                "operator",
                "employee",
                "assistant",
                "csr",
                "service",
            ],
            "agent",
        ),
        **dict.fromkeys(
            [
                "system",
                "bot",
                "ivr",
                "virtual_agent",
                "virtual agent",
                "automated_agent",
                "automated agent",
            ],
            "system",
        ),
        **dict.fromkeys(
            [
                "customer",
                "caller",
                "user",
                "client",
                "member",
                "guest",
                "consumer",
                "contact",
                "seeker",
                "patient",
                "subscriber",
            ],
            "customer",
        ),
    }
)


def speaker_key(label: str) -> str:
    """A speaker label as :data:`SPEAKER_ALIASES` keys it: compatibility forms folded
    (full-width "Ａｇｅｎｔ"), invisible format characters dropped (a zero-width space or
    byte-order mark an export left in "AGENT\u200b"), trimmed, lower case."""
    folded = unicodedata.normalize("NFKC", label)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf").strip().lower()


def normalise_speaker(label: object) -> Speaker:
    """Map a raw speaker label onto ``"agent"``, ``"customer"`` or ``"system"``.

    Raises
    ------
    ValueError
        If the label is not a string or is not one of :data:`SPEAKER_ALIASES`.
    """
    if not isinstance(label, str):
        raise ValueError(f"Got speaker {label!r} of type {type(label).__name__}; expected a string.")
    role = SPEAKER_ALIASES.get(speaker_key(label))
    if role is None:
        known = ", ".join(sorted(SPEAKER_ALIASES))
        raise ValueError(f"Got unknown speaker {label!r}; expected one of: {known}.")
    return role


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's uninterrupted contribution to a conversation.

    ``start`` and ``end`` are seconds from the start of the call, when the source has
    them. ``agent_id`` tells agents apart in a transferred call (the platform's
    participant or user id); None when the source has one agent or does not say.
    """

    speaker: Speaker
    text: str
    start: float | None = None
    end: float | None = None
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole interaction: ordered turns plus metadata that passes through untouched.

    ``source`` says where the record came from (``file:line`` or ``file:row``) so that
    every error and reject can point back to it.
    """

    id: str
    turns: tuple[Turn, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "turns", tuple(self.turns))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only metadata proxy cannot be pickled; rebuild from a plain dict (for
        # process pools and Dask workers).
        return (Transcript, (self.id, self.turns, dict(self.metadata), self.source))

    @classmethod
    def from_pairs(cls, id: str, pairs: Iterable[tuple[str, str]], **metadata: Any) -> Transcript:
        """Build a transcript from ``(speaker, text)`` pairs; handy in notebooks and tests."""
        return cls(
            id=str(id),
            turns=tuple(Turn(normalise_speaker(s), t) for s, t in pairs),
            metadata=metadata,
        )

    @property
    def agent_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.speaker == "agent")

    def content_hash(self) -> str:
        """A stable hash of what is scored (turns) and carried (metadata).

        Used by the nightly batch to tell a changed transcript from an unchanged one.
        """
        payload = {
            "id": self.id,
            "turns": [_turn_key(t) for t in self.turns],
            "metadata": {k: _jsonable(v) for k, v in sorted(self.metadata.items())},
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _turn_key(turn: Turn) -> list[Any]:
    # agent_id only when set, so transcripts without one hash as they did before it existed
    # (a store does not rescore every call because the model grew a field).
    key: list[Any] = [turn.speaker, turn.text, turn.start, turn.end]
    return key if turn.agent_id is None else [*key, turn.agent_id]


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclass(frozen=True, slots=True)
class Evidence:
    """One finding behind a dimension score: where it is and what was found.

    ``weight`` is the finding's signed contribution in the dimension's own terms (points
    for the 0-100 dimensions, words for filler), so the evidence explains the number.
    """

    dimension: str
    kind: str
    turn_index: int
    sentence: str
    detail: str = ""
    weight: float = 0.0
    span: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "kind": self.kind,
            "turn_index": self.turn_index,
            "sentence": self.sentence,
            "detail": self.detail,
            "weight": round(float(self.weight), 4),
            "span": self.span,
        }


@dataclass(frozen=True, slots=True)
class DimensionResult:
    """A dimension's score (0-100, NaN when it does not apply), its evidence and features.

    ``features`` are the interpretable sub-measures the score is built from; calibration
    uses them as inputs, so their names are part of the output contract.
    """

    name: str
    score: float
    evidence: tuple[Evidence, ...] = ()
    features: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoredTranscript:
    """Everything cxnlp says about one transcript."""

    transcript: Transcript
    dimensions: Mapping[str, DimensionResult]
    interaction_score: float
    n_sentences: int
    #: Encoded mean sentence embedding per conversation slot (see :mod:`cxnlp.slots`).
    slot_vectors: str | None = None

    @property
    def id(self) -> str:
        return self.transcript.id

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for d in self.dimensions.values() for e in d.evidence)


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that could not be scored, with where it came from and why."""

    source: str
    reason: str
    record_id: str | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        # Ids are written unredacted (join keys), but a card number or security code in
        # one never is (PCI; docs/privacy.md, "Record ids").
        if isinstance(self.record_id, str):
            from cxnlp.privacy.detectors import pci_scrub_id

            object.__setattr__(self, "record_id", pci_scrub_id(self.record_id))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "record_id": self.record_id,
            "field": self.field,
            "reason": self.reason,
        }

"""Which anonymous speaker is the agent: read from what each one says.

Speech recognisers diarise (``SPEAKER_00``, ``speaker 1``, ``A``) but do not say who
works for the company. :func:`infer_roles` scores each speaker on cues from the packaged
``role_cues.yaml`` (a greeting with a company name, "how can I help", verification
questions, holds, offers, "thank you for calling" for the agent; "my account", "I want
to", "why is" for the customer) and names the best-scoring speaker the agent, with a
confidence from the margin over the runner-up. Below the threshold the call is rejected
with that reason (:func:`assign_roles`), never guessed silently.

Limits: one agent per call (every other anonymous speaker is the customer); cues are
English; an agent who says nothing agent-like (or a call of one word each) is rejected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cxnlp.ingest.rejects import RecordError
from cxnlp.model import SPEAKER_ALIASES
from cxnlp.resource_files import read_yaml_resource

RESOURCE = "role_cues.yaml"


class RoleCuesError(ValueError):
    """A role-cue file that cannot be used (not YAML, a missing key, a bad pattern)."""


@dataclass(frozen=True, slots=True)
class Cue:
    side: str
    family: str
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class RoleCues:
    """The parsed cue file; ``source`` and ``sha256`` say which file it was."""

    cues: tuple[Cue, ...]
    max_hits: int
    scale: float
    threshold: float
    source: str
    sha256: str


@dataclass(frozen=True, slots=True)
class RoleDecision:
    """Who is the agent, how sure, and every speaker's score (for the reject reason)."""

    agent: str | None
    confidence: float
    scores: Mapping[str, float]

    def accepted(self, threshold: float) -> bool:
        return self.agent is not None and self.confidence >= threshold


def load_role_cues(path: str | Path | None = None) -> RoleCues:
    """The packaged cue file (or ``path``), validated; errors name the file and the key."""
    if path is None:
        return _packaged()
    return _parse(*read_yaml_resource(RESOURCE, path, RoleCuesError))


@lru_cache(maxsize=1)
def _packaged() -> RoleCues:
    return _parse(*read_yaml_resource(RESOURCE, None, RoleCuesError))


def _parse(data: Any, source: str, sha256: str) -> RoleCues:
    if not isinstance(data, Mapping):
        raise RoleCuesError(f"{source}: expected a mapping with 'agent' and 'customer' cue families.")
    cues: list[Cue] = []
    for side in ("agent", "customer"):
        families = data.get(side)
        if not isinstance(families, Mapping) or not families:
            raise RoleCuesError(f"{source}: expected '{side}' to map cue families to weights and patterns.")
        for family, spec in families.items():
            if not isinstance(spec, Mapping) or not isinstance(spec.get("patterns"), list):
                raise RoleCuesError(f"{source}: {side}.{family} needs 'weight' and a 'patterns' list.")
            weight = float(spec.get("weight", 1))
            for pattern in spec["patterns"]:
                try:
                    compiled = re.compile(str(pattern), re.IGNORECASE)
                except re.error as err:
                    raise RoleCuesError(
                        f"{source}: {side}.{family}: bad pattern {pattern!r} ({err})."
                    ) from err
                cues.append(Cue(side, str(family), weight, compiled))
    try:
        max_hits = int(data.get("max_hits", 3))
        scale = float(data.get("scale", 2.0))
        threshold = float(data.get("threshold", 0.75))
    except (TypeError, ValueError) as err:
        raise RoleCuesError(f"{source}: max_hits, scale and threshold must be numbers ({err}).") from err
    if max_hits < 1 or scale <= 0 or not 0.5 <= threshold < 1:
        raise RoleCuesError(f"{source}: expected max_hits >= 1, scale > 0 and 0.5 <= threshold < 1.")
    return RoleCues(tuple(cues), max_hits, scale, threshold, source, sha256)


def speaker_score(text: str, cues: RoleCues) -> float:
    """Agent-likeness of everything one speaker said: agent cues minus customer cues."""
    score = 0.0
    for cue in cues.cues:
        hits = min(len(cue.pattern.findall(text)), cues.max_hits)
        score += hits * cue.weight if cue.side == "agent" else -hits * cue.weight
    return score


def infer_roles(turns: Sequence[tuple[str, str]], cues: RoleCues | None = None) -> RoleDecision:
    """Decide which speaker label is the agent from ``(label, text)`` turns.

    The confidence is ``1 - 0.5 * exp(-margin / scale)``: 0.5 when the two best speakers
    score the same, towards 1 as the best one pulls ahead. A lone speaker's margin is its
    own score (it must sound like an agent to be taken for one).
    """
    cues = cues or load_role_cues()
    said: dict[str, list[str]] = {}
    for label, text in turns:
        said.setdefault(label, []).append(text)
    scores = {label: speaker_score(" \n ".join(texts), cues) for label, texts in said.items()}
    if not scores:
        return RoleDecision(None, 0.0, {})
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0]
    margin = top - ranked[1][1] if len(ranked) > 1 else top
    confidence = 1.0 - 0.5 * math.exp(-max(margin, 0.0) / cues.scale)
    return RoleDecision(best if margin > 0 else None, round(confidence, 4), scores)


def assign_roles(record: dict[str, Any], cues: RoleCues | None = None) -> dict[str, Any]:
    """A record with anonymous speaker labels → the same record with roles, or a RecordError.

    Labels that already name a role (``agent``, ``Customer``, ``IVR`` …) are left alone
    and nothing is inferred. Otherwise the inferred agent's label and the confidence are
    added to the metadata (``inferred_agent_speaker``, ``role_confidence``) and the other
    speakers become the customer.
    """
    cues = cues or load_role_cues()
    turns = record.get("turns") or []
    labels = [str(t.get("speaker", "")) for t in turns]
    anonymous = [label for label in labels if label.strip().lower() not in SPEAKER_ALIASES]
    if not anonymous:
        return record
    # Labels that name a role (an "IVR:" caption beside "SPEAKER_00") keep it; the
    # anonymous ones are told apart among themselves.
    decision = infer_roles(
        [
            (label, str(t.get("text", "")))
            for label, t in zip(labels, turns, strict=True)
            if label in anonymous
        ],
        cues,
    )
    record_id = str(record.get("id"))
    if not decision.accepted(cues.threshold):
        shown = ", ".join(f"{label} {score:+.1f}" for label, score in decision.scores.items())
        raise RecordError(
            f"Got anonymous speakers and could not tell the agent from the customer "
            f"(confidence {decision.confidence:.2f} below {cues.threshold:.2f}; cue scores {shown}); "
            "expected one speaker to sound like the agent. Label the speakers in the export, "
            "or score it with roles named.",
            field="turns.speaker",
            record_id=record_id,
        )
    new_turns = [
        t if label not in anonymous else {**t, "speaker": "agent" if label == decision.agent else "customer"}
        for label, t in zip(labels, turns, strict=True)
    ]
    return {
        **record,
        "turns": new_turns,
        "inferred_agent_speaker": decision.agent,
        "role_confidence": decision.confidence,
    }

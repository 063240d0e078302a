"""Which anonymous speaker is the agent: read from what each one says and how they talk.

Speech recognisers diarise (``SPEAKER_00``, ``speaker 1``, ``A``) but do not say who
works for the company. :func:`speaker_features` describes each speaker by features from
the packaged ``role_cues.yaml``: how often each cue family fires (a greeting with a company
name, "how can I help", verification questions, holds, recommendations and offers, asking
about the other's wishes for the agent; addressing the company's care account by its
@handle, "my account", "why is", "how do I", stated preferences ("I like", "I'm looking
for"), requests for suggestions, taking one up for the customer),
second- against first-person words, how many turns ask about the person addressed or
answer the other's question, how many named items (film titles) each speaker brings up
first and in how many turns, and how many turns react to an item the other just brought
up (the seeker reacts to suggestions, the recommender makes them). A small logistic regression over those
features (:mod:`cxnlp.ingest.role_model`, weights in ``role_model.json``) gives each
speaker a score; the best-scoring speaker is the agent and the confidence is the model's
calibrated probability that it is, against the runner-up. Below the threshold the call is
rejected with that reason (:func:`assign_roles`), never guessed silently.

Who speaks first, how many turns ask anything and how long the turns are are computed too,
but the packaged model does not use them: the customer opens (and asks) in every STC-3
dialogue, the recommender opens (and asks) in most AB-ReDial ones and the agent opens most
phone calls, so their sign depends on the channel.

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
from cxnlp.ingest.role_model import RoleModel, RoleModelError, default_role_model
from cxnlp.model import SPEAKER_ALIASES, speaker_key
from cxnlp.resource_files import read_yaml_resource
from cxnlp.text_location import ASCII_APOSTROPHES

RESOURCE = "role_cues.yaml"
#: Features computed from the turns rather than a cue family, in the order they are listed.
STRUCTURAL_FEATURES: tuple[str, ...] = (
    "second_person_rate",
    "first_person_rate",
    "question_rate",
    "addressee_question_rate",
    "answer_rate",
    "new_items_per_turn",
    "new_item_turn_rate",
    "reacts_to_new_item_rate",
    "speaks_first",
    "log_words_per_turn",
)
_WORD = re.compile(r"[a-z']+")
#: Per-turn counts behind the rate features.
_TURN_COUNTS = ("answers", "new_items", "new_item_turns", "reacts_to_new_item")
_SIDES = ("agent", "customer")


class RoleCuesError(ValueError):
    """A role-cue file that cannot be used (not YAML, a missing key, a bad pattern)."""


@dataclass(frozen=True, slots=True)
class CueFamily:
    """One named list of patterns that one side tends to say."""

    side: str
    name: str
    patterns: tuple[re.Pattern[str], ...]

    @property
    def feature(self) -> str:
        return f"{self.side}.{self.name}"


@dataclass(frozen=True, slots=True)
class RoleCues:
    """The parsed cue file; ``source`` and ``sha256`` say which file it was."""

    families: tuple[CueFamily, ...]
    second_person: frozenset[str]
    first_person: frozenset[str]
    question: tuple[re.Pattern[str], ...]
    addressee_question: tuple[re.Pattern[str], ...]
    answer: tuple[re.Pattern[str], ...]
    item: tuple[re.Pattern[str], ...]
    max_hits: int
    threshold: float
    source: str
    sha256: str

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Every feature :func:`speaker_features` computes, cue families first."""
        return (*(f.feature for f in self.families), *STRUCTURAL_FEATURES)


@dataclass(frozen=True, slots=True)
class RoleDecision:
    """Who is the agent, how sure, every speaker's score, and why (for the reject reason).

    ``terms`` holds each feature's share of the margin between the chosen speaker and the
    runner-up (positive: it pointed at the chosen one).
    """

    agent: str | None
    confidence: float
    scores: Mapping[str, float]
    terms: Mapping[str, float]

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


def _patterns(source: str, key: str, patterns: Any) -> tuple[re.Pattern[str], ...]:
    if not isinstance(patterns, list) or not patterns:
        raise RoleCuesError(f"{source}: expected '{key}' to be a non-empty list of regular expressions.")
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(str(pattern), re.IGNORECASE))
        except re.error as err:
            raise RoleCuesError(f"{source}: {key}: bad pattern {pattern!r} ({err}).") from err
    return tuple(compiled)


def _words(source: str, data: Mapping[str, Any], key: str) -> frozenset[str]:
    words = data.get(key)
    if not isinstance(words, list) or not words:
        raise RoleCuesError(f"{source}: expected 'pronouns.{key}' to be a non-empty list of words.")
    return frozenset(str(w).lower() for w in words)


def _parse(data: Any, source: str, sha256: str) -> RoleCues:
    if not isinstance(data, Mapping):
        raise RoleCuesError(f"{source}: expected a mapping with 'agent' and 'customer' cue families.")
    families: list[CueFamily] = []
    for side in _SIDES:
        named = data.get(side)
        if not isinstance(named, Mapping) or not named:
            raise RoleCuesError(f"{source}: expected '{side}' to map cue family names to pattern lists.")
        for name, patterns in named.items():
            families.append(CueFamily(side, str(name), _patterns(source, f"{side}.{name}", patterns)))
    pronouns = data.get("pronouns")
    if not isinstance(pronouns, Mapping):
        raise RoleCuesError(f"{source}: expected 'pronouns' with 'second_person' and 'first_person' lists.")
    try:
        max_hits = int(data.get("max_hits", 3))
        threshold = float(data.get("threshold", 0.75))
    except (TypeError, ValueError) as err:
        raise RoleCuesError(f"{source}: max_hits and threshold must be numbers ({err}).") from err
    if max_hits < 1 or not 0.5 <= threshold < 1:
        raise RoleCuesError(f"{source}: expected max_hits >= 1 and 0.5 <= threshold < 1.")
    return RoleCues(
        families=tuple(families),
        second_person=_words(source, pronouns, "second_person"),
        first_person=_words(source, pronouns, "first_person"),
        question=_patterns(source, "question", data.get("question")),
        addressee_question=_patterns(source, "addressee_question", data.get("addressee_question")),
        answer=_patterns(source, "answer", data.get("answer")),
        item=_patterns(source, "item", data.get("item")),
        max_hits=max_hits,
        threshold=threshold,
        source=source,
        sha256=sha256,
    )


def _any(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _plain(text: str) -> str:
    """``text`` with typographic apostrophes made ASCII.

    Cue patterns spell contractions with ``'``; written chat and translated posts often use
    ``’`` ("Why doesn’t it work?"), which would otherwise hide "doesn't", "I'm", "you'll"
    from every pattern and from the pronoun lists.
    """
    return text.translate(ASCII_APOSTROPHES)


def _normal(item: str) -> str:
    return " ".join(_WORD.findall(item.lower()))


def speaker_features(turns: Sequence[tuple[str, str]], cues: RoleCues) -> dict[str, dict[str, float]]:
    """Every speaker's features (:attr:`RoleCues.feature_names`) from ``(label, text)`` turns.

    Cue families count pattern matches in everything the speaker said (each pattern at
    most ``max_hits`` times). Rates are per turn of the speaker, except the pronoun rates,
    which are per ten words. ``answer_rate`` counts turns that follow another speaker's
    question and open with an answer ("yes", "no", "I haven't"); ``new_item_turn_rate``
    turns that name an item nobody named before; ``reacts_to_new_item_rate`` turns that
    follow another speaker's turn that did.
    """
    said: dict[str, list[str]] = {}
    counts: dict[str, dict[str, int]] = {}
    named: set[str] = set()
    previous: tuple[str, str, bool] | None = None
    for label, raw in turns:
        text = _plain(raw)
        said.setdefault(label, []).append(text)
        count = counts.setdefault(label, dict.fromkeys(_TURN_COUNTS, 0))
        items = {_normal(m.group(0)) for p in cues.item for m in p.finditer(text)} - named
        named |= items
        other = previous if previous is not None and previous[0] != label else None
        follows_question = other is not None and _any(cues.question, other[1])
        count["answers"] += int(follows_question and _any(cues.answer, text))
        count["new_items"] += len(items)
        count["new_item_turns"] += int(bool(items))
        count["reacts_to_new_item"] += int(other is not None and other[2])
        previous = (label, text, bool(items))
    first = turns[0][0] if turns else None
    features: dict[str, dict[str, float]] = {}
    for label, texts in said.items():
        joined = " \n ".join(texts)
        row = {
            family.feature: float(sum(min(len(p.findall(joined)), cues.max_hits) for p in family.patterns))
            for family in cues.families
        }
        words = _WORD.findall(joined.lower())
        per_ten = 10.0 / max(len(words), 1)
        n = len(texts)
        row["second_person_rate"] = per_ten * sum(w in cues.second_person for w in words)
        row["first_person_rate"] = per_ten * sum(w in cues.first_person for w in words)
        row["question_rate"] = sum(_any(cues.question, t) for t in texts) / n
        row["addressee_question_rate"] = sum(_any(cues.addressee_question, t) for t in texts) / n
        count = counts[label]
        row["answer_rate"] = count["answers"] / n
        row["new_items_per_turn"] = count["new_items"] / n
        row["new_item_turn_rate"] = count["new_item_turns"] / n
        row["reacts_to_new_item_rate"] = count["reacts_to_new_item"] / n
        row["speaks_first"] = float(label == first)
        row["log_words_per_turn"] = math.log1p(len(words) / n)
        features[label] = row
    return features


def check_model_fits(model: RoleModel, cues: RoleCues) -> None:
    """Refuse a model that needs a feature the cue file does not define (a renamed family)."""
    unknown = sorted(set(model.names) - set(cues.feature_names))
    if unknown:
        raise RoleModelError(
            f"{model.source}: got features {unknown} that {cues.source} does not define; expected a "
            "subset of its cue families and the structural features. Refit the model with "
            "benchmarks/train_roles.py after renaming or removing a cue family."
        )


def infer_roles(
    turns: Sequence[tuple[str, str]], cues: RoleCues | None = None, model: RoleModel | None = None
) -> RoleDecision:
    """Decide which speaker label is the agent from ``(label, text)`` turns.

    Each speaker's score is the model's weighted sum of its features; the confidence is
    ``sigmoid(best - runner-up)``, the model's probability that the best-scoring speaker
    is the agent rather than the runner-up: 0.5 when they score the same. A lone speaker
    is compared with a silent one (all features 0): it must sound like an agent to be
    taken for one.
    """
    cues = cues or load_role_cues()
    model = model or default_role_model()
    check_model_fits(model, cues)
    features = speaker_features(turns, cues)
    if not features:
        return RoleDecision(None, 0.0, {}, {})
    scores = {label: model.score(row) for label, row in features.items()}
    ranked = sorted(scores, key=lambda label: scores[label], reverse=True)
    best = ranked[0]
    runner_up = features[ranked[1]] if len(ranked) > 1 else dict.fromkeys(model.names, 0.0)
    diff = {n: features[best][n] - runner_up[n] for n in model.names}
    margin = model.score(diff)
    confidence = float(1.0 / (1.0 + math.exp(-margin))) if margin > 0 else 0.5
    terms = {n: t for n, t in model.terms(diff).items() if t}
    return RoleDecision(
        best if margin > 0 else None,
        round(confidence, 4),
        {label: round(score, 3) for label, score in scores.items()},
        dict(sorted(terms.items(), key=lambda kv: -abs(kv[1]))),
    )


def assign_roles(
    record: dict[str, Any], cues: RoleCues | None = None, model: RoleModel | None = None
) -> dict[str, Any]:
    """A record with anonymous speaker labels → the same record with roles, or a RecordError.

    Labels that already name a role (``agent``, ``Customer``, ``IVR`` …) are left alone
    and nothing is inferred. Otherwise the inferred agent's label and the confidence are
    added to the metadata (``inferred_agent_speaker``, ``role_confidence``) and the other
    speakers become the customer.
    """
    cues = cues or load_role_cues()
    turns = record.get("turns") or []
    labels = [str(t.get("speaker", "")) for t in turns]
    anonymous = [label for label in labels if speaker_key(label) not in SPEAKER_ALIASES]
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
        model,
    )
    record_id = str(record.get("id"))
    if not decision.accepted(cues.threshold):
        shown = ", ".join(f"{label} {score:+.1f}" for label, score in decision.scores.items())
        why = ", ".join(f"{name} {term:+.1f}" for name, term in list(decision.terms.items())[:3])
        raise RecordError(
            f"Got anonymous speakers and could not tell the agent from the customer "
            f"(confidence {decision.confidence:.2f} below {cues.threshold:.2f}; agent scores {shown}"
            f"{'; strongest signals ' + why if why else ''}); "
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

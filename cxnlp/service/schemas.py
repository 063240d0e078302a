"""The service's JSON contract: request and response models, and the versioned result schema.

Every response the service sends is one of these pydantic models, so FastAPI validates
what goes out and publishes it at ``/docs``. :data:`RESULT_SCHEMA_VERSION` names the
contract a QA tool relies on: it changes (and ``docs/result-schema.json`` with it,
checked by the tests) whenever a field of :class:`ScoreResult` is renamed, removed or
changes meaning; adding an optional field keeps the version.

2.0: personal data is redacted from every text a response quotes (on by default,
``configuration.redaction`` says), and evidence offsets index the turn text as the
service shows it (redacted); ``source_*`` offsets index the text as sent.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxnlp.schema import DIMENSION_COLUMNS, SCORE_COLUMNS

#: Version of :class:`ScoreResult`; a tool checks ``schema_version`` before reading fields.
RESULT_SCHEMA_VERSION = "2.0"

#: Most transcripts one ``POST /v1/score`` may carry; a longer list is refused with 413.
MAX_TRANSCRIPTS_PER_REQUEST = 64

DimensionName = Literal["brand_congruence", "answer_completeness", "proactive_connection", "filler_content"]
ScoreName = Literal[
    "brand_congruence", "answer_completeness", "proactive_connection", "filler_content", "interaction_score"
]

# Literal types must be spelled out for type checkers; they are checked against cxnlp.schema here.
assert get_args(DimensionName) == DIMENSION_COLUMNS
assert get_args(ScoreName) == SCORE_COLUMNS


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceItem(_Model):
    """One finding behind a dimension score, located in the turn it was found in."""

    dimension: DimensionName
    kind: str = Field(description="What was found (e.g. preferred_phrase, met, filler_word).")
    turn_index: int = Field(description="Index of the turn in the transcript's turns, from 0.")
    speaker: Literal["agent", "customer"] | None = Field(
        None, description="Who said the sentence; null for stored results (the store keeps no turns)."
    )
    sentence: str = Field(
        description="The sentence the finding is about, personal data redacted unless the service "
        "runs with --no-redact (empty for whole-call notes)."
    )
    start: int | None = Field(
        None,
        description="Character offset of the sentence in the turn text as the service shows it: "
        "turns[turn_index].text redacted (0-based, Python/Unicode code points), so "
        "shown_text[start:end] == sentence; the text as sent when nothing in the turn was "
        "redacted. Null when it cannot be located (whole-call notes, stored calls whose text "
        "is not found).",
    )
    end: int | None = Field(
        None, description="End offset (exclusive) of the sentence in the shown turn text."
    )
    span: str | None = Field(None, description="The exact words that triggered the finding, if narrower.")
    span_start: int | None = Field(None, description="Character offset of span in the shown turn text.")
    span_end: int | None = Field(None, description="End offset (exclusive) of span in the shown turn text.")
    source_start: int | None = Field(
        None,
        description="Offset of the sentence in the turn text as sent (unredacted), for a tool that "
        "holds the original call; equals start when nothing before it was redacted.",
    )
    source_end: int | None = Field(None, description="End offset (exclusive) in the turn text as sent.")
    source_span_start: int | None = Field(None, description="Offset of span in the turn text as sent.")
    source_span_end: int | None = Field(
        None, description="End offset (exclusive) of span in the text as sent."
    )
    detail: str = Field("", description="Why it counts, in words.")
    points: float = Field(
        description="Signed contribution in the dimension's own units (points; words for filler)."
    )


class DimensionScore(_Model):
    """One dimension's score: 0-100, or null with the reason it does not apply."""

    score: float | None = Field(description="0-100; null when the dimension does not apply.")
    applies: bool
    why_not_applicable: str | None = Field(None, description="Why the score is null.")
    higher_is_better: bool = Field(description="False for filler_content (a share of wasted words).")


class Prediction(_Model):
    """A calibrated prediction of a human target, with its interval."""

    target: str = Field(description="The human column the calibrator predicts (e.g. rubric_score).")
    prediction: float | None
    interval_low: float | None
    interval_high: float | None
    interval_level: float = Field(0.9, description="Coverage the interval is built for.")


class Configuration(_Model):
    """What produced the numbers: equal ids mean comparable results."""

    id: str = Field(description="Hash of cxnlp version, scorer configuration, brand profile and calibration.")
    cxnlp_version: str
    scorer_config_id: str = Field(description="The batch store's config_id for the same scorer and brand.")
    brand_sha256: str | None = Field(
        description="Hash of the brand profile file; null for the packaged default."
    )
    calibration_id: str | None = Field(description="Hash of the calibration files; null without calibration.")
    redaction: bool = Field(
        True,
        description="Whether personal data is redacted from the texts this service returns "
        "(cxnlp serve --no-redact turns it off; card security codes are removed either way).",
    )


class ScoreResult(_Model):
    """Everything the service says about one transcript (the published result contract)."""

    schema_version: str = Field(RESULT_SCHEMA_VERSION, description="Version of this contract.")
    transcript_id: str
    dimensions: dict[DimensionName, DimensionScore]
    interaction_score: float | None = Field(
        description="Weighted composite, 0-100; null when nothing applies."
    )
    interaction_why_not: str | None = Field(None, description="Why interaction_score is null.")
    evidence: list[EvidenceItem]
    predictions: list[Prediction] = Field(description="Calibrated predictions; empty without a calibration.")
    configuration: Configuration
    scored_at: str | None = Field(None, description="When the batch stored it (stored results only).")
    metadata: dict[str, Any] = Field(default_factory=dict, description="The record's other keys, as sent.")


class RejectItem(_Model):
    """A record that was not scored, and why."""

    index: int | None = Field(description="Position in the request's list (0 for a single object).")
    record_id: str | None
    field: str | None = Field(description="The field at fault (turns[2].speaker), null for the whole record.")
    reason: str


class ScoreResponse(_Model):
    """``POST /v1/score``: every record received is in ``results`` or ``rejects``."""

    schema_version: str = RESULT_SCHEMA_VERSION
    received: int
    results: list[ScoreResult]
    rejects: list[RejectItem]


class Health(_Model):
    status: Literal["ready"]
    cxnlp_version: str
    configuration: Configuration
    store: bool = Field(description="Whether a result store is attached (results, reviews, agreement).")
    calibration_targets: list[str]
    auth: bool = Field(description="Whether API keys are required.")


class ExplainTerm(_Model):
    term: str
    kind: str = Field(description="feature, slot or intercept.")
    dimension: str | None
    contribution: float


class ExplainSentence(_Model):
    turn_index: int
    speaker: str
    slot: str
    sentence: str = Field(description="The sentence, redacted like evidence.")
    start: int | None = Field(
        description="Character offset of the sentence in the shown (redacted) turn text."
    )
    end: int | None
    source_start: int | None = Field(None, description="Offset of the sentence in the turn text as sent.")
    source_end: int | None = None
    contribution: float


class Explanation(_Model):
    target: str
    prediction: float
    interval_low: float
    interval_high: float
    terms: list[ExplainTerm]
    raises: list[ExplainSentence] = Field(description="Sentences that lift the prediction most.")
    lowers: list[ExplainSentence] = Field(description="Sentences that lower it most.")


class ExplainResponse(_Model):
    transcript_id: str
    configuration: Configuration
    explanations: list[Explanation]


class ResultsPage(_Model):
    """``GET /v1/results``: one page of the store's newest results."""

    results: list[ScoreResult]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last.")
    config_id: str | None = Field(description="The store configuration the page was read from.")


NA = "n/a"


class ReviewIn(_Model):
    """A reviewer's verdict on one call (``POST /v1/reviews``)."""

    transcript_id: str = Field(min_length=1, max_length=200)
    reviewer_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Taken from the API key; only an admin key (or a service without keys) may set it.",
    )
    rubric_score: float | None = Field(None, ge=0, le=100, description="The reviewer's rubric score, 0-100.")
    dimensions: dict[DimensionName, float | Literal["n/a"]] = Field(
        default_factory=dict,
        description="Per-dimension scores 0-100 on the dimension's own scale, or 'n/a'; omit a "
        "dimension not rated.",
    )
    disputes: list[ScoreName] = Field(
        default_factory=list, description="Machine scores the reviewer disputes."
    )
    comment: str | None = Field(None, max_length=5000)

    @field_validator("dimensions")
    @classmethod
    def _in_range(cls, value: dict[str, float | str]) -> dict[str, float | str]:
        for name, score in value.items():
            if score != NA and not (isinstance(score, int | float) and 0 <= score <= 100):
                raise ValueError(f"Got {name}={score!r}; expected a number 0-100 or 'n/a'.")
        return value


class Review(_Model):
    """A stored review, as ``GET`` and the review table return it."""

    review_id: str
    transcript_id: str
    reviewer_id: str
    key_id: str | None
    created_at: str
    rubric_score: float | None
    dimensions: dict[DimensionName, float | Literal["n/a"]]
    disputes: list[ScoreName]
    comment: str | None


class TurnSegment(_Model):
    """A run of a turn's text covered by the same evidence (what the review page highlights)."""

    start: int = Field(description="Character offset in the turn text (0-based, code points).")
    end: int = Field(description="End offset (exclusive).")
    evidence: list[int] = Field(description="Indices into result.evidence whose sentence covers this run.")
    spans: list[int] = Field(description="Indices into result.evidence whose exact words cover this run.")


class CallTurn(_Model):
    """One turn of a stored call, as the batch read it (personal data redacted)."""

    index: int
    speaker: Literal["agent", "customer"]
    text: str = Field(description="The turn's text as the service shows it (redacted unless --no-redact).")
    start_seconds: float | None = None
    end_seconds: float | None = None
    segments: list[TurnSegment] = Field(description="The text cut where evidence begins or ends.")


class CallView(_Model):
    """``GET /v1/calls/{id}``: one stored call as the review page shows it."""

    result: ScoreResult = Field(description="The stored result, evidence located in the turns when found.")
    turns: list[CallTurn] = Field(description="Empty when the call's text cannot be found (see text_note).")
    text_note: str | None = Field(None, description="Why the turns are missing, when they are.")
    reviews: list[Review] = Field(description="Reviews of this call so far, oldest first.")
    explanations: list[Explanation] = Field(
        default_factory=list,
        description="What each calibrated prediction of this call is made of (POST /v1/explain "
        "on the call's text, sentences located in the shown turns); empty without a calibration "
        "or without the call's text.",
    )


class AgreementRow(_Model):
    target: str = Field(description="rubric_score or a dimension.")
    comparison: str = Field(description="machine-reviewer, machine-reviewer-mean or reviewer-reviewer.")
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    flag: bool = False
    flag_reason: str = ""


class ReviewerDrift(_Model):
    """How far one reviewer sits from the other reviewers of the same calls."""

    reviewer_id: str
    target: str
    n: int = Field(description="Calls this reviewer rated that someone else rated too.")
    mean_difference: float | None = Field(description="Reviewer minus the others' mean, in points.")
    ci_low: float | None
    ci_high: float | None
    verdict: Literal["lenient", "severe", "in line", "too few"]


class AgreementResponse(_Model):
    reviews: int
    transcripts: int
    reviewers: int
    machine_reviewer: list[AgreementRow]
    reviewer_reviewer: list[AgreementRow]
    drift: list[ReviewerDrift]
    notes: list[str]


def clean_number(value: Any) -> float | None:
    """A JSON-safe float: NaN, infinities and None become None."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`ScoreResult` (``GET /v1/schema``, ``docs/result-schema.json``)."""
    schema = ScoreResult.model_json_schema()
    schema["$id"] = f"https://cxnlp/schemas/score-result/{RESULT_SCHEMA_VERSION}"
    schema["title"] = "cxnlp ScoreResult"
    schema["x-schema-version"] = RESULT_SCHEMA_VERSION
    return schema


def result_schema_text() -> str:
    """:func:`result_json_schema` as the text written to ``docs/result-schema.json``."""
    return json.dumps(result_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m cxnlp.service.schemas > docs/result-schema.json
    import sys

    sys.stdout.write(result_schema_text())

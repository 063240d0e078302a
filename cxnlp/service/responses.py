"""Where every result the service sends is built: scored transcripts and stored rows alike.

:func:`scored_result` (fresh scores) and :func:`stored_result` (rows the nightly batch
stored) quote the call only through a :class:`~cxnlp.service.redaction.ShownCall`, so
every text a result carries is redacted the way cxnlp writes files (docs/privacy.md).

Evidence carries character offsets into the turn's own text, so a review tool can
highlight it without re-splitting sentences: :func:`locate` finds the sentence in the
turn (whitespace-tolerant, since a finding may join several sentences of a turn), and
the span inside the sentence.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from cxnlp.model import Evidence, ScoredTranscript, Transcript
from cxnlp.privacy import Redactor
from cxnlp.schema import DIMENSION_COLUMNS, higher_is_better
from cxnlp.service.redaction import ShownCall
from cxnlp.service.schemas import (
    Configuration,
    DimensionScore,
    EvidenceItem,
    Prediction,
    ScoreResult,
    clean_number,
)
from cxnlp.text_location import locate

#: Why a dimension is null when its evidence says nothing more specific.
NOT_APPLICABLE = {
    "brand_congruence": "the agent says no sentence the brand profile can judge",
    "answer_completeness": "the customer voiced no need to answer",
    "proactive_connection": "the agent says nothing, so there is no connection to score",
    "filler_content": "the agent says no words to measure",
}
#: Evidence kinds that explain a null score rather than a finding.
_WHY_KINDS = frozenset({"no_need", "no_agent_speech"})
HIGHER_IS_BETTER = {name: higher_is_better(name) for name in DIMENSION_COLUMNS}


def evidence_item(item: Evidence, shown: ShownCall) -> EvidenceItem:
    """One evidence item, its texts redacted, with offsets into its turn's text when the
    call is known: ``start``/``end`` in the turn as shown (redacted), ``source_*`` in the
    turn as sent.

    Fresh evidence quotes the original text and is found there; stored evidence was
    redacted by the batch and is found in the redacted turn instead. Either way the
    returned sentence and span are the shown text at the returned offsets.
    """
    speaker = None
    shown_at = source_at = shown_span = source_span = None
    turns = shown.transcript.turns if shown.transcript is not None else ()
    if 0 <= item.turn_index < len(turns):
        turn = turns[item.turn_index]
        speaker = turn.speaker
        redaction = shown.turn(item.turn_index)
        source_at = locate(turn.text, item.sentence)
        if source_at is not None:
            shown_at = redaction.map_span(*source_at)
        else:
            shown_at = locate(redaction.text, item.sentence)
            source_at = redaction.source_span(*shown_at) if shown_at is not None else None
        if shown_at is not None and source_at is not None and item.span:
            inner = locate(turn.text[source_at[0] : source_at[1]], item.span)
            if inner is not None:
                source_span = (source_at[0] + inner[0], source_at[0] + inner[1])
                shown_span = redaction.map_span(*source_span)
            else:
                inner = locate(redaction.text[shown_at[0] : shown_at[1]], item.span)
                if inner is not None:
                    shown_span = (shown_at[0] + inner[0], shown_at[0] + inner[1])
                    source_span = redaction.source_span(*shown_span)
        sentence = redaction.text[shown_at[0] : shown_at[1]] if shown_at is not None else None
        span = redaction.text[shown_span[0] : shown_span[1]] if shown_span is not None else None
    else:
        sentence = span = None
    return EvidenceItem(
        dimension=item.dimension,
        kind=item.kind,
        turn_index=item.turn_index,
        speaker=speaker,
        sentence=sentence if sentence is not None else shown.text(item.sentence),
        start=shown_at[0] if shown_at else None,
        end=shown_at[1] if shown_at else None,
        span=span if span is not None else shown.text(item.span),
        span_start=shown_span[0] if shown_span else None,
        span_end=shown_span[1] if shown_span else None,
        source_start=source_at[0] if source_at else None,
        source_end=source_at[1] if source_at else None,
        source_span_start=source_span[0] if source_span else None,
        source_span_end=source_span[1] if source_span else None,
        detail=shown.text(item.detail),
        points=round(float(item.weight), 4),
    )


def dimension_scores(scores: Mapping[str, float], evidence: Sequence[Evidence]) -> dict[str, DimensionScore]:
    """Each dimension's score, or null with the reason taken from its evidence."""
    out = {}
    for name in DIMENSION_COLUMNS:
        value = clean_number(scores.get(name))
        why = None
        if value is None:
            why = next(
                (e.detail for e in evidence if e.dimension == name and e.kind in _WHY_KINDS and e.detail),
                NOT_APPLICABLE[name],
            )
        out[name] = DimensionScore(
            score=value,
            applies=value is not None,
            why_not_applicable=why,
            higher_is_better=HIGHER_IS_BETTER[name],
        )
    return out


def predictions(row: Mapping[str, Any], targets: Sequence[str]) -> list[Prediction]:
    """The calibrated predictions ``apply_calibration`` added to a row."""
    return [
        Prediction(
            target=target,
            prediction=clean_number(row.get(f"{target}_pred")),
            interval_low=clean_number(row.get(f"{target}_pred_low")),
            interval_high=clean_number(row.get(f"{target}_pred_high")),
        )
        for target in targets
        if f"{target}_pred" in row
    ]


def interaction_reason(value: float | None, dims: Mapping[str, DimensionScore]) -> str | None:
    if value is not None:
        return None
    if not any(d.applies for d in dims.values()):
        return "no dimension applies to this call"
    return "the customer voiced no need and the agent said too few words to grade"


def scored_result(
    scored: ScoredTranscript,
    row: Mapping[str, Any],
    *,
    configuration: Configuration,
    targets: Sequence[str],
    redactor: Redactor,
) -> ScoreResult:
    """The result of a transcript scored now: ``row`` is its output row (with any
    calibrated ``<target>_pred`` columns); every text redacted by ``redactor``."""
    transcript = scored.transcript
    shown = ShownCall(redactor, transcript)
    dims = dimension_scores({k: d.score for k, d in scored.dimensions.items()}, scored.evidence)
    interaction = clean_number(scored.interaction_score)
    return ScoreResult(
        transcript_id=transcript.id,
        dimensions=dims,
        interaction_score=interaction,
        interaction_why_not=interaction_reason(interaction, dims),
        evidence=[evidence_item(e, shown) for e in scored.evidence],
        predictions=predictions(row, targets),
        configuration=configuration,
        metadata=shown.value(_jsonable(dict(transcript.metadata))),
    )


#: Columns of a stored row that are scores, features or bookkeeping, not metadata.
_NOT_METADATA_PREFIXES = ("f_", "slot_")


def stored_result(
    row: Mapping[str, Any],
    *,
    configuration: Configuration,
    targets: Sequence[str],
    redactor: Redactor,
    transcript: Transcript | None = None,
) -> ScoreResult:
    """The result of a row the nightly batch stored, every text redacted by ``redactor``
    (again: the batch may have run with ``--no-redact``).

    The store keeps no turn text, so evidence offsets are null unless the call's
    ``transcript`` (found again by :mod:`cxnlp.service.call_text`) is given.
    """
    evidence = [Evidence(**item) for item in json.loads(row.get("evidence") or "[]")]
    dims = dimension_scores({name: row.get(name, math.nan) for name in DIMENSION_COLUMNS}, evidence)
    interaction = clean_number(row.get("interaction_score"))
    reserved = {
        "transcript_id",
        *DIMENSION_COLUMNS,
        "interaction_score",
        "n_turns",
        "n_agent_turns",
        "n_sentences",
        "evidence",
        "content_hash",
        "cxnlp_version",
        "config_id",
        "run_id",
        "scored_at",
    }
    metadata = {
        key: value
        for key, value in row.items()
        if key not in reserved
        and not key.startswith(_NOT_METADATA_PREFIXES)
        and not any(key.startswith(f"{t}_pred") for t in targets)
    }
    quoted = [text for e in evidence for text in (e.sentence, e.detail) if text]
    shown = ShownCall(redactor, transcript, quoted=quoted, metadata=metadata)
    return ScoreResult(
        transcript_id=str(row["transcript_id"]),
        dimensions=dims,
        interaction_score=interaction,
        interaction_why_not=interaction_reason(interaction, dims),
        evidence=[evidence_item(e, shown) for e in evidence],
        predictions=predictions(row, targets),
        configuration=configuration,
        scored_at=str(row.get("scored_at")) if row.get("scored_at") is not None else None,
        metadata=shown.value(_jsonable(metadata)),
    )


def _jsonable(value: Any) -> Any:
    """Metadata made JSON-safe: NaN to null, numpy scalars to Python, containers walked."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


__all__ = ["NOT_APPLICABLE", "evidence_item", "locate", "scored_result", "stored_result"]

"""One transcript sentence by sentence, with the evidence the scorer found on each.

The score table says how a call scored; a reviewer also needs to read the call as it
happened and see, next to each sentence, what it earned or cost. No language model is
loaded here: sentence boundaries come from the evidence itself and from end punctuation.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from cxnlp.model import ScoredTranscript, Transcript
from cxnlp.schema import DIMENSION_COLUMNS
from cxnlp.text_location import locate

logger = logging.getLogger(__name__)

__all__ = ["transcript_view"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def transcript_view(
    result: ScoredTranscript | pd.Series | Mapping[str, Any],
    transcript: Transcript | None = None,
) -> pd.DataFrame:
    """The transcript sentence by sentence, with the evidence the scorer found on each.

    Evidence items carry their turn and sentence; this puts them back into the running
    text so a reviewer reads the call as it happened and sees, next to each sentence, what
    it earned or cost. Sentences that the scorer found nothing on are kept (they are half
    of what a reviewer judges). Sentence boundaries come from the evidence itself (the
    scorer's own spaCy sentences) and, between them, from end punctuation, so no language
    model is loaded here.

    Parameters
    ----------
    result
        A :class:`~cxnlp.model.ScoredTranscript` (from ``Scorer.score_one``), or one row of
        the score table (a Series or mapping with ``evidence`` JSON).
    transcript
        The transcript itself; required with a score-table row, which holds no text.

    Returns
    -------
    DataFrame
        One row per sentence in reading order: ``turn_index, speaker, sentence``, one
        column per dimension with the net evidence weight on that sentence (points for
        the 0-100 dimensions; filler words for ``filler_content``, where more is worse;
        0.0 where nothing was found), ``n_findings`` and ``findings`` (items separated by ``" | "``, each
        ``dimension/kind weight: detail``).

    Raises
    ------
    ValueError
        A score-table row without its transcript, or with a different transcript's id.
    """
    transcript, evidence = _transcript_and_evidence(result, transcript)
    dimensions = list(DIMENSION_COLUMNS)
    dimensions += sorted({e["dimension"] for e in evidence} - set(dimensions))
    rows: list[dict[str, Any]] = []
    placed: set[int] = set()
    for turn_index, turn in enumerate(transcript.turns):
        items = [(k, e) for k, e in enumerate(evidence) if e["turn_index"] == turn_index]
        for sentence, found in _segment(turn.text, items):
            placed.update(k for k, _ in found)
            rows.append(_view_row(turn_index, turn.speaker, sentence, [e for _, e in found], dimensions))
    orphans = [e for k, e in enumerate(evidence) if k not in placed]
    if orphans:
        logger.info("%d evidence item(s) did not match a turn's text; listed last", len(orphans))
    for e in orphans:
        turn_index = int(e["turn_index"])
        speaker = transcript.turns[turn_index].speaker if 0 <= turn_index < len(transcript.turns) else ""
        rows.append(_view_row(turn_index, speaker, str(e["sentence"]), [e], dimensions))
    columns = ["turn_index", "speaker", "sentence", *dimensions, "n_findings", "findings"]
    return pd.DataFrame.from_records(rows, columns=columns)


def _transcript_and_evidence(
    result: ScoredTranscript | pd.Series | Mapping[str, Any], transcript: Transcript | None
) -> tuple[Transcript, list[dict[str, Any]]]:
    if isinstance(result, ScoredTranscript):
        return result.transcript, [e.to_dict() for e in result.evidence]
    if not isinstance(result, pd.Series | Mapping) or "evidence" not in result:
        raise ValueError(
            f"Got {type(result).__name__}; expected a ScoredTranscript or a score-table row "
            "with an 'evidence' column. Pass scorer.score_one(t) or scores.iloc[i]."
        )
    if transcript is None:
        raise ValueError(
            "Got a score-table row without its transcript; expected transcript=. The table "
            "holds no text: pass cxnlp.ingest.load_transcript(path, row['transcript_id'])."
        )
    row_id = result.get("transcript_id")
    if row_id is not None and str(row_id) != transcript.id:
        raise ValueError(
            f"Got a row for transcript {row_id!r} and transcript {transcript.id!r}; "
            "expected the same transcript. Load the transcript with the row's id."
        )
    blob = result["evidence"]
    evidence = json.loads(blob) if isinstance(blob, str) else list(blob)
    return transcript, evidence


def _segment(
    text: str, items: Sequence[tuple[int, Mapping[str, Any]]]
) -> list[tuple[str, list[tuple[int, Mapping[str, Any]]]]]:
    """Split a turn into sentences, attaching each evidence item to the sentence it names.

    Evidence sentences are located in the text (longest first, each at its first free
    occurrence); the text between them is split at end punctuation. Items whose sentence
    is not in the text are left out (the caller lists them separately).
    """
    claimed: list[tuple[int, int, str]] = []
    for sentence in sorted({str(e["sentence"]) for _, e in items}, key=len, reverse=True):
        found = _free_occurrence(text, sentence, claimed)
        if found is not None:
            claimed.append((*found, sentence))
    claimed.sort()
    pieces: list[tuple[str, list[tuple[int, Mapping[str, Any]]]]] = []
    cursor = 0
    for start, end, sentence in claimed:
        pieces.extend((s, []) for s in _split_plain(text[cursor:start]))
        pieces.append((text[start:end], [(k, e) for k, e in items if e["sentence"] == sentence]))
        cursor = end
    pieces.extend((s, []) for s in _split_plain(text[cursor:]))
    return pieces


def _free_occurrence(
    text: str, sentence: str, claimed: Sequence[tuple[int, int, str]]
) -> tuple[int, int] | None:
    """The first place ``sentence`` occurs in ``text`` outside the ``claimed`` spans
    (found as :func:`~cxnlp.text_location.locate` finds it: restored speech-recogniser
    sentences by their words)."""
    after = 0
    while (found := locate(text, sentence, after=after)) is not None:
        start, end = found
        if all(end <= a or start >= b for a, b, _ in claimed):
            return found
        after = start + 1
    return None


def _split_plain(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def _view_row(
    turn_index: int,
    speaker: str,
    sentence: str,
    found: Sequence[Mapping[str, Any]],
    dimensions: Sequence[str],
) -> dict[str, Any]:
    row: dict[str, Any] = {"turn_index": turn_index, "speaker": speaker, "sentence": sentence}
    for dimension in dimensions:
        row[dimension] = float(sum(float(e["weight"]) for e in found if e["dimension"] == dimension))
    row["n_findings"] = len(found)
    row["findings"] = " | ".join(
        f"{e['dimension']}/{e['kind']} {float(e['weight']):+.1f}: {e['detail']}" for e in found
    )
    return row

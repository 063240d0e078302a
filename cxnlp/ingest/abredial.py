"""AB-ReDial movie-recommendation dialogues and their multi-aspect ratings.

``annotated_dialogues.csv`` has one row per (dialogue, annotator): ``ConvId``, the
utterances ``utterance0..utterance21`` (cells read ``SYSTEM<sep><text>`` or
``USER<sep><text>``, where the separator is a tab or, in a few dialogues, spaces around
an em space), five ratings and a free-text justification. SYSTEM is the recommender and
becomes the agent; USER is the seeker and becomes the customer. Each utterance is one
turn, so turn positions match the utterance numbers.

**ConvId is not a unique dialogue key.** Five ConvIds (AT, BO, F1, G0, J7 in the public
file) label two different dialogues each, rated by different annotators. Treating them as
one would attach one dialogue's ratings to the other's text, so dialogues are identified
by (ConvId, text): a ConvId with one dialogue keeps its ConvId as transcript id, and one
with several gets ``<ConvId>-1``, ``<ConvId>-2``... in order of first appearance. The
public file thus gives 195 ConvIds and 200 transcripts. :func:`read_abredial` and
:func:`abredial_labels` assign ids the same way, so they join on ``transcript_id``.

The file is read twice as a stream (first to find the ConvIds that hold several
dialogues, then to yield), so only one short fingerprint per dialogue is kept in memory.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from cxnlp.ingest.jsonl import transcript_from_record
from cxnlp.ingest.rejects import InputError, RecordError
from cxnlp.model import Reject, Transcript

#: Rating columns of the file and the names they get in :func:`abredial_labels`.
RATING_COLUMNS: dict[str, str] = {
    "understanding": "understanding",
    "task-completion": "task_completion",
    "interest-arousal": "interest_arousal",
    "efficiency": "efficiency",
    "dialogue-overall": "dialogue_overall",
}
LABEL_COLUMNS: tuple[str, ...] = ("transcript_id", "rater", *RATING_COLUMNS.values())

_UTTERANCE = re.compile(r"utterance(\d+)")
_CELL = re.compile(r"\s*(SYSTEM|USER)\s+(.*)", re.DOTALL)


def looks_like_abredial(columns: list[str]) -> bool:
    """Whether a CSV header is AB-ReDial's (``ConvId`` plus ``utterance0``...)."""
    return "ConvId" in columns and "utterance0" in columns


def read_abredial(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream AB-ReDial dialogues as transcripts: one item per distinct dialogue.

    Repeated annotator rows of a dialogue are read once. Transcripts carry
    ``source="<path>:row N"`` (the dialogue's first data row, 1-based) and metadata
    ``{"dataset": "ab-redial", "conv_id": ..., "n_raters": k}``.

    Raises
    ------
    InputError
        If the file is missing or has no ``ConvId`` / ``utterance0`` columns.
    """
    path = Path(path)
    ids, n_raters = _dialogue_ids(path)
    done: set[str] = set()
    for row_no, row, utterances in _rows(path):
        transcript_id = ids[(row["ConvId"], _fingerprint(utterances))]
        if transcript_id in done:
            continue
        done.add(transcript_id)
        source = f"{path}:row {row_no}"
        try:
            record = {
                "id": transcript_id,
                "turns": [_turn(cell, name, transcript_id) for name, cell in utterances if cell],
                "dataset": "ab-redial",
                "conv_id": row["ConvId"],
                "n_raters": n_raters[transcript_id],
            }
            yield transcript_from_record(record, source=source)
        except RecordError as err:
            yield err.to_reject(source)


def abredial_labels(path: str | Path) -> pd.DataFrame:
    """Dialogue ratings in long form: one row per annotator row of the file.

    Columns ``transcript_id, rater, understanding, task_completion, interest_arousal,
    efficiency, dialogue_overall``. ``rater`` is the row's 0-based order among the rows of
    its dialogue (annotators are anonymous). Ratings are floats: understanding and
    task_completion 1-3, interest_arousal 0-3, efficiency 0/1, dialogue_overall 1-5; a
    blank cell (four rows of the public file) is NaN.
    """
    path = Path(path)
    ids, _ = _dialogue_ids(path)
    seen: dict[str, int] = {}
    rows: list[tuple[Any, ...]] = []
    for row_no, row, utterances in _rows(path, require=tuple(RATING_COLUMNS)):
        transcript_id = ids[(row["ConvId"], _fingerprint(utterances))]
        rater = seen.get(transcript_id, 0)
        seen[transcript_id] = rater + 1
        ratings = (_rating(row[name], name, path, row_no) for name in RATING_COLUMNS)
        rows.append((transcript_id, rater, *ratings))
    frame = pd.DataFrame(rows, columns=list(LABEL_COLUMNS))
    return frame.astype(
        {"transcript_id": "str", "rater": "int64", **dict.fromkeys(RATING_COLUMNS.values(), float)}
    )


def _dialogue_ids(path: Path) -> tuple[dict[tuple[str, str], str], dict[str, int]]:
    variants: dict[str, list[str]] = {}
    counts: dict[tuple[str, str], int] = {}
    for _, row, utterances in _rows(path):
        key = (row["ConvId"], _fingerprint(utterances))
        found = variants.setdefault(key[0], [])
        if key[1] not in found:
            found.append(key[1])
        counts[key] = counts.get(key, 0) + 1
    ids = {
        (conv, fingerprint): conv if len(found) == 1 else f"{conv}-{number}"
        for conv, found in variants.items()
        for number, fingerprint in enumerate(found, start=1)
    }
    return ids, {ids[key]: count for key, count in counts.items()}


def _rows(
    path: Path, *, require: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str], list[tuple[str, str]]]]:
    if not path.is_file():
        raise InputError(
            f"Got {str(path)!r}, which is not a file; expected AB-ReDial's annotated_dialogues.csv."
        )
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        missing = [c for c in ("ConvId", "utterance0", *require) if c not in columns]
        if missing:
            raise InputError(
                f"Got {str(path)!r} without column(s) {', '.join(missing)}; expected "
                "AB-ReDial's annotated_dialogues.csv (ConvId, utterance0..utterance21, "
                "ratings). Is this the turn-level file or another table?"
            )
        names = sorted(
            (c for c in columns if _UTTERANCE.fullmatch(c)),
            key=lambda c: int(c.removeprefix("utterance")),
        )
        for row_no, row in enumerate(reader, start=1):
            utterances = [(name, (row.get(name) or "").strip()) for name in names]
            yield row_no, row, utterances


def _fingerprint(utterances: list[tuple[str, str]]) -> str:
    blob = "\x1f".join(cell for _, cell in utterances)
    return hashlib.sha1(blob.encode("utf-8"), usedforsecurity=False).hexdigest()


def _turn(cell: str, column: str, transcript_id: str) -> dict[str, str]:
    match = _CELL.fullmatch(cell)
    if match is None:
        raise RecordError(
            f"Got cell {cell[:60]!r}; expected 'SYSTEM' or 'USER', a tab and the text.",
            field=column,
            record_id=transcript_id,
        )
    # SYSTEM is a human recommender in AB-ReDial, not an IVR: name the roles outright
    # rather than let "system" mean the system role.
    speaker = "agent" if match.group(1) == "SYSTEM" else "customer"
    return {"speaker": speaker, "text": match.group(2).strip()}


def _rating(value: str | None, column: str, path: Path, row_no: int) -> float:
    text = (value or "").strip()
    if not text:
        return float("nan")
    try:
        return float(text)
    except ValueError as err:
        raise InputError(
            f"Got {column} {value!r} at {path}:row {row_no}; expected a number or a blank. "
            "Is this AB-ReDial's annotated_dialogues.csv?"
        ) from err

"""NTCIR-14 STC-3 (DCH-1) customer-helpdesk dialogues and their rater labels.

The files are single JSON arrays of dialogues::

    [{"id", "turns": [{"sender": "customer"|"helpdesk", "utterances": [str, ...]}],
      "annotations": [{"quality": {"A", "S", "E"}, "nugget": [str per turn]}, ... x 19]}]

:func:`read_stc3` turns each dialogue into a :class:`~cxnlp.model.Transcript` (a turn's
posts joined with a space; helpdesk is the agent). :func:`stc3_labels` and
:func:`stc3_nuggets` give the ratings in long form, one row per rater, which is the shape
calibration and agreement code want (a mean hides the raters' disagreement).

The array is parsed one dialogue at a time with :meth:`json.JSONDecoder.raw_decode`, so
memory stays at one dialogue plus a read buffer however long the file is. Turn indices
are kept one to one with the file's turns (a turn whose posts are all blank stays, as an
empty turn) so that ``turn_index`` in :func:`stc3_nuggets` points at the right turn.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cxnlp.ingest.jsonl import transcript_from_record
from cxnlp.ingest.rejects import InputError, RecordError
from cxnlp.model import Reject, Transcript

logger = logging.getLogger(__name__)

LABEL_COLUMNS: tuple[str, ...] = ("transcript_id", "rater", "A", "S", "E")
NUGGET_COLUMNS: tuple[str, ...] = ("transcript_id", "rater", "turn_index", "sender", "nugget")
QUALITY_KEYS: tuple[str, ...] = ("A", "S", "E")

_SNIFF_CHARS = 65_536


def looks_like_stc3(path: str | Path) -> bool:
    """Whether a ``.json`` file looks like an STC-3 array (reads its first 64 KiB only)."""
    with Path(path).open("r", encoding="utf-8-sig", errors="replace") as handle:
        head = handle.read(_SNIFF_CHARS).lstrip()
    if not head.startswith("["):
        return False
    rest = head[1:].lstrip()
    return rest.startswith("]") or ('"utterances"' in head and '"sender"' in head)


def read_stc3(path: str | Path, *, chunk_chars: int = 65_536) -> Iterator[Transcript | Reject]:
    """Stream STC-3 dialogues as transcripts: one item per dialogue in the array.

    Parameters
    ----------
    path
        ``train_data_en.json`` or ``test_data_en.json`` (or any file of that format).
    chunk_chars
        Characters read at a time; bounds memory, not results.

    Returns
    -------
    Iterator of Transcript | Reject
        Transcripts carry ``source="<path>:item N"`` (1-based position in the array) and
        metadata ``{"dataset": "stc3", "n_raters": k}``.

    Raises
    ------
    InputError
        If the file is not a JSON array, or is cut off or corrupt part-way (the items
        before the damage have been yielded; nothing after it can be trusted).
    """
    path = Path(path)
    for position, dialogue in _iter_json_array(path, chunk_chars=chunk_chars):
        source = f"{path}:item {position}"
        try:
            yield transcript_from_record(_record(dialogue), source=source)
        except RecordError as err:
            yield err.to_reject(source)


def stc3_labels(path: str | Path) -> pd.DataFrame:
    """Dialogue-quality ratings in long form: one row per (dialogue, rater).

    Columns ``transcript_id, rater, A, S, E``; ``rater`` is the annotation's 0-based
    position, and A (task accomplishment), S (customer satisfaction) and E (effectiveness)
    are integers in -2..2. A file without annotations (the test set) gives an empty frame
    with these columns.
    """
    rows: list[tuple[Any, ...]] = []
    for position, dialogue in _iter_json_array(Path(path)):
        dialogue_id = _dialogue_id(dialogue, path, position)
        for rater, annotation in enumerate(_annotations(dialogue, path, position)):
            quality = annotation.get("quality")
            if not isinstance(quality, Mapping) or any(k not in quality for k in QUALITY_KEYS):
                raise InputError(
                    f"Got annotation {rater} of dialogue {dialogue_id} at {path}:item {position} "
                    f"with quality {quality!r}; expected an object with keys A, S, E. "
                    "Is this an STC-3 file?"
                )
            rows.append((dialogue_id, rater, *(quality[k] for k in QUALITY_KEYS)))
    return _frame(rows, LABEL_COLUMNS, dict.fromkeys(("rater", *QUALITY_KEYS), "int64"))


def stc3_nuggets(path: str | Path) -> pd.DataFrame:
    """Turn-level nugget labels in long form: one row per (dialogue, rater, turn).

    Columns ``transcript_id, rater, turn_index, sender, nugget``. Customer nuggets:
    ``CNUG0`` problem stated, ``CNUG`` useful, ``CNUG*`` solution confirmed, ``CNaN`` not
    useful; helpdesk: ``HNUG`` useful, ``HNUG*`` solution stated, ``HNaN`` not useful.
    ``turn_index`` matches the transcript's turn positions from :func:`read_stc3`.
    """
    rows: list[tuple[Any, ...]] = []
    for position, dialogue in _iter_json_array(Path(path)):
        dialogue_id = _dialogue_id(dialogue, path, position)
        turns = dialogue.get("turns") if isinstance(dialogue.get("turns"), list) else []
        senders = [t.get("sender") if isinstance(t, Mapping) else None for t in turns]
        for rater, annotation in enumerate(_annotations(dialogue, path, position)):
            nuggets = annotation.get("nugget") or []
            for turn_index, nugget in enumerate(nuggets):
                sender = senders[turn_index] if turn_index < len(senders) else None
                rows.append((dialogue_id, rater, turn_index, sender, nugget))
    return _frame(
        rows,
        NUGGET_COLUMNS,
        {"rater": "int64", "turn_index": "int64", "sender": "str", "nugget": "str"},
    )


def stc3_sample(path: str | Path, *, limit: int | None = None) -> tuple[list[Transcript], pd.DataFrame]:
    """The first ``limit`` STC-3 dialogues (all when None) and their rater labels, long form.

    Returns
    -------
    transcripts, labels
        Transcripts in file order (unreadable dialogues are logged and skipped), and
        :func:`cxnlp.ingest.stc3_labels` rows (``transcript_id, rater, A, S, E``) of
        exactly those transcripts.
    """
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"Got limit={limit!r}; expected a positive integer or None for all.")
    transcripts: list[Transcript] = []
    for item in itertools.islice(read_stc3(path), limit):
        if isinstance(item, Transcript):
            transcripts.append(item)
        else:
            logger.warning("skipped %s: %s", item.source, item.reason)
    ids = {t.id for t in transcripts}
    labels = stc3_labels(path)
    labels = labels[labels["transcript_id"].astype(str).isin(ids)].reset_index(drop=True)
    return transcripts, labels


def _record(dialogue: object) -> dict[str, Any]:
    if not isinstance(dialogue, Mapping):
        return dialogue  # type: ignore[return-value]  # transcript_from_record rejects it
    turns = dialogue.get("turns")
    record: dict[str, Any] = {key: dialogue[key] for key in ("id",) if key in dialogue}
    if isinstance(turns, list):
        record["turns"] = [_turn(turn, index, dialogue.get("id")) for index, turn in enumerate(turns)]
    elif "turns" in dialogue:
        record["turns"] = turns
    annotations = dialogue.get("annotations")
    record["dataset"] = "stc3"
    record["n_raters"] = len(annotations) if isinstance(annotations, list) else 0
    return record


def _turn(turn: object, index: int, dialogue_id: object) -> object:
    if not isinstance(turn, Mapping):
        return turn
    utterances = turn.get("utterances")
    if not isinstance(utterances, list) or not all(isinstance(u, str) for u in utterances):
        raise RecordError(
            f"Got utterances {utterances!r}; expected a list of strings.",
            field=f"turns[{index}].utterances",
            record_id=None if dialogue_id is None else str(dialogue_id),
        )
    text = " ".join(u.strip() for u in utterances if u.strip())
    return {"speaker": turn.get("sender"), "text": text}


def _dialogue_id(dialogue: object, path: str | Path, position: int) -> str:
    if not isinstance(dialogue, Mapping) or "id" not in dialogue:
        raise InputError(
            f"Got a dialogue without an id at {path}:item {position}; expected STC-3 "
            "dialogues {id, turns, annotations}. Is this an STC-3 file?"
        )
    return str(dialogue["id"])


def _annotations(dialogue: Mapping[str, Any], path: str | Path, position: int) -> list[Any]:
    annotations = dialogue.get("annotations", [])
    if not isinstance(annotations, list) or not all(isinstance(a, Mapping) for a in annotations):
        raise InputError(
            f"Got annotations of type {type(annotations).__name__} at {path}:item {position}; "
            "expected a list of {quality, nugget} objects. Is this an STC-3 file?"
        )
    return annotations


def _frame(rows: list[tuple[Any, ...]], columns: tuple[str, ...], dtypes: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    if frame.empty:
        return frame.astype({**dtypes, "transcript_id": "str"})
    return frame


def _iter_json_array(path: Path, *, chunk_chars: int = 65_536) -> Iterator[tuple[int, Any]]:
    """Yield ``(1-based position, element)`` of a top-level JSON array, one at a time."""
    if not path.is_file():
        raise InputError(f"Got {str(path)!r}, which is not a file; expected an STC-3 JSON file.")
    decoder = json.JSONDecoder()
    with path.open("r", encoding="utf-8-sig") as handle:
        reader = _Buffer(handle, chunk_chars)
        if reader.next_char() != "[":
            raise InputError(
                f"Got {str(path)!r}, which does not start with '['; expected a JSON array of "
                "STC-3 dialogues. For one transcript per line use a .jsonl file."
            )
        reader.pos += 1
        position = 0
        expect_value = True
        while True:
            char = reader.next_char()
            if char is None:
                raise InputError(
                    f"Got {str(path)!r} cut off after item {position}; expected the array to "
                    "end with ']'. The file is incomplete: copy it again."
                )
            if char == "]" and (not expect_value or position == 0):
                return
            if not expect_value:
                if char != ",":
                    raise _corrupt(path, position, reader.offset, f"found {char!r}")
                reader.pos += 1
                expect_value = True
                continue
            try:
                element, end = decoder.raw_decode(reader.buf, reader.pos)
            except json.JSONDecodeError as err:
                if reader.more():
                    continue
                raise _corrupt(path, position, reader.offset, err.msg) from err
            if end == len(reader.buf) and reader.more():
                continue  # a number or literal may go on in the next chunk
            reader.pos = end
            position += 1
            expect_value = False
            yield position, element


class _Buffer:
    """A sliding text window over a file; ``more`` grows it when a value spans chunks."""

    def __init__(self, handle: Any, chunk_chars: int):
        self.handle = handle
        self.chunk_chars = chunk_chars
        self.buf = ""
        self.pos = 0
        self.dropped = 0

    @property
    def offset(self) -> int:
        return self.dropped + self.pos

    def more(self) -> bool:
        chunk = self.handle.read(max(self.chunk_chars, len(self.buf) - self.pos))
        if not chunk:
            return False
        self.dropped += self.pos
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def next_char(self) -> str | None:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos].isspace():
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return None


def _corrupt(path: Path, position: int, offset: int, detail: str) -> InputError:
    return InputError(
        f"Got corrupt JSON in {str(path)!r} after item {position} (character {offset}: "
        f"{detail}); expected a JSON array of STC-3 dialogues. Items before this point were "
        "read; fix or re-copy the file."
    )

"""Long tables (CSV, Parquet): one row per turn, grouped back into transcripts.

Columns: ``transcript_id, turn_index, speaker, text`` are required; ``start`` and ``end``
(seconds) are optional; every other column is metadata. Metadata is **per transcript**:
it is taken from the transcript's first row (in file order) and the other rows' values
are ignored, which is what a BI export that repeats ``queue`` or ``agent_id`` on every
turn row looks like.

The table is streamed (CSV in chunks, Parquet in record batches) and only the rows of
the transcript being assembled are held, so rows of one transcript must be contiguous.
A transcript whose rows reappear after another one started is rejected with a reason
that says to sort the table; the record unit (what "records read" counts) is the
transcript, i.e. one contiguous group of rows.

Each group becomes the same record shape as a JSON line and goes through
:func:`~cxnlp.ingest.jsonl.transcript_from_record`, so speakers, blank transcripts and
missing agents are judged exactly as they are for JSONL.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from cxnlp.ingest.jsonl import transcript_from_record
from cxnlp.ingest.rejects import InputError, RecordError
from cxnlp.model import Reject, Transcript

#: Columns a long table must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("transcript_id", "turn_index", "speaker", "text")
#: Per-turn columns read when present; everything else is per-transcript metadata.
TURN_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, "start", "end")

PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
CSV_SUFFIXES: tuple[str, ...] = (".csv",)

#: Columns read as strings in CSV whatever they look like: ids such as "007" must not
#: become the integer 7, and a turn that says "NA" is text, not a missing value.
_CSV_STRING_COLUMNS: tuple[str, ...] = ("transcript_id", "speaker", "text")
_PLAIN_TYPES = frozenset({str, int, bool})


def table_columns(path: str | Path) -> list[str]:
    """The column names of a CSV or Parquet file, read without reading its rows.

    Raises
    ------
    InputError
        If the file cannot be opened as a table of its kind.
    """
    path = Path(path)
    try:
        if _is_parquet(path):
            return list(pq.ParquetFile(path).schema_arrow.names)
        return list(pd.read_csv(path, nrows=0, dtype=str).columns)
    except (OSError, ValueError, pd.errors.ParserError) as err:
        kind = "Parquet" if _is_parquet(path) else "CSV"
        raise InputError(
            f"Got {str(path)!r}, which cannot be read as {kind} ({err}); expected a {kind} "
            f"table with columns {', '.join(REQUIRED_COLUMNS)}. Check the file is complete."
        ) from err


def check_table_columns(path: str | Path, columns: Iterable[str]) -> None:
    """Raise :class:`InputError` naming the missing columns, if any are missing."""
    missing = [name for name in REQUIRED_COLUMNS if name not in set(columns)]
    if missing:
        raise InputError(
            f"Got table {str(path)!r} without column(s) {', '.join(missing)}; expected "
            f"{', '.join(REQUIRED_COLUMNS)} (+ optional start, end, metadata). Rename the "
            "columns, or pass format='abredial' / 'stc3' for those datasets."
        )


def read_table(path: str | Path, *, chunksize: int = 50_000) -> Iterator[Transcript | Reject]:
    """Stream a long CSV or Parquet table: one item per contiguous group of rows.

    Parameters
    ----------
    path
        A ``.csv``, ``.parquet`` or ``.pq`` file.
    chunksize
        Rows per CSV chunk or Parquet batch; bounds memory, not results.

    Raises
    ------
    InputError
        Before yielding anything, if the file cannot be opened or lacks a required column.
    """
    path = Path(path)
    check_table_columns(path, table_columns(path))
    rows = _parquet_rows(path, chunksize) if _is_parquet(path) else _csv_rows(path, chunksize)
    yield from _group_rows(path, rows)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


def _csv_rows(path: Path, chunksize: int) -> Iterator[dict[str, Any]]:
    chunks = pd.read_csv(
        path,
        chunksize=chunksize,
        dtype=dict.fromkeys(_CSV_STRING_COLUMNS, str),
        keep_default_na=False,
        na_values=[""],
    )
    with chunks as reader:
        for chunk in reader:
            # Column-wise tolist() then zip is several times faster than to_dict("records")
            # on Arrow-backed string columns, and gives the same plain Python values.
            names = [str(name) for name in chunk.columns]
            columns = [chunk[name].tolist() for name in chunk.columns]
            for values in zip(*columns, strict=True):
                yield dict(zip(names, values, strict=True))


def _parquet_rows(path: Path, batch_size: int) -> Iterator[dict[str, Any]]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        yield from batch.to_pylist()


def _group_rows(path: Path, rows: Iterator[dict[str, Any]]) -> Iterator[Transcript | Reject]:
    first_rows: dict[object, int] = {}  # every group key seen -> its first row number
    group: list[dict[str, Any]] = []
    key: object = None
    start_row = 0
    for row_no, row in enumerate(rows, start=1):
        row_key = _group_key(row.get("transcript_id"))
        if group and row_key == key:
            group.append(row)
            continue
        if group:
            yield _finish(path, key, start_row, group, first_rows)
        key, start_row, group = row_key, row_no, [row]
    if group:
        yield _finish(path, key, start_row, group, first_rows)


def _group_key(value: object) -> object:
    # None (a missing id) is a key of its own, so contiguous id-less rows form one reject.
    if type(value) is str:  # the common case, checked first: this runs once per row
        return value
    if _is_missing(value):
        return None
    return _plain_id(value)


def _finish(
    path: Path,
    key: object,
    start_row: int,
    group: list[dict[str, Any]],
    first_rows: dict[object, int],
) -> Transcript | Reject:
    source = f"{path}:row {start_row}"
    earlier = first_rows.setdefault(key, start_row)
    try:
        if key is None:
            raise RecordError(
                "Got no transcript_id; expected one on every row.", field="transcript_id"
            )
        if earlier != start_row:
            raise RecordError(
                f"Got rows of this transcript again after other transcripts (its first rows "
                f"are at {path}:row {earlier}); expected contiguous rows. Sort the table by "
                "transcript_id, turn_index.",
                field="transcript_id",
                record_id=str(key),
            )
        record_id = str(key)
        transcript = transcript_from_record(
            {"id": record_id, "turns": _turns(record_id, group)}, source=source
        )
    except RecordError as err:
        return err.to_reject(source)
    # Metadata is attached after validation so that a metadata column called "id" or
    # "turns" cannot be mistaken for the record's own keys.
    metadata = {name: _plain(value) for name, value in group[0].items() if name not in TURN_COLUMNS}
    return dataclasses.replace(transcript, metadata=metadata)


def _turns(record_id: str, group: list[dict[str, Any]]) -> list[dict[str, Any]]:
    indexed: dict[int, dict[str, Any]] = {}
    for row in group:
        turn_index = _turn_index(row.get("turn_index"), record_id)
        if turn_index in indexed:
            raise RecordError(
                f"Got turn_index {turn_index} twice; expected each turn once.",
                field="turn_index",
                record_id=record_id,
            )
        indexed[turn_index] = row
    turns = []
    for turn_index in sorted(indexed):
        row = indexed[turn_index]
        text = row.get("text")
        if _is_missing(text):
            raise RecordError(
                f"Got no text at turn_index {turn_index}; expected a string (an empty turn "
                "should be dropped from the export).",
                field="text",
                record_id=record_id,
            )
        turn: dict[str, Any] = {"speaker": _plain(row.get("speaker")), "text": str(text)}
        for name in ("start", "end"):
            if name in row:
                turn[name] = _plain(row[name])
        turns.append(turn)
    return turns


def _turn_index(value: object, record_id: str) -> int:
    value = _plain(value)
    number: float | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                number = None
    # A column with a gap is read as floats (3.0); whole floats are integers in disguise.
    if number is not None and math.isfinite(number) and number.is_integer():
        return int(number)
    raise RecordError(
        f"Got turn_index {value!r}; expected an integer.", field="turn_index", record_id=record_id
    )


def _plain_id(value: object) -> str:
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _is_missing(value: object) -> bool:
    return _plain(value) is None


def _plain(value: Any) -> Any:
    """Turn numpy/pandas scalars into plain Python values (NaN, NA, NaT -> None).

    Metadata must serialise to JSON and compare equal to what a JSONL export carries,
    so ``np.int64(4)`` becomes ``4`` and a missing cell becomes ``None``.
    """
    kind = type(value)
    if kind in _PLAIN_TYPES:  # fast path: this runs several times per row
        return value
    if kind is float:
        return None if math.isnan(value) else value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.ndarray):
        return [_plain(item) for item in value.tolist()]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value

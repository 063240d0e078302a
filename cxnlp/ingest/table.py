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

import codecs
import csv
import dataclasses
import io
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cxnlp.ingest.jsonl import check_values, json_type, transcript_from_record
from cxnlp.ingest.rejects import InputError, RecordError
from cxnlp.model import Reject, Transcript

#: Columns a long table must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("transcript_id", "turn_index", "speaker", "text")
#: Per-turn columns read when present; everything else is per-transcript metadata.
TURN_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, "start", "end")

PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
CSV_SUFFIXES: tuple[str, ...] = (".csv",)

#: Most rows per CSV chunk. A chunk the CSV parser cannot finish (an unterminated quote) is
#: read again up to the damaged row (see _csv_rows_to_damage), which holds at most this
#: many rows' text; small chunks cost nothing measurable in speed.
CSV_CHUNK_ROWS = 1_000

#: Columns read as strings in CSV whatever they look like: ids such as "007" must not
#: become the integer 7, and a turn that says "NA" is text, not a missing value.
_CSV_STRING_COLUMNS: tuple[str, ...] = ("transcript_id", "speaker", "text")
_PLAIN_TYPES = frozenset({str, int, bool})


@dataclass(frozen=True, slots=True)
class _RaggedRow:
    """Stands in for the text of a CSV row with more fields than the header has."""

    n_fields: int
    n_columns: int


#: What each byte that is not UTF-8 reads as in a CSV cell: a Unicode noncharacter (reserved
#: for a program's internal use, never in exported text), so the cell is still a valid
#: string that Arrow can hold and the transcript it belongs to is rejected by name.
_BAD_BYTE = "\U0010fffe"
_BAD_BYTES_HANDLER = "cxnlp-mark-bad-bytes"


def _mark_bad_bytes(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return _BAD_BYTE * (err.end - err.start), err.end


codecs.register_error(_BAD_BYTES_HANDLER, _mark_bad_bytes)


#: The damaged row's transcript_id when it cannot be told.
_UNKNOWN = object()


class _Damaged(Exception):
    """The table cannot be read from this point on; carries the reader's own error.

    ``key`` is the damaged row's transcript_id when it can be told (CSV), else _UNKNOWN:
    the transcript being assembled is then kept only if it is known to have ended.
    """

    def __init__(self, err: BaseException, key: object = None) -> None:
        super().__init__(err)
        self.key = _UNKNOWN if key is None else key


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
    columns = list(columns)
    missing = [name for name in REQUIRED_COLUMNS if name not in set(columns)]
    for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        split = {part.strip() for column in columns for part in str(column).split(separator)}
        if missing and len(columns) < len(REQUIRED_COLUMNS) and set(REQUIRED_COLUMNS) <= split:
            raise InputError(
                f"Got table {str(path)!r} whose header is separated by {name}, not commas; "
                f"expected a comma-separated CSV with columns {', '.join(REQUIRED_COLUMNS)}. "
                "Re-export it with commas as the separator."
            )
    if missing:
        raise InputError(
            f"Got table {str(path)!r} without column(s) {', '.join(missing)}; expected "
            f"{', '.join(REQUIRED_COLUMNS)} (+ optional start, end, metadata). Rename the "
            "columns, or give --format abredial or --format stc3 for those datasets."
        )


def read_table(path: str | Path, *, chunksize: int = 50_000) -> Iterator[Transcript | Reject]:
    """Stream a long CSV or Parquet table: one item per contiguous group of rows.

    Parameters
    ----------
    path
        A ``.csv``, ``.parquet`` or ``.pq`` file.
    chunksize
        Rows per Parquet batch or CSV chunk (at most :data:`CSV_CHUNK_ROWS`); bounds
        memory, not results.

    Raises
    ------
    InputError
        Before yielding anything, if the file cannot be opened or lacks a required column.
    """
    path = Path(path)
    check_table_columns(path, table_columns(path))
    rows = (
        _parquet_rows(path, chunksize)
        if _is_parquet(path)
        else _csv_rows(path, min(chunksize, CSV_CHUNK_ROWS))
    )
    yield from _group_rows(path, rows)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


def _csv_rows(path: Path, chunksize: int) -> Iterator[dict[str, Any]]:
    # The Python engine, because only it hands over a row with too many fields (kept, with
    # its text replaced by a _RaggedRow, so its transcript is rejected and not scored
    # without it). The header's names are passed explicitly, or a first data row with extra
    # fields would make pandas take its leading fields as an index and shift every column.
    # Bytes that are not UTF-8 become _BAD_BYTE, which _finish rejects naming the column.
    # It reads ~150,000 rows/s, far beyond what scoring needs.
    names = table_columns(path)
    done = 0  # rows handed over so far
    try:
        reader = _csv_reader(path, names, chunksize)
    except (ValueError, csv.Error):  # pandas reads a few rows ahead when it opens the file
        reader = None
    if reader is not None:
        with reader:
            while True:
                try:
                    chunk = reader.get_chunk(chunksize)
                except StopIteration:
                    break  # pandas may also stop short of an unclosed quote: checked below
                except (ValueError, csv.Error):
                    break  # a chunk that cannot be parsed is lost whole: recover it below
                rows = _chunk_rows(chunk)
                done += len(rows)
                yield from rows
    yield from _csv_rows_to_damage(path, names, done)


def _ragged(names: list[str]) -> Callable[[list[str]], list[object]]:
    text_at = names.index("text")

    def ragged(fields: list[str]) -> list[object]:
        row: list[object] = list(fields[: len(names)])
        row[text_at] = _RaggedRow(len(fields), len(names))
        return row

    return ragged


def _read_csv_options(names: list[str]) -> dict[str, Any]:
    return {
        "names": names,
        "dtype": dict.fromkeys(_CSV_STRING_COLUMNS, object),
        "keep_default_na": False,
        "na_values": [""],
        "engine": "python",
        "on_bad_lines": _ragged(names),
    }


def _csv_reader(path: Path, names: list[str], chunksize: int) -> Any:
    return pd.read_csv(
        path,
        chunksize=chunksize,
        header=0,
        encoding_errors=_BAD_BYTES_HANDLER,
        **_read_csv_options(names),
    )


def _chunk_rows(chunk: pd.DataFrame) -> list[dict[str, Any]]:
    # Column-wise tolist() then zip is several times faster than to_dict("records"), and
    # gives the same plain Python values.
    columns = [str(name) for name in chunk.columns]
    values = [chunk[name].tolist() for name in chunk.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _csv_rows_to_damage(path: Path, names: list[str], done: int) -> Iterator[dict[str, Any]]:
    """Check the file parses to its end; if not, hand over the rows after the first ``done``
    up to the damaged row, then raise :class:`_Damaged`.

    pandas either loses a whole chunk that it cannot parse or, when an unclosed quote is
    near the start, stops short of it silently. The ``csv`` module (strict, as pandas uses
    it) finds the damaged row; the lines of the good rows before it are parsed by pandas as
    usual. :class:`_Damaged` carries the damaged row's transcript_id as a lenient parse reads
    it, so that the transcript before it is kept when it is another one.
    """
    consumed: list[str] = []
    good: list[str] = []
    key: object = None
    error: Exception | None = None
    row_no = 0
    try:
        with open(path, newline="", encoding="utf-8", errors=_BAD_BYTES_HANDLER) as file:

            def lines() -> Iterator[str]:
                for line in file:
                    consumed.append(line)
                    yield line

            rows = csv.reader(lines(), strict=True)
            next(rows, None)  # the header
            while True:
                consumed.clear()
                try:
                    fields = next(rows, None)
                except csv.Error as err:
                    error = err
                    damaged = list(csv.reader(io.StringIO("".join(consumed))))
                    at = names.index("transcript_id")
                    if damaged and len(damaged[0]) > at:
                        key = damaged[0][at]
                    break
                if fields is None:
                    break
                if len(fields) > 1 or (fields and fields[0].strip()):  # as pandas skips blanks
                    row_no += 1
                if row_no > done:
                    good.extend(consumed)
    except OSError as err:
        error = err
    if error is None or row_no < done:
        return  # the file parses to its end, or pandas read past what csv cannot
    if any(line.strip() for line in good):
        frame = pd.read_csv(io.StringIO("".join(good)), header=None, **_read_csv_options(names))
        yield from _chunk_rows(frame)
    raise _Damaged(error, key) from error


def _parquet_rows(path: Path, batch_size: int) -> Iterator[dict[str, Any]]:
    # Row group by row group, so a corrupt page loses only the rows from its group on.
    parquet = pq.ParquetFile(path)
    for group in range(parquet.num_row_groups):
        batches = parquet.iter_batches(batch_size=batch_size, row_groups=[group])
        while True:
            try:
                batch = next(batches, None)
            except (OSError, pa.ArrowException) as err:
                raise _Damaged(err) from err
            if batch is None:
                break
            yield from batch.to_pylist()


def _group_rows(path: Path, rows: Iterator[dict[str, Any]]) -> Iterator[Transcript | Reject]:
    first_rows: dict[object, int] = {}  # every group key seen -> its first row number
    group: list[dict[str, Any]] = []
    key: object = None
    start_row = 0
    row_no = 0
    try:
        for row_no, row in enumerate(rows, start=1):
            row_key = _group_key(row.get("transcript_id"))
            if group and row_key == key:
                group.append(row)
                continue
            if group:
                yield _finish(path, key, start_row, group, first_rows)
            key, start_row, group = row_key, row_no, [row]
    except _Damaged as damage:
        # The transcript being assembled may have lost rows, unless the damaged row is
        # known to start another one: then it is complete and judged as usual.
        damaged_key = damage.key if damage.key is _UNKNOWN else _group_key(damage.key)
        if group and (damaged_key is _UNKNOWN or damaged_key == key):
            yield _damaged(path, start_row, damage)
            return
        if group:
            yield _finish(path, key, start_row, group, first_rows)
        yield _damaged(path, row_no + 1, damage)
        return
    if group:
        yield _finish(path, key, start_row, group, first_rows)


def _damaged(path: Path, row: int, damage: _Damaged) -> Reject:
    err = damage.__cause__ or damage
    detail = " ".join(str(err).splitlines())
    return Reject(
        source=f"{path}:row {row}",
        reason=(
            f"Got a table that cannot be read from row {row} on ({type(err).__name__}: "
            f"{detail}); expected complete, well-formed rows (in CSV, every quote closed). "
            "Every row from here on is rejected; export the file again."
        ),
    )


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
            raise RecordError("Got no transcript_id; expected one on every row.", field="transcript_id")
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
    try:
        _check_bytes(group, record_id)
        check_values(metadata, record_id=transcript.id)
    except RecordError as err:
        return err.to_reject(source)
    return dataclasses.replace(transcript, metadata=metadata)


def _check_bytes(group: list[dict[str, Any]], record_id: str) -> None:
    for row in group:
        for name, value in row.items():
            if type(value) is str and _BAD_BYTE in value:
                raise RecordError(
                    f"Got bytes that are not UTF-8 in column {name!r} (turn_index "
                    f"{row.get('turn_index')!r}); expected UTF-8 text. Re-export the file as "
                    "UTF-8.",
                    field=name,
                    record_id=record_id,
                )


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
        text = _plain(text)
        if isinstance(text, _RaggedRow):
            raise RecordError(
                f"Got a row with {text.n_fields} fields at turn_index {turn_index}; expected "
                f"{text.n_columns}, one per header column. Quote text that holds a comma.",
                field="text",
                record_id=record_id,
            )
        if not isinstance(text, str):
            raise RecordError(
                f"Got text of type {json_type(text)} at turn_index {turn_index}; expected a "
                "string. Store the text column as strings.",
                field="text",
                record_id=record_id,
            )
        turn: dict[str, Any] = {"speaker": _plain(row.get("speaker")), "text": text}
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

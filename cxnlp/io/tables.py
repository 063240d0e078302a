"""Table files: the formats by extension, a bounded-memory row sink, whole-frame read and write.

One map from file ending to format (:data:`FORMATS`) serves every table cxnlp writes or
reads: score tables, label and survey tables, ``--out`` tables of the analyses.

:class:`TableWriter` is the sink for rows that arrive one by one (the score table of a run).
Each chunk is written to a temporary Parquet part so that memory does not grow with the
input. On close the parts are merged into the final file (Parquet, CSV or JSONL by
extension) through :func:`cxnlp.io.atomic.atomic_path`, so a reader never sees a
half-written table and a re-run simply replaces it. :func:`write_frame` does the same for a
table already in memory.

Metadata columns may differ between transcripts (JSONL records are free-form): the merge
takes the union of columns, filling gaps with nulls, and a column whose type disagrees
between chunks is written as text rather than dropped.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cxnlp.io.atomic import atomic_open, atomic_path

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def output_format(path: str | Path) -> str:
    """The table format for ``path`` from its extension; Parquet when it has none."""
    suffix = Path(path).suffix.lower()
    if not suffix:
        return "parquet"
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"Got output file {str(path)!r} with extension {suffix!r}; expected one of {known}.")
    return FORMATS[suffix]


class TableWriter:
    """Append row dicts in chunks; ``close()`` publishes the table atomically.

    ``transform`` is applied to each chunk as a DataFrame before it is written (used to add
    calibrated columns row-wise without holding the table). Use as a context manager. If
    the block raises, nothing is published and the previous
    file at ``path`` (if any) is left untouched. ``empty_schema`` gives the columns of the
    table when no row was written (without it, an empty Parquet has no columns).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        chunk_rows: int = 2_000,
        transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
        empty_schema: pa.Schema | None = None,
    ):
        self.path = Path(path)
        self.transform = transform
        self.empty_schema = empty_schema
        self.format = output_format(self.path)
        self.chunk_rows = chunk_rows
        self.rows_written = 0
        self._buffer: list[Mapping[str, Any]] = []
        self._parts: list[Path] = []
        self._tmpdir: Path | None = None

    def __enter__(self) -> TableWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmpdir = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.close()
        finally:
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
                self._tmpdir = None

    def write(self, row: Mapping[str, Any]) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= self.chunk_rows:
            self._flush()

    def write_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for row in rows:
            self.write(row)

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._tmpdir is None:
            raise RuntimeError("TableWriter used outside its 'with' block.")
        table = _rows_to_table(self._buffer, self.transform)
        part = self._tmpdir / f"part-{len(self._parts):06d}.parquet"
        pq.write_table(table, part)
        self._parts.append(part)
        self.rows_written += len(self._buffer)
        self._buffer = []

    def close(self) -> None:
        self._flush()
        if self._tmpdir is None:
            raise RuntimeError("TableWriter used outside its 'with' block.")
        schemas = [pq.read_schema(p) for p in self._parts]
        if not schemas and self.empty_schema is not None:
            # No row: the table still has its columns, so a reader sees an empty table of
            # the right kind rather than a file with no columns at all.
            schemas = [self.empty_schema]
            self._parts.append(self._tmpdir / "empty.parquet")
            pq.write_table(self.empty_schema.empty_table(), self._parts[-1])
        schema = unified_schema(schemas)
        with atomic_path(self.path) as staging:
            if self.format == "parquet":
                with pq.ParquetWriter(staging, schema) as sink:
                    for part in self._parts:
                        sink.write_table(conform_table(pq.read_table(part), schema))
            else:
                with open(staging, "w", encoding="utf-8", newline="") as sink:
                    for i, part in enumerate(self._parts):
                        frame = conform_table(pq.read_table(part), schema).to_pandas()
                        if self.format == "csv":
                            frame.to_csv(sink, index=False, header=(i == 0))
                        elif len(frame):  # an empty frame would write a blank line
                            frame.to_json(sink, orient="records", lines=True, force_ascii=False)


def _rows_to_table(
    rows: list[Mapping[str, Any]], transform: Callable[[pd.DataFrame], pd.DataFrame] | None
) -> pa.Table:
    """Rows as an Arrow table, keeping Python types (an int column with gaps stays int).

    A column mixing types within the chunk (3 and "billing") is written as text.
    """
    if transform is not None:
        return pa.Table.from_pandas(transform(pd.DataFrame.from_records(rows)), preserve_index=False)
    arrays = {}
    for key, values in row_columns(rows).items():
        try:
            arrays[key] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # e.g. ints past 64 bits
            arrays[key] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(arrays)


def row_columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Row dicts as columns of Python values, in first-seen column order; gaps are None.

    Arrow tables are built from these rather than through pandas, which would turn an
    integer column with a gap into floats and round integers past 2**53.
    """
    columns: dict[str, list[Any]] = {}
    for i, row in enumerate(rows):
        for key, value in row.items():
            columns.setdefault(key, [None] * len(rows))[i] = value
    return columns


def unified_schema(schemas: list[pa.Schema]) -> pa.Schema:
    """The union of columns; numeric types promote to float64, other disagreements to text."""
    fields: dict[str, pa.DataType] = {}
    for schema in schemas:
        for field in schema:
            current = fields.get(field.name)
            if current is None or pa.types.is_null(current):
                fields[field.name] = field.type
            elif current != field.type and not pa.types.is_null(field.type):
                fields[field.name] = _promote(current, field.type)
    return pa.schema([pa.field(name, dtype) for name, dtype in fields.items()])


def _promote(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    if (pa.types.is_integer(a) or pa.types.is_floating(a)) and (
        pa.types.is_integer(b) or pa.types.is_floating(b)
    ):
        return pa.float64()
    return pa.string()


def conform_table(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` cast to ``schema``: missing columns become nulls, mismatched ones are cast."""
    columns = []
    for field in schema:
        if field.name in table.column_names:
            column = table[field.name]
            if column.type != field.type:
                column = (
                    column.cast(field.type)
                    if not pa.types.is_string(field.type)
                    else pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())
                )
            columns.append(column)
        else:
            columns.append(pa.nulls(len(table), field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def read_frame(path: str | Path) -> pd.DataFrame:
    """A table file in any of :data:`FORMATS`, by its extension (Parquet when it has none).

    ``transcript_id`` is always read as text from CSV and JSONL, so ids such as ``007``
    keep their leading zeros. For a score table, or a result store, use
    :func:`cxnlp.io.read_scores`.
    """
    fmt = output_format(path)
    if fmt == "parquet":
        return pd.read_parquet(path)
    if fmt == "csv":
        return pd.read_csv(path, dtype={"transcript_id": str})
    return pd.read_json(path, lines=True, dtype={"transcript_id": str})


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` atomically, in the format :func:`output_format` names
    for its ending (the rule :func:`read_frame` reads it back with); an unknown ending is
    refused before anything is written. The index is not written.
    """
    path = Path(path)
    fmt = output_format(path)
    if fmt == "parquet":
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    else:
        with atomic_open(path, "w", newline="") as sink:
            if fmt == "csv":
                frame.to_csv(sink, index=False)
            else:
                frame.to_json(sink, orient="records", lines=True, force_ascii=False)
    return path

"""One type per column in a result store, so that one odd record cannot sink a run.

Metadata is free-form: ``agent_id`` may be text in 39 records and the number 1234 in the
40th, a boolean where text was meant, or an integer past 64 bits. A Parquet column has one
type, so such a part once failed to commit (``ArrowTypeError``), nothing was saved, and
every nightly rerun failed the same way. A store therefore keeps one *kind* per column in
``STORE/schema.json``: declared (``run_batch(schema=...)``, ``cxnlp batch --schema``) or
inferred from the first part that holds the column, and kept for every later run. Before a
part is committed each row is conformed to it: a value that fits its column's kind
losslessly is converted, and a row with a value that does not fit is rejected (its
transcript, the column and why) while the rest are committed.

What fits each kind, losslessly:

``string``
    Text (valid Unicode: a lone surrogate cannot be stored as UTF-8). A number or a boolean
    is kept as its JSON text (``1234`` → ``"1234"``, ``true`` → ``"true"``): the value
    survives, and text is the widest kind.
``integer``
    Integers within 64 bits, and floats with an integral value (``3.0`` → ``3``).
``float``
    Floats (NaN and infinities included), and integers up to 2**53 in magnitude (exact).
``boolean``
    ``true`` and ``false`` only.

Text is never parsed into a number, and a boolean is never a number: either would guess.
Inference takes the kind most of the part's values have (numbers together; a tie goes to
the wider kind), so one odd record is the one rejected, not the other 39.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from cxnlp.io.tables import row_columns

#: The kinds a store column can have, widest last, and their Arrow types.
KINDS: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "string": pa.string(),
}
_INT64 = (-(2**63), 2**63 - 1)
_EXACT_FLOAT_INT = 2**53


class SchemaError(ValueError):
    """A schema file or declaration is not a mapping of column names to known kinds."""


@dataclass(frozen=True, slots=True)
class Misfit:
    """A row with a value that does not fit its column: which row, which column, why."""

    index: int
    transcript_id: str | None
    column: str
    reason: str


def check_kinds(kinds: Any, *, what: str) -> dict[str, str]:
    """``kinds`` as a ``{column: kind}`` dict, or :class:`SchemaError` saying what is wrong."""
    if not isinstance(kinds, Mapping):
        raise SchemaError(
            f"Got {what} of type {type(kinds).__name__}; expected a JSON object of column "
            f'names to kinds ({", ".join(KINDS)}), e.g. {{"agent_id": "string"}}.'
        )
    for column, kind in kinds.items():
        if not isinstance(column, str) or kind not in KINDS:
            raise SchemaError(
                f"Got {what} with column {column!r} of kind {kind!r}; expected one of "
                f"{', '.join(KINDS)}. Fix that entry."
            )
    return dict(kinds)


def infer_kinds(rows: Sequence[Mapping[str, Any]], columns: Iterable[str]) -> dict[str, str]:
    """The kind of each of ``columns`` that most of the rows' values have.

    Numbers count together (``float`` when any is a float, else ``integer``); a tie goes
    to the wider kind. A column with no value yet (all null) gets no kind: it is inferred
    from the first part that has one.
    """
    out: dict[str, str] = {}
    for column in columns:
        counts = {"boolean": 0, "number": 0, "string": 0}
        has_float = False
        for row in rows:
            kind = _natural_kind(row.get(column))
            if kind is None:
                continue
            has_float = has_float or kind == "float"
            counts["number" if kind in ("integer", "float") else kind] += 1
        if not any(counts.values()):
            continue
        # max() keeps the first of equal counts: list the widest first.
        best = max(("string", "number", "boolean"), key=lambda k: counts[k])
        out[column] = ("float" if has_float else "integer") if best == "number" else best
    return out


def _natural_kind(value: Any) -> str | None:
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if _INT64[0] <= value <= _INT64[1] else "string"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return None


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (rows built by hand may carry them)."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def conform_value(value: Any, kind: str) -> tuple[Any, str | None]:
    """``(converted, None)`` when ``value`` fits ``kind`` losslessly, else ``(None, why)``."""
    value = _plain(value)
    if value is None:
        return None, None
    name = _describe(value)
    if kind == "string":
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return None, "text with a lone surrogate, which UTF-8 cannot store"
            return value, None
        if isinstance(value, bool | int | float):
            return json.dumps(value), None
    elif kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            if _INT64[0] <= value <= _INT64[1]:
                return value, None
            return None, f"{name}, outside the 64-bit range of an integer column"
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            if _INT64[0] <= value <= _INT64[1]:
                return int(value), None
    elif kind == "float":
        if isinstance(value, float):
            return value, None
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) <= _EXACT_FLOAT_INT:
                return float(value), None
            return None, f"{name}, past 2**53, which a float column cannot hold exactly"
    elif kind == "boolean" and isinstance(value, bool):
        return value, None
    return None, name


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, int):
        text = str(value)
        return f"the integer {text if len(text) <= 30 else text[:27] + '...'}"
    if isinstance(value, float):
        return f"the float {value!r}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return f"a value of type {type(value).__name__}"


def conform_rows(
    rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str], *, where: str = "schema.json"
) -> tuple[list[dict[str, Any]], list[Misfit]]:
    """Rows converted to ``kinds``, and the rows that do not fit.

    A row with any misfit is left out of the returned rows, whole; its first misfit (in
    column order) says why. A column without a kind passes as it is, unless its value is
    not a scalar (a list or a mapping), which no store column holds.
    """
    kept: list[dict[str, Any]] = []
    misfits: list[Misfit] = []
    for index, row in enumerate(rows):
        tid = row.get("transcript_id")
        tid = tid if isinstance(tid, str) else None
        out: dict[str, Any] = {}
        for column, value in row.items():
            why = _misfit(column, value, kinds.get(column), where)
            if why is not None:
                misfits.append(Misfit(index, tid, str(column), why))
                break
            kind = kinds.get(column)
            out[column] = conform_value(value, kind)[0] if kind is not None else value
        else:
            kept.append(out)
    return kept, misfits


def _misfit(column: Any, value: Any, kind: str | None, where: str) -> str | None:
    if not storable_name(column):
        return (
            f"Got a field name {column!r} that is not valid UTF-8 text (a lone surrogate, or "
            "not a string); expected a name a Parquet file can store. Rename the field."
        )
    if kind is None:
        if value is None or _natural_kind(value) is not None:
            return None
        return (
            f"Got {column} = {_describe(value)}; expected text, a number or a boolean. "
            "Flatten the field in the export."
        )
    why = conform_value(value, kind)[1]
    if why is None:
        return None
    return (
        f"Got {column} = {why}; expected {_ARTICLE[kind]} value: the store keeps {column!r} as "
        f"{kind} ({where}). Fix the record, or widen the column to string in {where}."
    )


_ARTICLE = {"boolean": "a boolean", "integer": "an integer", "float": "a float", "string": "a string"}


def storable_name(column: Any) -> bool:
    """Whether ``column`` can name a Parquet column (a string that encodes to UTF-8)."""
    if not isinstance(column, str):
        return False
    try:
        column.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def arrow_table(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]) -> pa.Table:
    """Conformed rows as an Arrow table, each typed column with its kind's Arrow type.

    Built column by column from the Python values (:func:`cxnlp.io.tables.row_columns`).
    """
    arrays = {}
    for key, values in row_columns(rows).items():
        kind = kinds.get(key)
        arrays[key] = pa.array(values, type=KINDS[kind]) if kind is not None else pa.array(values)
    return pa.table(arrays) if arrays else pa.table({})

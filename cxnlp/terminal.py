"""Tables for a terminal: compact by default, fitted to its width, saying what was cut.

``cxnlp show``, ``runs`` and ``analyze`` print tables that may have dozens of columns and
thousands of rows. Printed whole they wrap into something nobody can read at 80-120
columns, so the commands print the columns that fit, in order, each cell on one line, the
first rows only, and a line that says what was left out ("20 of 174 rows"); the full
table is what ``--out`` writes. Missing values print as empty cells, never ``nan`` or
``NaT``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from rich.table import Table

#: Widest a cell may be before it is cut with an ellipsis.
MAX_CELL = 28
#: Characters rich spends around each column (borders and padding).
_COLUMN_OVERHEAD = 3


def cell(value: Any) -> str:
    """One value as a short string: empty when missing, floats to two decimals."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.2f}"
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            return ""
        midnight = (value.hour, value.minute) == (0, 0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):  # lists, arrays: not a scalar missing value
        pass
    return str(value).replace("\n", " ")


@dataclass(frozen=True)
class Fitted:
    """A table ready to print and the lines that say what it leaves out."""

    table: Table
    notes: tuple[str, ...]


def fit_table(
    frame: pd.DataFrame,
    *,
    title: str,
    width: int,
    max_rows: int | None = None,
    keep: Sequence[str] = (),
    headers: dict[str, str] | None = None,
    full_hint: str = "",
) -> Fitted:
    """The first ``max_rows`` rows and the columns that fit in ``width`` characters.

    ``keep`` columns come first and are always shown; the others follow in table order
    while they fit. ``headers`` renames columns for display. ``full_hint`` is appended to
    a note about cut rows or columns (e.g. "--out FILE writes the full table").
    """
    total = len(frame)
    shown = frame.head(max_rows) if max_rows is not None else frame
    headers = headers or {}
    texts = {c: [cell(v) for v in shown[c]] for c in shown.columns}
    order = [c for c in keep if c in shown.columns] + [c for c in shown.columns if c not in keep]
    chosen: list[str] = []
    used = 1
    for column in order:
        name = str(headers.get(column, column))
        need = min(MAX_CELL, max([len(name), *map(len, texts[column])])) + _COLUMN_OVERHEAD
        if column in keep or used + need <= width:
            chosen.append(column)
            used += need
    table = Table(title=title, title_justify="left")
    for column in chosen:
        numeric = pd.api.types.is_numeric_dtype(shown[column])
        table.add_column(
            str(headers.get(column, column)),
            justify="right" if numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=MAX_CELL,
        )
    for i in range(len(shown)):
        table.add_row(*(texts[c][i] for c in chosen))
    notes = []
    if len(shown) < total:
        notes.append(f"{len(shown)} of {total} rows shown")
    if len(chosen) < len(frame.columns):
        left = [str(c) for c in frame.columns if c not in chosen]
        listed = ", ".join(left[:6]) + (f", … {len(left) - 6} more" if len(left) > 6 else "")
        notes.append(f"{len(chosen)} of {len(frame.columns)} columns shown (not shown: {listed})")
    if notes and full_hint:
        notes[-1] += f"; {full_hint}"
    return Fitted(table, tuple(notes))

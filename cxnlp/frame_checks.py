"""One check that a table has the columns an operation reads, with one kind of message.

Calibration, analytics and the report all take pandas tables from users; a missing column
should get the same one clear error everywhere: which table, which columns are missing,
which columns it does have (the first few), and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Column names an error quotes before it says how many more there are.
SHOWN_COLUMNS = 8


class MissingColumnsError(ValueError):
    """A table lacks columns an operation reads.

    ``missing`` lists them and ``have`` quotes the first columns the table does have, so
    the command line can name the flag that supplies each missing one instead of the
    Python argument.
    """

    def __init__(self, message: str, *, missing: list[str], have: str) -> None:
        super().__init__(message)
        self.missing = missing
        self.have = have


def require_columns(
    df: pd.DataFrame, columns: Iterable[str], *, where: str = "", table: str = "", hint: str = ""
) -> None:
    """Raise a :class:`MissingColumnsError` (a ValueError) naming every column of ``columns``
    that ``df`` lacks.

    Parameters
    ----------
    df
        The table handed to an operation.
    columns
        Column names the operation reads.
    where
        The calling function's name, so the message says who needs the columns.
    table
        What the table is ("human", "scores"), when the caller takes several.
    hint
        How to fix it, appended to the message (e.g. "join the surveys first").
    """
    caller = f" for {where}()" if where else ""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"Got {type(df).__name__}; expected a pandas DataFrame{caller}.")
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns[:SHOWN_COLUMNS]))
        if len(df.columns) > SHOWN_COLUMNS:
            have += f", … {len(df.columns) - SHOWN_COLUMNS} more"
        fix = f" {hint}" if hint else " Pass the column names your table uses as arguments."
        name = f"{table} table" if table else "table"
        raise MissingColumnsError(
            f"Got a {name} without column(s) {missing}{caller}; expected them among the "
            f"columns [{have}].{fix}",
            missing=missing,
            have=have,
        )

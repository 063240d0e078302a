"""Reading a score table, wherever it lives: a file ``cxnlp score`` wrote, or a result store.

Every command and helper that takes "scores" (``show``, ``report``, ``analyze``, the report
builder) reads them here, so a folder is always a store, ``config_id`` is refused for a
file, and a missing path gets the same one-line message.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cxnlp.io.tables import read_frame


def read_scores(path: str | Path, *, config_id: str | None = None) -> pd.DataFrame:
    """The score table at ``path``: a table file, or the latest results of a store folder.

    Parameters
    ----------
    path : str or Path
        A Parquet, CSV or JSONL file (by extension), or a result-store folder, read with
        :func:`cxnlp.batch.store.latest_results` (newest row per transcript).
    config_id : str, optional
        Result store only: the configuration to read; the newest completed run's when None.

    Raises
    ------
    ValueError
        When ``config_id`` is given with a file, or the file's extension is not a table's.
    FileNotFoundError
        When ``path`` does not exist.
    cxnlp.batch.store.StoreError
        When ``config_id`` names a configuration the store never used.
    """
    source = Path(path)
    if source.is_dir():
        from cxnlp.batch.store import latest_results

        return latest_results(source, config_id=config_id)
    if config_id is not None:
        raise ValueError(
            f"Got --config {config_id!r} with the score table {str(source)!r}; expected a result "
            "store folder, the only input with configurations. Drop --config."
        )
    if not source.is_file():
        raise FileNotFoundError(
            f"Got {str(source)!r}, which does not exist; expected a score table or a result "
            "store folder. Run 'cxnlp score ... --out FILE' first."
        )
    return read_frame(source)

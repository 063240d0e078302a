"""Running the scorer over files: bounded-memory writing, rejects, summaries."""

from cxnlp.batch.run import RunSummary, default_rejects_path, score_files, score_or_reject
from cxnlp.batch.writer import TableWriter, read_table

__all__ = [
    "RunSummary",
    "TableWriter",
    "default_rejects_path",
    "read_table",
    "score_files",
    "score_or_reject",
]

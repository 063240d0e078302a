"""The nightly batch: an incremental result store, the engines that score into it, the run.

- :mod:`cxnlp.batch.store`: the result store (Parquet parts, run manifests, configs).
- :mod:`cxnlp.batch.manifest`: the typed record of one run; :mod:`cxnlp.batch.schema`:
  one kind per store column.
- :mod:`cxnlp.batch.engines`: where chunks are scored (this process, a pool, Dask).
- :mod:`cxnlp.batch.nightly`: :func:`~cxnlp.batch.nightly.run_batch`, the nightly run.

Scoring files into one table is :func:`cxnlp.runs.score_files`; table files and atomic
writes are :mod:`cxnlp.io`.
"""

from cxnlp._moved import forwarding

#: Names this package exported before scoring files and table I/O moved out of it.
__getattr__ = forwarding(
    "cxnlp.batch",
    {
        "RunSummary": "cxnlp.runs",
        "default_rejects_path": "cxnlp.runs",
        "score_files": "cxnlp.runs",
        "score_or_reject": "cxnlp.runs",
        "TableWriter": "cxnlp.io.tables",
        "read_table": "cxnlp.io.tables:read_frame",
    },
)

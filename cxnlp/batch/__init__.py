"""The nightly batch: an incremental result store, the engines that score into it, the run.

- :mod:`cxnlp.batch.store`: the result store (Parquet parts, run manifests, configs).
- :mod:`cxnlp.batch.manifest`: the typed record of one run; :mod:`cxnlp.batch.schema`:
  one kind per store column.
- :mod:`cxnlp.batch.engines`: where chunks are scored (this process, a pool, Dask).
- :mod:`cxnlp.batch.nightly`: :func:`~cxnlp.batch.nightly.run_batch`, the nightly run.

Scoring files into one table is :func:`cxnlp.runs.score_files`; table files and atomic
writes are :mod:`cxnlp.io`.
"""

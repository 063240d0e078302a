"""Files in and out of cxnlp, in one place: atomic writes, table files, reading score tables.

- :mod:`cxnlp.io.atomic`: every published file is written to a temporary name, fsynced and
  renamed into place (:func:`atomic_path`, :func:`atomic_write_bytes`, ...).
- :mod:`cxnlp.io.tables`: table formats by extension, the bounded-memory row sink
  :class:`TableWriter`, :func:`read_frame` and :func:`write_frame`.
- :mod:`cxnlp.io.scores`: :func:`read_scores`, a score table from a file or a result store.
- :mod:`cxnlp.io.chunks`: :func:`chunked`, how every batch loop walks its input.

Transcripts are read by :mod:`cxnlp.ingest`; the nightly result store is
:mod:`cxnlp.batch.store`, which writes through this package.
"""

from cxnlp.io.atomic import (
    AtomicFile,
    atomic_open,
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
)
from cxnlp.io.chunks import chunked
from cxnlp.io.scores import read_scores
from cxnlp.io.tables import FORMATS, TableWriter, output_format, read_frame, write_frame

__all__ = [
    "FORMATS",
    "AtomicFile",
    "TableWriter",
    "atomic_open",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "chunked",
    "output_format",
    "read_frame",
    "read_scores",
    "write_frame",
]

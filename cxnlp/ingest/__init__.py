"""Reading transcripts: JSON lines, long tables, dataset adapters, and the rejects file.

Everything streams: a reader yields one :class:`~cxnlp.model.Transcript` or one
:class:`~cxnlp.model.Reject` per record, never holding a whole input, so a night's calls
read in constant memory and ``transcripts + rejects == records read``.
"""

from __future__ import annotations

from cxnlp.ingest.abredial import abredial_labels, read_abredial
from cxnlp.ingest.readers import load_transcript, read_transcripts
from cxnlp.ingest.rejects import InputError, RejectWriter, read_rejects
from cxnlp.ingest.stc3 import read_stc3, stc3_labels, stc3_nuggets, stc3_sample

__all__ = [
    "InputError",
    "RejectWriter",
    "abredial_labels",
    "load_transcript",
    "read_abredial",
    "read_rejects",
    "read_stc3",
    "read_transcripts",
    "stc3_labels",
    "stc3_nuggets",
    "stc3_sample",
]

"""Former home of :mod:`cxnlp.runs`; kept so that old imports still work.

``cxnlp.service.batcher`` imports :func:`score_or_reject` from here. Import from
:mod:`cxnlp.runs` instead; this module goes once nothing does.
"""

from cxnlp.runs import RunSummary, default_rejects_path, score_files, score_or_reject

__all__ = ["RunSummary", "default_rejects_path", "score_files", "score_or_reject"]

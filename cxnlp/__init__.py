"""cxnlp: evaluate customer-service transcripts and calibrate the scores against people."""

from __future__ import annotations

__version__ = "0.1.0"

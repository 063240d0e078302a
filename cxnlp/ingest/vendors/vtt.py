"""WebVTT captions with speaker tags (``<v Name>``, ``[SPEAKER_00]:`` or ``Name:``).

Format: https://www.w3.org/TR/webvtt1/ (voice spans, section on cue text); see
:mod:`cxnlp.ingest.vendors.captions` for how speakers and roles are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cxnlp.ingest.vendors.captions import read_captions
from cxnlp.model import Reject, Transcript


def looks_like(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("WEBVTT")


def read_vtt(path: str | Path) -> Iterator[Transcript | Reject]:
    """One transcript (or one reject) per WebVTT file."""
    return read_captions(path, kind="vtt")

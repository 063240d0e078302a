"""SubRip (.srt) captions with speaker tags (``[SPEAKER_00]:`` as WhisperX writes, or ``Name:``).

Cues are ``index``, ``00:00:01,000 --> 00:00:04,000``, text lines, a blank line; see
:mod:`cxnlp.ingest.vendors.captions` for how speakers and roles are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from cxnlp.ingest.vendors.captions import read_captions
from cxnlp.model import Reject, Transcript

_FIRST_CUE = re.compile(r"^\s*\d+\s*\n\s*(?:\d+:)?\d{1,2}:\d{2}[,.]\d{1,3}\s*-->")


def looks_like(head: str) -> bool:
    return bool(_FIRST_CUE.match(head.lstrip("\ufeff").replace("\r\n", "\n")))


def read_srt(path: str | Path) -> Iterator[Transcript | Reject]:
    """One transcript (or one reject) per SubRip file."""
    return read_captions(path, kind="srt")

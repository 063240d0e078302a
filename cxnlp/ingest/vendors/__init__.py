"""Adapters for what contact-centre platforms and speech recognisers export.

One module per vendor format; each reads the vendor's documented output into the
standard record and hands it to :func:`cxnlp.ingest.jsonl.transcript_from_record`.
``READERS`` maps the ``--format`` names onto the readers; ``JSON_DETECTORS`` says, in
order, which JSON document shape belongs to which format (``auto`` uses it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cxnlp.ingest.vendors import (
    assemblyai,
    ccai,
    contact_lens,
    deepgram,
    genesys,
    srt,
    transcribe,
    vtt,
    whisperx,
)
from cxnlp.model import Reject, Transcript

Reader = Callable[[Path], Iterator[Transcript | Reject]]

READERS: dict[str, Reader] = {
    "transcribe": transcribe.read_transcribe,
    "contact-lens": contact_lens.read_contact_lens,
    "ccai": ccai.read_ccai,
    "genesys": genesys.read_genesys,
    "deepgram": deepgram.read_deepgram,
    "assemblyai": assemblyai.read_assemblyai,
    "whisperx": whisperx.read_whisperx,
    "vtt": vtt.read_vtt,
    "srt": srt.read_srt,
}

#: File endings each vendor format is found by in a folder.
SUFFIXES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("transcribe", "contact-lens", "ccai", "genesys", "deepgram", "assemblyai", "whisperx"), (".json",)
    ),
    "vtt": (".vtt",),
    "srt": (".srt",),
}

#: JSON document shapes, most specific first.
JSON_DETECTORS: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = (
    ("transcribe", transcribe.looks_like),
    ("contact-lens", contact_lens.looks_like),
    ("ccai", ccai.looks_like),
    ("genesys", genesys.looks_like),
    ("deepgram", deepgram.looks_like),
    ("assemblyai", assemblyai.looks_like),
    ("whisperx", whisperx.looks_like),
)

#: Text (caption) shapes, judged on the start of the file.
TEXT_DETECTORS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("vtt", vtt.looks_like),
    ("srt", srt.looks_like),
)


def detect_document(document: object) -> str | None:
    """The vendor format of a decoded JSON document (or of an array's first object)."""
    if isinstance(document, list):
        document = document[0] if document else None
    if not isinstance(document, Mapping):
        return None
    return next((name for name, test in JSON_DETECTORS if test(document)), None)


__all__ = ["JSON_DETECTORS", "READERS", "SUFFIXES", "TEXT_DETECTORS", "detect_document"]

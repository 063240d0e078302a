"""``--format auto``: which reader a file needs, from its ending and then its content.

Endings decide where they are unambiguous (``.jsonl``, ``.parquet``); a ``.csv`` is a
turn table or AB-ReDial by its header; ``.vtt``/``.srt`` are captions. Anything else is
judged by content: a WebVTT header or an SRT first cue, an STC-3 array, or a JSON
document whose keys match one vendor's documented shape. A file nothing matches is an
:class:`~cxnlp.ingest.rejects.InputError` (the CLI's exit 2), never a guess.
"""

from __future__ import annotations

import json
from pathlib import Path

from cxnlp.ingest.abredial import looks_like_abredial
from cxnlp.ingest.rejects import DamagedFileError, InputError, json_error_text
from cxnlp.ingest.stc3 import looks_like_stc3
from cxnlp.ingest.table import CSV_SUFFIXES, PARQUET_SUFFIXES, check_table_columns, table_columns
from cxnlp.ingest.vendors import TEXT_DETECTORS, detect_document

_JSONL = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_HEAD_CHARS = 4096
_CAPTIONS = (".vtt", ".srt")
#: Largest JSON document read whole to recognise it; vendor exports are one call each.
MAX_SNIFF_BYTES = 256 * 1024 * 1024

KNOWN = (
    "JSON lines (.jsonl, .ndjson), turn tables (.csv, .parquet: transcript_id, turn_index, "
    "speaker, text), STC-3, AB-ReDial, or a JSON export of Amazon Transcribe Call Analytics, "
    "Contact Lens, CCAI Insights, Genesys Cloud, Deepgram, AssemblyAI or WhisperX, or WebVTT "
    "(.vtt) or SRT (.srt) captions"
)


def detect_format(path: str | Path) -> str:
    """The format name :func:`cxnlp.ingest.read_transcripts` should read ``path`` with.

    Raises
    ------
    InputError
        When the content matches no format cxnlp reads (one line naming the file).
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(_JSONL):
        return "jsonl"
    if name.endswith(CSV_SUFFIXES):
        columns = table_columns(path)
        if "transcript_id" not in columns and looks_like_abredial(columns):
            return "abredial"
        check_table_columns(path, columns)
        return "table"
    if name.endswith(PARQUET_SUFFIXES):
        check_table_columns(path, table_columns(path))
        return "table"
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        head = handle.read(_HEAD_CHARS)
    for fmt, test in TEXT_DETECTORS:
        if test(head):
            return fmt
    stripped = head.lstrip()
    if stripped.startswith("[") and looks_like_stc3(path):
        return "stc3"
    broken = None
    if stripped.startswith(("{", "[")) and path.stat().st_size <= MAX_SNIFF_BYTES:
        try:
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as err:
            document, broken = None, json_error_text(err)
        except UnicodeDecodeError as err:
            document, broken = None, f"bytes that are not UTF-8 at byte {err.start}"
        except (ValueError, RecursionError):
            document, broken = None, "nested too deeply or a number too large"
        found = detect_document(document)
        if found is not None:
            return found
    if broken is not None:
        what = (
            f"which is not complete, valid JSON ({broken}; a file cut off while it was "
            "copied ends this way), so its format cannot be told"
        )
    elif name.endswith(".json"):
        what = (
            "a .json file whose content matches no format cxnlp reads (not an STC-3 array nor "
            "a vendor export)"
        )
    elif name.endswith(_CAPTIONS):
        what = (
            "a caption file whose start is neither a WebVTT header ('WEBVTT') nor a SubRip cue "
            "('1', then '00:00:01,000 --> 00:00:04,000')"
        )
    else:
        what = "with an unknown ending and content that matches no format cxnlp reads"
    error = DamagedFileError if broken is not None else InputError
    raise error(
        f"Got {str(path)!r}, {what}; expected {KNOWN}. Pass --format to read it as one of "
        "them, or leave it out (--glob)."
    )

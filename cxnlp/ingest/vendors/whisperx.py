"""WhisperX JSON output after diarisation (``whisperx --diarize``, or ``assign_word_speakers``).

``{"segments": [{"start", "end", "text", "speaker": "SPEAKER_00", "words": [...]}],
"word_segments"?, "language"?}``; times in seconds. Speakers are anonymous, so
:mod:`cxnlp.ingest.roles` decides who the agent is. A segment with no ``speaker`` (the
diarisation found nobody speaking over it) takes the speaker its words name most, else
is rejected with the segment named. There is no id: the file name is used.
Schema: m-bain/whisperX, whisperx/diarize.py (assign_word_speakers) and utils.py (WriteJSON).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cxnlp.ingest.rejects import RecordError
from cxnlp.ingest.vendors.common import (
    RawTurn,
    build_record,
    item,
    number,
    read_json_export,
    require_list,
    text_of,
)
from cxnlp.model import Reject, Transcript


def looks_like(doc: Mapping[str, Any]) -> bool:
    segments = doc.get("segments")
    return (
        isinstance(segments, list)
        and bool(segments)
        and isinstance(segments[0], Mapping)
        and {"start", "text"} <= set(segments[0])
    )


def to_record(doc: Mapping[str, Any], fallback_id: str) -> dict[str, Any]:
    record_id = fallback_id
    segments = require_list(doc, "segments", record_id, "Expected WhisperX segments[].")
    turns = []
    for index, raw in enumerate(segments):
        where = f"segments[{index}]"
        segment = item(raw, where, record_id)
        turns.append(
            RawTurn(
                speaker=_speaker(segment, where, record_id),
                text=text_of(segment.get("text"), f"{where}.text", record_id),
                start=number(segment.get("start"), f"{where}.start", record_id),
                end=number(segment.get("end"), f"{where}.end", record_id),
            )
        )
    metadata = {"language": doc["language"]} if isinstance(doc.get("language"), str) else {}
    return build_record(record_id, turns, metadata)


def _speaker(segment: Mapping[str, Any], where: str, record_id: str) -> str:
    speaker = segment.get("speaker")
    if isinstance(speaker, str) and speaker.strip():
        return speaker.strip()
    words = segment.get("words")
    if not isinstance(words, list):
        words = []
    named = Counter(
        w["speaker"] for w in words if isinstance(w, Mapping) and isinstance(w.get("speaker"), str)
    )
    if named:
        return str(named.most_common(1)[0][0])
    raise RecordError(
        "Got a segment without a speaker; expected WhisperX output after diarisation "
        "(run whisperx with --diarize).",
        field=f"{where}.speaker",
        record_id=record_id,
    )


def read_whisperx(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream a WhisperX JSON file (one audio file's result); roles are inferred."""
    return read_json_export(path, to_record, anonymous=True)

"""AssemblyAI transcripts (``GET /v2/transcript/{id}``) with speaker labels or multichannel.

Reads ``utterances[]``: ``text``, ``start``/``end`` in milliseconds, and ``speaker``
(``"A"``, ``"B"`` … from diarisation) or ``channel`` (``"1"``, ``"2"`` with
``multichannel``). The speakers are anonymous, so :mod:`cxnlp.ingest.roles` decides who
the agent is. The id is the transcript ``id``.
Schema: https://www.assemblyai.com/docs/speech-to-text/speaker-diarization
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cxnlp.ingest.rejects import RecordError
from cxnlp.ingest.vendors.common import (
    build_record,
    read_json_export,
    record_id_of,
    utterance_turns,
)
from cxnlp.model import Reject, Transcript

METADATA_KEYS = ("language_code", "audio_url")


def looks_like(doc: Mapping[str, Any]) -> bool:
    utterances = doc.get("utterances")
    return (
        isinstance(utterances, list)
        and ("audio_url" in doc or "status" in doc or "id" in doc)
        and (not utterances or (isinstance(utterances[0], Mapping) and "text" in utterances[0]))
    )


def to_record(doc: Mapping[str, Any], fallback_id: str) -> dict[str, Any]:
    record_id = record_id_of(doc.get("id"), fallback_id)
    status = doc.get("status")
    if isinstance(status, str) and status != "completed":
        raise RecordError(
            f"Got status {status!r}; expected 'completed'. Fetch the transcript again once it has finished.",
            field="status",
            record_id=record_id,
        )
    utterances = doc.get("utterances")
    if not isinstance(utterances, list) or not utterances:
        raise RecordError(
            "Got no utterances; expected AssemblyAI utterances. Transcribe with "
            "speaker_labels=true (or multichannel=true).",
            field="utterances",
            record_id=record_id,
        )
    turns = utterance_turns(
        utterances, "utterances", record_id, text_key="text", label=_label, time_scale=1000
    )
    metadata = {key: doc[key] for key in METADATA_KEYS if isinstance(doc.get(key), str)}
    return build_record(record_id, turns, metadata)


def _label(utterance: Mapping[str, Any], by_channel: bool, where: str, record_id: str) -> str:
    key = "channel" if by_channel else "speaker"
    value = utterance.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise RecordError(
            f"Got {key} {value!r}; expected a speaker label such as 'A' (transcribe with "
            "speaker_labels=true).",
            field=f"{where}.{key}",
            record_id=record_id,
        )
    return f"{key} {value}"


def read_assemblyai(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream an AssemblyAI transcript file (one transcript, or an array); roles are inferred."""
    return read_json_export(path, to_record, anonymous=True)

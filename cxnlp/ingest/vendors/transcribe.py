"""Amazon Transcribe Call Analytics (post-call) JSON output.

Reads ``Transcript[]``: each segment has ``ParticipantRole`` (``AGENT``/``CUSTOMER``),
``Content`` (``[PII]`` where redaction replaced words), ``BeginOffsetMillis`` and
``EndOffsetMillis``. The id is ``JobName``; ``LanguageCode`` and ``Channel`` pass through
as metadata. Schema: https://docs.aws.amazon.com/transcribe/latest/dg/tca-output-batch.html
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cxnlp.ingest.vendors.common import (
    RawTurn,
    build_record,
    item,
    number,
    read_json_export,
    record_id_of,
    require_list,
    role_of,
    text_of,
)
from cxnlp.model import Reject, Transcript

#: ParticipantRole values of Transcribe and Contact Lens, onto cxnlp roles.
AWS_ROLES: Mapping[str, str] = {
    "AGENT": "agent",
    "SUPERVISOR": "agent",
    "CUSTOMER": "customer",
    "SYSTEM": "system",
    "CUSTOM_BOT": "system",
}
#: Top-level keys kept as metadata when present.
METADATA_KEYS = ("LanguageCode", "Channel", "JobStatus")
#: What a redacted span reads in Content.
REDACTION_MARKER = "[PII]"


def looks_like(doc: Mapping[str, Any]) -> bool:
    return "JobName" in doc and _has_role_segments(doc)


def _has_role_segments(doc: Mapping[str, Any]) -> bool:
    segments = doc.get("Transcript")
    return (
        isinstance(segments, list)
        and bool(segments)
        and isinstance(segments[0], Mapping)
        and "ParticipantRole" in segments[0]
    )


def aws_turns(doc: Mapping[str, Any], record_id: str) -> list[RawTurn]:
    """The turns of ``Transcript[]`` (shared with Contact Lens, which has the same segments).

    ``ParticipantId`` (Contact Lens) becomes the agent id when there is more than one
    agent participant, so a transferred call keeps its agents apart.
    """
    segments = require_list(doc, "Transcript", record_id, "Is this a completed analytics job?")
    agent_ids = {
        str(s.get("ParticipantId"))
        for s in segments
        if isinstance(s, Mapping) and AWS_ROLES.get(str(s.get("ParticipantRole", "")).upper()) == "agent"
    }
    turns = []
    for index, raw in enumerate(segments):
        where = f"Transcript[{index}]"
        segment = item(raw, where, record_id)
        role = role_of(segment.get("ParticipantRole"), AWS_ROLES, f"{where}.ParticipantRole", record_id)
        participant = segment.get("ParticipantId")
        turns.append(
            RawTurn(
                speaker=role,
                text=text_of(segment.get("Content"), f"{where}.Content", record_id),
                start=number(
                    segment.get("BeginOffsetMillis"), f"{where}.BeginOffsetMillis", record_id, scale=1000
                ),
                end=number(segment.get("EndOffsetMillis"), f"{where}.EndOffsetMillis", record_id, scale=1000),
                agent_id=str(participant) if role == "agent" and len(agent_ids) > 1 else None,
            )
        )
    return turns


def redactions(doc: Mapping[str, Any]) -> int:
    """How many spans the export says it redacted (``[PII]`` markers or Redaction entries)."""
    count = 0
    for segment in doc.get("Transcript") or []:
        if not isinstance(segment, Mapping):
            continue
        redaction = segment.get("Redaction")
        stamps = redaction.get("RedactedTimestamps") if isinstance(redaction, Mapping) else None
        if isinstance(stamps, list):
            count += len(stamps)
        elif isinstance(segment.get("Content"), str):
            count += segment["Content"].count(REDACTION_MARKER)
    return count


def to_record(doc: Mapping[str, Any], fallback_id: str) -> dict[str, Any]:
    record_id = record_id_of(doc.get("JobName"), fallback_id)
    metadata = {key: doc[key] for key in METADATA_KEYS if isinstance(doc.get(key), str)}
    metadata["redactions"] = redactions(doc)
    return build_record(record_id, aws_turns(doc, record_id), metadata)


def read_transcribe(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream an Amazon Transcribe Call Analytics output file (one call, or an array)."""
    return read_json_export(path, to_record)

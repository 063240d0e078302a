"""Google CCAI Insights (Conversational Insights) conversation transcript files.

The upload format: ``{"conversation_info"?, "entries": [{"text", "role", "user_id",
"start_timestamp_usec"}]}``. ``role`` is ``AGENT``/``HUMAN_AGENT`` (the agent; its
``user_id`` becomes the agent id, so a transfer keeps agents apart), ``CUSTOMER``/
``END_USER`` (the customer) or ``AUTOMATED_AGENT`` (a virtual agent: the system role).
Entries have a start time only (microseconds since the epoch), so turns get ``start``
(seconds from the first entry) and no ``end``: the timing columns stay empty.
Schema: https://cloud.google.com/contact-center/insights/docs/conversation-data-format
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

ROLES: Mapping[str, str] = {
    "AGENT": "agent",
    "HUMAN_AGENT": "agent",
    "AUTOMATED_AGENT": "system",
    "CUSTOMER": "customer",
    "END_USER": "customer",
}


def looks_like(doc: Mapping[str, Any]) -> bool:
    entries = doc.get("entries")
    return (
        isinstance(entries, list)
        and bool(entries)
        and isinstance(entries[0], Mapping)
        and "role" in entries[0]
        and ("start_timestamp_usec" in entries[0] or "user_id" in entries[0])
    )


def to_record(doc: Mapping[str, Any], fallback_id: str) -> dict[str, Any]:
    record_id = record_id_of(doc.get("name") or doc.get("conversation_id"), fallback_id)
    entries = require_list(doc, "entries", record_id, "Expected CCAI Insights' entries[].")
    times = []
    for index, raw in enumerate(entries):
        entry = item(raw, f"entries[{index}]", record_id)
        times.append(
            number(entry.get("start_timestamp_usec"), f"entries[{index}].start_timestamp_usec", record_id)
        )
    origin = min((t for t in times if t is not None), default=None)
    turns = []
    for index, raw in enumerate(entries):
        entry = item(raw, f"entries[{index}]", record_id)
        role = role_of(entry.get("role"), ROLES, f"entries[{index}].role", record_id)
        user = entry.get("user_id")
        start = times[index]
        turns.append(
            RawTurn(
                speaker=role,
                text=text_of(entry.get("text"), f"entries[{index}].text", record_id),
                start=None if start is None or origin is None else (start - origin) / 1e6,
                agent_id=str(user) if role == "agent" and user is not None else None,
            )
        )
    metadata: dict[str, Any] = {}
    if origin is not None:
        metadata["start_timestamp_usec"] = int(origin)
    return build_record(record_id, turns, metadata)


def read_ccai(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream a CCAI Insights conversation file (one conversation, or an array)."""
    return read_json_export(path, to_record)

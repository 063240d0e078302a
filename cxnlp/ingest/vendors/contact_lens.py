"""Amazon Connect Contact Lens conversational analytics output files (voice and chat).

Same segments as Transcribe Call Analytics (``Transcript[]`` with ``ParticipantId``,
``ParticipantRole``, ``Content``, ``BeginOffsetMillis``, ``EndOffsetMillis``, and a
``Redaction.RedactedTimestamps`` list on a redacted turn), plus ``Participants[]`` and
``CustomerMetadata.ContactId`` (the id). ``SYSTEM`` and ``CUSTOM_BOT`` turns (IVR prompts,
Lex bots) become the system role; more than one agent participant keeps their ids.
Schema: https://docs.aws.amazon.com/connect/latest/adminguide/contact-lens-example-output-files.html
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cxnlp.ingest.vendors.common import build_record, read_json_export, record_id_of
from cxnlp.ingest.vendors.transcribe import _has_role_segments, aws_turns, redactions
from cxnlp.model import Reject, Transcript

METADATA_KEYS = ("LanguageCode", "Channel", "Version")


def looks_like(doc: Mapping[str, Any]) -> bool:
    return (
        "JobName" not in doc
        and _has_role_segments(doc)
        and ("Participants" in doc or "CustomerMetadata" in doc)
    )


def to_record(doc: Mapping[str, Any], fallback_id: str) -> dict[str, Any]:
    customer = doc.get("CustomerMetadata")
    contact_id = customer.get("ContactId") if isinstance(customer, Mapping) else None
    record_id = record_id_of(contact_id, fallback_id)
    metadata: dict[str, Any] = {key: doc[key] for key in METADATA_KEYS if isinstance(doc.get(key), str)}
    metadata["redactions"] = redactions(doc)
    return build_record(record_id, aws_turns(doc, record_id), metadata)


def read_contact_lens(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream a Contact Lens analysis file (one contact, or an array of them)."""
    return read_json_export(path, to_record)

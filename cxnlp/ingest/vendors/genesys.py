"""Genesys Cloud speech and text analytics transcripts (the transcript URL's JSON).

``{"conversationId", "communicationId", "transcripts": [{"phrases": [{"text",
"decoratedText"?, "participantPurpose", "startTimeMs", "duration": {"milliseconds"}}]}],
"participants": [{"participantPurpose", "userId"?}]}``. ``participantPurpose`` is
``internal`` (the agent side) or ``external`` (the customer); ``ivr``/``acd``/``voicemail``
are the system role. ``decoratedText`` (punctuated, numbers formatted) is preferred to the
raw recogniser ``text``. Times are epoch milliseconds; turns get seconds from the
conversation's start. With one internal participant with a ``userId``, that id is the
agent id. Schema: https://developer.genesys.cloud/analyticsdatamanagement/speechtextanalytics/transcript-url
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

PURPOSES: Mapping[str, str] = {
    "INTERNAL": "agent",
    "AGENT": "agent",
    "USER": "agent",
    "EXTERNAL": "customer",
    "CUSTOMER": "customer",
    "IVR": "system",
    "ACD": "system",
    "VOICEMAIL": "system",
    "WORKFLOW": "system",
}
METADATA_KEYS = ("communicationId", "mediaType")


def looks_like(doc: Mapping[str, Any]) -> bool:
    transcripts = doc.get("transcripts")
    return (
        isinstance(transcripts, list)
        and bool(transcripts)
        and isinstance(transcripts[0], Mapping)
        and "phrases" in transcripts[0]
    )


def to_record(doc: Mapping[str, Any], fallback_id: str) -> dict[str, Any]:
    record_id = record_id_of(doc.get("conversationId"), fallback_id)
    transcripts = require_list(doc, "transcripts", record_id, "Expected Genesys' transcripts[].phrases[].")
    phrases: list[tuple[str, Mapping[str, Any]]] = []
    for t_index, raw in enumerate(transcripts):
        transcript = item(raw, f"transcripts[{t_index}]", record_id)
        for p_index, phrase in enumerate(
            require_list(transcript, "phrases", record_id, "A transcript without phrases has no words.")
        ):
            where = f"transcripts[{t_index}].phrases[{p_index}]"
            phrases.append((where, item(phrase, where, record_id)))
    starts = [number(p.get("startTimeMs"), f"{w}.startTimeMs", record_id) for w, p in phrases]
    origin = number(doc.get("conversationStartTime"), "conversationStartTime", record_id)
    if origin is None:
        origin = min((s for s in starts if s is not None), default=None)
    agent = _single_agent(doc.get("participants"))
    turns = []
    for (where, phrase), start in zip(phrases, starts, strict=True):
        role = role_of(phrase.get("participantPurpose"), PURPOSES, f"{where}.participantPurpose", record_id)
        text = (
            phrase.get("decoratedText")
            if isinstance(phrase.get("decoratedText"), str)
            else phrase.get("text")
        )
        duration = phrase.get("duration")
        millis = duration.get("milliseconds") if isinstance(duration, Mapping) else None
        length = number(millis, f"{where}.duration.milliseconds", record_id)
        begin = None if start is None or origin is None else (start - origin) / 1000
        turns.append(
            RawTurn(
                speaker=role,
                text=text_of(text, f"{where}.text", record_id),
                start=begin,
                end=None if begin is None or length is None else begin + length / 1000,
                agent_id=agent if role == "agent" else None,
            )
        )
    metadata = {key: doc[key] for key in METADATA_KEYS if isinstance(doc.get(key), str)}
    return build_record(record_id, turns, metadata)


def _single_agent(participants: object) -> str | None:
    if not isinstance(participants, list):
        return None
    users = {
        str(p["userId"])
        for p in participants
        if isinstance(p, Mapping)
        and p.get("userId")
        and str(p.get("participantPurpose", "")).lower() in ("internal", "agent", "user")
    }
    return users.pop() if len(users) == 1 else None


def read_genesys(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream a Genesys Cloud transcript file (one communication, or an array)."""
    return read_json_export(path, to_record)

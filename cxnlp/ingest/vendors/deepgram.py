"""Deepgram pre-recorded (``/v1/listen``) responses with ``utterances=true``.

Reads ``results.utterances[]``: ``transcript``, ``start``/``end`` in seconds, and
``speaker`` (diarisation, an integer) or ``channel`` (multichannel audio). Neither says
who the agent is, so the speakers are anonymous and :mod:`cxnlp.ingest.roles` decides.
The id is ``metadata.request_id``. Schema: https://developers.deepgram.com/docs/utterances
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


def looks_like(doc: Mapping[str, Any]) -> bool:
    results = doc.get("results")
    return (
        isinstance(results, Mapping)
        and isinstance(doc.get("metadata"), Mapping)
        and ("utterances" in results or "channels" in results)
    )


def to_record(doc: Mapping[str, Any], fallback_id: str) -> dict[str, Any]:
    metadata = doc.get("metadata")
    if not isinstance(metadata, Mapping):
        metadata = {}
    record_id = record_id_of(metadata.get("request_id"), fallback_id)
    results = doc.get("results")
    if not isinstance(results, Mapping):
        results = {}
    utterances = results.get("utterances")
    if not isinstance(utterances, list) or not utterances:
        raise RecordError(
            "Got no results.utterances; expected Deepgram utterances. Transcribe with "
            "utterances=true and diarize=true (or multichannel=true).",
            field="results.utterances",
            record_id=record_id,
        )
    turns = utterance_turns(utterances, "results.utterances", record_id, text_key="transcript", label=_label)
    return build_record(record_id, turns, {})


def _label(utterance: Mapping[str, Any], by_channel: bool, where: str, record_id: str) -> str:
    key = "channel" if by_channel else "speaker"
    value = utterance.get(key)
    if value is None and not by_channel:
        key, value = "channel", utterance.get("channel")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RecordError(
            f"Got {key} {value!r}; expected a speaker or channel number (transcribe with "
            "diarize=true or multichannel=true).",
            field=f"{where}.{key}",
            record_id=record_id,
        )
    return f"{key} {value}"


def read_deepgram(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream a Deepgram response file (one request, or an array); roles are inferred."""
    return read_json_export(path, to_record, anonymous=True)

"""JSON lines: one transcript per line, and the record validation every format shares.

A record is ``{"id": ..., "turns": [{"speaker", "text", "start"?, "end"?}, ...], ...}``.
Every other key is metadata and passes through untouched (nested values included), so
whatever a contact centre exports (queue, agent id, survey answers) reaches the output.

:func:`transcript_from_record` is the one place a raw record becomes a
:class:`~cxnlp.model.Transcript`. The table reader and the dataset adapters build the
same record shape and call it too, so a bad speaker or a blank transcript gets the same
reject, with the same words, whatever file it came from.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from cxnlp.ingest.rejects import RecordError
from cxnlp.model import Reject, Transcript, Turn, normalise_speaker

#: Keys that may carry the transcript id, in order of precedence. A key not used as the
#: id stays in the metadata.
ID_KEYS: tuple[str, ...] = ("id", "transcript_id")

_BOM = b"\xef\xbb\xbf"


def transcript_from_record(record: object, *, source: str | None = None) -> Transcript:
    """Validate one raw record and build its :class:`Transcript`.

    Parameters
    ----------
    record
        A decoded JSON value; anything but an object is an error.
    source
        Where the record came from (``"calls.jsonl:line 7"``); stored on the transcript.

    Raises
    ------
    RecordError
        With the field at fault and a one-line reason; readers turn it into a Reject.
        A transcript without customer turns is accepted (agent-only voicemails and
        outbound notes can still be scored); one without agent turns is not.
    """
    if not isinstance(record, Mapping):
        raise RecordError(
            f"Got a JSON {_json_type(record)}; expected an object with 'id' and 'turns'."
        )
    id_key = next((key for key in ID_KEYS if key in record), None)
    if id_key is None:
        raise RecordError("Got no 'id' (or 'transcript_id'); expected a transcript id.", field="id")
    record_id = _record_id(record[id_key], field=id_key)
    if "turns" not in record:
        raise RecordError(
            "Got no 'turns'; expected a list of {speaker, text} objects.",
            field="turns",
            record_id=record_id,
        )
    raw_turns = record["turns"]
    if not isinstance(raw_turns, list) or not raw_turns:
        got = "an empty list" if isinstance(raw_turns, list) else f"a {_json_type(raw_turns)}"
        raise RecordError(
            f"Got {got}; expected a non-empty list of {{speaker, text}} objects.",
            field="turns",
            record_id=record_id,
        )
    turns = tuple(_turn(raw, index, record_id) for index, raw in enumerate(raw_turns))
    if not any(turn.text.strip() for turn in turns):
        raise RecordError(
            "Got an empty transcript: every turn's text is blank; expected some words.",
            field="turns",
            record_id=record_id,
        )
    if not any(turn.speaker == "agent" for turn in turns):
        raise RecordError(
            "no agent turn; nothing to score. Check the speaker labels "
            "(cxnlp.model.SPEAKER_ALIASES lists those read as the agent).",
            field="turns",
            record_id=record_id,
        )
    metadata = {key: value for key, value in record.items() if key not in (id_key, "turns")}
    return Transcript(id=record_id, turns=turns, metadata=metadata, source=source)


def read_jsonl(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream a JSON-lines file (optionally gzip-compressed): one item per non-blank line.

    The file is read as bytes and each line decoded as strict UTF-8 on its own, so one
    corrupt line (a stray Latin-1 byte from an old CRM) is rejected while its neighbours
    are read. Blank lines are not records and yield nothing. Duplicate ids are the
    caller's business (:func:`cxnlp.ingest.read_transcripts` checks them across a run).
    """
    path = Path(path)
    with _open_binary(path) as handle:
        for line_no, raw in enumerate(handle, start=1):
            source = f"{path}:line {line_no}"
            if line_no == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            try:
                yield transcript_from_record(_decode_line(raw), source=source)
            except RecordError as err:
                yield err.to_reject(source)


def _open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _decode_line(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as err:
        raise RecordError(
            f"Got bytes that are not UTF-8 ({err.reason} at byte {err.start}); expected UTF-8 "
            "text. Re-export the file as UTF-8."
        ) from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise RecordError(
            f"Got malformed JSON ({err.msg} at column {err.colno}); expected one JSON object "
            "per line."
        ) from err


def _record_id(value: object, *, field: str) -> str:
    # Integers are common ids in exports and convert losslessly; floats do not (1e16,
    # 1.0) and booleans are never ids.
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise RecordError(
        f"Got {field} {value!r} ({_json_type(value)}); expected a non-empty string or integer.",
        field=field,
    )


def _turn(raw: object, index: int, record_id: str) -> Turn:
    where = f"turns[{index}]"
    if not isinstance(raw, Mapping):
        raise RecordError(
            f"Got a JSON {_json_type(raw)}; expected a {{speaker, text}} object.",
            field=where,
            record_id=record_id,
        )
    if "speaker" not in raw:
        raise RecordError(
            "Got no 'speaker'; expected 'agent' or 'customer'.",
            field=f"{where}.speaker",
            record_id=record_id,
        )
    try:
        speaker = normalise_speaker(raw["speaker"])
    except ValueError as err:
        raise RecordError(str(err), field=f"{where}.speaker", record_id=record_id) from err
    text = raw.get("text")
    if not isinstance(text, str):
        got = "no 'text'" if "text" not in raw else f"text of type {_json_type(text)}"
        raise RecordError(
            f"Got {got}; expected a string.", field=f"{where}.text", record_id=record_id
        )
    start = _seconds(raw.get("start"), f"{where}.start", record_id)
    end = _seconds(raw.get("end"), f"{where}.end", record_id)
    if start is not None and end is not None and end < start:
        raise RecordError(
            f"Got end {end} before start {start}; expected end >= start (seconds).",
            field=f"{where}.end",
            record_id=record_id,
        )
    return Turn(speaker=speaker, text=text, start=start, end=end)


def _seconds(value: object, field: str, record_id: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordError(
            f"Got {value!r}; expected a finite number of seconds or null.",
            field=field,
            record_id=record_id,
        )
    return float(value)


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__

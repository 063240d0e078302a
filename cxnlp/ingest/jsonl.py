"""JSON lines: one transcript per line, and the record validation every format shares.

A record is ``{"id": ..., "turns": [{"speaker", "text", "start"?, "end"?, "agent_id"?}, ...],
...}``.
Every other key is metadata and passes through untouched (nested values included), so
whatever a contact centre exports (queue, agent id, survey answers) reaches the output.

:func:`transcript_from_record` is the one place a raw record becomes a
:class:`~cxnlp.model.Transcript`. The table reader and the dataset adapters build the
same record shape and call it too, so a bad speaker or a blank transcript gets the same
reject, with the same words, whatever file it came from.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from cxnlp.ingest.rejects import RecordError, json_error_text
from cxnlp.model import Reject, Transcript, Turn, normalise_speaker
from cxnlp.privacy.detectors import pci_scrub_id

#: Keys that may carry the transcript id, in order of precedence. A key not used as the
#: id stays in the metadata.
ID_KEYS: tuple[str, ...] = ("id", "transcript_id")

#: Deepest nesting of objects and arrays a record may have (the record itself is level 1).
#: Real exports nest two or three levels; thousands of levels only exhaust the stack of
#: whatever serialises the value later (hashing, writing the table).
MAX_DEPTH = 64

#: What a damaged compressed stream raises part-way through a file.
DAMAGED_STREAM_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error)


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
        raise RecordError(f"Got a JSON {json_type(record)}; expected an object with 'id' and 'turns'.")
    id_key = next((key for key in ID_KEYS if key in record), None)
    if id_key is None:
        raise RecordError("Got no 'id' (or 'transcript_id'); expected a transcript id.", field="id")
    record_id = _record_id(record[id_key], field=id_key)
    check_values(record, record_id=record_id)
    if "turns" not in record:
        raise RecordError(
            "Got no 'turns'; expected a list of {speaker, text} objects.",
            field="turns",
            record_id=record_id,
        )
    raw_turns = record["turns"]
    if not isinstance(raw_turns, list) or not raw_turns:
        got = "an empty list" if isinstance(raw_turns, list) else f"a {json_type(raw_turns)}"
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
            "no agent turn; nothing to score (system/IVR/bot turns are not the agent). "
            "Check the speaker labels (cxnlp.model.SPEAKER_ALIASES lists those read as "
            "the agent).",
            field="turns",
            record_id=record_id,
        )
    metadata = {key: value for key, value in record.items() if key not in (id_key, "turns")}
    return Transcript(id=record_id, turns=turns, metadata=metadata, source=source)


def read_jsonl(path: str | Path) -> Iterator[Transcript | Reject]:
    """Stream a JSON-lines file (optionally gzip-compressed): one item per non-blank line.

    Lines end in LF, CRLF or a lone CR. Each line is checked for UTF-8 on its own, so one
    corrupt line (a stray Latin-1 byte from an old CRM) is rejected while its neighbours
    are read. Blank lines are not records and yield nothing. A compressed file that is
    cut off or corrupt part-way yields one reject for everything from the damaged line on,
    after the lines before it. Duplicate ids are the caller's business
    (:func:`cxnlp.ingest.read_transcripts` checks them across a run).
    """
    path = Path(path)
    line_no = 0
    with open_jsonl_text(path) as handle:
        try:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                source = f"{path}:line {line_no}"
                try:
                    yield transcript_from_record(_decode_line(line), source=source)
                except RecordError as err:
                    yield err.to_reject(source)
        except DAMAGED_STREAM_ERRORS as err:
            yield Reject(
                source=f"{path}:line {line_no + 1}",
                reason=(
                    f"Got a damaged file from this line on ({type(err).__name__}: {err}); "
                    "expected a complete file. Every line from here on is rejected; "
                    "copy or export the file again."
                ),
                field=None,
            )


def open_jsonl_text(path: Path) -> TextIO:
    """Open a JSON-lines file (``.gz`` decompressed) as text with universal newlines.

    Bytes that are not UTF-8 are kept as lone surrogates (``surrogateescape``) so that
    the line holding them can be rejected on its own instead of ending the file.
    """
    binary = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline=None)


def _decode_line(line: str) -> Any:
    if not line.isascii():
        _check_utf8(line)
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise RecordError(
            f"Got malformed JSON ({json_error_text(err, line=False)}); expected one JSON object per line."
        ) from err
    except RecursionError as err:
        raise RecordError(
            f"Got JSON nested too deeply to read; expected at most {MAX_DEPTH} levels of "
            "objects and arrays. Flatten the record."
        ) from err
    except ValueError as err:  # e.g. an integer longer than Python converts (4,300 digits)
        raise RecordError(
            f"Got a JSON value that cannot be read ({err}); expected ordinary JSON values. "
            "Quote very long numbers as strings."
        ) from err


def _check_utf8(line: str) -> None:
    # Undecodable bytes arrive as lone surrogates (surrogateescape); decoding the original
    # bytes again names the first bad byte the way a UTF-8 decoder reports it.
    raw = line.encode("utf-8", errors="surrogateescape")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RecordError(
            f"Got bytes that are not UTF-8 ({err.reason} at byte {err.start}); expected "
            "UTF-8 text. Re-export the file as UTF-8."
        ) from err


def check_values(record: Mapping[str, Any], *, record_id: str | None = None) -> None:
    """Raise :class:`RecordError` for a value no later stage can store or hash.

    Checks every key and value of ``record`` without recursion: nesting deeper than
    :data:`MAX_DEPTH`, and text that is not valid Unicode (lone surrogates, from a JSON
    escape such as ``"\\ud800"`` or from bytes that are not UTF-8). The field named is
    the path to the value (``turns[2].text``, ``survey.comment``).
    """
    # (top-level key, path to the value, value, depth); a depth error names the top-level
    # key, since the full path of a value 64 levels down is 64 brackets long.
    stack = [(key, key, value, 2) for key, value in _items(record, "")]
    while stack:
        top, where, value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, where, record_id)
        elif isinstance(value, Mapping | list):
            if depth > MAX_DEPTH:
                raise RecordError(
                    f"Got a value nested more than {MAX_DEPTH} levels deep; expected at most "
                    f"{MAX_DEPTH}. Flatten the record.",
                    field=top,
                    record_id=record_id,
                )
            stack.extend((top, key, item, depth + 1) for key, item in _items(value, where))


def _items(value: Mapping[str, Any] | list[Any], where: str) -> Iterator[tuple[str, object]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{where}[{index}]", item
        return
    for key, item in value.items():
        if isinstance(key, str):
            _check_text(key, f"{where}.{key!r}" if where else repr(key), None)
        name = f"{where}.{key}" if where else str(key)
        yield name, item


def _check_text(text: str, where: str, record_id: str | None) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise RecordError(
            f"Got text that is not valid Unicode (lone surrogate {text[err.start]!r} at "
            f"character {err.start}); expected UTF-8 text. Fix the export or the escape.",
            field=where.encode("utf-8", errors="backslashreplace").decode("utf-8"),
            record_id=record_id,
        ) from err


def _record_id(value: object, *, field: str) -> str:
    # Integers are common ids in exports and convert losslessly; floats do not (1e16,
    # 1.0) and booleans are never ids.
    if isinstance(value, str) and value.strip():
        _check_text(value, field, None)
        return _no_card_in_id(value, field)
    if isinstance(value, int) and not isinstance(value, bool):
        return _no_card_in_id(str(value), field)
    raise RecordError(
        f"Got {field} {value!r} ({json_type(value)}); expected a non-empty string or integer.",
        field=field,
    )


def _no_card_in_id(record_id: str, field: str) -> str:
    # Ids are written unredacted everywhere (table, store, evidence, logs), so a record
    # whose id holds a card number or security code is not read (docs/privacy.md,
    # "Record ids"); the reject shows the id with them replaced.
    scrubbed = pci_scrub_id(record_id)
    if scrubbed != record_id:
        raise RecordError(
            f"Got a card number or security code in the {field} (shown replaced); ids are "
            "written unredacted, so fix the id upstream.",
            field=field,
            record_id=scrubbed,
        )
    return record_id


def _turn(raw: object, index: int, record_id: str) -> Turn:
    where = f"turns[{index}]"
    if not isinstance(raw, Mapping):
        raise RecordError(
            f"Got a JSON {json_type(raw)}; expected a {{speaker, text}} object.",
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
        got = "no 'text'" if "text" not in raw else f"text of type {json_type(text)}"
        raise RecordError(f"Got {got}; expected a string.", field=f"{where}.text", record_id=record_id)
    if "\x00" in text:  # NUL is no text: a turn reads the same with it or without it
        text = text.replace("\x00", "")
    start = _seconds(raw.get("start"), f"{where}.start", record_id)
    end = _seconds(raw.get("end"), f"{where}.end", record_id)
    if start is not None and end is not None and end < start:
        raise RecordError(
            f"Got end {end} before start {start}; expected end >= start (seconds).",
            field=f"{where}.end",
            record_id=record_id,
        )
    return Turn(
        speaker=speaker,
        text=text,
        start=start,
        end=end,
        agent_id=_agent_id(raw.get("agent_id"), f"{where}.agent_id", record_id),
    )


def _agent_id(value: object, field: str, record_id: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise RecordError(
        f"Got agent_id {value!r}; expected a non-empty string, an integer or null.",
        field=field,
        record_id=record_id,
    )


def _seconds(value: object, field: str, record_id: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        shown = repr(value) if len(repr(value)) <= 40 else f"a {len(str(value))}-digit number"
        raise RecordError(
            f"Got {shown}; expected a finite number of seconds or null.",
            field=field,
            record_id=record_id,
        )
    if abs(value) > MAX_SECONDS:
        raise RecordError(
            f"Got {float(value):.4g} seconds; expected a time within {MAX_SECONDS:.0e} seconds "
            "(an offset into the call or an epoch time). Check the export's time unit.",
            field=field,
            record_id=record_id,
        )
    return float(value)


#: The largest time a turn may carry, in seconds (about 3,000 years: an epoch time in
#: seconds fits, a timestamp in microseconds read as seconds or an overflowed number does not,
#: and the timing columns never sum values near the float limit into infinity).
MAX_SECONDS = 1e11


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float is not a usable time
        return False


def json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__

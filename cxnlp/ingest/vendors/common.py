"""What every vendor adapter shares: loading a JSON export, building the record, timing.

A vendor adapter turns one exported document (one call) into the record shape of
:func:`cxnlp.ingest.jsonl.transcript_from_record` (``{"id", "turns": [...], **metadata}``),
so a bad speaker or an empty call is rejected with the same words whatever the source.
Each adapter only knows its vendor's field names; the reading, the rejects and the role
inference for anonymous speakers live here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxnlp.ingest.jsonl import json_type, transcript_from_record
from cxnlp.ingest.rejects import RecordError, json_error_text
from cxnlp.model import Reject, Transcript

#: A converter: one vendor document and the id to use when it names none → a record.
Converter = Callable[[Mapping[str, Any], str], dict[str, Any]]
#: A diarised utterance's speaker label: the utterance, whether the call is split by
#: channel, where it is and the record id (for errors) → the label.
Labeller = Callable[[Mapping[str, Any], bool, str, str], str]


@dataclass(frozen=True, slots=True)
class RawTurn:
    """A turn as the vendor says it, before roles are settled.

    ``speaker`` is a role (``agent``/``customer``/``system``) when the source names one,
    or the vendor's anonymous label (``SPEAKER_00``, ``speaker 1``) when it does not.
    """

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    agent_id: str | None = None


def read_json_export(
    path: str | Path,
    convert: Converter,
    *,
    anonymous: bool = False,
) -> Iterator[Transcript | Reject]:
    """Stream a vendor JSON file: one document (one call), or an array of documents.

    Each document yields one Transcript or one Reject, whose ``source`` is the file (with
    ``[i]`` for an array element). With ``anonymous=True`` the turns' speakers are the
    vendor's labels and :func:`cxnlp.ingest.roles.assign_roles` decides which is the agent.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as err:
        yield Reject(
            source=str(path),
            reason=f"Got bytes that are not UTF-8 ({err.reason} at byte {err.start}); expected "
            "a UTF-8 JSON export. Re-export the file as UTF-8.",
        )
        return
    except (json.JSONDecodeError, RecursionError, ValueError) as err:
        detail = json_error_text(err) if isinstance(err, json.JSONDecodeError) else str(err)
        yield Reject(
            source=str(path),
            reason=f"Got malformed JSON ({detail}); expected the vendor's JSON export. "
            "Export the file again.",
        )
        return
    documents = document if isinstance(document, list) else [document]
    stem = path.name.split(".")[0]
    for index, item in enumerate(documents):
        source = f"{path}[{index}]" if isinstance(document, list) else str(path)
        fallback = f"{stem}-{index}" if isinstance(document, list) else stem
        try:
            if not isinstance(item, Mapping):
                raise RecordError(f"Got a JSON {json_type(item)}; expected an object (one call).")
            record = convert(item, fallback)
            if anonymous:
                from cxnlp.ingest.roles import assign_roles

                record = assign_roles(record)
            yield transcript_from_record(record, source=source)
        except RecordError as err:
            yield err.to_reject(source)


def build_record(
    record_id: str,
    turns: Sequence[RawTurn],
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The standard record: consecutive pieces of one speaker merged into one turn.

    Recognisers cut speech into sentences or phrases; cxnlp's turn is one speaker's
    uninterrupted contribution, so ``A, A, B`` becomes two turns (the first from A's first
    start to A's last end), unless a pause of a second or more separates the two A pieces
    (a hold stays visible). Pieces with no words are dropped; pieces listed out of time
    order (every one with a start) are put in time order first.
    """
    if (
        all(t.start is not None for t in turns)
        and any(
            later.start < earlier.start  # type: ignore[operator]
            for earlier, later in zip(turns, turns[1:], strict=False)
        )
    ):
        # The times are the truth: pieces listed out of order (a hand-merged or re-sorted
        # export) are put back in time order, stably, rather than read as a call backwards.
        turns = sorted(turns, key=lambda t: t.start)  # type: ignore[arg-type,return-value]
    merged: list[RawTurn] = []
    for turn in turns:
        text = " ".join(turn.text.split())
        if not text:
            continue
        last = merged[-1] if merged else None
        if (
            last is not None
            and (last.speaker, last.agent_id) == (turn.speaker, turn.agent_id)
            and not _pause_between(last, turn)
        ):
            merged[-1] = RawTurn(
                last.speaker,
                f"{last.text} {text}",
                last.start if last.start is not None else turn.start,
                _later(last.end, turn.end),
                last.agent_id,
            )
        else:
            merged.append(RawTurn(turn.speaker, text, turn.start, turn.end, turn.agent_id))
    if not merged:
        raise RecordError(
            "Got no turn with words; expected at least one transcribed utterance.",
            field="turns",
            record_id=record_id,
        )
    return {
        **dict(metadata or {}),
        "id": record_id,
        "turns": [
            {
                "speaker": t.speaker,
                "text": t.text,
                "start": t.start,
                "end": t.end,
                **({"agent_id": t.agent_id} if t.agent_id is not None else {}),
            }
            for t in merged
        ],
    }


def _pause_between(last: RawTurn, turn: RawTurn) -> bool:
    # A silence of a second or more (a hold) keeps two pieces apart, so it is not hidden
    # inside one turn and still counts as dead air.
    from cxnlp.timing import MIN_SILENCE_SECONDS

    if last.end is None or turn.start is None:
        return False
    return turn.start - last.end >= MIN_SILENCE_SECONDS


def _later(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def utterance_turns(
    utterances: list[Any],
    where: str,
    record_id: str,
    *,
    text_key: str,
    label: Labeller,
    time_scale: float = 1.0,
) -> list[RawTurn]:
    """One turn per utterance of a diarising recogniser (AssemblyAI, Deepgram).

    The speaker is read by channel when the utterances come from more than one channel
    (multichannel audio, one speaker a channel), else from the diariser's speaker;
    ``label`` says how the vendor writes either. ``where`` names the list in errors
    (``results.utterances``); ``time_scale`` is 1000 for milliseconds.
    """
    rows = [item(u, f"{where}[{i}]", record_id) for i, u in enumerate(utterances)]
    # repr: a channel may be any JSON value (an object is unhashable); the label check names it.
    by_channel = len({repr(u.get("channel")) for u in rows}) > 1
    turns = []
    for index, utterance in enumerate(rows):
        at = f"{where}[{index}]"
        turns.append(
            RawTurn(
                speaker=label(utterance, by_channel, at, record_id),
                text=text_of(utterance.get(text_key), f"{at}.{text_key}", record_id),
                start=number(utterance.get("start"), f"{at}.start", record_id, scale=time_scale),
                end=number(utterance.get("end"), f"{at}.end", record_id, scale=time_scale),
            )
        )
    return turns


def require_list(doc: Mapping[str, Any], key: str, record_id: str, hint: str) -> list[Any]:
    """``doc[key]`` as a non-empty list, or a RecordError naming the field and the fix."""
    value = doc.get(key)
    if not isinstance(value, list) or not value:
        got = "no" if key not in doc else ("an empty" if isinstance(value, list) else f"a {json_type(value)}")
        raise RecordError(
            f"Got {got} {key!r}; expected a non-empty list. {hint}",
            field=key,
            record_id=record_id,
        )
    return value


def item(value: object, field: str, record_id: str) -> Mapping[str, Any]:
    """A list element that must be an object."""
    if not isinstance(value, Mapping):
        raise RecordError(
            f"Got a JSON {json_type(value)}; expected an object.", field=field, record_id=record_id
        )
    return value


def text_of(value: object, field: str, record_id: str) -> str:
    if not isinstance(value, str):
        raise RecordError(
            f"Got {json_type(value)} text; expected a string.", field=field, record_id=record_id
        )
    return value


def number(value: object, field: str, record_id: str, *, scale: float = 1.0) -> float | None:
    """A finite number divided by ``scale`` (1000 for milliseconds), or None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite_float(value):
        shown = repr(value) if len(repr(value)) <= 40 else f"a {len(str(value))}-digit number"
        raise RecordError(f"Got {shown}; expected a finite number or null.", field=field, record_id=record_id)
    return float(value) / scale


def _finite_float(value: int | float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer too large for a float is not a usable time
        return False


def record_id_of(value: object, fallback: str) -> str:
    """The document's own id when it is a usable string or integer, else ``fallback``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return fallback


def role_of(value: object, mapping: Mapping[str, str], field: str, record_id: str) -> str:
    """Map a vendor role value onto a cxnlp role, naming the allowed values on failure."""
    role = mapping.get(str(value).strip().upper()) if isinstance(value, str | int) else None
    if role is None:
        raise RecordError(
            f"Got role {value!r}; expected one of {', '.join(sorted(mapping))}.",
            field=field,
            record_id=record_id,
        )
    return role

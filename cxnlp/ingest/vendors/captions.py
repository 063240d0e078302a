"""Timed captions with speaker tags, the part WebVTT and SRT share.

A caption file is one call. Each cue's speaker comes from a tag at the start of its
text: a WebVTT voice span ``<v Roger Bingham>`` (the standard's way), ``[SPEAKER_00]:``
(what WhisperX writes into .srt/.vtt) or ``Agent:`` (a name of one to three words before
a colon). A cue without a tag continues the previous speaker. Speaker names that are
cxnlp roles (``Agent``, ``Customer``, ``IVR`` …) are used as roles; any other names are
anonymous and :mod:`cxnlp.ingest.roles` decides who the agent is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from cxnlp.ingest.rejects import RecordError
from cxnlp.ingest.vendors.common import RawTurn, build_record
from cxnlp.model import Reject, Transcript

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_VOICE = re.compile(r"^\s*<v(?:\.[^\s>]*)?\s+([^>]+)>\s*")
_BRACKET = re.compile(r"^\s*\[([^\]\n]{1,40})\]\s*:?\s*")
_COLON = re.compile(r"^\s*([A-Za-z][\w.'-]*(?: [A-Za-z][\w.'-]*){0,2})\s*:\s+")
_TAGS = re.compile(r"<[^>]*>")


def seconds(match: re.Match[str], offset: int) -> float:
    hours, minutes, secs, frac = match.group(offset, offset + 1, offset + 2, offset + 3)
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(frac.ljust(3, "0")) / 1000


def split_speaker(text: str) -> tuple[str | None, str]:
    """``(speaker tag or None, text without it and without markup)``."""
    for pattern in (_VOICE, _BRACKET, _COLON):
        match = pattern.match(text)
        if match:
            return match.group(1).strip(), _TAGS.sub("", text[match.end() :]).strip()
    return None, _TAGS.sub("", text).strip()


def read_captions(path: str | Path, *, kind: str) -> Iterator[Transcript | Reject]:
    """One transcript (or one reject) for a ``.vtt`` (``kind="vtt"``) or ``.srt`` file."""
    from cxnlp.ingest.jsonl import transcript_from_record
    from cxnlp.ingest.roles import assign_roles

    path = Path(path)
    record_id = path.name.split(".")[0]
    try:
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as err:
            raise RecordError(
                f"Got bytes that are not UTF-8 ({err.reason} at byte {err.start}); expected a "
                "UTF-8 caption file. Re-export the file as UTF-8.",
                record_id=record_id,
            ) from err
        turns = list(_cues(raw, kind, record_id))
        record = assign_roles(build_record(record_id, turns, {}))
        yield transcript_from_record(record, source=str(path))
    except RecordError as err:
        yield err.to_reject(str(path))


def _cues(raw: str, kind: str, record_id: str) -> Iterator[RawTurn]:
    blocks = [b for b in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").replace("\r", "\n")) if b.strip()]
    if kind == "vtt":
        if not blocks or not blocks[0].lstrip().startswith("WEBVTT"):
            raise RecordError(
                "Got no WEBVTT header; expected a WebVTT file.", field="header", record_id=record_id
            )
        blocks = blocks[1:]
    speaker: str | None = None
    n_cues = 0
    for number, block in enumerate(blocks, start=1):
        lines = block.strip("\n").split("\n")
        if kind == "vtt" and lines[0].split(" ")[0] in ("NOTE", "STYLE", "REGION"):
            continue
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        match = TIMING.match(lines[timing_at]) if timing_at is not None else None
        if match is None or timing_at is None:
            raise RecordError(
                f"Got {lines[0][:60]!r} where a cue timing was expected; expected "
                "'00:00:01.000 --> 00:00:04.000'.",
                field=f"cue {number}",
                record_id=record_id,
            )
        n_cues += 1
        tag, text = split_speaker(" ".join(lines[timing_at + 1 :]))
        speaker = tag or speaker
        if speaker is None:
            raise RecordError(
                "Got a cue without a speaker tag and none before it; expected '<v Name>', "
                "'[Name]:' or 'Name:' at the start of the first cue.",
                field=f"cue {number}",
                record_id=record_id,
            )
        yield RawTurn(speaker, text, seconds(match, 1), seconds(match, 5))
    if n_cues == 0:
        raise RecordError("Got no cues; expected timed captions.", field="cues", record_id=record_id)

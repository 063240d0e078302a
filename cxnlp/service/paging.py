"""Opaque cursors for ``GET /v1/results``: keyset paging that new rows cannot shift.

A cursor is the last row's ``(scored_at, transcript_id)`` plus the filters and the store
configuration it was made under, base64-encoded JSON. Results are ordered by that key,
so a page never repeats or skips a row when the nightly batch adds rows meanwhile (new
rows sort after the cursor). A cursor made under other filters or another configuration
is refused rather than silently mixing pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

import pandas as pd


class CursorError(ValueError):
    """A cursor that this service did not make, or made for another query."""


@dataclass(frozen=True)
class Query:
    since: str | None
    team: str | None
    config_id: str | None


def encode_cursor(query: Query, scored_at: str, transcript_id: str) -> str:
    payload = {"s": query.since, "t": query.team, "c": query.config_id, "k": [scored_at, transcript_id]}
    raw = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, query: Query) -> tuple[str, str]:
    """The key after which the next page starts.

    Raises
    ------
    CursorError
        For a cursor that does not decode, or was made for other filters or another
        store configuration (the batch re-scored the store meanwhile).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        key = payload["k"]
        scored_at, transcript_id = str(key[0]), str(key[1])
        made_for = (payload["s"], payload["t"], payload["c"])
    except (binascii.Error, ValueError, KeyError, TypeError, IndexError) as exc:
        raise CursorError(
            "Got a cursor this service did not make; expected the next_cursor of a previous page."
        ) from exc
    if made_for != (query.since, query.team, query.config_id):
        raise CursorError(
            "Got a cursor made for other filters or an older store configuration; expected the "
            "same since/team as its first page. Start again without a cursor."
        )
    return scored_at, transcript_id


def page(
    frame: pd.DataFrame, query: Query, *, cursor: str | None, limit: int
) -> tuple[pd.DataFrame, str | None]:
    """One page of ``frame`` (ordered by ``scored_at, transcript_id``) and the next cursor."""
    selected = frame
    if query.since:
        selected = selected[selected["scored_at"] >= query.since]
    if query.team is not None:
        if "team" not in selected.columns:
            selected = selected.iloc[0:0]
        else:
            selected = selected[selected["team"].astype(str) == query.team]
    if cursor:
        scored_at, transcript_id = decode_cursor(cursor, query)
        after = (selected["scored_at"] > scored_at) | (
            (selected["scored_at"] == scored_at) & (selected["transcript_id"] > transcript_id)
        )
        selected = selected[after]
    chunk = selected.iloc[:limit]
    more = len(selected) > limit
    next_cursor = None
    if more and not chunk.empty:
        last = chunk.iloc[-1]
        next_cursor = encode_cursor(query, str(last["scored_at"]), str(last["transcript_id"]))
    return chunk, next_cursor

"""Where in a conversation each sentence sits, and the mean sentence embedding of each place.

A trained evaluator reads a contact by its shape: what the customer came with, how they
reacted to the answers, how they left, what the agent said and how the agent closed.
Those five *slots* are what a calibrator's learned sentence evidence reads
(:class:`~cxnlp.calibration.ScoreCalibrator` with ``sentence_evidence=True``): one mean
sentence embedding per slot, written to the score table as the ``slot_vectors`` column, so
that calibrating needs only the score table, and so that a prediction splits exactly into
one contribution per slot and, inside a slot, one per sentence (a linear model of a mean
is the mean of the sentences' scores).

Slots (a sentence may sit in two: the agent's last turn is also an agent reply):

- ``customer_opening``: the customer's first turn (the problem as they put it);
- ``customer_followup``: the customer's turns between their first and last;
- ``customer_closing``: the customer's last turn, when it is not also their first;
- ``agent_reply``: every agent sentence;
- ``agent_closing``: the agent's last turn.

The column holds the ``(5, 384)`` float16 matrix, little-endian, row-major, base64
encoded: a plain string, so Parquet, CSV and JSONL tables carry it alike (5 kB a row).
An empty slot is a row of zeros.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxnlp.model import Speaker

if TYPE_CHECKING:  # pragma: no cover
    from cxnlp.nlp import ParsedTranscript

__all__ = [
    "SLOTS",
    "SLOT_COLUMN",
    "SLOT_PREFIX",
    "collapse_slot_columns",
    "decode_slot_vectors",
    "encode_slot_vectors",
    "expand_slot_vectors",
    "has_slot_columns",
    "is_slot_column",
    "sentence_slots",
    "slot_column_positions",
    "slot_columns",
    "slot_means",
    "slot_of_column",
]

SLOTS: tuple[str, ...] = (
    "customer_opening",
    "customer_followup",
    "customer_closing",
    "agent_reply",
    "agent_closing",
)
#: The score-table column that carries the encoded slot means.
SLOT_COLUMN = "slot_vectors"
#: Prefix of the expanded per-dimension columns, ``slot__<slot>__<dim>``.
SLOT_PREFIX = "slot__"
_DTYPE = np.dtype("<f2")


def sentence_slots(turn_indices: Sequence[int], speakers: Sequence[Speaker]) -> list[tuple[str, ...]]:
    """The slots each sentence belongs to, from its turn index and speaker.

    A pure function of positions, so it reads the same for chats (the customer writes
    first) and calls (the agent greets first): the customer's *first* turn opens, their
    *last* turn closes, whatever came before them. System (IVR, bot) sentences belong to
    no slot.
    """
    if len(turn_indices) != len(speakers):
        raise ValueError(
            f"Got {len(turn_indices)} turn indices and {len(speakers)} speakers; "
            "expected one of each per sentence."
        )
    customer_turns = [t for t, s in zip(turn_indices, speakers, strict=True) if s == "customer"]
    agent_turns = [t for t, s in zip(turn_indices, speakers, strict=True) if s == "agent"]
    first_c = min(customer_turns, default=None)
    last_c = max(customer_turns, default=None)
    last_a = max(agent_turns, default=None)
    out: list[tuple[str, ...]] = []
    for turn, speaker in zip(turn_indices, speakers, strict=True):
        if speaker == "customer":
            if turn == first_c:
                out.append(("customer_opening",))
            elif turn == last_c:
                out.append(("customer_closing",))
            else:
                out.append(("customer_followup",))
        elif speaker != "agent":
            out.append(())
        elif turn == last_a:
            out.append(("agent_reply", "agent_closing"))
        else:
            out.append(("agent_reply",))
    return out


def slot_means(parsed: ParsedTranscript) -> np.ndarray:
    """``(len(SLOTS), dim)`` mean sentence embedding per slot; zeros for an empty slot."""
    dim = parsed.vectors.shape[1]
    sums = np.zeros((len(SLOTS), dim), dtype=np.float64)
    counts = np.zeros(len(SLOTS))
    memberships = sentence_slots(
        [s.turn_index for s in parsed.sentences], [s.speaker for s in parsed.sentences]
    )
    for sentence, slots in zip(parsed.sentences, memberships, strict=True):
        for slot in slots:
            k = SLOTS.index(slot)
            sums[k] += parsed.vectors[sentence.index]
            counts[k] += 1
    return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)


def encode_slot_vectors(matrix: np.ndarray) -> str:
    """The ``slot_vectors`` cell of a ``(len(SLOTS), dim)`` matrix (float16, base64)."""
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != len(SLOTS):
        raise ValueError(f"Got a slot matrix of shape {m.shape}; expected ({len(SLOTS)}, dim).")
    return base64.b64encode(np.ascontiguousarray(m, dtype=_DTYPE).tobytes()).decode("ascii")


def _where(record: str | None) -> str:
    return f" of transcript {record!r}" if record is not None else ""


def _cell_bytes(cell: object, record: str | None) -> bytes:
    """The raw bytes of a ``slot_vectors`` cell; a ``ValueError`` naming ``record`` if none."""
    if not isinstance(cell, str | bytes) or not cell:
        raise ValueError(
            f"Got {SLOT_COLUMN}={cell!r}{_where(record)}; expected the encoded slot means cxnlp "
            "score writes. Re-score the transcript with this version of cxnlp."
        )
    try:
        return base64.b64decode(cell, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"Got a {SLOT_COLUMN} cell{_where(record)} that is not base64: {exc}.") from exc


def decode_slot_vectors(cell: object, *, dim: int, record: str | None = None) -> np.ndarray:
    """The ``(len(SLOTS), dim)`` float matrix of one ``slot_vectors`` cell.

    Raises a ``ValueError`` naming ``record`` when the cell is missing or is not what
    :func:`encode_slot_vectors` writes.
    """
    where = _where(record)
    raw = _cell_bytes(cell, record)
    expected = len(SLOTS) * dim * _DTYPE.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"Got a {SLOT_COLUMN} cell{where} of {len(raw)} bytes; expected {expected} "
            f"({len(SLOTS)} slots x {dim} float16). Re-score with this version of cxnlp."
        )
    return np.frombuffer(raw, dtype=_DTYPE).astype(np.float64).reshape(len(SLOTS), dim)


def slot_columns(dim: int) -> list[str]:
    """Names of the expanded columns, slot-major: ``slot__customer_opening__000`` …"""
    width = len(str(dim - 1))
    return [f"{SLOT_PREFIX}{slot}__{j:0{width}d}" for slot in SLOTS for j in range(dim)]


def is_slot_column(name: object) -> bool:
    return isinstance(name, str) and name.startswith(SLOT_PREFIX)


def has_slot_columns(names: Iterable[object]) -> bool:
    """Whether any of ``names`` (a table's columns, a feature list) is a ``slot__*`` column."""
    return any(is_slot_column(n) for n in names)


def slot_of_column(name: str) -> str:
    """The slot an expanded column belongs to (``slot__agent_reply__017`` → ``agent_reply``)."""
    if not is_slot_column(name):
        raise ValueError(f"Got column {name!r}; expected a {SLOT_PREFIX}<slot>__<dim> column.")
    return name[len(SLOT_PREFIX) :].rsplit("__", 1)[0]


def collapse_slot_columns(names: Sequence[str]) -> list[str]:
    """Feature names for people: the slot columns as one ``slot_vectors[<slot>]`` per slot."""
    plain = [n for n in names if not is_slot_column(n)]
    slots = dict.fromkeys(slot_of_column(n) for n in names if is_slot_column(n))
    return plain + [f"{SLOT_COLUMN}[{s}]" for s in slots]


def slot_column_positions(names: Sequence[str]) -> dict[str, list[int]]:
    """Positions of each slot's columns in a feature list, slots in :data:`SLOTS` order."""
    positions: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        if is_slot_column(name):
            positions.setdefault(slot_of_column(name), []).append(j)
    return {slot: positions[slot] for slot in SLOTS if slot in positions}


def expand_slot_vectors(
    table: pd.DataFrame, *, dim: int | None = None, id_col: str = "transcript_id"
) -> pd.DataFrame:
    """The slot-mean columns of ``table``'s ``slot_vectors`` cells, one row per table row.

    ``dim`` defaults to what the first cell holds. The index is ``table``'s, so the result
    can be joined or concatenated beside it.
    """
    if SLOT_COLUMN not in table.columns:
        raise ValueError(
            f"Got a score table without column {SLOT_COLUMN!r}; expected the table cxnlp score "
            "writes (cxnlp >= 0.2 adds it). Re-score the transcripts."
        )
    cells = table[SLOT_COLUMN].tolist()
    ids = table[id_col].astype(str).tolist() if id_col in table.columns else [None] * len(cells)
    if dim is None:
        if not cells:
            raise ValueError(f"Got an empty table; expected rows with {SLOT_COLUMN}.")
        dim = max(len(_cell_bytes(cells[0], ids[0])) // (len(SLOTS) * _DTYPE.itemsize), 1)
    rows = [decode_slot_vectors(c, dim=dim, record=i).ravel() for c, i in zip(cells, ids, strict=True)]
    matrix = np.vstack(rows) if rows else np.zeros((0, len(SLOTS) * dim))
    return pd.DataFrame(matrix, columns=slot_columns(dim), index=table.index)

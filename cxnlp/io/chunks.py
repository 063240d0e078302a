"""Bounded pieces of a stream: how every batch loop in cxnlp walks its input.

Scoring, the file run and the nightly run all take a stream of unknown length in pieces of
a fixed size, so that memory is bounded by one piece whatever the input holds. One helper
does it (``itertools.batched`` arrives only in Python 3.12).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter), in input order.

    Reads ``items`` lazily: the next piece is taken only when asked for.

    Raises
    ------
    ValueError
        When ``size`` is not a positive integer.
    """
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"Got chunk size {size!r}; expected a positive integer.")
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk

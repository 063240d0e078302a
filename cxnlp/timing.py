"""Silences, talk share and interruptions of a call, from its turns' start and end times.

These are plain facts about timing, reported beside the four dimensions and never mixed
into them. They exist only when every turn with words has both a start and an end (a
call from a speech platform); otherwise each is NaN.

- ``dead_air_seconds``: total time between the first word and the last when nobody
  speaks, counting only gaps of at least :data:`MIN_SILENCE_SECONDS` (shorter gaps are
  ordinary turn-taking).
- ``longest_silence_seconds``: the longest such gap (0 when there is none).
- ``agent_talk_share``: the agent's speaking time over the agent's and customer's
  together (system/IVR turns count for neither); NaN when neither spoke.
- ``interruptions``: turns that start while a turn of another party (agent vs customer)
  is still going.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cxnlp.model import Transcript, Turn

#: The timing columns of the score table, in order.
TIMING_COLUMNS: tuple[str, ...] = (
    "dead_air_seconds",
    "longest_silence_seconds",
    "agent_talk_share",
    "interruptions",
)
#: Gaps shorter than this are turn-taking, not dead air.
MIN_SILENCE_SECONDS = 1.0


def timing_metrics(transcript: Transcript) -> dict[str, float]:
    """The :data:`TIMING_COLUMNS` of one transcript (all NaN without full timings)."""
    turns = [t for t in transcript.turns if t.text.strip()]
    if not turns or any(t.start is None or t.end is None for t in turns):
        return dict.fromkeys(TIMING_COLUMNS, math.nan)
    gaps = _silences(turns)
    long_gaps = [g for g in gaps if g >= MIN_SILENCE_SECONDS]
    agent = sum(_length(t) for t in turns if t.speaker == "agent")
    customer = sum(_length(t) for t in turns if t.speaker == "customer")
    talk = agent + customer
    return {
        "dead_air_seconds": round(float(sum(long_gaps)), 3),
        "longest_silence_seconds": round(max(long_gaps, default=0.0), 3),
        "agent_talk_share": round(agent / talk, 4) if talk > 0 else math.nan,
        "interruptions": float(_interruptions(turns)),
    }


def _length(turn: Turn) -> float:
    return max(0.0, float(turn.end) - float(turn.start))  # type: ignore[arg-type]


def _silences(turns: Sequence[Turn]) -> list[float]:
    """Gaps in the union of speaking intervals, between the first start and the last end."""
    spans = sorted((float(t.start), float(t.end)) for t in turns)  # type: ignore[arg-type]
    gaps = []
    covered_until = spans[0][1]
    for start, end in spans[1:]:
        if start > covered_until:
            gaps.append(start - covered_until)
        covered_until = max(covered_until, end)
    return gaps


def _interruptions(turns: Sequence[Turn]) -> int:
    count = 0
    ordered = sorted(turns, key=lambda t: float(t.start))  # type: ignore[arg-type]
    for index, turn in enumerate(ordered):
        if turn.speaker not in ("agent", "customer"):
            continue
        if any(
            other.speaker in ("agent", "customer")
            and other.speaker != turn.speaker
            and float(other.start) < float(turn.start) < float(other.end)  # type: ignore[arg-type]
            for other in ordered[:index]
        ):
            count += 1
    return count

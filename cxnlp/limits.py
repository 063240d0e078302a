"""How much text one transcript may carry before it is rejected instead of parsed.

Parsing and embedding cost grows with text length, and a single pasted log file in a turn
(a million characters takes about 3 GB and five minutes in spaCy) can stall a whole
night's run. :class:`SizeLimits` bounds a turn and a transcript; :func:`size_error` is
the one check, used by the readers (so the reject points at the line or row) and by the
scorer before anything is parsed (so transcripts built in Python are bounded too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - kept light: the CLI reads the defaults for --help
    from cxnlp.ingest.rejects import RecordError
    from cxnlp.model import Transcript

#: Defaults: about ten times the longest turn and transcript in real contact-centre
#: exports (a long chat is 20,000 characters in all).
DEFAULT_MAX_TURN_CHARS = 20_000
DEFAULT_MAX_TRANSCRIPT_CHARS = 200_000
#: Transcripts parsed, embedded and scored together by default (``Scorer(batch_size=...)``,
#: ``--batch-size``): memory grows with the batch, never with the input. On the STC-3
#: benchmark 512 ran at 0.62 of the bare encoder's speed against 0.57 at 128 (fuller encoder
#: batches, fewer passes) for about 70 MB more peak memory once a batch is full.
DEFAULT_BATCH_SIZE = 512
#: Transcripts per committed part of a nightly run (``run_batch(commit_every=...)``,
#: ``--commit-every``): a killed run loses at most this much work. One batch, so a part is
#: scored in full encoder batches (a smaller part caps the batch the scorer gets).
DEFAULT_COMMIT_EVERY = DEFAULT_BATCH_SIZE


@dataclass(frozen=True, slots=True)
class SizeLimits:
    """The most characters a turn, and a whole transcript, may have.

    Parameters
    ----------
    max_turn_chars
        Characters in one turn's text (``--max-turn-chars``).
    max_transcript_chars
        Characters in all of a transcript's turns together (``--max-transcript-chars``).
    """

    max_turn_chars: int = DEFAULT_MAX_TURN_CHARS
    max_transcript_chars: int = DEFAULT_MAX_TRANSCRIPT_CHARS

    def __post_init__(self) -> None:
        for name in ("max_turn_chars", "max_transcript_chars"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Got {name}={value!r}; expected a positive integer number of characters.")


def size_error(transcript: Transcript, limits: SizeLimits) -> RecordError | None:
    """The error that rejects ``transcript`` for its size, or None when it fits ``limits``."""
    from cxnlp.ingest.rejects import RecordError

    total = 0
    for index, turn in enumerate(transcript.turns):
        length = len(turn.text)
        if length > limits.max_turn_chars:
            return RecordError(
                f"Got a turn of {length:,} characters; expected at most "
                f"{limits.max_turn_chars:,} (max_turn_chars). Split the turn, or raise the "
                "limit with --max-turn-chars.",
                field=f"turns[{index}].text",
                record_id=transcript.id,
            )
        total += length
    if total > limits.max_transcript_chars:
        return RecordError(
            f"Got a transcript of {total:,} characters; expected at most "
            f"{limits.max_transcript_chars:,} (max_transcript_chars). Split the transcript, or "
            "raise the limit with --max-transcript-chars.",
            field="turns",
            record_id=transcript.id,
        )
    return None

"""Scoring runs: every record scored or rejected, and one summary of what a run did.

:func:`score_files` scores input files end to end (read → score → write a table). Every
record read is either a row of the output table or a line of the rejects file, so
``scored + rejected == read`` always holds; a transcript that breaks a scorer (a bug, not
bad input) is rejected with the error rather than taking the run down with it
(:func:`score_or_reject`, which the batch engines and the service use too).

:class:`RunSummary` is what every run returns: this one, and the nightly run into a result
store (:func:`cxnlp.batch.nightly.run_batch`), which also skips what the store already holds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from cxnlp.io.chunks import chunked
from cxnlp.io.tables import TableWriter
from cxnlp.model import Reject, ScoredTranscript, Transcript
from cxnlp.schema import SCORE_COLUMNS
from cxnlp.scoring import Scorer

logger = logging.getLogger(__name__)

#: The columns of a score table in which no record was scored (every one rejected): still a
#: score table, so ``cxnlp show`` says it holds 0 transcripts instead of refusing it.
EMPTY_SCORES = pa.schema([("transcript_id", pa.string()), *((c, pa.float64()) for c in SCORE_COLUMNS)])


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Counts and timing of one run. ``read == scored + rejected + skipped`` always holds.

    A run of :func:`score_files` writes a table (``out``) and skips nothing; a nightly run
    writes into a result store (``store``), has a ``run_id`` and ``config_id``, lists the
    ``parts`` it committed, and skips the transcripts the store already holds.
    """

    read: int
    scored: int
    rejected: int
    seconds: float
    skipped: int = 0
    sentences: int = 0
    #: The table written (file runs).
    out: str | None = None
    #: The rejects file, when one was written.
    rejects: str | None = None
    #: Nightly runs: the store, its run id, configuration id and how the run ended.
    store: str | None = None
    run_id: str | None = None
    config_id: str | None = None
    status: str = "complete"
    parts: tuple[str, ...] = ()

    @property
    def transcripts_per_second(self) -> float:
        return self.scored / self.seconds if self.seconds > 0 else float("nan")

    def line(self) -> str:
        """One line for a log or a terminal."""
        if self.run_id is None:
            return (
                f"scored {self.scored}, rejected {self.rejected} of {self.read} records "
                f"in {self.seconds:.1f} s{_rate_text(self.scored, self.seconds)}"
            )
        return (
            f"run {self.run_id}: scored {self.scored}, skipped {self.skipped}, rejected "
            f"{self.rejected} of {self.read} records in {self.seconds:.1f} s"
        )


def _rate_text(scored: int, seconds: float) -> str:
    """`` (12.3 transcripts/s)``, or the seconds per transcript when under one a second.

    A tiny run (3 calls, most of its time spent loading models) would read "0.0/s".
    """
    if scored <= 0 or seconds <= 0:
        return ""
    rate = scored / seconds
    if rate >= 1:
        return f" ({rate:.1f} transcripts/s)"
    return f" ({seconds / scored:.1f} s per transcript)"


def default_rejects_path(out: str | Path) -> Path:
    """``scores.parquet`` → ``scores.rejects.jsonl``, beside the output."""
    out = Path(out)
    return out.with_name(f"{out.stem}.rejects.jsonl")


def score_or_reject(
    scorer: Scorer,
    items: Iterable[Transcript | Reject],
    *,
    progress: Callable[[int], object] | None = None,
) -> Iterator[ScoredTranscript | Reject]:
    """Score transcripts batch by batch, passing rejects through, in input order.

    A transcript too large to parse (:meth:`Scorer.size_error`) is rejected before the
    parse. If a batch fails (a bug in a scorer, not bad input), its transcripts are
    retried one by one so that only the transcript that fails is rejected, with the error
    as its reason; the traceback goes to the log at debug level.

    ``progress`` is called as records are done: with 1 as each transcript's scores are
    computed (the scorer reports them one by one after its batch's shared parse), and for
    each reject; every record is counted once, a retried batch included.
    """
    scorer.prepare()
    for chunk in chunked(_reject_oversize(scorer, items), scorer.batch_size):
        transcripts = [t for t in chunk if isinstance(t, Transcript)]
        done = _Done(progress)
        outcomes: list[ScoredTranscript | Reject]
        try:
            if progress is None:
                outcomes = list(scorer.score_batch(transcripts))
            else:
                outcomes = list(scorer.score_batch(transcripts, progress=done))
        except Exception as exc:
            logger.warning(
                "batch failed (%s: %s); retrying its %d transcripts one by one",
                type(exc).__name__,
                exc,
                len(transcripts),
            )
            logger.debug("batch failure", exc_info=True)
            outcomes = []
            for transcript in transcripts:
                outcomes.append(_score_alone(scorer, transcript))
                done.reach(len(outcomes))
        done.reach(len(transcripts))
        scored = iter(outcomes)
        for item in chunk:
            if isinstance(item, Reject):
                if progress is not None:
                    progress(1)
                yield item
            else:
                yield next(scored)


class _Done:
    """The transcripts of one batch counted for a progress callback, each at most once
    (a failed batch may have counted some before its transcripts are retried one by one)."""

    def __init__(self, progress: Callable[[int], object] | None) -> None:
        self.progress = progress
        self.count = 0

    def __call__(self, n: int = 1) -> None:
        self.reach(self.count + n)

    def reach(self, total: int) -> None:
        """Count up to ``total`` done (nothing when that many are counted already)."""
        if self.progress is not None and total > self.count:
            self.progress(total - self.count)
        self.count = max(self.count, total)


def _reject_oversize(scorer: Scorer, items: Iterable[Transcript | Reject]) -> Iterator[Transcript | Reject]:
    for item in items:
        if isinstance(item, Reject):
            yield item
            continue
        error = scorer.size_error(item)
        yield item if error is None else error.to_reject(item.source or item.id)


def _score_alone(scorer: Scorer, transcript: Transcript) -> ScoredTranscript | Reject:
    try:
        return scorer.score_batch([transcript])[0]
    except Exception as exc:
        logger.debug("scoring %s failed", transcript.id, exc_info=True)
        return Reject(
            source=transcript.source or transcript.id,
            record_id=transcript.id,
            field=None,
            reason=f"scoring failed: {type(exc).__name__}: {exc}",
        )


def score_files(
    inputs: str | Path | Sequence[str | Path],
    out: str | Path,
    *,
    scorer: Scorer | None = None,
    rejects: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    format: str | None = None,
    include: str | None = None,
) -> RunSummary:
    """Score every transcript in ``inputs`` into ``out``; rejects go to ``rejects``.

    Parameters
    ----------
    inputs : path or paths
        JSONL, CSV/Parquet long tables, or STC-3 JSON (see :func:`cxnlp.ingest.read_transcripts`).
    out : path
        Output table; Parquet, CSV or JSONL by extension. Written atomically.
    rejects : path, optional
        JSON-lines rejects file; defaults to ``<out stem>.rejects.jsonl`` beside ``out``.
    progress : callable, optional
        Called with the number of records done (for a progress bar): 1 as each
        transcript is scored and as each record is rejected, so the count moves with the
        scoring rather than jumping a batch ahead while records are read
        (:func:`score_or_reject`).
    transform : callable, optional
        Applied to each chunk of output rows (e.g. to add calibrated predictions).
    format, include : str, optional
        Passed to :func:`cxnlp.ingest.read_transcripts` (``"auto"`` or None chooses the
        format per file; ``include`` filters the files taken from folders).

    Raises
    ------
    cxnlp.ingest.InputError
        Before anything is read or written, when an input cannot be read at all (missing
        file, unknown format) or when ``out`` or ``rejects`` is an input, the other output
        or an existing folder.
    """
    from cxnlp.ingest import RejectWriter, read_transcripts
    from cxnlp.ingest.guard import refuse_overwriting_inputs
    from cxnlp.ingest.readers import expand_inputs

    scorer = scorer or Scorer()
    rejects_path = Path(rejects) if rejects is not None else default_rejects_path(out)
    refuse_overwriting_inputs(
        expand_inputs(inputs, include=include), {"--out": out, "--rejects": rejects_path}
    )
    started = time.perf_counter()
    read = scored = rejected = sentences = 0
    # Checks every input first: nothing is written for a bad path.
    items = read_transcripts(inputs, limits=scorer.size_limits, format=format, include=include)
    with (
        TableWriter(out, transform=transform, empty_schema=EMPTY_SCORES) as table,
        RejectWriter(rejects_path, redactor=scorer.redactor) as reject_sink,
    ):
        for item in score_or_reject(scorer, items, progress=progress):
            read += 1
            if isinstance(item, Reject):
                reject_sink.write(item)
                rejected += 1
            else:
                table.write(scorer.output_row(item))
                scored += 1
                sentences += item.n_sentences
    summary = RunSummary(
        read=read,
        scored=scored,
        rejected=rejected,
        seconds=time.perf_counter() - started,
        sentences=sentences,
        out=str(out),
        rejects=str(rejects_path),
    )
    logger.info("%s", summary.line())
    return summary

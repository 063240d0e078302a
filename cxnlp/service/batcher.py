"""One thread owns the scorer; concurrent requests share its parse and encoder passes.

The scorer is not thread-safe (spaCy pipeline, encoder cache), and scoring one call at a
time wastes what batching buys: one ``nlp.pipe`` pass and one encoder batch for many
calls. :class:`MicroBatcher` runs every job on a single worker thread; score jobs that
arrive within ``window_s`` of each other (up to ``max_batch`` transcripts) are scored
together, and each caller gets back exactly its own outcomes, in its own order. The
turns the responses will quote are analysed for personal data in the same pass
(:func:`~cxnlp.service.redaction.prefetch_shown_turns`).
Other work that needs the scorer (explaining a prediction) is queued on the same thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from cxnlp.model import Reject, ScoredTranscript, Transcript
from cxnlp.runs import score_or_reject
from cxnlp.scoring import Scorer
from cxnlp.service.redaction import prefetch_shown_turns

logger = logging.getLogger(__name__)

Outcome = ScoredTranscript | Reject


@dataclass
class _ScoreJob:
    transcripts: Sequence[Transcript]
    future: Future[list[Outcome]] = field(default_factory=Future)


@dataclass
class _CallJob:
    call: Callable[[Scorer], Any]
    future: Future[Any] = field(default_factory=Future)


_STOP = object()


class MicroBatcher:
    """Run scorer work on one thread, coalescing score jobs into shared batches.

    Parameters
    ----------
    scorer
        A prepared :class:`~cxnlp.scoring.Scorer`; only the worker thread touches it.
    window_s
        How long the first job of a batch waits for company (seconds).
    max_batch
        Most transcripts in one shared batch (a job is never split).
    """

    def __init__(self, scorer: Scorer, *, window_s: float = 0.005, max_batch: int = 64):
        self.scorer = scorer
        self.window_s = window_s
        self.max_batch = max_batch
        self.batches = 0
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="cxnlp-scorer", daemon=True)
        self._thread.start()

    def score(self, transcripts: Sequence[Transcript]) -> list[Outcome]:
        """Score ``transcripts`` (one outcome each, in order); blocks until done."""
        if not transcripts:
            return []
        job = _ScoreJob(list(transcripts))
        self._queue.put(job)
        return job.future.result()

    def call(self, function: Callable[[Scorer], Any]) -> Any:
        """Run ``function(scorer)`` on the worker thread and return its result."""
        job = _CallJob(function)
        self._queue.put(job)
        return job.future.result()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        pending: Any = None
        while True:
            job = pending if pending is not None else self._queue.get()
            pending = None
            if job is _STOP:
                return
            if isinstance(job, _CallJob):
                self._settle(job.future, lambda j=job: j.call(self.scorer))
                continue
            jobs = [job]
            size = len(job.transcripts)
            deadline = time.monotonic() + self.window_s
            while size < self.max_batch:
                try:
                    more = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if not isinstance(more, _ScoreJob) or size + len(more.transcripts) > self.max_batch:
                    pending = more
                    break
                jobs.append(more)
                size += len(more.transcripts)
            self._score_together(jobs)

    def _score_together(self, jobs: list[_ScoreJob]) -> None:
        transcripts = [t for job in jobs for t in job.transcripts]
        try:
            outcomes = list(score_or_reject(self.scorer, transcripts))
        except BaseException as exc:
            for job in jobs:
                job.future.set_exception(exc)
            return
        self.batches += 1
        logger.debug("scored %d transcripts from %d requests in one batch", len(transcripts), len(jobs))
        redactor = getattr(self.scorer, "redactor", None)
        try:
            if redactor is not None:
                prefetch_shown_turns(redactor, [o for o in outcomes if not isinstance(o, Reject)])
        except Exception as exc:  # only a speed-up: the responses analyse what is missing
            logger.warning("redaction prefetch of the shown turns failed: %s", type(exc).__name__)
        start = 0
        for job in jobs:
            job.future.set_result(outcomes[start : start + len(job.transcripts)])
            start += len(job.transcripts)

    @staticmethod
    def _settle(future: Future[Any], work: Callable[[], Any]) -> None:
        try:
            future.set_result(work())
        except BaseException as exc:
            future.set_exception(exc)

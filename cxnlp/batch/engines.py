"""Where chunks of transcripts are scored: in this process, in a process pool, or on Dask.

Every engine has one job: take chunks of transcripts in order and give back, for each
chunk and in the same order, one outcome per transcript (an output row dict, or a
:class:`~cxnlp.model.Reject` when the scorer failed on it). The caller commits outcomes
in that order, so the store is the same whichever engine did the work.

Models are loaded once per worker, never per task: pool workers build their scorer in the
pool initializer; Dask workers get it from a :class:`ScorerPlugin` registered on the
client. Torch gets ``cores // workers`` threads per worker so workers do not fight over
cores.

Reproducibility. Sentence vectors from torch on CPU differ in the last bits with the batch
they are computed in and with the number of torch threads (about 1e-7, measured). So that
the numbers depend on the input alone, a chunk is the unit of work everywhere: chunk
boundaries come from the input order, and the encoder's cross-batch cache is cleared
before each chunk, so a chunk scores the same on any worker. With the same threads per
worker, every engine and worker count gives bit-identical rows; with different thread
counts they agree to about 1e-5 points.
"""

from __future__ import annotations

import collections
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, Literal

from cxnlp.model import Reject, Transcript
from cxnlp.runs import score_or_reject
from cxnlp.scoring import Scorer

logger = logging.getLogger(__name__)

EngineName = Literal["local", "dask"]
ENGINES: tuple[str, ...] = ("local", "dask")
#: An outcome: the output row of a scored transcript, or why it could not be scored.
Outcome = dict[str, Any] | Reject
#: A progress callback: called with the number of transcripts just done.
Progress = Callable[[int], object]


def default_threads(workers: int, cores: int | None = None) -> int:
    """Torch threads per worker: the machine's cores shared out, at least one."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))


def set_torch_threads(threads: int | None) -> None:
    if threads is None:
        return
    import torch

    torch.set_num_threads(int(threads))


def score_chunk(
    scorer: Scorer, transcripts: Sequence[Transcript], *, progress: Progress | None = None
) -> list[Outcome]:
    """Score one chunk on its own: one outcome per transcript, in order.

    The encoder's cache is cleared first so the chunk's vectors (and hence its scores)
    depend on the chunk alone, not on what this worker scored before. ``progress`` is
    called with 1 as each transcript is scored or rejected.
    """
    scorer.parser.encoder.clear_cache()
    return [
        item if isinstance(item, Reject) else scorer.output_row(item)
        for item in score_or_reject(scorer, transcripts, progress=progress)
    ]


def _counted_chunks(outcomes: Iterator[list[Outcome]], progress: Progress | None) -> Iterator[list[Outcome]]:
    """``outcomes`` unchanged, counting each chunk's transcripts as it comes back from the
    workers (a worker process cannot call back per transcript)."""
    for chunk in outcomes:
        if progress is not None:
            progress(len(chunk))
        yield chunk


class Engine:
    """Base of the engines: a context manager with :meth:`map_chunks`."""

    name: str = "engine"
    workers: int = 1

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release workers; called on leaving the ``with`` block."""

    def map_chunks(
        self, chunks: Iterable[Sequence[Transcript]], progress: Progress | None = None
    ) -> Iterator[list[Outcome]]:
        """For each chunk, in input order, its outcomes in input order.

        ``progress`` is called with the number of transcripts done: 1 at a time where this
        process scores them, a chunk at a time where worker processes do.
        """
        raise NotImplementedError


class InProcessEngine(Engine):
    """Score in the calling process with the caller's scorer (``--workers 1``)."""

    name = "local"

    def __init__(self, scorer: Scorer, *, threads: int | None = None):
        self.scorer = scorer
        self.threads = threads
        self._saved_threads: int | None = None

    def __enter__(self) -> InProcessEngine:
        if self.threads is not None:
            import torch

            self._saved_threads = torch.get_num_threads()
            torch.set_num_threads(self.threads)
        return self

    def close(self) -> None:
        if self._saved_threads is not None:
            set_torch_threads(self._saved_threads)
            self._saved_threads = None

    def map_chunks(
        self, chunks: Iterable[Sequence[Transcript]], progress: Progress | None = None
    ) -> Iterator[list[Outcome]]:
        self.scorer.prepare()
        for chunk in chunks:
            yield score_chunk(self.scorer, chunk, progress=progress)


# --- local process pool -------------------------------------------------------------------

_WORKER_SCORER: Scorer | None = None


def _init_pool_worker(scorer: Scorer, threads: int | None) -> None:
    """Pool initializer: build and prepare this process's scorer once."""
    global _WORKER_SCORER
    set_torch_threads(threads)
    _WORKER_SCORER = scorer.prepare()


def _score_in_pool(chunk: list[Transcript]) -> list[Outcome]:
    if _WORKER_SCORER is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("Pool worker has no scorer; it must be started by ProcessPoolEngine.")
    return score_chunk(_WORKER_SCORER, chunk)


class ProcessPoolEngine(Engine):
    """``workers`` processes on this machine, each loading the models once.

    Processes are started with ``spawn`` (forking a process that already holds torch and
    its thread pools can deadlock). At most ``2 x workers`` chunks are in flight, so
    memory stays bounded however long the input is.
    """

    name = "local"

    def __init__(self, scorer: Scorer, *, workers: int, threads: int | None = None):
        self.scorer = scorer
        self.workers = workers
        self.threads = threads if threads is not None else default_threads(workers)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessPoolEngine:
        import multiprocessing

        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_pool_worker,
            initargs=(self.scorer, self.threads),
        )
        return self

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_chunks(
        self, chunks: Iterable[Sequence[Transcript]], progress: Progress | None = None
    ) -> Iterator[list[Outcome]]:
        if self._pool is None:
            raise RuntimeError("ProcessPoolEngine used outside its 'with' block.")
        return _counted_chunks(self._map_chunks(chunks), progress)

    def _map_chunks(self, chunks: Iterable[Sequence[Transcript]]) -> Iterator[list[Outcome]]:
        pending: collections.deque[Future[list[Outcome]]] = collections.deque()
        for chunk in chunks:
            pending.append(self._pool.submit(_score_in_pool, list(chunk)))
            if len(pending) >= 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# --- Dask ---------------------------------------------------------------------------------

try:  # optional dependency: the plugin must subclass WorkerPlugin for register_plugin
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPluginBase
except ImportError:  # pragma: no cover - exercised only without distributed
    _WorkerPluginBase = object


class ScorerPlugin(_WorkerPluginBase):  # type: ignore[misc,valid-type]
    """A Dask worker plugin that builds the scorer once per worker, before any task.

    The scorer travels once per worker (pickled without its models) and is prepared in
    :meth:`setup`; tasks find it with :func:`_worker_scorer`. Workers that join the
    cluster later get it too.
    """

    def __init__(self, scorer: Scorer, config_id: str, threads: int | None = None):
        self.scorer = scorer
        self.config_id = config_id
        self.threads = threads
        self.name = plugin_name(config_id)
        self.idempotent = False

    def setup(self, worker: Any) -> None:
        set_torch_threads(self.threads)
        self.scorer.prepare()

    def teardown(self, worker: Any) -> None:
        pass

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        pass


def plugin_name(config_id: str) -> str:
    return f"cxnlp-scorer-{config_id}"


def _worker_scorer(config_id: str) -> Scorer:
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(plugin_name(config_id))
    if plugin is None:
        raise RuntimeError(
            f"Got a Dask worker without the cxnlp scorer for configuration {config_id}; "
            "expected DaskEngine to have registered it. Is the worker running the same "
            "cxnlp version as the client?"
        )
    return plugin.scorer


def _score_on_dask(config_id: str, index: int, chunk: list[Transcript]) -> tuple[int, list[Outcome]]:
    return index, score_chunk(_worker_scorer(config_id), chunk)


class DaskEngine(Engine):
    """Chunks as Dask tasks on a ``LocalCluster`` (or the scheduler at ``scheduler``).

    Results are gathered as they complete and handed back in input order, with at most
    ``2 x workers`` chunks in flight.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); its workers need cxnlp and
        the models installed. When None, a ``LocalCluster(n_workers=workers,
        threads_per_worker=1, processes=True)`` is started and closed with the engine.
    threads : int, optional
        Torch threads per worker; ``cores // workers`` for a local cluster, the workers'
        own default on an external scheduler.
    """

    name = "dask"

    def __init__(
        self,
        scorer: Scorer,
        *,
        config_id: str,
        workers: int,
        scheduler: str | None = None,
        threads: int | None = None,
    ):
        self.scorer = scorer
        self.config_id = config_id
        self.workers = workers
        self.scheduler = scheduler
        self.threads = threads
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskEngine:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ImportError(
                "Got engine 'dask' without the 'distributed' package; expected it installed. "
                "Install it with: pip install 'dask[distributed]'"
            ) from exc
        threads = self.threads
        if self.scheduler is None:
            threads = threads if threads is not None else default_threads(self.workers)
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(self.scheduler)
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        self._client.register_plugin(ScorerPlugin(self.scorer, self.config_id, threads))
        return self

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map_chunks(
        self, chunks: Iterable[Sequence[Transcript]], progress: Progress | None = None
    ) -> Iterator[list[Outcome]]:
        if self._client is None:
            raise RuntimeError("DaskEngine used outside its 'with' block.")
        return _counted_chunks(self._map_chunks(chunks), progress)

    def _map_chunks(self, chunks: Iterable[Sequence[Transcript]]) -> Iterator[list[Outcome]]:
        from distributed import as_completed

        done: dict[int, list[Outcome]] = {}
        next_index = 0
        in_flight = as_completed()
        submitted = 0
        iterator = iter(chunks)
        exhausted = False
        limit = 2 * self.workers
        while True:
            while not exhausted and submitted - next_index < limit:
                chunk = next(iterator, None)
                if chunk is None:
                    exhausted = True
                    break
                in_flight.add(
                    self._client.submit(
                        _score_on_dask,
                        self.config_id,
                        submitted,
                        list(chunk),
                        pure=False,
                    )
                )
                submitted += 1
            if next_index == submitted and exhausted:
                return
            future = next(in_flight)
            index, outcomes = future.result()
            done[index] = outcomes
            while next_index in done:
                yield done.pop(next_index)
                next_index += 1


def make_engine(
    engine: str,
    scorer: Scorer,
    *,
    config_id: str,
    workers: int = 1,
    scheduler: str | None = None,
    threads: int | None = None,
) -> Engine:
    """The engine called ``engine`` (``"local"`` or ``"dask"``), ready to enter.

    Raises
    ------
    ValueError
        For an unknown engine, fewer than one worker, or a scheduler with engine local.
    """
    if engine not in ENGINES:
        raise ValueError(f"Got engine {engine!r}; expected one of {ENGINES}.")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"Got workers={workers!r}; expected a positive integer.")
    if threads is not None and threads < 1:
        raise ValueError(f"Got threads={threads!r}; expected a positive integer or None.")
    if engine == "local":
        if scheduler is not None:
            raise ValueError(
                f"Got scheduler={scheduler!r} with engine 'local'; expected engine 'dask'. "
                "Pass --engine dask to use a Dask scheduler."
            )
        if workers == 1:
            return InProcessEngine(scorer, threads=threads)
        return ProcessPoolEngine(scorer, workers=workers, threads=threads)
    return DaskEngine(scorer, config_id=config_id, workers=workers, scheduler=scheduler, threads=threads)

"""The nightly run: score what is new or changed since last night into the result store.

:func:`run_batch` reads every input, skips transcripts the store already holds with the
same content and configuration, scores the rest on the chosen engine in bounded chunks,
and commits a part every ``commit_every`` transcripts. If it is killed, the next run
redoes only the uncommitted tail; if it finishes, re-running it scores nothing.

Every record read is accounted for: ``read == scored + rejected + skipped``. Rejects are
kept beside the results (``STORE/rejects/run_id=<run_id>.jsonl``); a record that is still
broken is rejected again on the next run, and counted again. That includes a record whose
metadata does not fit the store's column kinds (:mod:`cxnlp.batch.schema`): it is rejected
with the column and why, and the rest of its part is committed.

A run that fails is marked ``failed`` in its manifest with the error; a run killed outright
is marked so by the next run (:meth:`~cxnlp.batch.store.ResultStore.recover`).

Example
-------
>>> from cxnlp.batch.nightly import run_batch                 # doctest: +SKIP
>>> summary = run_batch("exports/2025-01-14/", "qa-store", workers=4)
>>> summary.line()
'run 20250114T021500…: scored 812, skipped 40110, rejected 3 of 40925 records in 95.2 s'

The run returns a :class:`cxnlp.runs.RunSummary` and keeps a
:class:`cxnlp.batch.manifest.RunManifest` in the store.
"""

from __future__ import annotations

import getpass
import glob
import hashlib
import itertools
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxnlp import __version__
from cxnlp.batch.engines import Outcome, make_engine
from cxnlp.batch.manifest import RunManifest
from cxnlp.batch.store import ResultStore, as_store, new_run_id, utc_now
from cxnlp.io.chunks import chunked
from cxnlp.limits import DEFAULT_COMMIT_EVERY
from cxnlp.model import Reject, Transcript
from cxnlp.runs import RunSummary
from cxnlp.scoring import Scorer

logger = logging.getLogger(__name__)


#: The former name of the summary a nightly run returns; it is :class:`cxnlp.runs.RunSummary`.
BatchSummary = RunSummary


def resolve_inputs(inputs: str | Path | Sequence[str | Path]) -> list[Path]:
    """Expand globs in ``inputs``; directories and files pass through as they are.

    A string with ``*``, ``?`` or ``[`` is a glob (``**`` recurses), matched in sorted
    order. Directories are read by :func:`cxnlp.ingest.read_transcripts` (their files with
    a known ending, not recursive), which also checks that every path exists.

    Raises
    ------
    cxnlp.ingest.InputError
        When a glob matches no file: a nightly run that silently reads nothing would
        look like a quiet night.
    """
    from cxnlp.ingest import InputError

    items = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    paths: list[Path] = []
    for item in items:
        text = str(item)
        if not Path(text).exists() and any(ch in text for ch in "*?["):
            matched = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matched:
                raise InputError(
                    f"Got glob {text!r}, which matches no file; expected at least one "
                    "transcript file. Check the pattern (quote it so the shell leaves it to cxnlp)."
                )
            paths.extend(matched)
        else:
            paths.append(Path(text))
    if not paths:
        raise InputError("Got no inputs; expected a directory, a glob or transcript files.")
    return list(dict.fromkeys(paths))


def brand_fingerprint(brand: Any) -> dict[str, Any]:
    """Where the brand profile came from and a hash of its content (None = packaged default)."""
    if brand is None:
        return {"path": None, "sha256": None}
    if isinstance(brand, str | Path):
        path = Path(brand)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        return {"path": str(path.resolve()), "sha256": digest}
    dump = getattr(brand, "model_dump_json", None)
    blob = dump() if callable(dump) else repr(brand)
    return {"path": None, "sha256": hashlib.sha256(blob.encode()).hexdigest()}


def configuration(scorer: Scorer, brand: Any = None) -> tuple[str, dict[str, Any]]:
    """The configuration id and record of a scorer: what makes its numbers what they are.

    The id is the scorer's own fingerprint (:meth:`Scorer.config_fingerprint`), which
    hashes the brand profile's content with every other parameter: editing the profile
    file (same path) is a new configuration, the same profile at another path is not.
    The record also notes where the profile came from. Engine and worker count are *not*
    part of it: they do not change the numbers.
    """
    brand = brand if brand is not None else getattr(scorer, "brand", None)
    record = {
        "cxnlp_version": __version__,
        "scorer_fingerprint": scorer.config_fingerprint(),
        "brand": brand_fingerprint(brand),
        "dimensions": [type(d).__name__ for d in scorer.dimensions],
        "weights": scorer.weights.model_dump(),
    }
    identity = {k: record[k] for k in ("cxnlp_version", "scorer_fingerprint")}
    blob = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16], record


@dataclass
class _Tally:
    read: int = 0
    scored: int = 0
    rejected: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"read": self.read, "scored": self.scored, "rejected": self.rejected, "skipped": self.skipped}


def run_batch(
    inputs: str | Path | Sequence[str | Path],
    store: str | Path | ResultStore,
    *,
    scorer: Scorer | None = None,
    brand: Any = None,
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    commit_every: int = DEFAULT_COMMIT_EVERY,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
    schema: Mapping[str, str] | None = None,
    format: str | None = None,
    include: str | None = None,
) -> RunSummary:
    """Score new and changed transcripts from ``inputs`` into ``store``.

    Parameters
    ----------
    inputs : directory, glob or paths
        Transcript files in any format :func:`cxnlp.ingest.read_transcripts` reads.
    store : path or ResultStore
        The result store directory; created when missing.
    scorer : Scorer, optional
        Built from ``brand`` when None.
    brand : path or BrandProfile, optional
        Brand profile for a scorer built here; also recorded (path and content hash)
        in the run's configuration.
    engine : {"local", "dask"}
        ``local``: this process (``workers=1``) or a pool of ``workers`` processes;
        ``dask``: a Dask ``LocalCluster`` of ``workers`` processes, or ``scheduler``.
    workers : int
        Worker processes.
    scheduler : str, optional
        Address of a running Dask scheduler (engine ``dask`` only).
    commit_every : int
        Transcripts per committed part. A killed run loses at most about this many
        transcripts of work; smaller parts mean more files.
    threads : int, optional
        Torch threads per worker; ``cores // workers`` when None (the calling process is
        left as it is with ``workers=1``).
    progress : callable, optional
        Called with the number of records done: 1 as a record read is skipped (already in
        the store) or rejected, and as each transcript is scored (or rejected by the
        scorer) in this process; a chunk at a time as worker processes give theirs back.
    schema : mapping, optional
        Column kinds to declare, ``{"agent_id": "string", "csat": "float"}`` (kinds in
        :data:`cxnlp.batch.schema.KINDS`). Added to the store's ``schema.json``; a
        column the store already keeps as another kind is refused. Columns not declared are
        inferred from the first part that holds them.
    format, include : str, optional
        Passed to :func:`cxnlp.ingest.read_transcripts`: the input format (``"auto"`` or
        None chooses per file) and a file-name pattern for the files taken from folders.

    Returns
    -------
    cxnlp.runs.RunSummary
        With ``store``, ``run_id``, ``config_id`` and ``parts`` set.

    Raises
    ------
    cxnlp.ingest.InputError
        When ``inputs`` names nothing readable (raised before the store is touched).
    cxnlp.batch.store.StoreError
        When another run holds the store, or it cannot be written (read-only).
    cxnlp.batch.schema.SchemaError
        When ``schema`` is not a schema or conflicts with the store's (before any scoring).
    OSError
        When a write fails mid-run (a full disk): the run is marked failed where that can
        still be written, committed parts are kept, and the next run resumes.
    """
    if not isinstance(commit_every, int) or commit_every < 1:
        raise ValueError(f"Got commit_every={commit_every!r}; expected a positive integer.")
    from cxnlp.ingest import read_transcripts
    from cxnlp.ingest.guard import refuse_store_over_inputs
    from cxnlp.ingest.readers import expand_inputs

    paths = resolve_inputs(inputs)
    scorer = scorer if scorer is not None else Scorer(brand=brand)
    files = expand_inputs(paths, include=include)
    refuse_store_over_inputs(files, store.root if isinstance(store, ResultStore) else store)
    # What the service's review page needs to find a call's text again (the store keeps none).
    input_files = [str(f.resolve()) for f in files]
    # Checks every input now, before the store is touched.
    records = read_transcripts(paths, limits=scorer.size_limits, format=format, include=include)
    config_id, config = configuration(scorer, brand)
    worker_engine = make_engine(
        engine, scorer, config_id=config_id, workers=workers, scheduler=scheduler, threads=threads
    )
    result_store = as_store(store).init()
    with result_store.lock():
        result_store.recover()
        result_store.read_schema()  # a broken schema.json is refused before any scoring
        if schema is not None:
            result_store.declare_schema(schema)
        result_store.write_config(config_id, config)
        return _run_locked(
            result_store,
            paths,
            records,
            scorer,
            config_id,
            config,
            worker_engine,
            engine=engine,
            workers=workers,
            commit_every=commit_every,
            progress=progress,
            input_files=input_files,
            input_format=format,
        )


def _run_locked(
    store: ResultStore,
    paths: Sequence[Path],
    records: Iterable[Transcript | Reject],
    scorer: Scorer,
    config_id: str,
    config: dict[str, Any],
    worker_engine: Any,
    *,
    engine: str,
    workers: int,
    commit_every: int,
    progress: Callable[[int], None] | None,
    input_files: list[str],
    input_format: str | None,
) -> RunSummary:
    run_id = new_run_id()
    started = time.perf_counter()
    tally = _Tally()
    rejects: list[Reject] = []
    parts: list[str] = []
    manifest = RunManifest(
        run_id=run_id,
        status="running",
        started_at=utc_now(),
        inputs=[str(p) for p in paths],
        input_files=input_files,
        input_format=input_format,
        config_id=config_id,
        configuration=config,
        engine=engine,
        workers=workers,
        commit_every=commit_every,
        counts=tally.as_dict(),
        parts=parts,
        host=socket.gethostname(),
        user=_user(),
        pid=os.getpid(),
    )
    known: dict[str, str] = {}
    done = progress if progress is not None else _uncounted
    sources: dict[str, str] = {}  # transcript id -> where it came from, until its part commits

    def to_score() -> Iterator[Transcript]:
        for item in records:
            tally.read += 1
            if isinstance(item, Reject):
                tally.rejected += 1
                rejects.append(item)
                done(1)
            elif known.get(item.id) == item.content_hash():
                tally.skipped += 1
                done(1)
            else:
                sources[item.id] = item.source or item.id
                yield item

    # A part is a whole number of chunks, and chunk boundaries follow the input order of the
    # transcripts to score, so a rerun after a kill re-forms exactly the chunks it lost.
    chunk_size = max(1, min(scorer.batch_size, commit_every))
    chunks_per_part = max(1, commit_every // chunk_size)

    committed = [0]  # transcripts in this run's committed parts

    def commit(rows: list[dict[str, Any]]) -> None:
        if rows:
            done = [row.get("transcript_id") for row in rows]
            rows, misfits = store.conform(rows)
            for misfit in misfits:  # moved from scored to rejected, with the column and why
                tally.scored -= 1
                tally.rejected += 1
                tid = misfit.transcript_id
                source = sources.get(tid, tid) if tid is not None else str(store.root)
                rejects.append(
                    Reject(source=source, record_id=tid, field=misfit.column, reason=misfit.reason)
                )
            for tid in done:
                sources.pop(tid, None)
        if rows:
            part = store.write_part(rows, run_id=run_id, n=len(parts), config_id=config_id)
            parts.append(str(part.relative_to(store.root)))
            committed[0] += len(rows)
        if rejects:
            written = store.write_rejects(run_id, rejects, redactor=scorer.redactor)
            manifest.rejects = str(written.relative_to(store.root))
        manifest.counts = tally.as_dict()
        manifest.seconds = round(time.perf_counter() - started, 3)
        store.write_manifest(manifest)

    try:
        store.write_manifest(manifest)
        known.update(store.latest_hashes(config_id))
        logger.info("run %s: %d transcripts already in the store for %s", run_id, len(known), config_id)
        chunks = chunked(to_score(), chunk_size)
        first = next(chunks, None)
        if first is None:  # nothing new tonight: no pool or cluster to start
            commit([])
        else:
            with worker_engine:
                pending: list[dict[str, Any]] = []
                n_chunks = 0
                for outcomes in worker_engine.map_chunks(itertools.chain([first], chunks), progress):
                    pending.extend(_account(outcomes, tally, rejects))
                    n_chunks += 1
                    if n_chunks % chunks_per_part == 0:
                        commit(pending)
                        pending = []
                commit(pending)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):  # the CLI says how much is kept (exit 130)
            exc.cxnlp_committed = committed[0]  # type: ignore[attr-defined]
        manifest.status, manifest.error = "failed", f"{type(exc).__name__}: {exc}"
        manifest.finished_at = utc_now()
        try:
            commit([])
        except Exception as record_exc:
            logger.warning(
                "could not mark run %s failed (%s: %s); the next run marks it so",
                run_id,
                type(record_exc).__name__,
                record_exc,
            )
        raise
    manifest.status, manifest.finished_at = "complete", utc_now()
    commit([])
    summary = RunSummary(
        run_id=run_id,
        store=str(store.root),
        config_id=config_id,
        status="complete",
        seconds=manifest.seconds or 0.0,
        parts=tuple(parts),
        rejects=manifest.rejects,
        read=tally.read,
        scored=tally.scored,
        rejected=tally.rejected,
        skipped=tally.skipped,
    )
    logger.info("%s", summary.line())
    return summary


def _uncounted(n: int) -> None:
    """The progress callback when none is given."""


def _account(outcomes: Iterable[Outcome], tally: _Tally, rejects: list[Reject]) -> Iterator[dict[str, Any]]:
    for outcome in outcomes:
        if isinstance(outcome, Reject):
            tally.rejected += 1
            rejects.append(outcome)
        else:
            tally.scored += 1
            yield outcome


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - containers without a passwd entry
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cxnlp.batch.nightly INPUTS... --store STORE``: the run without the CLI.

    Useful under schedulers that call a module, and in tests that kill a run mid-way.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cxnlp.batch.nightly")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--store", required=True)
    parser.add_argument("--brand", default=None)
    parser.add_argument("--engine", default="local", choices=["local", "dask"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--commit-every", type=int, default=DEFAULT_COMMIT_EVERY)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    summary = run_batch(
        args.inputs,
        args.store,
        brand=args.brand,
        engine=args.engine,
        workers=args.workers,
        scheduler=args.scheduler,
        commit_every=args.commit_every,
    )
    logger.info("%s", summary.line())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

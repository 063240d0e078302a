"""An embedded, incremental result store for nightly scoring: plain files, no server.

Layout under ``STORE``::

    results/scored_date=YYYY-MM-DD/part-<run_id>-<n>.parquet   scored rows, one per transcript
    rejects/run_id=<run_id>.jsonl                              records a run could not score
    manifest/<run_id>.json                                     what a run did, and how it ended
    configs/<config_id>.json                                   what a configuration id stands for
    schema.json                                                one kind per column (cxnlp.batch.schema)
    quarantine/results/...                                     damaged parts, moved aside by readers

The identity of a piece of work is ``(transcript_id, content_hash, config_id)``. A run skips
a transcript whose newest row under the current configuration has the same content hash,
and scores it again when its content or the configuration changed; the new row supersedes
the old one (:func:`latest_results`).

Every file is written to a temporary name in its own directory, fsynced and renamed into
place (:mod:`cxnlp.io.atomic`), so a run killed at any moment (even by SIGKILL) leaves only
whole files behind: the parts it committed stay, the tail it had not committed is simply
redone by the next run. Readers still dedupe on the identity, defensively, so a row can
never count twice.

Readers read the newest *completed* configuration unless told another, so a stray or killed
run under another brand profile cannot hide the store; they warn when newer runs did not
complete. A part that cannot be read (truncated, or damaged on disk) is moved into
``quarantine/`` with a warning, never deleted, and its transcripts are scored again by the
next run; a manifest that is not a run record is skipped with a warning.

Readers read only the columns they need from each part: the nightly run's skip decision
(:meth:`ResultStore.latest_hashes`) reads three short text columns, not the evidence and
sentence vectors that make up most of a part.

Why Parquet parts and not a database: the store must need nothing but a directory, be
readable by pandas, DuckDB or Spark as it is (hive-style ``scored_date=`` folders), and
survive being copied or synced by ordinary tools.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cxnlp.batch.manifest import RunManifest, manifest_problem
from cxnlp.batch.schema import (
    Misfit,
    SchemaError,
    arrow_table,
    check_kinds,
    conform_rows,
    infer_kinds,
    storable_name,
)
from cxnlp.io.atomic import TMP_SUFFIX, atomic_write_bytes, atomic_write_json
from cxnlp.io.tables import conform_table, unified_schema
from cxnlp.model import Reject

logger = logging.getLogger(__name__)

#: Columns the store adds to every :func:`cxnlp.scoring.result_row`.
STORE_COLUMNS: tuple[str, ...] = ("config_id", "run_id", "scored_at")
#: What identifies one piece of work; no two rows in a read store share it.
IDENTITY: tuple[str, ...] = ("transcript_id", "content_hash", "config_id")

_PART_RE = re.compile(r"^part-(?P<run_id>.+)-(?P<n>\d{6})\.parquet$")


class StoreError(RuntimeError):
    """The store cannot be used as asked (locked by another run, read-only, not a store)."""


def _unwritable(root: Path, exc: OSError) -> StoreError:
    return StoreError(
        f"Got store {str(root)!r} that cannot be written ({exc.strerror or exc}: "
        f"{exc.filename or root}); expected a folder this user can write. Nothing in it was "
        "changed: fix its permissions or give --store another folder."
    )


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts in start order: ``20250114T021500123456Z-3fa9c1``.

    The random suffix keeps two runs started in the same microsecond apart.
    """
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(3)}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# --- the store ----------------------------------------------------------------------------


class ResultStore:
    """A result store directory: where each kind of file lives and how it is written.

    Parameters
    ----------
    root : str or Path
        The store directory; created (with its sub-folders) by :meth:`init`.

    Notes
    -----
    One run writes to a store at a time: :meth:`lock` takes an exclusive ``flock`` on
    ``STORE/.lock`` that the operating system releases when the process dies, so a killed
    run never leaves a stale lock behind. Readers take no lock: they only ever see whole
    files.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._warned: set[str] = set()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r})"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def rejects_dir(self) -> Path:
        return self.root / "rejects"

    @property
    def manifest_dir(self) -> Path:
        return self.root / "manifest"

    @property
    def configs_dir(self) -> Path:
        return self.root / "configs"

    @property
    def schema_path(self) -> Path:
        return self.root / "schema.json"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"

    def init(self) -> ResultStore:
        """Create the store's folders. Raises :class:`StoreError` when it cannot be written."""
        try:
            for directory in (self.results_dir, self.rejects_dir, self.manifest_dir, self.configs_dir):
                directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unwritable(self.root, exc) from exc
        return self

    def _warn_once(self, key: str, message: str, *args: Any) -> None:
        """Log a warning about one file once per store object (readers list manifests often)."""
        if key not in self._warned:
            self._warned.add(key)
            logger.warning(message, *args)

    def exists(self) -> bool:
        return self.manifest_dir.is_dir() and self.results_dir.is_dir()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's write lock for the duration of a run.

        Raises
        ------
        StoreError
            If another process holds it.
        """
        self.init()
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks, trust the caller
            yield
            return
        try:
            handle = open(self.root / ".lock", "a+")
        except OSError as exc:
            raise _unwritable(self.root, exc) from exc
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreError(
                    f"Got store {str(self.root)!r} locked by another running batch; expected "
                    "one run per store at a time. Wait for it to finish, or use another --store."
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def recover(self) -> list[str]:
        """Tidy up after runs that died: remove their temporary files, mark them failed.

        Call only while holding :meth:`lock` (no other run can be writing). Returns the ids
        of the runs found still marked ``running``.
        """
        for directory in (self.results_dir, self.rejects_dir, self.manifest_dir, self.configs_dir):
            for tmp in directory.rglob(f"*{TMP_SUFFIX}"):
                logger.info("removing leftover temporary file %s", tmp)
                with contextlib.suppress(OSError):
                    tmp.unlink()
        interrupted: list[str] = []
        for run in self.runs():
            if run.status == "running":
                interrupted.append(run.run_id)
                run.status = "failed"
                run.error = (
                    "interrupted: the process stopped before the run finished; "
                    "its committed parts are kept and the next run redoes the rest"
                )
                self.write_manifest(run)
                logger.warning("run %s was interrupted; marked failed", run.run_id)
        return interrupted

    # writing ---------------------------------------------------------------------------

    def part_path(self, run_id: str, n: int, scored_date: str) -> Path:
        return self.results_dir / f"scored_date={scored_date}" / f"part-{run_id}-{n:06d}.parquet"

    def write_part(self, rows: Sequence[Mapping[str, Any]], *, run_id: str, n: int, config_id: str) -> Path:
        """Commit scored rows as one Parquet part, stamped with config, run and time.

        Each column is written with the type of its kind in the store schema (see
        :meth:`conform`, which the nightly run calls first to reject the rows that do not
        fit).

        Raises
        ------
        cxnlp.batch.schema.SchemaError
            When a row does not fit the store schema; nothing is written.
        """
        kept, misfits = self.conform(rows)
        if misfits:
            raise SchemaError(misfits[0].reason + f" (transcript {misfits[0].transcript_id!r})")
        scored_at = utc_now()
        stamped = [{**row, "config_id": config_id, "run_id": run_id, "scored_at": scored_at} for row in kept]
        table = arrow_table(stamped, self.read_schema())
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        path = self.part_path(run_id, n, scored_at[:10])
        return atomic_write_bytes(path, sink.getvalue().to_pybytes())

    def rejects_path(self, run_id: str) -> Path:
        return self.rejects_dir / f"run_id={run_id}.jsonl"

    def write_rejects(self, run_id: str, rejects: Sequence[Reject], *, redactor: Any = None) -> Path:
        """Publish the run's rejects so far (the whole file, atomically), each reason
        redacted by ``redactor`` (a :class:`cxnlp.privacy.Redactor`; the default when None)."""
        if redactor is None:
            from cxnlp.privacy import default_redactor

            redactor = default_redactor()
        lines = "".join(
            json.dumps({**redactor.redact_reject(r).to_dict(), "run_id": run_id}, ensure_ascii=False) + "\n"
            for r in rejects
        )
        return atomic_write_bytes(self.rejects_path(run_id), lines.encode("utf-8", "backslashreplace"))

    def write_manifest(self, manifest: RunManifest | Mapping[str, Any]) -> Path:
        """Write a run's record (a :class:`RunManifest`, or its JSON form) atomically.

        Raises
        ------
        ValueError
            When it has no run id or an unknown status.
        """
        if not isinstance(manifest, RunManifest):
            manifest = RunManifest.from_dict(dict(manifest))
        return atomic_write_json(self.manifest_dir / f"{manifest.run_id}.json", manifest.to_dict())

    # the schema ----------------------------------------------------------------------------

    def read_schema(self) -> dict[str, str]:
        """The store's ``{column: kind}``; empty before the first part.

        Raises
        ------
        cxnlp.batch.schema.SchemaError
            When ``schema.json`` is not a schema (edited by hand and broken): refused, not
            guessed, since every part is written to it.
        """
        if not self.schema_path.is_file():
            return {}
        try:
            payload = json.loads(self.schema_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise SchemaError(
                f"Got {str(self.schema_path)!r} that cannot be read ({type(exc).__name__}: {exc}); "
                "expected the JSON schema of the store. Restore it, or fix it by hand."
            ) from exc
        columns = payload.get("columns") if isinstance(payload, dict) else None
        return check_kinds(columns, what=f"the columns of {str(self.schema_path)!r}")

    def _write_schema(self, kinds: Mapping[str, str]) -> None:
        atomic_write_json(self.schema_path, {"version": 1, "columns": dict(kinds)})

    def declare_schema(self, declared: Mapping[str, str]) -> dict[str, str]:
        """Add declared column kinds to the store schema; a conflict is refused.

        Raises
        ------
        cxnlp.batch.schema.SchemaError
            When ``declared`` is not a schema, or gives a column another kind than the one
            the store already keeps (its parts are written with it).
        """
        declared = check_kinds(declared, what="the declared schema")
        current = self.read_schema()
        for column, kind in declared.items():
            if column in current and current[column] != kind:
                raise SchemaError(
                    f"Got a declared schema with {column!r} as {kind}; expected {current[column]}, "
                    f"the kind the store keeps it as ({self.schema_path}). Drop that entry, or "
                    "use a new store."
                )
        merged = {**current, **declared}
        if merged != current:
            self._write_schema(merged)
        return merged

    def conform(self, rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[Misfit]]:
        """Rows converted to the store schema, and those that do not fit it.

        A column the schema does not know yet gets the kind most of these rows have
        (:func:`cxnlp.batch.schema.infer_kinds`); the schema is saved with it before any
        part uses it, and kept for every later run.
        """
        kinds = self.read_schema()
        new = {c for row in rows for c in row if c not in kinds and storable_name(c)}
        inferred = infer_kinds(rows, sorted(new - set(STORE_COLUMNS)))
        if inferred:
            kinds = {**kinds, **inferred}
            self._write_schema(kinds)
        return conform_rows(rows, kinds, where="the store's schema.json")

    def write_config(self, config_id: str, config: Mapping[str, Any]) -> Path:
        path = self.configs_dir / f"{config_id}.json"
        if not path.exists():
            atomic_write_json(path, {"config_id": config_id, **config})
        return path

    # reading ---------------------------------------------------------------------------

    def part_paths(self) -> list[Path]:
        """Committed parts, oldest first (run ids sort in start order)."""
        if not self.results_dir.is_dir():
            return []
        parts = [p for p in self.results_dir.glob("scored_date=*/part-*.parquet") if _PART_RE.match(p.name)]
        return sorted(parts, key=lambda p: p.name)

    def runs(self) -> list[RunManifest]:
        """Every run record, oldest first; a file that is not one is skipped with a warning.

        A run record is a JSON object whose ``run_id`` is its file name and whose
        ``status`` is one of :data:`cxnlp.batch.manifest.RUN_STATUSES`. Anything else in
        ``manifest/`` (a truncated file, a list, a record without ``run_id``, a copy under
        another name) is left where it is and ignored, so it cannot break ``batch``, ``runs``
        or :meth:`recover`.
        """
        out = []
        if self.manifest_dir.is_dir():
            for path in sorted(self.manifest_dir.glob("*.json")):
                try:
                    payload = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
                    self._warn_once(
                        str(path),
                        "skipping manifest %s: it cannot be read (%s: %s)",
                        path,
                        type(exc).__name__,
                        str(exc)[:200],
                    )
                    continue
                problem = manifest_problem(payload, path)
                if problem is not None:
                    self._warn_once(str(path), "skipping manifest %s: %s", path, problem)
                    continue
                out.append(RunManifest.from_dict(payload))
        return sorted(out, key=lambda m: m.run_id)

    def manifests(self) -> list[dict[str, Any]]:
        """:meth:`runs` in their JSON form (plain dicts), for readers of the files' keys."""
        return [run.to_dict() for run in self.runs()]

    def resolve_config(self, config_id: str | None = None) -> str | None:
        """The configuration readers show: ``config_id``, or the newest completed run's.

        When no run has completed, the newest run's configuration (its results may be
        partial). Warns when runs newer than the one chosen did not complete: a killed or
        failed run, perhaps under another configuration, whose rows are not shown.

        Raises
        ------
        StoreError
            When ``config_id`` is named but no run of this store used it.
        """
        runs = self.runs()
        candidates = runs
        if config_id is not None:
            known = {m.config_id for m in runs}
            known |= {p.stem for p in self.configs_dir.glob("*.json")} if self.configs_dir.is_dir() else set()
            if config_id not in known:
                listed = ", ".join(sorted(k for k in known if isinstance(k, str))) or "none"
                raise StoreError(
                    f"Got --config {config_id!r}, which no run of store {str(self.root)!r} used; "
                    f"expected one of: {listed}. See 'cxnlp runs {self.root}'."
                )
            candidates = [m for m in runs if m.config_id == config_id]
        if not candidates:
            return config_id
        complete = [m for m in candidates if m.status == "complete"]
        chosen = complete[-1] if complete else candidates[-1]
        if not complete:
            self._warn_once(
                "no-complete",
                "no run of configuration %s in %s has completed; showing the "
                "results of its runs so far, which may be partial",
                chosen.config_id,
                self.root,
            )
        newer = [m for m in runs if m.run_id > chosen.run_id and m.status != "complete"]
        if newer:
            shown = "; ".join(f"{m.run_id} {m.status} (config {m.config_id})" for m in newer[-3:])
            self._warn_once(
                "newer",
                "%d newer run(s) in %s did not complete and are not shown: %s. Showing "
                "configuration %s from run %s; name another with --config.",
                len(newer),
                self.root,
                shown,
                chosen.config_id,
                chosen.run_id,
            )
        return config_id if config_id is not None else chosen.config_id

    def current_config_id(self) -> str | None:
        """The configuration of the newest completed run (see :meth:`resolve_config`)."""
        return self.resolve_config()

    def quarantine(self, path: Path, why: str) -> None:
        """Move a damaged part aside into ``quarantine/`` (never delete it), with a warning.

        Its transcripts are then missing from the store, so the next run scores them again.
        When the store is read-only the part stays where it is and is skipped.
        """
        try:
            target = self.quarantine_dir / path.relative_to(self.root)
        except ValueError:  # pragma: no cover - parts always live under the root
            target = self.quarantine_dir / path.name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target = target.with_name(f"{target.name}.{secrets.token_hex(3)}")
            os.replace(path, target)
        except FileNotFoundError:  # another reader moved it first
            return
        except OSError as exc:
            self._warn_once(
                str(path),
                "skipping damaged part %s (%s); it could not be moved to "
                "quarantine (%s), so it is skipped again next time",
                path,
                why,
                exc,
            )
            return
        logger.warning(
            "moved damaged part %s to %s (%s); its transcripts are scored again by the next run",
            path,
            target,
            why,
        )

    def latest_hashes(self, config_id: str) -> dict[str, str]:
        """For each transcript id, the content hash of its newest row under ``config_id``.

        This is what a run compares against to decide skip or rescore. Comparing with the
        *newest* hash (not any hash seen) means a transcript edited and then reverted is
        scored again, so the newest row always matches the newest input.

        Reads only the three identity columns of each part (a part's evidence and sentence
        vectors are most of its bytes) and keeps no frame: a no-op nightly run over a large
        store costs little more than listing its parts.
        """
        latest: dict[str, str] = {}
        for table in _read_parts(self, IDENTITY):
            table = table.filter(pc.equal(table["config_id"], config_id))
            ids, hashes = table["transcript_id"].to_pylist(), table["content_hash"].to_pylist()
            latest.update(zip(ids, hashes, strict=True))  # parts oldest first: the newest wins
        return latest


def as_store(store: str | Path | ResultStore) -> ResultStore:
    return store if isinstance(store, ResultStore) else ResultStore(store)


def read_store(
    store: str | Path | ResultStore,
    *,
    columns: Sequence[str] | None = None,
    config_id: str | None = None,
) -> pd.DataFrame:
    """Every committed row, oldest first, one per ``(transcript_id, content_hash, config_id)``.

    Parameters
    ----------
    store : path or ResultStore
    columns : sequence of str, optional
        Read only these columns (the identity columns are always read); much faster on a
        large store when only a few are needed.
    config_id : str, optional
        Keep only rows scored under this configuration.

    Returns
    -------
    pandas.DataFrame
        Should a row have been committed twice, only its newest copy is kept.
    """
    store = as_store(store)
    wanted = None if columns is None else list(dict.fromkeys([*IDENTITY, *columns]))
    tables = list(_read_parts(store, wanted))
    if not tables:
        return pd.DataFrame(columns=wanted or [*IDENTITY, *STORE_COLUMNS])
    schema = unified_schema([t.schema for t in tables])
    frame = pa.concat_tables([conform_table(t, schema) for t in tables]).to_pandas()
    if config_id is not None:
        frame = frame[frame["config_id"] == config_id]
    frame = frame.drop_duplicates(list(IDENTITY), keep="last")
    return frame.reset_index(drop=True)


def _read_parts(store: ResultStore, columns: Iterable[str] | None = None) -> Iterator[pa.Table]:
    """Each committed part, oldest first, with only ``columns`` (those it has) or all.

    A part that cannot be read (damaged, or not a part: no identity columns) is moved to
    quarantine and skipped. Only the asked-for columns are decoded: Parquet is columnar,
    so the others are never read from disk.
    """
    wanted = None if columns is None else list(columns)
    for path in store.part_paths():
        try:
            names = pq.read_schema(path).names
            missing = [c for c in IDENTITY if c not in names]
            if missing:
                store.quarantine(path, f"it has no column {', '.join(missing)}")
                continue
            chosen = None if wanted is None else [c for c in wanted if c in names]
            yield pq.read_table(path, columns=chosen)
        except PermissionError:
            raise
        except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
            store.quarantine(path, f"{type(exc).__name__}: {str(exc)[:200]}")


def latest_results(store: str | Path | ResultStore, *, config_id: str | None = None) -> pd.DataFrame:
    """The current score table: one row per transcript id, its newest, for one configuration.

    Parameters
    ----------
    config_id : str, optional
        Which configuration; the newest *completed* run's when None (a warning names any
        newer run that did not complete).

    Raises
    ------
    StoreError
        When ``config_id`` names a configuration no run of the store used.
    """
    store = as_store(store)
    config_id = store.resolve_config(config_id)
    if config_id is None:
        return read_store(store)
    frame = read_store(store, config_id=config_id)
    frame = frame.drop_duplicates("transcript_id", keep="last")
    return frame.sort_values("transcript_id", kind="stable").reset_index(drop=True)


_RUN_COLUMNS = (
    "run_id",
    "status",
    "started_at",
    "finished_at",
    "seconds",
    "config_id",
    "engine",
    "workers",
    "read",
    "scored",
    "rejected",
    "skipped",
    "parts",
    "inputs",
    "error",
)


def list_runs(store: str | Path | ResultStore) -> pd.DataFrame:
    """One row per run manifest, oldest first: status, counts, timing and configuration."""
    rows = []
    for run in as_store(store).runs():
        rows.append(
            {
                "run_id": run.run_id,
                "status": run.status,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "seconds": run.seconds,
                "config_id": run.config_id,
                "engine": run.engine,
                "workers": run.workers,
                **run.counts,
                "parts": len(run.parts),
                "inputs": ", ".join(run.inputs),
                "error": run.error,
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(_RUN_COLUMNS))


def read_run_rejects(store: str | Path | ResultStore, run_id: str | None = None) -> pd.DataFrame:
    """Rejects of one run (the newest when None), one row per rejected record."""
    store = as_store(store)
    if run_id is None:
        runs = store.runs()
        if not runs:
            return pd.DataFrame(columns=["source", "record_id", "field", "reason", "run_id"])
        run_id = runs[-1].run_id
    path = store.rejects_path(run_id)
    records = []
    if path.is_file():
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            try:
                record = json.loads(line) if line.strip() else None
            except (ValueError, RecursionError):
                record = None
                logger.warning("skipping line %d of %s: not a JSON reject", number, path)
            if isinstance(record, dict):
                records.append(record)
    return pd.DataFrame.from_records(records, columns=["source", "record_id", "field", "reason", "run_id"])

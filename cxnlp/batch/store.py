"""An embedded, incremental result store for nightly scoring: plain files, no server.

Layout under ``STORE``::

    results/scored_date=YYYY-MM-DD/part-<run_id>-<n>.parquet   scored rows, one per transcript
    rejects/run_id=<run_id>.jsonl                              records a run could not score
    manifest/<run_id>.json                                     what a run did, and how it ended
    configs/<config_id>.json                                   what a configuration id stands for

The identity of a piece of work is ``(transcript_id, content_hash, config_id)``. A run skips
a transcript whose newest row under the current configuration has the same content hash,
and scores it again when its content or the configuration changed; the new row supersedes
the old one (:func:`latest_results`).

Every file is written to a temporary name in its own directory, fsynced and renamed into
place, so a run killed at any moment (even by SIGKILL) leaves only whole files behind: the
parts it committed stay, the tail it had not committed is simply redone by the next run.
Readers still dedupe on the identity, defensively, so a row can never count twice.

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
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cxnlp.batch.writer import conform_table, unified_schema
from cxnlp.model import Reject

logger = logging.getLogger(__name__)

#: Columns the store adds to every :func:`cxnlp.scoring.result_row`.
STORE_COLUMNS: tuple[str, ...] = ("config_id", "run_id", "scored_at")
#: What identifies one piece of work; no two rows in a read store share it.
IDENTITY: tuple[str, ...] = ("transcript_id", "content_hash", "config_id")
RUN_STATUSES: tuple[str, ...] = ("running", "complete", "failed")

_PART_RE = re.compile(r"^part-(?P<run_id>.+)-(?P<n>\d{6})\.parquet$")
_TMP_SUFFIX = ".tmp"


class StoreError(RuntimeError):
    """The store cannot be used as asked (locked by another run, not a store, corrupt)."""


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts in start order: ``20250114T021500123456Z-3fa9c1``.

    The random suffix keeps two runs started in the same microsecond apart.
    """
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(3)}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# --- atomic files -------------------------------------------------------------------------


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never half.

    The bytes go to a temporary file in the same directory (a rename across file systems
    is not atomic), are fsynced, renamed over ``path``, and the directory is fsynced so the
    rename itself survives a power cut.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{_TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_json(path: str | Path, payload: Mapping[str, Any]) -> Path:
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return atomic_write_bytes(path, (text + "\n").encode("utf-8"))


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


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

    def init(self) -> ResultStore:
        for directory in (self.results_dir, self.rejects_dir, self.manifest_dir, self.configs_dir):
            directory.mkdir(parents=True, exist_ok=True)
        return self

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
        with open(self.root / ".lock", "a+") as handle:
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
            for tmp in directory.rglob(f"*{_TMP_SUFFIX}"):
                logger.info("removing leftover temporary file %s", tmp)
                with contextlib.suppress(OSError):
                    tmp.unlink()
        interrupted: list[str] = []
        for manifest in self.manifests():
            if manifest.get("status") == "running":
                interrupted.append(manifest["run_id"])
                manifest.update(
                    status="failed",
                    error="interrupted: the process stopped before the run finished; "
                    "its committed parts are kept and the next run redoes the rest",
                )
                self.write_manifest(manifest)
                logger.warning("run %s was interrupted; marked failed", manifest["run_id"])
        return interrupted

    # writing ---------------------------------------------------------------------------

    def part_path(self, run_id: str, n: int, scored_date: str) -> Path:
        return self.results_dir / f"scored_date={scored_date}" / f"part-{run_id}-{n:06d}.parquet"

    def write_part(self, rows: Sequence[Mapping[str, Any]], *, run_id: str, n: int, config_id: str) -> Path:
        """Commit scored rows as one Parquet part, stamped with config, run and time."""
        scored_at = utc_now()
        stamped = [{**row, "config_id": config_id, "run_id": run_id, "scored_at": scored_at} for row in rows]
        table = pa.Table.from_pandas(pd.DataFrame.from_records(stamped), preserve_index=False)
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

    def write_manifest(self, manifest: Mapping[str, Any]) -> Path:
        status = manifest.get("status")
        if status not in RUN_STATUSES:
            raise ValueError(f"Got run status {status!r}; expected one of {RUN_STATUSES}.")
        return atomic_write_json(self.manifest_dir / f"{manifest['run_id']}.json", manifest)

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

    def manifests(self) -> list[dict[str, Any]]:
        out = []
        if self.manifest_dir.is_dir():
            for path in sorted(self.manifest_dir.glob("*.json")):
                try:
                    out.append(json.loads(path.read_text(encoding="utf-8")))
                except (OSError, json.JSONDecodeError) as exc:  # pragma: no cover - disk damage
                    logger.warning("skipping unreadable manifest %s: %s", path, exc)
        return sorted(out, key=lambda m: m.get("run_id", ""))

    def current_config_id(self) -> str | None:
        """The configuration of the newest run (the one the store is now scored with)."""
        runs = self.manifests()
        return runs[-1].get("config_id") if runs else None

    def latest_hashes(self, config_id: str) -> dict[str, str]:
        """For each transcript id, the content hash of its newest row under ``config_id``.

        This is what a run compares against to decide skip or rescore. Comparing with the
        *newest* hash (not any hash seen) means a transcript edited and then reverted is
        scored again, so the newest row always matches the newest input.
        """
        frame = read_store(self, columns=["transcript_id", "content_hash", "config_id"])
        frame = frame[frame["config_id"] == config_id]
        frame = frame.drop_duplicates("transcript_id", keep="last")
        return dict(zip(frame["transcript_id"], frame["content_hash"], strict=True))


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
    tables = []
    for path in store.part_paths():
        table = pq.read_table(path)
        if wanted is not None:
            table = table.select([c for c in wanted if c in table.column_names])
        tables.append(table)
    if not tables:
        return pd.DataFrame(columns=wanted or [*IDENTITY, *STORE_COLUMNS])
    schema = unified_schema([t.schema for t in tables])
    frame = pa.concat_tables([conform_table(t, schema) for t in tables]).to_pandas()
    if config_id is not None:
        frame = frame[frame["config_id"] == config_id]
    frame = frame.drop_duplicates(list(IDENTITY), keep="last")
    return frame.reset_index(drop=True)


def latest_results(store: str | Path | ResultStore, *, config_id: str | None = None) -> pd.DataFrame:
    """The current score table: one row per transcript id, its newest, for one configuration.

    Parameters
    ----------
    config_id : str, optional
        Which configuration; the newest run's when None.
    """
    store = as_store(store)
    config_id = config_id or store.current_config_id()
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
    for manifest in as_store(store).manifests():
        counts = manifest.get("counts", {})
        rows.append(
            {
                "run_id": manifest.get("run_id"),
                "status": manifest.get("status"),
                "started_at": manifest.get("started_at"),
                "finished_at": manifest.get("finished_at"),
                "seconds": manifest.get("seconds"),
                "config_id": manifest.get("config_id"),
                "engine": manifest.get("engine"),
                "workers": manifest.get("workers"),
                **{k: counts.get(k, 0) for k in ("read", "scored", "rejected", "skipped")},
                "parts": len(manifest.get("parts", [])),
                "inputs": ", ".join(manifest.get("inputs", [])),
                "error": manifest.get("error"),
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(_RUN_COLUMNS))


def read_run_rejects(store: str | Path | ResultStore, run_id: str | None = None) -> pd.DataFrame:
    """Rejects of one run (the newest when None), one row per rejected record."""
    store = as_store(store)
    if run_id is None:
        runs = store.manifests()
        if not runs:
            return pd.DataFrame(columns=["source", "record_id", "field", "reason", "run_id"])
        run_id = runs[-1]["run_id"]
    path = store.rejects_path(run_id)
    records = []
    if path.is_file():
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame.from_records(records, columns=["source", "record_id", "field", "reason", "run_id"])

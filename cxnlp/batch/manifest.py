"""The run record of a result store: what one nightly run did, and how it ended.

One JSON file per run, ``STORE/manifest/<run_id>.json``, rewritten atomically as the run
commits parts, so a reader always sees the counts of the parts on disk. :class:`RunManifest`
is that record as a typed object: the nightly run fills it in, the store writes and reads it,
and ``cxnlp runs`` lists it.

Files are written by people's tools too (copied, synced, edited), so reading is lenient
where it can be and strict where it must be: a file whose ``run_id`` is not its name or whose
``status`` is unknown is not a run (:func:`manifest_problem`), while a field of the wrong
type (``"counts": [1]``) reads as empty. Keys this version does not know are kept and
written back unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUN_STATUSES: tuple[str, ...] = ("running", "complete", "failed")
#: The counts a run keeps; ``read == scored + rejected + skipped``.
COUNT_NAMES: tuple[str, ...] = ("read", "scored", "rejected", "skipped")


@dataclass(slots=True)
class RunManifest:
    """One run of a result store, as written to ``manifest/<run_id>.json``.

    Mutable on purpose: the nightly run updates counts, parts and status as it commits.
    """

    run_id: str
    status: str
    config_id: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    seconds: float | None = None
    #: The inputs as given (folders, globs, files), and the files they expanded to (None in
    #: records written before it was kept: readers then fall back on ``inputs``).
    inputs: list[str] = field(default_factory=list)
    input_files: list[str] | None = None
    input_format: str | None = None
    #: What the configuration id stands for (:func:`cxnlp.batch.nightly.configuration`).
    configuration: dict[str, Any] = field(default_factory=dict)
    engine: str | None = None
    workers: int | None = None
    commit_every: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    #: Committed parts, relative to the store root, in commit order.
    parts: list[str] = field(default_factory=list)
    rejects: str | None = None
    host: str | None = None
    user: str | None = None
    pid: int | None = None
    error: str | None = None
    #: Keys of the file this version does not know, written back as they were.
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in RUN_STATUSES:
            raise ValueError(f"Got run status {self.status!r}; expected one of {RUN_STATUSES}.")

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to the manifest file."""
        payload = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**self.extra, **payload}

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> RunManifest:
        """The record in a manifest's JSON object, fields of the wrong type read as empty.

        Raises ``ValueError`` when it has no ``run_id`` or an unknown ``status``
        (check first with :func:`manifest_problem` to say which file).
        """
        run_id, status = payload.get("run_id"), payload.get("status")
        if not isinstance(run_id, str) or not run_id:
            raise ValueError(f"Got a run record without a run_id ({str(run_id)[:60]!r}); expected text.")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        counts = payload.get("counts")
        counts = counts if isinstance(counts, dict) else {}
        return cls(
            run_id=run_id,
            status=str(status),  # checked by __post_init__
            config_id=_text(payload.get("config_id")),
            started_at=_text(payload.get("started_at")),
            finished_at=_text(payload.get("finished_at")),
            seconds=_number(payload.get("seconds")),
            inputs=_texts(payload.get("inputs")),
            input_files=_texts(files) if isinstance(files := payload.get("input_files"), list) else None,
            input_format=_text(payload.get("input_format")),
            configuration=_mapping(payload.get("configuration")),
            engine=_text(payload.get("engine")),
            workers=_integer(payload.get("workers")),
            commit_every=_integer(payload.get("commit_every")),
            counts={k: _integer(counts.get(k)) or 0 for k in COUNT_NAMES},
            parts=_texts(payload.get("parts")),
            rejects=_text(payload.get("rejects")),
            host=_text(payload.get("host")),
            user=_text(payload.get("user")),
            pid=_integer(payload.get("pid")),
            error=_text(payload.get("error")),
            extra={k: v for k, v in payload.items() if k not in known},
        )


def manifest_problem(payload: Any, path: Path) -> str | None:
    """Why ``payload`` read from ``path`` is not a run record, or None when it is one."""
    if not isinstance(payload, dict):
        return f"it holds a JSON {type(payload).__name__}, not an object"
    run_id = payload.get("run_id")
    if not isinstance(run_id, str) or not run_id:
        return "it has no run_id"
    if run_id != path.stem:
        return f"its run_id {run_id[:60]!r} is not its file name"
    if payload.get("status") not in RUN_STATUSES:
        return f"its status {str(payload.get('status'))[:40]!r} is not one of {', '.join(RUN_STATUSES)}"
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

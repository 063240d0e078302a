"""The review table: reviewers' verdicts on calls, append-only, one durable file per review.

``POST /v1/reviews`` writes ``STORE/reviews/<created>-<review_id>.json``: to a temporary
name, fsynced, then *linked* to its final name (which fails rather than replace an
existing file) and the folder fsynced. So a review acknowledged with 201 survives a
kill -9 or a power cut, no review ever replaces another, and a reader never sees half
a review. Each review is its own file, so several service workers and the nightly batch
(which writes only ``results/``, ``rejects/``, ``manifest/`` and ``configs/``) never
contend for a lock. A reviewer who changes their mind posts again: the newer review
is what agreement reads (:func:`latest_per_reviewer`), the older one stays.

:func:`read_reviews` gives the table ``cxnlp calibrate SCORES STORE/reviews --target
rubric_score`` and the notebooks read: one row per review, ``transcript_id``,
``reviewer_id``, ``rubric_score``, ``review_<dimension>`` (NaN when not rated or n/a),
``na_dimensions``, ``disputes``, ``disputed``, ``comment``, ``created_at``, ``review_id``,
``key_id``. This module needs no web framework.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cxnlp.schema import DIMENSION_COLUMNS

logger = logging.getLogger(__name__)

REVIEWS_FOLDER = "reviews"
#: Prefix of a reviewer's per-dimension column, so it never collides with the machine's.
REVIEW_PREFIX = "review_"
REVIEW_COLUMNS: tuple[str, ...] = (
    "transcript_id",
    "reviewer_id",
    "rubric_score",
    *(f"{REVIEW_PREFIX}{name}" for name in DIMENSION_COLUMNS),
    "na_dimensions",
    "disputes",
    "disputed",
    "comment",
    "created_at",
    "review_id",
    "key_id",
)
_NAME = re.compile(r"^\d{8}T\d{6}\d{6}Z-[0-9a-f]{16}\.json$")


def reviews_dir(store: str | Path) -> Path:
    return Path(store) / REVIEWS_FOLDER


def write_review(store: str | Path, review: Mapping[str, Any], *, key_id: str | None) -> dict[str, Any]:
    """Store one review durably and return it as stored (with id and time).

    ``review`` holds ``transcript_id``, ``reviewer_id``, ``rubric_score``, ``dimensions``,
    ``disputes`` and ``comment`` (validated by :class:`cxnlp.service.schemas.ReviewIn`).
    Returns only after the file and its folder entry are on disk.
    """
    now = datetime.now(UTC)
    review_id = secrets.token_hex(8)
    record = {
        "review_id": review_id,
        "transcript_id": review["transcript_id"],
        "reviewer_id": review["reviewer_id"],
        "key_id": key_id,
        "created_at": now.isoformat(timespec="microseconds"),
        "rubric_score": review.get("rubric_score"),
        "dimensions": dict(review.get("dimensions") or {}),
        "disputes": list(review.get("disputes") or []),
        "comment": review.get("comment"),
    }
    folder = reviews_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{review_id}.json"
    tmp = folder / f".{final.name}.{os.getpid()}.tmp"
    data = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, final)  # refuses to replace an existing review
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _fsync_dir(folder)
    return record


_TMP = re.compile(r"^\.(?P<name>.+\.json)\.(?P<pid>\d+)\.tmp$")


def sweep_partial_reviews(store: str | Path) -> list[str]:
    """Remove temporary files left by a writer that was killed before it linked its review.

    Such a file was never acknowledged (201 comes after the link) and readers skip it;
    this only tidies the folder. A file whose writing process still runs (another worker)
    is left alone. Returns the names removed.
    """
    folder = reviews_dir(store)
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        match = _TMP.match(path.name)
        if match is None or _alive(int(match["pid"])):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path.name)
    if removed:
        logger.warning("removed %d partial review file(s) left by a killed writer", len(removed))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_review_records(store: str | Path) -> list[dict[str, Any]]:
    """Every stored review, oldest first (files that are not whole reviews are skipped, logged)."""
    folder = reviews_dir(store) if Path(store).name != REVIEWS_FOLDER else Path(store)
    if not folder.is_dir():
        return []
    records = []
    for path in sorted(folder.iterdir()):
        if not _NAME.match(path.name):
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("skipping unreadable review file %s: %s", path.name, type(exc).__name__)
            continue
        if isinstance(record, dict) and "transcript_id" in record and "reviewer_id" in record:
            records.append(record)
    return records


def review_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One review as a row of the review table."""
    dims = record.get("dimensions") or {}
    row: dict[str, Any] = {
        "transcript_id": str(record["transcript_id"]),
        "reviewer_id": str(record["reviewer_id"]),
        "rubric_score": _number(record.get("rubric_score")),
    }
    for name in DIMENSION_COLUMNS:
        row[f"{REVIEW_PREFIX}{name}"] = _number(dims.get(name))
    row["na_dimensions"] = ",".join(n for n in DIMENSION_COLUMNS if dims.get(n) == "n/a")
    disputes = list(record.get("disputes") or [])
    row["disputes"] = ",".join(disputes)
    row["disputed"] = bool(disputes)
    row["comment"] = record.get("comment")
    row["created_at"] = record.get("created_at")
    row["review_id"] = record.get("review_id")
    row["key_id"] = record.get("key_id")
    return row


def read_reviews(store: str | Path) -> pd.DataFrame:
    """The review table of ``store`` (or of its ``reviews`` folder given directly)."""
    rows = [review_row(r) for r in read_review_records(store)]
    frame = pd.DataFrame.from_records(rows, columns=list(REVIEW_COLUMNS))
    numeric = ["rubric_score", *(f"{REVIEW_PREFIX}{n}" for n in DIMENSION_COLUMNS)]
    return frame.astype({c: float for c in numeric}).astype({"disputed": bool})


def is_review_folder(path: str | Path) -> bool:
    """True for a ``reviews`` folder of a store (what ``cxnlp calibrate`` accepts as labels)."""
    path = Path(path)
    return path.is_dir() and path.name == REVIEWS_FOLDER


def latest_per_reviewer(table: pd.DataFrame) -> pd.DataFrame:
    """Each reviewer's newest review of each call, in the order reviews were first given."""
    if table.empty:
        return table
    ordered = table.sort_values("created_at", kind="stable")
    return ordered.drop_duplicates(["transcript_id", "reviewer_id"], keep="last").reset_index(drop=True)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float("nan")
    return float(value)

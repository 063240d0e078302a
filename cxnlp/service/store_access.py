"""The service's only door into the batch store: the newest results, cached per store state.

Everything the service reads from ``cxnlp batch``'s store goes through
:func:`newest_results`, which calls the store's public reading API
(:func:`cxnlp.batch.store.latest_results`) and keeps the frame until a part or a run
manifest is added, so a page of results costs no Parquet reads while the store is
unchanged. Results are the newest configuration's only (the one the last run used).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxnlp.batch.store import ResultStore, latest_results


@dataclass(frozen=True)
class StoreView:
    """The newest configuration's results, one row per transcript, ordered for paging."""

    config_id: str | None
    frame: pd.DataFrame

    def row(self, transcript_id: str) -> pd.Series | None:
        hit = self.frame[self.frame["transcript_id"].astype(str) == transcript_id]
        return None if hit.empty else hit.iloc[-1]


_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[object, ...], StoreView]] = {}


def _state(store: ResultStore) -> tuple[object, ...]:
    parts = tuple(p.name for p in store.part_paths())
    manifests = tuple(sorted(p.name for p in store.manifest_dir.glob("*.json"))) if store.exists() else ()
    mtimes = (
        tuple(p.stat().st_mtime_ns for p in sorted(store.manifest_dir.glob("*.json"))) if manifests else ()
    )
    return parts, manifests, mtimes


def newest_results(root: str | Path) -> StoreView:
    """The store's current results (empty frame when the store holds none yet)."""
    store = ResultStore(root)
    key = store.root.resolve()
    state = _state(store)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == state:
            return cached[1]
    config_id = store.current_config_id() if store.exists() else None
    frame = latest_results(store) if store.exists() else pd.DataFrame(columns=["transcript_id"])
    if "transcript_id" in frame.columns:
        frame = frame.assign(transcript_id=frame["transcript_id"].astype(str))
    if "scored_at" not in frame.columns:
        frame = frame.assign(scored_at=pd.Series([""] * len(frame), dtype=object))
    frame = frame.assign(scored_at=frame["scored_at"].astype(str))
    frame = frame.sort_values(["scored_at", "transcript_id"], kind="stable").reset_index(drop=True)
    view = StoreView(config_id, frame)
    with _lock:
        _cache[key] = (state, view)
    return view


def store_configuration(root: str | Path | None, config_id: str) -> dict:
    """What the store records for ``config_id`` (brand hash, weights); empty when unknown."""
    if root is None:
        return {}
    path = ResultStore(root).configs_dir / f"{config_id}.json"
    try:
        import json

        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}

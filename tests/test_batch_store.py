"""The result store on its own: atomic files, dedupe on read, newest wins, runs, recovery.

No models here: rows are made by hand, so these tests are fast and pin the store's rules.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from cxnlp.batch.store import (
    IDENTITY,
    ResultStore,
    StoreError,
    latest_results,
    list_runs,
    new_run_id,
    read_run_rejects,
    read_store,
)
from cxnlp.io.atomic import atomic_write_bytes
from cxnlp.model import Reject


def _rows(ids, hashes, rng, **extra):
    return [
        {"transcript_id": i, "content_hash": h, "interaction_score": float(rng.uniform(0, 100)), **extra}
        for i, h in zip(ids, hashes, strict=True)
    ]


def _manifest(run_id, config_id, status="complete"):
    return {
        "run_id": run_id,
        "status": status,
        "config_id": config_id,
        "counts": {"read": 0, "scored": 0, "rejected": 0, "skipped": 0},
        "parts": [],
    }


@pytest.fixture
def store(tmp_path):
    return ResultStore(tmp_path / "store").init()


def test_run_ids_sort_in_start_order():
    ids = [new_run_id() for _ in range(50)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 50


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    atomic_write_bytes(target, b"old")
    atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert os.listdir(target.parent) == ["file.bin"]


def test_read_store_dedupes_identity_and_keeps_the_newest_copy(store):
    rng = np.random.default_rng(0)
    first = _rows(["a", "b"], ["h1", "h1"], rng)
    store.write_part(first, run_id=new_run_id(), n=0, config_id="c1")
    again = _rows(["a"], ["h1"], rng)  # the same work committed twice (defensive case)
    run2 = new_run_id()
    store.write_part(again, run_id=run2, n=0, config_id="c1")
    frame = read_store(store)
    assert len(frame) == 2
    assert not frame.duplicated(list(IDENTITY)).any()
    kept = frame.set_index("transcript_id").loc["a"]
    assert kept["run_id"] == run2
    assert kept["interaction_score"] == pytest.approx(again[0]["interaction_score"])


def test_latest_results_is_newest_row_per_id_for_the_current_config(store):
    rng = np.random.default_rng(1)
    run1, run2, run3 = new_run_id(), new_run_id(), new_run_id()
    store.write_part(_rows(["a", "b"], ["h1", "h1"], rng), run_id=run1, n=0, config_id="c1")
    store.write_manifest(_manifest(run1, "c1"))
    changed = _rows(["a"], ["h2"], rng)
    store.write_part(changed, run_id=run2, n=0, config_id="c1")
    store.write_manifest(_manifest(run2, "c1"))
    latest = latest_results(store).set_index("transcript_id")
    assert list(latest.index) == ["a", "b"]
    assert latest.loc["a", "content_hash"] == "h2"
    assert latest.loc["a", "interaction_score"] == pytest.approx(changed[0]["interaction_score"])
    # A new configuration becomes current with the newest run; the old one stays readable.
    store.write_part(_rows(["b"], ["h1"], rng), run_id=run3, n=0, config_id="c2")
    store.write_manifest(_manifest(run3, "c2"))
    assert list(latest_results(store)["transcript_id"]) == ["b"]
    assert list(latest_results(store, config_id="c1")["transcript_id"]) == ["a", "b"]
    assert store.latest_hashes("c1") == {"a": "h2", "b": "h1"}


def test_parts_with_different_metadata_columns_read_together(store):
    rng = np.random.default_rng(2)
    store.write_part(_rows(["a"], ["h"], rng, queue=3), run_id=new_run_id(), n=0, config_id="c")
    with pytest.raises(ValueError, match="keeps 'queue' as integer"):
        store.write_part(_rows(["b"], ["h"], rng, queue="billing"), run_id=new_run_id(), n=0, config_id="c")
    # The documented way out: widen the column to string; old integer parts still read.
    schema = json.loads(store.schema_path.read_text())
    store.schema_path.write_text(json.dumps({**schema, "columns": {**schema["columns"], "queue": "string"}}))
    store.write_part(
        _rows(["b"], ["h"], rng, queue="billing", team="x"), run_id=new_run_id(), n=0, config_id="c"
    )
    frame = read_store(store)
    assert list(frame["transcript_id"]) == ["a", "b"]
    assert frame["queue"].astype(str).tolist() == ["3", "billing"]
    assert pd.isna(frame.loc[0, "team"])


def test_read_store_columns_projection_keeps_identity(store):
    rng = np.random.default_rng(3)
    store.write_part(_rows(["a"], ["h"], rng), run_id=new_run_id(), n=0, config_id="c")
    frame = read_store(store, columns=["interaction_score"])
    assert set(frame.columns) == {*IDENTITY, "interaction_score"}


def test_empty_store_reads_as_empty_frames(tmp_path):
    empty = ResultStore(tmp_path / "nothing")
    assert read_store(empty).empty
    assert latest_results(empty).empty
    assert list_runs(empty).empty
    assert read_run_rejects(empty).empty


def test_recover_removes_temporaries_and_marks_dead_runs_failed(store):
    dead, done = new_run_id(), new_run_id()
    store.write_manifest(_manifest(dead, "c", status="running"))
    store.write_manifest(_manifest(done, "c", status="complete"))
    leftover = store.results_dir / "scored_date=2025-01-01" / ".part-x.parquet.123.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a parquet")
    assert store.recover() == [dead]
    assert not leftover.exists()
    runs = list_runs(store).set_index("run_id")
    assert runs.loc[dead, "status"] == "failed"
    assert "interrupted" in runs.loc[dead, "error"]
    assert runs.loc[done, "status"] == "complete"


def test_manifest_status_is_checked(store):
    with pytest.raises(ValueError, match="expected one of"):
        store.write_manifest(_manifest(new_run_id(), "c", status="done"))


def test_rejects_are_written_per_run_and_read_back(store):
    run_id = new_run_id()
    rejects = [Reject(source="f.jsonl:line 3", reason="Got no 'turns'", record_id="x", field="turns")]
    path = store.write_rejects(run_id, rejects)
    assert path.name == f"run_id={run_id}.jsonl"
    assert json.loads(path.read_text())["record_id"] == "x"
    store.write_manifest(_manifest(run_id, "c"))
    frame = read_run_rejects(store)
    assert frame["record_id"].tolist() == ["x"]
    assert frame["run_id"].tolist() == [run_id]


def test_a_second_writer_is_locked_out(store):
    with store.lock():
        with pytest.raises(StoreError, match="locked by another"):
            with ResultStore(store.root).lock():
                pass
    with store.lock():  # released again
        pass

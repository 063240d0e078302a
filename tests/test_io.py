"""cxnlp.io: atomic writes, chunking, reading a score table, writing a frame; and the run
record, the summary and the progress callback that the runs share.

No language models: a blank spaCy pipeline and a zero encoder stand in where a run needs a
scorer, so these tests are fast.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cxnlp.batch.manifest import RunManifest, manifest_problem
from cxnlp.batch.store import IDENTITY, ResultStore, new_run_id
from cxnlp.io import (
    AtomicFile,
    atomic_open,
    atomic_path,
    atomic_write_json,
    chunked,
    read_frame,
    read_scores,
    write_frame,
)
from cxnlp.model import Transcript, Turn

# --------------------------------------------------------------------------- atomic writes


def _names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_atomic_path_publishes_only_when_the_block_ends(tmp_path):
    target = tmp_path / "deep" / "table.parquet"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"new")
        assert not target.exists()  # a reader sees nothing until the block ends
        assert tmp.parent == target.parent and tmp.name.endswith(".tmp") and tmp.name.startswith(".")
    assert target.read_bytes() == b"new"
    assert _names(target.parent) == ["table.parquet"]


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "model.onnx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="exporter died"), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("exporter died")
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["model.onnx"]


def test_atomic_path_sets_the_mode_asked_for(tmp_path):
    old = os.umask(0o077)
    try:
        with atomic_path(tmp_path / "shared.bin", mode=0o644) as tmp:
            tmp.write_bytes(b"x")
        with atomic_path(tmp_path / "private.bin") as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.bin").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.bin").stat().st_mode) == 0o600


def test_atomic_open_writes_text_and_refuses_append(tmp_path):
    with atomic_open(tmp_path / "a.txt") as handle:
        handle.write("héllo\n")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    with pytest.raises(ValueError, match="expected 'w' or 'wb'"), atomic_open(tmp_path / "a.txt", "a"):
        pass


def test_two_atomic_files_for_one_target_do_not_share_a_temporary_name(tmp_path):
    first, second = AtomicFile(tmp_path / "x"), AtomicFile(tmp_path / "x")
    assert first.tmp != second.tmp
    first.tmp.write_bytes(b"1")
    second.tmp.write_bytes(b"2")
    second.commit()
    first.discard()
    assert (tmp_path / "x").read_bytes() == b"2" and _names(tmp_path) == ["x"]


def test_atomic_write_json_keeps_a_lone_surrogate_as_an_escape(tmp_path):
    path = atomic_write_json(tmp_path / "m.json", {"inputs": ["caf\udce9.jsonl"], "n": 1})
    assert json.loads(path.read_text(encoding="ascii")) == {"inputs": ["caf\udce9.jsonl"], "n": 1}


# --------------------------------------------------------------------------- chunks


@pytest.mark.parametrize(
    ("n", "size", "lengths"), [(0, 3, []), (7, 3, [3, 3, 1]), (6, 3, [3, 3]), (2, 5, [2])]
)
def test_chunked_covers_the_input_in_order(n, size, lengths):
    chunks = list(chunked(range(n), size))
    assert [len(c) for c in chunks] == lengths
    assert [x for c in chunks for x in c] == list(range(n))


def test_chunked_reads_lazily_and_refuses_a_bad_size():
    taken: list[int] = []

    def source():
        for i in range(100):
            taken.append(i)
            yield i

    first = next(chunked(source(), 4))
    assert first == [0, 1, 2, 3] and taken == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="Got chunk size 0"):
        next(chunked([1], 0))


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("name", ["t.parquet", "t.csv", "t.jsonl"])
def test_write_frame_round_trips_and_leaves_no_temporary(tmp_path, name):
    frame = pd.DataFrame({"transcript_id": ["007", "8"], "score": [1.5, 2.0]})
    path = write_frame(frame, tmp_path / name)
    assert _names(tmp_path) == [name]
    if name.endswith(".txt"):  # any other ending is CSV, the format people open
        back = pd.read_csv(path, dtype={"transcript_id": str})
    else:
        back = read_frame(path)
    assert back["transcript_id"].tolist() == ["007", "8"]  # ids keep their leading zeros
    assert back["score"].tolist() == [1.5, 2.0]


def test_read_scores_reads_a_file_or_a_store_and_refuses_what_neither_allows(tmp_path):
    frame = pd.DataFrame({"transcript_id": ["a"], "interaction_score": [50.0]})
    write_frame(frame, tmp_path / "s.parquet")
    assert read_scores(tmp_path / "s.parquet")["transcript_id"].tolist() == ["a"]
    with pytest.raises(ValueError, match="Drop --config"):
        read_scores(tmp_path / "s.parquet", config_id="c1")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_scores(tmp_path / "missing.parquet")
    store = ResultStore(tmp_path / "store").init()
    run_id = new_run_id()
    rows = [{"transcript_id": "b", "content_hash": "h", "interaction_score": 10.0}]
    store.write_part(rows, run_id=run_id, n=0, config_id="c1")
    store.write_manifest(RunManifest(run_id=run_id, status="complete", config_id="c1"))
    assert read_scores(store.root)["transcript_id"].tolist() == ["b"]


def test_old_public_name_read_table_still_reads_but_warns(tmp_path):
    import cxnlp

    write_frame(pd.DataFrame({"transcript_id": ["a"]}), tmp_path / "s.csv")
    with pytest.warns(DeprecationWarning, match="read_scores"):
        reader = cxnlp.read_table
    assert reader(tmp_path / "s.csv")["transcript_id"].tolist() == ["a"]


# --------------------------------------------------------------------------- the store reads less


def test_latest_hashes_reads_only_the_identity_columns(tmp_path, monkeypatch):
    store = ResultStore(tmp_path / "store").init()
    rows = [
        {"transcript_id": "a", "content_hash": "h1", "evidence": "x" * 5000, "slot_vectors": "y" * 5000},
        {"transcript_id": "b", "content_hash": "h1", "evidence": "x", "slot_vectors": "y"},
    ]
    store.write_part(rows, run_id=new_run_id(), n=0, config_id="c1")
    store.write_part([{**rows[0], "content_hash": "h2"}], run_id=new_run_id(), n=0, config_id="c1")
    store.write_part([{**rows[1], "content_hash": "other"}], run_id=new_run_id(), n=0, config_id="c2")
    asked: list[Any] = []
    real = pq.read_table

    def spy(path, *args, **kwargs):
        asked.append(kwargs.get("columns"))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pq, "read_table", spy)
    assert store.latest_hashes("c1") == {"a": "h2", "b": "h1"}  # newest wins, c2 left out
    assert len(asked) == 3 and all(cols is not None and set(cols) <= set(IDENTITY) for cols in asked)


# --------------------------------------------------------------------------- the run record


def test_run_manifest_round_trips_and_keeps_unknown_keys():
    payload = {
        "run_id": "r1",
        "status": "complete",
        "config_id": "c",
        "counts": {"read": 3, "scored": 2, "rejected": 1, "skipped": 0},
        "parts": ["results/p.parquet"],
        "seconds": 1.5,
        "added_by_a_newer_version": {"x": 1},
    }
    record = RunManifest.from_dict(payload)
    assert record.counts["rejected"] == 1 and record.parts == ["results/p.parquet"]
    again = record.to_dict()
    assert again["added_by_a_newer_version"] == {"x": 1}
    assert RunManifest.from_dict(again) == record


def test_run_manifest_reads_wrong_types_as_empty_and_refuses_an_unknown_status(tmp_path):
    record = RunManifest.from_dict(
        {"run_id": "r", "status": "failed", "counts": [1], "parts": 3, "seconds": "x"}
    )
    assert record.counts == {"read": 0, "scored": 0, "rejected": 0, "skipped": 0}
    assert record.parts == [] and record.seconds is None
    with pytest.raises(ValueError, match="Got run status 'done'"):
        RunManifest(run_id="r", status="done")
    assert manifest_problem({"run_id": "r", "status": "complete"}, tmp_path / "other.json") is not None
    assert manifest_problem({"run_id": "r", "status": "complete"}, tmp_path / "r.json") is None


# --------------------------------------------------------------------------- runs: pickling, progress


def test_a_transcript_pickles_whole_for_pool_and_dask_workers():
    transcript = Transcript(
        "t1", (Turn("agent", "Hello", 0.0, 1.5, "ag7"), Turn("customer", "Hi")), {"team": "x", "n": 3}, "f:1"
    )
    back = pickle.loads(pickle.dumps(transcript))
    assert back == transcript and back.content_hash() == transcript.content_hash()
    with pytest.raises(TypeError):  # metadata stays read-only after the trip
        back.metadata["team"] = "y"  # type: ignore[index]


def _tiny_scorer(events: list[str], batch_size: int, *, each: bool = False) -> Any:
    """A scorer on a blank pipeline that logs each batch (and, with ``each``, each
    transcript its dimension scores) to ``events``."""
    import numpy as np
    import spacy

    from cxnlp.dimensions.base import Dimension
    from cxnlp.model import DimensionResult
    from cxnlp.nlp import EMBEDDING_DIM, TranscriptParser
    from cxnlp.scoring import Scorer

    class ZeroEncoder:
        backend = "zero"

        def encode(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)

        def clear_cache(self) -> None:
            pass

    class Sentences(Dimension):
        name = "filler_content"
        higher_is_better = False

        def score(self, parsed: Any) -> DimensionResult:
            if each:
                events.append(f"scoring {parsed.transcript.id}")
            return DimensionResult(self.name, float(len(parsed.sentences)))

    class RecordingScorer(Scorer):
        def score_batch(self, transcripts, **kwargs):  # type: ignore[override]
            events.append(f"scored {len(transcripts)}")
            return super().score_batch(transcripts, **kwargs)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    parser = TranscriptParser(nlp, ZeroEncoder())  # type: ignore[arg-type]
    return RecordingScorer(dimensions=[Sentences()], parser=parser, slot_vectors=False, batch_size=batch_size)


def _calls(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as sink:
        for i in range(n):
            turns = [
                {"speaker": "customer", "text": f"Where is order {i}?"},
                {"speaker": "agent", "text": "Here."},
            ]
            sink.write(json.dumps({"id": f"c{i}", "turns": turns}) + "\n")
    return path


def test_score_files_counts_each_record_as_it_is_scored_not_a_batch_ahead(tmp_path):
    """The progress count follows the scoring: each transcript is counted right after its
    own scores, not when its batch of ``batch_size`` is pulled from the reader."""
    from cxnlp.runs import score_files

    events: list[str] = []
    scorer = _tiny_scorer(events, batch_size=4, each=True)
    summary = score_files(
        _calls(tmp_path / "in.jsonl", 10),
        tmp_path / "out.parquet",
        scorer=scorer,
        progress=lambda n: events.append(f"done {n}"),
    )
    assert summary.read == summary.scored == 10 and summary.run_id is None

    def batch(first: int, n: int) -> list[str]:
        return [f"scored {n}", *(e for i in range(first, first + n) for e in (f"scoring c{i}", "done 1"))]

    assert events == [*batch(0, 4), *batch(4, 4), *batch(8, 2)]


def test_score_files_counts_every_record_once_through_rejects_and_retried_batches(tmp_path):
    """A batch that fails after counting some transcripts is retried one by one without
    counting them again; a record the reader rejects is counted too."""
    from cxnlp.runs import score_files

    events: list[str] = []
    scorer = _tiny_scorer(events, batch_size=4)
    plain = type(scorer).score_batch

    def flaky(self, transcripts, **kwargs):
        if len(transcripts) > 1:
            kwargs["progress"](2)  # two counted, then the batch breaks
            raise RuntimeError("a bug in a dimension")
        return plain(self, transcripts, **kwargs)

    type(scorer).score_batch = flaky
    path = _calls(tmp_path / "in.jsonl", 7)
    with open(path, "a", encoding="utf-8") as sink:
        sink.write('{"id": "no-turns"}\n')
    counted: list[int] = []
    summary = score_files(path, tmp_path / "out.parquet", scorer=scorer, progress=counted.append)
    assert (summary.read, summary.scored, summary.rejected) == (8, 7, 1)
    assert sum(counted) == 8 and all(n > 0 for n in counted)


def test_nightly_progress_counts_each_record_as_it_is_done_and_returns_the_one_summary(tmp_path):
    from cxnlp.batch.nightly import run_batch
    from cxnlp.runs import RunSummary

    src = _calls(tmp_path / "in.jsonl", 6)
    events: list[str] = []
    scorer = _tiny_scorer(events, batch_size=4, each=True)
    first = run_batch([src], tmp_path / "store", scorer=scorer, progress=lambda n: events.append(f"done {n}"))
    assert isinstance(first, RunSummary) and (first.read, first.scored, first.skipped) == (6, 6, 0)

    def batch(first: int, n: int) -> list[str]:
        return [f"scored {n}", *(e for i in range(first, first + n) for e in (f"scoring c{i}", "done 1"))]

    # Each transcript is counted right after its own scores, not a chunk ahead as it is read.
    assert events == [*batch(0, 4), *batch(4, 2)]
    events.clear()
    with open(src, "a", encoding="utf-8") as sink:
        sink.write('{"id": "no-turns"}\n')
    again = run_batch([src], tmp_path / "store", scorer=scorer, progress=lambda n: events.append(f"done {n}"))
    assert (again.read, again.scored, again.skipped, again.rejected) == (7, 0, 6, 1)
    assert events == ["done 1"] * 7  # nothing scored, every record skipped or rejected still counted
    assert "skipped 6" in again.line() and again.run_id in again.line()
    runs = ResultStore(tmp_path / "store").runs()
    assert [r.status for r in runs] == ["complete", "complete"]
    assert runs[-1].counts == {"read": 7, "scored": 0, "rejected": 1, "skipped": 6}
    assert runs[-1].input_files == [str(src.resolve())]


def test_manifests_keep_the_json_form_old_readers_expect(tmp_path):
    store = ResultStore(tmp_path / "store").init()
    old = {"run_id": "20250101T000000000000Z-aaaaaa", "status": "complete", "inputs": ["in/"]}
    (store.manifest_dir / f"{old['run_id']}.json").write_text(json.dumps(old), encoding="utf-8")
    (record,) = store.manifests()
    # A record from before input_files was kept says nothing about it (readers use inputs).
    assert record["input_files"] is None and record["inputs"] == ["in/"]
    assert store.runs()[0].run_id == old["run_id"]


@pytest.mark.parametrize("name", ["out", "out.parquet", "out.csv", "out.jsonl"])
def test_write_frame_is_read_back_by_read_frame(tmp_path, name):
    from cxnlp.io import read_frame, write_frame

    frame = pd.DataFrame({"transcript_id": ["007", "8"], "score": [1.5, 2.0]})
    path = write_frame(frame, tmp_path / name)
    back = read_frame(path)
    assert list(back["transcript_id"]) == ["007", "8"]
    assert list(back["score"]) == [1.5, 2.0]


def test_write_frame_refuses_an_unknown_ending_and_writes_nothing(tmp_path):
    from cxnlp.io import write_frame

    with pytest.raises(ValueError, match="extension"):
        write_frame(pd.DataFrame({"a": [1]}), tmp_path / "out.txt")
    assert not list(tmp_path.iterdir())

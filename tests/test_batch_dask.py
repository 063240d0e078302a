"""The Dask engine: a LocalCluster of two workers gives the same numbers as the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cxnlp.batch.engines import make_engine
from cxnlp.batch.nightly import run_batch
from cxnlp.batch.store import latest_results, list_runs
from cxnlp.scoring import DIMENSION_COLUMNS, Scorer

pytest.importorskip(
    "distributed", reason="engine 'dask' needs the 'distributed' package (pip install distributed)"
)

pytestmark = pytest.mark.slow

SCORE_COLUMNS = ["transcript_id", "content_hash", *DIMENSION_COLUMNS, "interaction_score"]
TURNS = [
    ("customer", "Hi, my bill doubled this month. Why?"),
    (
        "agent",
        "I'm sorry about that. A promotional discount ended on the 1st; "
        "I've applied a loyalty credit of $10 a month for a year.",
    ),
    ("customer", "Can I also change my payment date?"),
    ("agent", "Um, so, yeah, basically, I think, like, maybe you can do that online."),
]


def _records(n: int) -> list[dict]:
    out = []
    for i in range(n):
        turns = [{"speaker": s, "text": t} for s, t in TURNS[: 2 + 2 * (i % 2)]]
        turns[1]["text"] += f" Your reference number is {1000 + i}."
        out.append({"id": f"d{i:03d}", "turns": turns, "team": f"team{i % 3}"})
    return out


@pytest.fixture
def inputs(tmp_path) -> Path:
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records(14)), encoding="utf-8")
    return path


def _scores(store: Path) -> pd.DataFrame:
    return latest_results(store)[SCORE_COLUMNS].reset_index(drop=True)


def test_dask_local_cluster_matches_local_engine(parser, inputs, tmp_path):
    scorer = Scorer(parser=parser, batch_size=16)
    local = run_batch(inputs, tmp_path / "local", scorer=scorer, commit_every=4, threads=1)
    dask = run_batch(
        inputs, tmp_path / "dask", scorer=scorer, engine="dask", workers=2, commit_every=4, threads=1
    )
    assert (local.scored, dask.scored) == (14, 14)
    assert list_runs(tmp_path / "dask")[["engine", "workers"]].values.tolist() == [["dask", 2]]
    assert local.config_id == dask.config_id  # the engine is not part of the configuration
    pd.testing.assert_frame_equal(_scores(tmp_path / "local"), _scores(tmp_path / "dask"))
    # and a rerun on Dask skips everything, like any other
    again = run_batch(inputs, tmp_path / "dask", scorer=scorer, engine="dask", workers=2)
    assert (again.scored, again.skipped) == (0, 14)


def test_dask_engine_must_be_entered_before_use(parser):
    engine = make_engine("dask", Scorer(parser=parser), config_id="x", workers=1)
    assert engine.name == "dask"
    with pytest.raises(RuntimeError, match="outside its 'with' block"):
        next(engine.map_chunks([[]]))

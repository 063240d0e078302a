"""Smoke test of the STC-3 calibration benchmark's functions on a few real dialogues.

The benchmark itself is run by hand; this checks that its pieces fit together (score
table → targets → shared folds → calibrated and bag-of-words predictions → nugget
alignment) and that its reliability and majority-label helpers compute what they claim.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_calibration_stc3.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_calibration_stc3", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH.parent))  # the script imports benchmarks/common.py, as when run
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH.parent))
    return module


def synthetic_labels(noise: float, n_items: int = 300, n_raters: int = 19) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    truth = rng.normal(size=n_items)
    rows = [(str(i), r, truth[i] + noise * rng.normal()) for i in range(n_items) for r in range(n_raters)]
    return pd.DataFrame(rows, columns=["transcript_id", "rater", "S"])


def test_split_half_reliability_falls_with_rater_noise(bench):
    clean = bench.split_half_reliability(synthetic_labels(0.1), "S", n_splits=5)
    noisy = bench.split_half_reliability(synthetic_labels(3.0), "S", n_splits=5)
    assert clean > noisy
    assert 0.0 < noisy < clean <= 1.0


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["HNaN", "HNaN", "HNUG"], "HNaN"),
        (["HNUG", "HNUG*", "HNUG*"], "HNUG*"),
        (["HNUG"], "HNUG"),
    ],
)
def test_majority_nugget(bench, labels, expected):
    frame = pd.DataFrame(
        {
            "transcript_id": "d",
            "rater": range(len(labels)),
            "turn_index": 1,
            "sender": "helpdesk",
            "nugget": labels,
        }
    )
    out = bench.majority_nuggets(frame)
    assert out["nugget"].tolist() == [expected]
    assert out["share"].iloc[0] == pytest.approx(labels.count(expected) / len(labels))


@pytest.mark.slow  # about 5 min on a loaded 2-core machine
def test_benchmark_runs_end_to_end_on_a_few_dialogues(bench, parser, shared_data, tmp_path):
    from cxnlp.ingest.stc3 import stc3_labels, stc3_nuggets
    from cxnlp.scoring import Scorer

    path = shared_data / "stc3-dch1-en" / "train_data_en.json"
    transcripts = bench.load_transcripts(path, limit=40)
    cache = tmp_path / "scores.parquet"
    scores = bench.cached_scores(transcripts, cache=cache, data_path=path, scorer=Scorer(parser=parser))
    assert cache.is_file() and (tmp_path / ".gitignore").is_file()
    ids = {t.id for t in transcripts}
    labels = stc3_labels(path)
    nuggets = stc3_nuggets(path)
    report = bench.evaluate(
        scores,
        transcripts,
        labels[labels["transcript_id"].isin(ids)],
        nuggets[nuggets["transcript_id"].isin(ids)],
        n_boot=20,
        n_folds=3,
        nested=False,
        parser=parser,
    )
    table = pd.DataFrame(report["results"])
    assert set(table["target"]) == set(bench.TARGETS)
    assert table.groupby("target")["method"].nunique().min() == len(report["feature_sets"]) + 2
    assert set(bench.OUTCOME_FEATURES) <= set(report["feature_sets"]["cxnlp + outcome features"])
    for row in report["results"]:
        rho = row["spearman"][0]
        assert math.isnan(rho) or -1.0 <= rho <= 1.0
    for metrics in report["nuggets"].values():
        assert 0.0 <= metrics["precision"] <= 1.0 and 0.0 <= metrics["recall"] <= 1.0
    assert "S" in bench.format_table(report["results"]).split()
    assert bench.SENTENCES in report["feature_sets"] and report["term_shares"]
    for shares in report["term_shares"].values():
        assert sum(shares.values()) == pytest.approx(1.0, abs=1e-2)
        assert "customer_closing" in shares and "interpretable features" in shares
    assert len(report["sentence_nuggets"]) == 6
    for metrics in report["sentence_nuggets"].values():
        assert metrics["auc"] is None or 0.0 <= metrics["auc"] <= 1.0

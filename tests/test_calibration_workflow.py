"""The calibration job: fit per target, honest agreement, safe files, applying a calibration."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxnlp.calibration.workflow import apply_calibration, calibrate, load_calibration, merge_labels


def _scores(n=160, seed=0):
    rng = np.random.default_rng(seed)
    completeness = rng.uniform(20, 100, n)
    filler = rng.uniform(0, 30, n)
    return pd.DataFrame(
        {
            "transcript_id": [f"T{i:04d}" for i in range(n)],
            "team": rng.choice(["North", "South"], n),
            "brand_congruence": rng.uniform(40, 90, n),
            "answer_completeness": completeness,
            "proactive_connection": rng.uniform(0, 100, n),
            "filler_content": filler,
            "interaction_score": 0.6 * completeness + 0.4 * (100 - 2.5 * filler).clip(0),
            "f_answer_completeness__open_share": 1 - completeness / 100,
        }
    )


def _labels(scores, seed=1):
    rng = np.random.default_rng(seed)
    truth = 0.8 * scores["answer_completeness"] - 0.6 * scores["filler_content"] + 20
    rows = []
    for tid, value in zip(scores["transcript_id"], truth, strict=True):
        for evaluator in range(1 + int(rng.random() < 0.4)):
            rows.append(
                {
                    "transcript_id": tid,
                    "evaluator_id": f"E{evaluator}",
                    "rubric_score": float(np.clip(round(value + rng.normal(0, 5)), 0, 100)),
                }
            )
    return pd.DataFrame(rows)


def test_calibrate_writes_safe_files_and_honest_agreement(tmp_path):
    scores = _scores()
    labels = _labels(scores)
    results = calibrate(scores, [labels], targets=["rubric_score"], out_dir=tmp_path, n_boot=50)
    agreement = results["rubric_score"].agreement
    r = agreement[(agreement.comparison == "machine-mean") & (agreement.metric == "pearson")]["value"].item()
    assert r > 0.8, "a learnable relation must be recovered out of fold"
    hh = agreement[(agreement.comparison == "human-human") & (agreement.metric == "pearson")]
    assert len(hh) == 1, "transcripts with two evaluators give a human-human row"
    for name in ("rubric_score.json", "rubric_score.md", "agreement.csv", "calibration.json"):
        assert (tmp_path / name).is_file(), name
    doc = json.loads((tmp_path / "rubric_score.json").read_text())
    assert doc["target"] == "rubric_score"
    loaded = load_calibration(tmp_path)
    applied = apply_calibration(scores, loaded)
    assert applied["rubric_score_pred"].between(0, 100).all()
    assert (applied["rubric_score_pred_low"] <= applied["rubric_score_pred"] + 1e-9).all()
    assert (applied["rubric_score_pred"] <= applied["rubric_score_pred_high"] + 1e-9).all()


def test_out_of_fold_agreement_is_lower_on_noise_than_in_sample(tmp_path):
    """On labels unrelated to the scores, honest (out-of-fold) correlation stays near zero."""
    scores = _scores(seed=3)
    rng = np.random.default_rng(4)
    labels = pd.DataFrame(
        {
            "transcript_id": scores["transcript_id"],
            "rubric_score": rng.integers(0, 101, len(scores)).astype(float),
        }
    )
    agreement = calibrate(scores, [labels], targets=["rubric_score"], n_boot=50)["rubric_score"].agreement
    r = agreement[(agreement.comparison == "machine-mean") & (agreement.metric == "pearson")]["value"].item()
    assert r < 0.3


def test_unknown_ids_missing_columns_and_scales_are_named():
    scores = _scores(40)
    labels = _labels(scores)
    stray = pd.concat([labels, pd.DataFrame({"transcript_id": ["NOPE"], "rubric_score": [50.0]})])
    with pytest.raises(ValueError, match="NOPE"):
        calibrate(scores, [stray], targets=["rubric_score"], n_boot=10)
    with pytest.raises(ValueError, match="survey_rating"):
        calibrate(scores, [labels], targets=["survey_rating"], n_boot=10)
    with pytest.raises(ValueError, match="transcript_id"):
        merge_labels([labels.rename(columns={"transcript_id": "call"})])
    off_scale = labels.assign(rubric_score=labels["rubric_score"] * 3)
    with pytest.raises(ValueError, match="rubric_score"):
        calibrate(scores, [off_scale], targets=["rubric_score"], scales={"rubric_score": "0-100"}, n_boot=10)


def test_load_calibration_refuses_a_foreign_directory(tmp_path):
    with pytest.raises(ValueError, match="calibration.json"):
        load_calibration(tmp_path)


def test_calibrate_reports_each_stage_of_each_target_in_order(tmp_path):
    scores = _scores()
    labels = _labels(scores).assign(survey_rating=lambda f: (f["rubric_score"] // 21 + 1).clip(1, 5))
    stages: list[str] = []
    calibrate(
        scores,
        [labels],
        targets=["rubric_score", "survey_rating"],
        out_dir=tmp_path,
        scales={"survey_rating": "1-5"},
        n_boot=10,
        progress=stages.append,
    )
    assert [s.split(":")[0] for s in stages[:3]] == ["rubric_score"] * 3
    assert [s.split(":")[0] for s in stages[3:6]] == ["survey_rating"] * 3
    assert "10 bootstrap replicates" in stages[2]
    assert stages[-1] == "writing calibrators and model cards" and len(stages) == 7

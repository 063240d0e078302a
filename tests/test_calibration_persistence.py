"""Saving calibrators as JSON (never pickle), loading them back, model cards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxnlp.calibration.estimators import MonotoneCalibrator, ScoreCalibrator
from cxnlp.calibration.persistence import (
    SCHEMA_VERSION,
    calibration_to_dict,
    load_calibrator,
    save_calibrator,
    write_model_card,
)
from cxnlp.calibration.scales import parse_scale

FEATURES = ["brand_congruence", "interaction_score", "f_filler_content__repetition_share"]


def _data(seed: int, n: int = 200, *, discrete: bool = False):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(0, 100, size=(n, len(FEATURES))), columns=FEATURES)
    X.iloc[::7, 0] = np.nan  # a dimension that sometimes does not apply
    latent = 0.6 * X["interaction_score"] + 0.2 * X["brand_congruence"].fillna(50)
    y = np.clip(latent + rng.normal(0, 8, n), 0, 100)
    if discrete:
        y = np.clip(np.round(y / 20), 1, 5)
    groups = np.array([f"t{i // 2}" for i in range(n)])  # two ratings per transcript
    return X, np.asarray(y, dtype=float), groups


CASES = {
    "ridge+isotonic": (ScoreCalibrator(scale="0-100"), False),
    "ridge": (ScoreCalibrator(isotonic=False), False),
    "ordinal": (ScoreCalibrator(scale="1-5", ordinal=True), True),
    "monotone-up": (MonotoneCalibrator(feature="interaction_score"), False),
    "monotone-down": (MonotoneCalibrator(feature="brand_congruence", increasing=False), False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_round_trip_gives_identical_predictions(case: str, tmp_path: Path) -> None:
    est, discrete = CASES[case]
    X, y, groups = _data(1, discrete=discrete)
    est.fit(X, y, groups=groups)
    path = save_calibrator(tmp_path / "cal.json", est, target="rubric_score")
    loaded = load_calibrator(path)
    X_new, _, _ = _data(2, discrete=discrete)
    np.testing.assert_allclose(loaded.predict(X_new), est.predict(X_new), rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        loaded.predict_interval(X_new, alpha=0.2),
        est.predict_interval(X_new, alpha=0.2),
        rtol=0,
        atol=1e-9,
    )
    assert type(loaded.estimator) is type(est)
    assert loaded.estimator.get_params() == est.get_params()
    assert loaded.features == FEATURES


def test_file_is_plain_standard_json_with_provenance(tmp_path: Path) -> None:
    X, y, groups = _data(3, discrete=True)
    est = ScoreCalibrator(scale="1-5", ordinal=True).fit(X, y, groups=groups)
    path = save_calibrator(
        tmp_path / "cal.json",
        est,
        target="survey_rating",
        training_summary={"n_rows": len(y), "label_file": "sample_surveys.csv"},
        fitted_at="2025-01-02T03:04:05+00:00",
    )

    def no_constants(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    doc = json.loads(path.read_text(), parse_constant=no_constants)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["target"] == "survey_rating"
    assert doc["scale"]["name"] == "1-5"
    assert doc["features"] == FEATURES
    assert doc["training"]["label_file"] == "sample_surveys.csv"
    assert doc["fitted_at"] == "2025-01-02T03:04:05+00:00"
    assert {r["metric"] for r in doc["cv_agreement"]} >= {"rmse", "pearson", "qwk"}
    assert set(doc["estimator"]["fitted"]) >= {"coef_", "mean_", "thresholds_", "oof_residuals_"}
    loaded = load_calibrator(path)
    assert loaded.scale == parse_scale("1-5")
    assert loaded.metadata["training"]["n_rows"] == len(y)


def test_predict_accepts_a_whole_score_table_in_any_column_order(tmp_path: Path) -> None:
    X, y, groups = _data(4)
    est = ScoreCalibrator().fit(X, y, groups=groups)
    loaded = load_calibrator(save_calibrator(tmp_path / "c.json", est, target="rubric_score"))
    table = X[FEATURES[::-1]].assign(transcript_id=[f"t{i}" for i in range(len(X))], team="A")
    np.testing.assert_allclose(loaded.predict(table), est.predict(X), atol=1e-12)


def test_missing_features_are_refused_with_the_fix(tmp_path: Path) -> None:
    X, y, groups = _data(5)
    est = ScoreCalibrator().fit(X, y, groups=groups)
    loaded = load_calibrator(save_calibrator(tmp_path / "c.json", est, target="rubric_score"))
    with pytest.raises(ValueError) as info:
        loaded.predict(X.drop(columns=["f_filler_content__repetition_share"]))
    message = str(info.value)
    assert "calibrator 'rubric_score' was fitted on features" in message
    assert "missing: ['f_filler_content__repetition_share']" in message
    assert "Re-run cxnlp score with the same version or refit" in message


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(schema_version=SCHEMA_VERSION + 1), "schema version"),
        (lambda d: d.update(schema="something.else"), "schema"),
        (lambda d: d["estimator"].update(type="os.system"), "estimator type 'os.system'"),
        (lambda d: d["estimator"]["fitted"].pop("coef_"), "coef_"),
        (lambda d: d["estimator"]["fitted"].update(__reduce__=1), "unknown fields"),
    ],
    ids=["future-version", "other-schema", "unknown-type", "damaged", "extra-field"],
)
def test_incompatible_or_tampered_files_are_refused(edit, message: str, tmp_path: Path) -> None:
    X, y, groups = _data(6)
    est = ScoreCalibrator().fit(X, y, groups=groups)
    doc = calibration_to_dict(est, target="rubric_score")
    edit(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=message):
        load_calibrator(path)


def test_non_json_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pickle.json"
    path.write_bytes(b"\x80\x04\x95not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_calibrator(path)


def test_array_fitted_or_foreign_estimators_cannot_be_saved(tmp_path: Path) -> None:
    X, y, groups = _data(7)
    est = ScoreCalibrator().fit(X.to_numpy(), y, groups=groups)
    with pytest.raises(ValueError, match="fitted on a DataFrame"):
        save_calibrator(tmp_path / "c.json", est, target="rubric_score")
    from sklearn.linear_model import Ridge

    with pytest.raises(TypeError, match="ScoreCalibrator"):
        save_calibrator(tmp_path / "c.json", Ridge().fit(X.fillna(0), y), target="rubric_score")


def test_model_card_documents_data_features_and_cv_agreement(tmp_path: Path) -> None:
    X, y, groups = _data(8)
    est = ScoreCalibrator(scale="0-100").fit(X, y, groups=groups)
    cv_table = pd.DataFrame(
        {"candidate": ["ridge+isotonic"], "rmse": [est.cv_scores_["rmse"]], "selected": [True]}
    )
    path = save_calibrator(
        tmp_path / "c.json",
        est,
        target="rubric_score",
        training_summary={"n_transcripts": 100},
        cv_agreement=cv_table,
    )
    card = write_model_card(
        tmp_path / "card.md", load_calibrator(path), limitations=["Only English chats."]
    ).read_text()
    for heading in (
        "## Data",
        "## Features",
        "## Cross-validated agreement",
        "## Intended use",
        "## Limitations",
    ):
        assert heading in card
    assert all(f"`{f}`" in card for f in FEATURES)
    assert f"{est.cv_scores_['rmse']:.3f}" in card
    assert "n_transcripts: 100" in card
    assert "Only English chats." in card
    assert "0-100" in card

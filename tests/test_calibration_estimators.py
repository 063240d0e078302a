"""Calibration estimators: scikit-learn contract, monotone maps, ridge+isotonic, CV helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import KNeighborsRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from cxnlp.calibration import metrics
from cxnlp.calibration.estimators import (
    MonotoneCalibrator,
    ScoreCalibrator,
    calibration_features,
    cross_val_predictions,
    select_calibrator,
    training_frame,
)


@parametrize_with_checks(
    [
        ScoreCalibrator(),
        ScoreCalibrator(isotonic=False),
        ScoreCalibrator(ordinal=True),
        ScoreCalibrator(sentence_evidence=True),
        MonotoneCalibrator(feature=0),
        MonotoneCalibrator(feature=0, increasing=False),
    ],
    expected_failed_checks=lambda est: (
        {
            "check_regressor_data_not_an_array": (
                "a DataFrame without slot__* columns is refused with a message that says how to "
                "get them: sentence evidence must not silently fall back to a plain ridge"
            )
        }
        if getattr(est, "sentence_evidence", False)
        else {}
    ),
)
def test_sklearn_estimator_contract(estimator, check) -> None:
    check(estimator)


def _score_table(seed: int = 0, n: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    """A fake score table whose features relate to a latent quality, plus that quality."""
    rng = np.random.default_rng(seed)
    quality = rng.uniform(0, 1, size=n)
    table = pd.DataFrame(
        {
            "transcript_id": [f"t{i:04d}" for i in range(n)],
            "team": rng.choice(["A", "B"], size=n),
            "brand_congruence": 100 * quality + rng.normal(0, 15, n),
            "answer_completeness": 100 * quality + rng.normal(0, 15, n),
            "proactive_connection": np.where(
                rng.random(n) < 0.3, np.nan, 100 * quality + rng.normal(0, 25, n)
            ),
            "filler_content": 30 - 20 * quality + rng.normal(0, 5, n),
            "interaction_score": 100 * quality + rng.normal(0, 12, n),
            "f_answer_completeness__open_share": rng.uniform(0, 1, n),
        }
    )
    return table, quality


def _ratings(table: pd.DataFrame, quality: np.ndarray, seed: int, *, sd: float = 6.0):
    rng = np.random.default_rng(seed)
    rows = []
    for tid, q in zip(table["transcript_id"], quality, strict=True):
        for r in range(1 + int(rng.random() < 0.4)):
            score = float(np.clip(np.round(20 + 70 * q + rng.normal(0, sd)), 0, 100))
            rows.append({"transcript_id": tid, "evaluator_id": f"e{r}", "rubric_score": score})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- MonotoneCalibrator


@pytest.mark.parametrize("increasing", [True, False])
def test_monotone_calibrator_follows_the_declared_direction(increasing: bool) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 100, 200)
    y = (x if increasing else 100 - x) / 20 + 1 + rng.normal(0, 0.5, 200)
    y = np.clip(np.round(y), 1, 5)
    est = MonotoneCalibrator(increasing=increasing, scale="1-5").fit(x[:, None], y)
    grid = np.linspace(-50, 150, 101)[:, None]
    pred = est.predict(grid)
    steps = np.diff(pred)
    assert (steps >= -1e-12).all() if increasing else (steps <= 1e-12).all()
    assert pred.min() >= 1 and pred.max() <= 5
    fitted = est.predict(x[:, None])
    assert metrics.pearson(fitted, x) * (1 if increasing else -1) > 0.8
    assert metrics.pearson(fitted, y) > 0.8


def test_monotone_calibrator_maps_a_score_onto_a_human_scale() -> None:
    table, quality = _score_table(1)
    labels = _ratings(table, quality, 1)
    X, y, groups = training_frame(table, labels, target="rubric_score")
    est = MonotoneCalibrator(feature="interaction_score", scale="0-100").fit(X, y, groups)
    pred = est.predict(X)
    # calibrated onto the rubric's range (20-90), not the raw score's (roughly -20..120)
    assert abs(np.mean(pred) - np.mean(y)) < 1.0
    assert metrics.rmse(y, pred) < metrics.rmse(y, X["interaction_score"].to_numpy())


def test_monotone_calibrator_missing_score_gives_nan() -> None:
    x = np.array([[1.0], [2.0], [np.nan], [4.0], [5.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    est = MonotoneCalibrator().fit(x, y)
    pred = est.predict(np.array([[np.nan], [3.0]]))
    assert np.isnan(pred[0]) and pred[1] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("feature", "X", "message"),
    [
        (None, np.ones((5, 2)), "feature='interaction_score'"),
        ("interaction_score", np.ones((5, 2)), "no column names"),
        (3, np.ones((5, 2)), "valid column position"),
        (-1, np.ones((5, 1)), "'feature' parameter of MonotoneCalibrator"),
    ],
)
def test_monotone_calibrator_feature_errors(feature, X, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MonotoneCalibrator(feature=feature).fit(X + np.arange(5)[:, None], np.arange(5.0))


# --------------------------------------------------------------------------- ScoreCalibrator


def test_score_calibrator_uses_informative_features() -> None:
    table, quality = _score_table(2, n=400)
    labels = _ratings(table, quality, 2)
    X, y, groups = training_frame(table, labels, target="rubric_score")
    informative = cross_val_predictions(ScoreCalibrator(scale="0-100"), X, y, groups)
    noise_only = cross_val_predictions(
        ScoreCalibrator(scale="0-100"), X[["f_answer_completeness__open_share"]], y, groups
    )
    assert metrics.rmse(y, informative) < metrics.rmse(y, noise_only)
    assert metrics.pearson(y, informative) > metrics.pearson(y, noise_only)


def test_score_calibrator_clips_to_the_scale_and_imputes_missing_features() -> None:
    table, quality = _score_table(3)
    labels = _ratings(table, quality, 3)
    X, y, groups = training_frame(table, labels, target="rubric_score")
    est = ScoreCalibrator(scale="0-100", isotonic=False).fit(X, y, groups)
    extreme = X.iloc[:3].copy()
    extreme.loc[:, "interaction_score"] = [1e6, -1e6, np.nan]
    pred = est.predict(extreme)
    assert np.isfinite(pred).all()
    assert pred.max() <= 100 and pred.min() >= 0
    assert np.isin(pred[:2], [0.0, 100.0]).all()


def test_isotonic_post_calibration_fixes_a_nonlinear_link() -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(-3, 3, size=(600, 2))
    y = 100 / (1 + np.exp(-3 * x[:, 0]))  # steep S-curve of one feature
    y = np.clip(y + rng.normal(0, 3, 600), 0, 100)
    linear = cross_val_predictions(ScoreCalibrator(isotonic=False, scale="0-100"), x, y)
    curved = cross_val_predictions(ScoreCalibrator(isotonic=True, scale="0-100"), x, y)
    assert metrics.rmse(y, curved) < metrics.rmse(y, linear)


def test_grouped_fit_equals_the_fit_on_all_rating_rows() -> None:
    """Aggregating a transcript's ratings to a weighted mean changes nothing for squared loss."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(0, 0.5, 80)
    ids = np.arange(80)
    X2, y2 = np.vstack([X, X]), np.concatenate([y - 0.3, y + 0.3])
    grouped = ScoreCalibrator(alphas=(3.0,)).fit(X2, y2, groups=np.concatenate([ids, ids]))
    rows = ScoreCalibrator(alphas=(3.0,)).fit(X2, y2)
    np.testing.assert_allclose(grouped.coef_, rows.coef_, atol=1e-9)
    np.testing.assert_allclose(grouped.predict(X), rows.predict(X), atol=1e-9)
    assert grouped.n_train_items_ == 80 and grouped.n_train_rows_ == 160


@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_prediction_intervals_cover_new_ratings(alpha: float) -> None:
    rng = np.random.default_rng(6)
    X = rng.normal(size=(2400, 3))
    y = np.clip(50 + 10 * X[:, 0] + 5 * X[:, 1] + rng.normal(0, 8, 2400), 0, 100)
    est = ScoreCalibrator(scale="0-100").fit(X[:1200], y[:1200])
    interval = est.predict_interval(X[1200:], alpha=alpha)
    pred = est.predict(X[1200:])
    covered = np.mean((interval[:, 0] <= y[1200:]) & (y[1200:] <= interval[:, 1]))
    assert abs(covered - (1 - alpha)) < 0.05
    assert ((interval[:, 0] <= pred + 1e-9) & (pred <= interval[:, 1] + 1e-9)).all()


def test_wider_intervals_at_higher_confidence() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 2))
    y = 3 + X[:, 0] + rng.normal(0, 1, 300)
    est = ScoreCalibrator().fit(X, y)
    narrow = est.predict_interval(X[:20], alpha=0.5)
    wide = est.predict_interval(X[:20], alpha=0.05)
    assert (wide[:, 1] - wide[:, 0] >= narrow[:, 1] - narrow[:, 0]).all()
    with pytest.raises(ValueError, match="alpha"):
        est.predict_interval(X[:2], alpha=0.0)


def _five_point(seed: int, n: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    latent = X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.8, n)
    y = np.digitize(latent, np.quantile(latent, [0.1, 0.3, 0.7, 0.9])) + 1.0
    return X, y


def test_ordinal_predictions_are_levels_and_reach_the_end_categories() -> None:
    X, y = _five_point(8, 1600)
    ordinal = ScoreCalibrator(scale="1-5", ordinal=True).fit(X[:800], y[:800])
    continuous = ScoreCalibrator(scale="1-5").fit(X[:800], y[:800])
    pred = ordinal.predict(X[800:])
    assert set(np.unique(pred)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    naive = np.round(continuous.predict(X[800:]))
    extremes = np.isin(pred, [1, 5]).sum()
    assert extremes > np.isin(naive, [1, 5]).sum()
    # monotone in the continuous prediction
    order = np.argsort(ordinal._predict_continuous(X[800:]))
    assert (np.diff(pred[order]) >= 0).all()
    lo_hi = ordinal.predict_interval(X[800:], alpha=0.2)
    assert set(np.unique(lo_hi)) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_ordinal_needs_a_discrete_scale() -> None:
    X, y = _five_point(9, 100)
    with pytest.raises(ValueError, match="discrete scale"):
        ScoreCalibrator(scale="0-100", ordinal=True).fit(X, y)


def test_labels_outside_the_declared_scale_are_refused() -> None:
    X, y = _five_point(10, 50)
    with pytest.raises(ValueError, match="declared scale 0-10"):
        ScoreCalibrator(scale="0-10").fit(X, y * 3)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"alphas": ()}, "alphas"),
        ({"alphas": (1.0, -1.0)}, "alphas"),
        ({"cv": 1}, "cv"),
        ({"scale": "five"}, "scale"),
        ({"ordinal": "yes"}, "ordinal"),
    ],
)
def test_parameters_are_validated_with_one_message_format(params, name: str) -> None:
    X, y = _five_point(11, 30)
    with pytest.raises(ValueError, match=rf"The '{name}' parameter of ScoreCalibrator must be"):
        ScoreCalibrator(**params).fit(X, y)


# --------------------------------------------------------------------------- CV helpers


def test_group_folds_keep_a_transcript_on_one_side() -> None:
    """A 1-NN memoriser finds a transcript's twin row only if the folds leak it."""
    rng = np.random.default_rng(12)
    n = 150
    X_items = rng.normal(size=(n, 2))
    y_items = rng.normal(size=n)  # unrelated to X: only memorising can predict it
    X = np.vstack([X_items, X_items])
    y = np.concatenate([y_items, y_items])
    groups = np.concatenate([np.arange(n), np.arange(n)])
    knn = KNeighborsRegressor(n_neighbors=1)
    leaky = cross_val_predictions(knn, X, y, groups=None)
    grouped = cross_val_predictions(knn, X, y, groups=groups)
    assert metrics.pearson(y, leaky) > 0.5
    assert metrics.pearson(y, grouped) < metrics.pearson(y, leaky) - 0.4


def test_cross_val_predictions_fills_every_row_and_differs_from_in_sample() -> None:
    table, quality = _score_table(13)
    labels = _ratings(table, quality, 13)
    X, y, groups = training_frame(table, labels, target="rubric_score")
    oof = cross_val_predictions(ScoreCalibrator(), X, y, groups, cv=4)
    in_sample = ScoreCalibrator().fit(X, y, groups).predict(X)
    assert not np.isnan(oof).any()
    assert metrics.rmse(y, oof) > metrics.rmse(y, in_sample)


def test_select_calibrator_prefers_the_single_score_when_only_it_matters() -> None:
    rng = np.random.default_rng(14)
    n = 400
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f_noise__{i}" for i in range(6)])
    X["interaction_score"] = rng.uniform(0, 100, n)
    y = np.where(X["interaction_score"] > 50, 80.0, 30.0) + rng.normal(0, 3, n)  # a step
    y = np.clip(y, 0, 100)
    chosen, table = select_calibrator(X, y, scale="0-100")
    assert table.loc[table.selected, "candidate"].item() == "isotonic(interaction_score)"
    assert isinstance(chosen, MonotoneCalibrator)
    check_is_fitted(chosen)


def test_select_calibrator_prefers_the_combination_when_many_features_matter() -> None:
    table, quality = _score_table(15, n=400)
    labels = _ratings(table, quality, 15, sd=3.0)
    X, y, groups = training_frame(table, labels, target="rubric_score")
    chosen, cv_table = select_calibrator(X, y, groups, scale="0-100", scoring="pearson")
    assert cv_table["selected"].sum() == 1
    best = cv_table.loc[cv_table.selected, "candidate"].item()
    assert best in {"ridge", "ridge+isotonic"}
    single = cv_table.set_index("candidate").loc["isotonic(interaction_score)", "pearson"]
    assert cv_table["pearson"].max() > single
    assert isinstance(chosen, ScoreCalibrator)
    assert {"rmse", "mae", "pearson", "spearman", "qwk", "n_nan_filled"} <= set(cv_table)


def test_select_calibrator_rejects_unknown_scoring() -> None:
    X, y = _five_point(16, 40)
    with pytest.raises(ValueError, match="scoring"):
        select_calibrator(X, y, scoring="r2")


# --------------------------------------------------------------------------- data joining


def test_training_frame_keeps_every_rating_row_with_its_transcript() -> None:
    table, quality = _score_table(17, n=30)
    labels = _ratings(table, quality, 17)
    X, y, groups = training_frame(table, labels, target="rubric_score")
    assert len(X) == len(y) == len(groups) == len(labels)
    assert list(X.columns) == calibration_features(table)
    first = labels.iloc[0]
    row = table.set_index("transcript_id").loc[first.transcript_id]
    assert X.iloc[0]["interaction_score"] == row["interaction_score"]
    assert "team" not in X.columns and "transcript_id" not in X.columns


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s, lab: (s, lab.assign(transcript_id="ghost")), "ghost"),
        (lambda s, lab: (s, lab.drop(columns="rubric_score")), "labels table.*rubric_score"),
        (lambda s, lab: (pd.concat([s, s.iloc[:1]]), lab), "repeated ids"),
    ],
    ids=["unknown-id", "missing-target", "duplicate-score-row"],
)
def test_training_frame_errors(mutate, message: str) -> None:
    table, quality = _score_table(18, n=20)
    labels = _ratings(table, quality, 18)
    scores, labels = mutate(table, labels)
    with pytest.raises(ValueError, match=message):
        training_frame(scores, labels, target="rubric_score")

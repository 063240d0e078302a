"""Calibrate transcript scores onto a human QA scale, as scikit-learn estimators.

Three estimators and the helpers that compare them honestly:

- :class:`MonotoneCalibrator` maps *one* score (a dimension or the interaction score)
  onto the human scale with isotonic regression, so "higher brand congruence" keeps
  meaning "higher rubric score" after calibration.
- :class:`ScoreCalibrator` combines many features (dimension scores, interaction score,
  interpretable sub-features): standardise → ridge (alpha by leave-one-item-out
  cross-validation over a declared grid) → isotonic post-calibration → clip to the scale,
  with optional ordinal rounding and prediction intervals from out-of-fold residuals.
- :class:`LogisticCalibrator` predicts the probability of a binary business outcome
  (repurchase, churn, recontact, sale) from the same features: standardise → L2 logistic
  regression, the penalty chosen by cross-validated log loss.
- :func:`select_calibrator` chooses between candidates by cross-validated agreement and
  :func:`cross_val_predictions` gives the out-of-fold predictions every reported number
  must come from (never in-sample).

Several human ratings per transcript
------------------------------------
Training uses *every* rating row (one row per evaluator), with ``groups`` = transcript
id. Internally rows are aggregated to item means weighted by their number of ratings,
which for squared loss (ridge, isotonic) gives exactly the same fit as using all rows,
while letting the alpha search leave out whole items. Out-of-fold splits are
:class:`~cxnlp.calibration.model_selection.ItemKFold` by transcript id, so no transcript is
ever on both sides of a split.
Residuals for intervals are per rating row, so an interval covers what *one* evaluator
would give.
"""

from __future__ import annotations

import inspect
import logging
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from cxnlp.calibration import metrics
from cxnlp.calibration.model_selection import fold_indices
from cxnlp.calibration.scales import Scale, as_scale
from cxnlp.schema import DIMENSION_COLUMNS, SCORE_COLUMNS
from cxnlp.slots import SLOT_COLUMN, expand_slot_vectors, has_slot_columns, is_slot_column

__all__ = [
    "DIMENSION_COLUMNS",
    "LogisticCalibrator",
    "MonotoneCalibrator",
    "ScoreCalibrator",
    "calibration_features",
    "cross_val_predictions",
    "select_calibrator",
    "sentence_calibrator",
    "training_frame",
    "with_slot_columns",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

DEFAULT_ALPHAS: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
#: Grid for calibrators that also read the 5 x 384 slot-embedding columns: with ~2,000
#: standardised columns the useful penalty sits two to three decades higher.
SENTENCE_ALPHAS: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0)
SCORINGS: dict[str, bool] = {  # name -> higher is better
    "rmse": False,
    "mae": False,
    "pearson": True,
    "spearman": True,
    "qwk": True,
}


# --------------------------------------------------------------------------- validation


def _is_scale(value: object) -> bool:
    if value is None or isinstance(value, Scale):
        return True
    if isinstance(value, str):
        try:
            as_scale(value)
        except ValueError:
            return False
        return True
    return False


def _is_alphas(value: object) -> bool:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        return False
    vals = list(value)
    return bool(vals) and all(isinstance(a, numbers.Real) and not isinstance(a, bool) and a > 0 for a in vals)


def _is_cv(value: object) -> bool:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value) >= 2
    return hasattr(value, "split")


def _is_random_state(value: object) -> bool:
    return value is None or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _is_bool(value: object) -> bool:
    return isinstance(value, bool | np.bool_)


def _is_feature(value: object) -> bool:
    if value is None or isinstance(value, str):
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


Constraint = tuple[Callable[[object], bool], str]


def _validate_params(est: BaseEstimator, constraints: Mapping[str, Constraint]) -> None:
    """Check every parameter against its declared constraint, one message format for all."""
    for name, (ok, expected) in constraints.items():
        value = getattr(est, name)
        if not ok(value):
            raise ValueError(
                f"The {name!r} parameter of {type(est).__name__} must be {expected}. Got {value!r} instead."
            )


# --------------------------------------------------------------------------- shared helpers


def _groups_array(groups: ArrayLike | None, n: int) -> NDArray[Any] | None:
    if groups is None:
        return None
    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n:
        raise ValueError(f"Got groups of shape {g.shape}; expected one transcript id per row ({n} rows).")
    if pd.isna(g).any():
        raise ValueError("Got missing values in groups; expected a transcript id on every row.")
    return g


def _aggregate(
    X: FloatArray, y: FloatArray, groups: NDArray[Any] | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Item-level means of X and y with the number of rating rows as weight."""
    if groups is None:
        return X, y, np.ones_like(y)
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    n_items = counts.size
    y_sum = np.bincount(inverse, weights=y, minlength=n_items)
    X_items = np.empty((n_items, X.shape[1]))
    finite = ~np.isnan(X)
    for j in range(X.shape[1]):
        s = np.bincount(inverse, weights=np.where(finite[:, j], X[:, j], 0.0), minlength=n_items)
        c = np.bincount(inverse, weights=finite[:, j].astype(float), minlength=n_items)
        with np.errstate(invalid="ignore", divide="ignore"):
            X_items[:, j] = np.where(c > 0, s / np.where(c > 0, c, 1.0), np.nan)
    return X_items, y_sum / counts, counts.astype(float)


def _isotonic(x: FloatArray, y: FloatArray, w: FloatArray, increasing: bool) -> tuple[FloatArray, FloatArray]:
    """Fit isotonic regression and keep only its thresholds (predict = np.interp on them)."""
    iso = IsotonicRegression(increasing=increasing, out_of_bounds="clip")
    iso.fit(x, y, sample_weight=w)
    return np.asarray(iso.X_thresholds_, dtype=float), np.asarray(iso.y_thresholds_, dtype=float)


def _interp(x: FloatArray, xt: FloatArray, yt: FloatArray) -> FloatArray:
    """Piecewise-linear isotonic prediction, constant beyond the training range; NaN → NaN."""
    out = np.interp(x, xt, yt)
    return np.where(np.isnan(x), np.nan, out)


def _equipercentile_thresholds(oof: FloatArray, y: FloatArray, levels: FloatArray) -> FloatArray:
    """Cut points on out-of-fold predictions that reproduce the human level distribution."""
    ok = ~np.isnan(oof)
    oof, y = oof[ok], y[ok]
    nearest = np.abs(y[:, None] - levels[None, :]).argmin(axis=1)
    share_at_or_below = np.cumsum(np.bincount(nearest, minlength=levels.size))[:-1] / y.size
    thresholds = np.empty(levels.size - 1)
    for k, p in enumerate(share_at_or_below):
        if p <= 0.0:
            thresholds[k] = -np.inf
        elif p >= 1.0:
            thresholds[k] = np.inf
        else:
            thresholds[k] = np.quantile(oof, p)
    return thresholds


def _apply_thresholds(pred: FloatArray, thresholds: FloatArray, levels: FloatArray) -> FloatArray:
    idx = np.searchsorted(thresholds, pred, side="left")
    out = levels[np.minimum(idx, levels.size - 1)]
    return np.where(np.isnan(pred), np.nan, out)


def _agreement_summary(y: FloatArray, pred: FloatArray, scale: Scale | None) -> dict[str, float]:
    summary = {
        "rmse": metrics.rmse(y, pred),
        "mae": metrics.mae(y, pred),
        "pearson": metrics.pearson(y, pred),
        "spearman": metrics.spearman(y, pred),
    }
    if scale is not None:
        summary["qwk"] = metrics.quadratic_weighted_kappa(
            scale.to_steps(y),
            scale.to_steps(pred),
            min_rating=0,
            max_rating=scale.n_levels - 1,
        )
    return summary


def _fit_inputs(
    est: BaseEstimator, X: ArrayLike, y: ArrayLike, groups: ArrayLike | None
) -> tuple[FloatArray, FloatArray, NDArray[Any] | None, Scale | None]:
    """What every calibrator's ``fit`` starts with: checked params, arrays, groups, scale."""
    _validate_params(est, est._constraints)
    X, y = validate_data(
        est,
        X,
        y,
        ensure_all_finite="allow-nan",
        y_numeric=True,
        dtype=np.float64,
        ensure_min_samples=2,
    )
    y = np.asarray(y, dtype=float)
    g = _groups_array(groups, y.size)
    scale = as_scale(est.scale)
    if scale is not None:
        scale.validate(y, column="y")
    return X, y, g, scale


class _IntervalMixin:
    """Prediction intervals from the out-of-fold residuals kept at fit time."""

    oof_residuals_: FloatArray
    y_min_: float
    y_max_: float

    def _predict_continuous(self, X: ArrayLike) -> FloatArray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _round_interval(self, lower: FloatArray, upper: FloatArray) -> tuple[FloatArray, FloatArray]:
        return lower, upper

    def predict_interval(self, X: ArrayLike, alpha: float = 0.1) -> FloatArray:
        """Lower and upper bounds ``(n, 2)`` that cover a human rating with prob. ~``1 - alpha``.

        Conformal-style: the signed out-of-fold residuals ``y - oof_pred`` collected during
        ``fit`` give the ``alpha/2`` and ``1 - alpha/2`` order statistics (with the
        ``(n + 1)`` finite-sample correction), added to the prediction and clipped to the
        scale. Coverage is approximate: the residuals come from the fold models, not the
        final one (as in CV+/jackknife+). Asymmetric residual quantiles keep the interval
        honest near the ends of the scale, where isotonic fits and clipping skew errors.
        """
        check_is_fitted(self)
        if not (0.0 < alpha < 1.0):
            raise ValueError(f"Got alpha={alpha}; expected a number in (0, 1), e.g. 0.1.")
        pred = self._predict_continuous(X)
        r = self.oof_residuals_
        n = r.size
        k_lo = math.floor((n + 1) * alpha / 2)
        k_hi = math.ceil((n + 1) * (1 - alpha / 2))
        q_lo = r[k_lo - 1] if k_lo >= 1 else -np.inf
        q_hi = r[k_hi - 1] if k_hi <= n else np.inf
        lower = np.clip(pred + q_lo, self.y_min_, self.y_max_)
        upper = np.clip(pred + q_hi, self.y_min_, self.y_max_)
        lower, upper = self._round_interval(lower, upper)
        return np.column_stack([lower, upper])


def _without_slots(X: ArrayLike) -> ArrayLike:
    """``X`` less its ``slot__*`` columns (a DataFrame), unchanged otherwise.

    Calibrators that do not read sentence evidence drop those columns *before*
    ``validate_data``, so their ``feature_names_in_`` (and a saved file's feature list)
    name only what they use, and applying them never needs ``slot_vectors``.
    """
    if isinstance(X, pd.DataFrame):
        slots = [c for c in X.columns if is_slot_column(c)]
        if slots:
            return X.drop(columns=slots)
    return X


def _feature_names(X: ArrayLike) -> list[str] | None:
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    return None


# --------------------------------------------------------------------------- estimators


class MonotoneCalibrator(_IntervalMixin, RegressorMixin, BaseEstimator):
    """Isotonic regression of one score onto the human scale.

    For calibrating a single dimension (or the interaction score) where the direction is
    known in advance: filler content is lower-is-better, so it is calibrated with
    ``increasing=False``. The fitted map is a step-wise linear function kept as plain
    thresholds, which is what makes it safe to save as JSON.

    Parameters
    ----------
    feature
        Which column of ``X`` to calibrate: a column name (needs a DataFrame), a
        position, or ``None`` when ``X`` has exactly one column.
    increasing
        Declared direction of the relation between the score and the human rating.
    scale
        Human rating scale (:class:`~cxnlp.calibration.scales.Scale` or ``"1-5"``).
        Predictions are clipped into it and training labels outside it are refused.
        ``None`` clips to the range of the training labels.
    cv
        Folds (or a splitter) for the out-of-fold residuals behind
        :meth:`predict_interval` and ``cv_scores_``.
    random_state
        Seed of the :class:`~cxnlp.calibration.model_selection.ItemKFold` folds.

    Attributes
    ----------
    feature_index_ : int
        Column position used.
    x_thresholds_, y_thresholds_ : ndarray
        The isotonic map (score → rating), interpolated linearly.
    y_min_, y_max_ : float
        Clip bounds.
    oof_residuals_ : ndarray
        Sorted out-of-fold residuals ``y - prediction``.
    cv_scores_ : dict
        Out-of-fold rmse, mae, pearson, spearman (and qwk when a scale is declared).

    Notes
    -----
    A missing (NaN) score gives a NaN prediction: a dimension that does not apply to a
    transcript has no calibrated value. Rows with a missing score are ignored in ``fit``.
    """

    _constraints: ClassVar[dict[str, Constraint]] = {
        "feature": (_is_feature, "a column name, a non-negative int or None"),
        "increasing": (_is_bool, "a bool"),
        "scale": (_is_scale, "a Scale, a scale spec such as '1-5', or None"),
        "cv": (_is_cv, "an int >= 2 or a cross-validation splitter"),
        "random_state": (_is_random_state, "an int or None"),
    }

    def __init__(
        self,
        *,
        feature: str | int | None = None,
        increasing: bool = True,
        scale: Scale | str | None = None,
        cv: int | Any = 5,
        random_state: int | None = 0,
    ) -> None:
        self.feature = feature
        self.increasing = increasing
        self.scale = scale
        self.cv = cv
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        # Uses one declared column only, so on generic multi-feature data it fits poorly.
        tags.regressor_tags.poor_score = True
        return tags

    def _resolve_feature(self) -> int:
        names = getattr(self, "feature_names_in_", None)
        if self.feature is None:
            if self.n_features_in_ != 1:
                raise ValueError(
                    f"Got X with {self.n_features_in_} columns and feature=None; expected one "
                    "column. Pass feature='interaction_score' (or a column position)."
                )
            return 0
        if isinstance(self.feature, str):
            if names is None or self.feature not in list(names):
                have = "no column names" if names is None else f"columns {list(names)}"
                raise ValueError(
                    f"Got feature={self.feature!r} but X has {have}; expected a DataFrame "
                    "with that column. Pass the score table's columns."
                )
            return int(list(names).index(self.feature))
        if int(self.feature) >= self.n_features_in_:
            raise ValueError(
                f"Got feature={self.feature} for X with {self.n_features_in_} columns; "
                "expected a valid column position."
            )
        return int(self.feature)

    def _fit_map(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        ok = ~np.isnan(x)
        return _isotonic(x[ok], y[ok], np.ones(int(ok.sum())), bool(self.increasing))

    def fit(self, X: ArrayLike, y: ArrayLike, groups: ArrayLike | None = None) -> MonotoneCalibrator:
        """Fit the isotonic map on all rating rows; ``groups`` only shape the CV folds."""
        X, y, g, scale = _fit_inputs(self, _without_slots(X), y, groups)
        self.feature_index_ = self._resolve_feature()
        x = X[:, self.feature_index_]
        if int((~np.isnan(x)).sum()) < 2:
            raise ValueError(
                f"Got {int((~np.isnan(x)).sum())} non-missing values in the calibrated "
                "column; expected at least 2 to fit an isotonic map."
            )
        self.y_min_ = float(scale.min if scale else y.min())
        self.y_max_ = float(scale.max if scale else y.max())
        self.x_thresholds_, self.y_thresholds_ = self._fit_map(x, y)
        oof = np.full(y.size, np.nan)
        for tr, te in fold_indices(y.size, g, self.cv, self.random_state):
            if int((~np.isnan(x[tr])).sum()) < 1:
                continue
            xt, yt = self._fit_map(x[tr], y[tr])
            oof[te] = np.clip(_interp(x[te], xt, yt), self.y_min_, self.y_max_)
        ok = ~np.isnan(oof)
        self.oof_residuals_ = np.sort(y[ok] - oof[ok])
        self.cv_scores_ = _agreement_summary(y, oof, scale)
        self.n_train_rows_ = int(y.size)
        self.n_train_items_ = int(y.size if g is None else len(np.unique(g)))
        return self

    def _predict_continuous(self, X: ArrayLike) -> FloatArray:
        check_is_fitted(self)
        X = validate_data(
            self, _without_slots(X), reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        x = X[:, self.feature_index_]
        return np.clip(_interp(x, self.x_thresholds_, self.y_thresholds_), self.y_min_, self.y_max_)

    def predict(self, X: ArrayLike) -> FloatArray:
        """Calibrated ratings, clipped to the scale; NaN where the score is missing."""
        return self._predict_continuous(X)


class ScoreCalibrator(_IntervalMixin, RegressorMixin, BaseEstimator):
    """Combine many transcript features into one calibrated human-scale score.

    Pipeline: impute missing features with their training mean, standardise, ridge
    regression with ``alpha`` chosen by efficient leave-one-item-out cross-validation
    over ``alphas``, then (``isotonic=True``) an increasing isotonic map of the ridge
    output onto the target, which fixes the compression of a linear fit near the ends of
    the scale without changing the ranking, and finally clipping to the scale.

    With ``sentence_evidence=True`` the ridge also reads the ``slot__*`` columns (the
    mean sentence embedding of each conversation slot, :mod:`cxnlp.slots`): it learns
    from the evaluators' ratings which things said where raise or lower a rating. The
    model stays additive, so :meth:`contributions` splits every prediction into one
    term per interpretable feature and one per slot, and
    :func:`cxnlp.calibration.explain.sentence_contributions` splits a slot's term into
    its sentences.

    Parameters
    ----------
    alphas
        The declared ridge penalty grid.
    isotonic
        Whether to post-calibrate the ridge output with isotonic regression.
    scale
        Target rating scale; predictions are clipped into it. Required for
        ``ordinal=True`` unless the labels' own distinct values are the levels.
    ordinal
        Round predictions to the scale's levels. Cut points are learned on out-of-fold
        predictions by *equipercentile matching*: they are set so that the share of
        out-of-fold predictions at or below each level equals the share of human ratings
        at or below it. We prefer this to nearest-step rounding (a regression towards
        the mean almost never reaches the end categories, so rounding would erase them and
        drive the standardised mean difference and kappa down) and to a cumulative-logit
        model (another fitted model with more parameters and no JSON-simple form). The
        price is a slightly higher squared error than nearest-step rounding when the
        features are weak.
    cv
        Folds (or a splitter) for the out-of-fold predictions behind the ordinal cut
        points, :meth:`predict_interval` and ``cv_scores_``. With ``groups`` in ``fit``
        the folds are :class:`~cxnlp.calibration.model_selection.ItemKFold` by transcript.
    random_state
        Seed of the :class:`~cxnlp.calibration.model_selection.ItemKFold` folds.
    sentence_evidence
        Read the ``slot__*`` columns of a DataFrame ``X`` (``False``: drop them before
        fitting, so the calibrator never needs them). Plain arrays are used whole.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Column names when fitted on a DataFrame (the ones used: without ``slot__*``
        columns unless ``sentence_evidence``).
    mean_, scale_ : ndarray
        Standardisation (mean also imputes missing values).
    alpha_ : float
        Chosen ridge penalty.
    coef_, intercept_ : ndarray, float
        Ridge coefficients on standardised features.
    x_thresholds_, y_thresholds_ : ndarray or None
        Isotonic map of the ridge output (``None`` when ``isotonic=False``).
    levels_, thresholds_ : ndarray or None
        Ordinal levels and cut points (``None`` unless ``ordinal=True``).
    y_min_, y_max_ : float
        Clip bounds.
    oof_residuals_ : ndarray
        Sorted out-of-fold residuals of the continuous prediction.
    cv_scores_ : dict
        Out-of-fold agreement (rmse, mae, pearson, spearman, and qwk with a scale). For
        ``ordinal=True`` the cut points were learned on these same out-of-fold
        predictions, so these numbers are slightly optimistic; use
        :func:`select_calibrator` or :func:`cross_val_predictions` for honest ones.
    """

    _constraints: ClassVar[dict[str, Constraint]] = {
        "alphas": (_is_alphas, "a non-empty sequence of positive numbers"),
        "isotonic": (_is_bool, "a bool"),
        "scale": (_is_scale, "a Scale, a scale spec such as '1-5', or None"),
        "ordinal": (_is_bool, "a bool"),
        "cv": (_is_cv, "an int >= 2 or a cross-validation splitter"),
        "random_state": (_is_random_state, "an int or None"),
        "sentence_evidence": (_is_bool, "a bool"),
    }

    def __init__(
        self,
        *,
        alphas: Sequence[float] = DEFAULT_ALPHAS,
        isotonic: bool = True,
        scale: Scale | str | None = None,
        ordinal: bool = False,
        cv: int | Any = 5,
        random_state: int | None = 0,
        sentence_evidence: bool = False,
    ) -> None:
        self.alphas = alphas
        self.isotonic = isotonic
        self.scale = scale
        self.ordinal = ordinal
        self.cv = cv
        self.random_state = random_state
        self.sentence_evidence = sentence_evidence

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # -- the core fit, shared by the final model and the fold models -----------------

    def _fit_core(self, X: FloatArray, y: FloatArray, groups: NDArray[Any] | None) -> dict[str, Any]:
        Xa, ya, w = _aggregate(X, y, groups)
        finite = ~np.isnan(Xa)
        wsum = (finite * w[:, None]).sum(axis=0)
        safe = np.where(wsum > 0, wsum, 1.0)
        mean = np.where(wsum > 0, (np.where(finite, Xa, 0.0) * w[:, None]).sum(axis=0) / safe, 0.0)
        var = (np.where(finite, Xa - mean, 0.0) ** 2 * w[:, None]).sum(axis=0) / safe
        sd = np.sqrt(var)
        sd = np.where((sd > 1e-12) & np.isfinite(sd), sd, 1.0)
        Z = np.where(finite, (Xa - mean) / sd, 0.0)
        alphas = np.asarray(self.alphas, dtype=float)
        if ya.size >= 3:
            ridge = RidgeCV(alphas=alphas).fit(Z, ya, sample_weight=w)
            alpha, coef, intercept = float(ridge.alpha_), ridge.coef_, float(ridge.intercept_)
        else:  # too few items for leave-one-out: the middle of the grid
            alpha = float(np.sort(alphas)[alphas.size // 2])
            coef = np.zeros(Z.shape[1])
            intercept = float(np.average(ya, weights=w))
        core: dict[str, Any] = {
            "mean": mean,
            "sd": sd,
            "alpha": alpha,
            "coef": np.asarray(coef, dtype=float),
            "intercept": intercept,
            "xt": None,
            "yt": None,
        }
        if self.isotonic:
            raw = Z @ core["coef"] + intercept
            core["xt"], core["yt"] = _isotonic(raw, ya, w, increasing=True)
        return core

    @staticmethod
    def _predict_core(core: Mapping[str, Any], X: FloatArray) -> FloatArray:
        Z = (X - core["mean"]) / core["sd"]
        Z = np.where(np.isnan(Z), 0.0, Z)
        raw = Z @ core["coef"] + core["intercept"]
        if core["xt"] is not None:
            raw = np.interp(raw, core["xt"], core["yt"])
        return raw

    # -- public API ------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike, groups: ArrayLike | None = None) -> ScoreCalibrator:
        """Fit on all rating rows; ``groups`` (transcript ids) keep items out of leaks.

        Parameters
        ----------
        X
            Features, ideally the score table's columns (a DataFrame keeps their names so
            a saved calibrator can check them at predict time). NaN is imputed.
        y
            Human ratings, one per row; several rows may share a transcript.
        groups
            Transcript id per row. Without it every row is its own item.
        """
        X, y, g, scale = _fit_inputs(self, self._columns(X), y, groups)
        if self.ordinal and scale is not None and not scale.discrete:
            raise ValueError(
                f"Got ordinal=True with the continuous scale {scale.name}; expected a discrete "
                "scale such as '1-5'. Declare the right scale or use ordinal=False."
            )
        self.y_min_ = float(scale.min if scale else y.min())
        self.y_max_ = float(scale.max if scale else y.max())

        core = self._fit_core(X, y, g)
        self.mean_, self.scale_ = core["mean"], core["sd"]
        self.alpha_, self.coef_, self.intercept_ = core["alpha"], core["coef"], core["intercept"]
        self.x_thresholds_, self.y_thresholds_ = core["xt"], core["yt"]

        oof = np.full(y.size, np.nan)
        for tr, te in fold_indices(y.size, g, self.cv, self.random_state):
            fold = self._fit_core(X[tr], y[tr], None if g is None else g[tr])
            oof[te] = np.clip(self._predict_core(fold, X[te]), self.y_min_, self.y_max_)
        ok = ~np.isnan(oof)
        self.oof_residuals_ = np.sort(y[ok] - oof[ok])

        self.levels_: FloatArray | None = None
        self.thresholds_: FloatArray | None = None
        final_oof = oof
        if self.ordinal:
            levels = scale.levels if scale is not None else np.unique(y)
            self.levels_ = np.asarray(levels, dtype=float)
            if ok.any():
                self.thresholds_ = _equipercentile_thresholds(oof, y, self.levels_)
            else:  # no folds: fall back to midpoints (nearest-level rounding)
                self.thresholds_ = (self.levels_[1:] + self.levels_[:-1]) / 2
            final_oof = _apply_thresholds(oof, self.thresholds_, self.levels_)
        self.cv_scores_ = _agreement_summary(y, final_oof, scale)
        self.n_train_rows_ = int(y.size)
        self.n_train_items_ = int(y.size if g is None else len(np.unique(g)))
        logger.debug("ScoreCalibrator fitted: alpha=%s, cv=%s", self.alpha_, self.cv_scores_)
        return self

    def _core(self) -> dict[str, Any]:
        return {
            "mean": self.mean_,
            "sd": self.scale_,
            "coef": self.coef_,
            "intercept": self.intercept_,
            "xt": self.x_thresholds_,
            "yt": self.y_thresholds_,
        }

    def _columns(self, X: ArrayLike) -> ArrayLike:
        """The part of ``X`` this calibrator reads (see ``sentence_evidence``)."""
        if not self.sentence_evidence:
            return _without_slots(X)
        if isinstance(X, pd.DataFrame) and not has_slot_columns(X.columns):
            raise ValueError(
                "Got sentence_evidence=True but X has no slot__* columns; expected the score "
                f"table's {SLOT_COLUMN!r} expanded (training_frame does it). Re-score with "
                "this version of cxnlp, or use sentence_evidence=False."
            )
        return X

    def _validated(self, X: ArrayLike) -> FloatArray:
        check_is_fitted(self)
        return validate_data(
            self, self._columns(X), reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )

    def _predict_continuous(self, X: ArrayLike) -> FloatArray:
        Xv = self._validated(X)  # first: it raises NotFittedError before _core() is read
        return np.clip(self._predict_core(self._core(), Xv), self.y_min_, self.y_max_)

    def contributions(self, X: ArrayLike) -> pd.DataFrame:
        """What each feature adds to the ridge output, per row (before the isotonic map).

        One column per feature used (``coef * standardised value``; an imputed missing
        value adds 0) and ``intercept``; each row sums to the ridge output, which the
        increasing isotonic map and the clip turn into :meth:`predict`'s number, so the
        terms explain both the prediction and its rank among transcripts. Target units.
        """
        Xv = self._validated(X)
        Z = (Xv - self.mean_) / self.scale_
        terms = np.where(np.isnan(Z), 0.0, Z) * self.coef_
        names = (
            [str(c) for c in self.feature_names_in_]
            if hasattr(self, "feature_names_in_")
            else [f"x{j}" for j in range(Xv.shape[1])]
        )
        frame = pd.DataFrame(terms, columns=names, index=X.index if isinstance(X, pd.DataFrame) else None)
        frame["intercept"] = self.intercept_
        return frame

    def _round_interval(self, lower: FloatArray, upper: FloatArray) -> tuple[FloatArray, FloatArray]:
        if self.levels_ is None:
            return lower, upper
        levels = self.levels_
        lo_idx = np.searchsorted(levels, lower - 1e-9, side="right") - 1
        hi_idx = np.searchsorted(levels, upper + 1e-9, side="left")
        lo = levels[np.clip(lo_idx, 0, levels.size - 1)]
        hi = levels[np.clip(hi_idx, 0, levels.size - 1)]
        return lo, hi

    def predict(self, X: ArrayLike) -> FloatArray:
        """Calibrated ratings on the target scale (levels of the scale when ``ordinal``)."""
        pred = self._predict_continuous(X)
        if self.levels_ is not None and self.thresholds_ is not None:
            return _apply_thresholds(pred, self.thresholds_, self.levels_)
        return pred


DEFAULT_CS: tuple[float, ...] = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)


def _standardise(X: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Column means (which also impute NaN), spreads (1 where constant) and the scaled X."""
    finite = ~np.isnan(X)
    counts = finite.sum(axis=0)
    safe = np.where(counts > 0, counts, 1)
    mean = np.where(counts > 0, np.where(finite, X, 0.0).sum(axis=0) / safe, 0.0)
    sd = np.sqrt((np.where(finite, X - mean, 0.0) ** 2).sum(axis=0) / safe)
    sd = np.where((sd > 1e-12) & np.isfinite(sd), sd, 1.0)
    return mean, sd, np.where(finite, (X - mean) / sd, 0.0)


def _logistic_fit(Z: FloatArray, y01: FloatArray, C: float) -> tuple[FloatArray, float]:
    """L2-penalised logistic coefficients; a one-class training set gives its base rate."""
    rate = float(np.clip(y01.mean(), metrics.PROBABILITY_EPS, 1 - metrics.PROBABILITY_EPS))
    if y01.min() == y01.max():
        return np.zeros(Z.shape[1]), math.log(rate / (1 - rate))
    model = LogisticRegression(C=C, max_iter=1000).fit(Z, y01)
    return np.asarray(model.coef_[0], dtype=float), float(model.intercept_[0])


class LogisticCalibrator(ClassifierMixin, BaseEstimator):
    """Probability of a binary business outcome (repurchase, churn, recontact, sale).

    Pipeline: impute missing features with their training mean, standardise, then
    L2-penalised logistic regression with the inverse penalty ``C`` chosen by
    cross-validated log loss over ``Cs`` (grouped by transcript when ``groups`` are
    given, like the other calibrators). What is learned is a handful of numbers (means,
    spreads, coefficients, intercept), so it saves as plain JSON like the others.

    Parameters
    ----------
    Cs
        The declared grid of inverse penalties (smaller: stronger shrinkage).
    cv
        Folds (or a splitter) for choosing ``C`` and for ``cv_scores_``.
    random_state
        Seed of the :class:`~cxnlp.calibration.model_selection.ItemKFold` folds.

    Attributes
    ----------
    classes_ : ndarray
        The two outcome values; ``predict_proba[:, 1]`` is the probability of the second.
    mean_, scale_ : ndarray
        Standardisation (mean also imputes missing values).
    C_ : float
        Chosen inverse penalty.
    coef_, intercept_ : ndarray, float
        Log-odds per standard deviation of each feature, and the intercept.
    cv_scores_ : dict
        Out-of-fold ``log_loss``, ``brier`` and ``auc`` at ``C_``.
    """

    _constraints: ClassVar[dict[str, Constraint]] = {
        "Cs": (_is_alphas, "a non-empty sequence of positive numbers"),
        "cv": (_is_cv, "an int >= 2 or a cross-validation splitter"),
        "random_state": (_is_random_state, "an int or None"),
    }

    def __init__(
        self,
        *,
        Cs: Sequence[float] = DEFAULT_CS,
        cv: int | Any = 5,
        random_state: int | None = 0,
    ) -> None:
        self.Cs = Cs
        self.cv = cv
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: ArrayLike, y: ArrayLike, groups: ArrayLike | None = None) -> LogisticCalibrator:
        """Choose ``C`` by out-of-fold log loss, then fit on all rows."""
        _validate_params(self, self._constraints)
        X, y = validate_data(
            self,
            _without_slots(X),
            y,
            ensure_all_finite="allow-nan",
            dtype=np.float64,
            ensure_min_samples=2,
        )
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size != 2:
            raise ValueError(
                f"Only binary classification is supported: got {classes.size} class(es) in y "
                f"({classes[:5].tolist()}); expected exactly two outcome classes, such as 0 and 1. "
                "Check the outcome column."
            )
        self.classes_ = classes
        y01 = (np.asarray(y) == classes[1]).astype(float)
        g = _groups_array(groups, y01.size)
        splits = fold_indices(y01.size, g, self.cv, self.random_state)
        losses = []
        for C in self.Cs:
            oof = self._oof(X, y01, splits, float(C))
            losses.append(metrics.log_loss(y01, oof) if not np.isnan(oof).all() else math.inf)
        self.C_ = float(list(self.Cs)[int(np.argmin(losses))])
        self.mean_, self.scale_, Z = _standardise(X)
        self.coef_, self.intercept_ = _logistic_fit(Z, y01, self.C_)
        oof = self._oof(X, y01, splits, self.C_)
        self.cv_scores_ = {
            "log_loss": metrics.log_loss(y01, oof),
            "brier": metrics.brier(y01, oof),
            "auc": metrics.auc(y01, oof),
        }
        self.n_train_rows_ = int(y01.size)
        self.n_train_items_ = int(y01.size if g is None else len(np.unique(g)))
        return self

    @staticmethod
    def _oof(X: FloatArray, y01: FloatArray, splits: Sequence[tuple[Any, Any]], C: float) -> FloatArray:
        oof = np.full(y01.size, np.nan)
        for tr, te in splits:
            mean, sd, Z = _standardise(X[tr])
            coef, intercept = _logistic_fit(Z, y01[tr], C)
            Zte = np.where(np.isnan(X[te]), 0.0, (X[te] - mean) / sd)
            oof[te] = 1.0 / (1.0 + np.exp(-(Zte @ coef + intercept)))
        return oof

    def decision_function(self, X: ArrayLike) -> FloatArray:
        """Log-odds of the second class."""
        check_is_fitted(self)
        Xv = validate_data(
            self, _without_slots(X), reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        Z = np.where(np.isnan(Xv), 0.0, (Xv - self.mean_) / self.scale_)
        return Z @ self.coef_ + self.intercept_

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """``(n, 2)`` probabilities of ``classes_[0]`` and ``classes_[1]``."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The more likely class of each row."""
        positive = self.decision_function(X) > 0  # first: it raises NotFittedError
        return self.classes_[positive.astype(int)]


# --------------------------------------------------------------------------- helpers


def _accepts_groups(estimator: BaseEstimator) -> bool:
    return "groups" in inspect.signature(estimator.fit).parameters


def _oof(
    estimator: BaseEstimator,
    X: Any,
    y: FloatArray,
    groups: NDArray[Any] | None,
    cv: int | Any,
    random_state: int | None,
    method: str = "predict",
) -> tuple[FloatArray, NDArray[np.intp]]:
    n = y.size
    oof = np.full(n, np.nan)
    fold_of = np.full(n, -1, dtype=np.intp)
    splits = fold_indices(n, groups, cv, random_state)
    if not splits:
        raise ValueError(
            "Got fewer than 2 distinct items; expected at least 2 to cross-validate. Label more transcripts."
        )
    for k, (tr, te) in enumerate(splits):
        est = clone(estimator)
        X_tr = X.iloc[tr] if isinstance(X, pd.DataFrame) else X[tr]
        X_te = X.iloc[te] if isinstance(X, pd.DataFrame) else X[te]
        if groups is not None and _accepts_groups(est):
            est.fit(X_tr, y[tr], groups=groups[tr])
        else:
            est.fit(X_tr, y[tr])
        oof[te] = est.predict_proba(X_te)[:, 1] if method == "predict_proba" else est.predict(X_te)
        fold_of[te] = k
    return oof, fold_of


def cross_val_predictions(
    estimator: BaseEstimator,
    X: pd.DataFrame | ArrayLike,
    y: ArrayLike,
    groups: ArrayLike | None = None,
    cv: int | Any = 5,
    *,
    random_state: int | None = 0,
    method: str = "predict",
) -> FloatArray:
    """Out-of-fold predictions: each row predicted by a clone fitted without its item.

    ``method="predict_proba"`` gives a classifier's probability of its second class (the
    outcome), which is what outcome agreement is computed on.

    :class:`~cxnlp.calibration.model_selection.ItemKFold` by ``groups`` (transcript id), so
    the several human rows of one transcript are always on the same side. ``groups`` are
    also passed on to ``fit`` of estimators that accept them (the calibrators here).
    Rows never in a test fold (only with a custom splitter) stay NaN.
    """
    y_arr = np.asarray(y, dtype=float).ravel()
    g = _groups_array(groups, y_arr.size)
    X_in = X if isinstance(X, pd.DataFrame) else np.asarray(X)
    if X_in.shape[0] != y_arr.size:
        raise ValueError(f"Got X with {X_in.shape[0]} rows and y with {y_arr.size}; expected equal.")
    if method not in ("predict", "predict_proba"):
        raise ValueError(f"Got method={method!r}; expected 'predict' or 'predict_proba'.")
    oof, _ = _oof(estimator, X_in, y_arr, g, cv, random_state, method)
    return oof


def _default_candidates(
    X: pd.DataFrame | NDArray[Any], scale: Scale | None, ordinal: bool
) -> dict[str, BaseEstimator]:
    candidates: dict[str, BaseEstimator] = {}
    if isinstance(X, pd.DataFrame) and "interaction_score" in X.columns:
        candidates["isotonic(interaction_score)"] = MonotoneCalibrator(
            feature="interaction_score", scale=scale
        )
    candidates["ridge"] = ScoreCalibrator(isotonic=False, scale=scale, ordinal=ordinal)
    candidates["ridge+isotonic"] = ScoreCalibrator(isotonic=True, scale=scale, ordinal=ordinal)
    if isinstance(X, pd.DataFrame) and has_slot_columns(X.columns):
        candidates["ridge+isotonic+sentences"] = sentence_calibrator(scale=scale, ordinal=ordinal)
    return candidates


def sentence_calibrator(*, scale: Scale | str | None = None, ordinal: bool = False) -> ScoreCalibrator:
    """The ridge + isotonic calibrator that also reads the slot means, on its wider alpha grid."""
    return ScoreCalibrator(
        isotonic=True, scale=scale, ordinal=ordinal, sentence_evidence=True, alphas=SENTENCE_ALPHAS
    )


def select_calibrator(
    X: pd.DataFrame | ArrayLike,
    y: ArrayLike,
    groups: ArrayLike | None = None,
    cv: int | Any = 5,
    scoring: str = "rmse",
    *,
    candidates: Mapping[str, BaseEstimator] | None = None,
    scale: Scale | str | None = None,
    ordinal: bool = False,
    random_state: int | None = 0,
) -> tuple[BaseEstimator, pd.DataFrame]:
    """Pick the calibrator with the best cross-validated agreement and refit it on all data.

    Candidates (default): isotonic on ``interaction_score`` alone (when that column is
    present), ridge, ridge + isotonic, and, when ``X`` has the ``slot__*`` columns,
    ridge + isotonic with learned sentence evidence (last: it is the least simple). Each
    is scored on its out-of-fold predictions (same folds for all: ``ItemKFold`` by
    transcript when ``groups`` are given). A NaN prediction (a missing single score)
    counts as the training-fold mean rating, so a candidate cannot look better by
    abstaining. Ties go to the candidate listed first (the simplest).

    Returns
    -------
    estimator, table
        The chosen estimator fitted on all rows, and one row per candidate with
        ``rmse, mae, pearson, spearman`` (and ``qwk`` with a scale), ``n_rows``,
        ``n_nan_filled`` and ``selected``.
    """
    if scoring not in SCORINGS:
        raise ValueError(f"Got scoring={scoring!r}; expected one of {sorted(SCORINGS)}.")
    sc = as_scale(scale)
    if scoring == "qwk" and sc is None:
        raise ValueError("Got scoring='qwk' without a scale; expected scale='1-5' or similar.")
    y_arr = np.asarray(y, dtype=float).ravel()
    g = _groups_array(groups, y_arr.size)
    X_in = X if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=float)
    cands = dict(candidates) if candidates is not None else _default_candidates(X_in, sc, ordinal)
    if not cands:
        raise ValueError("Got no candidates; expected at least one estimator to compare.")
    rows = []
    for name, est in cands.items():
        oof, fold_of = _oof(est, X_in, y_arr, g, cv, random_state)
        missing = np.isnan(oof) & (fold_of >= 0)
        for k in np.unique(fold_of[missing]):
            oof[missing & (fold_of == k)] = float(np.mean(y_arr[fold_of != k]))
        row: dict[str, Any] = {"candidate": name, **_agreement_summary(y_arr, oof, sc)}
        row["n_rows"] = int(y_arr.size)
        row["n_nan_filled"] = int(missing.sum())
        rows.append(row)
    table = pd.DataFrame(rows)
    values = table[scoring].to_numpy(dtype=float)
    values = np.where(np.isnan(values), -np.inf if SCORINGS[scoring] else np.inf, values)
    best = int(np.argmax(values) if SCORINGS[scoring] else np.argmin(values))
    table["selected"] = np.arange(len(table)) == best
    chosen = clone(cands[table.loc[best, "candidate"]])
    if g is not None and _accepts_groups(chosen):
        chosen.fit(X_in, y_arr, groups=g)
    else:
        chosen.fit(X_in, y_arr)
    logger.info("select_calibrator chose %s by %s", table.loc[best, "candidate"], scoring)
    return chosen, table


def calibration_features(table: pd.DataFrame) -> list[str]:
    """The score-table columns a calibrator learns from, in a stable order.

    The four dimension scores, ``interaction_score``, every numeric ``f_*`` sub-feature
    (sorted) and the expanded ``slot__*`` sentence-embedding columns (in table order),
    whichever are present.
    """
    fixed = [c for c in SCORE_COLUMNS if c in table.columns]
    subs = sorted(
        c
        for c in table.columns
        if isinstance(c, str) and c.startswith("f_") and pd.api.types.is_numeric_dtype(table[c])
    )
    slots = [c for c in table.columns if is_slot_column(c)]
    return fixed + subs + slots


def with_slot_columns(table: pd.DataFrame, *, id_col: str = "transcript_id") -> pd.DataFrame:
    """``table`` with its ``slot_vectors`` cells expanded into ``slot__*`` columns.

    Unchanged when there is no ``slot_vectors`` column (a table from an older cxnlp, or a
    table that already has the columns); a bad cell raises naming its transcript.
    """
    if SLOT_COLUMN not in table.columns or has_slot_columns(table.columns):
        return table
    expanded = expand_slot_vectors(table, id_col=id_col)
    return pd.concat([table.drop(columns=[SLOT_COLUMN]), expanded], axis=1)


def training_frame(
    scores: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    target: str,
    id_col: str = "transcript_id",
    features: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, FloatArray, NDArray[Any]]:
    """Join human label rows to the score table: ``X`` (one row per label), ``y``, ``groups``.

    Every label row is kept (several evaluators → several rows of the same transcript);
    ``groups`` are the transcript ids the folds keep together. Label rows with a missing target
    are dropped.

    Raises
    ------
    ValueError
        If a column is missing, the score table repeats an id, or labels name ids the
        score table does not have (the first few are listed).
    """
    for frame, name, cols in ((scores, "scores", [id_col]), (labels, "labels", [id_col, target])):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(
                f"Got a {name} table without column(s) {missing}; expected them. "
                f"Available: {list(frame.columns)[:20]}."
            )
    scores = with_slot_columns(scores, id_col=id_col)
    feats = list(features) if features is not None else calibration_features(scores)
    absent = [c for c in feats if c not in scores.columns]
    if absent or not feats:
        raise ValueError(
            f"Got a score table missing feature column(s) {absent or feats}; expected the "
            "columns `cxnlp score` writes. Re-run cxnlp score or pass features=."
        )
    dup = scores[id_col][scores[id_col].duplicated()]
    if not dup.empty:
        raise ValueError(
            f"Got repeated ids in the score table, e.g. {dup.astype(str).unique()[:5].tolist()}; "
            "expected one row per transcript."
        )
    lab = labels[[id_col, target]].dropna(subset=[target])
    unknown = sorted(set(lab[id_col].astype(str)) - set(scores[id_col].astype(str)))
    if unknown:
        raise ValueError(
            f"Got {len(unknown)} labelled id(s) not in the score table, e.g. {unknown[:5]}; "
            "expected every labelled transcript to be scored. Score them or drop the labels."
        )
    keyed = scores.assign(**{id_col: scores[id_col].astype(str)}).set_index(id_col)
    ids = lab[id_col].astype(str).to_numpy()
    X = keyed.loc[ids, feats].reset_index(drop=True).astype(float)
    y = pd.to_numeric(lab[target], errors="raise").to_numpy(dtype=float)
    return X, y, ids

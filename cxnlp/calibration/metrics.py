"""Agreement between machine and human scores, and among humans.

Pure functions of numpy arrays, after the evaluation that ETS's RSMTool reports for
automated scoring: correlations, error, exact/adjacent agreement, quadratic weighted
kappa, standardised mean difference, PRMSE, plus Krippendorff's alpha and the ICC for
reliability among raters, and a paired percentile bootstrap for any of them.

Missing values
--------------
Paired metrics (two 1-D arrays) drop every pair where either value is NaN, the same way
in every function, and return NaN when fewer than two pairs remain or when the statistic
is undefined (a constant array has no correlation). They never warn or raise on
degenerate data, because a bootstrap resample of a small table is often degenerate.
Rater matrices (items x raters) use NaN for "this rater did not rate this item".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

__all__ = [
    "pearson",
    "spearman",
    "mae",
    "rmse",
    "exact_agreement",
    "adjacent_agreement",
    "quadratic_weighted_kappa",
    "krippendorff_alpha",
    "ICCResult",
    "icc",
    "standardized_mean_difference",
    "prmse",
    "auc",
    "brier",
    "log_loss",
    "BootstrapCI",
    "bootstrap_ci",
]

FloatArray = NDArray[np.float64]


def _paired(a: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Two equal-length 1-D float arrays with every pair containing a NaN removed."""
    x = np.asarray(a, dtype=float).ravel()
    y = np.asarray(b, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(
            f"Got arrays of lengths {x.size} and {y.size}; expected one value per item in "
            "both. Align them on the item id first."
        )
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def pearson(a: ArrayLike, b: ArrayLike) -> float:
    """Pearson correlation of the complete pairs; NaN if < 2 pairs or either is constant."""
    x, y = _paired(a, b)
    if x.size < 2:
        return math.nan
    dx, dy = x - x.mean(), y - y.mean()
    denom = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if denom == 0.0:
        return math.nan
    return float(np.clip((dx @ dy) / denom, -1.0, 1.0))


def spearman(a: ArrayLike, b: ArrayLike) -> float:
    """Spearman rank correlation (average ranks for ties) of the complete pairs."""
    x, y = _paired(a, b)
    if x.size < 2:
        return math.nan
    return pearson(rankdata(x), rankdata(y))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error of the complete pairs; NaN if none."""
    x, y = _paired(y_true, y_pred)
    return float(np.mean(np.abs(x - y))) if x.size else math.nan


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error of the complete pairs; NaN if none."""
    x, y = _paired(y_true, y_pred)
    return float(np.sqrt(np.mean((x - y) ** 2))) if x.size else math.nan


def _steps(values: FloatArray, step: float) -> FloatArray:
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"Got step={step}; expected a positive number (the scale step).")
    return np.round(values / step)


def exact_agreement(y_true: ArrayLike, y_pred: ArrayLike, *, step: float = 1.0) -> float:
    """Share of items whose two ratings, rounded to the step grid, are equal.

    Meaningful on discrete scales (1-5, 0-10); the grid is anchored at 0.
    """
    x, y = _paired(y_true, y_pred)
    if not x.size:
        return math.nan
    return float(np.mean(_steps(x, step) == _steps(y, step)))


def adjacent_agreement(y_true: ArrayLike, y_pred: ArrayLike, *, step: float = 1.0) -> float:
    """Share of items whose rounded ratings differ by at most one scale step."""
    x, y = _paired(y_true, y_pred)
    if not x.size:
        return math.nan
    return float(np.mean(np.abs(_steps(x, step) - _steps(y, step)) <= 1))


def quadratic_weighted_kappa(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    min_rating: int,
    max_rating: int,
) -> float:
    """Cohen's kappa with quadratic weights on integer ratings ``min_rating..max_rating``.

    Values are rounded to the nearest integer first (machine scores are continuous);
    callers on a scale with a step other than 1 divide by the step beforehand. Returns
    NaN when chance disagreement is zero (both raters gave one and the same rating to
    every item), where kappa is 0/0.

    Raises
    ------
    ValueError
        If a rounded rating falls outside ``[min_rating, max_rating]``.
    """
    x, y = _paired(y_true, y_pred)
    if max_rating <= min_rating:
        raise ValueError(f"Got min_rating={min_rating}, max_rating={max_rating}; expected min < max.")
    if not x.size:
        return math.nan
    xi = np.rint(x).astype(np.int64) - int(min_rating)
    yi = np.rint(y).astype(np.int64) - int(min_rating)
    k = int(max_rating) - int(min_rating) + 1
    bad = (xi < 0) | (xi >= k) | (yi < 0) | (yi >= k)
    if bad.any():
        lo = min(x.min(), y.min())
        hi = max(x.max(), y.max())
        raise ValueError(
            f"Got ratings from {lo:g} to {hi:g}; expected rounded ratings within "
            f"[{min_rating}, {max_rating}]. Pass the scale's bounds as min_rating/max_rating."
        )
    observed = np.bincount(xi * k + yi, minlength=k * k).reshape(k, k).astype(float)
    hist_x = observed.sum(axis=1)
    hist_y = observed.sum(axis=0)
    expected = np.outer(hist_x, hist_y) / observed.sum()
    idx = np.arange(k)
    weights = (idx[:, None] - idx[None, :]) ** 2
    denom = float((weights * expected).sum())
    if denom == 0.0:
        return math.nan
    return float(1.0 - (weights * observed).sum() / denom)


def _rater_matrix(ratings: ArrayLike) -> FloatArray:
    arr = np.asarray(ratings, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(
            f"Got a ratings array of shape {arr.shape}; expected 2-D items x raters with at "
            "least 2 rater columns (NaN where a rater did not rate an item)."
        )
    return arr


def krippendorff_alpha(
    ratings: ArrayLike,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "interval",
) -> float:
    """Krippendorff's alpha for an items x raters matrix with NaN for missing ratings.

    Built from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
    Alpha-Reliability"): every unit with ``m_u >= 2`` ratings contributes each ordered
    pair of its ratings with weight ``1 / (m_u - 1)``; units with a single rating are not
    pairable and are ignored. ``alpha = 1 - (n - 1) * sum(o_ck d_ck) / sum(n_c n_k d_ck)``.
    Distances: interval ``(c - k)^2``; ordinal, rank based,
    ``(sum_{g=c..k} n_g - (n_c + n_k) / 2)^2`` with ``n_g`` the pairable frequency of
    value ``g``; ratio ``((c - k) / (c + k))^2``; nominal ``c != k``.

    Returns NaN when fewer than two pairable values exist or all values are equal
    (expected disagreement zero, alpha undefined).
    """
    arr = _rater_matrix(ratings)
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"Got level={level!r}; expected 'nominal', 'ordinal', 'interval' or 'ratio'.")
    arr = np.sort(arr, axis=1)  # pack each unit's ratings to the left, NaN last
    present = ~np.isnan(arr)
    m_u = present.sum(axis=1)
    keep = m_u >= 2
    arr, present, m_u = arr[keep], present[keep], m_u[keep]
    if arr.size == 0:
        return math.nan
    arr, present = arr[:, : m_u.max()], present[:, : m_u.max()]
    values = np.unique(arr[present])
    if values.size < 2:
        return math.nan
    n_values = values.size
    index = np.searchsorted(values, np.where(present, arr, values[0]))
    weight = 1.0 / (m_u - 1)
    # coincidence[c, k]: ordered pairs (c, k) from different raters of a unit, each / (m_u - 1)
    coincidence = np.zeros(n_values * n_values)
    for i, j in itertools.permutations(range(arr.shape[1]), 2):
        both = present[:, i] & present[:, j]
        flat = index[both, i] * n_values + index[both, j]
        coincidence += np.bincount(flat, weights=weight[both], minlength=n_values * n_values)
    matrix = coincidence.reshape(n_values, n_values)
    n_c = matrix.sum(axis=1)
    n = n_c.sum()
    delta = _distance(values, n_c, level)
    expected = float((n_c[:, None] * delta * n_c[None, :]).sum())
    if expected == 0.0:
        return math.nan
    observed = float((matrix * delta).sum())
    return float(1.0 - (n - 1.0) * observed / expected)


def _distance(values: FloatArray, n_c: FloatArray, level: str) -> FloatArray:
    c, k = values[:, None], values[None, :]
    if level == "nominal":
        nominal: FloatArray = (c != k).astype(float)
        return nominal
    if level == "interval":
        squared: FloatArray = (c - k) ** 2
        return squared
    if level == "ratio":
        total = c + k
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(total == 0, 0.0, ((c - k) / np.where(total == 0, 1.0, total)) ** 2)
        return d
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    i = np.arange(values.size)
    lo, hi = np.minimum(i[:, None], i[None, :]), np.maximum(i[:, None], i[None, :])
    between = cum[hi + 1] - cum[lo]
    ordinal: FloatArray = (between - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2
    return ordinal


@dataclass(frozen=True, slots=True)
class ICCResult:
    """An intraclass correlation and the form it was computed in.

    ``form`` is McGraw & Wong's name: ``"ICC(A,1)"`` (two-way random, absolute
    agreement, single rater; Shrout & Fleiss ICC(2,1)) or ``"ICC(C,1)"`` (consistency,
    Shrout & Fleiss ICC(3,1)). ``float(result)`` gives the value.
    """

    form: str
    value: float
    n_items: int
    n_raters: int

    def __float__(self) -> float:
        return self.value


def icc(
    ratings: ArrayLike,
    form: Literal["ICC(A,1)", "ICC(C,1)"] = "ICC(A,1)",
) -> ICCResult:
    """Single-rater intraclass correlation from a two-way ANOVA (McGraw & Wong 1996).

    ``ICC(A,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)`` counts rater
    offsets (a lenient evaluator) as disagreement; ``ICC(C,1) = (MSR - MSE) /
    (MSR + (k - 1) MSE)`` ignores them. The ANOVA needs a complete table, so items with
    any missing rating are dropped (``n_items`` says how many were used). NaN when fewer
    than two complete items remain or the denominator is zero.
    """
    arr = _rater_matrix(ratings)
    if form not in ("ICC(A,1)", "ICC(C,1)"):
        raise ValueError(f"Got form={form!r}; expected 'ICC(A,1)' or 'ICC(C,1)'.")
    arr = arr[~np.isnan(arr).any(axis=1)]
    n, k = arr.shape
    if n < 2:
        return ICCResult(form=form, value=math.nan, n_items=n, n_raters=k)
    grand = arr.mean()
    ss_rows = k * float(((arr.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((arr.mean(axis=0) - grand) ** 2).sum())
    ss_err = float(((arr - grand) ** 2).sum()) - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    if form == "ICC(A,1)":
        denom = msr + (k - 1) * mse + k * (msc - mse) / n
    else:
        denom = msr + (k - 1) * mse
    value = (msr - mse) / denom if denom != 0 else math.nan
    return ICCResult(form=form, value=float(value), n_items=n, n_raters=k)


def standardized_mean_difference(
    human: ArrayLike,
    machine: ArrayLike,
    *,
    method: Literal["pooled", "human"] = "pooled",
) -> float:
    """``(mean(machine) - mean(human)) / sd`` over complete pairs.

    ``method="pooled"`` (default) uses ``sqrt((var_h + var_m) / 2)``, the SMD RSMTool
    reports in its overall evaluation tables; ``"human"`` divides by the human SD only
    (RSMTool's "unpooled"), which is what subgroup comparisons need because it does not
    shrink when the machine's variance is low. Sample variances (ddof=1). NaN when the
    denominator is zero.
    """
    h, m = _paired(human, machine)
    if h.size < 2:
        return math.nan
    if method == "pooled":
        sd = math.sqrt((h.var(ddof=1) + m.var(ddof=1)) / 2.0)
    elif method == "human":
        sd = float(h.std(ddof=1))
    else:
        raise ValueError(f"Got method={method!r}; expected 'pooled' or 'human'.")
    if sd == 0.0:
        return math.nan
    return float((m.mean() - h.mean()) / sd)


def prmse(human: ArrayLike, machine: ArrayLike) -> float:
    """Proportional reduction in mean squared error against the *true* human score.

    Loukina et al. (2020), "Using PRMSE to evaluate automated scoring systems in the
    presence of label noise". ``human`` is items x raters (NaN where missing), ``machine``
    one score per item. The variance of rater error ``V_e`` is the pooled within-item
    variance over items with >= 2 ratings, ``sum_i sum_j (h_ij - hbar_i)^2 /
    sum_i (c_i - 1)``. With ``c_i`` ratings per item, ``c = sum c_i`` and
    ``hbar = sum c_i hbar_i / c``:

    ``V(T) = (sum c_i (hbar_i - hbar)^2 - (N - 1) V_e) / (c - sum c_i^2 / c)``
    ``MSE(T|S) = (sum c_i (hbar_i - s_i)^2 - N V_e) / c``
    ``PRMSE = 1 - MSE(T|S) / V(T)``

    Unlike a correlation with one noisy rater it does not penalise the machine for the
    raters' own disagreement. Items without a machine score or without any rating are
    dropped. NaN when no item has two ratings (``V_e`` cannot be estimated) or when the
    estimated true-score variance is not positive.
    """
    h = np.asarray(human, dtype=float)
    if h.ndim == 1:
        h = h[:, None]
    if h.ndim != 2:
        raise ValueError(f"Got human ratings of shape {h.shape}; expected 2-D items x raters.")
    s = np.asarray(machine, dtype=float).ravel()
    if s.size != h.shape[0]:
        raise ValueError(f"Got {s.size} machine scores for {h.shape[0]} items; expected one per item.")
    c_i = (~np.isnan(h)).sum(axis=1)
    keep = (c_i > 0) & ~np.isnan(s)
    h, s, c_i = h[keep], s[keep], c_i[keep].astype(float)
    multi = c_i >= 2
    if not multi.any():
        return math.nan
    hbar_i = np.nanmean(h, axis=1)
    within = np.nansum((h[multi] - hbar_i[multi, None]) ** 2)
    v_e = float(within / (c_i[multi] - 1).sum())
    n_items = h.shape[0]
    c = c_i.sum()
    hbar = float((c_i * hbar_i).sum() / c)
    v_t = ((c_i * (hbar_i - hbar) ** 2).sum() - (n_items - 1) * v_e) / (c - (c_i**2).sum() / c)
    mse_t = ((c_i * (hbar_i - s) ** 2).sum() - n_items * v_e) / c
    if not v_t > 0:
        return math.nan
    return float(1.0 - mse_t / v_t)


#: Probabilities are kept this far from 0 and 1 in :func:`log_loss`, so one confident miss
#: costs a large but finite amount.
PROBABILITY_EPS = 1e-6


def auc(outcome: ArrayLike, probability: ArrayLike) -> float:
    """Area under the ROC curve: the chance a random 1 is ranked above a random 0.

    Computed from ranks (Mann-Whitney U, ties count half). NaN unless both outcomes occur.
    """
    y, p = _paired(outcome, probability)
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = rankdata(p)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def brier(outcome: ArrayLike, probability: ArrayLike) -> float:
    """Mean squared difference between the 0/1 outcome and its predicted probability."""
    y, p = _paired(outcome, probability)
    return float(np.mean((p - y) ** 2)) if y.size else math.nan


def log_loss(outcome: ArrayLike, probability: ArrayLike) -> float:
    """Mean negative log-likelihood of the 0/1 outcomes (probabilities clipped to 1e-6)."""
    y, p = _paired(outcome, probability)
    if not y.size:
        return math.nan
    p = np.clip(p, PROBABILITY_EPS, 1.0 - PROBABILITY_EPS)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


@dataclass(frozen=True, slots=True)
class BootstrapCI:
    """A statistic on the full sample with its percentile bootstrap interval."""

    estimate: float
    low: float
    high: float
    alpha: float
    n_boot: int
    n_valid: int


def bootstrap_ci(
    metric: Callable[..., Any],
    *arrays: ArrayLike,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    **metric_kwargs: Any,
) -> BootstrapCI:
    """Percentile bootstrap interval of ``metric(*arrays)``, resampling items in pairs.

    All arrays share their first axis (items); each replicate draws item indices with
    replacement and applies the *same* indices to every array, so a machine score stays
    with its human ratings. Replicates where the metric is NaN (e.g. a resample with a
    constant column) are left out of the percentiles; ``n_valid`` says how many remained.
    The estimate is the metric on the full sample, not the bootstrap mean.
    """
    if not arrays:
        raise ValueError("Got no arrays; expected at least one array to resample.")
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"Got alpha={alpha}; expected a number in (0, 1), e.g. 0.05.")
    if n_boot < 1:
        raise ValueError(f"Got n_boot={n_boot}; expected a positive integer, e.g. 1000.")
    arrs = [np.asarray(a) for a in arrays]
    n = arrs[0].shape[0]
    if any(a.shape[0] != n for a in arrs):
        lengths = [a.shape[0] for a in arrs]
        raise ValueError(f"Got arrays with {lengths} items; expected the same number in each.")
    estimate = float(metric(*arrs, **metric_kwargs))
    if n == 0:
        return BootstrapCI(estimate, math.nan, math.nan, alpha, n_boot, 0)
    rng = np.random.default_rng(seed)
    stats = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, size=n)
        stats[b] = float(metric(*(a[idx] for a in arrs), **metric_kwargs))
    valid = stats[~np.isnan(stats)]
    if valid.size == 0:
        return BootstrapCI(estimate, math.nan, math.nan, alpha, n_boot, 0)
    low, high = np.percentile(valid, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return BootstrapCI(estimate, float(low), float(high), alpha, n_boot, int(valid.size))

"""Optimized status: which teams clear both the interaction and the survey bar, and why not.

A group is *optimized* in a period when its mean interaction score and its mean survey
rating both reach their thresholds (defaults 91 and 85). One without the other is not
enough: a high interaction score with unhappy customers means the scorecard misses what
customers value, and happy surveys over poor interactions means luck or leniency.

For groups that are not there yet, the table says how far each bar is (signed gaps), where
the trend points (slope per period), whether coaching is running into *diminishing
returns*, and which dimension *holds the group back* (costs the most composite points).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cxnlp.analytics.frames import (
    DEFAULT_WEIGHTS,
    JOIN_SURVEYS_HINT,
    as_columns,
    dimension_points,
    require_columns,
    to_local_timestamps,
)
from cxnlp.schema import INTERACTION_THRESHOLD, SCORE_COLUMN, SURVEY_COLUMN, SURVEY_THRESHOLD

logger = logging.getLogger(__name__)

PERIODS: tuple[str, ...] = ("D", "W", "M", "Q")


def optimized_status(
    df: pd.DataFrame,
    *,
    by: str | Iterable[str] | None = ("team",),
    period: str = "M",
    interaction_threshold: float = INTERACTION_THRESHOLD,
    survey_threshold: float = SURVEY_THRESHOLD,
    score_col: str = SCORE_COLUMN,
    survey_col: str = SURVEY_COLUMN,
    time_col: str = "started_at",
    weights: Mapping[str, float] | None = None,
    targets: Mapping[str, float] | None = None,
    trend_window: int = 3,
    flatten_fraction: float = 0.5,
    min_gain: float = 0.5,
) -> pd.DataFrame:
    """Per group and period: means, gaps, trend, optimized flag and what holds the group back.

    Parameters
    ----------
    df
        The score table joined with surveys (:func:`cxnlp.analytics.join_surveys`).
    by
        Grouping columns (default ``("team",)``); None or ``()`` for the whole centre.
    period
        ``"M"`` (month, default), ``"W"`` (week), ``"Q"`` or ``"D"``.
    interaction_threshold, survey_threshold
        The bars (defaults :data:`cxnlp.schema.INTERACTION_THRESHOLD`, 91, and
        :data:`cxnlp.schema.SURVEY_THRESHOLD`, 85). *Optimized* means both means reach them.
    score_col, survey_col, time_col
        Column names in ``df``.
    weights
        Composite weights per dimension column. Default :data:`~cxnlp.analytics.DEFAULT_WEIGHTS`
        (brand 0.2, completeness 0.35, proactive 0.25, filler 0.2; filler counted as
        ``100 - 2.5 * filler``). Dimension columns missing from ``df`` are skipped for the
        defaults and are an error for explicit weights.
    targets
        Per-dimension targets in points (0-100, higher better, filler on the points scale).
        Default: ``interaction_threshold`` for every dimension, since a group whose every
        dimension reaches the bar has a composite that reaches it too.
    trend_window
        How many periods (up to and including the current one) the trend slope uses, and
        how many earlier changes the diminishing-returns test averages. At least 2.
    flatten_fraction
        Diminishing returns when the latest change is below this fraction of the earlier
        average change (default 0.5).
    min_gain
        The earlier average change must be at least this many points per period for the
        group to count as improving at all (default 0.5).

    Returns
    -------
    pandas.DataFrame
        One row per group x period with ``n, n_surveyed, mean_interaction, mean_survey,
        interaction_gap, survey_gap`` (mean minus threshold: negative is short of it),
        ``optimized, status, interaction_trend, survey_trend`` (points per period),
        ``diminishing_returns, holding_back, holding_back_points`` and one ``cost_<dim>``
        column per dimension (weighted points lost to that dimension's shortfall).

    Notes
    -----
    *Diminishing returns* is flagged in a period when the group is still below the
    interaction threshold, had been improving (mean of up to ``trend_window`` earlier
    period-over-period changes >= ``min_gain``, with at least two earlier changes) and the
    latest change is below ``flatten_fraction`` of that average. It says "more of the same
    coaching is no longer closing the gap": time to change approach, not to push harder.
    Changes are per period, so a skipped month does not read as a doubled gain.

    *Holding back* is the dimension with the largest ``weight * max(0, target - mean
    points)``: the interaction-score points the group would gain by bringing that
    dimension to its target. None when every dimension meets its target.
    """
    keys = as_columns(by)
    _check_options(period, trend_window, flatten_fraction)
    require_columns(df, [*keys, score_col, time_col], where="optimized_status")
    require_columns(
        df,
        [survey_col],
        where="optimized_status",
        hint=JOIN_SURVEYS_HINT,
    )
    weights_used = _resolve_weights(df, weights)
    target_of = {d: float(interaction_threshold) for d in weights_used}
    target_of.update({d: float(v) for d, v in (targets or {}).items() if d in weights_used})

    stamps = to_local_timestamps(df[time_col], column=time_col)
    keep = stamps.notna()
    if not keep.all():
        logger.warning("optimized_status: %d rows without a %s were left out", (~keep).sum(), time_col)
    frame = pd.DataFrame(
        {
            **{k: df.loc[keep, k] for k in keys},
            "_period": stamps[keep].dt.to_period(period),
            "_score": pd.to_numeric(df.loc[keep, score_col], errors="coerce"),
            "_survey": pd.to_numeric(df.loc[keep, survey_col], errors="coerce"),
        }
    )
    points = dimension_points(df.loc[keep], list(weights_used))
    frame = frame.join(points.add_prefix("_pts_"))

    grouped = frame.groupby([*keys, "_period"], dropna=False, sort=True, observed=True)
    table = grouped.agg(
        n=("_score", "size"),
        n_surveyed=("_survey", "count"),
        mean_interaction=("_score", "mean"),
        mean_survey=("_survey", "mean"),
        **{f"_pts_{d}": (f"_pts_{d}", "mean") for d in weights_used},
    ).reset_index()

    table["interaction_gap"] = table["mean_interaction"] - interaction_threshold
    table["survey_gap"] = table["mean_survey"] - survey_threshold
    table["optimized"] = (table["interaction_gap"] >= 0) & (table["survey_gap"] >= 0)
    table["status"] = [
        _status(gi, gs) for gi, gs in zip(table["interaction_gap"], table["survey_gap"], strict=True)
    ]

    table = _add_trends(table, keys, trend_window, flatten_fraction, min_gain, interaction_threshold)
    table = _add_holding_back(table, weights_used, target_of)

    table.insert(len(keys), "period", table["_period"].astype(str))
    table.insert(len(keys) + 1, "period_start", table["_period"].dt.start_time)
    drop = ["_period", *(f"_pts_{d}" for d in weights_used)]
    return table.drop(columns=drop)


def _check_options(period: str, trend_window: int, flatten_fraction: float) -> None:
    if period not in PERIODS:
        raise ValueError(f"Got period={period!r}; expected one of {PERIODS}. Use 'M' or 'W'.")
    if int(trend_window) < 2:
        raise ValueError(f"Got trend_window={trend_window}; expected 2 or more periods.")
    if not 0.0 < float(flatten_fraction) <= 1.0:
        raise ValueError(f"Got flatten_fraction={flatten_fraction}; expected a number in (0, 1].")


def _resolve_weights(df: pd.DataFrame, weights: Mapping[str, float] | None) -> dict[str, float]:
    """The composite weights to use: explicit ones must all exist; defaults skip absent columns."""
    if weights is None:
        used = {d: w for d, w in DEFAULT_WEIGHTS.items() if d in df.columns}
        absent = sorted(set(DEFAULT_WEIGHTS) - set(used))
        if absent:
            logger.info("optimized_status: no column for %s; holding_back ignores them", absent)
        return used
    require_columns(df, list(weights), where="optimized_status", hint="Drop those names from weights=.")
    bad = {d: w for d, w in weights.items() if not np.isfinite(w) or w < 0}
    if bad or sum(weights.values()) <= 0:
        raise ValueError(
            f"Got weights={dict(weights)}; expected finite, non-negative weights with a "
            "positive sum. Fix the weights mapping."
        )
    return {d: float(w) for d, w in weights.items()}


def _status(interaction_gap: float, survey_gap: float) -> str:
    if np.isnan(survey_gap):
        return "no surveys"
    low_i, low_s = interaction_gap < 0, survey_gap < 0
    if low_i and low_s:
        return "below both"
    if low_i:
        return "below interaction"
    if low_s:
        return "below survey"
    return "optimized"


def trend_slope(ordinals: np.ndarray, values: np.ndarray) -> float:
    """Least-squares slope of ``values`` on ``ordinals`` (per period); NaN under two points."""
    ok = ~np.isnan(values)
    x, y = ordinals[ok].astype(float), values[ok]
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def diminishing_returns(
    changes: np.ndarray, *, below: bool, flatten_fraction: float, min_gain: float
) -> bool:
    """Whether the last of ``changes`` (per period) flattened after earlier gains.

    ``changes`` are the period-over-period changes up to now, oldest first; the last one is
    the current change and the rest (at least two) the earlier ones.
    """
    if not below or len(changes) < 3 or np.isnan(changes).any():
        return False
    earlier = float(np.mean(changes[:-1]))
    return earlier >= min_gain and float(changes[-1]) < flatten_fraction * earlier


def _add_trends(
    table: pd.DataFrame,
    keys: list[str],
    window: int,
    flatten_fraction: float,
    min_gain: float,
    threshold: float,
) -> pd.DataFrame:
    trends_i = np.full(len(table), np.nan)
    trends_s = np.full(len(table), np.nan)
    flags = np.zeros(len(table), dtype=bool)
    groups = table.groupby(keys, dropna=False, sort=False).indices if keys else {(): np.arange(len(table))}
    for rows in groups.values():
        rows = np.asarray(rows)
        ordinals = np.array([p.ordinal for p in table["_period"].iloc[rows]])
        mean_i = table["mean_interaction"].to_numpy(float)[rows]
        mean_s = table["mean_survey"].to_numpy(float)[rows]
        steps = np.diff(ordinals)
        changes = np.diff(mean_i) / np.where(steps == 0, np.nan, steps)
        for j, row in enumerate(rows):
            lo = max(0, j - window + 1)
            trends_i[row] = trend_slope(ordinals[lo : j + 1], mean_i[lo : j + 1])
            trends_s[row] = trend_slope(ordinals[lo : j + 1], mean_s[lo : j + 1])
            history = changes[max(0, j - 1 - window) : j]  # `window` earlier changes + current
            flags[row] = diminishing_returns(
                history,
                below=bool(mean_i[j] < threshold),
                flatten_fraction=flatten_fraction,
                min_gain=min_gain,
            )
    return table.assign(interaction_trend=trends_i, survey_trend=trends_s, diminishing_returns=flags)


def _add_holding_back(
    table: pd.DataFrame, weights: Mapping[str, float], targets: Mapping[str, float]
) -> pd.DataFrame:
    if not weights:
        return table.assign(holding_back=None, holding_back_points=np.nan)
    costs = pd.DataFrame(
        {f"cost_{d}": w * (targets[d] - table[f"_pts_{d}"]).clip(lower=0.0) for d, w in weights.items()},
        index=table.index,
    )
    worst = costs.fillna(-1.0).to_numpy()
    best_idx = worst.argmax(axis=1)
    best_val = worst[np.arange(len(worst)), best_idx]
    names = [d for d in weights]
    holding = [names[i] if v > 0 else None for i, v in zip(best_idx, best_val, strict=True)]
    return pd.concat(
        [
            table.assign(
                holding_back=holding,
                holding_back_points=np.where(costs.isna().all(axis=1), np.nan, np.maximum(best_val, 0.0)),
            ),
            costs,
        ],
        axis=1,
    )

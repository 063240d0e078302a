"""Drift: did a team's scores shift, when, by how much and which way?

Two classic control charts run on each group's series, after a baseline period that sets
the in-control level:

* **CUSUM** (two-sided, tabular): ``S+ = max(0, S+ + z - k)``, ``S- = max(0, S- - z - k)``
  with reference value ``k = 0.5`` (tuned to catch a one-sigma shift fastest) and decision
  interval ``h = 5`` (with known parameters about 465 points between false alarms for
  the two-sided scheme; ``h = 4`` detects a little sooner but alarms falsely every ~170).
  The level and spread are estimated from the baseline, which shortens those run lengths:
  on 120 simulated stable days (10 contacts a day, baseline 30 %) about 12 % of series
  raised a false alarm with either chart, and 2 contacts a day about 22 %. The change date is
  the point after the last time the alarming statistic was zero before the alarm, the
  standard CUSUM change-point estimate.
* **EWMA** with ``lambda = 0.2`` and ``L = 3`` time-varying limits: smoother, better for
  small persistent shifts. Its change date is the point after the EWMA last sat on the
  other side of the centre line before the alarm.

By default points are **daily means**. Days hold different numbers of contacts, so each
daily mean is standardised by its own standard error ``sqrt(s_b^2 + s_w^2 / n_day)``: the
within-day spread ``s_w`` (pooled over the baseline) shrinks with volume, while the
between-day spread ``s_b`` (day-to-day variation beyond sampling noise, estimated from the
baseline) does not, so busy days are not over-trusted. ``aggregate="none"`` runs the charts
on individual contacts in time order instead.

Only one alarm is reported per group: the first. A drift inside the baseline period cannot
be detected (it is the reference), so keep the baseline to a period known to be stable.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxnlp.analytics.frames import as_columns, require_columns, to_local_timestamps

logger = logging.getLogger(__name__)

METHODS: tuple[str, ...] = ("cusum", "ewma")
AGGREGATES: tuple[str, ...] = ("day", "none")


@dataclass(frozen=True)
class ChartSettings:
    """The chart parameters, validated once, shared by both public functions."""

    method: str
    aggregate: str
    baseline_days: int | None
    baseline_fraction: float
    min_baseline: int
    k: float
    h: float
    lam: float
    L: float

    def validate(self) -> ChartSettings:
        if self.method not in METHODS:
            raise ValueError(f"Got method={self.method!r}; expected one of {METHODS}.")
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"Got aggregate={self.aggregate!r}; expected one of {AGGREGATES}.")
        if self.baseline_days is not None and self.baseline_days < 1:
            raise ValueError(f"Got baseline_days={self.baseline_days}; expected 1 or more days.")
        if not 0.0 < self.baseline_fraction < 1.0:
            raise ValueError(f"Got baseline_fraction={self.baseline_fraction}; expected a number in (0, 1).")
        if self.min_baseline < 2:
            raise ValueError(f"Got min_baseline={self.min_baseline}; expected at least 2 points.")
        for name in ("k", "h", "L"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Got {name}={getattr(self, name)}; expected a positive number.")
        if not 0.0 < self.lam <= 1.0:
            raise ValueError(f"Got lam={self.lam}; expected a smoothing weight in (0, 1].")
        return self


@dataclass(frozen=True)
class Baseline:
    """The in-control level and spread estimated from the baseline period."""

    mean: float
    sd_within: float
    sd_between: float
    end: pd.Timestamp
    n_points: int

    @property
    def sd(self) -> float:
        """Spread of one contact around the in-control level."""
        return math.sqrt(self.sd_within**2 + self.sd_between**2)

    def scale(self, n: np.ndarray) -> np.ndarray:
        """Standard error of a point built from ``n`` contacts."""
        return np.sqrt(self.sd_between**2 + self.sd_within**2 / n)


def series_points(times: pd.Series, values: pd.Series, aggregate: str) -> pd.DataFrame:
    """The chart's points in time order: ``time, n, mean, ss`` per day or per contact.

    ``ss`` is the sum of squared deviations from the point's own mean (0 for one contact),
    from which the baseline pools the within-day spread.
    """
    frame = pd.DataFrame({"time": times.to_numpy(), "v": values.to_numpy(float)}).dropna()
    if aggregate == "none":
        frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
        return pd.DataFrame({"time": frame["time"], "n": 1, "mean": frame["v"], "ss": 0.0})
    frame["time"] = frame["time"].dt.normalize()
    g = frame.groupby("time", sort=True)["v"]
    return pd.DataFrame({"n": g.size(), "mean": g.mean(), "ss": g.var(ddof=0) * g.size()}).reset_index()


def estimate_baseline(points: pd.DataFrame, settings: ChartSettings) -> Baseline | None:
    """Level and spread from the first days (or first fraction of points); None if too few.

    Within-point spread is pooled over the baseline points; the between-point spread is
    what the variance of the point means shows beyond sampling noise (a method-of-moments
    random-effects estimate, floored at 0). With one contact per point the two cannot be
    told apart and all spread counts as within.
    """
    if settings.baseline_days is not None:
        end = points["time"].iloc[0] + pd.Timedelta(days=settings.baseline_days)
        base = points[points["time"] < end]
    else:
        base = points.iloc[: math.ceil(settings.baseline_fraction * len(points))]
    if len(base) < settings.min_baseline or len(base) >= len(points):
        return None
    n = base["n"].to_numpy(float)
    means = base["mean"].to_numpy(float)
    level = float((n * means).sum() / n.sum())
    dof_within = float((n - 1).sum())
    if dof_within > 0 and (n > 1).mean() >= 0.5:
        var_within = float(base["ss"].sum() / dof_within)
        var_between = max(0.0, float(np.var(means, ddof=1) - np.mean(var_within / n)))
    else:
        var_within, var_between = float(np.var(means, ddof=1)), 0.0
    if not var_within + var_between > 0:
        return None
    return Baseline(
        mean=level,
        sd_within=math.sqrt(var_within),
        sd_between=math.sqrt(var_between),
        end=base["time"].iloc[-1],
        n_points=len(base),
    )


def cusum(z: np.ndarray, *, k: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided tabular CUSUM of standardised values: ``(S+, S-)``, both starting at 0."""
    upper, lower = np.zeros(len(z)), np.zeros(len(z))
    hi = lo = 0.0
    for i, value in enumerate(z):
        hi = max(0.0, hi + value - k)
        lo = max(0.0, lo - value - k)
        upper[i], lower[i] = hi, lo
    return upper, lower


def ewma(z: np.ndarray, *, lam: float, L: float) -> tuple[np.ndarray, np.ndarray]:
    """EWMA of standardised values started at 0, and its time-varying control limit."""
    out = np.zeros(len(z))
    level = 0.0
    for i, value in enumerate(z):
        level = lam * value + (1.0 - lam) * level
        out[i] = level
    steps = np.arange(1, len(z) + 1)
    limit = L * np.sqrt(lam / (2.0 - lam) * (1.0 - (1.0 - lam) ** (2 * steps)))
    return out, limit


def first_alarm(
    z: np.ndarray, settings: ChartSettings
) -> tuple[int | None, int | None, str | None, dict[str, np.ndarray]]:
    """Run the chart; return ``(alarm index, change index, direction, chart columns)``."""
    if settings.method == "cusum":
        upper, lower = cusum(z, k=settings.k)
        cols = {"upper": upper, "lower": 0.0 - lower, "limit": np.full(len(z), settings.h)}
        fired = np.flatnonzero((upper > settings.h) | (lower > settings.h))
        if not len(fired):
            return None, None, None, cols
        alarm = int(fired[0])
        stat, direction = (upper, "up") if upper[alarm] > settings.h else (lower, "down")
        zeros = np.flatnonzero(stat[:alarm] == 0.0)
        change = int(zeros[-1]) + 1 if len(zeros) else 0
        return alarm, change, direction, cols
    level, limit = ewma(z, lam=settings.lam, L=settings.L)
    cols = {"upper": level, "lower": level, "limit": limit}
    fired = np.flatnonzero(np.abs(level) > limit)
    if not len(fired):
        return None, None, None, cols
    alarm = int(fired[0])
    direction = "up" if level[alarm] > 0 else "down"
    other_side = level[:alarm] <= 0 if direction == "up" else level[:alarm] >= 0
    sides = np.flatnonzero(other_side)
    change = int(sides[-1]) + 1 if len(sides) else 0
    return alarm, change, direction, cols


def _group_chart(points: pd.DataFrame, settings: ChartSettings) -> tuple[pd.DataFrame, dict[str, object]]:
    """Chart rows and the drift summary for one group's points."""
    base = estimate_baseline(points, settings)
    summary: dict[str, object] = {
        "n_points": len(points),
        "n_obs": int(points["n"].sum()),
        "drift": False,
        "direction": None,
        "alarm_date": pd.NaT,
        "change_date": pd.NaT,
        "shift": np.nan,
        "shift_sd": np.nan,
        "baseline_mean": np.nan,
        "baseline_sd": np.nan,
        "baseline_end": pd.NaT,
        "note": "",
    }
    chart = points[["time", "n", "mean"]].copy()
    if base is None:
        summary["note"] = (
            f"not enough data: {len(points)} points; the baseline needs {settings.min_baseline} "
            "and there must be points after it"
        )
        return chart, summary
    summary.update(baseline_mean=base.mean, baseline_sd=base.sd, baseline_end=base.end)
    in_base = (points["time"] <= base.end).to_numpy()
    monitored = points.loc[~in_base]
    n = monitored["n"].to_numpy(float)
    z = (monitored["mean"].to_numpy(float) - base.mean) / base.scale(n)
    alarm, change, direction, cols = first_alarm(z, settings)

    scale_all = base.scale(points["n"].to_numpy(float))
    chart["in_baseline"] = in_base
    chart["centre"] = base.mean
    chart["mean_lcl"] = base.mean - 3.0 * scale_all
    chart["mean_ucl"] = base.mean + 3.0 * scale_all
    chart["z"] = np.nan
    chart.loc[~in_base, "z"] = z
    for name, values in cols.items():
        chart[name] = np.nan
        chart.loc[~in_base, name] = values
    chart["alarm"] = False
    if alarm is not None:
        times = monitored["time"].to_numpy()
        after = monitored.iloc[change:]
        post_mean = float((after["n"] * after["mean"]).sum() / after["n"].sum())
        summary.update(
            drift=True,
            direction=direction,
            alarm_date=pd.Timestamp(times[alarm]),
            change_date=pd.Timestamp(times[change]),
            shift=post_mean - base.mean,
            shift_sd=(post_mean - base.mean) / base.sd,
        )
        chart.loc[chart["time"] == times[alarm], "alarm"] = True
    return chart, summary


def _prepare(df: pd.DataFrame, keys: list[str], value_col: str, time_col: str, where: str) -> pd.DataFrame:
    require_columns(df, [*keys, value_col, time_col], where=where)
    frame = df[keys].copy() if keys else pd.DataFrame(index=df.index)
    frame["_time"] = to_local_timestamps(df[time_col], column=time_col)
    frame["_value"] = pd.to_numeric(df[value_col], errors="coerce")
    dropped = frame["_time"].isna() | frame["_value"].isna()
    if dropped.any():
        logger.info("%s: %d rows without a time or a value left out", where, int(dropped.sum()))
    return frame.loc[~dropped]


def _groups(frame: pd.DataFrame, keys: list[str]) -> Iterable[tuple[dict[str, object], pd.DataFrame]]:
    if not keys:
        yield {}, frame
        return
    for key, part in frame.groupby(keys, dropna=False, sort=True, observed=True):
        values = key if isinstance(key, tuple) else (key,)
        yield dict(zip(keys, values, strict=True)), part


def _settings(**kwargs: object) -> ChartSettings:
    return ChartSettings(**kwargs).validate()


def detect_drift(
    df: pd.DataFrame,
    *,
    by: str | Iterable[str] | None = ("team",),
    value_col: str = "interaction_score",
    time_col: str = "started_at",
    method: str = "cusum",
    aggregate: str = "day",
    baseline_days: int | None = None,
    baseline_fraction: float = 0.3,
    min_baseline: int = 10,
    k: float = 0.5,
    h: float = 5.0,
    lam: float = 0.2,
    L: float = 3.0,
) -> pd.DataFrame:
    """Per group: whether the level shifted after the baseline, when, how much, which way.

    Parameters
    ----------
    df
        The score table (joined with surveys to watch ``survey_rating``).
    by
        Grouping columns (default ``("team",)``); None or ``()`` for the whole centre.
    value_col, time_col
        The value to watch and the contact time (ISO strings or datetimes).
    method
        ``"cusum"`` (default) or ``"ewma"``.
    aggregate
        ``"day"`` (default): chart daily means; ``"none"``: chart single contacts.
    baseline_days
        Length of the baseline in days from each group's first point. Default None: use
        ``baseline_fraction`` of the group's points instead.
    baseline_fraction
        Share of the first points used as baseline when ``baseline_days`` is None (0.3).
    min_baseline
        Fewest baseline points to estimate level and spread (default 10); groups with
        fewer are reported with ``drift=False`` and a ``note``.
    k, h
        CUSUM reference value and decision interval in standard errors (0.5 and 5).
    lam, L
        EWMA smoothing weight and limit width (0.2 and 3).

    Returns
    -------
    pandas.DataFrame
        One row per group: keys, ``method, drift, direction`` ("up"/"down"),
        ``alarm_date, change_date, shift`` (post-change mean minus baseline mean, in the
        value's units), ``shift_sd`` (the same in contact-level standard deviations),
        ``baseline_mean, baseline_sd, baseline_end, n_points, n_obs``, the parameters
        used (``k, h`` or ``lam, L``) and a ``note``.
    """
    keys = as_columns(by)
    settings = _settings(
        method=method,
        aggregate=aggregate,
        baseline_days=baseline_days,
        baseline_fraction=baseline_fraction,
        min_baseline=min_baseline,
        k=k,
        h=h,
        lam=lam,
        L=L,
    )
    frame = _prepare(df, keys, value_col, time_col, "detect_drift")
    params = {"k": k, "h": h} if method == "cusum" else {"lam": lam, "L": L}
    rows = []
    for key, part in _groups(frame, keys):
        points = series_points(part["_time"], part["_value"], aggregate)
        _, summary = _group_chart(points, settings)
        rows.append({**key, "method": method, **summary, **params})
        if summary["drift"]:
            logger.info(
                "detect_drift: %s shifted %s by %.1f from %s",
                key or "centre",
                summary["direction"],
                summary["shift"],
                summary["change_date"],
            )
    columns = [
        *keys,
        "method",
        "drift",
        "direction",
        "alarm_date",
        "change_date",
        "shift",
        "shift_sd",
        "baseline_mean",
        "baseline_sd",
        "baseline_end",
        "n_points",
        "n_obs",
        *params,
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)


def control_chart_data(
    df: pd.DataFrame,
    *,
    by: str | Iterable[str] | None = ("team",),
    value_col: str = "interaction_score",
    time_col: str = "started_at",
    method: str = "cusum",
    aggregate: str = "day",
    baseline_days: int | None = None,
    baseline_fraction: float = 0.3,
    min_baseline: int = 10,
    k: float = 0.5,
    h: float = 5.0,
    lam: float = 0.2,
    L: float = 3.0,
) -> pd.DataFrame:
    """The series behind :func:`detect_drift`, one row per group x point, ready to plot.

    Parameters are those of :func:`detect_drift`.

    Returns
    -------
    pandas.DataFrame
        Keys, ``time, n, mean`` (value units), ``in_baseline``, ``centre`` (baseline mean),
        ``mean_lcl, mean_ucl`` (3 standard-error limits for each point's mean, value units),
        ``z`` (standardised point), ``upper, lower, limit`` (CUSUM: ``S+``, ``-S-`` and
        ``h``, alarm when either passes ``+-limit``; EWMA: the EWMA twice and its limit)
        and ``alarm`` (True on the first alarm point). Chart columns are NaN in the
        baseline and for groups without enough data.
    """
    keys = as_columns(by)
    settings = _settings(
        method=method,
        aggregate=aggregate,
        baseline_days=baseline_days,
        baseline_fraction=baseline_fraction,
        min_baseline=min_baseline,
        k=k,
        h=h,
        lam=lam,
        L=L,
    )
    frame = _prepare(df, keys, value_col, time_col, "control_chart_data")
    columns = [
        *keys,
        "time",
        "n",
        "mean",
        "in_baseline",
        "centre",
        "mean_lcl",
        "mean_ucl",
        "z",
        "upper",
        "lower",
        "limit",
        "alarm",
    ]
    parts = []
    for key, part in _groups(frame, keys):
        chart, _ = _group_chart(series_points(part["_time"], part["_value"], aggregate), settings)
        parts.append(chart.assign(**key).reindex(columns=columns))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)

"""Drift: did a team's scores shift, when, by how much and which way?

The charts run on each group's series after a baseline period (by default the first 30 %
of its points) that sets the in-control level and spread.

**Points.** By default points are **daily means**. Days hold different numbers of contacts,
so each daily mean is standardised by its own standard error ``SE(n) = sqrt(s_b^2 + s_w^2 /
n)``: the within-day spread ``s_w`` of one contact (pooled over the baseline) shrinks with
volume, while the between-day spread ``s_b`` (day-to-day variation beyond sampling noise,
estimated from the baseline) does not, so busy days are not over-trusted.
``aggregate="none"`` runs the charts on individual contacts in time order instead.

**CUSUM sized in contacts** (the default, ``method="cusum"``). QA managers care about a
shift of a given size *per contact* (half a standard deviation: about 8 points), whatever a
team's volume; a chart whose reference value is fixed in standard errors of a point is tuned
to a shift that grows as volume falls (one contact-SD at one contact a day). So:

* ``min_shift`` (default 0.5) is the smallest shift worth catching, in ``s_w`` units. Under
  it a point of ``n`` contacts moves ``d(n) = min_shift * s_w / SE(n)`` standard errors,
  and its log-likelihood ratio against no shift is ``d (z - d / 2)`` (Page 1954). The chart
  accumulates that ratio divided by ``d0``, the ``d`` of a point of the baseline's median
  volume: ``S+ = max(0, S+ + (d / d0)(z - d / 2))`` and the mirror ``S-``. This is the
  weighted CUSUM for points of unequal precision (Hawkins & Olwell, *Cumulative Sum Charts
  and Charting for Quality Improvement*, 1998); at constant volume it is Page's tabular
  chart with ``k = d0 / 2``, the reference value that detects a shift of ``min_shift``
  fastest (Montgomery, *Introduction to Statistical Quality Control*, section 9.1). A
  quiet day counts for the little evidence it holds, a busy day for more.
* ``h`` follows from ``arl0``, the in-control average run length in points (default
  1000), by Siegmund's approximation (Montgomery, section 9.1) and bisection. A CUSUM
  tuned to small shifts reads the error of the estimated baseline mean as a shift, which
  multiplies false alarms when the baseline holds few contacts (Jones, Champ & Rigdon,
  *J. Quality Technology* 36, 2004). ``h`` is therefore computed for a chart whose centre
  is off by the ``guarantee`` quantile (default 0.5: the median) of the baseline mean's
  absolute sampling error: half of all baselines give at least ``arl0`` points between
  false alarms, the guaranteed-conditional-performance idea of Gandy & Kvaløy (*Scand. J.
  Statistics* 40, 2013), computed from the normal approximation instead of a bootstrap. A
  thin baseline thus gets a wider ``h`` (later alarms) rather than more false ones.

Simulated (``benchmarks/bench_drift.py``: 120 days, scores N(70, 16), step on day 60, 400
series a cell; the whole table is in benchmarks/README.md), at 0.5 / 1 / 2 / 10 contacts a
day: stable series alarm falsely in 8 / 8 / 9 / 8 %; a 0.5-SD step is alarmed after it in
31 / 66 / 87 / 99 % (median 42 / 29 / 24 / 4 days later) and dated within 7 days in
14 / 38 / 57 / 96 %; a 1-SD step alarmed in 81 / 99 / 99 / 97 %. The chart as it was before
``min_shift`` alarmed falsely in 36 / 34 / 18 / 23 % and dated the 0.5-SD step within 7
days in 26 / 41 / 51 / 86 %: the false alarms are now a tenth whatever the volume, and
below two contacts a day a half-SD step is found later and less often than the old chart
(which found more partly by alarming more). Half an SD at one contact a day needs weeks of
contacts to show, and a baseline with enough of them to pin the level.

**Classic CUSUM** (``min_shift=None``): ``S+ = max(0, S+ + z - k)``, ``S- = max(0, S- - z -
k)`` with ``k`` (default 0.5, tuned to a one-standard-error shift of a point) and ``h``
(default 5; about 465 points between false alarms with known parameters).

For both, the change date is the point after the last time the alarming statistic was zero
before the alarm, the standard CUSUM change-point estimate.

**EWMA** (``method="ewma"``) with ``lambda = 0.2`` and ``L = 3`` time-varying limits on the
standardised points (``min_shift`` does not apply): smoother, better for small persistent
shifts of a point. Its change date is the point after the EWMA last sat on the other side of
the centre line before the alarm.

Only one alarm is reported per group: the first. A drift inside the baseline period cannot
be detected (it is the reference), so keep the baseline to a period known to be stable.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from cxnlp.analytics.frames import as_columns, require_columns, to_local_timestamps

logger = logging.getLogger(__name__)

METHODS: tuple[str, ...] = ("cusum", "ewma")
AGGREGATES: tuple[str, ...] = ("day", "none")
#: The classic chart's reference value and decision interval (standard errors of a point),
#: used when ``min_shift=None``.
CLASSIC_K = 0.5
CLASSIC_H = 5.0
#: Defaults of the shift-sized chart (see the module docstring and benchmarks/bench_drift.py).
DEFAULT_SHIFT = 0.5
DEFAULT_ARL0 = 1000.0
DEFAULT_GUARANTEE = 0.5


@dataclass(frozen=True)
class ChartSettings:
    """The chart parameters, validated once, shared by both public functions."""

    method: str
    aggregate: str
    baseline_days: int | None
    baseline_fraction: float
    min_baseline: int
    min_shift: float | None
    arl0: float
    guarantee: float
    k: float | None
    h: float | None
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
        if self.min_shift is not None and self.k is not None:
            raise ValueError(
                f"Got min_shift={self.min_shift} and k={self.k}; they are alternatives: give "
                "min_shift (in contact SDs; each point's reference follows from its volume) or "
                "min_shift=None with k (in standard errors of a point)."
            )
        for name in ("min_shift", "k", "h"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"Got {name}={value}; expected a positive number or None.")
        if not self.L > 0:
            raise ValueError(f"Got L={self.L}; expected a positive number.")
        if not self.arl0 > 1:
            raise ValueError(f"Got arl0={self.arl0}; expected an in-control run length above 1 point.")
        if not 0.0 <= self.guarantee < 1.0:
            raise ValueError(f"Got guarantee={self.guarantee}; expected a probability in [0, 1).")
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
    se_mean: float
    typical_n: float

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
    random-effects estimate, floored at 0). When most points hold one contact the two cannot
    be told apart and all spread counts as within: the variance of the baseline's contacts.
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
        # Between and within cannot be told apart: all spread is within, estimated by the
        # variance of the baseline's contacts (not of the point means, which shrinks on the
        # days with two or three contacts and so overstated every later z).
        spread = float(base["ss"].sum() + (n * (means - level) ** 2).sum())
        var_within, var_between = spread / (n.sum() - 1.0), 0.0
    if not var_within + var_between > 0:
        return None
    # The level is the contact-weighted mean, so its variance weighs each point's by n^2.
    var_mean = float((n**2 * (var_between + var_within / n)).sum() / n.sum() ** 2)
    return Baseline(
        mean=level,
        sd_within=math.sqrt(var_within),
        sd_between=math.sqrt(var_between),
        end=base["time"].iloc[-1],
        n_points=len(base),
        se_mean=math.sqrt(var_mean),
        typical_n=float(np.median(n)),
    )


def cusum(
    z: np.ndarray, *, k: float | np.ndarray, weight: float | np.ndarray = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided tabular CUSUM of standardised values: ``(S+, S-)``, both starting at 0.

    ``S+ = max(0, S+ + w (z - k))`` and ``S- = max(0, S- - w (z + k))``. With ``w = 1`` and
    one ``k`` this is Page's tabular CUSUM; a per-point ``k`` and ``w`` give the weighted
    (log-likelihood-ratio) CUSUM for points of unequal precision.
    """
    ks = np.broadcast_to(np.asarray(k, float), np.shape(z))
    ws = np.broadcast_to(np.asarray(weight, float), np.shape(z))
    upper, lower = np.zeros(len(z)), np.zeros(len(z))
    hi = lo = 0.0
    for i, value in enumerate(z):
        hi = max(0.0, hi + ws[i] * (value - ks[i]))
        lo = max(0.0, lo - ws[i] * (value + ks[i]))
        upper[i], lower[i] = hi, lo
    return upper, lower


def siegmund_arl(k: float, h: float, drift: float = 0.0) -> float:
    """Siegmund's approximation to the run length of a one-sided tabular CUSUM.

    Points are N(``drift``, 1); ``Delta = drift - k`` and ``b = h + 1.166``:
    ``ARL = (exp(-2 Delta b) + 2 Delta b - 1) / (2 Delta^2)``, ``b^2`` when ``Delta = 0``
    (Montgomery, *Introduction to Statistical Quality Control*, section 9.1).
    """
    delta, b = drift - k, h + 1.166
    if abs(delta) < 1e-9:
        return b * b
    x = -2.0 * delta * b
    if x > 700:  # overflow guard: the run length is astronomically long
        return math.inf
    return (math.exp(x) - x - 1.0) / (2.0 * delta * delta)


def two_sided_arl(k: float, h: float, offset: float = 0.0) -> float:
    """Run length of the two-sided chart when the points sit ``offset`` from the centre."""
    return 1.0 / (1.0 / siegmund_arl(k, h, offset) + 1.0 / siegmund_arl(k, h, -offset))


def decision_interval(k: float, arl0: float, offset: float = 0.0) -> float:
    """The ``h`` at which the two-sided chart with reference ``k`` runs ``arl0`` points
    in control, its points ``offset`` (standard errors) from the estimated centre."""
    lo, hi = 0.0, 1.0
    while two_sided_arl(k, hi, offset) < arl0:
        lo, hi = hi, 2.0 * hi
        if hi > 1e6:
            return math.inf
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if two_sided_arl(k, mid, offset) < arl0 else (lo, mid)
    return hi


@dataclass(frozen=True)
class Reference:
    """Per-point reference values and weights of the shift-sized CUSUM, and its ``h``."""

    k: np.ndarray
    weight: np.ndarray
    k_typical: float
    h: float


def shift_reference(base: Baseline, n: np.ndarray, settings: ChartSettings) -> Reference | None:
    """The weighted CUSUM that looks for a step of ``min_shift`` contact SDs (``s_w``).

    A point of ``n`` contacts moves by ``d = min_shift * s_w / SE(n)`` standard errors under that
    step; its log-likelihood ratio is ``d (z - d / 2)``. Dividing by ``d0``, the ``d`` of a
    point of the baseline's typical volume, keeps the statistic in that point's standard
    errors: reference ``d / 2``, weight ``d / d0``; at constant volume it is Page's chart
    with ``k = d0 / 2``. ``h`` gives ``arl0`` points between false alarms even when the
    baseline mean is off by the ``guarantee`` quantile of its sampling error.
    """
    if settings.min_shift is None or not base.sd_within > 0:
        return None
    step = settings.min_shift * base.sd_within
    d = step / base.scale(n)
    se_typical = float(base.scale(np.array([base.typical_n]))[0])
    d0 = step / se_typical
    if settings.h is not None:
        h = settings.h
    else:
        offset = NormalDist().inv_cdf(0.5 + settings.guarantee / 2.0) * base.se_mean / se_typical
        h = decision_interval(d0 / 2.0, settings.arl0, offset)
    return Reference(k=d / 2.0, weight=d / d0, k_typical=d0 / 2.0, h=h)


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
    z: np.ndarray, settings: ChartSettings, reference: Reference | None = None
) -> tuple[int | None, int | None, str | None, dict[str, np.ndarray]]:
    """Run the chart; return ``(alarm index, change index, direction, chart columns)``.

    ``reference`` (from :func:`shift_reference`) turns the CUSUM into the shift-sized
    weighted chart; without it the CUSUM uses the settings' ``k`` and ``h`` on every point.
    """
    if settings.method == "cusum":
        if reference is not None:
            h = reference.h
            upper, lower = cusum(z, k=reference.k, weight=reference.weight)
        else:
            h = settings.h if settings.h is not None else CLASSIC_H
            upper, lower = cusum(z, k=settings.k if settings.k is not None else CLASSIC_K)
        cols = {"upper": upper, "lower": 0.0 - lower, "limit": np.full(len(z), h)}
        fired = np.flatnonzero((upper > h) | (lower > h))
        if not len(fired):
            return None, None, None, cols
        alarm = int(fired[0])
        stat, direction = (upper, "up") if upper[alarm] > h else (lower, "down")
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
        "k": np.nan,
        "h": np.nan,
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
    reference = None
    if settings.method == "cusum":
        if settings.min_shift is not None:
            reference = shift_reference(base, n, settings)
            if reference is None:
                summary["note"] = (
                    "no spread within points in the baseline: cannot size a shift in contact SDs"
                )
                return chart, summary
            summary.update(k=reference.k_typical, h=reference.h)
        else:
            summary.update(
                k=settings.k if settings.k is not None else CLASSIC_K,
                h=settings.h if settings.h is not None else CLASSIC_H,
            )
    alarm, change, direction, cols = first_alarm(z, settings, reference)

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
    min_shift: float | None = DEFAULT_SHIFT,
    arl0: float = DEFAULT_ARL0,
    guarantee: float = DEFAULT_GUARANTEE,
    k: float | None = None,
    h: float | None = None,
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
    min_shift
        CUSUM: the smallest shift worth catching, in within-period standard deviations of
        one contact (default 0.5); each point's reference value and weight follow from its
        volume (see the module docstring). None: the classic chart with ``k`` and ``h``.
    arl0, guarantee
        CUSUM with ``min_shift``: ``h`` gives ``arl0`` points between false alarms (default
        1000) even when the baseline mean is off by the ``guarantee`` quantile (default 0.5)
        of its sampling error.
    k, h
        Classic CUSUM (``min_shift=None``): reference value and decision interval in
        standard errors of a point (default 0.5 and 5). With ``min_shift``, ``k`` must stay
        None and an ``h`` given overrides the computed one (in the typical point's
        standard errors).
    lam, L
        EWMA smoothing weight and limit width (0.2 and 3).

    Returns
    -------
    pandas.DataFrame
        One row per group: keys, ``method, drift, direction`` ("up"/"down"),
        ``alarm_date, change_date, shift`` (post-change mean minus baseline mean, in the
        value's units), ``shift_sd`` (the same in contact-level standard deviations),
        ``baseline_mean, baseline_sd, baseline_end, n_points, n_obs``, the parameters
        used (CUSUM: ``min_shift``, ``k`` and ``h`` in standard errors of a point of
        typical volume, ``arl0``; EWMA: ``lam, L``) and a ``note``.
    """
    keys = as_columns(by)
    settings = _settings(
        method=method,
        aggregate=aggregate,
        baseline_days=baseline_days,
        baseline_fraction=baseline_fraction,
        min_baseline=min_baseline,
        min_shift=min_shift,
        arl0=arl0,
        guarantee=guarantee,
        k=k,
        h=h,
        lam=lam,
        L=L,
    )
    frame = _prepare(df, keys, value_col, time_col, "detect_drift")
    if method == "cusum":
        params: dict[str, object] = {
            "min_shift": min_shift,
            "arl0": arl0 if min_shift is not None else np.nan,
        }
        chart_params = ["min_shift", "k", "h", "arl0"]
    else:
        params, chart_params = {"lam": lam, "L": L}, ["lam", "L"]
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
        *chart_params,
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
    min_shift: float | None = DEFAULT_SHIFT,
    arl0: float = DEFAULT_ARL0,
    guarantee: float = DEFAULT_GUARANTEE,
    k: float | None = None,
    h: float | None = None,
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
        min_shift=min_shift,
        arl0=arl0,
        guarantee=guarantee,
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

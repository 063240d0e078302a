"""Equity: does every kind of customer get the same quality of service?

A centre-wide average can look fine while one queue, contact reason, customer segment,
channel, hour or weekday is served clearly worse. :func:`equity_report` compares every
group with the rest of the centre and names a worse silo with its size, its gap and the
uncertainty of that gap, instead of averaging it away. :func:`equity_index` condenses one
grouping into a number a manager can track month by month.

Statistics: per group a t confidence interval of the mean; the gap to the rest (group
mean minus mean of all other contacts) with a Welch interval and Welch t-test, since
groups differ in size and spread; p-values Holm-adjusted over all the comparisons in the
report, because scanning thirty groups for one significant result finds one by chance.
A group is flagged only when the adjusted test is significant *and* the gap is at least a
practical minimum (default 3 points), so large centres do not flag trivial differences.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxnlp.analytics.frames import LOWER_IS_BETTER, as_columns, require_columns, to_local_timestamps

logger = logging.getLogger(__name__)

#: Groupings compared when ``by`` is not given (those present in the table are used).
DEFAULT_EQUITY_BY: tuple[str, ...] = (
    "queue",
    "contact_reason",
    "customer_segment",
    "channel",
    "hour",
    "weekday",
)
DERIVED = ("hour", "weekday")
MISSING_LEVEL = "(missing)"


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN kept as NaN), controlling family-wise error."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


def welch_gap(
    mean_a: float,
    var_a: float,
    n_a: int,
    mean_b: float,
    var_b: float,
    n_b: int,
    *,
    confidence: float,
) -> tuple[float, float, float, float, float, float]:
    """Gap ``a - b`` with its Welch interval, t statistic, degrees of freedom and p-value.

    Returns ``(gap, low, high, t, dof, p)``; NaNs when either side has fewer than two values
    or no spread.
    """
    gap = mean_a - mean_b
    nan = float("nan")
    if n_a < 2 or n_b < 2:
        return gap, nan, nan, nan, nan, nan
    va, vb = var_a / n_a, var_b / n_b
    se = np.sqrt(va + vb)
    if not se > 0:
        return gap, nan, nan, nan, nan, nan
    dof = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    t = gap / se
    p = 2.0 * stats.t.sf(abs(t), dof)
    half = stats.t.ppf(0.5 + confidence / 2.0, dof) * se
    return gap, gap - half, gap + half, float(t), float(dof), float(p)


def _derive(df: pd.DataFrame, columns: list[str], time_col: str) -> pd.DataFrame:
    """Add ``hour`` and ``weekday`` from the contact time where asked for and absent."""
    need = [c for c in columns if c in DERIVED and c not in df.columns]
    if not need:
        return df
    require_columns(
        df,
        [time_col],
        where="equity_report",
        hint=f"'hour' and 'weekday' are derived from {time_col!r}; pass time_col=.",
    )
    stamps = to_local_timestamps(df[time_col], column=time_col)
    extra = {}
    if "hour" in need:
        extra["hour"] = stamps.dt.hour.astype("Int64")
    if "weekday" in need:
        extra["weekday"] = stamps.dt.day_name()
    return df.assign(**extra)


def _resolve_by(df: pd.DataFrame, by: str | Iterable[str] | None, time_col: str, where: str) -> list[str]:
    if by is not None:
        keys = as_columns(by)
        if not keys:
            raise ValueError(f"Got by=(); expected at least one grouping column for {where}().")
        require_columns(df, [k for k in keys if k not in DERIVED], where=where)
        return keys
    keys = [c for c in DEFAULT_EQUITY_BY if c in df.columns or (c in DERIVED and time_col in df.columns)]
    if not keys:
        raise ValueError(
            f"Got a table with none of the default groupings {DEFAULT_EQUITY_BY}; expected at "
            "least one. Pass by=[...] with your grouping columns."
        )
    return keys


def _group_stats(values: np.ndarray, levels: pd.Series, confidence: float) -> pd.DataFrame:
    """n, mean, sd and t interval per level, plus the rest's n, mean and variance."""
    frame = pd.DataFrame({"level": levels.to_numpy(), "v": values})
    g = frame.groupby("level", sort=True, observed=True)["v"]
    table = pd.DataFrame({"n": g.size(), "mean": g.mean(), "var": g.var(ddof=1)})
    total_n, total_sum = len(values), values.sum()
    total_sq = np.square(values).sum()
    sums = table["n"] * table["mean"]
    sq = g.apply(lambda v: float(np.square(v).sum()))
    rest_n = total_n - table["n"]
    rest_mean = (total_sum - sums) / rest_n.where(rest_n > 0)
    rest_var = (total_sq - sq - rest_n * rest_mean**2) / (rest_n - 1).where(rest_n > 1)
    table["rest_n"], table["rest_mean"], table["rest_var"] = (
        rest_n,
        rest_mean,
        rest_var.clip(lower=0),
    )
    sd = np.sqrt(table["var"])
    half = (
        stats.t.ppf(0.5 + confidence / 2.0, (table["n"] - 1).where(table["n"] > 1)) * sd / np.sqrt(table["n"])
    )
    table["sd"], table["ci_low"], table["ci_high"] = sd, table["mean"] - half, table["mean"] + half
    return table


def equity_report(
    df: pd.DataFrame,
    *,
    by: str | Iterable[str] | None = None,
    value_col: str = "interaction_score",
    time_col: str = "started_at",
    confidence: float = 0.95,
    alpha: float = 0.05,
    min_difference: float = 3.0,
    min_n: int = 5,
    higher_is_better: bool | None = None,
) -> pd.DataFrame:
    """Every group against the rest of the centre, with intervals, adjusted tests and flags.

    Parameters
    ----------
    df
        The score table (joined with surveys to compare ``survey_rating``).
    by
        Grouping columns, each compared separately. Default: those of ``queue,
        contact_reason, customer_segment, channel, hour, weekday`` the table has;
        ``hour`` and ``weekday`` are derived from ``time_col`` (local wall-clock time).
    value_col
        What to compare: ``interaction_score`` (default), ``survey_rating`` or a dimension.
    time_col
        Contact time, for the derived groupings.
    confidence
        Level of the intervals (default 0.95).
    alpha
        Significance level applied to the Holm-adjusted p-values (default 0.05).
    min_difference
        Smallest gap, in the value's units, that matters in practice (default 3 points).
    min_n
        Groups smaller than this are reported but not tested (default 5).
    higher_is_better
        Direction of ``value_col``; default True except for ``filler_content``.

    Returns
    -------
    pandas.DataFrame
        One row per grouping x level: ``grouping, group, n, share, mean, sd, ci_low,
        ci_high, rest_n, rest_mean, gap, gap_ci_low, gap_ci_high, t, dof, p_value,
        p_adjusted, worse_than_rest, better_than_rest, finding``; within a grouping the
        worst group comes first. ``finding`` states a flagged group's size and gap in words.
    """
    if not 0 < confidence < 1 or not 0 < alpha < 1:
        raise ValueError(
            f"Got confidence={confidence}, alpha={alpha}; expected both strictly between 0 and 1."
        )
    keys = _resolve_by(df, by, time_col, "equity_report")
    require_columns(df, [value_col], where="equity_report")
    better_high = value_col not in LOWER_IS_BETTER if higher_is_better is None else higher_is_better
    data = _derive(df, keys, time_col)
    values = pd.to_numeric(data[value_col], errors="coerce")
    keep = values.notna()
    data, values = data.loc[keep], values[keep].to_numpy(float)
    if len(values) == 0:
        raise ValueError(f"Got no numeric values in {value_col!r}; expected scores to compare.")

    parts = []
    for key in keys:
        levels = data[key].astype(object).where(data[key].notna(), MISSING_LEVEL).astype(str)
        table = _group_stats(values, levels, confidence)
        rows = [
            welch_gap(
                r.mean,
                r.var,
                int(r.n),
                r.rest_mean,
                r.rest_var,
                int(r.rest_n),
                confidence=confidence,
            )
            if r.n >= min_n and r.rest_n >= min_n
            else (r.mean - r.rest_mean, *([float("nan")] * 5))
            for r in table.itertuples()
        ]
        gaps = pd.DataFrame(
            rows,
            index=table.index,
            columns=["gap", "gap_ci_low", "gap_ci_high", "t", "dof", "p_value"],
        )
        part = pd.concat([table.drop(columns=["var", "rest_var"]), gaps], axis=1)
        part.insert(0, "grouping", key)
        part.insert(1, "group", part.index.astype(str))
        part["share"] = part["n"] / len(values)
        parts.append(part.reset_index(drop=True))
    report = pd.concat(parts, ignore_index=True)

    report["p_adjusted"] = holm(report["p_value"].to_numpy())
    sig = report["p_adjusted"] < alpha
    signed = report["gap"] if better_high else -report["gap"]
    report["worse_than_rest"] = sig & (signed <= -min_difference)
    report["better_than_rest"] = sig & (signed >= min_difference)
    report["finding"] = [_finding(r, value_col, confidence) for r in report.to_dict("records")]
    report["_order"] = signed
    report = report.sort_values(["grouping", "_order"], kind="stable").drop(columns="_order")
    columns = [
        "grouping",
        "group",
        "n",
        "share",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "rest_n",
        "rest_mean",
        "gap",
        "gap_ci_low",
        "gap_ci_high",
        "t",
        "dof",
        "p_value",
        "p_adjusted",
        "worse_than_rest",
        "better_than_rest",
        "finding",
    ]
    flagged = report.loc[report["worse_than_rest"], ["grouping", "group", "n"]]
    for r in flagged.itertuples():
        logger.info("equity_report: %s=%s (n=%d) is served worse than the rest", *r[1:])
    return report[columns].reset_index(drop=True)


def _finding(r: Mapping[str, Any], value_col: str, confidence: float) -> str:
    """A flagged group in one sentence, its size first: the silo must not be averaged away."""
    if not (r["worse_than_rest"] or r["better_than_rest"]):
        return ""
    word = "below" if r["gap"] < 0 else "above"
    return (
        f"{r['grouping']}={r['group']} (n={r['n']}, {r['share']:.0%} of contacts) averages "
        f"{abs(r['gap']):.1f} {value_col} points {word} the rest "
        f"({confidence:.0%} CI {r['gap_ci_low']:+.1f} to {r['gap_ci_high']:+.1f}; "
        f"Holm p={r['p_adjusted']:.2g})"
    )


def equity_index(
    df: pd.DataFrame,
    *,
    by: str | Iterable[str] | None = None,
    value_col: str = "interaction_score",
    time_col: str = "started_at",
    min_n: int = 5,
    higher_is_better: bool | None = None,
) -> pd.DataFrame:
    """One trackable equity number per grouping, with the worst group named beside it.

    ``equity_index = 100 - sum_g n_g * |mean_g - mean| / N``: 100 minus the
    contact-weighted mean absolute distance of the group means from the centre mean, in
    the value's points. 100 means every group is served alike; 95 means the average
    customer sits in a group 5 points away from the centre's level. It is in points (so a
    change reads directly), weights groups by contacts (so a tiny noisy group cannot swing
    it, unlike a worst/best ratio) and stays within 0-100 for a 0-100 score. Because it is
    an average, the worst group is reported beside it: the index tracks the trend, the
    ``worst_*`` columns name the silo.

    Sampling noise alone keeps the index slightly below 100 (about ``sd * sqrt(2 / (pi *
    n_g))`` points per group), so compare values computed on similar volumes.

    Parameters
    ----------
    df, by, value_col, time_col, higher_is_better
        As for :func:`equity_report`.
    min_n
        Groups smaller than this are left out of the index (default 5).

    Returns
    -------
    pandas.DataFrame
        One row per grouping: ``grouping, n_groups, n, mean, equity_index, mean_abs_gap,
        worst_group, worst_mean, worst_gap_to_rest, worst_n, worst_share, best_group,
        best_mean``.
    """
    keys = _resolve_by(df, by, time_col, "equity_index")
    require_columns(df, [value_col], where="equity_index")
    better_high = value_col not in LOWER_IS_BETTER if higher_is_better is None else higher_is_better
    data = _derive(df, keys, time_col)
    values = pd.to_numeric(data[value_col], errors="coerce")
    keep = values.notna()
    data, values = data.loc[keep], values[keep]
    rows = []
    for key in keys:
        levels = data[key].astype(object).where(data[key].notna(), MISSING_LEVEL).astype(str)
        g = values.groupby(levels.to_numpy(), sort=True)
        table = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sum": g.sum()})
        table = table[table["n"] >= min_n]
        if table.empty:
            rows.append({"grouping": key, "n_groups": 0, "n": 0, "equity_index": np.nan})
            continue
        n = int(table["n"].sum())
        centre = float(table["sum"].sum() / n)
        mad = float((table["n"] * (table["mean"] - centre).abs()).sum() / n)
        rest = (table["sum"].sum() - table["sum"]) / (n - table["n"]).where(n > table["n"])
        gap_to_rest = table["mean"] - rest
        worst = table["mean"].idxmin() if better_high else table["mean"].idxmax()
        best = table["mean"].idxmax() if better_high else table["mean"].idxmin()
        rows.append(
            {
                "grouping": key,
                "n_groups": len(table),
                "n": n,
                "mean": centre,
                "equity_index": 100.0 - mad,
                "mean_abs_gap": mad,
                "worst_group": str(worst),
                "worst_mean": float(table.loc[worst, "mean"]),
                "worst_gap_to_rest": float(gap_to_rest.loc[worst]),
                "worst_n": int(table.loc[worst, "n"]),
                "worst_share": float(table.loc[worst, "n"] / n),
                "best_group": str(best),
                "best_mean": float(table.loc[best, "mean"]),
            }
        )
    return pd.DataFrame(rows)

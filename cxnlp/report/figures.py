"""Figures for the QA report: plain matplotlib, no pyplot, no global state.

Every function takes a table produced by :mod:`cxnlp.analytics` (or the score table itself)
and returns a :class:`matplotlib.figure.Figure` with its own Agg canvas attached. Nothing
goes through ``matplotlib.pyplot``: pyplot keeps every figure alive in a global registry
and switches backends process-wide, which leaks memory in a long-running scorer and can
break a notebook's interactive backend. A bare ``Figure`` is garbage-collected like any
other object.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common
colour-vision deficiencies; the "worse" highlight is vermillion and "better" bluish green,
and every chart repeats the colour meaning in its legend or labels, so colour is never the
only carrier of information.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from cxnlp.schema import DIMENSION_COLUMNS, INTERACTION_THRESHOLD, SCORE_COLUMN, SURVEY_THRESHOLD

logger = logging.getLogger(__name__)

#: Okabe-Ito: colour-blind-safe categorical palette (black last, for reference lines).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
WORSE_COLOUR = "#D55E00"
BETTER_COLOUR = "#009E73"
NEUTRAL_COLOUR = "#0072B2"
REFERENCE_COLOUR = "#333333"

#: Axis labels with units, shared by every chart so a reader sees one vocabulary.
AXIS_LABELS: Mapping[str, str] = {
    "brand_congruence": "brand congruence (0–100)",
    "answer_completeness": "answer completeness (0–100)",
    "proactive_connection": "proactive connection (0–100)",
    "filler_content": "filler content (% of agent words, lower is better)",
    "interaction_score": "interaction score (0–100)",
    "survey_rating": "survey rating (0–100)",
}

_PRIORITY_COLOURS: Mapping[str, str] = {
    "high": "#D55E00",
    "medium": "#E69F00",
    "low": "#56B4E9",
    "none": "#999999",
}

_DPI = 100


def axis_label(column: str) -> str:
    """The human axis label for a score column (with its unit), or the column name."""
    return AXIS_LABELS.get(column, column.replace("_", " "))


def new_figure(width: float, height: float) -> Figure:
    """A Figure with an Agg canvas, independent of pyplot and of the process backend.

    Attaching the canvas here is what "setting the Agg backend inside the function" means
    without touching ``matplotlib.use``: the figure renders headless wherever it goes.
    """
    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def colour_cycle(n: int) -> list[str]:
    """``n`` palette colours (repeating after seven; black is kept for reference lines)."""
    base = PALETTE[:7]
    return [base[i % len(base)] for i in range(n)]


def save_png(fig: Figure, path: str | Path, *, dpi: int = _DPI) -> Path:
    """Write ``fig`` as a PNG file atomically, creating the folder; returns the path written."""
    from cxnlp.io.atomic import atomic_write_bytes

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, png_bytes(fig, dpi=dpi))
    return target


def png_bytes(fig: Figure, *, dpi: int = _DPI) -> bytes:
    """Render ``fig`` to PNG bytes (for embedding in HTML or writing to disk)."""
    if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _levels(values: pd.Series) -> list[str]:
    return sorted(values.dropna().astype(str).unique())


def _group_column(df: pd.DataFrame, by: str | None) -> pd.Series:
    """The grouping as strings; everything in one group "all contacts" when absent."""
    if by is None or by not in df.columns:
        return pd.Series("all contacts", index=df.index)
    return df[by].astype(object).where(df[by].notna(), "(missing)").astype(str)


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11)
    ax.set_xticks([])
    ax.set_yticks([])


def dimension_distributions(
    scores: pd.DataFrame,
    *,
    by: str | None = "team",
    columns: Sequence[str] = (*DIMENSION_COLUMNS, SCORE_COLUMN),
    threshold: float = INTERACTION_THRESHOLD,
) -> Figure:
    """Box plots of each dimension and the interaction score, one box per group.

    Box plots rather than means because a QA lead coaches on the spread (the bottom
    quartile of calls), not on the average. The last panel is the centre-wide histogram of
    the interaction score with the optimized threshold, so the share of contacts already
    above the bar is visible at a glance.

    Parameters
    ----------
    scores
        The score table.
    by
        Grouping column (default ``"team"``); one box per panel when absent.
    columns
        Score columns to draw, one panel each (those missing from ``scores`` are skipped).
    threshold
        Interaction-score threshold drawn on the histogram (default
        :data:`cxnlp.schema.INTERACTION_THRESHOLD`).
    """
    present = [c for c in columns if c in scores.columns]
    groups = _group_column(scores, by)
    levels = _levels(groups)
    colours = colour_cycle(len(levels))
    n_panels = len(present) + ("interaction_score" in present)
    n_cols = 3
    n_rows = max(1, int(np.ceil(n_panels / n_cols)))
    fig = new_figure(12, 3.6 * n_rows)
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, column in zip(axes, present, strict=False):
        values = pd.to_numeric(scores[column], errors="coerce")
        data = [values[groups == level].dropna().to_numpy() for level in levels]
        drawn = [(lvl, d, c) for lvl, d, c in zip(levels, data, colours, strict=True) if len(d)]
        if not drawn:
            _empty(ax, "no values (not applicable)")
        else:
            box = ax.boxplot(
                [d for _, d, _ in drawn],
                tick_labels=[lvl for lvl, _, _ in drawn],
                patch_artist=True,
                widths=0.6,
                medianprops={"color": "black", "linewidth": 1.5},
                flierprops={"marker": ".", "markersize": 4, "alpha": 0.5},
            )
            for patch, (_, _, colour) in zip(box["boxes"], drawn, strict=True):
                patch.set_facecolor(colour)
                patch.set_alpha(0.75)
            ax.tick_params(axis="x", labelrotation=20, labelsize=9)
        ax.set_title(column.replace("_", " "), fontsize=11)
        ax.set_ylabel(axis_label(column), fontsize=9)
        ax.set_xlabel(by.replace("_", " ") if by and by in scores.columns else "")
        ax.grid(axis="y", alpha=0.3)
    used = len(present)
    if "interaction_score" in present:
        ax = axes[used]
        values = pd.to_numeric(scores["interaction_score"], errors="coerce").dropna()
        if len(values):
            ax.hist(values, bins=np.arange(0, 102.5, 2.5), color=NEUTRAL_COLOUR, alpha=0.8)
            above = float((values >= threshold).mean())
            ax.axvline(
                threshold,
                color=WORSE_COLOUR,
                linestyle="--",
                linewidth=2,
                label=f"optimized threshold ({threshold:g}); {above:.0%} of contacts above",
            )
            ax.legend(loc="upper left", fontsize=8)
        else:
            _empty(ax, "no interaction scores")
        ax.set_title("interaction score, all contacts", fontsize=11)
        ax.set_xlabel(axis_label("interaction_score"))
        ax.set_ylabel("contacts")
        used += 1
    for ax in axes[used:]:
        ax.set_visible(False)
    fig.suptitle("Dimension scores by " + (by.replace("_", " ") if by else "centre"), fontsize=13)
    return fig


def status_trend(
    status: pd.DataFrame,
    *,
    by: str | None = "team",
    interaction_threshold: float = INTERACTION_THRESHOLD,
    survey_threshold: float = SURVEY_THRESHOLD,
) -> Figure:
    """Mean interaction score and mean survey rating per period and group, with the bars.

    Parameters
    ----------
    status
        The table of :func:`cxnlp.analytics.optimized_status` (``period_start``,
        ``mean_interaction``, ``mean_survey`` and the group column).
    by
        The group column of ``status`` (one line per group); None for the centre.
    interaction_threshold, survey_threshold
        The optimized bars drawn as dashed lines (defaults from :mod:`cxnlp.schema`).
    """
    has_survey = "mean_survey" in status.columns and status["mean_survey"].notna().any()
    panels = [("mean_interaction", "interaction_score", interaction_threshold)]
    if has_survey:
        panels.append(("mean_survey", "survey_rating", survey_threshold))
    fig = new_figure(12 if has_survey else 7.5, 4.2)
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    groups = _group_column(status, by)
    levels = _levels(groups)
    for ax, (column, unit, bar) in zip(axes, panels, strict=True):
        for level, colour, marker in zip(
            levels, colour_cycle(len(levels)), _markers(len(levels)), strict=True
        ):
            part = status[groups == level].sort_values("period_start")
            ax.plot(
                part["period_start"],
                part[column],
                marker=marker,
                color=colour,
                linewidth=2,
                label=level,
            )
        ax.axhline(bar, color=REFERENCE_COLOUR, linestyle="--", linewidth=1.5, label=f"threshold ({bar:g})")
        ax.set_title(f"{axis_label(unit).split(' (')[0]} per period", fontsize=11)
        ax.set_ylabel(f"mean {axis_label(unit)}")
        ax.set_xlabel("period")
        ax.grid(alpha=0.3)
        low = np.nanmin([np.nanmin(status[column].to_numpy(float)), bar])
        ax.set_ylim(max(0.0, low - 8), 100)
        starts = sorted(status["period_start"].dropna().unique())
        labels = status.drop_duplicates("period_start").set_index("period_start")["period"]
        ax.set_xticks(starts, [str(labels.get(t, "")) for t in starts])
        ax.tick_params(axis="x", labelrotation=20 if len(starts) > 6 else 0, labelsize=9)
        if len(starts) == 1:
            ax.set_xlim(starts[0] - pd.Timedelta(days=10), starts[0] + pd.Timedelta(days=10))
    axes[-1].legend(loc="lower left", fontsize=8, ncols=2)
    title = "Optimized status trend: both means must reach their thresholds"
    if not has_survey:
        title = "Interaction score trend (no survey ratings provided)"
    fig.suptitle(title, fontsize=13)
    return fig


def _markers(n: int) -> list[str]:
    shapes = ["o", "s", "^", "D", "v", "P", "X"]
    return [shapes[i % len(shapes)] for i in range(n)]


def equity_chart(
    report: pd.DataFrame,
    *,
    groupings: Iterable[str] | None = None,
    value_label: str = "interaction score (0–100)",
) -> Figure:
    """Group means with confidence intervals against the overall mean, one panel per grouping.

    Flagged groups (significantly and materially worse or better than the rest, see
    :func:`cxnlp.analytics.equity_report`) are coloured and named in the legend; each tick
    label carries the group size, so a small noisy group is not read as a silo.

    Parameters
    ----------
    report
        The table of :func:`cxnlp.analytics.equity_report`.
    groupings
        Which groupings to draw (default: all in ``report``, in its order).
    value_label
        Axis label (with unit) of the compared value.
    """
    names = list(dict.fromkeys(report["grouping"])) if groupings is None else list(groupings)
    names = [g for g in names if (report["grouping"] == g).any()]
    sizes = [int((report["grouping"] == g).sum()) for g in names] or [1]
    fig = new_figure(10, 1.3 + 0.34 * sum(sizes) + 0.7 * len(sizes))
    if not names:
        _empty(fig.subplots(), "no groups to compare")
        return fig
    axes = fig.subplots(len(names), 1, squeeze=False, height_ratios=[s + 2 for s in sizes]).ravel()
    for ax, name in zip(axes, names, strict=True):
        part = report[report["grouping"] == name].iloc[::-1]
        y = np.arange(len(part))
        means = part["mean"].to_numpy(float)
        low = (means - part["ci_low"].to_numpy(float)).clip(min=0)
        high = (part["ci_high"].to_numpy(float) - means).clip(min=0)
        colours = [
            WORSE_COLOUR if w else BETTER_COLOUR if b else NEUTRAL_COLOUR
            for w, b in zip(part["worse_than_rest"], part["better_than_rest"], strict=True)
        ]
        for yi, m, lo, hi, colour in zip(y, means, low, high, colours, strict=True):
            ax.errorbar(
                m,
                yi,
                xerr=[[np.nan_to_num(lo)], [np.nan_to_num(hi)]],
                fmt="o",
                color=colour,
                capsize=3,
                markersize=6,
                linewidth=1.8,
            )
        overall = float((part["n"] * part["mean"]).sum() / part["n"].sum())
        ax.axvline(overall, color=REFERENCE_COLOUR, linestyle="--", linewidth=1.2)
        ax.set_yticks(y, [f"{g} (n={n})" for g, n in zip(part["group"], part["n"], strict=True)])
        ax.tick_params(axis="y", labelsize=9)
        ax.set_title(f"by {name.replace('_', ' ')}", fontsize=11, loc="left")
        ax.set_xlabel(value_label)
        ax.grid(axis="x", alpha=0.3)
        ax.set_ylim(-0.7, len(part) - 0.3)
        ax.plot([], [], "--", color=REFERENCE_COLOUR, label=f"overall mean ({overall:.1f})")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=WORSE_COLOUR,
            label="worse than the rest (flagged)",
        ),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=BETTER_COLOUR,
            label="better than the rest (flagged)",
        ),
        Line2D([], [], marker="o", linestyle="", color=NEUTRAL_COLOUR, label="not flagged"),
    ]
    fig.suptitle("Equity: group means with 95% confidence intervals", fontsize=13)
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=9, frameon=False)
    return fig


def control_charts(
    chart: pd.DataFrame,
    drift: pd.DataFrame,
    *,
    by: str | None = "team",
    groups: Sequence[str] | None = None,
    value_label: str = "interaction score (0–100)",
) -> Figure:
    """Per group: daily means with control limits, and the CUSUM/EWMA statistic with its limit.

    The left panel is in score points (what a manager reads); the right panel is the
    decision statistic in standard errors (what raised the alarm). The detected change date
    is a vertical line in both, the alarm day a marker, and the baseline period is shaded.

    Parameters
    ----------
    chart
        The table of :func:`cxnlp.analytics.control_chart_data`.
    drift
        The table of :func:`cxnlp.analytics.detect_drift` with the same settings.
    by
        The group column of both tables; None for the centre as a whole.
    groups
        Which groups to draw, in order (default: all, drifted first).
    value_label
        Axis label (with unit) of the watched value.
    """
    chart_groups = _group_column(chart, by)
    drift_groups = _group_column(drift, by)
    if groups is None:
        flagged = drift_groups[drift["drift"].astype(bool)].tolist()
        groups = flagged + [g for g in _levels(drift_groups) if g not in flagged]
    groups = list(groups)
    fig = new_figure(12, 0.9 + 2.7 * max(1, len(groups)))
    if not groups:
        _empty(fig.subplots(), "no groups to chart")
        return fig
    axes = fig.subplots(len(groups), 2, squeeze=False)
    for (ax_mean, ax_stat), group in zip(axes, groups, strict=True):
        part = chart[chart_groups == group].sort_values("time")
        row = drift[drift_groups == group]
        info = row.iloc[0] if len(row) else None
        _draw_mean_panel(ax_mean, part, info, group, value_label)
        _draw_stat_panel(ax_stat, part, info, group)
    _chart_legend(fig)
    fig.suptitle("Drift control charts (baseline shaded; dotted line = detected change)", fontsize=13)
    return fig


def _chart_legend(fig: Figure) -> None:
    """One legend for every panel, outside the axes, so no data point is hidden behind it."""
    grey = dict(color=REFERENCE_COLOUR, linewidth=1)
    handles = [
        Line2D([], [], marker=".", linestyle="", color=NEUTRAL_COLOUR, markersize=8, label="daily mean"),
        Line2D([], [], **grey, label="baseline mean"),
        Line2D(
            [],
            [],
            color="#888888",
            linewidth=0.8,
            linestyle="--",
            label="3 SE limits / control limit",
        ),
        Line2D([], [], color=BETTER_COLOUR, linewidth=1.5, label="CUSUM S+ (upward)"),
        Line2D([], [], color=WORSE_COLOUR, linewidth=1.5, label="CUSUM −S− (downward)"),
        Line2D([], [], color=WORSE_COLOUR, linewidth=2, linestyle=":", label="detected change"),
        Line2D([], [], marker="X", linestyle="", color=WORSE_COLOUR, markersize=8, label="alarm"),
        Patch(color="#999999", alpha=0.3, label="baseline period"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=9, frameon=False)


def _change_date(info: pd.Series | None) -> pd.Timestamp | None:
    if info is None or not bool(info.get("drift", False)):
        return None
    value = info.get("change_date")
    return None if pd.isna(value) else pd.Timestamp(value)


def _shade_baseline(ax, part: pd.DataFrame) -> None:
    if "in_baseline" not in part.columns:
        return
    base = part[part["in_baseline"].eq(True)]
    if len(base):
        ax.axvspan(base["time"].min(), base["time"].max(), color="#999999", alpha=0.15, lw=0)


def _draw_mean_panel(ax, part, info, group, value_label) -> None:
    ax.plot(part["time"], part["mean"], ".", color=NEUTRAL_COLOUR, markersize=5, label="daily mean")
    if part["centre"].notna().any():
        ax.plot(
            part["time"],
            part["centre"],
            color=REFERENCE_COLOUR,
            linewidth=1.2,
            label="baseline mean",
        )
        ax.plot(
            part["time"],
            part["mean_lcl"],
            color="#888888",
            linewidth=0.8,
            linestyle="--",
            label="3 SE limits",
        )
        ax.plot(part["time"], part["mean_ucl"], color="#888888", linewidth=0.8, linestyle="--")
    _shade_baseline(ax, part)
    _mark_change(ax, part, info)
    change = _change_date(info)
    extra = f" (change {change:%Y-%m-%d})" if change is not None else ""
    ax.set_title(f"{group}: daily mean{extra}", fontsize=10, loc="left")
    ax.set_ylabel(value_label, fontsize=8)
    ax.grid(alpha=0.3)
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)


def _draw_stat_panel(ax, part, info, group) -> None:
    method = str(info.get("method", "cusum")) if info is not None else "cusum"
    if not part["limit"].notna().any():
        note = str(info.get("note", "")) if info is not None else ""
        _empty(ax, "not enough data for a control chart" + (f"\n{note[:60]}" if note else ""))
        ax.set_title(f"{group}: {method.upper()}", fontsize=10, loc="left")
        return
    if method == "cusum":
        ax.plot(part["time"], part["upper"], color=BETTER_COLOUR, linewidth=1.5, label="CUSUM S+ (up)")
        ax.plot(part["time"], part["lower"], color=WORSE_COLOUR, linewidth=1.5, label="CUSUM −S− (down)")
        ax.plot(part["time"], -part["limit"], color="#888888", linestyle="--", linewidth=1)
    else:
        ax.plot(part["time"], part["upper"], color=NEUTRAL_COLOUR, linewidth=1.5, label="EWMA")
        ax.plot(part["time"], -part["limit"], color="#888888", linestyle="--", linewidth=1)
    ax.plot(
        part["time"],
        part["limit"],
        color="#888888",
        linestyle="--",
        linewidth=1,
        label="control limit",
    )
    _shade_baseline(ax, part)
    _mark_change(ax, part, info, stat=True)
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.set_title(f"{group}: {method.upper()} (standard errors)", fontsize=10, loc="left")
    ax.set_ylabel("statistic (SE units)", fontsize=8)
    ax.grid(alpha=0.3)
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)


def _mark_change(ax, part, info, *, stat: bool = False) -> None:
    change = _change_date(info)
    if change is None:
        return
    ax.axvline(change, color=WORSE_COLOUR, linestyle=":", linewidth=2, label=f"change {change:%Y-%m-%d}")
    alarms = part[part["alarm"].eq(True)] if "alarm" in part.columns else part[:0]
    if len(alarms):
        y = alarms["upper" if stat else "mean"]
        if stat and info is not None and info.get("direction") == "down":
            y = alarms["lower"]
        ax.plot(alarms["time"], y, "X", color=WORSE_COLOUR, markersize=9, label="alarm")


def followup_counts(followups: pd.DataFrame) -> Figure:
    """How many surveyed customers need each follow-up action, coloured by priority.

    Parameters
    ----------
    followups
        The table of :func:`cxnlp.analytics.route_followups`.
    """
    from cxnlp.analytics import FOLLOWUP_ACTIONS
    from cxnlp.analytics.followup import PRIORITY

    counts = followups["action"].value_counts() if len(followups) else pd.Series(dtype=int)
    actions = [a for a in FOLLOWUP_ACTIONS if a in counts.index or a != "none"]
    values = [int(counts.get(a, 0)) for a in actions]
    fig = new_figure(8, 3.4)
    ax = fig.subplots()
    y = np.arange(len(actions))[::-1]
    colours = [_PRIORITY_COLOURS[PRIORITY[a]] for a in actions]
    bars = ax.barh(y, values, color=colours, edgecolor="black", linewidth=0.5)
    ax.bar_label(bars, padding=3, fontsize=9)
    ax.set_yticks(y, [f"{a.replace('_', ' ')} ({PRIORITY[a]})" for a in actions])
    ax.set_xlabel("surveyed contacts (count)")
    ax.set_title(f"Follow-up actions for {len(followups)} surveyed contacts", fontsize=12)
    ax.set_xlim(0, max(values + [1]) * 1.15)
    ax.grid(axis="x", alpha=0.3)
    return fig


def impact_chart(
    series: Mapping[str, pd.DataFrame],
    effects: Mapping[str, pd.Series] | None = None,
    *,
    value_label: str = "interaction score (0–100)",
) -> Figure:
    """Per workshop: weekly means of treated and control before and after, with intervals.

    Parameters
    ----------
    series
        Panel title (e.g. "Team East, 2026-10-01") → the table of
        :func:`cxnlp.analytics.impact_series` for that event.
    effects
        Same keys → the event's row of :func:`cxnlp.analytics.workshop_impact`, whose
        effect and interval are written in the panel title.
    value_label
        Axis label (with unit) of the metric.
    """
    titles = list(series)
    fig = new_figure(8, 0.9 + 3.0 * max(1, len(titles)))
    if not titles:
        _empty(fig.subplots(), "no events to chart")
        return fig
    axes = fig.subplots(len(titles), 1, squeeze=False)[:, 0]
    styles = {"treated": (NEUTRAL_COLOUR, "o", "-"), "control": (PALETTE[1], "s", "--")}
    for ax, title in zip(axes, titles, strict=True):
        data = series[title]
        for group, (colour, marker, line) in styles.items():
            part = data[data["group"] == group].sort_values("bin_start")
            if part.empty:
                continue
            x = part["bin_start"].to_numpy(float)
            ax.plot(x, part["mean"], marker=marker, linestyle=line, color=colour, label=group)
            ax.fill_between(x, part["ci_low"], part["ci_high"], color=colour, alpha=0.15, linewidth=0)
        ax.axvline(0.0, color=REFERENCE_COLOUR, linestyle=":", linewidth=1.2)
        limits = _impact_limits(data)
        if limits is not None:
            ax.set_ylim(*limits)
        ax.set_xlabel("days from the workshop (weekly bins)")
        ax.set_ylabel(value_label)
        row = (effects or {}).get(title)
        if row is not None and row["effect"] == row["effect"]:
            title = (
                f"{title}: effect {row['effect']:+.1f} (95% CI {row['ci_low']:+.1f} to {row['ci_high']:+.1f})"
            )
        ax.set_title(title, fontsize=11)
        ax.legend(loc="best", fontsize=9, title="95% intervals shaded", title_fontsize=8)
    fig.suptitle("Workshop impact: treated against control (dotted line = workshop)", fontsize=13)
    return fig


def _impact_limits(data: pd.DataFrame, *, min_n: int = 5) -> tuple[float, float] | None:
    """Y limits that show every mean and the intervals of bins with ``min_n`` calls or more.

    A week with two calls has a t interval a hundred points wide; letting it set the axis
    would flatten every other week into a line. Its band runs off the axes instead.
    """
    means = pd.to_numeric(data["mean"], errors="coerce")
    solid = data[pd.to_numeric(data["n"], errors="coerce") >= min_n]
    values = pd.concat([means, solid["ci_low"], solid["ci_high"]]).astype(float)
    values = values[np.isfinite(values)]
    if values.empty:
        return None
    low, high = float(values.min()), float(values.max())
    pad = max(0.08 * (high - low), 1.0)
    return low - pad, high + pad


def outcome_chart(agreement: pd.DataFrame, *, outcome: str | None = None) -> Figure:
    """The calibration curve and the lift by decile of a binary-outcome calibrator.

    Parameters
    ----------
    agreement
        The agreement table of an outcome calibrator (``TargetResult.agreement`` or the
        ``agreement.csv`` that ``cxnlp calibrate`` writes): its ``reliability`` rows
        (``mean_predicted`` and ``observed_rate`` per ``predicted_bin``) and ``lift`` rows
        (per ``decile``), each with a bootstrap interval.
    outcome
        The target to draw when the table holds several; default its only outcome.

    Left: observed outcome rate against the mean predicted probability per bin, with the
    diagonal a calibrated model follows. Right: each tenth of calls' outcome rate over the
    overall rate (1 = the calls the model ranks highest), with the line at 1 (no lift).
    """
    rows = agreement[agreement["comparison"].isin(["reliability", "lift"])]
    targets = list(dict.fromkeys(rows["target"].astype(str)))
    if outcome is None and len(targets) > 1:
        raise ValueError(f"Got an agreement table with outcomes {targets}; pass outcome=<one of them>.")
    name = outcome if outcome is not None else (targets[0] if targets else "outcome")
    rows = rows[rows["target"].astype(str) == name]
    fig = new_figure(10, 4.2)
    left, right = fig.subplots(1, 2)
    curve = rows[rows["comparison"] == "reliability"].pivot_table(
        index="subgroup", columns="metric", values=["value", "ci_low", "ci_high"], aggfunc="first"
    )
    if curve.empty:
        _empty(left, "no calibration curve in this table")
    else:
        x = curve["value", "mean_predicted"].to_numpy(float)
        y = curve["value", "observed_rate"].to_numpy(float)
        low = y - curve["ci_low", "observed_rate"].to_numpy(float)
        high = curve["ci_high", "observed_rate"].to_numpy(float) - y
        left.plot(
            [0, 1],
            [0, 1],
            color=REFERENCE_COLOUR,
            linestyle=":",
            linewidth=1.2,
            label="calibrated (diagonal)",
        )
        left.errorbar(
            x,
            y,
            yerr=[np.clip(low, 0, None), np.clip(high, 0, None)],
            marker="o",
            color=NEUTRAL_COLOUR,
            capsize=3,
            label="observed (95% bootstrap interval)",
        )
        left.set_xlim(0, 1)
        left.set_ylim(0, 1)
        left.legend(loc="upper left", fontsize=9)
    left.set_xlabel(f"predicted probability of {name}")
    left.set_ylabel(f"observed rate of {name}")
    left.set_title("Calibration curve (out of fold)", fontsize=11)
    lift = rows[rows["comparison"] == "lift"].copy()
    if lift.empty:
        _empty(right, "no lift rows in this table")
    else:
        lift["decile"] = pd.to_numeric(lift["subgroup"], errors="coerce")
        lift = lift.sort_values("decile")
        value = lift["value"].to_numpy(float)
        err = [
            np.clip(value - lift["ci_low"].to_numpy(float), 0, None),
            np.clip(lift["ci_high"].to_numpy(float) - value, 0, None),
        ]
        right.bar(
            lift["decile"],
            value,
            color=NEUTRAL_COLOUR,
            yerr=err,
            capsize=3,
            label="lift (95% bootstrap interval)",
        )
        right.axhline(1.0, color=REFERENCE_COLOUR, linestyle=":", linewidth=1.2, label="no lift")
        right.set_xticks(lift["decile"].to_numpy(int))
        right.legend(loc="upper right", fontsize=9)
    right.set_xlabel("decile of predicted probability (1 = highest)")
    right.set_ylabel("outcome rate / overall rate")
    right.set_title("Lift by decile", fontsize=11)
    fig.suptitle(f"Do the scores predict {name}?", fontsize=13)
    return fig

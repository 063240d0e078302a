"""Figures of a calibration's fit: machine against people, and where the residuals pile up.

Both take the out-of-fold table of :func:`cxnlp.calibration.diagnostics.oof_frame` (or any
table with the same columns), so what they show is never an in-sample fit.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import NDArray

from cxnlp.calibration.agreement import require_columns
from cxnlp.calibration.metrics import pearson, rmse, spearman
from cxnlp.report.figures import (
    NEUTRAL_COLOUR,
    REFERENCE_COLOUR,
    WORSE_COLOUR,
    axis_label,
    colour_cycle,
    new_figure,
)

logger = logging.getLogger(__name__)

__all__ = ["calibration_plot", "residual_plot"]


def calibration_plot(
    frame: pd.DataFrame,
    *,
    human: str,
    pred: str,
    label: str | None = None,
    title: str | None = None,
    n_bins: int = 10,
) -> Figure:
    """Cross-validated machine prediction against the people's rating, with the identity line.

    Points on the dashed identity line are perfect agreement. The orange line joins the
    mean human rating within bins of equal count of the prediction: where it runs flatter
    than the identity, the calibrator promises more spread than people give.

    Parameters
    ----------
    frame
        One row per item with the two columns (e.g. :func:`oof_frame`).
    human, pred
        Column names of the human mean and the out-of-fold prediction.
    label
        Axis label of the rating with its unit (default from the column name).
    title
        Figure title (default names the target and says it is cross-validated).
    n_bins
        Bins of the binned-means line.
    """
    require_columns(frame, [human, pred], "frame")
    x = pd.to_numeric(frame[pred], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame[human], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    label = label or axis_label(human.removesuffix("_human"))
    fig = new_figure(6.2, 5.2)
    ax = fig.subplots()
    if x.size:
        ax.scatter(x, y, s=14, alpha=0.45, color=NEUTRAL_COLOUR, label=f"transcripts (n={x.size})")
        lo = float(min(x.min(), y.min()))
        hi = float(max(x.max(), y.max()))
        ax.plot(
            [lo, hi],
            [lo, hi],
            linestyle="--",
            color=REFERENCE_COLOUR,
            linewidth=1.2,
            label="identity (y = x)",
        )
        bx, by = _binned_means(x, y, n_bins)
        ax.plot(bx, by, marker="o", color="#E69F00", linewidth=2, label="mean human rating per bin")
        stats = f"Pearson {pearson(x, y):.2f}, Spearman {spearman(x, y):.2f}, RMSE {rmse(y, x):.2f}"
        ax.text(0.02, 0.98, stats, transform=ax.transAxes, va="top", fontsize=9)
    ax.set_xlabel(f"machine prediction, cross-validated: {label}")
    ax.set_ylabel(f"people: {label}")
    name = human.removesuffix("_human").replace("_", " ")
    ax.set_title(title or f"Calibration of {name}: people vs machine (out-of-fold)", fontsize=12)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _binned_means(
    x: NDArray[np.float64], y: NDArray[np.float64], n_bins: int
) -> tuple[list[float], list[float]]:
    order = np.argsort(x, kind="stable")
    chunks = np.array_split(order, max(1, min(n_bins, x.size)))
    return [float(x[c].mean()) for c in chunks if c.size], [float(y[c].mean()) for c in chunks if c.size]


def residual_plot(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str],
    residual: str = "residual",
    unit: str = "points",
    title: str | None = None,
) -> Figure:
    """Residuals (human − machine) against dimensions and across subgroups, one panel each.

    A numeric column gets a scatter with binned means (a slope means the calibrator
    under- or over-uses that dimension); a categorical column gets one box per level (a
    box off zero means the machine is biased for that team, queue or channel).

    Parameters
    ----------
    frame
        :func:`oof_frame` output or any table with the residual and the columns.
    columns
        Columns to plot against (missing ones are skipped with a log message).
    residual
        The residual column.
    unit
        Unit of the residual for the axis label (the target's scale).
    title
        Figure title.
    """
    require_columns(frame, [residual], "frame")
    present = [c for c in columns if c in frame.columns]
    skipped = [c for c in columns if c not in frame.columns]
    if skipped:
        logger.info("residual_plot: columns not in the table, skipped: %s", skipped)
    n_cols = min(3, max(1, len(present)))
    n_rows = max(1, math.ceil(len(present) / n_cols))
    fig = new_figure(4.2 * n_cols, 3.6 * n_rows)
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    res = pd.to_numeric(frame[residual], errors="coerce")
    ylabel = f"human − machine ({unit})"
    for ax, column in zip(axes, present, strict=False):
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            x = values.to_numpy(dtype=float)
            ok = np.isfinite(x) & np.isfinite(res.to_numpy(dtype=float))
            ax.scatter(x[ok], res[ok], s=10, alpha=0.45, color=NEUTRAL_COLOUR, label="transcripts")
            if ok.sum() > 1:
                bx, by = _binned_means(x[ok], res.to_numpy(dtype=float)[ok], 8)
                ax.plot(bx, by, marker="o", color="#E69F00", linewidth=2, label="binned mean")
            ax.set_xlabel(axis_label(column), fontsize=9)
        else:
            groups = values.astype(object).where(values.notna(), "(missing)").astype(str)
            levels = sorted(groups.unique())
            data = [res[groups == level].dropna().to_numpy() for level in levels]
            kept = [(lvl, d) for lvl, d in zip(levels, data, strict=True) if d.size]
            if kept:
                box = ax.boxplot(
                    [d for _, d in kept],
                    tick_labels=[f"{lvl}\n(n={d.size})" for lvl, d in kept],
                    patch_artist=True,
                    widths=0.6,
                    medianprops={"color": "black"},
                )
                for patch, colour in zip(box["boxes"], colour_cycle(len(kept)), strict=True):
                    patch.set_facecolor(colour)
                    patch.set_alpha(0.7)
            ax.tick_params(axis="x", labelsize=8, labelrotation=20)
            ax.set_xlabel(column.replace("_", " "), fontsize=9)
        ax.axhline(0, color=WORSE_COLOUR, linestyle="--", linewidth=1.2, label="no error")
        ax.set_ylabel(ylabel, fontsize=9)
        ax.set_title(column.replace("_", " "), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
    for ax in axes[len(present) :]:
        ax.set_visible(False)
    fig.suptitle(title or "Residuals, human − machine (out-of-fold)", fontsize=12)
    return fig

"""Figures of a calibration's fit: identity line, labels with units, one panel per column."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxnlp.report.calibration_figures import calibration_plot, residual_plot


def _lines_on_identity(fig: Figure) -> bool:
    ax = fig.axes[0]
    return any(
        len(line.get_xdata()) >= 2 and np.allclose(line.get_xdata(), line.get_ydata()) for line in ax.lines
    )


def test_calibration_plot_has_identity_line_labels_and_title() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"rubric_score_pred": rng.uniform(40, 90, 50)})
    frame["rubric_score_human"] = frame["rubric_score_pred"] + rng.normal(0, 5, 50)
    fig = calibration_plot(
        frame, human="rubric_score_human", pred="rubric_score_pred", label="rubric score (0–100)"
    )
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert "0–100" in ax.get_xlabel() and "0–100" in ax.get_ylabel()
    assert "cross-validated" in ax.get_xlabel()
    assert ax.get_title()
    assert _lines_on_identity(fig)
    assert ax.get_legend() is not None


def test_residual_plot_draws_numeric_and_group_panels_and_skips_missing() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "residual": rng.normal(size=40),
            "answer_completeness": rng.uniform(0, 100, 40),
            "team": rng.choice(["North", "South"], 40),
        }
    )
    fig = residual_plot(frame, columns=["answer_completeness", "team", "not_there"], unit="points")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert all("human − machine (points)" == ax.get_ylabel() for ax in visible)
    assert "0–100" in visible[0].get_xlabel()
    assert [t.get_text().split("\n")[0] for t in visible[1].get_xticklabels()] == ["North", "South"]
    assert fig.get_suptitle()

"""The self-contained HTML report for QA leads, and the figures it is made of.

``build_report(scores, surveys=..., reference=...)`` runs the analytics of
:mod:`cxnlp.analytics` on a score table and renders one HTML file with the figures embedded;
``write_report`` writes it (and the figures as PNG files when asked). The figures are plain
matplotlib ``Figure`` objects, usable on their own in a notebook.

matplotlib is imported here, not by ``import cxnlp``, so scoring never pays for it.
"""

from __future__ import annotations

from cxnlp.report.calibration_figures import calibration_plot, residual_plot
from cxnlp.report.figures import (
    control_charts,
    dimension_distributions,
    equity_chart,
    followup_counts,
    impact_chart,
    outcome_chart,
    png_bytes,
    save_png,
    status_trend,
)
from cxnlp.report.html import (
    NO_SURVEYS,
    SECTIONS,
    Report,
    build_report,
    html_table,
    load_scores,
    write_report,
)
from cxnlp.report.transcript_view import transcript_view

__all__ = [
    "NO_SURVEYS",
    "SECTIONS",
    "Report",
    "build_report",
    "calibration_plot",
    "control_charts",
    "dimension_distributions",
    "equity_chart",
    "followup_counts",
    "html_table",
    "impact_chart",
    "load_scores",
    "outcome_chart",
    "png_bytes",
    "residual_plot",
    "save_png",
    "status_trend",
    "transcript_view",
    "write_report",
]

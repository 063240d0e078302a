"""Contact-centre management analytics on the score table.

Every function here takes the score table written by ``cxnlp score`` (one row per
transcript, optionally joined with surveys through :func:`join_surveys`) and returns a
DataFrame a manager can read, sort or plot. Importing this package loads no language model;
only the follow-up router loads the sentence encoder, lazily, on its first routing
(``FollowupRouter(use_meaning=False)`` routes by phrases alone, anywhere pandas runs).
Workshop impact (difference in differences) and the link to business outcomes live in
``impact`` and ``outcomes``, on the small regression module ``regression``.

The helpers the analyses share (column checks, the survey join, evidence parsing, the
composite weights) live in :mod:`cxnlp.analytics.frames`; this package only re-exports.
"""

from __future__ import annotations

from cxnlp.analytics.drift import control_chart_data, detect_drift
from cxnlp.analytics.equity import equity_index, equity_report
from cxnlp.analytics.followup import (
    FOLLOWUP_ACTIONS,
    FollowupClassifier,
    FollowupRouter,
    load_followup_signals,
    route_followups,
    write_followups,
)
from cxnlp.analytics.frames import (
    DEFAULT_WEIGHTS,
    DIMENSIONS,
    FILLER_POINTS_PER_PERCENT,
    JOIN_SURVEYS_HINT,
    LOWER_IS_BETTER,
    OPEN_QUESTION_KINDS,
    as_columns,
    dimension_points,
    is_open_question,
    join_surveys,
    negative_evidence,
    parse_evidence,
    require_columns,
    to_local_timestamps,
)
from cxnlp.analytics.impact import (
    GroupSpec,
    ImpactInputError,
    impact_evidence,
    impact_plan,
    impact_series,
    workshop_impact,
)
from cxnlp.analytics.optimized import optimized_status
from cxnlp.analytics.outcomes import (
    join_outcomes,
    outcome_by_band,
    outcome_effects,
)
from cxnlp.analytics.viewpoints import (
    false_read_summary,
    false_reads,
    perspectives,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "DIMENSIONS",
    "JOIN_SURVEYS_HINT",
    "FILLER_POINTS_PER_PERCENT",
    "LOWER_IS_BETTER",
    "OPEN_QUESTION_KINDS",
    "as_columns",
    "dimension_points",
    "is_open_question",
    "join_surveys",
    "negative_evidence",
    "parse_evidence",
    "require_columns",
    "to_local_timestamps",
    "FOLLOWUP_ACTIONS",
    "FollowupClassifier",
    "FollowupRouter",
    "load_followup_signals",
    "control_chart_data",
    "detect_drift",
    "equity_index",
    "equity_report",
    "GroupSpec",
    "ImpactInputError",
    "impact_evidence",
    "impact_plan",
    "impact_series",
    "join_outcomes",
    "outcome_by_band",
    "outcome_effects",
    "workshop_impact",
    "false_read_summary",
    "false_reads",
    "optimized_status",
    "perspectives",
    "route_followups",
    "write_followups",
]

"""The helpers every analysis shares: column checks, the survey join, timestamps, evidence.

Each analysis in :mod:`cxnlp.analytics` takes the score table written by ``cxnlp score``;
these are the few things they all do to it (check the columns they read, join the surveys,
read local wall-clock times, turn dimensions into composite points, parse the evidence
JSON), kept here so each is written once and the package's ``__init__`` only re-exports.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cxnlp.frame_checks import require_columns
from cxnlp.schema import DEFAULT_WEIGHTS, DIMENSION_COLUMNS, LOWER_IS_BETTER
from cxnlp.scoring import CompositeWeights, dimension_quality

logger = logging.getLogger(__name__)

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
]

#: The four dimension columns (which are lower-is-better, and the default composite weights,
#: are re-exported too) from :mod:`cxnlp.schema`, where the score table's facts live.
DIMENSIONS: tuple[str, ...] = DIMENSION_COLUMNS

#: How many composite points one percent of filler costs: 40 % filler or more scores 0.
FILLER_POINTS_PER_PERCENT = CompositeWeights().filler_scale


def as_columns(by: str | Iterable[str] | None) -> list[str]:
    """Normalise a ``by=`` argument (one name, several names or None) to a list of names."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


#: How to add survey ratings, for the command line first (where most readers meet it).
JOIN_SURVEYS_HINT = (
    "Join the surveys first: --surveys FILE on the command line "
    "(cxnlp.analytics.join_surveys(scores, surveys) in Python)."
)


def join_surveys(
    scores: pd.DataFrame,
    surveys: pd.DataFrame,
    *,
    id_col: str = "transcript_id",
    time_col: str = "responded_at",
) -> pd.DataFrame:
    """Left-join survey responses onto the score table, one (the latest) survey per transcript.

    A customer can answer twice (a reminder, a second channel); the latest answer is the
    one that reflects how the contact ended, so it wins. Transcripts without a survey keep
    NaN survey columns, so internal analyses still see every contact.

    Parameters
    ----------
    scores
        The score table, one row per transcript.
    surveys
        Survey responses (``transcript_id, survey_rating, survey_comment, responded_at``).
    id_col
        The key both tables share.
    time_col
        Response time used to pick the latest survey; when absent, the last row wins.

    Returns
    -------
    pandas.DataFrame
        ``scores`` with the survey columns added, same rows in the same order.
    """
    require_columns(scores, [id_col], where="join_surveys")
    require_columns(surveys, [id_col], where="join_surveys")
    clash = [c for c in surveys.columns if c != id_col and c in scores.columns]
    if clash:
        raise ValueError(
            f"Got a score table that already has the survey column(s) {clash}; expected "
            "a table without survey columns. Drop them first or join only once."
        )
    latest = surveys
    if time_col in surveys.columns:
        order = to_local_timestamps(surveys[time_col], column=time_col)
        latest = surveys.assign(_order=order).sort_values("_order", kind="stable")
        latest = latest.drop(columns="_order")
    latest = latest.drop_duplicates(subset=id_col, keep="last")
    n_dropped = len(surveys) - len(latest)
    if n_dropped:
        logger.info("join_surveys: kept the latest of repeated surveys (%d dropped)", n_dropped)
    joined = scores.merge(latest, on=id_col, how="left", validate="many_to_one")
    return joined


def to_local_timestamps(values: pd.Series, *, column: str = "started_at") -> pd.Series:
    """Parse ISO timestamps to naive wall-clock times of the place they were recorded.

    Hour of contact and weekday are what the customer lived, so an offset such as
    ``+01:00`` is dropped rather than converted to UTC. Mixed offsets are handled one
    value at a time.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_localize(None)
    try:
        parsed = pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):
        try:
            parsed = pd.Series([_wall_clock(v) for v in values], index=values.index, dtype="datetime64[ns]")
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"Got values in {column!r} that are not timestamps ({exc}); expected ISO 8601 "
                "strings such as '2024-03-01T09:30:00'. Fix or drop those rows."
            ) from exc
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _wall_clock(value: object) -> pd.Timestamp:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return pd.NaT
    ts = pd.Timestamp(value)
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def dimension_points(df: pd.DataFrame, dimensions: Iterable[str]) -> pd.DataFrame:
    """The dimensions on the composite's scale: 0-100, higher better.

    The same mapping the interaction score uses (:func:`cxnlp.scoring.dimension_quality`):
    filler as ``100 - 2.5 * filler``, brand and proactive full at their targets, so "points"
    mean the same for every dimension and a gap in points is a gap in interaction score once
    weighted.
    """
    weights = CompositeWeights()
    out = {}
    for name in dimensions:
        values = pd.to_numeric(df[name], errors="coerce").astype(float)
        out[name] = values.map(lambda v, name=name: dimension_quality(name, v, weights))
    return pd.DataFrame(out, index=df.index)


def parse_evidence(value: object) -> list[dict[str, Any]]:
    """Read one ``evidence`` cell (a JSON list of findings) into a list of dicts.

    Missing or unreadable cells give an empty list: evidence explains a score, it is never
    needed to compute one, so a damaged cell must not stop an analysis.
    """
    if value is None:
        return []
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        items: Any = list(value)
    elif isinstance(value, str):
        if not value.strip():
            return []
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            logger.warning("parse_evidence: skipped a cell that is not JSON: %.60r", value)
            return []
    else:
        return []
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]


def negative_evidence(items: Sequence[Mapping[str, Any]], *, top_k: int = 3) -> list[dict[str, Any]]:
    """The findings that pulled a transcript down, worst first.

    For the higher-is-better dimensions an item counts when its weight (points) is
    negative; filler evidence counts whole (its weight is filler words), after the others,
    since its units are not points.
    """
    scored: list[tuple[int, float, dict[str, Any]]] = []
    for item in items:
        weight = _as_float(item.get("weight"))
        if item.get("dimension") in LOWER_IS_BETTER:
            scored.append((1, -abs(weight), dict(item)))
        elif weight < 0:
            scored.append((0, weight, dict(item)))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [item for _, _, item in scored[: max(top_k, 0)]]


#: Evidence kinds that mean "the customer's question was left open". Matched as substrings
#: of the lower-cased ``kind`` so "open_question" and "unanswered_question" both count.
OPEN_QUESTION_KINDS: tuple[str, ...] = ("open", "unanswered", "unresolved")


def is_open_question(item: Mapping[str, Any]) -> bool:
    """Whether one evidence item records a customer question the agent left open."""
    kind = str(item.get("kind") or "").lower()
    return any(word in kind for word in OPEN_QUESTION_KINDS)


def _as_float(value: object) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(out) else out

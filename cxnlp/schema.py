"""The score table's columns and the facts every layer reads about them, in one place.

Scoring writes these columns, calibration reads them as features, analytics and the report
sort and colour them, the service names them in its API. Each used to keep its own copy of
the list, the weights, which way is better and the 91/85 bars; they now import them from
here, so changing a fact changes it everywhere. The module imports nothing heavy: the CLI
and the service read it before any model loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: The four dimension columns of the score table, in report order.
DIMENSION_COLUMNS: tuple[str, ...] = (
    "brand_congruence",
    "answer_completeness",
    "proactive_connection",
    "filler_content",
)

#: The composite column: the weighted interaction score (:func:`cxnlp.scoring.interaction_score`).
SCORE_COLUMN = "interaction_score"

#: Every score column: the dimensions and the composite (what calibrators may read).
SCORE_COLUMNS: tuple[str, ...] = (*DIMENSION_COLUMNS, SCORE_COLUMN)

#: The survey column that joined survey responses carry.
SURVEY_COLUMN = "survey_rating"

#: Dimensions where a lower value is better: filler is a percentage of the agent's words.
LOWER_IS_BETTER: frozenset[str] = frozenset({"filler_content"})

#: Default weights of the interaction score (:class:`cxnlp.scoring.CompositeWeights`):
#: answer completeness is the heaviest, because customers call to get answers.
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "brand_congruence": 0.20,
        "answer_completeness": 0.35,
        "proactive_connection": 0.25,
        "filler_content": 0.20,
    }
)

#: The optimized bars: a group is *optimized* when its mean interaction score and its mean
#: survey rating both reach them (:func:`cxnlp.analytics.optimized_status`).
INTERACTION_THRESHOLD = 91.0
SURVEY_THRESHOLD = 85.0

#: Bands of a *false read* (:func:`cxnlp.analytics.false_reads`), where the survey and the
#: interaction score disagree: a good survey (at or above the survey bar) over a poor
#: interaction (70 or less), or a poor survey (60 or less, a 3 of 5) after a good one (85+).
FALSE_READ_BANDS: Mapping[str, float] = MappingProxyType(
    {
        "survey_good": SURVEY_THRESHOLD,
        "interaction_poor": 70.0,
        "survey_poor": 60.0,
        "interaction_good": 85.0,
    }
)


def higher_is_better(column: str) -> bool:
    """Whether a larger value of ``column`` means a better call (False for filler only)."""
    return column not in LOWER_IS_BETTER


__all__ = [
    "DEFAULT_WEIGHTS",
    "DIMENSION_COLUMNS",
    "FALSE_READ_BANDS",
    "INTERACTION_THRESHOLD",
    "LOWER_IS_BETTER",
    "SCORE_COLUMN",
    "SCORE_COLUMNS",
    "SURVEY_COLUMN",
    "SURVEY_THRESHOLD",
    "higher_is_better",
]

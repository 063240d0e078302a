"""Three perspectives on the same contacts, and the places where they disagree.

* **internal**: what cxnlp measured (the interaction score and the four dimensions);
* **customer**: what the customer said (the survey rating);
* **external**: where those numbers sit in a reference population the user supplies
  (another site, last year, an industry benchmark), as percentiles.

Where the internal and customer views disagree the numbers mislead: a good survey can hide
a call that gave the customer no real value (an open question, a promise nobody keeps),
and a poor survey can punish an agent for a policy they had to apply. :func:`false_reads`
finds those contacts and says which dimension and which sentences explain the gap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cxnlp.analytics.frames import (
    DIMENSIONS,
    JOIN_SURVEYS_HINT,
    LOWER_IS_BETTER,
    as_columns,
    dimension_points,
    is_open_question,
    negative_evidence,
    parse_evidence,
    require_columns,
)
from cxnlp.schema import FALSE_READ_BANDS, SCORE_COLUMN, SURVEY_COLUMN

logger = logging.getLogger(__name__)

GOOD_SURVEY_POOR_INTERACTION = "good_survey_poor_interaction"
POOR_SURVEY_GOOD_INTERACTION = "poor_survey_good_interaction"

#: Columns copied onto each false-read row when the table has them, so a team leader
#: can act on the row without another join.
CONTEXT_COLUMNS: tuple[str, ...] = ("agent_id", "team", "queue", "contact_reason", "channel")


def perspectives(
    df: pd.DataFrame,
    *,
    by: str | Iterable[str] | None = ("team",),
    reference: pd.DataFrame | None = None,
    score_col: str = SCORE_COLUMN,
    survey_col: str = SURVEY_COLUMN,
    dimensions: Sequence[str] = DIMENSIONS,
    id_col: str = "transcript_id",
) -> pd.DataFrame:
    """Internal, customer and external views side by side, per group or per transcript.

    Parameters
    ----------
    df
        The score table, joined with surveys for the customer view.
    by
        Grouping columns (default ``("team",)``); None or ``()`` gives one row per transcript.
    reference
        A reference population with some of the same value columns. Each value is placed
        in it as a percentile (``ext_pct_<column>``), oriented so that higher is better
        (for filler, the share of the reference with *more* filler). Compare like with like:
        group means against a reference of group means, transcripts against transcripts;
        a group mean placed among single transcripts looks more extreme than it is.
    score_col, survey_col, id_col
        Column names in ``df``.
    dimensions
        Dimension columns to include where present.

    Returns
    -------
    pandas.DataFrame
        Keys (group columns, or ``id_col``), ``n``, internal means (``score_col`` and each
        dimension), customer view (``n_surveyed``, ``survey_col``), the disagreement
        ``survey_minus_interaction`` and, with a reference, ``ext_pct_<column>`` in 0-100.
    """
    keys = as_columns(by)
    require_columns(df, [score_col, *keys], where="perspectives")
    dims = [d for d in dimensions if d in df.columns]
    has_survey = survey_col in df.columns
    if not has_survey:
        logger.info("perspectives: no %r column; the customer view is empty", survey_col)
    values = [score_col, *dims]
    frame = df[values].apply(pd.to_numeric, errors="coerce")
    frame[survey_col] = pd.to_numeric(df[survey_col], errors="coerce") if has_survey else np.nan

    if keys:
        frame[keys] = df[keys]
        grouped = frame.groupby(keys, dropna=False, sort=True, observed=True)
        table = grouped[[*values, survey_col]].mean()
        table.insert(0, "n", grouped.size())
        table.insert(len(values) + 1, "n_surveyed", grouped[survey_col].count())
        table = table.reset_index()
    else:
        require_columns(df, [id_col], where="perspectives")
        table = frame[[*values, survey_col]].copy()
        table.insert(0, id_col, df[id_col].to_numpy())
        table.insert(1, "n", 1)
        table.insert(len(values) + 2, "n_surveyed", table[survey_col].notna().astype(int))
    table["survey_minus_interaction"] = table[survey_col] - table[score_col]

    if reference is not None:
        table = _add_external(table, reference, [*values, survey_col])
    return table


def _add_external(table: pd.DataFrame, reference: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    usable = [c for c in columns if c in reference.columns]
    if not usable:
        raise ValueError(
            f"Got a reference population without any of the columns {columns}; expected at "
            "least one of them. Rename the reference columns to match the score table."
        )
    out = table.copy()
    for col in usable:
        ref = pd.to_numeric(reference[col], errors="coerce").dropna().to_numpy(float)
        out[f"ext_pct_{col}"] = percentile_in(
            out[col].to_numpy(float), ref, higher_is_better=col not in LOWER_IS_BETTER
        )
    return out


def percentile_in(values: np.ndarray, reference: np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Percentile (0-100) of each value in ``reference``; ties count half; NaN stays NaN.

    With ``higher_is_better=False`` the percentile is the share of the reference that is
    *worse* (higher), so 90 always means "better than 90 % of the reference".
    """
    ref = np.sort(reference[~np.isnan(reference)])
    out = np.full(values.shape, np.nan)
    if len(ref) == 0:
        return out
    ok = ~np.isnan(values)
    below = np.searchsorted(ref, values[ok], side="left")
    at_or_below = np.searchsorted(ref, values[ok], side="right")
    ties = at_or_below - below
    share_below = (below + 0.5 * ties) / len(ref)
    out[ok] = 100.0 * (share_below if higher_is_better else 1.0 - share_below)
    return out


def _check_bands(
    survey_good: float, survey_poor: float, interaction_good: float, interaction_poor: float
) -> None:
    if not survey_poor < survey_good:
        raise ValueError(
            f"Got survey_poor={survey_poor} and survey_good={survey_good}; expected "
            "survey_poor < survey_good. Swap or separate the thresholds."
        )
    if not interaction_poor < interaction_good:
        raise ValueError(
            f"Got interaction_poor={interaction_poor} and interaction_good={interaction_good}; "
            "expected interaction_poor < interaction_good. Swap or separate the thresholds."
        )


def _read_false_reads(
    df: pd.DataFrame,
    keys: list[str],
    score_col: str,
    survey_col: str,
    bands: dict[str, float],
    *,
    where: str,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The numeric interaction scores, surveys and false-read labels of ``df``, once the
    bands and the columns (``keys``, the score, the survey) are checked."""
    _check_bands(**bands)
    require_columns(df, [*keys, score_col], where=where)
    require_columns(df, [survey_col], where=where, hint=JOIN_SURVEYS_HINT)
    score = pd.to_numeric(df[score_col], errors="coerce")
    survey = pd.to_numeric(df[survey_col], errors="coerce")
    return score, survey, classify_reads(survey, score, **bands)


def classify_reads(
    survey: pd.Series,
    score: pd.Series,
    *,
    survey_good: float,
    survey_poor: float,
    interaction_good: float,
    interaction_poor: float,
) -> pd.Series:
    """Label each pair: good survey over a poor interaction, the reverse, or None."""
    hidden = (survey >= survey_good) & (score <= interaction_poor)
    unrewarded = (survey <= survey_poor) & (score >= interaction_good)
    labels = pd.Series(None, index=survey.index, dtype=object)
    labels[hidden] = GOOD_SURVEY_POOR_INTERACTION
    labels[unrewarded] = POOR_SURVEY_GOOD_INTERACTION
    return labels


def false_reads(
    df: pd.DataFrame,
    *,
    survey_good: float = FALSE_READ_BANDS["survey_good"],
    interaction_poor: float = FALSE_READ_BANDS["interaction_poor"],
    survey_poor: float = FALSE_READ_BANDS["survey_poor"],
    interaction_good: float = FALSE_READ_BANDS["interaction_good"],
    score_col: str = SCORE_COLUMN,
    survey_col: str = SURVEY_COLUMN,
    id_col: str = "transcript_id",
    evidence_col: str = "evidence",
    dimensions: Sequence[str] = DIMENSIONS,
    top_k: int = 3,
) -> pd.DataFrame:
    """Transcripts where the survey and the interaction score tell opposite stories.

    Parameters
    ----------
    df
        The score table joined with surveys.
    survey_good, interaction_poor
        ``good_survey_poor_interaction``: survey >= ``survey_good`` (default 85) while the
        interaction score <= ``interaction_poor`` (default 70): a happy customer who got no
        real value, e.g. a question left open. The dangerous case: nobody looks at it.
    survey_poor, interaction_good
        ``poor_survey_good_interaction``: survey <= ``survey_poor`` (default 60, a 3 of 5)
        while the interaction score >= ``interaction_good`` (default 85): an unhappy
        customer after a well-handled contact, often a policy or product complaint.
    score_col, survey_col, id_col, evidence_col
        Column names; ``evidence_col`` is optional.
    dimensions
        Dimension columns considered for ``worst_dimension``.
    top_k
        How many negative evidence sentences to quote per row.

    Returns
    -------
    pandas.DataFrame
        Only the flagged transcripts, worst disagreement first: ``id_col``, context columns
        present (agent, team, queue...), ``score_col``, ``survey_col``, ``false_read``,
        ``gap`` (survey minus interaction), ``worst_dimension`` and its
        ``worst_dimension_points`` (0-100, filler on the points scale), ``n_open_questions``
        and ``negative_evidence`` ("dimension/kind: sentence" joined by " | ").
    """
    bands = dict(
        survey_good=survey_good,
        survey_poor=survey_poor,
        interaction_good=interaction_good,
        interaction_poor=interaction_poor,
    )
    score, survey, labels = _read_false_reads(df, [id_col], score_col, survey_col, bands, where="false_reads")
    flagged = labels.notna()
    context = [c for c in CONTEXT_COLUMNS if c in df.columns and c != id_col]
    out = df.loc[flagged, [id_col, *context]].copy()
    out[score_col] = score[flagged]
    out[survey_col] = survey[flagged]
    out["false_read"] = labels[flagged]
    out["gap"] = out[survey_col] - out[score_col]

    dims = [d for d in dimensions if d in df.columns]
    if dims:
        points = dimension_points(df.loc[flagged], dims)
        filled = points.fillna(np.inf)
        out["worst_dimension"] = [
            None if np.isinf(row.min()) else row.idxmin() for _, row in filled.iterrows()
        ]
        out["worst_dimension_points"] = points.min(axis=1, skipna=True)
    else:
        out["worst_dimension"] = None
        out["worst_dimension_points"] = np.nan

    cells = df.loc[flagged, evidence_col] if evidence_col in df.columns else [None] * len(out)
    parsed = [parse_evidence(cell) for cell in cells]
    out["n_open_questions"] = [sum(is_open_question(item) for item in items) for items in parsed]
    out["negative_evidence"] = [_quote(items, top_k) for items in parsed]
    order = out["gap"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def _quote(items: list[dict[str, Any]], top_k: int) -> str:
    """The worst findings as "dimension/kind: sentence", open questions first."""
    opened = [item for item in items if is_open_question(item)]
    rest = negative_evidence([i for i in items if not is_open_question(i)], top_k=top_k)
    chosen = (opened + rest)[: max(top_k, 0)]
    return " | ".join(
        f"{item.get('dimension', '?')}/{item.get('kind', '?')}: {str(item.get('sentence', '')).strip()}"
        for item in chosen
    )


def false_read_summary(
    df: pd.DataFrame,
    *,
    by: str | Iterable[str] = ("team",),
    survey_good: float = FALSE_READ_BANDS["survey_good"],
    interaction_poor: float = FALSE_READ_BANDS["interaction_poor"],
    survey_poor: float = FALSE_READ_BANDS["survey_poor"],
    interaction_good: float = FALSE_READ_BANDS["interaction_good"],
    score_col: str = SCORE_COLUMN,
    survey_col: str = SURVEY_COLUMN,
) -> pd.DataFrame:
    """Per group: how many surveyed contacts are false reads, and whether the group itself is one.

    A group is a false read when its *mean* survey and mean interaction score fall in the
    same opposite bands a transcript is flagged for (same thresholds as :func:`false_reads`):
    a team whose good surveys hide poor interactions across the board.

    Returns
    -------
    pandas.DataFrame
        Group keys, ``n, n_surveyed, mean_interaction, mean_survey``, counts and shares (of
        the surveyed contacts) of each kind of false read, and ``group_false_read``.
    """
    keys = as_columns(by)
    if not keys:
        raise ValueError("Got by=(); expected at least one grouping column such as 'team'.")
    bands = dict(
        survey_good=survey_good,
        survey_poor=survey_poor,
        interaction_good=interaction_good,
        interaction_poor=interaction_poor,
    )
    score, survey, labels = _read_false_reads(
        df, keys, score_col, survey_col, bands, where="false_read_summary"
    )
    frame = df[keys].assign(
        _score=score,
        _survey=survey,
        _hidden=labels.eq(GOOD_SURVEY_POOR_INTERACTION),
        _unrewarded=labels.eq(POOR_SURVEY_GOOD_INTERACTION),
    )
    table = (
        frame.groupby(keys, dropna=False, sort=True, observed=True)
        .agg(
            n=("_score", "size"),
            n_surveyed=("_survey", "count"),
            mean_interaction=("_score", "mean"),
            mean_survey=("_survey", "mean"),
            n_good_survey_poor_interaction=("_hidden", "sum"),
            n_poor_survey_good_interaction=("_unrewarded", "sum"),
        )
        .reset_index()
    )
    surveyed = table["n_surveyed"].where(table["n_surveyed"] > 0)
    table["share_good_survey_poor_interaction"] = table["n_good_survey_poor_interaction"] / surveyed
    table["share_poor_survey_good_interaction"] = table["n_poor_survey_good_interaction"] / surveyed
    table["group_false_read"] = classify_reads(table["mean_survey"], table["mean_interaction"], **bands)
    return table

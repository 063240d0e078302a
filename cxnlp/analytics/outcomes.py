"""Outcomes that pay: do better-scored calls repurchase, churn or recontact differently?

An interaction score earns its place when it predicts what the business counts. Given a
binary outcome per transcript (``repurchased``, ``churned_90d``, ``recontact_7d``,
``sale``), :func:`outcome_effects` fits one logistic regression of the outcome on all four
dimensions together, so each odds ratio is *adjusted for the others* (completeness and
filler move together in real calls; alone each would take credit for the other), with
errors clustered by agent. :func:`outcome_by_band` gives the plain rates a QA lead can
quote: "calls scoring 91 or more repurchase 1.4x as often as the rest".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxnlp.analytics.frames import DIMENSIONS, as_columns, require_columns
from cxnlp.analytics.impact import ImpactInputError
from cxnlp.analytics.regression import logit
from cxnlp.schema import FALSE_READ_BANDS, INTERACTION_THRESHOLD

logger = logging.getLogger(__name__)

#: Output columns of :func:`outcome_effects` (after any ``by`` columns).
OUTCOME_COLUMNS: tuple[str, ...] = (
    "dimension",
    "odds_ratio_per_10",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "note",
)
#: Interaction-score bands of :func:`outcome_by_band`: the 70/85/91 bars the report uses
#: (poor and good interaction of a false read, the optimized bar).
DEFAULT_BANDS: tuple[float, ...] = (
    0.0,
    FALSE_READ_BANDS["interaction_poor"],
    FALSE_READ_BANDS["interaction_good"],
    INTERACTION_THRESHOLD,
    100.0,
)
_TRUE = {"1", "1.0", "true", "yes", "y", "t"}
_FALSE = {"0", "0.0", "false", "no", "n", "f"}


def binary_outcome(values: pd.Series, *, name: str) -> pd.Series:
    """The outcome as floats 0/1 (NaN where missing); refuses anything that is not binary.

    Accepts booleans, 0/1 numbers and the words true/false, yes/no. A column with other
    values (a rating, a count) or with only one of the two values cannot be an outcome.
    """
    if pd.api.types.is_bool_dtype(values):
        out = values.astype(float)
    else:
        text = values.astype("string").str.strip().str.lower()
        out = pd.Series(np.nan, index=values.index, dtype=float)
        out[text.isin(_TRUE).fillna(False).to_numpy()] = 1.0
        out[text.isin(_FALSE).fillna(False).to_numpy()] = 0.0
        bad = text.notna() & (text != "") & out.isna()
        if bad.any():
            shown = sorted(set(values[bad].astype(str)))[:5]
            raise ImpactInputError(
                "outcome",
                f"Got values {shown} in outcome column {name!r}; expected a binary outcome "
                "(0/1, true/false or yes/no per transcript).",
            )
    present = set(out.dropna().unique())
    if present != {0.0, 1.0}:
        raise ImpactInputError(
            "outcome",
            f"Got only {sorted(present) or 'missing'} values in outcome column {name!r}; expected "
            "both outcomes (0 and 1) among the transcripts.",
        )
    return out


def join_outcomes(
    scores: pd.DataFrame, outcomes: pd.DataFrame, *, outcome: str, id_col: str = "transcript_id"
) -> pd.DataFrame:
    """Add one outcome column from a ``transcript_id, <outcome>`` table to the score table."""
    require_columns(outcomes, [id_col, outcome], where="join_outcomes")
    require_columns(scores, [id_col], where="join_outcomes")
    if outcome in scores.columns:
        raise ImpactInputError(
            "outcomes",
            f"Got a score table that already has column {outcome!r}; expected it in one table "
            "only. Drop --outcomes or the column.",
        )
    table = outcomes[[id_col, outcome]].assign(**{id_col: outcomes[id_col].astype(str)})
    clash = table.groupby(id_col)[outcome].nunique(dropna=True)
    if (clash > 1).any():
        raise ImpactInputError(
            "outcomes",
            f"Got transcript {clash[clash > 1].index[0]!r} with two different {outcome!r} values; "
            "expected one outcome per transcript.",
        )
    table = table.drop_duplicates(subset=id_col)
    keyed = scores.assign(**{id_col: scores[id_col].astype(str)})
    return keyed.merge(table, on=id_col, how="left", validate="many_to_one")


def outcome_effects(
    df: pd.DataFrame,
    *,
    outcome: str,
    dimensions: Sequence[str] = DIMENSIONS,
    by: str | Iterable[str] | None = None,
    cluster_col: str | None = "agent_id",
    per: float = 10.0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Odds ratio of the outcome per ``per`` points of each dimension, adjusted for the others.

    Parameters
    ----------
    df
        The score table with a binary ``outcome`` column (see :func:`join_outcomes`).
    outcome
        The outcome column.
    dimensions
        Dimension columns entered together (those present are used).
    by
        Grouping columns: one model per group (e.g. per team).
    cluster_col
        Errors clustered by this column (agent) when present; model-based otherwise.
    per
        Points per odds ratio (10): ``odds_ratio_per_10 = exp(10 * coefficient)``.
        Filler is in percent of agent words, so its odds ratio is per 10 % more filler.
    confidence
        Level of the Wald interval.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, then :data:`OUTCOME_COLUMNS`, one row per dimension (and group).
    """
    keys = as_columns(by)
    require_columns(df, [outcome, *keys], where="outcome_effects")
    dims = [d for d in dimensions if d in df.columns]
    if not dims:
        raise ValueError(f"Got a table without any of {list(dimensions)}; expected score columns.")
    y_all = binary_outcome(df[outcome], name=outcome)
    groups = df.groupby(keys, dropna=False, sort=True) if keys else [((), df)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        head = dict(zip(keys, key, strict=True))
        for row in _fit_rows(part, y_all[part.index], dims, cluster_col, per, confidence):
            rows.append({**head, **row})
    return pd.DataFrame(rows, columns=[*keys, *OUTCOME_COLUMNS])


def _fit_rows(
    part: pd.DataFrame,
    y: pd.Series,
    dims: list[str],
    cluster_col: str | None,
    per: float,
    confidence: float,
) -> list[dict[str, Any]]:
    X = part[dims].apply(pd.to_numeric, errors="coerce")
    ok = X.notna().all(axis=1) & y.notna()
    n = int(ok.sum())
    empty = [
        {
            "dimension": d,
            "odds_ratio_per_10": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "p_value": math.nan,
            "n": n,
        }
        for d in dims
    ]
    yv = y[ok].to_numpy(float)
    if n < len(dims) + 10 or yv.min() == yv.max():
        return [{**r, "note": "too few calls, or only one outcome, to fit"} for r in empty]
    design = np.column_stack([np.ones(n), X[ok].to_numpy(float)])
    clusters = (
        part.loc[ok, cluster_col].astype(str).to_numpy()
        if cluster_col and cluster_col in part.columns
        else None
    )
    fit = logit(design, yv, ["const", *dims], clusters=clusters)
    q = stats.norm.ppf(0.5 + confidence / 2.0)
    note = "" if fit.converged else "the fit did not converge (a dimension separates the outcome)"
    if clusters is None:
        note = "; ".join(filter(None, [note, "errors not clustered (no agent column)"]))
    rows = []
    for d in dims:
        j = fit.index(d)
        b, se = float(fit.coef[j]), float(fit.se[j])
        rows.append(
            {
                "dimension": d,
                "odds_ratio_per_10": math.exp(per * b),
                "ci_low": math.exp(per * (b - q * se)),
                "ci_high": math.exp(per * (b + q * se)),
                "p_value": fit.p_value(d),
                "n": n,
                "note": note,
            }
        )
    return rows


def _wilson(k: float, n: float, confidence: float) -> tuple[float, float]:
    if n <= 0:
        return math.nan, math.nan
    z = stats.norm.ppf(0.5 + confidence / 2.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def outcome_by_band(
    df: pd.DataFrame,
    *,
    outcome: str,
    score_col: str = "interaction_score",
    bands: Sequence[float] = DEFAULT_BANDS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The outcome rate per interaction-score band, and how it compares with the other calls.

    Returns
    -------
    pandas.DataFrame
        One row per band: ``band`` ("85-91"; the top band includes 100), ``n``,
        ``outcomes`` (count of 1s), ``rate`` with a Wilson ``ci_low``/``ci_high``,
        ``rest_rate`` (all other calls), ``rate_ratio`` (rate / rest_rate) and a
        ``sentence`` such as "calls scoring 91-100 have repurchased 1.4x as often as the
        rest (34 % vs 24 %)".
    """
    require_columns(df, [outcome, score_col], where="outcome_by_band")
    edges = list(bands)
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"Got bands={edges}; expected at least two increasing edges.")
    y = binary_outcome(df[outcome], name=outcome)
    score = pd.to_numeric(df[score_col], errors="coerce")
    ok = y.notna() & score.notna()
    y, score = y[ok].to_numpy(float), score[ok].to_numpy(float)
    index = np.clip(np.searchsorted(edges, score, side="right") - 1, 0, len(edges) - 2)
    total_n, total_k = len(y), float(y.sum())
    rows = []
    for b in range(len(edges) - 1):
        sel = index == b
        n, k = int(sel.sum()), float(y[sel].sum())
        rest_n = total_n - n
        rate = k / n if n else math.nan
        rest = (total_k - k) / rest_n if rest_n else math.nan
        low, high = _wilson(k, n, confidence)
        ratio = rate / rest if rest and rest == rest else math.nan
        label = f"{edges[b]:g}-{edges[b + 1]:g}"
        sentence = (
            f"calls scoring {label} have {outcome} {ratio:.1f}x as often as the rest "
            f"({rate:.0%} vs {rest:.0%})"
            if n and ratio == ratio
            else ""
        )
        rows.append(
            {
                "band": label,
                "n": n,
                "outcomes": int(k),
                "rate": rate,
                "ci_low": low,
                "ci_high": high,
                "rest_rate": rest,
                "rate_ratio": ratio,
                "sentence": sentence,
            }
        )
    return pd.DataFrame(rows)

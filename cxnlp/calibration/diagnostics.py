"""Machine against people on out-of-fold predictions: the tables an analyst reads first.

:func:`~cxnlp.calibration.workflow.calibrate` returns, per target, a cross-validated
agreement table and the out-of-fold predictions. These helpers turn that into what a QA
analyst asks next: the headline agreement rows of every target, the out-of-fold table with
the people's mean and the residual beside each transcript, and the transcripts where
machine and people disagree most with the evidence that explains the disagreement. The
figures drawn from the same tables are in :mod:`cxnlp.report.calibration_figures`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxnlp.calibration.agreement import require_columns
from cxnlp.schema import LOWER_IS_BETTER

if TYPE_CHECKING:
    from cxnlp.calibration.workflow import TargetResult

__all__ = [
    "agreement_overview",
    "largest_disagreements",
    "oof_frame",
    "rater_means",
]


def rater_means(
    labels: pd.DataFrame, targets: Sequence[str], *, id_col: str = "transcript_id"
) -> pd.DataFrame:
    """One row per item: the mean of each target over its raters, and ``n_ratings``.

    Items keep the order of their first label row.
    """
    require_columns(labels, [id_col, *targets], "labels")
    keyed = labels.assign(**{id_col: labels[id_col].astype(str)})
    grouped = keyed.groupby(id_col, sort=False)
    out = grouped[list(targets)].mean()
    out["n_ratings"] = grouped.size()
    return out.reset_index()


def agreement_overview(results: Mapping[str, TargetResult]) -> pd.DataFrame:
    """The headline rows of every target's cross-validated agreement table.

    Keeps machine vs one rater (``machine-h1``), machine vs the mean rating
    (``machine-mean``), rater vs rater (``human-human``, where transcripts were rated
    twice) and PRMSE (``machine-humans``), with their bootstrap CIs and flags; the
    dimension and subgroup rows stay in each result's full ``agreement`` table.
    """
    keep = ("machine-h1", "machine-mean", "human-human", "machine-humans")
    frames = [r.agreement for r in results.values()]
    if not frames:
        raise ValueError("Got no calibration results; expected the dict that calibrate() returns.")
    table = pd.concat(frames, ignore_index=True)
    table = table[table["comparison"].isin(keep)]
    cols = [
        c for c in ("target", "comparison", "metric", "value", "ci_low", "ci_high", "n", "flag") if c in table
    ]
    return table[cols].reset_index(drop=True)


def oof_frame(result: TargetResult, labels: pd.DataFrame, *, id_col: str = "transcript_id") -> pd.DataFrame:
    """The out-of-fold table of one calibrated target with the people's mean beside it.

    Parameters
    ----------
    result
        A ``TargetResult`` from :func:`cxnlp.calibration.workflow.calibrate` (its ``oof``
        table holds ``<target>_pred``, the dimensions and the subgroup columns).
    labels
        The human label rows for that target (several rows per transcript allowed).

    Returns
    -------
    DataFrame
        ``result.oof`` plus ``<target>_human`` (the mean rating), ``n_ratings`` and
        ``residual`` = human − machine (positive: people rated the call higher).
    """
    target = result.target
    pred = f"{target}_pred"
    require_columns(result.oof, [id_col, pred], "result.oof")
    means = rater_means(labels, [target], id_col=id_col).rename(columns={target: f"{target}_human"})
    frame = result.oof.assign(**{id_col: result.oof[id_col].astype(str)}).merge(means, on=id_col, how="inner")
    frame["residual"] = frame[f"{target}_human"] - frame[pred]
    return frame


def largest_disagreements(
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    target: str,
    n: int = 5,
    n_evidence: int = 3,
    id_col: str = "transcript_id",
) -> pd.DataFrame:
    """The transcripts where machine and people disagree most, with the evidence behind it.

    When the machine rated a call higher than people did, the explanation is what the
    machine *credited* (its most positive evidence); when lower, what it *penalised* (its
    most negative evidence; for filler, more filler words count as negative). That is the
    evidence a reviewer should check first: a credit people did not give, or a penalty
    they did not notice.

    Parameters
    ----------
    frame
        :func:`oof_frame` output (``<target>_human``, ``<target>_pred``, ``residual``).
    scores
        The score table (for the evidence column).
    target
        The human target's name.
    n, n_evidence
        Transcripts to return and evidence items per transcript.

    Returns
    -------
    DataFrame
        ``transcript_id, human, machine, residual, direction, why`` (``why``: evidence items
        separated by ``" | "``, each ``dimension/kind weight: "sentence"``), largest ``|residual|`` first.
    """
    human, pred = f"{target}_human", f"{target}_pred"
    require_columns(frame, [id_col, human, pred, "residual"], "frame")
    require_columns(scores, [id_col, "evidence"], "scores")
    top = frame.assign(_abs=frame["residual"].abs()).nlargest(n, "_abs")
    blobs = dict(zip(scores[id_col].astype(str), scores["evidence"], strict=True))
    rows = []
    for record in top.to_dict("records"):
        machine_high = record["residual"] < 0
        items = json.loads(blobs.get(str(record[id_col]), "[]"))
        chosen = _explaining(items, machine_high=machine_high, n=n_evidence)
        rows.append(
            {
                id_col: record[id_col],
                "human": record[human],
                "machine": record[pred],
                "residual": record["residual"],
                "direction": "machine higher" if machine_high else "people higher",
                "why": " | ".join(
                    f'{e["dimension"]}/{e["kind"]} {float(e["weight"]):+.1f}: "{e["sentence"]}"'
                    for e in chosen
                ),
            }
        )
    return pd.DataFrame(rows, columns=[id_col, "human", "machine", "residual", "direction", "why"])


def _impact(item: Mapping[str, Any]) -> float:
    weight = float(item["weight"])
    return -weight if item["dimension"] in LOWER_IS_BETTER else weight


def _explaining(items: Sequence[Mapping[str, Any]], *, machine_high: bool, n: int) -> list[Mapping[str, Any]]:
    sign = 1.0 if machine_high else -1.0
    useful = [e for e in items if sign * _impact(e) > 0]
    return sorted(useful, key=lambda e: -sign * _impact(e))[:n]

"""Agreement from the review table: machine–reviewer, reviewer–reviewer, and reviewer drift.

The numbers are :func:`cxnlp.calibration.agreement.agreement_table`'s (the metrics
``cxnlp agreement`` prints), per target: the rubric score against the calibrated
``rubric_score_pred`` when a calibration predicts it, and each dimension the reviewers
scored against the machine's dimension score (both 0-100 on the dimension's own scale).
Each reviewer's newest review of a call counts once.

Drift is what a QA team looks at in its calibration sessions: for every call two or more
reviewers rated, each reviewer's score minus the mean of the others; per reviewer, the
mean of those differences with a bootstrap interval. A reviewer whose interval lies above
zero is lenient, below zero severe (the other way round for filler_content, where a
higher score is a worse call).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxnlp.calibration import metrics
from cxnlp.calibration.agreement import agreement_table
from cxnlp.schema import DIMENSION_COLUMNS, higher_is_better
from cxnlp.service.reviews import REVIEW_PREFIX, latest_per_reviewer
from cxnlp.service.schemas import AgreementResponse, AgreementRow, ReviewerDrift, clean_number

SCALE = "0-100"
MIN_DRIFT_CALLS = 3
_COMPARISONS = {
    "machine-h1": "machine-reviewer",
    "machine-mean": "machine-reviewer-mean",
    "machine-humans": "machine-reviewers",
    "human-human": "reviewer-reviewer",
}


def targets(machine: pd.DataFrame | None) -> dict[str, tuple[str, str | None]]:
    """Target name → (review table column, machine column or None)."""
    columns = set(machine.columns) if machine is not None else set()
    out: dict[str, tuple[str, str | None]] = {
        "rubric_score": ("rubric_score", "rubric_score_pred" if "rubric_score_pred" in columns else None)
    }
    for name in DIMENSION_COLUMNS:
        out[name] = (f"{REVIEW_PREFIX}{name}", name if name in columns else None)
    return out


def review_agreement(
    reviews: pd.DataFrame, machine: pd.DataFrame | None, *, n_boot: int = 200, seed: int = 0
) -> AgreementResponse:
    """Agreement and drift from the review table and the machine's newest results."""
    table = latest_per_reviewer(reviews)
    notes: list[str] = []
    machine_rows: list[AgreementRow] = []
    reviewer_rows: list[AgreementRow] = []
    drift: list[ReviewerDrift] = []
    for target, (hcol, mcol) in targets(machine).items():
        human = table.loc[table[hcol].notna(), ["transcript_id", "reviewer_id", hcol]]
        if human.empty:
            continue
        rows, note = _agreement_rows(target, human, hcol, machine, mcol, n_boot=n_boot, seed=seed)
        notes.extend(note)
        for row in rows:
            (reviewer_rows if row.comparison == "reviewer-reviewer" else machine_rows).append(row)
        drift.extend(reviewer_drift(target, human, hcol, n_boot=n_boot, seed=seed))
    return AgreementResponse(
        reviews=len(reviews),
        transcripts=int(table["transcript_id"].nunique()) if not table.empty else 0,
        reviewers=int(table["reviewer_id"].nunique()) if not table.empty else 0,
        machine_reviewer=machine_rows,
        reviewer_reviewer=reviewer_rows,
        drift=drift,
        notes=notes,
    )


def _agreement_rows(
    target: str,
    human: pd.DataFrame,
    hcol: str,
    machine: pd.DataFrame | None,
    mcol: str | None,
    *,
    n_boot: int,
    seed: int,
) -> tuple[list[AgreementRow], list[str]]:
    notes = []
    if mcol is None:
        # No machine column for this target: agreement_table still gives the reviewer-
        # reviewer rows; a stand-in machine column (the reviewers' mean) is dropped below.
        notes.append(f"{target}: no machine score to compare with; reviewer-reviewer agreement only.")
        stand_in = human.groupby("transcript_id", sort=False)[hcol].mean().rename("_machine").reset_index()
        frame = _table(human, stand_in, hcol, "_machine", n_boot=n_boot, seed=seed, notes=notes)
        return [r for r in frame if r.comparison == "reviewer-reviewer"], notes
    scored = machine.loc[machine[mcol].notna(), ["transcript_id", mcol]].drop_duplicates("transcript_id")
    known = human[human["transcript_id"].isin(set(scored["transcript_id"]))]
    missing = human["transcript_id"].nunique() - known["transcript_id"].nunique()
    if missing:
        notes.append(f"{target}: {missing} reviewed call(s) have no machine {mcol} in the store; left out.")
    if known.empty:
        return [], notes
    return _table(known, scored, hcol, mcol, n_boot=n_boot, seed=seed, notes=notes), notes


def _table(
    human: pd.DataFrame,
    machine: pd.DataFrame,
    hcol: str,
    mcol: str,
    *,
    n_boot: int,
    seed: int,
    notes: list[str],
) -> list[AgreementRow]:
    target = hcol.removeprefix(REVIEW_PREFIX)
    try:
        frame = agreement_table(
            human, machine, targets={hcol: mcol}, scales={hcol: SCALE}, n_boot=n_boot, seed=seed
        )
    except ValueError as exc:
        notes.append(f"{target}: no agreement computed ({exc})")
        return []
    rows = []
    for rec in frame.to_dict("records"):
        comparison = _COMPARISONS.get(rec["comparison"])
        if comparison is None:
            continue
        rows.append(
            AgreementRow(
                target=target,
                comparison=comparison,
                metric=str(rec["metric"]),
                value=clean_number(rec["value"]),
                ci_low=clean_number(rec["ci_low"]),
                ci_high=clean_number(rec["ci_high"]),
                n=int(rec["n"]),
                flag=bool(rec["flag"]),
                flag_reason=str(rec["flag_reason"] or ""),
            )
        )
    return rows


def reviewer_drift(
    target: str, human: pd.DataFrame, hcol: str, *, n_boot: int = 200, seed: int = 0
) -> list[ReviewerDrift]:
    """Each reviewer's mean difference from the other reviewers of the same calls."""
    differences: dict[str, list[float]] = {}
    for _, group in human.groupby("transcript_id", sort=False):
        if len(group) < 2:
            continue
        values = group[hcol].to_numpy(dtype=float)
        total = values.sum()
        for reviewer, value in zip(group["reviewer_id"], values, strict=True):
            others = (total - value) / (len(values) - 1)
            differences.setdefault(str(reviewer), []).append(float(value - others))
    better_high = higher_is_better(target)
    out = []
    for reviewer in sorted(set(human["reviewer_id"].astype(str))):
        diffs = np.asarray(differences.get(reviewer, []), dtype=float)
        if diffs.size == 0:
            out.append(
                ReviewerDrift(
                    reviewer_id=reviewer,
                    target=target,
                    n=0,
                    mean_difference=None,
                    ci_low=None,
                    ci_high=None,
                    verdict="too few",
                )
            )
            continue
        ci = metrics.bootstrap_ci(np.mean, diffs, n_boot=n_boot, seed=seed)
        out.append(
            ReviewerDrift(
                reviewer_id=reviewer,
                target=target,
                n=int(diffs.size),
                mean_difference=clean_number(ci.estimate),
                ci_low=clean_number(ci.low),
                ci_high=clean_number(ci.high),
                verdict=_verdict(ci, int(diffs.size), better_high),
            )
        )
    return out


def _verdict(ci: metrics.BootstrapCI, n: int, higher_is_better: bool) -> str:
    if n < MIN_DRIFT_CALLS or math.isnan(ci.low) or math.isnan(ci.high):
        return "too few"
    if ci.low > 0:
        return "lenient" if higher_is_better else "severe"
    if ci.high < 0:
        return "severe" if higher_is_better else "lenient"
    return "in line"

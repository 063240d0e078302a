"""Machine-human and human-human agreement tables with RSMTool-style flags.

Feed this *out-of-fold* machine predictions (from
:func:`~cxnlp.calibration.estimators.cross_val_predictions`); agreement of in-sample
predictions says nothing about new transcripts.

Conventions
-----------
- ``human`` is long: one row per (transcript, evaluator) rating, in the order the
  ratings were given. ``h1`` is each transcript's first rating row, ``h2`` its second.
- **Machine vs human** is reported against ``h1`` (a single rating, so it is comparable
  to human-human agreement, as in RSMTool) and against the mean of all ratings.
- **Human vs human** pairs the first two ratings of every transcript with >= 2 ratings
  (RSMTool's ``sc1``/``sc2``), rather than averaging over all rater pairs, so that every
  item counts once and the numbers sit beside the machine-``h1`` ones. Krippendorff's
  alpha uses *all* ratings (it does not depend on rater identity); ICC(A,1) uses the
  ``h1``/``h2`` slots as its rater factor, an approximation when evaluators vary by item.
- PRMSE uses all ratings (Loukina et al. 2020).
- Flags (on the machine-``h1`` rows): QWK < 0.7; \\|SMD\\| > 0.15; machine-human Pearson
  more than 0.1 below human-human Pearson.
- Intervals: paired percentile bootstrap over transcripts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cxnlp.calibration import metrics
from cxnlp.calibration.scales import Scale, as_scale, infer_scale
from cxnlp.frame_checks import require_columns as check_columns

__all__ = [
    "AGREEMENT_COLUMNS",
    "FLAG_QWK_BELOW",
    "FLAG_SMD_ABOVE",
    "FLAG_R_DEGRADATION",
    "FLAG_AUC_BELOW",
    "agreement_table",
    "outcome_agreement_table",
    "rating_matrix",
    "subgroup_smd",
]

logger = logging.getLogger(__name__)

FLAG_QWK_BELOW = 0.7
FLAG_SMD_ABOVE = 0.15
FLAG_R_DEGRADATION = 0.1
#: An outcome model whose out-of-fold AUC is below this barely ranks the outcome.
FLAG_AUC_BELOW = 0.6

AGREEMENT_COLUMNS = [
    "target",
    "machine_col",
    "comparison",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "subgroup_col",
    "subgroup",
    "flag",
    "flag_reason",
]


def require_columns(frame: pd.DataFrame, columns: Sequence[str], frame_name: str) -> None:
    """Raise one clear error naming the table (``frame_name``) and the columns it lacks
    (:func:`cxnlp.frame_checks.require_columns`, the one column check)."""
    check_columns(frame, columns, table=frame_name)


def rating_matrix(
    human: pd.DataFrame, *, id_col: str, target: str
) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """Items x rating-slots matrix (NaN-padded) from long rating rows, first rating first.

    Rows with a missing ``target`` are dropped; ids come out in order of first appearance.
    """
    require_columns(human, [id_col, target], "human")
    rows = human[[id_col, target]].dropna(subset=[target])
    values = pd.to_numeric(rows[target], errors="coerce")
    if values.isna().any():
        bad = rows.loc[values.isna(), target].astype(str).unique()[:5].tolist()
        raise ValueError(f"Got non-numeric values {bad} in human column {target!r}; expected numbers.")
    ids = rows[id_col].astype(str).to_numpy()
    codes, uniques = pd.factorize(ids)
    slot = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    matrix = np.full((uniques.size, int(slot.max()) + 1 if slot.size else 1), np.nan)
    matrix[codes, slot] = values.to_numpy(dtype=float)
    return np.asarray(uniques, dtype=object), matrix


def _resolve_targets(targets: Mapping[str, str] | Sequence[str] | str) -> dict[str, str]:
    if isinstance(targets, str):
        return {targets: targets}
    if isinstance(targets, Mapping):
        return {str(k): str(v) for k, v in targets.items()}
    return {str(t): str(t) for t in targets}


def _machine_lookup(machine: pd.DataFrame, id_col: str) -> pd.DataFrame:
    keyed = machine.assign(**{id_col: machine[id_col].astype(str)})
    dup = keyed[id_col][keyed[id_col].duplicated()]
    if not dup.empty:
        raise ValueError(
            f"Got repeated ids in the machine table, e.g. {dup.unique()[:5].tolist()}; "
            "expected one row per transcript."
        )
    return keyed.set_index(id_col)


def _check_ids(item_ids: NDArray[Any], lookup: pd.DataFrame, target: str) -> None:
    unknown = sorted(set(item_ids) - set(lookup.index))
    if unknown:
        raise ValueError(
            f"Got {len(unknown)} transcript id(s) rated for {target!r} that are not in the "
            f"machine table, e.g. {unknown[:5]}; expected every rated id to be scored. "
            "Score them or drop those ratings."
        )


def _scale_for(target: str, human_values: NDArray[np.float64], scales: Mapping[str, Any]) -> Scale:
    declared = as_scale(scales.get(target)) if scales else None
    scale = declared if declared is not None else infer_scale(human_values, column=target)
    scale.validate(human_values, column=target)
    return scale


def _qwk(scale: Scale) -> Callable[[Any, Any], float]:
    def qwk(a: Any, b: Any) -> float:
        return metrics.quadratic_weighted_kappa(
            scale.to_steps(a), scale.to_steps(b), min_rating=0, max_rating=scale.n_levels - 1
        )

    return qwk


def _pair_metrics(scale: Scale, *, with_agreement: bool) -> dict[str, Callable[..., float]]:
    funcs: dict[str, Callable[..., float]] = {
        "pearson": metrics.pearson,
        "spearman": metrics.spearman,
        "rmse": metrics.rmse,
        "mae": metrics.mae,
        "smd": metrics.standardized_mean_difference,
    }
    if with_agreement:
        funcs["qwk"] = _qwk(scale)
        if scale.discrete:
            funcs["exact_agreement"] = lambda a, b: metrics.exact_agreement(a, b, step=scale.step)
            funcs["adjacent_agreement"] = lambda a, b: metrics.adjacent_agreement(a, b, step=scale.step)
    return funcs


def _row(
    target: str,
    machine_col: str | None,
    comparison: str,
    metric: str,
    ci: metrics.BootstrapCI | None,
    n: int,
    *,
    value: float | None = None,
) -> dict[str, Any]:
    return {
        "target": target,
        "machine_col": machine_col,
        "comparison": comparison,
        "metric": metric,
        "value": ci.estimate if ci is not None else value,
        "ci_low": ci.low if ci is not None else math.nan,
        "ci_high": ci.high if ci is not None else math.nan,
        "n": n,
        "subgroup_col": None,
        "subgroup": None,
        "flag": False,
        "flag_reason": "",
    }


def _complete(*arrays: NDArray[np.float64]) -> int:
    ok = np.ones(arrays[0].shape[0], dtype=bool)
    for a in arrays:
        ok &= ~np.isnan(a) if a.ndim == 1 else ~np.all(np.isnan(a), axis=1)
    return int(ok.sum())


def agreement_table(
    human: pd.DataFrame,
    machine: pd.DataFrame,
    *,
    targets: Mapping[str, str] | Sequence[str] | str,
    id_col: str = "transcript_id",
    scales: Mapping[str, Scale | str] | None = None,
    dimension_cols: Sequence[str] | None = None,
    groups_cols: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Machine-human and human-human agreement, with bootstrap CIs and RSMTool flags.

    Parameters
    ----------
    human
        Long rating rows: ``id_col`` and one column per human target (several rows per
        transcript where several evaluators rated it).
    machine
        One row per transcript: ``id_col`` and the (cross-validated, calibrated)
        prediction columns, plus any dimension or subgroup columns asked for.
    targets
        Human target → machine prediction column (``{"rubric_score": "pred_rubric"}``),
        or names present in both tables.
    scales
        Declared scale per human target (``{"survey_rating": "1-5"}``); otherwise the
        scale is inferred, and ambiguous inference raises.
    dimension_cols
        Machine columns (raw dimension scores) to correlate with the mean human rating;
        only Pearson and Spearman, as raw scores are not on the human scale.
    groups_cols
        Subgroup columns (team, queue, customer_segment, channel) for
        :func:`subgroup_smd` rows.
    n_boot, seed, alpha
        Bootstrap replicates, seed and two-sided level of the CIs.

    Returns
    -------
    DataFrame
        Columns :data:`AGREEMENT_COLUMNS`. ``comparison`` is one of ``machine-h1``,
        ``machine-mean``, ``human-human``, ``machine-humans`` (PRMSE),
        ``dimension-mean`` and ``subgroup``.

    Raises
    ------
    ValueError
        On missing columns (named, with the table), rated ids absent from the machine
        table (listed), repeated machine ids, or values outside a target's scale.
    """
    target_map = _resolve_targets(targets)
    if not target_map:
        raise ValueError("Got no targets; expected e.g. targets={'rubric_score': 'pred'}.")
    require_columns(human, [id_col, *target_map], "human")
    require_columns(machine, [id_col, *target_map.values(), *(dimension_cols or ())], "machine")
    lookup = _machine_lookup(machine, id_col)
    rows: list[dict[str, Any]] = []
    for target, mcol in target_map.items():
        item_ids, H = rating_matrix(human, id_col=id_col, target=target)
        if item_ids.size == 0:
            raise ValueError(f"Got no non-missing ratings in human column {target!r}.")
        _check_ids(item_ids, lookup, target)
        scale = _scale_for(target, H[~np.isnan(H)], scales or {})
        m = pd.to_numeric(lookup.loc[item_ids, mcol], errors="coerce").to_numpy(dtype=float)
        try:
            scale.validate(m, column=mcol)
        except ValueError as exc:
            raise ValueError(
                f"{exc} Machine column {mcol!r} must hold calibrated predictions on the scale "
                f"of {target!r}, not raw dimension scores."
            ) from exc
        rows.extend(_target_rows(target, mcol, H, m, scale, n_boot=n_boot, seed=seed, alpha=alpha))
        for dcol in dimension_cols or ():
            d = pd.to_numeric(lookup.loc[item_ids, dcol], errors="coerce").to_numpy(dtype=float)
            hmean = np.nanmean(H, axis=1)
            for name, func in (("pearson", metrics.pearson), ("spearman", metrics.spearman)):
                ci = metrics.bootstrap_ci(func, hmean, d, n_boot=n_boot, seed=seed, alpha=alpha)
                rows.append(_row(target, dcol, "dimension-mean", name, ci, _complete(hmean, d)))
        if groups_cols:
            sub = subgroup_smd(
                human,
                machine,
                target=target,
                machine_col=mcol,
                group_cols=groups_cols,
                id_col=id_col,
            )
            for rec in sub.to_dict("records"):
                row = _row(target, mcol, "subgroup", "smd", None, int(rec["n"]), value=rec["smd"])
                row.update(
                    subgroup_col=rec["group_col"],
                    subgroup=rec["group"],
                    flag=bool(rec["flag"]),
                    flag_reason=f"|SMD| > {FLAG_SMD_ABOVE}" if rec["flag"] else "",
                )
                rows.append(row)
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def _target_rows(
    target: str,
    mcol: str,
    H: NDArray[np.float64],
    m: NDArray[np.float64],
    scale: Scale,
    *,
    n_boot: int,
    seed: int,
    alpha: float,
) -> list[dict[str, Any]]:
    boot = {"n_boot": n_boot, "seed": seed, "alpha": alpha}
    rows: list[dict[str, Any]] = []
    h1 = H[:, 0]
    hmean = np.nanmean(H, axis=1)
    pair = _pair_metrics(scale, with_agreement=True)
    mh1: dict[str, float] = {}
    for name, func in pair.items():
        ci = metrics.bootstrap_ci(func, h1, m, **boot)
        mh1[name] = ci.estimate
        rows.append(_row(target, mcol, "machine-h1", name, ci, _complete(h1, m)))
    for name, func in _pair_metrics(scale, with_agreement=False).items():
        ci = metrics.bootstrap_ci(func, hmean, m, **boot)
        rows.append(_row(target, mcol, "machine-mean", name, ci, _complete(hmean, m)))

    multi = (~np.isnan(H)).sum(axis=1) >= 2
    r_hh = math.nan
    if multi.sum() >= 2:
        a, b = H[multi, 0], H[multi, 1]
        n_hh = int(multi.sum())
        for name, func in pair.items():
            ci = metrics.bootstrap_ci(func, a, b, **boot)
            if name == "pearson":
                r_hh = ci.estimate
            rows.append(_row(target, None, "human-human", name, ci, n_hh))
        level = "ordinal" if scale.discrete else "interval"
        ci = metrics.bootstrap_ci(metrics.krippendorff_alpha, H[multi], level=level, **boot)
        rows.append(_row(target, None, "human-human", f"krippendorff_alpha_{level}", ci, n_hh))
        ci = metrics.bootstrap_ci(lambda x: metrics.icc(x, "ICC(A,1)").value, H[multi][:, :2], **boot)
        rows.append(_row(target, None, "human-human", "ICC(A,1)", ci, n_hh))
        ci = metrics.bootstrap_ci(metrics.prmse, H, m, **boot)
        rows.append(_row(target, mcol, "machine-humans", "prmse", ci, _complete(H, m)))
    else:
        logger.info(
            "Target %r: fewer than 2 transcripts with 2+ ratings; no human-human rows, no PRMSE.",
            target,
        )
    _flag(rows, mh1, r_hh)
    return rows


def _flag(rows: list[dict[str, Any]], mh1: Mapping[str, float], r_hh: float) -> None:
    for row in rows:
        if row["comparison"] != "machine-h1":
            continue
        v = row["value"]
        reason = ""
        if row["metric"] == "qwk" and v < FLAG_QWK_BELOW:
            reason = f"QWK < {FLAG_QWK_BELOW}"
        elif row["metric"] == "smd" and abs(v) > FLAG_SMD_ABOVE:
            reason = f"|SMD| > {FLAG_SMD_ABOVE}"
        elif row["metric"] == "pearson" and not math.isnan(r_hh) and v < r_hh - FLAG_R_DEGRADATION:
            reason = f"r(machine, human) more than {FLAG_R_DEGRADATION} below r(human, human)"
        if reason:
            row["flag"], row["flag_reason"] = True, reason


def subgroup_smd(
    human: pd.DataFrame,
    machine: pd.DataFrame,
    *,
    target: str,
    machine_col: str,
    group_cols: Sequence[str],
    id_col: str = "transcript_id",
    threshold: float = FLAG_SMD_ABOVE,
    min_group_size: int = 10,
) -> pd.DataFrame:
    """Standardised machine-minus-human difference per subgroup, flagged above ``threshold``.

    For each transcript the human score is the mean of its ratings; for subgroup ``g``
    ``smd = mean_g(machine - human) / sd(human)`` with the human SD of *all* rated
    transcripts, so groups are compared on one yardstick (RSMTool's subgroup SMD with
    the population SD). A positive value means the machine over-scores that group
    relative to people. Groups with fewer than ``min_group_size`` transcripts are
    reported but never flagged (their SMD is noise). Group columns are looked up in the
    machine table first (the score table carries the metadata), then the human table.

    Returns
    -------
    DataFrame
        ``group_col, group, n, mean_human, mean_machine, smd, flag``.
    """
    require_columns(human, [id_col, target], "human")
    require_columns(machine, [id_col, machine_col], "machine")
    item_ids, H = rating_matrix(human, id_col=id_col, target=target)
    lookup = _machine_lookup(machine, id_col)
    _check_ids(item_ids, lookup, target)
    h = np.nanmean(H, axis=1)
    m = pd.to_numeric(lookup.loc[item_ids, machine_col], errors="coerce").to_numpy(dtype=float)
    human_first = human.assign(**{id_col: human[id_col].astype(str)}).drop_duplicates(id_col)
    human_first = human_first.set_index(id_col)
    sd = float(np.nanstd(h, ddof=1)) if h.size > 1 else math.nan
    records = []
    for col in group_cols:
        if col in lookup.columns:
            labels = lookup.loc[item_ids, col]
        elif col in human_first.columns:
            labels = human_first.loc[item_ids, col]
        else:
            raise ValueError(
                f"Got subgroup column {col!r} in neither the machine nor the human table; "
                f"expected a metadata column such as team, queue, customer_segment or channel."
            )
        labels = labels.astype("string").fillna("<missing>").to_numpy()
        for group in pd.unique(labels):
            sel = (labels == group) & ~np.isnan(m) & ~np.isnan(h)
            n = int(sel.sum())
            diff = float(np.mean(m[sel] - h[sel])) if n else math.nan
            smd = diff / sd if sd and not math.isnan(sd) and sd > 0 else math.nan
            records.append(
                {
                    "group_col": col,
                    "group": str(group),
                    "n": n,
                    "mean_human": float(np.mean(h[sel])) if n else math.nan,
                    "mean_machine": float(np.mean(m[sel])) if n else math.nan,
                    "smd": smd,
                    "flag": bool(n >= min_group_size and abs(smd) > threshold),
                }
            )
    return pd.DataFrame(
        records, columns=["group_col", "group", "n", "mean_human", "mean_machine", "smd", "flag"]
    )


# --------------------------------------------------------------------------- binary outcomes


def outcome_agreement_table(
    outcome: ArrayLike,
    probability: ArrayLike,
    *,
    target: str,
    machine_col: str,
    n_bins: int = 10,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """How well predicted probabilities of a binary outcome agree with what happened.

    Rows of the same long table as :func:`agreement_table` (:data:`AGREEMENT_COLUMNS`),
    each with a paired bootstrap interval over transcripts:

    - ``comparison="machine-outcome"``: ``auc`` (ranking), ``brier`` and ``log_loss``
      (probability error); flagged when the AUC is below :data:`FLAG_AUC_BELOW`.
    - ``comparison="reliability"``: the calibration curve. Per bin of predicted probability
      (``subgroup_col="predicted_bin"``, ``n_bins`` equal widths, empty bins left out),
      ``metric="mean_predicted"`` and ``metric="observed_rate"``; a calibrated model has
      the two equal.
    - ``comparison="lift"``: per decile of predicted probability (``subgroup_col="decile"``,
      1 = the tenth with the highest predictions), ``metric="lift"``: the decile's outcome
      rate over the overall rate.

    Feed it out-of-fold probabilities; in-sample ones flatter the model.
    """
    y, p = metrics._paired(outcome, probability)
    rows: list[dict[str, Any]] = []
    boot = {"n_boot": n_boot, "seed": seed, "alpha": alpha}
    for name, func in (("auc", metrics.auc), ("brier", metrics.brier), ("log_loss", metrics.log_loss)):
        ci = metrics.bootstrap_ci(func, y, p, **boot)
        row = _row(target, machine_col, "machine-outcome", name, ci, int(y.size))
        if name == "auc" and ci.estimate < FLAG_AUC_BELOW:
            row["flag"], row["flag_reason"] = True, f"AUC < {FLAG_AUC_BELOW}"
        rows.append(row)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    for k in range(n_bins):
        lo, hi = edges[k], edges[k + 1]

        def in_bin(
            q: NDArray[np.float64], lo: float = lo, hi: float = hi, last: bool = k == n_bins - 1
        ) -> Any:
            return (q >= lo) & ((q <= hi) if last else (q < hi))

        n = int(in_bin(p).sum())
        if n == 0:
            continue
        label = f"{lo:.2f}-{hi:.2f}"
        for name, func in (
            ("mean_predicted", lambda a, b, f=in_bin: _mean_where(b, f(b))),
            ("observed_rate", lambda a, b, f=in_bin: _mean_where(a, f(b))),
        ):
            ci = metrics.bootstrap_ci(func, y, p, **boot)
            row = _row(target, machine_col, "reliability", name, ci, n)
            row.update(subgroup_col="predicted_bin", subgroup=label)
            rows.append(row)
    if y.size >= 10:
        cuts = np.quantile(p, np.linspace(0.0, 1.0, 11)[1:-1])
        decile_of = lambda q: 10 - np.searchsorted(cuts, q, side="right")  # noqa: E731
        for d in range(1, 11):
            n = int((decile_of(p) == d).sum())
            if n == 0:
                continue

            def lift(a: NDArray[np.float64], b: NDArray[np.float64], d: int = d) -> float:
                overall = float(np.mean(a)) if a.size else math.nan
                return _mean_where(a, decile_of(b) == d) / overall if overall > 0 else math.nan

            ci = metrics.bootstrap_ci(lift, y, p, **boot)
            row = _row(target, machine_col, "lift", "lift", ci, n)
            row.update(subgroup_col="decile", subgroup=str(d))
            rows.append(row)
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def _mean_where(values: NDArray[np.float64], mask: NDArray[np.bool_]) -> float:
    return float(np.mean(values[mask])) if mask.any() else math.nan

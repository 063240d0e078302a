"""The calibration job end to end: fit per target, report cross-validated agreement, save, apply.

A calibration directory (``models/NAME/``) holds, per human target, ``<target>.json`` (the
fitted calibrator as plain JSON, safe to load), ``<target>.md`` (its model card), and
``agreement.csv`` (every target's cross-validated agreement table). ``apply_calibration``
adds ``<target>_pred`` and a prediction interval to any score table.

Agreement is computed on out-of-fold predictions of the *selected* candidate, refitted
inside each fold (grouped by transcript, so a transcript rated by two evaluators never
sits on both sides), never on in-sample fits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from cxnlp import __version__
from cxnlp.calibration.agreement import agreement_table, outcome_agreement_table
from cxnlp.calibration.estimators import (
    LogisticCalibrator,
    calibration_features,
    cross_val_predictions,
    select_calibrator,
    training_frame,
)
from cxnlp.calibration.persistence import (
    _TARGET_NAME,
    TRAINING_IDS_KEY,
    Calibration,
    _short,
    id_hashes,
    load_calibrator,
    read_json_capped,
    save_calibrator,
    write_model_card,
)
from cxnlp.calibration.scales import Scale, as_scale, infer_scale
from cxnlp.io import atomic_open, write_frame
from cxnlp.schema import SCORE_COLUMNS

logger = logging.getLogger(__name__)

SUBGROUP_COLUMNS = ("team", "queue", "customer_segment", "channel")
#: The score columns agreement tables break down by: the four dimensions and the composite.
DIMENSION_COLUMNS = SCORE_COLUMNS


@dataclass(frozen=True)
class TargetResult:
    """What calibrating one human target produced."""

    target: str
    calibration: Calibration
    candidates: pd.DataFrame
    agreement: pd.DataFrame
    oof: pd.DataFrame


def merge_labels(labels: Sequence[pd.DataFrame], *, id_col: str = "transcript_id") -> dict[str, pd.DataFrame]:
    """Index label tables by the human columns they hold: ``{target: rows with id and target}``."""
    by_target: dict[str, pd.DataFrame] = {}
    for table in labels:
        if id_col not in table.columns:
            raise ValueError(
                f"Got a label table without column {id_col!r} (columns: {list(table.columns)[:12]}); "
                f"expected a transcript id column. Rename it to {id_col!r}."
            )
        for col in table.columns:
            if col != id_col and pd.api.types.is_numeric_dtype(table[col]):
                by_target.setdefault(col, table[[id_col, col]].assign(**{id_col: table[id_col].astype(str)}))
    return by_target


def calibrate_target(
    scores: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    target: str,
    scale: Scale | str | None = None,
    cv: int = 5,
    n_boot: int = 500,
    seed: int = 0,
    id_col: str = "transcript_id",
    progress: Callable[[str], None] | None = None,
) -> TargetResult:
    """Select, fit and honestly evaluate a calibrator for one human target.

    ``progress`` is called with a short line as each stage starts (for a progress display).
    """
    say = progress or _silent
    X, y, groups = training_frame(scores, labels, target=target, id_col=id_col)
    sc = as_scale(scale) if scale is not None else infer_scale(y, column=target)
    sc.validate(y, column=target)
    say(f"{target}: choosing a calibrator ({cv}-fold cross-validation)")
    chosen, candidates = select_calibrator(X, y, groups=groups, cv=cv, scale=sc, random_state=seed)
    say(f"{target}: cross-validated predictions")
    oof = cross_val_predictions(clone(chosen), X, y, groups=groups, cv=cv, random_state=seed)
    oof_items = (
        pd.DataFrame({id_col: groups.astype(str), f"{target}_pred": oof})
        .groupby(id_col, sort=False)
        .first()
        .reset_index()
    )
    keyed = scores.assign(**{id_col: scores[id_col].astype(str)})
    extra = [c for c in (*DIMENSION_COLUMNS, *SUBGROUP_COLUMNS) if c in keyed.columns]
    machine = oof_items.merge(keyed[[id_col, *extra]], on=id_col, how="left")
    dims = [c for c in DIMENSION_COLUMNS if c in machine.columns]
    groups_cols = [c for c in SUBGROUP_COLUMNS if c in machine.columns] or None
    say(f"{target}: agreement ({n_boot} bootstrap replicates)")
    agreement = agreement_table(
        labels.assign(**{id_col: labels[id_col].astype(str)}),
        machine,
        targets={target: f"{target}_pred"},
        id_col=id_col,
        scales={target: sc},
        dimension_cols=dims,
        groups_cols=groups_cols,
        n_boot=n_boot,
        seed=seed,
    )
    calibration = Calibration(
        estimator=chosen,
        target=target,
        scale=sc,
        metadata={"cxnlp_version": __version__, "features": list(X.columns)},
    )
    return TargetResult(target, calibration, candidates, agreement, machine)


def is_binary_target(values: pd.Series | np.ndarray) -> bool:
    """Whether a label column is a binary business outcome: only 0 and 1, both present.

    Such a target (``repurchased``, ``churned_90d``, ``recontact_7d``, ``sale``) gets a
    :class:`~cxnlp.calibration.estimators.LogisticCalibrator` and outcome agreement
    (AUC, Brier, log loss, reliability, lift) instead of a rating calibrator.
    """
    arr = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").dropna()
    return set(arr.unique()) == {0.0, 1.0}


def calibrate_outcome(
    scores: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    target: str,
    cv: int = 5,
    n_boot: int = 500,
    seed: int = 0,
    id_col: str = "transcript_id",
    progress: Callable[[str], None] | None = None,
) -> TargetResult:
    """Fit and honestly evaluate a logistic calibrator for one binary outcome per transcript.

    ``progress`` is called with a short line as each stage starts.
    """
    say = progress or _silent
    keyed = labels.assign(**{id_col: labels[id_col].astype(str)}).dropna(subset=[target])
    clash = keyed.groupby(id_col)[target].nunique()
    if (clash > 1).any():
        raise ValueError(
            f"Got transcript {clash[clash > 1].index[0]!r} with two different {target!r} outcomes; "
            "expected one outcome per transcript. Fix the outcome table."
        )
    keyed = keyed.drop_duplicates(subset=id_col)
    X, y, groups = training_frame(scores, keyed, target=target, id_col=id_col)
    estimator = LogisticCalibrator(cv=cv, random_state=seed)
    say(f"{target}: cross-validated predictions")
    oof = cross_val_predictions(
        clone(estimator), X, y, groups=groups, cv=cv, random_state=seed, method="predict_proba"
    )
    estimator.fit(X, y, groups=groups)
    pred_col = f"{target}_pred"
    oof_items = pd.DataFrame({id_col: groups.astype(str), pred_col: oof})
    scored = scores.assign(**{id_col: scores[id_col].astype(str)})
    extra = [c for c in (*DIMENSION_COLUMNS, *SUBGROUP_COLUMNS) if c in scored.columns]
    machine = oof_items.merge(scored[[id_col, *extra]], on=id_col, how="left")
    say(f"{target}: agreement ({n_boot} bootstrap replicates)")
    agreement = outcome_agreement_table(y, oof, target=target, machine_col=pred_col, n_boot=n_boot, seed=seed)
    candidates = pd.DataFrame(
        [
            {
                "candidate": "logistic",
                "C": estimator.C_,
                **estimator.cv_scores_,
                "n_rows": int(y.size),
                "selected": True,
            }
        ]
    )
    calibration = Calibration(
        estimator=estimator,
        target=target,
        scale=None,
        metadata={"cxnlp_version": __version__, "features": list(X.columns)},
    )
    return TargetResult(target, calibration, candidates, agreement, machine)


def calibrate(
    scores: pd.DataFrame,
    labels: Sequence[pd.DataFrame],
    *,
    targets: Sequence[str],
    out_dir: str | Path | None = None,
    scales: Mapping[str, Scale | str] | None = None,
    cv: int = 5,
    n_boot: int = 500,
    seed: int = 0,
    id_col: str = "transcript_id",
    data_description: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, TargetResult]:
    """Fit a calibrator per human target and, with ``out_dir``, write calibrators, cards and agreement.

    Parameters
    ----------
    scores
        The table ``cxnlp score`` writes.
    labels
        One or more label tables, each with ``transcript_id`` and human columns; several
        rows per transcript (several evaluators) are used.
    targets
        Human columns to calibrate against (``rubric_score``, ``survey_rating``...).
    scales
        Declared scale per target (``{"survey_rating": "1-5"}``); inferred otherwise, and
        inference refuses to guess when ambiguous. A target holding only 0 and 1 and no
        declared scale is a binary outcome (see :func:`calibrate_outcome`).
    progress
        Called with a short line as each stage starts ("rubric_score: cross-validated
        predictions"), for a progress display.
    """
    available = merge_labels(labels, id_col=id_col)
    missing = [t for t in targets if t not in available]
    if missing:
        raise ValueError(
            f"Got target(s) {missing} that no label table holds as a numeric column; "
            f"expected one of {sorted(available)}."
        )
    results = {}
    for target in targets:
        declared = (scales or {}).get(target)
        if declared is None and is_binary_target(available[target][target]):
            results[target] = calibrate_outcome(
                scores,
                available[target],
                target=target,
                cv=cv,
                n_boot=n_boot,
                seed=seed,
                id_col=id_col,
                progress=progress,
            )
            continue
        results[target] = calibrate_target(
            scores,
            available[target],
            target=target,
            scale=declared,
            cv=cv,
            n_boot=n_boot,
            seed=seed,
            id_col=id_col,
            progress=progress,
        )
    if out_dir is not None:
        if progress is not None:
            progress("writing calibrators and model cards")
        write_calibration(results, out_dir, scores=scores, data_description=data_description)
    return results


def _silent(_: str) -> None:
    """The progress callback when none is given."""


def calibration_files(out_dir: str | Path, targets: Iterable[str]) -> dict[str, Path]:
    """Every file :func:`write_calibration` writes into ``out_dir``, by what it holds."""
    out = Path(out_dir)
    files = {"agreement": out / "agreement.csv", "index": out / "calibration.json"}
    for target in targets:
        files[f"{target} calibrator"] = out / f"{target}.json"
        files[f"{target} model card"] = out / f"{target}.md"
    return files


def write_calibration(
    results: Mapping[str, TargetResult],
    out_dir: str | Path,
    *,
    scores: pd.DataFrame,
    data_description: str | None = None,
) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = calibration_files(out, results)
    for target, result in results.items():
        n_items = int(result.oof.shape[0])
        summary = {
            "transcripts_scored": int(len(scores)),
            "transcripts_rated": n_items,
            "features": len(calibration_features(scores)),
            "selected": str(result.candidates.loc[result.candidates["selected"], "candidate"].iloc[0]),
            # cxnlp agreement warns when its labels overlap these (in-sample agreement).
            TRAINING_IDS_KEY: id_hashes(result.oof.iloc[:, 0]),
        }
        path = save_calibrator(
            files[f"{target} calibrator"],
            result.calibration.estimator,
            target=target,
            scale=result.calibration.scale,
            training_summary=summary,
            cv_agreement=result.agreement,
        )
        write_model_card(
            files[f"{target} model card"],
            load_calibrator(path),
            cv_agreement=_card_table(result.agreement),
            data_description=data_description,
        )
    write_frame(pd.concat([r.agreement for r in results.values()], ignore_index=True), files["agreement"])
    with atomic_open(files["index"]) as sink:
        sink.write(json.dumps({"targets": list(results), "cxnlp_version": __version__}, indent=2) + "\n")
    return out


def _card_table(agreement: pd.DataFrame) -> pd.DataFrame:
    main = agreement[
        agreement["comparison"].isin(["machine-mean", "machine-h1", "human-human", "machine-outcome"])
    ]
    cols = [c for c in ("comparison", "metric", "value", "ci_low", "ci_high", "n", "flag") if c in main]
    return main[cols]


def load_calibration(path: str | Path) -> dict[str, Calibration]:
    """Load every calibrator of a calibration directory (or one calibrator JSON file)."""
    p = Path(path)
    if p.is_file():
        calibration = load_calibrator(p)
        return {calibration.target: calibration}
    index = p / "calibration.json"
    if not index.is_file():
        raise ValueError(
            f"Got {str(p)!r}, which is neither a calibrator file nor a calibration directory "
            "(no calibration.json); expected the output of 'cxnlp calibrate --out DIR'."
        )
    doc = read_json_capped(index, "calibration index")
    targets = doc.get("targets") if isinstance(doc, dict) else None
    if (
        not isinstance(targets, list)
        or not targets
        or not all(isinstance(t, str) for t in targets)
        or len(set(targets)) != len(targets)
    ):
        raise ValueError(
            f"Got {_short(targets)} in field 'targets' of calibration index {index}; expected a "
            "non-empty list of distinct target names. Re-run cxnlp calibrate --out DIR."
        )
    folder = p.resolve()
    loaded = {}
    for target in targets:
        file = p / f"{target}.json"
        if not _TARGET_NAME.fullmatch(target) or file.resolve().parent != folder:
            raise ValueError(
                f"Got target {_short(target)} in field 'targets' of calibration index {index}; "
                f"expected a plain name whose file lies in {p} (no '/', '\\' or leading '.', "
                "no link out of the folder). Re-run cxnlp calibrate --out DIR."
            )
        calibration = load_calibrator(file)
        if calibration.target != target:
            raise ValueError(
                f"Got target {_short(calibration.target)} in field 'target' of calibrator file "
                f"{file}; expected {target!r}, as calibration.json lists it. Re-run cxnlp "
                "calibrate --out DIR."
            )
        loaded[target] = calibration
    return loaded


def apply_calibration(
    scores: pd.DataFrame, calibrations: Mapping[str, Calibration], *, alpha: float = 0.1
) -> pd.DataFrame:
    """Add ``<target>_pred`` and its ``(1 - alpha)`` interval ``_low``/``_high`` to a score table.

    For a binary outcome ``<target>_pred`` is the probability of the outcome, without an
    interval.
    """
    out = scores.copy()
    for target, calibration in calibrations.items():
        X = calibration.select(scores)  # once: it decodes slot_vectors for sentence evidence
        if isinstance(calibration.estimator, LogisticCalibrator):  # a probability, no interval
            out[f"{target}_pred"] = calibration.estimator.predict_proba(X)[:, 1]
            continue
        out[f"{target}_pred"] = calibration.estimator.predict(X)
        interval = np.asarray(calibration.estimator.predict_interval(X, alpha=alpha))
        out[f"{target}_pred_low"] = interval[:, 0]
        out[f"{target}_pred_high"] = interval[:, 1]
    return out

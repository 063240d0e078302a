"""Calibration of transcript scores against human QA ratings, and agreement evaluation.

Everything reported here is computed on cross-validated (out-of-fold) predictions.
"""

from __future__ import annotations

from cxnlp.calibration.agreement import agreement_table, rating_matrix, subgroup_smd
from cxnlp.calibration.baselines import (
    bow_baseline_cv,
    compare_with_baseline,
    human_ceiling,
    prediction_metrics,
    transcript_texts,
)
from cxnlp.calibration.diagnostics import (
    agreement_overview,
    largest_disagreements,
    oof_frame,
    rater_means,
)
from cxnlp.calibration.estimators import (
    DIMENSION_COLUMNS,
    MonotoneCalibrator,
    ScoreCalibrator,
    calibration_features,
    cross_val_predictions,
    select_calibrator,
    training_frame,
    with_slot_columns,
)
from cxnlp.calibration.explain import (
    Explanation,
    explain_scores,
    explain_transcript,
    sentence_contributions,
)
from cxnlp.calibration.metrics import (
    BootstrapCI,
    ICCResult,
    adjacent_agreement,
    bootstrap_ci,
    exact_agreement,
    icc,
    krippendorff_alpha,
    mae,
    pearson,
    prmse,
    quadratic_weighted_kappa,
    rmse,
    spearman,
    standardized_mean_difference,
)
from cxnlp.calibration.model_selection import ItemKFold
from cxnlp.calibration.persistence import (
    Calibration,
    load_calibrator,
    save_calibrator,
    write_model_card,
)
from cxnlp.calibration.scales import Scale, infer_scale, parse_scale
from cxnlp.calibration.workflow import (
    TargetResult,
    apply_calibration,
    calibrate,
    load_calibration,
    merge_labels,
)

__all__ = [
    "TargetResult",
    "apply_calibration",
    "calibrate",
    "load_calibration",
    "merge_labels",
    "DIMENSION_COLUMNS",
    "BootstrapCI",
    "Calibration",
    "ICCResult",
    "MonotoneCalibrator",
    "Scale",
    "ScoreCalibrator",
    "adjacent_agreement",
    "agreement_table",
    "bootstrap_ci",
    "calibration_features",
    "cross_val_predictions",
    "exact_agreement",
    "icc",
    "infer_scale",
    "krippendorff_alpha",
    "load_calibrator",
    "mae",
    "parse_scale",
    "pearson",
    "prmse",
    "quadratic_weighted_kappa",
    "rating_matrix",
    "rmse",
    "save_calibrator",
    "select_calibrator",
    "spearman",
    "standardized_mean_difference",
    "subgroup_smd",
    "training_frame",
    "with_slot_columns",
    "write_model_card",
    "Explanation",
    "explain_scores",
    "explain_transcript",
    "sentence_contributions",
    "ItemKFold",
    "agreement_overview",
    "bow_baseline_cv",
    "compare_with_baseline",
    "human_ceiling",
    "largest_disagreements",
    "oof_frame",
    "prediction_metrics",
    "rater_means",
    "transcript_texts",
]

"""Former home of the notebook helpers; each now lives beside its concept.

Importing a name from here still works and warns where it moved (see :mod:`cxnlp._moved`).
"""

from cxnlp._moved import forwarding

__getattr__ = forwarding(
    "cxnlp.explore",
    {
        "load_transcript": "cxnlp.ingest.readers",
        "stc3_sample": "cxnlp.ingest.stc3",
        "transcript_view": "cxnlp.report.transcript_view",
        "calibration_plot": "cxnlp.report.calibration_figures",
        "residual_plot": "cxnlp.report.calibration_figures",
        "ItemKFold": "cxnlp.calibration.model_selection",
        "transcript_texts": "cxnlp.calibration.baselines",
        "bow_baseline_cv": "cxnlp.calibration.baselines",
        "human_ceiling": "cxnlp.calibration.baselines",
        "prediction_metrics": "cxnlp.calibration.baselines",
        "compare_with_baseline": "cxnlp.calibration.baselines",
        "rater_means": "cxnlp.calibration.diagnostics",
        "agreement_overview": "cxnlp.calibration.diagnostics",
        "oof_frame": "cxnlp.calibration.diagnostics",
        "largest_disagreements": "cxnlp.calibration.diagnostics",
    },
)

"""Save and load fitted calibrators as plain JSON, never pickle.

A pickle runs code when it is loaded, so a calibrator file passed between teams would be
an attack surface. Here a calibrator is its fitted *numbers* (standardisation, ridge
coefficients, isotonic thresholds, ordinal cut points, residual quantiles), its feature
names, target and scale, and a provenance record (cxnlp version, fit date, training
data summary, cross-validated agreement). Loading rebuilds the estimator from an
allow-list of classes and attributes, so it can only ever produce numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted

from cxnlp import __version__
from cxnlp.calibration.estimators import MonotoneCalibrator, ScoreCalibrator, with_slot_columns
from cxnlp.calibration.scales import Scale, as_scale
from cxnlp.slots import (
    SLOT_COLUMN,
    collapse_slot_columns,
    has_slot_columns,
    is_slot_column,
    slot_column_positions,
)

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "Calibration",
    "calibration_from_dict",
    "calibration_to_dict",
    "load_calibrator",
    "save_calibrator",
    "write_model_card",
]

logger = logging.getLogger(__name__)

SCHEMA = "cxnlp.calibrator"
SCHEMA_VERSION = 1

Calibrator = ScoreCalibrator | MonotoneCalibrator

#: Per class: its parameters and the fitted attributes that fully determine ``predict``.
_ALLOWED: dict[str, tuple[type[Any], tuple[str, ...], tuple[str, ...]]] = {
    "ScoreCalibrator": (
        ScoreCalibrator,
        ("alphas", "isotonic", "scale", "ordinal", "cv", "random_state", "sentence_evidence"),
        (
            "n_features_in_",
            "feature_names_in_",
            "mean_",
            "scale_",
            "alpha_",
            "coef_",
            "intercept_",
            "x_thresholds_",
            "y_thresholds_",
            "levels_",
            "thresholds_",
            "y_min_",
            "y_max_",
            "oof_residuals_",
            "cv_scores_",
            "n_train_rows_",
            "n_train_items_",
        ),
    ),
    "MonotoneCalibrator": (
        MonotoneCalibrator,
        ("feature", "increasing", "scale", "cv", "random_state"),
        (
            "n_features_in_",
            "feature_names_in_",
            "feature_index_",
            "x_thresholds_",
            "y_thresholds_",
            "y_min_",
            "y_max_",
            "oof_residuals_",
            "cv_scores_",
            "n_train_rows_",
            "n_train_items_",
        ),
    ),
}


# --------------------------------------------------------------------------- JSON encoding


def _enc_float(x: float) -> float | str:
    """JSON has no NaN/inf; write them as strings so the file stays standard JSON."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _dec_float(x: Any) -> float:
    if isinstance(x, str):
        if x not in ("nan", "inf", "-inf"):
            raise ValueError(f"Got {x!r} where a number was stored; expected a number.")
        return float(x)
    return float(x)


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Scale):
        return {"__scale__": value.to_dict()}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            return {"__strings__": [str(v) for v in value.tolist()]}
        return {"__floats__": [_enc_float(v) for v in value.ravel().tolist()]}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return {"__float__": _enc_float(value)}
    if isinstance(value, Mapping):
        return {"__dict__": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, tuple | list):
        return {"__tuple__": [_encode(v) for v in value]}
    raise TypeError(
        f"Got a value of type {type(value).__name__} to save; expected numbers, strings, "
        "arrays, scales or dicts of them."
    )


def _decode(value: Any) -> Any:
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__scale__":
            return Scale.from_dict(inner)
        if tag == "__strings__":
            return np.asarray([str(v) for v in inner], dtype=object)
        if tag == "__floats__":
            return np.asarray([_dec_float(v) for v in inner], dtype=float)
        if tag == "__float__":
            return _dec_float(inner)
        if tag == "__dict__":
            return {str(k): _decode(v) for k, v in inner.items()}
        if tag == "__tuple__":
            return tuple(_decode(v) for v in inner)
    raise ValueError(
        f"Got an unrecognised stored value {str(value)[:80]!r}; expected a tagged value."
    )


# --------------------------------------------------------------------------- the bundle


@dataclass(frozen=True)
class Calibration:
    """A fitted calibrator with what it predicts and where it came from.

    ``predict`` takes a whole score table, picks the calibrator's feature columns in
    their fitted order and refuses a table missing any of them, so a score table written
    by a different cxnlp version cannot be silently mis-read.
    """

    estimator: Calibrator
    target: str
    scale: Scale | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        """Feature columns, in the order the estimator was fitted on."""
        return [str(c) for c in self.estimator.feature_names_in_]

    @property
    def uses_sentence_evidence(self) -> bool:
        """Whether the calibrator reads the ``slot_vectors`` sentence-embedding columns."""
        return has_slot_columns(self.features)

    def select(self, table: pd.DataFrame) -> pd.DataFrame:
        """The columns of a score table this calibrator reads, in fitted order (slot means expanded)."""
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"Got {type(table).__name__}; expected a DataFrame (the score table).")
        if self.uses_sentence_evidence:
            if SLOT_COLUMN not in table.columns and not has_slot_columns(table.columns):
                raise ValueError(
                    f"calibrator {self.target!r} reads learned sentence evidence, but the score "
                    f"table has no {SLOT_COLUMN!r} column. Re-score with cxnlp {__version__} "
                    "(cxnlp score writes it) or refit without it."
                )
            table = with_slot_columns(table)
        missing = [c for c in self.features if c not in table.columns]
        if missing:
            raise ValueError(
                f"calibrator {self.target!r} was fitted on features "
                f"{collapse_slot_columns(self.features)}; missing: {collapse_slot_columns(missing)}. "
                "Re-run cxnlp score with the same version or refit."
            )
        return table[self.features].astype(float)

    def predict(self, table: pd.DataFrame) -> NDArray[np.float64]:
        """Calibrated ratings for every row of ``table``."""
        return self.estimator.predict(self.select(table))

    def predict_interval(self, table: pd.DataFrame, alpha: float = 0.1) -> NDArray[np.float64]:
        """``(n, 2)`` lower/upper bounds, see :meth:`ScoreCalibrator.predict_interval`."""
        return self.estimator.predict_interval(self.select(table), alpha=alpha)


def calibration_to_dict(
    estimator: Calibrator,
    *,
    target: str,
    scale: Scale | str | None = None,
    training_summary: Mapping[str, Any] | None = None,
    cv_agreement: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    fitted_at: str | None = None,
) -> dict[str, Any]:
    """The JSON document of a fitted calibrator (see :func:`save_calibrator`)."""
    kind = type(estimator).__name__
    if kind not in _ALLOWED or type(estimator) is not _ALLOWED[kind][0]:
        raise TypeError(
            f"Got a {kind}; expected one of {sorted(_ALLOWED)} (only these can be saved safely)."
        )
    check_is_fitted(estimator)
    if not hasattr(estimator, "feature_names_in_"):
        raise ValueError(
            f"Got a {kind} fitted on a plain array; expected one fitted on a DataFrame, so "
            "that its feature names can be checked at predict time. Fit it on score-table "
            "columns."
        )
    _, params, attrs = _ALLOWED[kind]
    resolved = as_scale(scale) if scale is not None else as_scale(estimator.get_params()["scale"])
    if isinstance(cv_agreement, pd.DataFrame):
        cv_records = json.loads(cv_agreement.to_json(orient="records"))
    else:
        cv_records = [dict(r) for r in cv_agreement] if cv_agreement is not None else []
    if not cv_records and hasattr(estimator, "cv_scores_"):
        cv_records = [
            {"metric": k, "value": _enc_float(v)} for k, v in estimator.cv_scores_.items()
        ]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "cxnlp_version": __version__,
        "fitted_at": fitted_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "target": target,
        "scale": resolved.to_dict() if resolved is not None else None,
        "features": [str(c) for c in estimator.feature_names_in_],
        "training": json.loads(json.dumps(dict(training_summary or {}), default=str)),
        "cv_agreement": cv_records,
        "estimator": {
            "type": kind,
            "params": {p: _encode(getattr(estimator, p)) for p in params},
            "fitted": {a: _encode(getattr(estimator, a)) for a in attrs},
        },
    }


def calibration_from_dict(doc: Mapping[str, Any], *, source: str = "<dict>") -> Calibration:
    """Rebuild a :class:`Calibration` from :func:`calibration_to_dict` output.

    Raises
    ------
    ValueError
        For a document of another schema or schema version, or an unknown estimator type.
    """
    if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA:
        got = doc.get("schema") if isinstance(doc, Mapping) else type(doc).__name__
        raise ValueError(
            f"Got {source} with schema {got!r}; expected a {SCHEMA!r} file written by "
            "cxnlp calibrate."
        )
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(
            f"Got calibrator file {source} with schema version {version!r} (written by cxnlp "
            f"{doc.get('cxnlp_version', '?')}); expected schema version {SCHEMA_VERSION} "
            f"(cxnlp {__version__}). Refit with this version: cxnlp calibrate."
        )
    spec = doc["estimator"]
    kind = spec.get("type")
    if kind not in _ALLOWED:
        raise ValueError(
            f"Got estimator type {kind!r} in {source}; expected one of {sorted(_ALLOWED)}."
        )
    cls, params, attrs = _ALLOWED[kind]
    stored_params = spec["params"]
    unknown = set(stored_params) - set(params) | set(spec["fitted"]) - set(attrs)
    if unknown:
        raise ValueError(
            f"Got unknown fields {sorted(unknown)} in {source}; expected {kind} fields."
        )
    kwargs = {p: _decode(stored_params[p]) for p in params if p in stored_params}
    estimator = cls(**kwargs)
    for attr in attrs:
        if attr not in spec["fitted"]:
            raise ValueError(
                f"Got {source} without fitted attribute {attr!r}; the file is damaged."
            )
        setattr(estimator, attr, _decode(spec["fitted"][attr]))
    for int_attr in ("n_features_in_", "feature_index_", "n_train_rows_", "n_train_items_"):
        if hasattr(estimator, int_attr):
            setattr(estimator, int_attr, int(getattr(estimator, int_attr)))
    scale = Scale.from_dict(doc["scale"]) if doc.get("scale") else None
    metadata = {
        k: doc.get(k)
        for k in ("cxnlp_version", "fitted_at", "training", "cv_agreement", "features")
    }
    return Calibration(
        estimator=estimator, target=str(doc["target"]), scale=scale, metadata=metadata
    )


def save_calibrator(
    path: str | Path,
    estimator: Calibrator,
    *,
    target: str,
    scale: Scale | str | None = None,
    training_summary: Mapping[str, Any] | None = None,
    cv_agreement: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    fitted_at: str | None = None,
) -> Path:
    """Write a fitted calibrator as standard JSON (no NaN/Infinity literals) and return the path.

    Parameters
    ----------
    path
        Destination file (``.json``).
    estimator
        A fitted :class:`ScoreCalibrator` or :class:`MonotoneCalibrator`, fitted on a
        DataFrame so its feature names are known.
    target
        Name of the human label it predicts (``"rubric_score"``).
    scale
        The target's scale; defaults to the estimator's ``scale`` parameter.
    training_summary
        Anything JSON-able describing the training data (rows, items, evaluators, date
        range, label file hash).
    cv_agreement
        The cross-validated agreement table (e.g. from :func:`select_calibrator` or
        :func:`~cxnlp.calibration.agreement.agreement_table`); defaults to the
        estimator's ``cv_scores_``.
    fitted_at
        ISO timestamp; defaults to now (UTC).
    """
    doc = calibration_to_dict(
        estimator,
        target=target,
        scale=scale,
        training_summary=training_summary,
        cv_agreement=cv_agreement,
        fitted_at=fitted_at,
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    logger.info("Saved calibrator for %r to %s", target, out)
    return out


def load_calibrator(path: str | Path) -> Calibration:
    """Read a calibrator written by :func:`save_calibrator`; never executes code.

    Raises
    ------
    ValueError
        If the file is not JSON, is of another schema or schema version, or is damaged.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"Got {p} that is not valid JSON ({exc}); expected a calibrator file written "
            "by cxnlp calibrate."
        ) from exc
    return calibration_from_dict(doc, source=str(p))


def _md_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_"

    def cell(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return "" if math.isnan(v) else f"{v:.3f}"
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def write_model_card(
    path: str | Path,
    calibration: Calibration,
    *,
    cv_agreement: pd.DataFrame | None = None,
    intended_use: str | None = None,
    limitations: Sequence[str] = (),
    data_description: str | None = None,
) -> Path:
    """Write a Markdown model card: data, date, features, CV agreement, use, limitations.

    The card travels with the JSON file so that whoever reads a calibrated score can see
    what it was trained on and how well it agreed with people *out of sample*.
    """
    est = calibration.estimator
    meta = dict(calibration.metadata)
    scale = calibration.scale.name if calibration.scale else "inferred from training labels"
    agreement = cv_agreement
    if agreement is None:
        records = meta.get("cv_agreement") or [
            {"metric": k, "value": v} for k, v in getattr(est, "cv_scores_", {}).items()
        ]
        agreement = pd.DataFrame(records)
    training = meta.get("training") or {}
    training_lines = [f"- {k}: {v}" for k, v in training.items()] or ["- (no summary recorded)"]
    default_limits = [
        "Trained on the labelled transcripts summarised above; agreement on other teams, "
        "queues, channels or languages is unknown until checked with `cxnlp agreement`.",
        "Agreement numbers are cross-validated (out-of-fold), not in-sample; they still "
        "describe this data set and may not transfer.",
        "A calibrated score predicts what a QA evaluator would give; it inherits their "
        "biases. Check subgroup SMD before using scores for individual decisions.",
        "Refit when the scorer version or the rubric changes.",
    ]
    lines = [
        f"# Model card: calibrator for `{calibration.target}`",
        "",
        f"- Estimator: `{type(est).__name__}` ({_describe(est)})",
        f"- Target scale: {scale}",
        f"- cxnlp version: {meta.get('cxnlp_version', __version__)}",
        f"- Fitted at: {meta.get('fitted_at', 'unknown')}",
        "",
        "## Data",
        "",
        data_description or "Human QA ratings joined to `cxnlp score` output by transcript id.",
        "",
        *training_lines,
        f"- Rating rows: {getattr(est, 'n_train_rows_', '?')}; "
        f"transcripts: {getattr(est, 'n_train_items_', '?')}",
        "",
        "## Features",
        "",
        *_feature_lines(est, calibration.features),
        "",
        "## Cross-validated agreement",
        "",
        _md_table(agreement),
        "",
        "## Intended use",
        "",
        intended_use
        or "Put automated transcript scores on the QA rubric's scale for monitoring "
        "trends, queues and teams, and to prioritise transcripts for human review.",
        "",
        "## Limitations",
        "",
        *[f"- {item}" for item in (*limitations, *default_limits)],
        "",
    ]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


def _feature_lines(est: Calibrator, features: Sequence[str]) -> list[str]:
    """One line per interpretable feature (with its standardised coefficient) and per slot."""
    coef = getattr(est, "coef_", None) if isinstance(est, ScoreCalibrator) else None
    lines = []
    for j, name in enumerate(features):
        if is_slot_column(name):
            continue
        weight = f": {coef[j]:+.4f} per SD" if coef is not None else ""
        lines.append(f"- `{name}`{weight}")
    for slot, idx in slot_column_positions(features).items():
        norm = f", coefficient norm {np.linalg.norm(coef[idx]):.4f}" if coef is not None else ""
        lines.append(
            f"- learned sentence evidence, `{slot}`: mean sentence embedding of the slot "
            f"({len(idx)} columns from `{SLOT_COLUMN}`{norm})"
        )
    return lines


def _describe(est: Calibrator) -> str:
    if isinstance(est, ScoreCalibrator):
        parts = [f"ridge alpha={est.alpha_:g}"]
        if est.sentence_evidence:
            parts.append("learned sentence evidence per conversation slot")
        if est.x_thresholds_ is not None:
            parts.append("isotonic post-calibration")
        if est.levels_ is not None:
            parts.append("ordinal cut points (equipercentile)")
        return ", ".join(parts)
    direction = "increasing" if est.increasing else "decreasing"
    return f"isotonic on `{est.get_params()['feature']}`, {direction}"

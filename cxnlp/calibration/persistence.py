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
import hashlib
import json
import logging
import math
import re
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted

from cxnlp import __version__
from cxnlp.calibration.estimators import (
    LogisticCalibrator,
    MonotoneCalibrator,
    ScoreCalibrator,
    with_slot_columns,
)
from cxnlp.calibration.scales import Scale, as_scale
from cxnlp.io.atomic import atomic_write_text
from cxnlp.resource_files import read_capped
from cxnlp.slots import (
    SLOT_COLUMN,
    collapse_slot_columns,
    has_slot_columns,
    is_slot_column,
    slot_column_positions,
)

__all__ = [
    "MAX_CALIBRATOR_BYTES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Calibration",
    "calibration_from_dict",
    "calibration_to_dict",
    "id_hashes",
    "load_calibrator",
    "read_json_capped",
    "save_calibrator",
    "write_model_card",
]

logger = logging.getLogger(__name__)

SCHEMA = "cxnlp.calibrator"
SCHEMA_VERSION = 1

Calibrator = ScoreCalibrator | MonotoneCalibrator | LogisticCalibrator

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
    "LogisticCalibrator": (
        LogisticCalibrator,
        ("Cs", "cv", "random_state"),
        (
            "n_features_in_",
            "feature_names_in_",
            "classes_",
            "mean_",
            "scale_",
            "C_",
            "coef_",
            "intercept_",
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
            raise ValueError(f"Got {_short(x)} where a number was stored; expected a number.")
        return float(x)
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise ValueError(f"Got {_short(x)} where a number was stored; expected a number.")
    return float(x)  # OverflowError for a huge int is turned into a ValueError by the caller


def _short(value: Any, limit: int = 60) -> str:
    """A one-line repr of at most ``limit`` characters, safe to put into an error message."""
    text = reprlib.repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


#: Deepest nesting of tagged values a calibrator file may hold (real files use 2).
MAX_DECODE_DEPTH = 8


def _decode(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DECODE_DEPTH:
        raise ValueError(
            f"Got values nested more than {MAX_DECODE_DEPTH} deep; expected flat numbers, arrays or dicts."
        )
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__scale__":
            return _scale_from_dict(inner, "scale")
        if tag == "__strings__" and isinstance(inner, list):
            if not all(isinstance(v, str) for v in inner):
                raise ValueError("Got a non-string in a string array; expected strings only.")
            return np.asarray(inner, dtype=object)
        if tag == "__floats__" and isinstance(inner, list):
            return np.asarray([_dec_float(v) for v in inner], dtype=float)
        if tag == "__float__":
            return _dec_float(inner)
        if tag == "__dict__" and isinstance(inner, dict):
            return {str(k): _decode(v, depth + 1) for k, v in inner.items()}
        if tag == "__tuple__" and isinstance(inner, list):
            return tuple(_decode(v, depth + 1) for v in inner)
    raise ValueError(f"Got an unrecognised stored value {str(value)[:80]!r}; expected a tagged value.")


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

    def training_overlap(self, ids: Iterable[Any]) -> int | None:
        """How many of ``ids`` the calibrator was fitted on (None: the file records no ids).

        Agreement on those is in-sample and flatters the calibrator; ``cxnlp agreement``
        warns about them.
        """
        training = self.metadata.get("training")
        recorded = training.get(TRAINING_IDS_KEY) if isinstance(training, Mapping) else None
        if not isinstance(recorded, list):
            return None
        return len(set(id_hashes(ids)) & {h for h in recorded if isinstance(h, str)})

    def predict(self, table: pd.DataFrame) -> NDArray[np.float64]:
        """Calibrated ratings for every row of ``table``."""
        return self.estimator.predict(self.select(table))

    def predict_interval(self, table: pd.DataFrame, alpha: float = 0.1) -> NDArray[np.float64]:
        """``(n, 2)`` lower/upper bounds, see :meth:`ScoreCalibrator.predict_interval`."""
        return self.estimator.predict_interval(self.select(table), alpha=alpha)


#: Key of the training summary that lists the training transcripts' id hashes.
TRAINING_IDS_KEY = "transcript_id_hashes"
#: Hex characters kept of each id's SHA-256: 48 bits tell ids apart without storing them.
ID_HASH_CHARS = 12


def id_hashes(ids: Iterable[Any]) -> list[str]:
    """Sorted distinct short SHA-256 hashes of transcript ids (as strings).

    A calibrator file records these for its training transcripts rather than the ids, so
    a file passed between teams names no transcript but still tells which labels it saw.
    """
    return sorted({hashlib.sha256(str(i).encode()).hexdigest()[:ID_HASH_CHARS] for i in ids})


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
        raise TypeError(f"Got a {kind}; expected one of {sorted(_ALLOWED)} (only these can be saved safely).")
    check_is_fitted(estimator)
    if not hasattr(estimator, "feature_names_in_"):
        raise ValueError(
            f"Got a {kind} fitted on a plain array; expected one fitted on a DataFrame, so "
            "that its feature names can be checked at predict time. Fit it on score-table "
            "columns."
        )
    _, params, attrs = _ALLOWED[kind]
    resolved = as_scale(scale) if scale is not None else as_scale(estimator.get_params().get("scale"))
    if isinstance(cv_agreement, pd.DataFrame):
        cv_records = json.loads(cv_agreement.to_json(orient="records"))
    else:
        cv_records = [dict(r) for r in cv_agreement] if cv_agreement is not None else []
    if not cv_records and hasattr(estimator, "cv_scores_"):
        cv_records = [{"metric": k, "value": _enc_float(v)} for k, v in estimator.cv_scores_.items()]
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


_REFIT = "The file is damaged or was edited; refit it with cxnlp calibrate."


def _bad(source: str, field_name: str, got: str, expected: str, fix: str = _REFIT) -> NoReturn:
    raise ValueError(
        f"Got {got} in field {field_name!r} of calibrator file {source}; expected {expected}. {fix}"
    )


def _scale_from_dict(data: Any, where: str, source: str = "<dict>") -> Scale:
    """A :class:`Scale` from stored fields, checked: finite ends in order, positive step."""
    if not isinstance(data, Mapping) or set(data) != {"name", "min", "max", "discrete", "step"}:
        _bad(source, where, _short(data), "a scale with name, min, max, discrete and step")
    name, discrete = data["name"], data["discrete"]
    try:
        lo, hi, step = (_dec_float(data[k]) for k in ("min", "max", "step"))
    except (ValueError, OverflowError):
        _bad(source, where, _short(data), "numbers for min, max and step")
    if not isinstance(name, str) or not isinstance(discrete, bool):
        _bad(source, where, _short(data), "a string name and a true/false discrete")
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(step)):
        _bad(source, f"{where}.min/max/step", f"{lo}/{hi}/{step}", "finite numbers")
    if not lo < hi:
        _bad(source, f"{where}.min/max", f"min {lo} and max {hi}", "min below max")
    if not step > 0:
        _bad(source, f"{where}.step", f"{step}", "a positive step")
    return Scale(name=name, min=lo, max=hi, discrete=discrete, step=step)


def _check_int(source: str, name: str, value: Any, lo: int, hi: float = math.inf) -> int:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        bound = f"at least {lo}" if hi == math.inf else f"between {lo} and {int(hi)}"
        _bad(source, f"estimator.fitted.{name}", _short(value), f"a whole number {bound}")
    return value


def _check_float(source: str, name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _bad(source, f"estimator.fitted.{name}", _short(value), "a finite number")
    if positive and not value > 0:
        _bad(source, f"estimator.fitted.{name}", _short(value), "a positive number")
    return float(value)


def _check_vector(
    source: str,
    name: str,
    value: Any,
    *,
    size: int | None = None,
    min_size: int = 0,
    finite: bool = True,
) -> NDArray[np.float64]:
    where = f"estimator.fitted.{name}"
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or value.ndim != 1:
        _bad(source, where, _short(value), "an array of numbers")
    if size is not None and value.size != size:
        _bad(source, where, f"{value.size} values", f"{size}, one per feature")
    if value.size < min_size:
        _bad(source, where, f"{value.size} values", f"at least {min_size}")
    bad = ~np.isfinite(value) if finite else np.isnan(value)
    if bad.any():
        what = "finite numbers" if finite else "numbers (not NaN)"
        _bad(source, where, f"{value[bad][0]} at position {int(np.argmax(bad))}", what)
    return value


def _check_non_decreasing(source: str, name: str, value: NDArray[np.float64], *, up: bool = True) -> None:
    steps = np.diff(value) if up else -np.diff(value)
    if (steps < 0).any():
        i = int(np.argmax(steps < 0))
        direction = "non-decreasing" if up else "non-increasing"
        _bad(
            source,
            f"estimator.fitted.{name}",
            f"{value[i]} followed by {value[i + 1]} at position {i}",
            f"{direction} values",
        )


def _check_logistic(source: str, est: Any, n: int) -> None:
    """The fitted numbers of a :class:`LogisticCalibrator`: two classes, finite coefficients."""
    classes = est.classes_
    if not isinstance(classes, np.ndarray) or classes.shape != (2,) or classes[0] == classes[1]:
        _bad(source, "estimator.fitted.classes_", _short(classes), "two different outcome classes")
    _check_vector(source, "mean_", est.mean_, size=n)
    _check_vector(source, "scale_", est.scale_, size=n)
    if not (est.scale_ > 0).all():
        _bad(source, "estimator.fitted.scale_", "a zero or negative spread", "positive spreads")
    _check_vector(source, "coef_", est.coef_, size=n)
    est.intercept_ = _check_float(source, "intercept_", est.intercept_)
    est.C_ = _check_float(source, "C_", est.C_, positive=True)
    if not isinstance(est.cv_scores_, dict) or not all(
        isinstance(v, float | int) and not isinstance(v, bool) for v in est.cv_scores_.values()
    ):
        _bad(source, "estimator.fitted.cv_scores_", _short(est.cv_scores_), "a dict of numbers")
    for attr in ("n_train_rows_", "n_train_items_"):
        setattr(est, attr, _check_int(source, attr, getattr(est, attr), 0))


def _check_fitted(source: str, kind: str, est: Any) -> None:
    """Every fitted attribute has the type, shape, finiteness and order ``predict`` needs."""
    n = _check_int(source, "n_features_in_", est.n_features_in_, 1)
    est.n_features_in_ = n
    names = est.feature_names_in_
    if not isinstance(names, np.ndarray) or names.dtype != object or names.shape != (n,):
        _bad(source, "estimator.fitted.feature_names_in_", _short(names), f"{n} feature names")
    if len(set(names.tolist())) != n:
        _bad(source, "estimator.fitted.feature_names_in_", "repeated names", "unique feature names")
    if kind == "LogisticCalibrator":
        _check_logistic(source, est, n)
        return
    y_min = _check_float(source, "y_min_", est.y_min_)
    y_max = _check_float(source, "y_max_", est.y_max_)
    if not y_min < y_max:
        _bad(
            source,
            "estimator.fitted.y_min_/y_max_",
            f"an output range from {y_min} to {y_max}",
            "y_min_ below y_max_",
        )
    est.y_min_, est.y_max_ = y_min, y_max
    _check_vector(source, "oof_residuals_", est.oof_residuals_)
    _check_non_decreasing(source, "oof_residuals_", est.oof_residuals_)
    if not isinstance(est.cv_scores_, dict) or not all(
        isinstance(v, float | int) and not isinstance(v, bool) for v in est.cv_scores_.values()
    ):
        _bad(source, "estimator.fitted.cv_scores_", _short(est.cv_scores_), "a dict of numbers")
    for attr in ("n_train_rows_", "n_train_items_"):
        setattr(est, attr, _check_int(source, attr, getattr(est, attr), 0))

    xt, yt = est.x_thresholds_, est.y_thresholds_
    if kind == "MonotoneCalibrator":
        est.feature_index_ = _check_int(source, "feature_index_", est.feature_index_, 0, n - 1)
        feature = est.feature
        if isinstance(feature, str) and names[est.feature_index_] != feature:
            _bad(
                source,
                "estimator.fitted.feature_index_",
                f"column {est.feature_index_} ({_short(names[est.feature_index_])})",
                f"the column of the 'feature' parameter {_short(feature)}",
            )
        if xt is None or yt is None:
            _bad(source, "estimator.fitted.x_thresholds_", "null", "isotonic thresholds")
    else:
        _check_vector(source, "mean_", est.mean_, size=n)
        _check_vector(source, "scale_", est.scale_, size=n)
        if not (est.scale_ > 0).all():
            _bad(source, "estimator.fitted.scale_", "a zero or negative spread", "positive spreads")
        _check_vector(source, "coef_", est.coef_, size=n)
        est.intercept_ = _check_float(source, "intercept_", est.intercept_)
        est.alpha_ = _check_float(source, "alpha_", est.alpha_, positive=True)
        levels, cuts = est.levels_, est.thresholds_
        if (levels is None) != (cuts is None):
            _bad(source, "estimator.fitted.levels_/thresholds_", "only one of them", "both or neither")
        if levels is not None:
            _check_vector(source, "levels_", levels, min_size=2)
            if (np.diff(levels) <= 0).any():
                _bad(source, "estimator.fitted.levels_", _short(levels), "increasing levels")
            _check_vector(source, "thresholds_", cuts, size=levels.size - 1, finite=False)
            _check_non_decreasing(source, "thresholds_", cuts)
    if (xt is None) != (yt is None):
        _bad(source, "estimator.fitted.x_thresholds_/y_thresholds_", "only one of them", "both or neither")
    if xt is not None:
        _check_vector(source, "x_thresholds_", xt, min_size=1)
        _check_vector(source, "y_thresholds_", yt, size=xt.size)
        _check_non_decreasing(source, "x_thresholds_", xt)
        _check_non_decreasing(source, "y_thresholds_", yt, up=kind != "MonotoneCalibrator" or est.increasing)


def calibration_from_dict(doc: Mapping[str, Any], *, source: str = "<dict>") -> Calibration:
    """Rebuild a :class:`Calibration` from :func:`calibration_to_dict` output.

    The whole document is checked before anything is built: its schema, every field's
    type, every array's length against the number of features, finiteness (no NaN or
    infinite coefficient), and order (output range, isotonic and ordinal thresholds), so
    a damaged or hostile file is refused here rather than failing, or predicting NaN,
    after scoring.

    Raises
    ------
    ValueError
        For a document of another schema or schema version, an unknown estimator type,
        or any field that is missing, of the wrong type or shape, not finite or out of
        order; the one-line message names ``source`` and the field.
    """
    if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA:
        got = doc.get("schema") if isinstance(doc, Mapping) else type(doc).__name__
        raise ValueError(
            f"Got {source} with schema {_short(got)}; expected a {SCHEMA!r} file written by cxnlp calibrate."
        )
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(
            f"Got calibrator file {source} with schema version {_short(version)} (written by "
            f"cxnlp {_short(doc.get('cxnlp_version', '?'))}); expected schema version "
            f"{SCHEMA_VERSION} (cxnlp {__version__}). Refit with this version: cxnlp calibrate."
        )
    target = doc.get("target")
    if not isinstance(target, str) or not _TARGET_NAME.fullmatch(target):
        _bad(source, "target", _short(target), "a column name with no '/', '\\' or leading '.'")
    spec = doc.get("estimator")
    if not isinstance(spec, Mapping):
        _bad(source, "estimator", _short(spec), "an object with type, params and fitted")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in _ALLOWED:
        raise ValueError(
            f"Got estimator type {_short(kind)} in {source}; expected one of {sorted(_ALLOWED)}."
        )
    cls, params, attrs = _ALLOWED[kind]
    stored_params, stored_fitted = spec.get("params"), spec.get("fitted")
    for name, part in (("estimator.params", stored_params), ("estimator.fitted", stored_fitted)):
        if not isinstance(part, Mapping):
            _bad(source, name, _short(part), f"an object of {kind} fields")
    unknown = set(stored_params) - set(params) | set(stored_fitted) - set(attrs)
    if unknown:
        raise ValueError(
            f"Got unknown fields {_short(sorted(unknown))} in {source}; expected {kind} fields. " + _REFIT
        )

    def decoded(group: str, name: str, raw: Any) -> Any:
        where = f"estimator.{group}.{name}"
        if isinstance(raw, dict) and list(raw) == ["__scale__"]:
            return _scale_from_dict(raw["__scale__"], where, source)
        try:
            return _decode(raw)
        except (ValueError, TypeError, OverflowError, RecursionError, AttributeError, KeyError):
            _bad(source, where, _short(raw), "a number, array, string or dict as cxnlp writes them")

    kwargs = {p: decoded("params", p, stored_params[p]) for p in params if p in stored_params}
    for name, value in kwargs.items():
        ok, expected = cls._constraints[name]
        if not ok(value):
            _bad(source, f"estimator.params.{name}", _short(value), expected)
    estimator = cls(**kwargs)
    for attr in attrs:
        if attr not in stored_fitted:
            raise ValueError(
                f"Got {source} without fitted attribute {attr!r}; expected every {kind} field. {_REFIT}"
            )
        setattr(estimator, attr, decoded("fitted", attr, stored_fitted[attr]))
    _check_fitted(source, kind, estimator)
    features = doc.get("features")
    if features != [str(c) for c in estimator.feature_names_in_]:
        _bad(source, "features", _short(features), "the same names as estimator.fitted.feature_names_in_")
    stored_scale = doc.get("scale")
    scale = _scale_from_dict(stored_scale, "scale", source) if stored_scale is not None else None
    metadata = {k: doc.get(k) for k in ("cxnlp_version", "fitted_at", "training", "cv_agreement", "features")}
    return Calibration(estimator=estimator, target=target, scale=scale, metadata=metadata)


#: What a target (human column) may be called: it names ``<target>.json`` in a folder.
_TARGET_NAME = re.compile(r"(?!\.)[^/\\\x00-\x1f\x7f]{1,200}")

#: Largest calibrator or index file read, in bytes. Real ones are well under 1 MB even
#: with learned sentence evidence; the cap keeps a huge or endless file from being read.
MAX_CALIBRATOR_BYTES = 32 * 1024 * 1024


def read_json_capped(path: Path, what: str) -> Any:
    """Parse a JSON file of at most :data:`MAX_CALIBRATOR_BYTES`; errors name the file."""
    raw = read_capped(
        path,
        MAX_CALIBRATOR_BYTES,
        what=what,
        expected="a file written by cxnlp calibrate (well under that)",
        error=ValueError,
    )
    try:
        return json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        detail = str(exc).replace("\n", " ")[:120]
        raise ValueError(
            f"Got {path} that is not valid JSON ({detail}); expected a {what} written by cxnlp calibrate."
        ) from None
    except RecursionError:
        raise ValueError(
            f"Got {what} {path} nested too deeply to read; expected a file written by cxnlp "
            "calibrate. The file is damaged or hostile; refit it."
        ) from None


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
    out = atomic_write_text(path, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    logger.info("Saved calibrator for %r to %s", target, out)
    return out


def load_calibrator(path: str | Path) -> Calibration:
    """Read a calibrator written by :func:`save_calibrator`; never executes code.

    Raises
    ------
    ValueError
        If the file is not JSON, is larger than :data:`MAX_CALIBRATOR_BYTES`, is of
        another schema or schema version, or is damaged (see :func:`calibration_from_dict`).
    """
    p = Path(path)
    return calibration_from_dict(read_json_capped(p, "calibrator file"), source=str(p))


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
    outcome = isinstance(est, LogisticCalibrator)
    scale = calibration.scale.name if calibration.scale else "inferred from training labels"
    if outcome:
        scale = f"binary outcome; predictions are the probability of {est.classes_[1]!s}"
    agreement = cv_agreement
    if agreement is None:
        records = meta.get("cv_agreement") or [
            {"metric": k, "value": v} for k, v in getattr(est, "cv_scores_", {}).items()
        ]
        agreement = pd.DataFrame(records)
    training = meta.get("training") or {}
    training_lines = [
        f"- {k}: {len(v)} recorded as hashes"
        if k == TRAINING_IDS_KEY and isinstance(v, list)
        else f"- {k}: {v}"
        for k, v in training.items()
    ] or ["- (no summary recorded)"]
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
        or (
            "Estimate how likely a business outcome is after a call, to show which parts of "
            "an interaction pay and to rank calls for follow-up; not to judge one agent."
            if outcome
            else "Put automated transcript scores on the QA rubric's scale for monitoring "
            "trends, queues and teams, and to prioritise transcripts for human review."
        ),
        "",
        "## Limitations",
        "",
        *[f"- {item}" for item in (*limitations, *default_limits)],
        "",
    ]
    return atomic_write_text(path, "\n".join(lines))


def _feature_lines(est: Calibrator, features: Sequence[str]) -> list[str]:
    """One line per interpretable feature (with its standardised coefficient) and per slot."""
    coef = getattr(est, "coef_", None) if isinstance(est, ScoreCalibrator | LogisticCalibrator) else None
    unit = "log-odds per SD" if isinstance(est, LogisticCalibrator) else "per SD"
    lines = []
    for j, name in enumerate(features):
        if is_slot_column(name):
            continue
        weight = f": {coef[j]:+.4f} {unit}" if coef is not None else ""
        lines.append(f"- `{name}`{weight}")
    for slot, idx in slot_column_positions(features).items():
        norm = f", coefficient norm {np.linalg.norm(coef[idx]):.4f}" if coef is not None else ""
        lines.append(
            f"- learned sentence evidence, `{slot}`: mean sentence embedding of the slot "
            f"({len(idx)} columns from `{SLOT_COLUMN}`{norm})"
        )
    return lines


def _describe(est: Calibrator) -> str:
    if isinstance(est, LogisticCalibrator):
        return f"L2 logistic regression, C={est.C_:g}, probability of {est.classes_[1]!s}"
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

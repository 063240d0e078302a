"""The role model: which of two anonymous speakers is the agent, as a logistic regression.

A row is the difference of two speakers' features (:func:`cxnlp.ingest.roles.speaker_features`,
speaker A minus speaker B) and the label says whether A is the agent. The model has no
intercept and is fitted on every row and its mirror image (B minus A, the other label), so
it cannot prefer a speaker for its position in the list and swapping the speakers swaps the
answer: a speaker's score is ``coef · features`` and P(A is the agent, not B) is the
sigmoid of the score difference.

The confidence is calibrated: after the fit, the decision values of a K-fold refit (each
row scored by a model that did not see it) are fitted with one slope, and the weights are
multiplied by it, so that a probability of 0.9 means about nine in ten right on calls like
the training ones (checked on the held-out split by ``benchmarks/bench_roles.py``).

The packaged model (``cxnlp/resources/role_model.json``) is fitted by
``benchmarks/train_roles.py`` on the development split only (even ids; AB-ReDial by a hash
of each dialogue's opening) of corpora whose
licence allows shipping it: ABCD's sample, calls and social-media care threads written for
cxnlp, AB-ReDial and ReDial;
never STC-3 (Weibo text, non-commercial only), IARD, SGD or MultiWOZ. It is saved as plain
JSON: named weights, the parameters and the data's provenance (``provenance.fitted_on``
names each corpus with its licence). Loading it cannot run code.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import KFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from cxnlp.resource_files import read_json_model

DEFAULT_RESOURCE = "role_model.json"
MODEL_FORMAT = "cxnlp.roles.v1"
_MAX_BYTES = 200_000
_MAX_FEATURES = 256


class RoleModelError(ValueError):
    """A role model file that cannot be used (not JSON, another format, unknown features)."""


class RoleClassifier(ClassifierMixin, BaseEstimator):
    """Antisymmetric logistic regression on speaker-feature differences.

    The weights minimise ``C * sum(sample_weight * log-loss) + ||coef - prior||^2 / 2``
    with no intercept, so where the data says little (a cue family that seldom fires in the
    training corpora, such as a phone greeting) a weight stays near its prior instead of
    falling to zero, and each weight can be held to a sign (a customer cue never counts for
    the agent).

    Parameters
    ----------
    C : float
        Inverse strength of the pull towards ``prior``.
    prior : sequence of float or None
        One prior weight per feature (None: all 0, plain L2).
    signs : sequence of {-1, 0, 1} or None
        Per feature: 1 keeps the weight >= 0, -1 keeps it <= 0, 0 leaves it free.
    calibrate : bool
        Rescale the weights by the slope that best fits the K-fold decision values (one
        number; it keeps the ranking and fixes over- or under-confidence).
    folds : int
        Folds for the calibration; fewer than ``2 * folds`` rows skip it.
    random_state : int
        Seed of the fold split.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        prior: Sequence[float] | None = None,
        signs: Sequence[int] | None = None,
        calibrate: bool = True,
        folds: int = 5,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.prior = prior
        self.signs = signs
        self.calibrate = calibrate
        self.folds = folds
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RoleClassifier:
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(
                f"Got {len(classes)} classes; expected 2 (speaker A is the agent or is not). "
                "Only binary classification is supported."
            )
        n_features = X.shape[1]
        prior = np.zeros(n_features) if self.prior is None else np.asarray(self.prior, dtype=float)
        signs = np.zeros(n_features, dtype=int) if self.signs is None else np.asarray(self.signs, dtype=int)
        bad_signs = not np.isin(signs, (-1, 0, 1)).all()
        if prior.shape != (n_features,) or signs.shape != (n_features,) or bad_signs:
            raise ValueError(
                f"Got prior of shape {prior.shape} and signs of shape {signs.shape}; expected "
                f"{n_features} prior weights and {n_features} signs in {{-1, 0, 1}}."
            )
        self.classes_ = classes
        sign = np.where(y == classes[1], 1.0, -1.0)
        weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        fit = functools.partial(_fit_penalised, C=self.C, prior=prior, signs=signs)
        coef = fit(X, sign, weight)
        self.temperature_ = 1.0
        if self.calibrate and len(y) >= 2 * self.folds:
            oof = np.zeros(len(y))
            for train, test in KFold(self.folds, shuffle=True, random_state=self.random_state).split(X):
                oof[test] = X[test] @ fit(X[train], sign[train], weight[train])
            if np.any(oof):
                slope = _fit_penalised(oof[:, None], sign, weight, C=1e6, prior=np.zeros(1), signs=np.ones(1))
                self.temperature_ = max(float(slope[0]), 1e-3)
        self.coef_ = (coef * self.temperature_)[None, :]
        self.intercept_ = np.zeros(1)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, ("coef_", "intercept_"))
        X = validate_data(self, X, reset=False)
        return (X @ self.coef_.T).ravel()

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]


def _fit_penalised(
    X: np.ndarray, sign: np.ndarray, weight: np.ndarray, *, C: float, prior: np.ndarray, signs: np.ndarray
) -> np.ndarray:
    """No-intercept logistic regression pulled towards ``prior`` with sign bounds.

    With no intercept the loss of a row equals that of its mirror image (minus the row,
    the other label), so the fit is antisymmetric without duplicating the rows.
    """

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = sign * (X @ w)
        loss = np.logaddexp(0.0, -margin)
        grad_margin = -expit(-margin) * weight * sign
        delta = w - prior
        return float(C * weight @ loss + 0.5 * delta @ delta), C * (X.T @ grad_margin) + delta

    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs]
    start = np.clip(prior, np.where(signs > 0, 0.0, -np.inf), np.where(signs < 0, 0.0, np.inf))
    result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(result.x, dtype=float)


@dataclass(frozen=True, slots=True)
class RoleModel:
    """The fitted weights by feature name, applied to one speaker's features."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    source: str
    sha256: str

    def score(self, features: Mapping[str, float]) -> float:
        """The speaker's agent score (log-odds against a speaker whose features are all 0)."""
        return math.fsum(c * features[n] for n, c in zip(self.names, self.coef, strict=True))

    def terms(self, features: Mapping[str, float]) -> dict[str, float]:
        """Each feature's share of the score (for explanations)."""
        return {n: c * features[n] for n, c in zip(self.names, self.coef, strict=True)}


def model_to_json(model: RoleClassifier, names: Sequence[str], *, provenance: Mapping[str, Any]) -> str:
    """A fitted :class:`RoleClassifier` as the JSON :func:`load_role_model` reads."""
    check_is_fitted(model, ("coef_", "temperature_"))
    coef = model.coef_.ravel()
    if len(names) != len(coef):
        raise RoleModelError(f"Got {len(names)} feature names for {len(coef)} weights; expected one each.")
    payload = {
        "format": MODEL_FORMAT,
        "features": list(names),
        "coef": [round(float(c), 6) for c in coef],
        "temperature": round(float(model.temperature_), 6),
        "params": model.get_params(),
        "provenance": dict(provenance),
    }
    return json.dumps(payload, indent=1)


def load_role_model(path: str | Path | None = None, known: Sequence[str] | None = None) -> RoleModel:
    """Read and validate a role model file (the packaged one when ``path`` is None).

    ``known`` is the list of features the cue file can compute; a model that needs another
    one is refused with a message saying to refit it.
    """
    data, source, digest = read_json_model(
        DEFAULT_RESOURCE,
        path,
        RoleModelError,
        model_format=MODEL_FORMAT,
        max_bytes=_MAX_BYTES,
        refit="benchmarks/train_roles.py",
    )
    names, coef = data.get("features"), data.get("coef")
    if (
        not isinstance(names, list)
        or not 0 < len(names) <= _MAX_FEATURES
        or not all(isinstance(n, str) for n in names)
        or len(set(names)) != len(names)
    ):
        raise RoleModelError(f"{source}: 'features' must be 1 to {_MAX_FEATURES} distinct names.")
    if (
        not isinstance(coef, list)
        or len(coef) != len(names)
        or not all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in coef)
    ):
        raise RoleModelError(f"{source}: 'coef' must be {len(names)} finite numbers, one per feature.")
    if known is not None:
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise RoleModelError(
                f"{source}: got features {unknown} that the cue file does not define; expected a "
                "subset of its cue families and the structural features. Refit the model with "
                "benchmarks/train_roles.py after renaming or removing a cue family."
            )
    return RoleModel(tuple(names), tuple(float(c) for c in coef), source, digest)


@functools.cache
def default_role_model() -> RoleModel:
    """The packaged model, read once per process."""
    return load_role_model()

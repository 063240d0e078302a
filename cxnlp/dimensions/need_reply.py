"""The need–reply classifier: does this reply meet this need?

A small logistic regression over the interpretable pair features of
:func:`cxnlp.dimensions.replies.pair_features` (above all: does the reply give an answer of
the kind the need asks for, is it about this customer's case, is it a question back, a
promise or a general statement, how close is it in meaning). It is a scikit-learn estimator
(``__init__`` stores, ``fit`` learns ``coef_``/``intercept_``/``feature_names_in_``), saved
as plain JSON (loading it cannot run code).

The packaged model (``cxnlp/resources/need_reply_model.json``) was fitted on the four
tuning splits of cxnlp's own labelled need–reply pairs (``benchmarks/data/validity``,
written for the project by four authors; no third-party text) by
``benchmarks/train_need_reply.py``; its file records the data's hash and size. The
packaged model is read once per process; a model of one's own
(``AnswerCompleteness(need_reply_model=PATH)``) once per path and scorer.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted, validate_data

from cxnlp.dimensions.replies import PAIR_FEATURES
from cxnlp.resource_files import read_json_model

DEFAULT_RESOURCE = "need_reply_model.json"
MODEL_FORMAT = "cxnlp.need_reply.v1"
_MAX_BYTES = 1_000_000
_MAX_DIRECTION = 4096


class NeedReplyModelError(ValueError):
    """A need–reply model file is malformed."""


class NeedReplyClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on pair features; ``predict_proba[:, 1]`` is P(need met).

    Parameters
    ----------
    C : float
        Inverse regularisation strength (L2). Small on purpose: a few hundred labelled
        pairs, and the model must carry to calls nobody labelled.
    class_weight : {"balanced", None}
        Passed to :class:`~sklearn.linear_model.LogisticRegression`.
    """

    def __init__(self, *, C: float = 0.5, class_weight: str | None = "balanced") -> None:
        self.C = C
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeedReplyClassifier:
        X, y = validate_data(self, X, y)
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=1000)
        model.fit(X, y, sample_weight=sample_weight)
        self.classes_ = model.classes_
        self.coef_ = model.coef_.copy()
        self.intercept_ = model.intercept_.copy()
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, ("coef_", "intercept_"))
        X = validate_data(self, X, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if self.coef_.shape[0] == 1 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        d = self.decision_function(X)
        if d.ndim == 1:
            p = expit(d)
            return np.column_stack([1.0 - p, p])
        return softmax(d, axis=1)

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


#: The pair features read from text; ``reply_style`` is the reply embedding's projection on
#: the model's ``reply_direction`` (fitted jointly, then folded into one feature of weight 1).
TEXT_FEATURES: tuple[str, ...] = tuple(n for n in PAIR_FEATURES if n != "reply_style")


class PairScorer:
    """The fitted weights, applied without scikit-learn's per-call checks (hot path)."""

    def __init__(
        self,
        names: Sequence[str],
        coef: np.ndarray,
        intercept: float,
        digest: str,
        direction: np.ndarray | None = None,
    ) -> None:
        self.names = tuple(names)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.digest = digest
        self.direction = None if direction is None else np.asarray(direction, dtype=np.float32)

    def reply_style(self, unit_vector: np.ndarray) -> float:
        """How answer-like a reply's meaning is (0 when the model has no direction or the
        encoder's width differs from the one it was fitted with)."""
        if self.direction is None or unit_vector.shape[-1] != self.direction.shape[0]:
            return 0.0
        return float(unit_vector @ self.direction)

    def probability(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        X = np.array([[row[n] for n in self.names] for row in rows], dtype=np.float64)
        return expit(X @ self.coef + self.intercept)

    def terms(self, row: Mapping[str, float]) -> dict[str, float]:
        """Each feature's additive share of the log-odds (for explanations)."""
        return {n: float(c * row[n]) for n, c in zip(self.names, self.coef, strict=True)}


def model_to_json(
    model: NeedReplyClassifier, *, provenance: Mapping[str, Any], embedding_scale: float = 1.0
) -> str:
    """Save a model fitted on ``[TEXT_FEATURES, embedding_scale * reply embedding]``.

    The embedding weights become ``reply_direction`` and the ``reply_style`` feature gets
    weight 1, so the file stays one readable list of named terms plus one vector.
    """
    check_is_fitted(model, ("coef_", "intercept_"))
    if list(model.classes_) != [0, 1]:
        raise NeedReplyModelError(f"Got classes {list(model.classes_)}; expected [0, 1].")
    coef = model.coef_.ravel()
    n_text = len(TEXT_FEATURES)
    text_coef = dict(zip(TEXT_FEATURES, coef[:n_text].tolist(), strict=True))
    direction = (coef[n_text:] * embedding_scale).tolist()
    payload = {
        "format": MODEL_FORMAT,
        "features": list(PAIR_FEATURES),
        "coef": [float(text_coef.get(n, 1.0 if direction else 0.0)) for n in PAIR_FEATURES],
        "reply_direction": [float(c) for c in direction],
        "intercept": float(model.intercept_[0]),
        "params": model.get_params(),
        "provenance": dict(provenance),
    }
    return json.dumps(payload, indent=1)


def load_pair_scorer(path: str | Path | None = None) -> PairScorer:
    """Read and validate a need–reply model file (the packaged one when ``path`` is None)."""
    data, source, digest = read_json_model(
        DEFAULT_RESOURCE,
        path,
        NeedReplyModelError,
        model_format=MODEL_FORMAT,
        max_bytes=_MAX_BYTES,
        refit="benchmarks/train_need_reply.py",
    )
    names, coef, intercept = data.get("features"), data.get("coef"), data.get("intercept")
    if names != list(PAIR_FEATURES):
        raise NeedReplyModelError(
            f"{source}: got features {names!r}; expected {list(PAIR_FEATURES)}. "
            "The feature set changed: refit with benchmarks/train_need_reply.py."
        )
    if (
        not isinstance(coef, list)
        or len(coef) != len(names)
        or not all(isinstance(c, int | float) and math.isfinite(c) for c in coef)
        or not isinstance(intercept, int | float)
        or not math.isfinite(intercept)
    ):
        raise NeedReplyModelError(
            f"{source}: coef/intercept must be {len(names)} finite numbers and one finite number."
        )
    direction = data.get("reply_direction", [])
    if (
        not isinstance(direction, list)
        or len(direction) > _MAX_DIRECTION
        or not all(isinstance(c, int | float) and math.isfinite(c) for c in direction)
    ):
        raise NeedReplyModelError(
            f"{source}: reply_direction must be a list of at most {_MAX_DIRECTION} finite numbers."
        )
    return PairScorer(
        names,
        np.asarray(coef),
        float(intercept),
        digest,
        np.asarray(direction) if direction else None,
    )


@functools.cache
def default_pair_scorer() -> PairScorer:
    return load_pair_scorer()

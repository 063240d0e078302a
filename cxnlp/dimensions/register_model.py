"""The learned register model of brand congruence: does this agent sentence read as off brand?

The register cues of :mod:`cxnlp.dimensions.brand_register` find off-brand speech by its
words; written from one author's sentences, they reached 0.92 of off-brand sentences on the
tuning file and about 0.6 on sentences by other authors. Blame, condescension, brush-offs,
impatience and sarcasm said in words no list holds ("Most owners manage to book the booster
before it lapses.") are read here by a small logistic regression over what the parse already
has: the sentence's MiniLM vector (the one every agent sentence gets; no extra encoder pass)
and a few general features of its form (:data:`FORM_FEATURES`: who it is about, negation,
question or imperative form, courtesy words, numbers), which the embedding reads poorly. It
is a scikit-learn estimator (``__init__`` stores, ``fit`` learns ``coef_``/``intercept_``),
saved as plain JSON: loading it runs no code and needs no network.

The packaged model (``cxnlp/resources/brand_register_model.json``) is fitted by
``benchmarks/train_brand_register.py`` on the project's labelled tuning sentences by three
authors (``benchmarks/data/validity/brand_register_tune*.jsonl``; never a held-out file) and
the brand lexicon's off-brand, neutral and polite sentences; its file records the data's
hashes, the cross-validated figures and, per off-brand register, the centroid direction that
names the register in the evidence ("reads as blaming").
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted, validate_data

from cxnlp.resource_files import read_json_model

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span

DEFAULT_RESOURCE = "brand_register_model.json"
MODEL_FORMAT = "cxnlp.brand_register.v1"
_MAX_BYTES = 2_000_000
_MAX_DIRECTION = 4096
_MAX_REGISTERS = 64

#: The general features of a sentence's form, in the model's order (all in [0, 1]).
FORM_FEATURES: tuple[str, ...] = (
    "words",  # length: min(1, words / 25)
    "second_person",  # share of words that are "you/your..."
    "first_person",  # share of words that are "I/we/my/our..."
    "opens_you",  # the sentence opens with "you/your"
    "negation",  # a negator ("not", "n't", "no", "never", "nothing", "nobody")
    "question",  # ends with "?"
    "exclamation",  # ends with "!"
    "imperative",  # opens with a bare verb (tag VB)
    "courtesy",  # holds a courtesy word of the brand lexicon ("please", "sorry", "thanks")
    "number",  # holds a number (a fact, an amount, a time)
    "modal_you",  # "you" followed by a modal ("you should", "you could have")
)

# English grammar, not a deployment's wording (see the README's Lexicons section).
_SECOND = frozenset({"you", "your", "yours", "yourself", "yourselves", "u", "ur", "ya"})
_FIRST = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
_NEGATORS = frozenset({"not", "n't", "no", "never", "nothing", "nobody", "none", "nowhere", "cannot"})
_MODALS = frozenset({"should", "could", "would", "must", "might", "need", "have", "'d", "can"})


def form_features(span: Span, courtesy_words: frozenset[str]) -> np.ndarray:
    """:data:`FORM_FEATURES` of one sentence (read from its filler-free span)."""
    tokens = [t for t in span if not t.is_space and not t.is_punct]
    n = max(1, len(tokens))
    lowers = [t.lower_ for t in tokens]
    text = span.text.rstrip()
    second = sum(w in _SECOND for w in lowers)
    modal_you = any(w in _SECOND and nxt in _MODALS for w, nxt in zip(lowers, lowers[1:], strict=False))
    return np.array(
        [
            min(1.0, len(tokens) / 25.0),
            second / n,
            sum(w in _FIRST for w in lowers) / n,
            float(bool(lowers) and lowers[0] in _SECOND),
            float(any(w in _NEGATORS for w in lowers)),
            float(text.endswith("?")),
            float(text.endswith("!")),
            float(bool(tokens) and tokens[0].tag_ == "VB"),
            float(
                any(
                    t.lemma_.lower() in courtesy_words or w in courtesy_words
                    for t, w in zip(tokens, lowers, strict=True)
                )
            ),
            float(any(t.like_num for t in tokens)),
            float(modal_you),
        ],
        dtype=np.float64,
    )


class RegisterModelError(ValueError):
    """A brand register model file is malformed."""


class RegisterClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on ``[sentence vector, form features]``; ``predict_proba[:, 1]``
    is P(off brand).

    Parameters
    ----------
    C : float
        Inverse L2 regularisation of the standardised inputs. Small: a few hundred labelled
        sentences, and the model must carry to authors it never saw.
    form_weight : float
        Scale of the form features after standardisation, against the embedding's 384
        standardised columns (0: embedding only).
    class_weight : {"balanced", None}
        Passed to :class:`~sklearn.linear_model.LogisticRegression`.
    """

    def __init__(
        self, *, C: float = 0.05, form_weight: float = 1.0, class_weight: str | None = "balanced"
    ) -> None:
        self.C = C
        self.form_weight = form_weight
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RegisterClassifier:
        X, y = validate_data(self, X, y)
        n_form = len(FORM_FEATURES)
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale[scale < 1e-9] = 1.0
        scale[-n_form:] /= max(self.form_weight, 1e-9)
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000)
        model.fit((X - mean) / scale, y, sample_weight=sample_weight)
        self.classes_ = model.classes_
        # Folded back onto the raw inputs, so that scoring is one dot product.
        coef = model.coef_[0] / scale
        self.coef_ = coef.reshape(1, -1)
        self.intercept_ = np.array([model.intercept_[0] - float(coef @ mean)])
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, ("coef_", "intercept_"))
        X = validate_data(self, X, reset=False)
        return np.asarray(X @ self.coef_[0] + self.intercept_[0])

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)])


class RegisterScorer:
    """The fitted weights, applied without scikit-learn's per-call checks (hot path)."""

    def __init__(
        self,
        direction: np.ndarray,
        form_coef: np.ndarray,
        intercept: float,
        registers: Mapping[str, np.ndarray],
        digest: str,
    ) -> None:
        self.direction = np.asarray(direction, dtype=np.float64)
        self.form_coef = np.asarray(form_coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.register_names = tuple(registers)
        self.register_matrix = (
            np.vstack([np.asarray(v, dtype=np.float64) for v in registers.values()])
            if registers
            else np.zeros((0, len(self.direction)))
        )
        self.digest = digest

    def fits(self, width: int) -> bool:
        """Whether the model was fitted on vectors of this width (another encoder: it is off)."""
        return width == len(self.direction)

    def probability(self, vectors: np.ndarray, forms: np.ndarray) -> np.ndarray:
        """P(off brand) per sentence (zeros when the encoder's width is not the model's)."""
        if len(vectors) == 0 or not self.fits(vectors.shape[1]):
            return np.zeros(len(vectors))
        return np.asarray(expit(vectors @ self.direction + forms @ self.form_coef + self.intercept))

    def register_of(self, vector: np.ndarray) -> tuple[str, float]:
        """The off-brand register whose centroid the sentence is closest to, and the cosine."""
        if not self.register_names or not self.fits(len(vector)):
            return "off_brand", 0.0
        sims = self.register_matrix @ vector
        j = int(sims.argmax())
        return self.register_names[j], float(sims[j])


def model_to_json(
    model: RegisterClassifier,
    *,
    registers: Mapping[str, np.ndarray],
    provenance: Mapping[str, Any],
) -> str:
    """Save a model fitted on ``[vector, FORM_FEATURES]`` with its register centroids."""
    import json

    check_is_fitted(model, ("coef_", "intercept_"))
    if [int(c) for c in model.classes_] != [0, 1]:
        raise RegisterModelError(f"Got classes {list(model.classes_)}; expected [0, 1].")
    coef = model.coef_[0]
    n_form = len(FORM_FEATURES)
    payload = {
        "format": MODEL_FORMAT,
        "form_features": list(FORM_FEATURES),
        "form_coef": [round(float(c), 6) for c in coef[-n_form:]],
        "direction": [round(float(c), 6) for c in coef[:-n_form]],
        "intercept": float(model.intercept_[0]),
        "registers": {k: [round(float(c), 5) for c in v] for k, v in registers.items()},
        "params": model.get_params(),
        "provenance": dict(provenance),
    }
    return json.dumps(payload, indent=1)


def _finite_list(value: Any, limit: int) -> bool:
    return (
        isinstance(value, list)
        and 0 < len(value) <= limit
        and all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in value)
    )


def load_register_scorer(path: str | Path | None = None) -> RegisterScorer:
    """Read and validate a register model file (the packaged one when ``path`` is None)."""
    data, source, digest = read_json_model(
        DEFAULT_RESOURCE,
        path,
        RegisterModelError,
        model_format=MODEL_FORMAT,
        max_bytes=_MAX_BYTES,
        refit="benchmarks/train_brand_register.py",
    )
    if data.get("form_features") != list(FORM_FEATURES):
        raise RegisterModelError(
            f"{source}: got form_features {data.get('form_features')!r}; expected "
            f"{list(FORM_FEATURES)}. The feature set changed: refit with benchmarks/train_brand_register.py."
        )
    form_coef, direction, intercept = data.get("form_coef"), data.get("direction"), data.get("intercept")
    if (
        not _finite_list(form_coef, len(FORM_FEATURES))
        or len(form_coef) != len(FORM_FEATURES)
        or not _finite_list(direction, _MAX_DIRECTION)
        or not isinstance(intercept, int | float)
        or not math.isfinite(intercept)
    ):
        raise RegisterModelError(
            f"{source}: form_coef must be {len(FORM_FEATURES)} finite numbers, direction at most "
            f"{_MAX_DIRECTION} finite numbers and intercept one finite number."
        )
    registers = data.get("registers", {})
    if not isinstance(registers, dict) or len(registers) > _MAX_REGISTERS:
        raise RegisterModelError(f"{source}: registers must be a mapping of at most {_MAX_REGISTERS} names.")
    for name, vec in registers.items():
        if not isinstance(name, str) or not _finite_list(vec, _MAX_DIRECTION) or len(vec) != len(direction):
            raise RegisterModelError(
                f"{source}: register {str(name)[:40]!r} must be {len(direction)} finite numbers."
            )
    return RegisterScorer(
        np.asarray(direction),
        np.asarray(form_coef),
        float(intercept),
        {k: np.asarray(v) for k, v in registers.items()},
        digest,
    )


@functools.cache
def default_register_scorer() -> RegisterScorer:
    return load_register_scorer()


def form_matrix(spans: Sequence[Span], courtesy_words: frozenset[str]) -> np.ndarray:
    """:func:`form_features` of each span, one row each."""
    if not spans:
        return np.zeros((0, len(FORM_FEATURES)))
    return np.vstack([form_features(s, courtesy_words) for s in spans])

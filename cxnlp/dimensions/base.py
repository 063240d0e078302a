"""The contract every dimension follows, the registry that names them, and shared helpers.

A dimension is a small object with a ``name`` (the output column), a direction, a
``prepare`` step that embeds its prototype sentences once, and a pure ``score`` function
of a :class:`~cxnlp.nlp.ParsedTranscript`. Registry keys carry a version
(``"filler_content.v1"``) so output columns stay stable while implementations change.

Parameters are first-class, scikit-learn style: ``__init__`` stores its keyword arguments
unchanged and :meth:`Dimension.get_params` reads them back by the signature, so a
dimension's configuration (:meth:`Dimension.config`: its parameters plus the content hash
of every resource file it reads) is what the scorer's configuration id hashes, with no
hand-written fingerprint to forget.
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

from cxnlp.model import DimensionResult
from cxnlp.nlp import ParsedTranscript, SentenceEncoder
from cxnlp.schema import higher_is_better as _higher_is_better


class Dimension(ABC):
    """One scored aspect of an interaction.

    Subclasses set ``name`` (the output column) and implement :meth:`score`;
    ``higher_is_better`` comes from :mod:`cxnlp.schema` unless a subclass sets it.
    :meth:`prepare` is called once per process before scoring. ``__init__`` takes keyword
    arguments and stores each under its own name (what :meth:`get_params` reads);
    parameters naming a resource file are listed in ``resource_params`` and hashed by
    content through :meth:`resource_digests`.
    """

    name: ClassVar[str]
    higher_is_better: ClassVar[bool] = True
    #: The versioned key the class is registered under (set by :func:`register_dimension`).
    registry_key: ClassVar[str | None] = None
    #: Parameters that point at a resource (a path or a loaded object): their content hash
    #: in :meth:`resource_digests` identifies them, not the path they were read from.
    resource_params: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if isinstance(name, str) and "higher_is_better" not in cls.__dict__:
            cls.higher_is_better = _higher_is_better(name)

    @classmethod
    def param_names(cls) -> list[str]:
        """The keyword arguments of ``__init__``: the dimension's parameters."""
        skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.name != "self" and p.kind not in skip]

    def get_params(self) -> dict[str, Any]:
        """Parameters as given to ``__init__`` (scikit-learn style), read back by name."""
        missing = [n for n in self.param_names() if not hasattr(self, n)]
        if missing:
            raise AttributeError(
                f"{type(self).__name__}.__init__ does not store {missing} as attributes; expected "
                "every parameter kept under its own name so the configuration can identify it."
            )
        return {n: getattr(self, n) for n in self.param_names()}

    def resource_digests(self) -> dict[str, str]:
        """Content hashes of the resource files this configuration reads (none by default)."""
        return {}

    def config(self) -> dict[str, Any]:
        """What identifies this dimension's numbers: parameters and resource content hashes.

        Resource parameters are left out of ``params`` because their digests identify them:
        the same profile given as a path or as a loaded object is the same configuration.
        """
        params = {k: v for k, v in self.get_params().items() if k not in self.resource_params}
        return {"params": params, "resources": self.resource_digests()}

    def prepare(self, encoder: SentenceEncoder) -> None:  # noqa: B027 - optional hook
        """Embed whatever prototype sentences the dimension compares against."""

    def prefetch(self, batch: Sequence[ParsedTranscript]) -> None:  # noqa: B027 - optional hook
        """Batch work ahead of :meth:`score` (e.g. embed extra texts in one encoder call)."""

    @abstractmethod
    def score(self, parsed: ParsedTranscript) -> DimensionResult:
        """Score one parsed transcript: 0-100, or NaN where the dimension does not apply."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


D = TypeVar("D", bound=type[Dimension])
_REGISTRY: dict[str, type[Dimension]] = {}


def register_dimension(key: str) -> Callable[[D], D]:
    """Class decorator: register a dimension under a versioned key such as ``"brand_congruence.v1"``."""

    def wrap(cls: D) -> D:
        if key in _REGISTRY and _REGISTRY[key] is not cls:
            raise ValueError(f"Dimension key {key!r} is already registered to {_REGISTRY[key]!r}.")
        _REGISTRY[key] = cls
        cls.registry_key = key
        return cls

    return wrap


def registered_dimensions() -> Mapping[str, type[Dimension]]:
    """All registered dimensions by versioned key (the built-in four are imported first)."""
    import cxnlp.dimensions  # noqa: F401  (registers the built-ins)

    return dict(_REGISTRY)


def get_dimension(key: str) -> type[Dimension]:
    """Look up a dimension class by versioned key or by bare name (newest version wins)."""
    registry = registered_dimensions()
    if key in registry:
        return registry[key]
    versions = sorted(k for k in registry if k.split(".v")[0] == key)
    if versions:
        return registry[versions[-1]]
    known = ", ".join(sorted(registry))
    raise KeyError(f"Got unknown dimension {key!r}; expected one of: {known}.")


class PrototypeSet:
    """Labelled example sentences, embedded once, to recognise paraphrases by meaning.

    ``best(vectors)`` returns, for each input vector, the most similar label and the
    cosine similarity (vectors are L2-normalised, so the dot product is the cosine).
    """

    def __init__(self, examples: Mapping[str, Sequence[str]]):
        self.examples = {label: list(texts) for label, texts in examples.items() if texts}
        self.labels: list[str] = []
        self.texts: list[str] = []
        self.matrix: np.ndarray | None = None

    def prepare(self, encoder: SentenceEncoder) -> None:
        self.texts, self.labels = [], []
        for label, items in self.examples.items():
            self.texts.extend(items)
            self.labels.extend([label] * len(items))
        self.matrix = encoder.encode(self.texts) if self.texts else np.zeros((0, 0), dtype=np.float32)

    def similarities(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each vector to each example: shape (n_vectors, n_examples)."""
        if self.matrix is None:
            raise RuntimeError(
                "PrototypeSet used before prepare(). Call dimension.prepare(encoder) "
                "(Scorer does this for you)."
            )
        if len(vectors) == 0 or self.matrix.size == 0:
            return np.zeros((len(vectors), len(self.labels)), dtype=np.float32)
        return vectors @ self.matrix.T

    def best(self, vectors: np.ndarray) -> list[tuple[str | None, float]]:
        sims = self.similarities(vectors)
        if sims.shape[1] == 0:
            return [(None, 0.0)] * len(vectors)
        idx = sims.argmax(axis=1)
        return [(self.labels[j], float(sims[i, j])) for i, j in enumerate(idx)]

    def best_per_label(self, vectors: np.ndarray) -> dict[str, np.ndarray]:
        """For each label, the highest similarity of each vector to any of its examples."""
        sims = self.similarities(vectors)
        out: dict[str, np.ndarray] = {}
        labels = np.asarray(self.labels)
        for label in self.examples:
            cols = labels == label
            out[label] = sims[:, cols].max(axis=1) if cols.any() else np.zeros(len(vectors), np.float32)
        return out


def clip_score(value: float) -> float:
    """Clamp to 0-100, keeping NaN (a dimension that does not apply) as NaN."""
    if math.isnan(value):
        return value
    return float(min(100.0, max(0.0, value)))

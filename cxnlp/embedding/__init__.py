"""Sentence embeddings: the encoder every dimension uses, and its optional ONNX Runtime path.

:mod:`cxnlp.embedding.encoder` holds :class:`SentenceEncoder` (torch by default);
:mod:`cxnlp.embedding.onnx` exports the same model to ONNX (optionally int8) and runs it.
Importing this package loads no model and does not import torch or onnxruntime.
"""

from __future__ import annotations

from cxnlp.embedding.encoder import EMBEDDING_DIM, SentenceEncoder, minilm_path

__all__ = ["EMBEDDING_DIM", "SentenceEncoder", "minilm_path"]

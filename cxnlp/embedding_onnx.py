"""Former home of the ONNX encoder path, now :mod:`cxnlp.embedding.onnx` (warns on use)."""

from cxnlp._moved import forwarding

__getattr__ = forwarding("cxnlp.embedding_onnx", {}, default="cxnlp.embedding.onnx")

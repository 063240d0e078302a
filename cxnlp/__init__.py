"""cxnlp: evaluate customer-service transcripts and calibrate the scores against people.

The public API is re-exported here lazily, so ``import cxnlp`` stays cheap: spaCy, torch and
sentence-transformers load only when something that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "Turn": "cxnlp.model",
    "Transcript": "cxnlp.model",
    "Evidence": "cxnlp.model",
    "DimensionResult": "cxnlp.model",
    "ScoredTranscript": "cxnlp.model",
    "Reject": "cxnlp.model",
    "Scorer": "cxnlp.scoring",
    "CompositeWeights": "cxnlp.scoring",
    "score_transcripts": "cxnlp.scoring",
    "evidence_frame": "cxnlp.scoring",
    "interaction_score": "cxnlp.scoring",
    "read_transcripts": "cxnlp.ingest",
    "InputError": "cxnlp.ingest",
    "score_files": "cxnlp.runs",
    "RunSummary": "cxnlp.runs",
    "read_scores": "cxnlp.io",
    "read_frame": "cxnlp.io",
    "TableWriter": "cxnlp.io",
    "BrandProfile": "cxnlp.dimensions.brand",
    "load_brand_profile": "cxnlp.dimensions.brand",
    "default_brand_profile": "cxnlp.dimensions.brand",
    "Dimension": "cxnlp.dimensions.base",
    "register_dimension": "cxnlp.dimensions.base",
}

#: Old public names: ``read_table`` read a score table, and ``cxnlp.ingest`` reads
#: transcripts from a "table" too; the score reader is now ``read_scores``.
_RENAMED = {"read_table": "read_scores"}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _RENAMED:
        import warnings

        new = _RENAMED[name]
        warnings.warn(
            f"cxnlp.{name} is now cxnlp.{new} (it also reads a result-store folder); "
            f"the old name will be removed.",
            DeprecationWarning,
            stacklevel=2,
        )
        return __getattr__(new)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxnlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

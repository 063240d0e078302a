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
    "score_files": "cxnlp.batch.run",
    "RunSummary": "cxnlp.batch.run",
    "read_table": "cxnlp.batch.writer",
    "BrandProfile": "cxnlp.dimensions.brand",
    "load_brand_profile": "cxnlp.dimensions.brand",
    "default_brand_profile": "cxnlp.dimensions.brand",
    "Dimension": "cxnlp.dimensions.base",
    "register_dimension": "cxnlp.dimensions.base",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cxnlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

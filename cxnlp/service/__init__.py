"""The HTTP service QA tools call: score, explain, stored results, reviews and agreement.

``cxnlp serve`` runs it (FastAPI + uvicorn; ``pip install cxnlp[service]``); see
``docs/service.md``. Imports are lazy so that the review table (:mod:`cxnlp.service.reviews`)
and API-key helpers (:mod:`cxnlp.service.auth`) work without the web framework.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServiceSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        try:
            from cxnlp.service.app import create_app
        except ImportError as exc:  # pragma: no cover - exercised only without the extra
            raise ImportError(
                "The cxnlp service needs FastAPI and uvicorn. Install them with: pip install 'cxnlp[service]'"
            ) from exc
        return create_app
    if name == "ServiceSettings":
        from cxnlp.service.state import ServiceSettings

        return ServiceSettings
    raise AttributeError(f"module 'cxnlp.service' has no attribute {name!r}")

"""Old import paths kept working for one release, with a ``DeprecationWarning``.

Modules were split by concept (``explore.py``, ``batch/run.py``, ``embedding_onnx.py``...).
A notebook or QA tool importing from the old place should keep running and be told where
the name lives now, rather than break on upgrade.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def forwarding(old: str, moved: Mapping[str, str], *, default: str | None = None) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``old`` that finds each name in its new module.

    ``moved`` maps a name to ``"new.module"`` or ``"new.module:new_name"``; any other name
    is looked up in ``default`` when given.
    """

    def __getattr__(name: str) -> Any:
        target = moved.get(name) or (default if default and not name.startswith("__") else None)
        if target is None:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        module, _, new_name = target.partition(":")
        new_name = new_name or name
        value = getattr(importlib.import_module(module), new_name)
        warnings.warn(
            f"{old}.{name} has moved to {module}.{new_name}; the old path will be removed.",
            DeprecationWarning,
            stacklevel=2,
        )
        return value

    return __getattr__

"""Reading a packaged data file (word lists, prototypes) or a deployment's own copy of it.

One loader for every YAML resource under ``cxnlp/resources/``: the packaged file when no
path is given, else the file at ``path``; it returns the parsed data, a name to quote in
errors and the SHA-256 of the bytes (what a configuration fingerprint hashes).
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


def read_yaml_resource(
    name: str, path: str | Path | None, error: type[Exception]
) -> tuple[Any, str, str]:
    """``(data, source, sha256)`` of the packaged resource ``name`` or of ``path``.

    Raises ``error`` with one line naming the file when it is not UTF-8 YAML.
    """
    if path is None:
        raw = resources.files("cxnlp").joinpath("resources", name).read_bytes()
        source = f"cxnlp/resources/{name}"
    else:
        raw = Path(path).read_bytes()
        source = str(path)
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(f"{source}: not valid UTF-8 YAML ({exc}).") from exc
    return data, source, hashlib.sha256(raw).hexdigest()

"""Reading a packaged data file (word lists, prototypes, small models) or a deployment's own copy.

One loader for every YAML resource under ``cxnlp/resources/`` and one for the small JSON
models saved there: the packaged file when no path is given, else the file at ``path``; each
returns the parsed data, a name to quote in errors and the SHA-256 of the bytes (what a
configuration fingerprint hashes).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)


class ResourceError(RuntimeError):
    """A model or package cxnlp needs is missing; the message says what to install."""


def read_capped(path: Path, max_bytes: int, *, what: str, expected: str, error: type[Exception]) -> bytes:
    """The bytes of a file a user gives (a profile, a calibrator, a model), at most ``max_bytes``.

    Reads at most one byte past the cap, so a huge or endless file (``/dev/zero``) costs
    nothing; a file that changes size while read cannot slip past a check made before.
    Raises ``error`` with one line naming ``what`` and the file when it cannot be read or
    is larger than the cap (``expected`` says what size a real one has).
    """
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(
            f"Got {what} {path}, which cxnlp cannot read ({exc.strerror or exc}); expected a "
            "readable file. Check the path and its permissions."
        ) from None
    if len(raw) > max_bytes:
        raise error(
            f"Got {what} {path} larger than {max_bytes} bytes; expected {expected}. "
            "Check that the path is right."
        )
    return raw


def read_yaml_resource(name: str, path: str | Path | None, error: type[Exception]) -> tuple[Any, str, str]:
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


def added_since(
    data: Mapping[str, Any],
    added_in: Mapping[int, tuple[str, ...]],
    *,
    source: str,
    resource: str,
    version: int,
) -> tuple[str, ...]:
    """The fields the versions of packaged ``resource`` (now ``version``) added after the
    ``version`` ``data`` declares (``added_in``: version → fields), with a warning naming them.

    None when the version is current or not a number: a deployment's copy of an older
    version keeps loading, the loader taking those fields from the packaged file.
    """
    found = data.get("version")
    if not isinstance(found, int) or isinstance(found, bool):
        return ()
    added = tuple(name for v, names in sorted(added_in.items()) if v > found for name in names)
    if added:
        logger.warning(
            "%s: version %s has no %s (added in version %d); using the packaged lists for them. "
            "Copy them from cxnlp/resources/%s to silence this.",
            source,
            found,
            ", ".join(added),
            version,
            resource,
        )
    return added


def read_json_model(
    name: str,
    path: str | Path | None,
    error: type[Exception],
    *,
    model_format: str,
    max_bytes: int,
    refit: str,
) -> tuple[dict[str, Any], str, str]:
    """``(data, source, sha256)`` of a packaged JSON model ``name`` or of ``path``.

    Refused with ``error`` and one line naming the file: a file over ``max_bytes``, bytes
    that are not UTF-8 JSON (or nested too deep), and an object whose ``format`` is not
    ``model_format`` (the message says to refit with the script ``refit``). The caller
    checks the fields its format defines.
    """
    if path is None:
        raw = resources.files("cxnlp").joinpath("resources", name).read_bytes()
        source = f"cxnlp/resources/{name}"
    else:
        raw = read_capped(
            Path(path), max_bytes, what="model file", expected=f"a {model_format} model", error=error
        )
        source = str(path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise error(f"{source}: not valid UTF-8 JSON ({exc}).") from exc
    if not isinstance(data, dict) or data.get("format") != model_format:
        got = data.get("format") if isinstance(data, dict) else None
        raise error(f"{source}: got format {got!r}; expected {model_format!r}. Refit with {refit}.")
    return data, source, hashlib.sha256(raw).hexdigest()

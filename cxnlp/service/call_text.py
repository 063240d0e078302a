"""The text of a stored call, read back from the files the nightly batch scored it from.

The result store keeps scores and evidence but no turn text (docs/nightly.md), yet the
review page must show the call as a conversation with its evidence highlighted. Each run
manifest records the files it read (``input_files``, absolute) and their format, so the
service reads the call again from there, read-only, and accepts it only when its content
hash equals the stored row's: the text a reviewer sees is exactly the text that was
scored, or the page says why it cannot show it. Older manifests hold only ``inputs`` as
given on the command line; those are tried relative to the service's working directory.

Reading is a scan of the input files (the run that stored the row first, then the others
newest first), so the first view of a call in a large nightly file costs a pass over that
file; found calls are kept in a small cache.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxnlp.batch.store import ResultStore
from cxnlp.ingest.rejects import InputError
from cxnlp.limits import SizeLimits
from cxnlp.model import Transcript

logger = logging.getLogger(__name__)

#: Calls kept after being found, per service process.
CACHE_SIZE = 256


@dataclass(frozen=True)
class CallText:
    """The call's transcript when found unchanged; otherwise None and why, in words."""

    transcript: Transcript | None
    note: str | None = None


_lock = threading.Lock()
_cache: OrderedDict[tuple[str, str, str], Transcript] = OrderedDict()


def find_call_text(
    store: str | Path, row: Mapping[str, Any], *, limits: SizeLimits | None = None
) -> CallText:
    """The transcript behind a stored ``row`` (its ``transcript_id``, ``content_hash``, ``run_id``).

    Never raises for missing, moved, changed or unreadable inputs: the note says which.
    """
    transcript_id = str(row["transcript_id"])
    content_hash = str(row.get("content_hash") or "")
    root = ResultStore(store)
    key = (str(root.root.resolve()), transcript_id, content_hash)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return CallText(_cache[key])
    changed = False
    files = list(_candidate_files(root, str(row.get("run_id") or "")))
    for path, fmt in files:
        for transcript in _read(path, fmt, limits):
            if transcript.id != transcript_id:
                continue
            if transcript.content_hash() == content_hash:
                with _lock:
                    _cache[key] = transcript
                    while len(_cache) > CACHE_SIZE:
                        _cache.popitem(last=False)
                return CallText(transcript)
            changed = True
    if changed:
        note = (
            "the call's input file now holds a different version of this call than the one scored; "
            "run cxnlp batch again to score it"
        )
    elif files:
        note = "the call is no longer in the files the batch read it from (moved or rotated)"
    else:
        note = (
            "the files the batch read this call from cannot be found from here "
            "(moved, deleted or on another machine)"
        )
    return CallText(None, note)


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _candidate_files(store: ResultStore, run_id: str) -> Iterator[tuple[Path, str | None]]:
    """Existing input files of the store's runs: ``run_id``'s first, then newest first."""
    manifests = store.manifests()
    ordered = [m for m in manifests if m.get("run_id") == run_id]
    ordered += [m for m in reversed(manifests) if m.get("run_id") != run_id]
    seen: set[Path] = set()
    for manifest in ordered:
        fmt = manifest.get("input_format")
        fmt = fmt if isinstance(fmt, str) else None
        files = manifest.get("input_files")
        if not isinstance(files, list):
            files = manifest.get("inputs") if isinstance(manifest.get("inputs"), list) else []
        for raw in files:
            if not isinstance(raw, str):
                continue
            path = Path(raw).absolute()
            if path in seen:
                continue
            seen.add(path)
            if path.exists():
                yield path, fmt


def _read(path: Path, fmt: str | None, limits: SizeLimits | None) -> Iterator[Transcript]:
    from cxnlp.ingest import read_transcripts

    try:
        for item in read_transcripts(path, format=fmt, limits=limits):
            if isinstance(item, Transcript):
                yield item
    except (InputError, OSError, ValueError) as exc:
        logger.warning("cannot read a batch input for the review page: %s", type(exc).__name__)

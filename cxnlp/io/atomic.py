"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every file cxnlp publishes (score tables, rejects, store parts and manifests, exported
models) is written the same way: to a fresh temporary name in the target's own directory
(a rename across file systems is not atomic), fsynced, renamed over the target with
``os.replace``, and the directory fsynced so the rename itself survives a power cut. If the
writing fails, the temporary file is removed and the target is left as it was.

Temporary names are ``.<name>.<pid>.<random>.tmp``: hidden, unique per writer (two writers
of one target cannot clobber each other's temporary file), and recognisable by their
:data:`TMP_SUFFIX`, so a store can sweep up the ones a killed process left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

#: Ending of every temporary file written here.
TMP_SUFFIX = ".tmp"


class AtomicFile:
    """One atomic replacement of ``path``: write :attr:`tmp`, then :meth:`commit` or :meth:`discard`.

    For writers that cannot use :func:`atomic_path`'s ``with`` block (a file kept open
    across calls, such as :class:`cxnlp.ingest.RejectWriter`). Creating the object creates
    the target's folder but no file.

    Parameters
    ----------
    path : str or Path
        The file to replace.
    mode : int, optional
        Permission bits for the published file (e.g. ``0o644`` for a cache other users
        read); the process umask decides when None.
    """

    def __init__(self, path: str | Path, *, mode: int | None = None):
        self.path = Path(path)
        self.mode = mode
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")

    def commit(self) -> Path:
        """Make what was written to :attr:`tmp` durable and rename it onto :attr:`path`.

        Raises ``FileNotFoundError`` when nothing was written to :attr:`tmp`.
        """
        try:
            with open(self.tmp, "rb") as handle:
                os.fsync(handle.fileno())
            if self.mode is not None:
                os.chmod(self.tmp, self.mode)
            os.replace(self.tmp, self.path)
        except BaseException:
            self.discard()
            raise
        fsync_dir(self.path.parent)
        return self.path

    def discard(self) -> None:
        """Remove the temporary file; the target is untouched. Safe to call twice."""
        with contextlib.suppress(OSError):
            self.tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """A temporary path to write ``path``'s new content to; published when the block ends.

    For writers that want a path rather than bytes (``pyarrow``, ``torch.onnx.export``).
    If the block raises, nothing is published and the temporary file is removed.

    Examples
    --------
    >>> with atomic_path(out) as tmp:          # doctest: +SKIP
    ...     pq.write_table(table, tmp)
    """
    target = AtomicFile(path, mode=mode)
    try:
        yield target.tmp
    except BaseException:
        target.discard()
        raise
    target.commit()


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """``open(path, mode, **kwargs)`` for writing, published atomically when the block ends.

    ``mode`` is ``"w"`` or ``"wb"``; keyword arguments (``encoding``, ``errors``,
    ``newline``) go to :func:`open`.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"Got mode {mode!r}; expected 'w' or 'wb' (an atomic write replaces the file).")
    if mode == "w":
        kwargs.setdefault("encoding", "utf-8")
    with atomic_path(path) as tmp, open(tmp, mode.replace("w", "x"), **kwargs) as handle:
        yield handle


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically (see the module docstring). Returns ``path``."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``text`` atomically. Returns ``path``."""
    return atomic_write_bytes(path, text.encode(encoding))


def atomic_write_json(path: str | Path, payload: Mapping[str, Any]) -> Path:
    """``payload`` as readable JSON (indented, sorted keys), written atomically.

    Text UTF-8 cannot hold (a lone surrogate, from a file name that is not UTF-8) is
    written as a ``\\u`` escape, which reads back the same.
    """
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    try:
        data = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        data = (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode("ascii")
    return atomic_write_bytes(path, data)


def fsync_dir(directory: str | Path) -> None:
    """Flush a directory's entries (a rename in it) to disk, where the platform allows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)

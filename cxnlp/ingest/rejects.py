"""What goes wrong while reading: whole-input errors, per-record errors and the rejects file.

Two kinds of failure are kept apart on purpose. An input nobody can read (a missing file,
an unknown format, a table without its key columns) raises :class:`InputError` at once,
because carrying on would silently score nothing. A single bad record never stops a run:
it becomes a :class:`~cxnlp.model.Reject` that says where it came from and why, and the
caller writes it with :class:`RejectWriter` so a QA lead can fix the export and re-run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from cxnlp.io.atomic import AtomicFile
from cxnlp.model import Reject

logger = logging.getLogger(__name__)

#: Columns of a rejects file, in the order they are written.
REJECT_COLUMNS: tuple[str, ...] = ("source", "record_id", "field", "reason")


def json_error_text(err: json.JSONDecodeError, *, line: bool = True) -> str:
    """``Unterminated string at line 3 column 7``: where the JSON broke, said once.

    Python's message for a string cut off ends in "starting at" (its position follows in
    ``str(err)``), so quoting ``err.msg`` before " at line" read "starting at at line".
    """
    what = err.msg.removesuffix(" at").removesuffix(" starting")
    where = f"line {err.lineno} column {err.colno}" if line else f"column {err.colno}"
    return f"{what} at {where}"


class InputError(ValueError):
    """An input that cannot be read at all (as opposed to one bad record inside it)."""


class DamagedFileError(InputError):
    """A file whose format cannot be told because it is damaged (JSON cut off part-way).

    Named on its own it stops the run like any unreadable input; found in an input folder it
    becomes a reject naming the file, so one cut-off export does not stop a nightly run."""


class RecordError(ValueError):
    """One record cannot become a transcript; readers turn it into a :class:`Reject`.

    Parameters
    ----------
    reason
        What is wrong, in one line. Newlines are folded so that a rejects file keeps one
        reject per line whatever text a record echoes back.
    field
        The field at fault (``"turns[2].speaker"``), or None when the whole record is.
    record_id
        The record's id when it could be read; it lets people find the record upstream.
    """

    def __init__(self, reason: str, *, field: str | None = None, record_id: str | None = None):
        self.reason = " ".join(str(reason).splitlines())
        self.field = field
        self.record_id = record_id
        super().__init__(self.reason)

    def to_reject(self, source: str) -> Reject:
        """The :class:`Reject` this error becomes for a record read from ``source``."""
        return Reject(source=source, reason=self.reason, record_id=self.record_id, field=self.field)


class RejectWriter:
    """Write rejects as JSON lines, atomically, so a crashed run never leaves half a file.

    Lines go to a temporary file beside ``path`` (:class:`cxnlp.io.atomic.AtomicFile`)
    that is renamed onto ``path`` when the writer closes. Closing happens on leaving the
    ``with`` block even when an exception escapes it, so the rejects met before a crash are
    kept (they are usually the clue to it); a crash before the first reject publishes
    nothing, so no empty file is left behind. An existing file at ``path`` is replaced, not
    appended to: one rejects file per run.

    Parameters
    ----------
    path
        Where the rejects file ends up.
    redactor
        A :class:`cxnlp.privacy.Redactor` applied to each reject's reason (which can quote
        the raw record) as it is written; the shared default (redaction on) when None.

    Examples
    --------
    >>> with RejectWriter(tmp / "rejects.jsonl") as rejects:  # doctest: +SKIP
    ...     for item in read_transcripts("calls.jsonl"):
    ...         if isinstance(item, Reject):
    ...             rejects.write(item)
    """

    def __init__(self, path: str | Path, *, redactor: Any = None):
        self.path = Path(path)
        self.redactor = redactor
        self.count = 0
        self._handle = None
        self._target: AtomicFile | None = None

    @property
    def tmp_path(self) -> Path | None:
        """The temporary file being written; None before :meth:`open`."""
        return None if self._target is None else self._target.tmp

    def __enter__(self) -> RejectWriter:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and self.count == 0:
            self.discard()
        else:
            self.close()

    def open(self) -> RejectWriter:
        """Start the temporary file; called by ``with``, or by hand before :meth:`write`."""
        if self._handle is None:
            self._target = AtomicFile(self.path)
            # backslashreplace: a reject echoing text that is not valid Unicode (the very
            # reason it was rejected) is still written, as a JSON escape.
            self._handle = open(
                self._target.tmp, "x", encoding="utf-8", errors="backslashreplace", newline="\n"
            )
        return self

    def write(self, reject: Reject) -> None:
        """Append one reject as a JSON line."""
        if not isinstance(reject, Reject):
            raise TypeError(
                f"Got {type(reject).__name__}; expected a cxnlp.model.Reject. "
                "Pass the Reject items that read_transcripts yields."
            )
        if self._handle is None:
            raise ValueError(
                f"Got a write to closed RejectWriter for {self.path}; expected an open one. "
                "Use it inside `with RejectWriter(path) as w:` or call open() first."
            )
        if self.redactor is None:
            from cxnlp.privacy import default_redactor

            self.redactor = default_redactor()
        reject = self.redactor.redact_reject(reject)
        self._handle.write(json.dumps(reject.to_dict(), ensure_ascii=False) + "\n")
        self.count += 1

    def discard(self) -> None:
        """Drop the temporary file and publish nothing; the file at ``path`` is untouched."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        handle.close()
        if self._target is not None:
            self._target.discard()

    def close(self) -> None:
        """Flush and rename the temporary file onto ``path``; safe to call twice."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        handle.close()
        if self._target is not None:
            self._target.commit()
        logger.info("wrote %d reject(s) to %s", self.count, self.path)


def read_rejects(path: str | Path) -> pd.DataFrame:
    """Load a rejects file into a frame with columns ``source, record_id, field, reason``.

    An empty file gives an empty frame with those columns, so "no rejects" needs no
    special case downstream.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"Got rejects path {str(path)!r}, which is not a file; expected a JSON-lines file "
            "written by RejectWriter. Check the path."
        )
    rows = []
    with path.open("r", encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(
                    f"Got malformed JSON at {path}:line {line_no} ({json_error_text(err, line=False)}); "
                    "expected one reject object per line. Was the file written by RejectWriter?"
                ) from err
            rows.append({column: record.get(column) for column in REJECT_COLUMNS})
    return pd.DataFrame(rows, columns=list(REJECT_COLUMNS), dtype=object)

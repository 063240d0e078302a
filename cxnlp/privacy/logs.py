"""Log lines redacted like everything else cxnlp writes.

A log message can quote a record (a reject's reason, a scorer's exception). The
:class:`RedactingFilter` sits on a *handler*, so it sees every record that handler
writes, from any logger, and rewrites the message (and a formatted traceback) through
the redactor before it is formatted.
"""

from __future__ import annotations

import logging

from cxnlp.privacy.redactor import Redactor, default_redactor


class RedactingFilter(logging.Filter):
    """Redact each record's message and traceback text; never drops a record."""

    def __init__(self, redactor: Redactor | None = None):
        super().__init__()
        self.redactor = redactor or default_redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: leave it to the formatter
            return True
        redacted = self.redactor.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redactor.redact(logging.Formatter().formatException(record.exc_info))
        return True


def redact_logs(redactor: Redactor | None = None, handlers: list[logging.Handler] | None = None) -> None:
    """Put a :class:`RedactingFilter` on ``handlers`` (the root logger's when None), once each."""
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        for existing in list(handler.filters):
            if isinstance(existing, RedactingFilter):
                handler.removeFilter(existing)
        handler.addFilter(RedactingFilter(redactor))

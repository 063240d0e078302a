"""Log lines redacted like everything else cxnlp writes.

A log message can quote a record (a reject's reason, a scorer's exception). The
:class:`RedactingFilter` sits on a *handler*, so it sees every record that handler
writes, from any logger, and rewrites the message (and a formatted traceback) through
the redactor before it is formatted.

Log lines are nearly all distinct (a request id, a timing), so they are analysed without
entering the redactor's cache: cached, each would keep about a kilobyte until 100,000 of
them filled the cache (the service's resident memory crept by that much a request, and
the call sentences the cache is for were pushed out). A record that passes two filters
(the service logger's and a handler's) is redacted once.

A line built only from the program's own values (an id it made, a route template,
counts, timings) is logged with ``extra=NO_INPUT_TEXT`` and passes unread: reading it
costs the redactor's tokenizer a new vocabulary entry for each request id and timing,
which spaCy keeps for the life of the process, and a few milliseconds a request.
"""

from __future__ import annotations

import logging

from cxnlp.privacy.redactor import Redactor, default_redactor

#: Set on a record once a :class:`RedactingFilter` has rewritten it.
_DONE = "cxnlp_redacted"
#: ``logger.info(..., extra=NO_INPUT_TEXT)``: this line quotes no input (see above).
NO_INPUT_TEXT = {"cxnlp_no_input_text": True}


class RedactingFilter(logging.Filter):
    """Redact each record's message and traceback text; never drops a record."""

    def __init__(self, redactor: Redactor | None = None):
        super().__init__()
        self.redactor = redactor or default_redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _DONE, None) is self.redactor or getattr(record, "cxnlp_no_input_text", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: leave it to the formatter
            return True
        # cxnlp's own lines (a reject's reason) quote the record inside cxnlp's wording:
        # names only inside the quotes (Redactor.redact_message); other libraries' whole.
        own = record.name == "cxnlp" or record.name.startswith("cxnlp.")
        redact = self.redactor.redact_message if own else self.redactor.redact
        redacted = redact(message, remember=False)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redactor.redact(trace, remember=False)
        setattr(record, _DONE, self.redactor)
        return True


def redact_logs(redactor: Redactor | None = None, handlers: list[logging.Handler] | None = None) -> None:
    """Put a :class:`RedactingFilter` on ``handlers`` (the root logger's when None), once each."""
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        for existing in list(handler.filters):
            if isinstance(existing, RedactingFilter):
                handler.removeFilter(existing)
        handler.addFilter(RedactingFilter(redactor))

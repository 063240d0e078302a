"""Personal data out of everything cxnlp writes (see docs/privacy.md).

:class:`Redactor` finds personal data with Presidio (analyzer and anonymizer, on the
bundled spaCy pipeline) and cxnlp's own recognisers for what calls carry, written or
spoken, and replaces it with typed placeholders. Writers call :func:`redact_record`,
:func:`redact_frame` or a redactor's methods at the point strings leave the process.
:mod:`cxnlp.privacy.placeholders` tells dimensions which input tokens are placeholders
other systems left.
"""

from __future__ import annotations

from cxnlp.privacy.detectors import Finding, luhn_valid
from cxnlp.privacy.logs import RedactingFilter, redact_logs
from cxnlp.privacy.patterns import PrivacyPatterns, PrivacyPatternsError, load_patterns
from cxnlp.privacy.redactor import (
    KEEP_COLUMNS,
    CallContext,
    Redaction,
    Redactor,
    default_redactor,
    redact_frame,
    redact_record,
)

__all__ = [
    "KEEP_COLUMNS",
    "CallContext",
    "Finding",
    "PrivacyPatterns",
    "PrivacyPatternsError",
    "RedactingFilter",
    "Redaction",
    "Redactor",
    "default_redactor",
    "load_patterns",
    "luhn_valid",
    "redact_frame",
    "redact_logs",
    "redact_record",
]

"""What the service shows of a call: every quoted text redacted the way cxnlp writes files.

There is one redaction path. The service holds the same shared
:class:`~cxnlp.privacy.Redactor` the scorer writes its rows with
(``default_redactor(redact)``, what ``Scorer.redactor`` returns), and quotes a call only
through a :class:`ShownCall`: the call's context (what it revealed anywhere, so a
security code read out after the agent asked for it is recognised in its turn) plus each
turn's :class:`~cxnlp.privacy.Redaction`, whose offset map carries evidence offsets
between the text as sent and the text as shown. Turns are redacted lazily, only those a
response quotes.

With redaction off (``cxnlp serve --no-redact``) the same path still removes card
security codes (PCI DSS), so a response never carries one either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxnlp.model import ScoredTranscript, Transcript
from cxnlp.privacy import CallContext, Redaction, Redactor


@dataclass
class ShownCall:
    """One call as a response shows it; ``transcript`` None for a stored row without its text."""

    redactor: Redactor
    transcript: Transcript | None = None
    #: Without the call's text (a stored row): the strings the row quotes and its metadata,
    #: read for the context instead ("my name is ..." in one sentence, ``customer_name``).
    quoted: Sequence[str] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    _context: CallContext | None = field(default=None, repr=False)
    _turns: dict[int, Redaction] = field(default_factory=dict, repr=False)

    @property
    def context(self) -> CallContext | None:
        if self._context is None:
            if self.transcript is not None:
                self._context = self.redactor.call_context(self.transcript)
            elif self.quoted or self.metadata:
                person = self.redactor.patterns_.metadata_keys.get("PERSON")
                names = [
                    v
                    for k, v in self.metadata.items()
                    if isinstance(v, str) and person is not None and person.search(str(k))
                ]
                self._context = self.redactor.call_context(list(self.quoted), names=names)
        return self._context

    def turn(self, index: int) -> Redaction:
        """Turn ``index``'s text redacted, with the map between its offsets and the original's."""
        if index not in self._turns:
            if self.transcript is None:
                raise ValueError(
                    "Got a turn index for a stored row without its call text; expected a transcript."
                )
            self._turns[index] = self.redactor.redact_text(self.transcript.turns[index].text, self.context)
        return self._turns[index]

    def text(self, value: Any) -> Any:
        """A string quoted from the call (a detail, a sentence not found in its turn), redacted."""
        return self.redactor.redact(value, self.context)

    def value(self, value: Any) -> Any:
        """Metadata redacted: strings, nested mappings and lists; a key that names personal
        data (``customer_name``, ``email``...) has its whole value replaced."""
        if isinstance(value, Mapping):
            flat = self.redactor.redact_record(value, context=self.context)
            return {k: self.value(v) if isinstance(v, Mapping | list) else v for k, v in flat.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return self.text(value)


def prefetch_shown_turns(redactor: Redactor, results: Sequence[ScoredTranscript]) -> None:
    """Analyse, in one named-entity pass, the turns the results' evidence will quote.

    A response redacts each turn its evidence points at (for the offsets); analysed one
    at a time in the request threads, those turns cost more than the response's scoring
    (a spaCy call each, under the GIL the scoring thread needs). The micro-batcher calls
    this on its thread for all the requests of a shared batch; the turns then come from
    the redactor's cache.
    """
    redactor.prefetch(
        result.transcript.turns[item.turn_index].text
        for result in results
        for item in result.evidence
        if 0 <= item.turn_index < len(result.transcript.turns)
    )


def shown_review(redactor: Redactor, record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored review as a response shows it: the reviewer's comment redacted (reviews
    stored before redaction was on, or by a service running with ``--no-redact``, too)."""
    out = dict(record)
    if isinstance(out.get("comment"), str):
        out["comment"] = redactor.redact(out["comment"])
    return out


__all__ = ["ShownCall", "prefetch_shown_turns", "shown_review"]

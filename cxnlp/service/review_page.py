"""The reviewer's page: what ``GET /v1/calls/{id}`` returns and the files ``/review/{id}`` serves.

The page is a static shell (``static/review.html``, ``.css``, ``.js`` in the package) that
holds no call data: its script asks the API for the call with the reviewer's key (sent
as a header, never in a URL or a cookie, so another site cannot post reviews in the
reviewer's name; the call's text comes redacted, :mod:`cxnlp.service.redaction`) and
builds the page with DOM text nodes only, so no transcript text is
ever parsed as HTML. A strict Content-Security-Policy (scripts, styles and requests from
this origin only, no inline script, no forms posted anywhere) backs that up.

Highlighting is decided here, not in the script: :func:`segments` cuts each turn's text
where an evidence sentence or its exact words begin or end, and says which evidence
covers each run, so the script only has to draw runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from cxnlp.service.redaction import ShownCall
from cxnlp.service.schemas import CallTurn, EvidenceItem, TurnSegment

#: The page's files, by the name they are served under ``/review-assets/``.
ASSETS = {"review.css": "text/css", "review.js": "text/javascript", "favicon.svg": "image/svg+xml"}

#: Sent with the page and its files: only this origin's script, style and API.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def asset(name: str) -> bytes:
    """One of the page's packaged files (``review.html`` or a name in :data:`ASSETS`)."""
    return resources.files("cxnlp.service").joinpath("static", name).read_bytes()


def segments(text: str, evidence: Sequence[EvidenceItem], turn_index: int) -> list[TurnSegment]:
    """``text`` cut into runs at every evidence boundary of this turn.

    Runs cover the whole text in order; a run's ``evidence`` lists the items whose
    sentence covers it and ``spans`` those whose exact words do. Items without offsets
    (stored results whose text was not found, whole-call notes) are left out.
    """
    ranges: list[tuple[int, int, int, bool]] = []  # (start, end, evidence index, is span)
    for index, item in enumerate(evidence):
        if item.turn_index != turn_index:
            continue
        if item.start is not None and item.end is not None:
            ranges.append((item.start, item.end, index, False))
        if item.span_start is not None and item.span_end is not None:
            ranges.append((item.span_start, item.span_end, index, True))
    ranges = [(max(0, a), min(len(text), b), i, s) for a, b, i, s in ranges if min(len(text), b) > max(0, a)]
    cuts = sorted({0, len(text), *(a for a, _, _, _ in ranges), *(b for _, b, _, _ in ranges)})
    out = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [(i, s) for a, b, i, s in ranges if a <= start and end <= b]
        out.append(
            TurnSegment(
                start=start,
                end=end,
                evidence=sorted({i for i, s in covering if not s}),
                spans=sorted({i for i, s in covering if s}),
            )
        )
    return out


def call_turns(shown: ShownCall, evidence: Sequence[EvidenceItem]) -> list[CallTurn]:
    """The call's turns as shown (redacted), with their highlight runs (evidence offsets
    index the shown text, so the runs cut it where the highlighted words are)."""
    if shown.transcript is None:
        return []
    out = []
    for index, turn in enumerate(shown.transcript.turns):
        text = shown.turn(index).text
        out.append(
            CallTurn(
                index=index,
                speaker=turn.speaker,
                text=text,
                start_seconds=turn.start,
                end_seconds=turn.end,
                segments=segments(text, evidence, index),
            )
        )
    return out


__all__ = ["ASSETS", "CONTENT_SECURITY_POLICY", "PAGE_HEADERS", "asset", "call_turns", "segments"]

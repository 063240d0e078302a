"""Redaction placeholders that arrive *in* transcripts, and what they stand for.

Contact-centre platforms and speech recognisers redact before cxnlp sees a call:
``[PII]``, ``[NAME]``, ``<PERSON>``, ``{{NAME}}``, ``####``, ``[REDACTED]``,
``[name_given]`` (the forms are in ``privacy_patterns.yaml``, ``input_placeholders``).
For scoring they are neutral: a placeholder is a piece of content somebody removed, not
a filler word, not off-brand wording, not a missing answer. One that stands for a name
(``[NAME]``, ``<PERSON>``, or any placeholder where a name is said: "Thanks, [PII].") in
the agent's speech is the agent using the customer's name.
"""

from __future__ import annotations

import re

from cxnlp.privacy.patterns import load_patterns

_OWN_INTRO = re.compile(r"\b(?:my name is|my name's|name is|i'm|i am|this is|it's|it is)\s*$", re.IGNORECASE)
_VOCATIVE_BEFORE = re.compile(
    r"(?:\b(?:thanks|thank you|hi|hello|hey|dear|sorry|welcome|morning|afternoon|evening|bye|goodbye)"
    r"\s*,?|,|^)\s*$",
    re.IGNORECASE,
)
_VOCATIVE_AFTER = re.compile(r"^\s*(?:[,.!?]|$)")


def placeholders(text: str) -> list[str]:
    """The redaction placeholders in ``text``, in order."""
    return [m.group() for m in load_patterns().input_placeholder.finditer(text)]


def is_placeholder(text: str) -> bool:
    """Is ``text`` (a token or span) one whole redaction placeholder?"""
    return load_patterns().input_placeholder.fullmatch(text.strip()) is not None


def strip_placeholders(text: str) -> str:
    """``text`` without its placeholders (and the spaces they leave)."""
    return re.sub(r"\s{2,}", " ", load_patterns().input_placeholder.sub(" ", text)).strip()


def addressed_placeholder(text: str) -> str | None:
    """A placeholder that addresses someone by name in ``text``, or None.

    A name placeholder (``[NAME]``, ``<PERSON>``...) anywhere counts, except in the
    speaker's own introduction ("this is [NAME] from Acme"); any other placeholder
    counts where a name is said: after a greeting or thanks, or set off by commas
    ("Thanks, [PII]." "Right, [REDACTED], let me check").
    """
    p = load_patterns()
    for m in p.input_placeholder.finditer(text):
        before, after = text[: m.start()], text[m.end() :]
        if _OWN_INTRO.search(before):
            continue
        if p.name_placeholder.search(m.group()):
            return m.group()
        if _VOCATIVE_BEFORE.search(before) and _VOCATIVE_AFTER.match(after):
            return m.group()
    return None


# --- spaCy: one placeholder, one token, never a sentence boundary -------------------------

MERGE_COMPONENT = "cxnlp_placeholder_tokens"
BOUNDARY_COMPONENT = "cxnlp_placeholder_boundaries"


class PlaceholderMerger:
    """Merge each placeholder into one token before anything else reads the doc.

    Without it ``[NAME]`` is three tokens and the sentence splitter breaks after ``[``,
    so a placeholder would cut its sentence in two.
    """

    def __call__(self, doc):
        pattern = load_patterns().input_placeholder
        spans = []
        for m in pattern.finditer(doc.text):
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is not None and len(span) > 1:
                spans.append(span)
        if spans:
            from spacy.util import filter_spans

            with doc.retokenize() as retokenizer:
                for span in filter_spans(spans):
                    retokenizer.merge(span)
        return doc


class PlaceholderBoundaries:
    """After the sentence splitter: no sentence starts at a placeholder or right after one
    when what follows is punctuation ("Thanks, [NAME]." stays one sentence)."""

    def __init__(self) -> None:
        # Whether a word (by its hash) is a whole placeholder of ``_pattern``: one regex run
        # per distinct word, and the doc's words read as one array instead of a Token each.
        self._pattern: re.Pattern[str] | None = None
        self._seen: dict[int, bool] = {}

    def __call__(self, doc):
        from spacy.attrs import ORTH

        pattern = load_patterns().input_placeholder
        if pattern != self._pattern:
            self._pattern, self._seen = pattern, {}
        strings = doc.vocab.strings
        seen = self._seen
        for i, orth in enumerate(doc.to_array([ORTH]).tolist()):
            if i == 0:
                continue
            hit = seen.get(orth)
            if hit is None:
                if len(seen) >= 100_000:
                    seen.clear()
                hit = seen[orth] = pattern.fullmatch(strings[orth]) is not None
            if not hit:
                continue
            token = doc[i]
            if doc[i - 1].text not in (".", "!", "?"):
                token.is_sent_start = False
            if i + 1 < len(doc) and doc[i + 1].is_punct:
                doc[i + 1].is_sent_start = False
        return doc


def add_placeholder_components(nlp) -> None:
    """Add the two components to ``nlp`` (once): merge first, boundaries last."""
    from spacy.language import Language

    if MERGE_COMPONENT not in Language.factories:
        Language.factory(MERGE_COMPONENT, func=lambda nlp, name: PlaceholderMerger())
        Language.factory(BOUNDARY_COMPONENT, func=lambda nlp, name: PlaceholderBoundaries())
    if not nlp.has_pipe(MERGE_COMPONENT):
        nlp.add_pipe(MERGE_COMPONENT, first=True)
    if not nlp.has_pipe(BOUNDARY_COMPONENT):
        nlp.add_pipe(BOUNDARY_COMPONENT, last=True)

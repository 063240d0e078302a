"""A spaCy token ``Matcher`` that skips sentences its patterns cannot match.

Why: the dimensions run several ``Matcher`` objects over every sentence, and a matcher
with many ``{"LOWER": {"IN": [...]}}`` tokens costs a millisecond or more a sentence even
when nothing matches, which is almost always. Every pattern names words some of its
tokens must be (a required token's ``LOWER``, ``LEMMA``, ``ORTH``, ``TAG`` or ``POS`` value,
``IN`` list or ``REGEX``); a sentence that lacks a word for one required token of every
pattern cannot match, so
:class:`GatedMatcher` returns no match without running spaCy. The gate only rules out
what could never match: matches are the same as the plain ``Matcher``'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from spacy.matcher import Matcher

__all__ = ["GatedMatcher", "pattern_requirements"]

#: Token attributes whose required values the gate reads, and the ``Token`` property that
#: gives each as a string.
_READERS: dict[str, str] = {
    "LOWER": "lower_",
    "LEMMA": "lemma_",
    "ORTH": "text",
    "TEXT": "text",
    "TAG": "tag_",
    "POS": "pos_",
}

#: (attribute, the values one of the text's tokens must have, or a regular expression one of
#: them must contain, as spaCy's ``REGEX`` reads it with ``re.search``).
Requirement = tuple[str, frozenset[str] | re.Pattern[str]]


def pattern_requirements(pattern: Iterable[Mapping[str, Any]]) -> tuple[Requirement, ...]:
    """What each token of ``pattern`` that every match has says about its words: no ``OP``
    (or ``"+"``), and a string, an ``IN`` list or a ``REGEX`` under ``LOWER``, ``LEMMA``,
    ``ORTH``, ``TEXT``, ``TAG`` or ``POS``. Empty when no token names its words."""
    out: list[Requirement] = []
    for element in pattern:
        spec = {str(key).upper(): value for key, value in element.items()}
        if spec.get("OP", "1") not in ("1", "+"):
            continue
        for attr in _READERS:
            value = spec.get(attr)
            if isinstance(value, str):
                out.append((attr, frozenset([value])))
            elif isinstance(value, Mapping) and "IN" in value:
                allowed = value["IN"]
                if all(isinstance(v, str) for v in allowed):
                    out.append((attr, frozenset(allowed)))
            elif isinstance(value, Mapping) and isinstance(value.get("REGEX"), str):
                out.append((attr, re.compile(value["REGEX"])))
    return tuple(out)


def _met(values: set[str], need: frozenset[str] | re.Pattern[str]) -> bool:
    if isinstance(need, frozenset):
        return not values.isdisjoint(need)
    return any(need.search(v) for v in values)


class GatedMatcher(Matcher):
    """A spaCy ``Matcher`` that runs only on text where some pattern's required words all
    occur (see the module docstring); otherwise it returns ``[]`` as the matcher would."""

    def __init__(self, vocab: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(vocab, *args, **kwargs)
        self._requirements: list[tuple[Requirement, ...]] = []
        self._ungated = False

    def add(self, key: Any, patterns: Any, **kwargs: Any) -> None:
        super().add(key, patterns, **kwargs)
        for pattern in patterns:
            needs = pattern_requirements(pattern)
            if needs:
                self._requirements.append(needs)
            else:
                self._ungated = True  # a pattern with no named word may match anything

    def may_match(self, doclike: Any) -> bool:
        """False only when no pattern can match ``doclike`` (a Doc or Span)."""
        if self._ungated:
            return True
        seen: dict[str, set[str]] = {}
        for needs in self._requirements:
            for attr, allowed in needs:
                values = seen.get(attr)
                if values is None:
                    name = _READERS[attr]
                    values = seen[attr] = {getattr(t, name) for t in doclike}
                if not _met(values, allowed):
                    break
            else:
                return True
        return False

    def __call__(self, doclike: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.may_match(doclike):
            return []
        return super().__call__(doclike, *args, **kwargs)

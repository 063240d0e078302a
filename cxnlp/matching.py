"""A spaCy token ``Matcher`` that runs only the patterns a sentence can match.

Why: the dimensions run several ``Matcher`` objects over every sentence, and a matcher
with many ``{"LOWER": {"IN": [...]}}`` tokens costs a millisecond or more a sentence even
when nothing matches, which is almost always. spaCy's cost grows with the number of
patterns (each one starts a state at every token), so one pattern that may match should
not make all eighty run.

Every pattern names words some of its tokens must be (a required token's ``LOWER``,
``LEMMA``, ``ORTH``, ``TEXT``, ``TAG``, ``POS`` or ``DEP`` value, ``IN`` list or
``REGEX``); a pattern whose required words are not all in a sentence cannot match it.
:class:`GatedMatcher` returns no match without running spaCy when no pattern can match,
and otherwise runs a matcher of only the patterns that can, added in the same order. A
pattern that cannot match adds nothing to spaCy's output and, as each pattern's states
advance on their own, does not move the others' matches, so the matches (and their
order) are the same as the plain ``Matcher``'s.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc

__all__ = ["GatedMatcher", "pattern_requirements"]

#: Token attributes whose required values the gate reads.
_READ_ATTRS = ("LOWER", "LEMMA", "ORTH", "TEXT", "TAG", "POS", "DEP")

#: (attribute, the values one of the text's tokens must have, or a regular expression one of
#: them must contain, as spaCy's ``REGEX`` reads it with ``re.search``).
Requirement = tuple[str, frozenset[str] | re.Pattern[str]]

#: Matchers of pattern subsets kept per gated matcher (least recently used dropped).
_SUBSET_CACHE_SIZE = 512
#: The token attributes gates read, as the columns of one array per Doc (``TEXT`` is ``ORTH``).
_COLUMNS = ("LOWER", "LEMMA", "ORTH", "TAG", "POS", "DEP")
#: Docs whose token array is kept for the sentences after the first (the sentences of a
#: turn, read by several matchers): the last few read, so memory stays flat.
_RECENT_DOCS = 32
_doc_rows: OrderedDict[int, tuple[Doc, Any]] = OrderedDict()

#: Token values and requirement sets whose readings a gated matcher remembers (then it
#: starts over: memory stays bounded).
_MEMO_SIZE = 100_000


def pattern_requirements(pattern: Iterable[Mapping[str, Any]]) -> tuple[Requirement, ...]:
    """What each token of ``pattern`` that every match has says about its words: no ``OP``
    (or ``"+"``), and a string, an ``IN`` list or a ``REGEX`` under ``LOWER``, ``LEMMA``,
    ``ORTH``, ``TEXT``, ``TAG``, ``POS`` or ``DEP``. Empty when no token names its words."""
    out: list[Requirement] = []
    for element in pattern:
        spec = {str(key).upper(): value for key, value in element.items()}
        if spec.get("OP", "1") not in ("1", "+"):
            continue
        for attr in _READ_ATTRS:
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


@dataclass(frozen=True, slots=True)
class _Gate:
    """The requirements of all patterns, compiled to token attribute ids.

    Each distinct requirement is one bit; ``table`` maps a value id to the bits of the
    requirements naming it, ``regexes`` holds the ``REGEX`` requirements (read on the value
    strings), and ``masks[i]`` the bits pattern ``i`` needs (0: it names no words and may
    match anything). The token values of all ``columns`` of :func:`_token_rows` the
    requirements read are looked up together, whatever their attribute: a value meets the
    requirements that name it under any attribute ("be" as a lemma also meets a ``LOWER``
    "be"). That lets a few more patterns run, never fewer, so matches are the same, and
    each distinct value of a sentence is looked up once.
    """

    columns: list[int]
    table: dict[int, int]
    regexes: tuple[tuple[re.Pattern[str], int], ...]
    masks: tuple[int, ...]


def _value_id(attr: str, value: str) -> int:
    """The id spaCy stores for ``value`` of ``attr`` (a POS enum, else the string's hash)."""
    from spacy.parts_of_speech import IDS as POS_IDS
    from spacy.strings import get_string_id

    if attr == "POS":
        return int(POS_IDS.get(value, -1))  # an unknown tag is on no token
    return int(get_string_id(value))


def _token_rows(doclike: Any) -> Any:
    """The :data:`_COLUMNS` ids of every token of a Doc or Span, one row per token.

    Why: one ``Doc.to_array`` reads all of them without a Token object per token and
    attribute (``Span.to_array`` loops in Python and is several times slower). A span's
    rows are cut from its doc's array, which is kept for the doc's other sentences while
    the doc is among the last :data:`_RECENT_DOCS` read: a doc must not be re-annotated
    between calls (the shared parse is final when the dimensions read it; the attribute
    ruler passes whole docs, which are never kept).
    """
    from spacy import attrs

    ids: list[int | str] = [int(getattr(attrs, name)) for name in _COLUMNS]
    if isinstance(doclike, Doc):
        return doclike.to_array(ids)
    doc = doclike.doc
    hit = _doc_rows.get(id(doc))
    if hit is not None and hit[0] is doc:
        _doc_rows.move_to_end(id(doc))
        rows = hit[1]
    else:
        rows = doc.to_array(ids)
        _doc_rows[id(doc)] = (doc, rows)
        if len(_doc_rows) > _RECENT_DOCS:
            _doc_rows.popitem(last=False)
    return rows[doclike.start : doclike.end]


def _compile_gate(requirements: list[tuple[Requirement, ...]]) -> _Gate:
    names: list[str] = []
    bits: dict[tuple[str, Any], int] = {}
    table: dict[int, int] = {}
    regexes: list[tuple[re.Pattern[str], int]] = []
    masks: list[int] = []
    for needs in requirements:
        mask = 0
        for attr, need in needs:
            attr = "ORTH" if attr == "TEXT" else attr
            if attr not in names:
                names.append(attr)
            key = (attr, need if isinstance(need, frozenset) else need.pattern)
            bit = bits.get(key)
            if bit is None:
                bit = bits[key] = 1 << len(bits)
                if isinstance(need, frozenset):
                    for value in need:
                        vid = _value_id(attr, value)
                        table[vid] = table.get(vid, 0) | bit
                else:
                    regexes.append((need, bit))
            mask |= bit
        masks.append(mask)
    return _Gate([_COLUMNS.index(name) for name in names], table, tuple(regexes), tuple(masks))


class GatedMatcher(Matcher):
    """A spaCy ``Matcher`` that runs only the patterns whose required words all occur in
    the text (see the module docstring); it returns what the plain matcher returns."""

    def __init__(self, vocab: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(vocab, *args, **kwargs)
        self._vocab = vocab
        self._fuzzy = kwargs.get("fuzzy_compare")
        self._entries: list[tuple[Any, Any, tuple[Requirement, ...]]] = []
        #: Whether a pattern subset may run alone (not with callbacks or greedy filters,
        #: which read all matches of a key in the full matcher's order).
        self._subsets_ok = True
        self._gate: _Gate | None = None
        self._subsets: OrderedDict[tuple[int, ...], Matcher] = OrderedDict()
        self._reset()

    def add(self, key: Any, patterns: Any, **kwargs: Any) -> None:
        super().add(key, patterns, **kwargs)
        if any(value is not None for value in kwargs.values()):
            self._subsets_ok = False
        self._entries.extend((key, pattern, pattern_requirements(pattern)) for pattern in patterns)
        self._reset()

    def remove(self, key: Any) -> None:
        super().remove(key)
        gone = self._key_id(key)
        self._entries = [entry for entry in self._entries if self._key_id(entry[0]) != gone]
        self._reset()

    def _key_id(self, key: Any) -> int:
        from spacy.strings import get_string_id

        return int(get_string_id(key)) if isinstance(key, str) else int(key)

    def _reset(self) -> None:
        self._gate = None
        self._bits: dict[int, int] = {}  # value id -> requirement bits it meets
        self._chosen: dict[int, tuple[int, ...]] = {}  # bits met -> patterns that may match
        self._subsets.clear()

    def _possible(self, doclike: Any) -> tuple[int, ...]:
        """Indices of the patterns that may match ``doclike`` (a Doc or Span), in order."""
        gate = self._gate
        if gate is None:
            gate = self._gate = _compile_gate([needs for _, _, needs in self._entries])
        met = 0
        if gate.columns and len(doclike):
            known = self._bits
            for value in set(_token_rows(doclike)[:, gate.columns].ravel().tolist()):
                bits = known.get(value)
                if bits is None:
                    bits = self._value_bits(gate, value)
                met |= bits
        chosen = self._chosen.get(met)
        if chosen is None:
            if len(self._chosen) >= _MEMO_SIZE:
                self._chosen.clear()
            chosen = self._chosen[met] = tuple(i for i, mask in enumerate(gate.masks) if mask & met == mask)
        return chosen

    def _value_bits(self, gate: _Gate, value: int) -> int:
        """The requirements a token value meets (those naming it, and the ``REGEX`` ones its
        string matches, as a POS name or any other attribute's string), remembered."""
        bits = gate.table.get(value, 0)
        if gate.regexes:
            texts = self._value_texts(value)
            for regex, bit in gate.regexes:
                if any(regex.search(text) for text in texts):
                    bits |= bit
        if len(self._bits) >= _MEMO_SIZE:
            self._bits.clear()
        self._bits[value] = bits
        return bits

    def _value_texts(self, value: int) -> list[str]:
        """The strings a token attribute id may stand for: its string (``token.lower_``,
        ``token.lemma_``...) and, for a part-of-speech id, its name (``token.pos_``)."""
        from spacy.parts_of_speech import NAMES

        texts = [str(NAMES[value])] if value in NAMES else []
        if value in self._vocab.strings:
            texts.append(str(self._vocab.strings[value]))
        return texts

    def may_match(self, doclike: Any) -> bool:
        """False only when no pattern can match ``doclike`` (a Doc or Span)."""
        return bool(self._possible(doclike))

    def _subset(self, chosen: tuple[int, ...]) -> Matcher:
        """A matcher of only the ``chosen`` patterns, added in this matcher's order."""
        matcher = self._subsets.get(chosen)
        if matcher is not None:
            self._subsets.move_to_end(chosen)
            return matcher
        extra = {} if self._fuzzy is None else {"fuzzy_compare": self._fuzzy}
        matcher = Matcher(self._vocab, validate=False, **extra)  # validated when added here
        for i in chosen:
            key, pattern, _ = self._entries[i]
            matcher.add(key, [pattern])
        self._subsets[chosen] = matcher
        if len(self._subsets) > _SUBSET_CACHE_SIZE:
            self._subsets.popitem(last=False)
        return matcher

    def __call__(self, doclike: Any, *args: Any, **kwargs: Any) -> Any:
        chosen = self._possible(doclike)
        if not chosen:
            return []
        if len(chosen) == len(self._entries) or not self._subsets_ok:
            return super().__call__(doclike, *args, **kwargs)
        return self._subset(chosen)(doclike, *args, **kwargs)

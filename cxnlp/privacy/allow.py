"""What is never a person's name: the allow-list, and the test a named entity must pass.

spaCy's small English model tags many capitalised words as PERSON: the company in "thank
you for calling Kestrel Connect", a unit ("300 Mbps"), a reference ("REF41853"), a word
that only starts a sentence. Redacting those makes evidence unreadable and protects no
one. So a PERSON entity from the model is kept only when it still looks like a name:
title-case words, no digits, not glued to digits, not a unit or ordinary word of the
allow-list, not overlapping one of the deployment's company or product names, not the
name the call's greeting gives the company. Names found from cues (self-introductions,
titles, metadata) are not judged here: the cue is the evidence, except that a phrase a
cue takes ("this is Acme Bank", "you're speaking with acme bank") that ends in a company
word (``org_words``: bank, insurance, telecom ...) or is the company the greeting named
is the company, not a person (:meth:`AllowList.names_company`); and the capitalised phrase
right after a name a cue found, joined by ``org_after_name`` ("this is Jane from
Brightwave") is the speaker's company (:meth:`AllowList.org_after`).

The lists live in ``cxnlp/resources/privacy_allow.yaml``; a deployment passes its own
copy (``Redactor(allow=...)``, ``Scorer(privacy_allow=...)``, ``--privacy-allow FILE``),
whose hash goes into the scorer's configuration id.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxnlp.resource_files import read_yaml_resource

RESOURCE = "privacy_allow.yaml"
#: Every field an allow-list may have: a misspelt one ("term:") is refused, not ignored.
FIELDS = ("version", "terms", "words", "org_before", "org_fillers", "org_after_name", "org_words")
#: Possessive endings taken off a phrase's last word ("Acme Bank's fraud line").
_POSSESSIVE = ("'s", "\u2019s")

_WORD = re.compile(r"[^\s,;:!?()\"“”]+")
#: A name word: a capital then lower-case letters, with inner capitals, apostrophes or
#: hyphens (McDonald, O'Brien, Anne-Marie); a possessive is allowed.
_NAME_WORD = re.compile(r"[A-Z][a-z]+(?:['\-]?[A-Z]?[a-z]+)*(?:'s)?")


#: A letter said three times over ("Sooo"): speech, not a name.
_STRETCHED = re.compile(r"([a-z])\1\1")


class PrivacyAllowError(ValueError):
    """The allow-list file is missing a key or holds a bad entry; the message names it."""


@dataclass(frozen=True)
class AllowList:
    """Compiled allow-list; build with :func:`load_allow_list`."""

    source: str
    sha256: str
    #: Company, brand and product names, any case, several words allowed.
    terms: re.Pattern[str] | None
    #: Single words never a name on their own (lower case).
    words: frozenset[str]
    #: Cue before a capitalised phrase that names the company ("thank you for calling").
    org_before: re.Pattern[str] | None
    #: Words that end a company's name, never a person's ("bank", "insurance"), lower case.
    org_words: frozenset[str] = frozenset()
    #: Matched right after a self-introduced name: " from Brightwave" of "this is Jane from
    #: Brightwave" (group ``org``).
    org_after_name: re.Pattern[str] | None = None

    def term_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self.terms.finditer(text)] if self.terms else []

    def org_names(self, text: str) -> list[str]:
        """Company names a greeting gives ("thank you for calling Kestrel Connect" ->
        "kestrel connect"), lower-cased."""
        if self.org_before is None:
            return []
        return [m.group("org").lower() for m in self.org_before.finditer(text)]

    def org_after(self, text: str, end: int) -> str | None:
        """The company a speaker names right after their own name, which ends at ``end``
        ("this is Jane| from Brightwave" -> "brightwave"), lower-cased; None when none."""
        if self.org_after_name is None:
            return None
        m = self.org_after_name.match(text, end)
        return m.group("org").lower() if m else None

    def names_company(self, phrase: str, orgs: frozenset[str] | set[str] = frozenset()) -> bool:
        """Is ``phrase`` (a span a name cue took) a company rather than a person?

        Yes when its last word is one of ``org_words`` ("Acme Bank", "acme bank's"), or the
        whole phrase is one of ``terms`` or a company the call's greeting named (``orgs``,
        lower case). A phrase that only shares words with one ("Sarah" of "acme bank
        sarah") is not.
        """
        words = phrase.lower().split()
        if not words:
            return False
        for ending in _POSSESSIVE:
            words[-1] = words[-1].removesuffix(ending)
        whole = " ".join(words)
        return (
            words[-1].strip(".,'-") in self.org_words
            or whole in orgs
            or (self.terms is not None and self.terms.fullmatch(whole) is not None)
        )


def load_allow_list(path: str | Path | None = None) -> AllowList:
    """The packaged allow-list (``path`` None, cached) or a deployment's own file.

    Raises :class:`PrivacyAllowError` with one line naming the file (and the field, when
    one is wrong) for a file that cannot be read, is not YAML or does not fit the shape.
    """
    if path is None:
        return _packaged()
    try:
        loaded = read_yaml_resource(RESOURCE, path, PrivacyAllowError)
    except OSError as exc:
        raise PrivacyAllowError(
            f"Got privacy allow-list {str(path)!r}, which cxnlp cannot read ({exc.strerror or exc}); "
            f"expected a readable YAML file shaped like cxnlp/resources/{RESOURCE}. Check the path."
        ) from None
    return _compile(*loaded)


@functools.cache
def _packaged() -> AllowList:
    return _compile(*read_yaml_resource(RESOURCE, None, PrivacyAllowError))


def _strings(data: dict[str, Any], key: str, source: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PrivacyAllowError(
            f"{source}: Got {key!r} = {str(value)[:60]!r}; expected a list of non-empty strings."
        )
    return [v.strip() for v in value]


def _phrases(words: list[str]) -> str:
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


def _compile(data: Any, source: str, sha256: str) -> AllowList:
    if not isinstance(data, dict):
        raise PrivacyAllowError(
            f"{source}: Got {type(data).__name__}; expected a mapping with 'terms' and 'words'."
        )
    unknown = sorted(str(k) for k in data if k not in FIELDS)
    if unknown:
        raise PrivacyAllowError(
            f"{source}: Got unknown field {unknown[0]!r}; expected only {', '.join(FIELDS)}. "
            "Check its spelling."
        )
    terms = _strings(data, "terms", source)
    org_before = _strings(data, "org_before", source)
    org_name = r"(?P<org>[A-Z][\w&'\-]*(?:[ \t]+[A-Z][\w&'\-]*){0,3})"
    fillers = _strings(data, "org_fillers", source)
    filler = rf"(?:[ \t]*,?[ \t]+(?i:{_phrases(fillers)})[ \t]*,?)*" if fillers else ""
    after_name = _strings(data, "org_after_name", source)
    return AllowList(
        source=source,
        sha256=sha256,
        terms=re.compile(rf"(?<!\w)(?:{_phrases(terms)})(?!\w)", re.IGNORECASE) if terms else None,
        words=frozenset(w.lower() for w in _strings(data, "words", source)),
        org_words=frozenset(w.lower() for w in _strings(data, "org_words", source)),
        org_before=(
            re.compile(rf"(?i:\b(?:{_phrases(org_before)})){filler}[ \t]*,?[ \t]+{org_name}")
            if org_before
            else None
        ),
        org_after_name=(
            re.compile(rf"[ \t]*,?[ \t]+(?i:{_phrases(after_name)}){filler}[ \t]*,?[ \t]+{org_name}")
            if after_name
            else None
        ),
    )


def name_parts(
    text: str,
    start: int,
    end: int,
    allow: AllowList,
    stop_words: frozenset[str],
    orgs: frozenset[str] = frozenset(),
) -> list[tuple[int, int]]:
    """The parts of ``text[start:end]`` (a PERSON entity from the model) that look like a
    name: empty when none does.

    The span is widened to whole words, so a word glued to digits ("REF41853") or holding
    one is never a name. Left out too: words that are not title case ("GB", "actually"),
    are in the allow-list's ``words`` or in ``stop_words`` (the patterns' not-a-name
    words), or fall in an allow-list term or a company name of the call (``orgs``):
    "Daniel at Kestrel Connect" keeps "Daniel".
    """
    while start > 0 and not text[start - 1].isspace():  # whole words: "REF" of "REF41853"
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    span = text[start:end]
    blocked = [(a, b) for a, b in allow.term_spans(text) if a < end and start < b]
    org_words = {w for org in orgs for w in org.split()}
    parts: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for m in _WORD.finditer(span):
        a, b = m.start() + start, m.end() + start
        bare = m.group().strip(".'-")
        low = bare.lower().removesuffix("'s")
        ok = (
            _looks_like_name(bare, low, allow, stop_words)
            and low not in org_words
            and not any(x < b and a < y for x, y in blocked)
        )
        if ok:
            lead = len(m.group()) - len(m.group().lstrip(".'-"))
            run.append((a + lead, a + lead + len(bare)))
        elif run:
            parts.append((run[0][0], run[-1][1]))
            run = []
    if run:
        parts.append((run[0][0], run[-1][1]))
    return parts


def _looks_like_name(bare: str, low: str, allow: AllowList, stop_words: frozenset[str]) -> bool:
    """Whether a word (``bare``: without edge punctuation; ``low``: lower-cased, without a
    possessive) may be part of a name by its own letters: title case, not stretched, not an
    allow-list word nor one of ``stop_words``."""
    return (
        bool(_NAME_WORD.fullmatch(bare))
        and not _STRETCHED.search(low)
        and low not in allow.words
        and low not in stop_words
    )


def may_have_name_parts(text: str, allow: AllowList, stop_words: frozenset[str]) -> bool:
    """Whether :func:`name_parts` could keep anything of a named entity in ``text``, with
    these ``stop_words`` and any company names: some word of ``text`` looks like a name
    (:func:`_looks_like_name`) outside the allow-list's terms.

    Why: spaCy's named entities are the slow part of redaction. The parts of an entity are
    words of ``text`` (the entity widened to whole words cuts no word), each judged as here
    and also against the call's company names, so where no word passes, every entity the
    model could find is dropped whole and the model need not run.
    """
    blocked: list[tuple[int, int]] | None = None
    for m in _WORD.finditer(text):
        bare = m.group().strip(".'-")
        if not _looks_like_name(bare, bare.lower().removesuffix("'s"), allow, stop_words):
            continue
        if blocked is None:
            blocked = allow.term_spans(text)
        a, b = m.span()
        if not any(x < b and a < y for x, y in blocked):
            return True
    return False

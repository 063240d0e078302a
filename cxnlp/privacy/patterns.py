"""The redaction patterns: ``cxnlp/resources/privacy_patterns.yaml`` read and compiled once.

Word lists and regular expressions live in that file, not here, so a deployment can
extend them (its own copy, passed as ``patterns=``) without touching code. This module
only turns the lists into compiled expressions and checks the file's shape.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxnlp.resource_files import read_yaml_resource

RESOURCE = "privacy_patterns.yaml"


class PrivacyPatternsError(ValueError):
    """The patterns file is missing a key or holds a bad expression; the message names it."""


def _alternation(words: list[str]) -> str:
    """``words`` as one regex alternation, longest first; a word with regex syntax is kept as is."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(
        w if any(c in w for c in "\\[(") else re.escape(w).replace(r"\ ", r"\s+") for w in ordered
    )


@dataclass(frozen=True)
class PrivacyPatterns:
    """Compiled redaction patterns; build with :func:`load_patterns`."""

    source: str
    sha256: str
    placeholder: str
    entities: tuple[str, ...]
    always_removed: frozenset[str]
    digit_words: dict[str, str]
    teen_words: dict[str, str]
    tens_words: dict[str, str]
    repeat_words: dict[str, int]
    context: dict[str, re.Pattern[str]]
    context_window: int
    name_cue: re.Pattern[str]
    name_cue_capitalised: re.Pattern[str]
    name_before_cue: re.Pattern[str]
    title: re.Pattern[str]
    name_max_words: int
    not_name_words: frozenset[str]
    address: re.Pattern[str]
    #: What every match of ``address`` holds (a street word after a space): the cheap
    #: search that rules out most strings before the slow one.
    address_street: re.Pattern[str]
    uk_postcode: re.Pattern[str]
    us_zip_with_state: re.Pattern[str]
    date: re.Pattern[str]
    spoken_email: re.Pattern[str]
    metadata_keys: dict[str, re.Pattern[str]]
    not_name_capitals: frozenset[str]
    input_placeholder: re.Pattern[str]
    name_placeholder: re.Pattern[str]
    #: Cheap test: can this string hold anything the pattern detectors find?
    trigger: re.Pattern[str]
    #: What every match of ``date`` holds (a digit or a month word), with its flags.
    date_gate: re.Pattern[str]
    #: How every match of ``name_cue``, ``name_cue_capitalised``, ``name_before_cue`` and
    #: ``title`` begins (its cue or title), with their flags.
    name_gate: re.Pattern[str]
    #: Digit, teen, tens and repeat words: what spoken digits are read from.
    number_words: frozenset[str]
    #: How many number words (digit, teen, tens and repeat words) a run of three digits
    #: needs when the text has no digit: 1 when one word can give three digits, else 2.
    run_words_needed: int
    #: How many digit words an IBAN's check digits need when the text has no digit (1 when
    #: one digit word gives two digits, else 2).
    iban_words_needed: int

    def placeholder_for(self, entity: str) -> str:
        return self.placeholder.format(entity=entity)


def load_patterns(path: str | Path | None = None) -> PrivacyPatterns:
    """The packaged patterns (``path`` None, cached) or a deployment's own file."""
    if path is None:
        return _packaged()
    return _compile(*read_yaml_resource(RESOURCE, path, PrivacyPatternsError))


@functools.cache
def _packaged() -> PrivacyPatterns:
    return _compile(*read_yaml_resource(RESOURCE, None, PrivacyPatternsError))


def _need(data: dict[str, Any], key: str, source: str) -> Any:
    if key not in data:
        raise PrivacyPatternsError(f"{source}: Got no {key!r}; expected it (see the packaged {RESOURCE}).")
    return data[key]


def _compile(data: Any, source: str, sha256: str) -> PrivacyPatterns:
    if not isinstance(data, dict):
        raise PrivacyPatternsError(
            f"{source}: Got {type(data).__name__}; expected a mapping of pattern lists."
        )
    need = functools.partial(_need, data, source=source)
    try:
        return _build(data, need, source, sha256)
    except re.error as exc:
        raise PrivacyPatternsError(f"{source}: bad regular expression ({exc}).") from exc


def _build(data: dict[str, Any], need: Any, source: str, sha256: str) -> PrivacyPatterns:
    flags = re.IGNORECASE
    digit_words = {str(k).lower(): str(v) for k, v in need("digit_words").items()}
    teen_words = {str(k).lower(): str(v) for k, v in need("teen_words").items()}
    tens_words = {str(k).lower(): str(v) for k, v in need("tens_words").items()}
    repeat_words = {str(k).lower(): int(v) for k, v in need("repeat_words").items()}
    number_word = _alternation([*digit_words, *teen_words, *tens_words])
    unit = _alternation([w for w, d in digit_words.items() if d != "0"])
    context = {
        entity: re.compile(r"(?<![a-z])(?:" + _alternation(words) + r")(?![a-z])", flags)
        for entity, words in need("context").items()
    }
    not_name = frozenset(w.lower() for w in need("not_name_words")) | frozenset(
        t.lower() for t in need("titles")
    )
    name_word = r"[A-Za-z][A-Za-z'\-]*"
    max_words = int(need("name_max_words"))
    names = rf"(?P<name>{name_word}(?:[ \t]+{name_word}){{0,{max_words - 1}}})"
    name_cue = re.compile(rf"\b(?:{_alternation(need('name_cues'))})[ \t]*[,:]?[ \t]+{names}", flags)
    name_cue_cap = re.compile(
        rf"\b(?:{_alternation(need('name_cues_capitalised'))})[ \t]*[,:]?[ \t]+{names}", flags
    )
    self_intro = "this is|it's|it is|i'm|i am"
    name_before = re.compile(
        rf"\b(?:{self_intro})[ \t]+(?P<name>{name_word}(?:[ \t]+{name_word})?)[ \t]+"
        rf"(?:{_alternation(need('name_cues_after'))})\b",
        flags,
    )
    title = re.compile(rf"\b(?:{_alternation(need('titles'))})\.?[ \t]+(?P<name>{name_word})", flags)
    name_openers = [_alternation(need(key)) for key in ("name_cues", "name_cues_capitalised", "titles")]
    name_gate = re.compile(rf"\b(?:{'|'.join([*name_openers, self_intro])})", flags)
    house = rf"(?:\d{{1,5}}[a-z]?|(?:(?:{number_word})[ \t-]+){{0,2}}(?:{number_word}))"
    street = _alternation(need("street_words"))
    units = _alternation(need("unit_words"))
    address = re.compile(
        rf"(?:\b(?:{units})[ \t]+{house}[ \t]*,?[ \t]*)?\b{house}[ \t]*,?[ \t]+(?:[A-Za-z'\-]+[ \t]+){{1,3}}?"
        rf"(?:{street})\b\.?(?:[ \t]*,[ \t]*[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)?",
        flags,
    )
    address_street = re.compile(rf"[ \t](?:{street})\b", flags)
    months = _alternation(need("month_words"))
    ordinals = _alternation(need("ordinal_words"))
    tens = _alternation(list(tens_words))
    teens = _alternation(list(teen_words))
    spoken_2 = rf"(?:(?:{tens})(?:[ \t-](?:{unit}))?|(?:{teens}))"
    year = (
        rf"(?:\d{{4}}|\d{{2}}|(?:nineteen|twenty)[ \t]+(?:{spoken_2}|(?:oh|o)[ \t]+(?:{unit})|hundred)"
        rf"|two[ \t]+thousand(?:[ \t]+and)?(?:[ \t]+(?:{spoken_2}|{unit}))?|{spoken_2})"
    )
    day = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|(?:twenty|thirty)[ \t-](?:{ordinals})|(?:{ordinals}))"
    date = re.compile(
        rf"\b(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}"
        rf"|{day}[ \t]+(?:of[ \t]+)?(?:{months})\b(?:[ \t]*,?[ \t]*{year})?"
        rf"|(?:{months})[ \t]+(?:the[ \t]+)?{day}(?:[ \t]*,?[ \t]*{year})?"
        rf"|(?:{months})[ \t]+(?:of[ \t]+)?{year}"
        rf"|\d{{1,2}}[/\-]\d{{2,4}})\b",
        flags,
    )
    date_gate = re.compile(rf"\d|(?:{months})", flags)
    # A tens word alone reads as two digits ("twenty": 20).
    word_digits = [len(v) for v in (*digit_words.values(), *teen_words.values())]
    longest_word = max([*word_digits, *(len(v) + 1 for v in tens_words.values())], default=0)
    tlds = _alternation(need("email_spoken_tlds"))
    sep = r"(?:[ \t]*\.[ \t]*|[ \t]+(?:dot|period)[ \t]+)"
    local_sep = r"(?:[ \t]*[._\-][ \t]*|[ \t]+(?:dot|underscore|dash|hyphen)[ \t]+)"
    spoken_email = re.compile(
        rf"\b[a-z0-9]+(?:{local_sep}[a-z0-9]+)*[ \t]+(?:at)[ \t]+"
        rf"[a-z0-9]+(?:{sep}[a-z0-9]+)*{sep}(?:{tlds})\b",
        flags,
    )
    placeholders = [str(p) for p in need("input_placeholders")]
    trigger_words = [
        *digit_words,
        *teen_words,
        *tens_words,
        *need("name_cues"),
        *need("name_cues_capitalised"),
        *need("titles"),
        *need("name_cues_after"),
        "at",
    ]
    trigger = re.compile(r"\d|@|\b(?:" + _alternation(trigger_words) + r")\b|\b[a-z]\s+[a-z]\s+\d", flags)
    entities = tuple(str(e) for e in need("entities"))
    always = frozenset(str(e) for e in need("always_removed"))
    unknown = (always | set(need("context"))) - set(entities) - {"ADDRESS"}
    if unknown:
        raise PrivacyPatternsError(
            f"{source}: Got entities {sorted(unknown)} outside 'entities'; expected them listed there."
        )
    return PrivacyPatterns(
        source=source,
        sha256=sha256,
        placeholder=str(need("placeholder")),
        entities=entities,
        always_removed=always,
        digit_words=digit_words,
        teen_words=teen_words,
        tens_words=tens_words,
        repeat_words=repeat_words,
        context=context,
        context_window=int(need("context_window")),
        name_cue=name_cue,
        name_cue_capitalised=name_cue_cap,
        name_before_cue=name_before,
        title=title,
        name_max_words=max_words,
        not_name_words=not_name,
        address=address,
        address_street=address_street,
        uk_postcode=re.compile(need("uk_postcode"), flags),
        us_zip_with_state=re.compile(need("us_zip_with_state")),
        date=date,
        spoken_email=spoken_email,
        metadata_keys={k: re.compile(v, flags) for k, v in need("metadata_keys").items()},
        not_name_capitals=frozenset(w.lower() for w in need("not_name_capitals")),
        input_placeholder=re.compile("|".join(f"(?:{p})" for p in placeholders)),
        name_placeholder=re.compile(need("name_placeholders")),
        trigger=trigger,
        date_gate=date_gate,
        name_gate=name_gate,
        number_words=frozenset([*digit_words, *teen_words, *tens_words, *repeat_words]),
        run_words_needed=1 if longest_word >= 3 else 2,
        iban_words_needed=1 if max(map(len, digit_words.values()), default=0) >= 2 else 2,
    )

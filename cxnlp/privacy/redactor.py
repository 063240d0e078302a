"""The redactor: personal data out of every string cxnlp writes, at a cost scoring can bear.

Scoring reads the original text in memory; only strings on their way out (score-table
cells, evidence, rejects, store rows, report cells, log lines) go through
:meth:`Redactor.redact`. Presidio costs about 14 ms a sentence on two cores, so:

* each distinct string is analysed once (an LRU cache of its findings); strings seen
  once only (log lines, which carry a request id and a timing) skip the cache
  (``remember=False``), so they neither fill it nor push out the call's sentences;
* a string no pattern could match (no digit, no number word, no name cue, no ``@``...)
  is not analysed at all;
* Presidio's spaCy pass (named entities, the slow part) runs only on strings with a
  capitalised word that could be a name and that an entity could keep (not an allow-list
  word or term: "Wi-Fi", "Mbps"); the others get Presidio's pattern recognisers and
  cxnlp's with tokens only, made when read, which cost well under a millisecond.

What a call reveals in one turn is remembered for its other strings (a
:class:`CallContext`): the security code read out after the agent asked for it in the
previous turn, a name the customer gave once and the agent repeats in lower case.

Card security codes are removed whatever ``enabled`` says (PCI DSS): with redaction off
the redactor still finds them, with its own patterns only, and replaces them.
"""

from __future__ import annotations

import functools
import json
import logging
import numbers
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxnlp.privacy.allow import AllowList, load_allow_list, may_have_name_parts, name_parts
from cxnlp.privacy.detectors import (
    Finding,
    context_findings,
    digit_runs,
    find_all,
    name_findings,
    number_findings,
)
from cxnlp.privacy.patterns import PrivacyPatterns, load_patterns
from cxnlp.privacy.recognizers import presidio_patterns_may_match
from cxnlp.text_location import ASCII_APOSTROPHES

logger = logging.getLogger(__name__)

#: Output columns that never hold personal data and must stay byte-identical (joins,
#: store identity, vectors).
KEEP_COLUMNS: frozenset[str] = frozenset(
    {"transcript_id", "content_hash", "cxnlp_version", "slot_vectors", "config_id", "run_id", "scored_at"}
)
#: Evidence fields that quote the call.
EVIDENCE_TEXT_FIELDS: tuple[str, ...] = ("sentence", "detail")

_CAPITALISED = re.compile(r"(?<![\w'])([A-Z][a-z'\-]+)")
#: Where a capitalised word is only a sentence's (or a quoted fragment's, a table cell's
#: "kind: sentence") first word.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;|]\s+|[“\"(]|\n)\W*$")


#: Quoted text in one of cxnlp's messages: where it quotes the record (``repr`` quotes).
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")


@dataclass(frozen=True)
class Redaction:
    """A redacted string and where each replacement went.

    ``spans`` holds ``(start, end, new_start, new_end, entity)``: the original span and
    its placeholder in ``text``, in order, non-overlapping. :meth:`map_span` carries an
    offset range of the original into the redacted text.
    """

    original: str
    text: str
    spans: tuple[tuple[int, int, int, int, str], ...] = ()

    def map_offset(self, pos: int, *, end: bool = False) -> int:
        """Where original offset ``pos`` lands; inside a redacted span it snaps outward."""
        shift = 0
        for start, stop, new_start, new_stop, _ in self.spans:
            if pos <= start:
                break
            if pos < stop:
                return new_stop if end else new_start
            shift = new_stop - stop
        return pos + shift

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        return self.map_offset(start), self.map_offset(end, end=True)

    def source_offset(self, pos: int, *, end: bool = False) -> int:
        """Where offset ``pos`` of the redacted text came from in the original (the
        inverse of :meth:`map_offset`); inside a placeholder it snaps outward."""
        shift = 0
        for start, stop, new_start, new_stop, _ in self.spans:
            if pos <= new_start:
                break
            if pos < new_stop:
                return stop if end else start
            shift = stop - new_stop
        return pos + shift

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return self.source_offset(start), self.source_offset(end, end=True)


@dataclass
class CallContext:
    """What one call revealed: normalised values (digits, name words) and their entity.

    Built by :meth:`Redactor.call_context` from the whole call, so a string that is only
    a fragment of it ("seven three nine") is still recognised.
    """

    values: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    #: Company names the call's greeting gave ("thank you for calling Kestrel Connect").
    orgs: set[str] = field(default_factory=set)
    _name_re: re.Pattern[str] | None = None

    def name_pattern(self) -> re.Pattern[str] | None:
        if self._name_re is None and self.names:
            words = sorted(self.names, key=len, reverse=True)
            self._name_re = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
        return self._name_re


class Redactor:
    """Replace personal data in text with typed placeholders (``<CREDIT_CARD>``, ``<PERSON>``).

    Parameters
    ----------
    enabled : bool
        Redact every entity of the patterns file. ``False`` still removes card security
        codes (the file's ``always_removed``), nothing else.
    patterns : str, Path or None
        A patterns file of the shape of ``cxnlp/resources/privacy_patterns.yaml``; the
        packaged one when None.
    ner : bool
        Run Presidio's spaCy named-entity pass on strings that may hold a name. ``False``
        keeps to patterns (faster; names are then found only from self-introductions,
        titles and what the call revealed).
    cache_size : int
        Distinct strings whose findings are kept.
    score_threshold : float
        Presidio findings below this confidence are ignored.
    allow : str, Path or None
        An allow-list of the shape of ``cxnlp/resources/privacy_allow.yaml`` (company,
        brand and product names, units, ordinary words: never a person's name); the
        packaged one when None.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        patterns: str | Path | None = None,
        ner: bool = True,
        cache_size: int = 100_000,
        score_threshold: float = 0.4,
        allow: str | Path | None = None,
    ):
        self.enabled = enabled
        self.patterns = patterns
        self.ner = ner
        self.cache_size = cache_size
        self.score_threshold = score_threshold
        self.allow = allow

    # resources -----------------------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "patterns": None if self.patterns is None else str(self.patterns),
            "ner": self.ner,
            "cache_size": self.cache_size,
            "score_threshold": self.score_threshold,
            "allow": None if self.allow is None else str(self.allow),
        }

    def fingerprint(self) -> dict[str, Any]:
        """Parameters plus the patterns and allow-list files' hashes: what decides what is written."""
        return {
            **self.get_params(),
            "patterns_sha256": self.patterns_.sha256,
            "allow_sha256": self.allow_.sha256,
        }

    @property
    def patterns_(self) -> PrivacyPatterns:
        compiled = self.__dict__.get("_patterns")
        if compiled is None:
            compiled = self.__dict__["_patterns"] = load_patterns(self.patterns)
        return compiled

    @property
    def allow_(self) -> AllowList:
        compiled = self.__dict__.get("_allow")
        if compiled is None:
            compiled = self.__dict__["_allow"] = load_allow_list(self.allow)
        return compiled

    @property
    def analyzer_(self) -> Any:
        engine = self.__dict__.get("_analyzer")
        if engine is None:
            from cxnlp.privacy.recognizers import build_analyzer

            engine = self.__dict__["_analyzer"] = build_analyzer(self.patterns_)
        return engine

    @property
    def anonymizer_(self) -> Any:
        engine = self.__dict__.get("_anonymizer")
        if engine is None:
            from presidio_anonymizer import AnonymizerEngine

            engine = self.__dict__["_anonymizer"] = AnonymizerEngine()
        return engine

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _cache(self) -> OrderedDict[str, tuple[Finding, ...]]:
        cache = self.__dict__.get("_findings")
        if cache is None:
            cache = self.__dict__["_findings"] = OrderedDict()
        return cache

    # analysis ------------------------------------------------------------------------

    def call_context(self, texts: Sequence[str] | Any, *, names: Iterable[str] = ()) -> CallContext:
        """What a call reveals, from its turns in order (strings or a ``Transcript``).

        Each turn is read with the end of the previous turn as context, so "seven three
        nine" after "what's the security code on the back?" is a security code. Pattern
        detectors only: no Presidio pass over whole calls.
        """
        if hasattr(texts, "turns"):
            meta = getattr(texts, "metadata", {}) or {}
            extra = [
                v
                for k, v in meta.items()
                if isinstance(v, str)
                and self.patterns_.metadata_keys.get("PERSON", re.compile("^$")).search(k)
            ]
            names = [*names, *extra]
            texts = [t.text for t in texts.turns]
        p = self.patterns_
        context = CallContext()
        previous = ""
        for said in texts:
            text = said.translate(ASCII_APOSTROPHES)
            if self.enabled:
                found = context_findings(text, p, prefix=previous[-p.context_window :])
                context.orgs.update(self._org_names(text, found))
            else:
                found = number_findings(text, p, prefix=previous[-p.context_window :])
            for finding in found:
                if finding.entity == "PERSON" and self.allow_.names_company(finding.value, context.orgs):
                    # "this is Acme Bank calling": the company, not a name to look for.
                    context.orgs.add(" ".join(finding.value.split()).removesuffix("'s"))
                elif finding.entity == "PERSON" and finding.score >= 0.85:
                    context.names.update(w for w in finding.value.split() if len(w) > 1)
                elif finding.value.isdigit() and (self.enabled or finding.entity in p.always_removed):
                    context.values.setdefault(finding.value, finding.entity)
            previous = text
        if self.enabled:
            for name in names:
                context.names.update(
                    w.strip(".,").lower()
                    for w in str(name).split()
                    if len(w.strip(".,")) > 1 and w.strip(".,").lower() not in p.not_name_words
                )
        return context

    def findings(
        self, text: str, context: CallContext | None = None, *, remember: bool = True
    ) -> list[Finding]:
        """Non-overlapping findings in ``text`` (only the always-removed ones when disabled).

        ``remember=False`` analyses ``text`` without keeping it in the cache (a string that
        will not come again); a cached analysis is still used."""
        if not text:
            return []
        # "it’s Priya speaking": read with ASCII apostrophes, as the patterns are written;
        # one character for one, so the offsets hold in the text as given.
        text = text.translate(ASCII_APOSTROPHES)
        found = list(self._string_findings(text, remember=remember))
        if context is not None and context.orgs:
            orgs = frozenset(context.orgs)
            found = [
                Finding(a, b, f.entity, text[a:b].lower(), f.score, f.source)
                for f in found
                for a, b in (
                    name_parts(text, f.start, f.end, self.allow_, frozenset(), orgs)
                    if f.source == "ner"
                    else [(f.start, f.end)]
                )
            ]
        if context is not None:
            found.extend(self._context_findings(text, context))
        greeted = context.orgs if context is not None else set()
        found = [
            f
            for f in found
            if not (f.entity == "PERSON" and self.allow_.names_company(text[f.start : f.end], greeted))
        ]
        if not self.enabled:
            found = [f for f in found if f.entity in self.patterns_.always_removed]
        return _resolve(found, self.patterns_.always_removed)

    def _string_findings(self, text: str, *, remember: bool = True) -> tuple[Finding, ...]:
        cache = self._cache()
        hit = cache.get(text)
        if hit is not None:
            cache.move_to_end(text)
            return hit
        findings = tuple(self._analyze(text))
        return self._remember(text, findings) if remember else findings

    def _remember(self, text: str, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
        """Cache ``findings`` for ``text``, dropping the least recently used beyond ``cache_size``."""
        cache = self._cache()
        cache[text] = findings
        while len(cache) > self.cache_size:
            cache.popitem(last=False)
        return findings

    def prefetch(self, texts: Iterable[str]) -> None:
        """Analyse many strings at once into the cache: those that need named-entity
        recognition go through the spaCy pipeline in one ``nlp.pipe`` pass instead of one
        call each, which is most of what redaction costs."""
        if not self.enabled or not self.ner:
            return
        cache = self._cache()
        ascii_texts = (t.translate(ASCII_APOSTROPHES) for t in texts)
        todo = [
            t
            for t in dict.fromkeys(ascii_texts)
            if t and t not in cache and self._may_hold_name(t) and self._entities_may_count(t)
        ]
        if not todo:
            return
        engine = self.analyzer_.nlp_engine
        for text, artifacts in engine.process_batch(todo, language="en", batch_size=256):
            self._remember(text, tuple(self._analyze(text, artifacts)))

    def _analyze(self, text: str, artifacts: Any = None) -> list[Finding]:
        p = self.patterns_
        if not self.enabled:
            return number_findings(text, p) if p.trigger.search(text) else []
        needs_ner = self.ner and self._may_hold_name(text)
        if not needs_ner and not p.trigger.search(text):
            return []
        if not needs_ner and not re.search(r"\d|@", text):
            return find_all(text, p)  # nothing Presidio's own patterns could add
        if not needs_ner and not presidio_patterns_may_match(text) and not find_all(text, p):
            return []  # no recogniser of the analyzer would find anything
        if artifacts is None and not needs_ner:
            artifacts = self._blank_artifacts(text)
        elif artifacts is None and not self._entities_may_count(text):
            artifacts = self._token_artifacts(text)
        results = self.analyzer_.analyze(
            text,
            language="en",
            entities=[*p.entities, "EMAIL_ADDRESS", "IBAN_CODE"],
            score_threshold=self.score_threshold,
            nlp_artifacts=artifacts,
        )
        out: list[Finding] = []
        stop = p.not_name_words | p.not_name_capitals
        orgs = frozenset(self._org_names(text, name_findings(text, p)))
        for r in results:
            if (r.recognition_metadata or {}).get("recognizer_name") != "SpacyRecognizer":
                out.append(Finding(r.start, r.end, r.entity_type, text[r.start : r.end].lower(), r.score))
                continue
            # spaCy's PERSON: only the parts that look like a name (cxnlp.privacy.allow)
            for start, end in name_parts(text, r.start, r.end, self.allow_, stop, orgs):
                out.append(Finding(start, end, r.entity_type, text[start:end].lower(), r.score, "ner"))
        return out

    def _org_names(self, text: str, found: Iterable[Finding]) -> list[str]:
        """Company names ``text`` gives: after a greeting ("thank you for calling Kestrel
        Connect") or right after a name a cue found ("this is Jane from Brightwave")."""
        orgs = self.allow_.org_names(text)
        for f in found:
            if f.entity == "PERSON" and f.source != "ner":
                org = self.allow_.org_after(text, f.end)
                if org is not None:
                    orgs.append(org)
        return orgs

    def _may_hold_name(self, text: str) -> bool:
        """A capitalised word that is not a sentence's first word (unless a vocative) nor a stock word."""
        p = self.patterns_
        for m in _CAPITALISED.finditer(text):
            word = m.group(1).lower()
            if word in p.not_name_capitals or word in p.not_name_words:
                continue
            if _SENTENCE_START.search(text[: m.start()]) and not text[m.end() : m.end() + 1] == ",":
                continue
            return True
        return False

    def _entities_may_count(self, text: str) -> bool:
        """Whether spaCy's named entities could change what is found in ``text`` (one that
        :meth:`_may_hold_name`): a word of it could be kept as a name
        (:func:`~cxnlp.privacy.allow.may_have_name_parts`), or cxnlp's detectors find a name
        in it, which Presidio drops when an entity of the model covers it with an equal or
        higher score. Otherwise the model's entities are all dropped and affect nothing
        else, so the text is analysed without them (:meth:`_token_artifacts`): same
        findings, no model pass. Entities of the model are read by its PERSON recogniser
        only; the other recognisers read the tokens and lemmas, which stay the same."""
        p = self.patterns_
        if may_have_name_parts(text, self.allow_, p.not_name_words | p.not_name_capitals):
            return True
        return any(f.entity == "PERSON" for f in find_all(text, p))

    def _token_artifacts(self, text: str) -> Any:
        """Presidio NLP artifacts as its spaCy pass makes them, without the named entities:
        the same pipeline's tokenizer, each token's lower-cased form as its lemma (what
        ``cxnlp_lower_lemmas`` sets in that pass)."""
        engine = self.analyzer_.nlp_engine
        return _lazy_artifacts_class()(text, engine.nlp["en"].make_doc, engine)

    def _blank_artifacts(self, text: str) -> Any:
        """Presidio NLP artifacts from a blank tokenizer: enough for its context words, no NER."""
        nlp = self.__dict__.get("_blank")
        if nlp is None:
            import spacy

            nlp = self.__dict__["_blank"] = spacy.blank("en")
        return _lazy_artifacts_class()(text, nlp, self.analyzer_.nlp_engine)

    def _context_findings(self, text: str, context: CallContext) -> list[Finding]:
        out: list[Finding] = []
        if context.values and self.patterns_.trigger.search(text):
            for run in digit_runs(text, self.patterns_):
                for value, entity in context.values.items():
                    if value in run.digits:
                        out.append(Finding(run.start, run.end, entity, run.digits))
                        break
        pattern = context.name_pattern() if self.enabled else None
        if pattern is not None:
            out.extend(
                Finding(m.start(), m.end(), "PERSON", m.group().lower()) for m in pattern.finditer(text)
            )
        return out

    # redaction -----------------------------------------------------------------------

    def redact_text(
        self, text: str, context: CallContext | None = None, *, remember: bool = True
    ) -> Redaction:
        """``text`` with each finding replaced by its placeholder, and the offset map
        (``remember``: see :meth:`findings`)."""
        return self._replace(text, self.findings(text, context, remember=remember))

    def _replace(self, text: str, found: Sequence[Finding]) -> Redaction:
        """``text`` with each of ``found`` replaced by its placeholder, and the offset map."""
        if not found:
            return Redaction(text, text)
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        p = self.patterns_
        operators = {
            f.entity: OperatorConfig("replace", {"new_value": p.placeholder_for(f.entity)}) for f in found
        }
        result = self.anonymizer_.anonymize(
            text=text,
            analyzer_results=[RecognizerResult(f.entity, f.start, f.end, 1.0) for f in found],
            operators=operators,
            merge_entities_with_spaces=False,
        )
        spans = []
        shift = 0
        for f in found:
            new = p.placeholder_for(f.entity)
            spans.append((f.start, f.end, f.start + shift, f.start + shift + len(new), f.entity))
            shift += len(new) - (f.end - f.start)
        return Redaction(text, result.text, tuple(spans))

    def redact(self, text: Any, context: CallContext | None = None, *, remember: bool = True) -> Any:
        """``text`` redacted; anything that is not a non-empty string is returned as is
        (``remember``: see :meth:`findings`)."""
        if not isinstance(text, str) or not text:
            return text
        return self.redact_text(text, context, remember=remember).text

    def redact_evidence(self, blob: str, context: CallContext | None = None) -> str:
        """The ``evidence`` JSON column redacted; each ``span`` stays the substring of its
        sentence it was, carried through the sentence's offset map."""
        try:
            items = json.loads(blob)
        except (TypeError, json.JSONDecodeError):
            return self.redact(blob, context)
        if not isinstance(items, list):
            return self.redact(blob, context)
        out = []
        for item in items:
            if not isinstance(item, dict):
                out.append(item)
                continue
            item = dict(item)
            sentence = item.get("sentence")
            span = item.get("span")
            if isinstance(sentence, str):
                redaction = self.redact_text(sentence, context)
                item["sentence"] = redaction.text
                if isinstance(span, str) and span:
                    at = sentence.find(span)
                    if at >= 0:
                        start, end = redaction.map_span(at, at + len(span))
                        item["span"] = redaction.text[start:end]
                    else:
                        item["span"] = self.redact(span, context)
            elif isinstance(span, str):
                item["span"] = self.redact(span, context)
            if isinstance(item.get("detail"), str):
                item["detail"] = self.redact(item["detail"], context)
            out.append(item)
        return json.dumps(out, ensure_ascii=False)

    def redact_record(
        self,
        record: Mapping[str, Any],
        *,
        context: CallContext | None = None,
        keep: Iterable[str] = KEEP_COLUMNS,
    ) -> dict[str, Any]:
        """A row with every text value redacted (``keep`` columns and non-strings untouched).

        A metadata column whose name says it is personal data (``customer_name``,
        ``email``, ``phone``... see ``metadata_keys``) is replaced whole when redaction
        is on.
        """
        keep = frozenset(keep)
        p = self.patterns_
        out: dict[str, Any] = {}
        for key, value in record.items():
            if key not in keep and (entity := self._column_entity(key)) is not None and _has_value(value):
                out[key] = p.placeholder_for(entity)  # a number too: a card_number of digits
            elif key in keep or not isinstance(value, str) or not value:
                out[key] = value
            elif key == "evidence":
                out[key] = self.redact_evidence(value, context)
            else:
                out[key] = self.redact(value, context)
        return out

    def _column_entity(self, key: Any) -> str | None:
        """The entity a metadata column's name says its values are (``customer_name``,
        ``cvv``), when that column is replaced whole: with redaction on, or for a security
        code whatever ``enabled`` says."""
        entity = _key_entity(str(key), self.patterns_)
        if entity is None or not (self.enabled or entity in self.patterns_.always_removed):
            return None
        return entity

    def redact_message(self, text: Any, *, remember: bool = False) -> Any:
        """One of cxnlp's own messages (a reject's reason, a log line) redacted.

        Such a message quotes record content (``Got speaker 'Olivia Kowalski'``) inside
        cxnlp's own wording. Every pattern finding is replaced wherever it is; a name found
        only by spaCy's model is replaced inside quoted text (``'...'``, ``"..."``) alone,
        so the wording is never read as a name ("not valid Unicode" stays)."""
        if not isinstance(text, str) or not text:
            return text
        quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
        found = [
            f
            for f in self.findings(text, remember=remember)
            if f.source != "ner" or any(a < f.end and f.start < b for a, b in quoted)
        ]
        return self._replace(text, found).text

    def redact_reject(self, reject: Any) -> Any:
        """A :class:`~cxnlp.model.Reject` whose reason (which may quote the record) is
        redacted (:meth:`redact_message`)."""
        from dataclasses import replace

        return replace(reject, reason=self.redact_message(reject.reason))

    def redact_frame(self, frame: Any, *, keep: Iterable[str] = KEEP_COLUMNS) -> Any:
        """A copy of a DataFrame with every text cell redacted (``keep`` columns untouched)."""
        keep = frozenset(keep)
        out = frame.copy()
        p = self.patterns_
        for column in out.columns:
            if column in keep:
                continue
            if (entity := self._column_entity(column)) is not None:
                out[column] = [p.placeholder_for(entity) if _has_value(v) else v for v in out[column]]
                continue
            if out[column].dtype.kind not in "OSU":
                continue
            if column == "evidence":
                out[column] = [self.redact_evidence(v) if isinstance(v, str) else v for v in out[column]]
            else:
                out[column] = [self.redact(v) for v in out[column]]
        return out


@functools.cache
def _lazy_artifacts_class() -> type:
    """Presidio's ``NlpArtifacts`` with no entities, whose text is tokenized only when read.

    Why: of what the analyzer runs, only its context enhancer reads the tokens, lemmas and
    keywords, and only for a result of a recogniser with context words (a phone number, a
    card); most strings give none, and tokenizing them and finding their keywords was a
    tenth of writing the rows. Read, they are what the eager artifacts held: the tokens,
    their offsets, each one's lower-cased form as lemma, Presidio's keywords of those."""
    from presidio_analyzer.nlp_engine import NlpArtifacts

    class LazyArtifacts(NlpArtifacts):
        def __init__(self, text: str, tokenize: Any, nlp_engine: Any):  # no eager tokens
            self.entities: list[Any] = []
            self.scores: list[float] = []
            self.nlp_engine = nlp_engine
            self._text, self._tokenize = text, tokenize

        @functools.cached_property
        def tokens(self) -> Any:  # type: ignore[override]
            return self._tokenize(self._text)

        @functools.cached_property
        def tokens_indices(self) -> list[int]:  # type: ignore[override]
            return [t.idx for t in self.tokens]

        @functools.cached_property
        def lemmas(self) -> list[str]:  # type: ignore[override]
            return [t.lower_ for t in self.tokens]

        @functools.cached_property
        def keywords(self) -> list[str]:  # type: ignore[override]
            return list(NlpArtifacts.set_keywords(self.nlp_engine, self.lemmas, "en"))

    return LazyArtifacts


def _has_value(value: Any) -> bool:
    """A value a personal-data column would show: a non-empty string or a number (not
    None, NaN, a bool or a nested object, which the string redaction reads instead)."""
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, bool) or type(value).__name__ == "bool_" or not isinstance(value, numbers.Number):
        return False  # numbers.Number: numpy's integers from a frame's column too
    return bool(value == value)  # NaN is no value


def _key_entity(key: str, p: PrivacyPatterns) -> str | None:
    """The entity a metadata column holds, from its name; camelCase read as snake_case
    ('customerEmail' is 'customer_email', 'billingZip' is 'billing_zip')."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()
    for entity, pattern in p.metadata_keys.items():
        if pattern.search(key) or pattern.search(snake):
            return entity
    return None


def _resolve(found: list[Finding], priority: frozenset[str]) -> list[Finding]:
    """Non-overlapping findings, in order: the longer span wins an overlap, but no finding
    is ever left partly visible (a name span that swallowed a card's first digits must not
    leave the rest of the card): a finding no chosen span covers whole absorbs the spans
    it overlaps, under its own entity if it is always removed (a security code), else
    under the entity of the longest span it joins."""
    ranked = sorted(found, key=lambda f: (-(f.end - f.start), f.entity not in priority, -f.score, f.start))
    chosen: list[Finding] = []
    for f in ranked:
        if f.end > f.start and all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    for f in found:
        if f.end <= f.start or any(c.start <= f.start and f.end <= c.end for c in chosen):
            continue
        overlapping = [c for c in chosen if not (f.end <= c.start or f.start >= c.end)]
        start = min([f.start, *(c.start for c in overlapping)])
        end = max([f.end, *(c.end for c in overlapping)])
        longest = max([f, *overlapping], key=lambda c: c.end - c.start)
        keep = f if f.entity in priority else longest
        chosen = [c for c in chosen if c not in overlapping] + [Finding(start, end, keep.entity, keep.value)]
    chosen.sort(key=lambda f: f.start)
    return chosen


_DEFAULTS: dict[tuple[bool, str | None], Redactor] = {}


def default_redactor(enabled: bool = True, allow: str | Path | None = None) -> Redactor:
    """One shared redactor per setting (and allow-list file), so its cache and Presidio
    engines are built once."""
    key = (enabled, None if allow is None else str(allow))
    if key not in _DEFAULTS:
        _DEFAULTS[key] = Redactor(enabled=enabled, allow=allow)
    return _DEFAULTS[key]


def redact_record(
    record: Mapping[str, Any],
    *,
    transcript: Any = None,
    redactor: Redactor | None = None,
) -> dict[str, Any]:
    """A row (score-table row, service response, store row) redacted for writing.

    ``transcript`` (the call the row is about) lets what the call revealed anywhere be
    recognised in the row's fragments. Uses the shared default redactor when None.
    """
    redactor = redactor or default_redactor()
    context = redactor.call_context(transcript) if transcript is not None else None
    return redactor.redact_record(record, context=context)


def redact_frame(frame: Any, *, redactor: Redactor | None = None) -> Any:
    """A DataFrame with every text cell redacted (the default redactor when None)."""
    return (redactor or default_redactor()).redact_frame(frame)

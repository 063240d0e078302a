"""A dimension's word lists and prototype sentences, read from a packaged YAML file.

Words and example sentences are data, not code: a contact centre adds its own product
verbs, boilerplate or closing phrases without touching cxnlp. Each dimension that reads
such lists declares its file with a :class:`LexiconSpec` (``completeness_lexicon.yaml``,
``proactive_lexicon.yaml``, ``filler_lexicon.yaml``, ``brand_lexicon.yaml``, and the
packaged ``filler_words.yaml`` the parse reads, under ``cxnlp/resources/``): a version and
the fields the file must hold, each of one kind:

``words``
    Single words or lemmas, lower-cased into a set (membership tests, ``Matcher`` lists).
``phrases``
    Phrases written as spaCy's English tokenizer splits them ("how 's it going"), kept
    as tuples of lower-cased words in file order.
``sentences``
    Prototype sentences, kept as written and in file order (they are embedded and
    compared by meaning).
``labelled``
    Prototype sentences by label (a mapping); the labels a dimension knows are listed in
    :attr:`LexiconSpec.labels`.
``count``
    A positive whole number that goes with the lists (the speech segmenter's
    ``min_words``, for instance).

A deployment copies a file, edits it and passes its path to the dimension; the file's
SHA-256 (:attr:`Lexicon.digest`) enters the scorer's configuration id, like the brand
profile's and the reply lexicon's. A copy of an older version keeps loading: the fields
added since (:attr:`LexiconSpec.added_in`) come from the packaged file, with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from cxnlp.resource_files import added_since, read_yaml_resource

logger = logging.getLogger(__name__)

FieldKind = Literal["words", "phrases", "sentences", "labelled", "count"]


class LexiconError(ValueError):
    """A lexicon file is not UTF-8 YAML, lacks a field or has one of the wrong type."""


@dataclass(frozen=True)
class LexiconSpec:
    """What one lexicon file holds: its packaged name, version and fields by kind.

    ``labels`` lists, per ``labelled`` field, the labels the dimension reads; ``added_in``
    maps a version to the fields it added; ``renamed`` maps an added field to the field
    an older version held in its place (a copy of that version is read under the old
    name); ``moved`` maps a field an older version held to where it lives now (a copy that
    still has it loads, with a warning that the field is no longer read there);
    ``parameter`` says how a dimension takes a deployment's copy (quoted in messages).
    """

    resource: str
    version: int
    fields: Mapping[str, FieldKind]
    parameter: str
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    added_in: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    renamed: Mapping[str, str] = field(default_factory=dict)
    moved: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Lexicon:
    """The fields of one lexicon file by kind; ``digest`` is the SHA-256 of its bytes."""

    source: str
    digest: str
    words: Mapping[str, frozenset[str]]
    phrases: Mapping[str, tuple[tuple[str, ...], ...]]
    sentences: Mapping[str, tuple[str, ...]]
    labelled: Mapping[str, Mapping[str, tuple[str, ...]]]
    count: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as plain dicts (read-only views do not pickle), so a Scorer holding a
        lexicon can go to the nightly batch's worker processes."""
        return (
            _rebuild_lexicon,
            (
                self.source,
                self.digest,
                dict(self.words),
                dict(self.phrases),
                dict(self.sentences),
                {name: dict(labels) for name, labels in self.labelled.items()},
                dict(self.count),
            ),
        )


def _rebuild_lexicon(
    source: str,
    digest: str,
    words: dict[str, frozenset[str]],
    phrases: dict[str, tuple[tuple[str, ...], ...]],
    sentences: dict[str, tuple[str, ...]],
    labelled: dict[str, dict[str, tuple[str, ...]]],
    count: dict[str, int],
) -> Lexicon:
    return Lexicon(
        source,
        digest,
        MappingProxyType(words),
        MappingProxyType(phrases),
        MappingProxyType(sentences),
        MappingProxyType({name: MappingProxyType(labels) for name, labels in labelled.items()}),
        MappingProxyType(count),
    )


def load_lexicon(spec: LexiconSpec, path: str | Path | None = None) -> Lexicon:
    """The packaged lexicon of ``spec``, or the deployment's copy at ``path`` (YAML).

    Raises :class:`LexiconError` with one line naming the file and the field when the
    file is not a mapping, a field is missing or a value has the wrong type.
    """
    data, source, digest = read_yaml_resource(spec.resource, path, LexiconError)
    if not isinstance(data, dict):
        raise LexiconError(
            f"{source}: got {type(data).__name__}; expected a mapping of word lists. "
            f"Start from a copy of cxnlp/resources/{spec.resource} (read as {spec.parameter})."
        )
    added = added_since(data, spec.added_in, source=source, resource=spec.resource, version=spec.version)
    for name, now in spec.moved.items():
        if name in data:
            logger.warning("%s: field %r is no longer read here; it moved to %s.", source, name, now)
    parts: dict[FieldKind, dict[str, Any]] = {
        "words": {},
        "phrases": {},
        "sentences": {},
        "labelled": {},
        "count": {},
    }
    for name, kind in spec.fields.items():
        read_as = name
        if name in added and data.get(name) is None:
            old = spec.renamed.get(name)
            if old is None or data.get(old) is None:
                packaged = default_lexicon(spec)
                parts[kind][name] = getattr(packaged, kind)[name]
                continue
            logger.warning("%s: reading %r as %r (its name in version %d).", source, old, name, spec.version)
            read_as = old
        parts[kind][name] = _read_field(data.get(read_as), read_as, kind, spec, source)
    frozen = {kind: MappingProxyType(values) for kind, values in parts.items()}
    return Lexicon(
        source,
        digest,
        frozen["words"],
        frozen["phrases"],
        frozen["sentences"],
        frozen["labelled"],
        frozen["count"],
    )


_DEFAULTS: dict[str, Lexicon] = {}


def default_lexicon(spec: LexiconSpec) -> Lexicon:
    """The packaged lexicon of ``spec``, read once per process."""
    if spec.resource not in _DEFAULTS:
        _DEFAULTS[spec.resource] = load_lexicon(spec)
    return _DEFAULTS[spec.resource]


def lexicon_at(spec: LexiconSpec, path: str | Path | None) -> Lexicon:
    """The packaged lexicon when ``path`` is None, else the file at ``path``."""
    return default_lexicon(spec) if path is None else load_lexicon(spec, path)


def _read_field(value: Any, name: str, kind: FieldKind, spec: LexiconSpec, source: str) -> Any:
    if kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise LexiconError(
                f"{source}: field {name!r} got {_short(value)}; expected a positive integer. Fix that field."
            )
        return value
    if kind == "labelled":
        known = spec.labels.get(name, ())
        if not isinstance(value, dict) or not all(label in known for label in value):
            raise LexiconError(
                f"{source}: field {name!r} got {_short(value)}; expected a mapping of labels "
                f"among {list(known)} to lists of sentences. Fix that field."
            )
        return MappingProxyType(
            {label: _strings(texts, f"{name}.{label}", source) for label, texts in value.items()}
        )
    texts = _strings(value, name, source)
    if kind == "sentences":
        return texts
    lowered = tuple(t.lower() for t in texts)
    if kind == "words":
        return frozenset(lowered)
    return tuple(tuple(t.split()) for t in lowered)


def _strings(value: Any, name: str, source: str) -> tuple[str, ...]:
    """A list of non-empty strings, stripped, in file order."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(
            f"{source}: field {name!r} got {_short(value)}; expected a list of non-empty strings "
            "(quote yes/no, on/off). Fix that field."
        )
    return tuple(v.strip() for v in value)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

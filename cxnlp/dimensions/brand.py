"""Brand congruence: how closely the agent's speech matches the company's voice.

The company describes its voice in a :class:`BrandProfile` (YAML or TOML, see
``docs/brand_profile.md``): voice traits with example sentences, phrases it wants and
phrases it forbids, and sentences that sound wrong for it. Nothing here is specific to
one brand; switching the profile switches what "on brand" means.

How a transcript is scored
--------------------------
Only agent sentences are read. Each one gets a *style* reading from a small
three-class logistic regression fitted in :meth:`BrandCongruence.prepare` on the
profile's own examples, in MiniLM embedding space:

* ``on_brand``: every voice-trait example;
* ``off_brand``: every off-brand example and every forbidden phrase of the profile, and
  the brand lexicon's ``off_brand_registers`` (``cxnlp/resources/brand_lexicon.yaml``):
  condescending, patronising, blaming, dismissive, sarcastic, casual, stiff, impatient and
  curt sentences, so that off-brand speech with no listed phrase in it ("As I already
  explained, that's how it works.") is read by its manner;
* ``neutral``: ``neutral_examples`` (same file), plain informational agent sentences, the
  plain courtesy every call has (opening, hold, offer of more help, close), and the plain
  halves of minimal pairs whose off-brand halves close the register lists (same content,
  another manner), so that the classifier learns manner rather than topic.

The neutral class is what keeps content from being mistaken for style: an agent
reading out a bill is neither warm nor curt, and a nearest-example rule alone (tried
first) let topic words decide. ``p_on`` is the on-brand probability of that classifier;
``p_off`` comes from a second, two-way one (off brand against everything plain), whose plain
side adds the lexicon's ``polite_examples``: courtesy formulas and plain helpdesk sentences
("We are sorry.", "Please describe your problem in detail.", "The latest version is 2.3.1 at
present."). Real helpdesk agents say such things all the time and the three-way classifier
read many of them as off brand (14 % of agent sentences of 150 STC-3 dialogues cost >= 5
points); in the neutral class of the three-way classifier they would instead take a voice's
own courtesy from its on-brand traits, hence the second classifier. With ``p_on`` and
``p_off`` its *strength* on each side is a linear ramp
``clip((p - onset) / (full - onset), 0, 1)`` (``style_onset``/``style_full`` on the
on-brand side, ``off_onset``/``off_full`` on the off-brand side), so a sentence moves the
score smoothly as it becomes more clearly on or off brand.

Some off-brand speech is told by its form more than its meaning (slang and text-speak,
words in capitals, "Look, ...", "if you had read ...", "because you didn't ...", "as I
already explained", "Can't help with that", "Quickly.", "... or not?", "..., aren't
you?"), and so is manner with no rude word in it, which MiniLM embeddings read as their
plain twins ("Ugh, ok, one sec." sits nearest "Alright, one second."): curt replies
("Fine.", "Account number?", "Wait."), annoyance ("Ugh, ..."), talking down ("Did you even
check?", "Sweetheart, ..."), tautological brush-offs ("You'll get it when you get it"),
sarcasm ("Oh brilliant, so you want ..."), and (lexicon version 5) blame, condescension,
impatience and brush-offs said politely ("Had you read the confirmation, ...", "It's not
complicated, you just press the button.", "I'm not sure what else you want me to say.",
"Per my last message, ...", "That's not really my problem."). These are the *register cues* of
:mod:`cxnlp.dimensions.brand_register`, read from the words (those of manner without the
sentence's fillers) with the lexicon's word lists. A sentence with a cue counts as off brand
with strength at least ``register_strength`` and earns nothing on brand; one sentence costs
at most ``max_sentence_cost`` however many findings it has. Both readings reuse what the parse already
made (the sentence vectors and the tagged tokens): no encoder is added.

Cue words written from one author's sentences did not carry to other authors' (off brand
costing >= 5 points 0.92 on the tuning file, about 0.6 on held-out ones, 0.28 on a third
author's). An opt-in third reading (``register_model="packaged"``; off by default, see the
parameter) is learned, not listed: the *register model* of
:mod:`cxnlp.dimensions.register_model` (``register_model``), a logistic regression over the
same sentence vector and a few features of its form, fitted on labelled agent sentences by
three authors and the lexicon's sentences. Its probability gives an off-brand strength
``ramp(p, register_onset, register_full)``, counted where the sentence is not clearly nearer
the plain examples than the off-brand ones (``register_margin``); the sentence takes the
largest of the three strengths, and the evidence names the model's probability and the
register it reads as ("register model: off-brand probability 0.98, reads as condescending").

Points (all constructor parameters)::

    positive_raw = sum(on_brand_points * trait_weight * on_strength)   # per sentence
                 + preferred_points * n_preferred_matches
    positive     = (100 - neutral_score) * (1 - exp(-positive_raw / (100 - neutral_score)))
    negative     = sum(off_brand_points * off_strength)                 # per sentence
                 + forbidden_points * n_forbidden_matches
    score        = clip(neutral_score + positive - negative, 0, 100)

``trait_weight`` is the profile weight of the trait whose examples the sentence is
closest to, divided by the mean trait weight. Positives saturate (warmth has
diminishing returns, and the score cannot pass 100); negatives do not (each rude
sentence costs its full price). A call of purely informational sentences therefore
scores ``neutral_score``. Preferred and forbidden phrases are found with a spaCy
``Matcher`` on lower-cased tokens, allowing simple inflections (``jobs``, ``calming``)
and either apostrophe; their paraphrases are caught by the style classifier, which
learns from the forbidden phrases too. The score is NaN when the agent says nothing.

Evidence weights are each finding's points (positives scaled by the saturation), so
they add up to ``score - neutral_score`` unless the score was clipped at 0 or 100.

Features
--------
``agent_sentences``
    Number of agent sentences scored.
``voice_alignment``
    Mean of ``p_on - p_off`` over agent sentences, in [-1, 1].
``on_brand_share`` / ``off_brand_share``
    Share (0-1) of agent sentences with a non-zero on-brand / off-brand strength.
``forbidden_count`` / ``preferred_count``
    Literal forbidden / preferred phrase matches in agent speech.
``trait_coverage``
    Weighted share (0-1) of the profile's voice traits shown by at least one on-brand
    sentence: does the agent show each side of the voice at least once?
``register_share``
    Share (0-1) of agent sentences with a register cue.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import reprlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cxnlp.dimensions.base import Dimension, PrototypeSet, clip_score, register_dimension
from cxnlp.dimensions.brand_register import (
    RegisterWords,
    call_without_courtesy,
    offer_shape,
    register_cues,
    turn_cues,
)
from cxnlp.dimensions.register_model import (
    RegisterScorer,
    default_register_scorer,
    form_matrix,
    load_register_scorer,
)
from cxnlp.lexicon import LexiconSpec, lexicon_at
from cxnlp.model import DimensionResult, Evidence
from cxnlp.resource_files import read_capped

if TYPE_CHECKING:  # pragma: no cover
    from spacy.matcher import Matcher
    from spacy.tokens import Span
    from spacy.vocab import Vocab

    from cxnlp.nlp import ParsedTranscript, Sentence, SentenceEncoder

logger = logging.getLogger(__name__)

DEFAULT_PROFILE_RESOURCE = "default_brand.yaml"

#: The sentences and words of ``cxnlp/resources/brand_lexicon.yaml`` (what each is for is
#: said there): the neutral anchor and the off-brand registers of the style classifier, and
#: the register cues' word lists. A deployment passes its own copy as
#: ``BrandCongruence(brand_lexicon=PATH)``.
LEXICON = LexiconSpec(
    resource="brand_lexicon.yaml",
    version=7,
    parameter="BrandCongruence(brand_lexicon=PATH)",
    fields={
        "neutral_examples": "sentences",
        "polite_examples": "sentences",
        "off_brand_registers": "labelled",
        "text_speak": "words",
        "not_shouting": "words",
        "reprimand_openers": "words",
        "reprimand_verbs": "words",
        "expectation_verbs": "words",
        "discourse_openers": "words",
        "saying_verbs": "words",
        "repeat_markers": "words",
        "failure_words": "words",
        "curt_words": "words",
        "grudging_words": "words",
        "bare_reply_words": "words",
        "courtesy_words": "words",
        "annoyance_words": "words",
        "endearments": "words",
        "wish_verbs": "words",
        "praise_words": "words",
        "blunt_saying_verbs": "words",
        "previous_words": "words",
        "fault_nouns": "words",
        "coercion_verbs": "words",
        "stance_adverbs": "words",
        "minimisers": "words",
        "difficulty_words": "words",
        "effort_doubts": "words",
        "disown_nouns": "words",
        "futile_objects": "words",
        "talk_verbs": "words",
        "ordinal_words": "words",
        "belated_words": "words",
        "belittling_words": "words",
        "demand_nouns": "words",
        "trouble_nouns": "words",
        "queue_nouns": "words",
        "bare_acks": "words",
        "exasperated_phrases": "phrases",
        "pointed_openers": "phrases",
        "greeting_words": "words",
        "warm_close_words": "words",
        "document_nouns": "words",
        "receipt_verbs": "words",
        "crowd_words": "words",
        "knowing_verbs": "words",
        "ability_verbs": "words",
        "unnamed_persons": "words",
        "crowd_nouns": "words",
        "farewell_words": "words",
        "soft_imperatives": "words",
        "softeners": "words",
        "conduct_phrases": "phrases",
        "limit_phrases": "phrases",
        "commitment_modals": "words",
        "empathy_verbs": "words",
        "presume_verbs": "words",
        "sanction_verbs": "words",
        "conduct_repeats": "phrases",
        "conduct_words": "phrases",
        "condescending_phrases": "phrases",
        "dismissive_phrases": "phrases",
    },
    labels={
        "off_brand_registers": (
            "condescending",
            "patronising",
            "blaming",
            "dismissive",
            "sarcastic",
            "casual",
            "stiff",
            "impatient",
            "curt",
        )
    },
    added_in={
        2: (
            "off_brand_registers",
            "text_speak",
            "not_shouting",
            "reprimand_openers",
            "reprimand_verbs",
            "expectation_verbs",
        ),
        3: (
            "polite_examples",
            "discourse_openers",
            "saying_verbs",
            "repeat_markers",
            "failure_words",
            "curt_words",
        ),
        4: (
            "grudging_words",
            "bare_reply_words",
            "courtesy_words",
            "annoyance_words",
            "endearments",
            "wish_verbs",
            "praise_words",
        ),
        5: (
            "blunt_saying_verbs",
            "previous_words",
            "fault_nouns",
            "coercion_verbs",
            "stance_adverbs",
            "minimisers",
            "difficulty_words",
            "effort_doubts",
            "disown_nouns",
            "futile_objects",
            "talk_verbs",
            "ordinal_words",
            "belated_words",
            "belittling_words",
            "demand_nouns",
            "trouble_nouns",
            "queue_nouns",
            "bare_acks",
            "exasperated_phrases",
            "pointed_openers",
        ),
        6: (
            "greeting_words",
            "warm_close_words",
            "document_nouns",
            "receipt_verbs",
            "crowd_words",
            "knowing_verbs",
            "ability_verbs",
            "unnamed_persons",
            "crowd_nouns",
            "farewell_words",
            "soft_imperatives",
            "softeners",
            "conduct_phrases",
            "limit_phrases",
            "condescending_phrases",
            "dismissive_phrases",
        ),
        7: (
            "commitment_modals",
            "empathy_verbs",
            "presume_verbs",
            "sanction_verbs",
            "conduct_repeats",
            "conduct_words",
        ),
    },
)

_APOSTROPHES = ("'", "\u2019")


# --------------------------------------------------------------------------- profile


class VoiceTrait(BaseModel):
    """One side of the brand's voice, shown by example sentences."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Short name of the trait, e.g. 'warm'.")
    description: str = Field(default="", description="What the trait means, in words a QA analyst would use.")
    examples: list[str] = Field(
        min_length=1,
        description="Agent sentences that show the trait; varied wording works best.",
    )
    weight: float = Field(
        default=1.0,
        ge=0.0,
        le=1e6,
        allow_inf_nan=False,
        description="Relative importance of the trait (finite, 0 to 1e6); weights are normalised to mean 1.",
    )


class BrandProfile(BaseModel):
    """A company's voice, written by the customer of cxnlp (see ``docs/brand_profile.md``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Name of the brand or profile.")
    description: str = Field(default="", description="The voice in a sentence or two.")
    voice_traits: list[VoiceTrait] = Field(
        min_length=1, description="The traits that make up the voice, each with examples."
    )
    preferred_phrases: list[str] = Field(
        default_factory=list, description="Phrases the brand wants agents to use."
    )
    forbidden_phrases: list[str] = Field(default_factory=list, description="Phrases agents must never use.")
    off_brand_examples: list[str] = Field(
        default_factory=list,
        description="Whole sentences that sound wrong for this brand (curt, slangy, stiff...).",
    )

    def profile_hash(self) -> str:
        """A stable 16-hex-digit hash of the profile's content.

        The batch layer stores it beside scores, so a changed profile triggers a rescore
        while formatting changes to the file (comments, key order) do not.
        """
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


class BrandProfileError(ValueError):
    """A brand profile file could not be read or does not follow the schema."""


#: Largest brand profile file read, in bytes; real profiles are a few kB.
MAX_PROFILE_BYTES = 1024 * 1024
#: Deepest nesting of lists and mappings a profile may have; the schema needs 3.
MAX_PROFILE_DEPTH = 16
#: Schema errors listed in one message before the rest are counted.
MAX_LISTED_ERRORS = 5

_PYDANTIC_MESSAGES = {
    "missing": "required field is missing; add it",
    "extra_forbidden": "unknown field; remove it or check its spelling",
    "too_short": "at least {min_length} item required",
}

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlevel = 2


def _short(value: Any, limit: int = 80) -> str:
    """A bounded one-line repr: user data never goes into a message whole."""
    text = _SHORT.repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _format_validation_error(where: str, exc: ValidationError) -> str:
    errors = exc.errors()
    parts = []
    for err in errors[:MAX_LISTED_ERRORS]:
        loc = ".".join(_short(p, 40).strip("'") for p in err["loc"]) or "(top level)"
        template = _PYDANTIC_MESSAGES.get(err["type"])
        if template is not None:
            msg = template.format(**(err.get("ctx") or {}))
        else:
            msg = f"{err['msg']}; got {_short(err.get('input'))}"
        parts.append(f"{loc}: {msg}")
    if len(errors) > MAX_LISTED_ERRORS:
        parts.append(f"and {len(errors) - MAX_LISTED_ERRORS} more")
    return (
        f"brand profile {where}: " + "; ".join(parts) + ". Fix the file to follow the schema "
        "in docs/brand_profile.md (cxnlp's packaged default_brand.yaml is a working example)."
    )


def _depth(data: Any) -> int:
    """Nesting depth of lists and mappings, without recursion (so any depth is safe)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if level > MAX_PROFILE_DEPTH:
                break
            stack.extend((v, level + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def parse_brand_profile(data: Any, *, source: str = "<data>") -> BrandProfile:
    """Validate already-loaded profile data, with errors that name ``source`` and the field."""
    if not isinstance(data, dict):
        raise BrandProfileError(
            f"brand profile {source}: got {type(data).__name__} at the top level; expected a "
            "mapping of fields (name, voice_traits, ...). See docs/brand_profile.md."
        )
    if _depth(data) > MAX_PROFILE_DEPTH:
        raise BrandProfileError(
            f"brand profile {source}: got lists or mappings nested more than "
            f"{MAX_PROFILE_DEPTH} deep; expected the shallow layout of docs/brand_profile.md. "
            "Fix the file's structure."
        )
    try:
        return BrandProfile.model_validate(data)
    except ValidationError as exc:
        raise BrandProfileError(_format_validation_error(source, exc)) from None


class _ProfileYamlLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses anchors and aliases and caps nesting while composing.

    Aliases are what make a few hundred bytes expand into billions of nodes (the
    "billion laughs"); a profile never needs them. The depth cap stops a deeply nested
    document before the recursive composer and constructor reach Python's stack limit.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nesting = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed in a brand profile; write each value out",
                event.start_mark,
            )
        self._nesting += 1
        try:
            if self._nesting > MAX_PROFILE_DEPTH + 1:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_PROFILE_DEPTH} deep; the schema needs 3 levels",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._nesting -= 1


def _one_line(exc: BaseException, limit: int = 240) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_brand_profile(path: str | Path) -> BrandProfile:
    """Read a brand profile from YAML (``.yaml``/``.yml``) or TOML (``.toml``).

    The file may be at most :data:`MAX_PROFILE_BYTES` and nested at most
    :data:`MAX_PROFILE_DEPTH` deep; YAML anchors and aliases are refused.

    Raises
    ------
    BrandProfileError
        If the file is missing, unreadable or too large, is not valid YAML/TOML, or
        breaks the schema; the one-line message names the file and the field and says
        how to fix it.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".toml"}:
        raise BrandProfileError(
            f"brand profile {path}: got extension {_short(suffix or '(none)')}; expected .yaml, "
            ".yml or .toml. Rename the file or convert it."
        )
    raw = read_capped(
        path,
        MAX_PROFILE_BYTES,
        what="brand profile",
        expected="a profile of a few kB (trim its examples)",
        error=BrandProfileError,
    )
    kind = "TOML" if suffix == ".toml" else "YAML"
    try:
        if suffix == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            data = yaml.load(raw.decode("utf-8"), Loader=_ProfileYamlLoader)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise BrandProfileError(
            f"brand profile {path}: not valid UTF-8 {kind} ({_one_line(exc)}). "
            "Fix the syntax at the position shown."
        ) from None
    except RecursionError:
        raise BrandProfileError(
            f"brand profile {path}: got {kind} nested too deeply to read; expected the shallow "
            "layout of docs/brand_profile.md. Fix the file's structure."
        ) from None
    return parse_brand_profile(data, source=str(path))


def default_brand_profile() -> BrandProfile:
    """The packaged profile: a warm, clear, professional contact-centre voice."""
    text = (
        resources.files("cxnlp").joinpath("resources", DEFAULT_PROFILE_RESOURCE).read_text(encoding="utf-8")
    )
    return parse_brand_profile(yaml.safe_load(text), source=f"cxnlp/resources/{DEFAULT_PROFILE_RESOURCE}")


def resolve_brand_profile(profile: BrandProfile | str | Path | None) -> BrandProfile:
    """Turn what a user passes (nothing, a profile, or a path) into a :class:`BrandProfile`."""
    if profile is None:
        return default_brand_profile()
    if isinstance(profile, BrandProfile):
        return profile
    if isinstance(profile, str | Path):
        return load_brand_profile(profile)
    raise TypeError(
        f"Got profile of type {type(profile).__name__}; expected None, a BrandProfile or a "
        "path to a .yaml/.toml file. Pass load_brand_profile(path) or the path itself."
    )


# --------------------------------------------------------------------------- phrases


def inflection_variants(word: str) -> set[str]:
    """Cheap surface variants of a lower-cased token: plural/3rd person, past, -ing, apostrophes.

    Over-generating is harmless here (the variants are only looked up, never produced),
    and it lets "not my job" also catch "not my jobs" without a lemmatised pattern doc.
    """
    out = {word}
    for a in _APOSTROPHES:
        for b in _APOSTROPHES:
            out.add(word.replace(a, b))
    if word.isalpha() and len(word) >= 3:
        out |= {word + "s", word + "es", word + "ed", word + "ing"}
        if word.endswith("e"):
            out |= {word + "d", word[:-1] + "ing"}
        if word.endswith("y"):
            out |= {word[:-1] + "ies", word[:-1] + "ied"}
    return out


def phrase_patterns(phrases: tuple[str, ...], vocab: Vocab) -> list[list[dict[str, Any]]]:
    """Token patterns (LOWER in inflection variants) for phrases, tokenised like the docs."""
    import spacy

    tokenizer = spacy.blank("en", vocab=vocab).tokenizer
    patterns = []
    for phrase in phrases:
        words = [t.lower_ for t in tokenizer(phrase.strip()) if not t.is_space]
        if words:
            patterns.append([{"LOWER": {"IN": sorted(inflection_variants(w))}} for w in words])
    return patterns


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A literal phrase found in a sentence."""

    label: str  # "forbidden" or "preferred"
    text: str


#: The phrases' token patterns by their first word: for each phrase starting with that
#: word, the words allowed at each following position (see :func:`could_hold_phrase`).
PhraseIndex = dict[str, list[tuple[frozenset[str], ...]]]

_MATCHER_CACHE: dict[
    tuple[int, tuple[str, ...], tuple[str, ...]], tuple[Any, Matcher, frozenset[str], PhraseIndex]
] = {}


def phrase_matcher(vocab: Vocab, forbidden: tuple[str, ...], preferred: tuple[str, ...]) -> Matcher:
    """A ``Matcher`` for the profile's phrases, built once per vocab and phrase list."""
    return _phrase_matcher(vocab, forbidden, preferred)[0]


def phrase_openers(vocab: Vocab, forbidden: tuple[str, ...], preferred: tuple[str, ...]) -> frozenset[str]:
    """Every lower-cased word a phrase of :func:`phrase_matcher` can start with: a sentence
    with none of them holds no phrase, so :func:`find_phrases` need not run the matcher."""
    return _phrase_matcher(vocab, forbidden, preferred)[1]


def _phrase_matcher(
    vocab: Vocab, forbidden: tuple[str, ...], preferred: tuple[str, ...]
) -> tuple[Matcher, frozenset[str], PhraseIndex]:
    key = (id(vocab), forbidden, preferred)
    cached = _MATCHER_CACHE.get(key)
    if cached is not None and cached[0] is vocab:
        return cached[1], cached[2], cached[3]
    from spacy.matcher import Matcher

    matcher = Matcher(vocab)
    index: PhraseIndex = {}
    for label, phrases in (("forbidden", forbidden), ("preferred", preferred)):
        if phrases:
            patterns = phrase_patterns(phrases, vocab)
            matcher.add(label, patterns)
            # Every pattern element is a required {"LOWER": {"IN": [...]}} (no operators).
            for pattern in patterns:
                rest = tuple(frozenset(element["LOWER"]["IN"]) for element in pattern[1:])
                for word in pattern[0]["LOWER"]["IN"]:
                    index.setdefault(word, []).append(rest)
    openers = frozenset(index)
    _MATCHER_CACHE[key] = (vocab, matcher, openers, index)
    return matcher, openers, index


def could_hold_phrase(lowers: Sequence[str], index: PhraseIndex) -> bool:
    """Whether some phrase of ``index`` occurs in the lower-cased words ``lowers``.

    Why: spaCy's ``Matcher`` tests every ``IN`` set at every token (milliseconds a
    sentence) while almost no sentence holds a profile phrase; a sentence this test
    rejects has no match, so :func:`find_phrases` skips the matcher and finds the same.
    """
    n = len(lowers)
    for i, word in enumerate(lowers):
        for rest in index.get(word, ()):
            if i + len(rest) < n and all(lowers[i + 1 + k] in allowed for k, allowed in enumerate(rest)):
                return True
    return False


def find_phrases(
    span: Span,
    matcher: Matcher,
    openers: frozenset[str] | None = None,
    index: PhraseIndex | None = None,
) -> list[PhraseHit]:
    """Longest non-overlapping phrase matches in one sentence (none without a word of
    ``openers``, when given: :func:`phrase_openers`; none that ``index`` rules out, when
    given: :func:`could_hold_phrase`)."""
    from spacy.util import filter_spans

    lowers = [t.lower_ for t in span]
    if openers is not None and openers.isdisjoint(lowers):
        return []
    if index is not None and not could_hold_phrase(lowers, index):
        return []
    found = filter_spans(matcher(span, as_spans=True))
    return [PhraseHit(sp.label_, sp.text) for sp in found]


def ramp(p: float, onset: float, full: float) -> float:
    """Linear 0→1 strength between ``onset`` and ``full``; smooth, so small edits move little."""
    if full <= onset:
        return float(p >= onset)
    return float(min(1.0, max(0.0, (p - onset) / (full - onset))))


# --------------------------------------------------------------------------- dimension


@register_dimension("brand_congruence.v1")
class BrandCongruence(Dimension):
    """How closely the agent's speech matches the brand's voice (0-100, higher is better).

    Parameters
    ----------
    profile : BrandProfile, str, Path or None
        The brand's voice; a path is read with :func:`load_brand_profile`, ``None`` uses
        :func:`default_brand_profile`. Resolved in :meth:`prepare`.
    neutral_score : float
        Score of a call with nothing on or off brand in it. 60: an agent who is merely
        correct is acceptable, warmth earns the rest.
    style_onset, style_full : float
        Class probability where a sentence starts to count as on brand, and where it
        counts fully. On real helpdesk dialogues (STC-3, 400 agent sentences) about 2 %
        of sentences reach ``p_off >= 0.5`` and those read as curt or blaming; 0.4 lets
        borderline sentences count a little instead of flipping.
    off_onset, off_full : float
        The same on the off-brand side. With the register sets the off-brand class is the
        largest, so its probability runs higher: 0.45-0.7 was chosen on the tune half of
        ``benchmarks/data/validity/brand_register_tune.jsonl`` (off brand costing >= 5
        points as often as neutral sentences stay free allows).
    off_neighbours, off_margin : int, float
        The classifier's off-brand reading counts only where the sentence also sits nearer
        the off-brand examples than the neutral and on-brand ones: the mean similarity of
        its ``off_neighbours`` closest off-brand examples must exceed that of its closest
        plain ones by more than ``off_margin``. A linear classifier extrapolates on what is
        like none of its examples (the clause fragments a speech-recogniser splitter
        leaves: "If the contents are damaged."); this keeps such sentences free. The plain
        side includes the lexicon's ``polite_examples``. With them (and the two-way
        off-brand classifier) 1.7 % of the agent sentences of 150 STC-3 helpdesk dialogues
        cost >= 5 points at margin 0, against 7.3 % without. Since the register cues of
        lexicon version 4 carry most of the off-brand recall, the margin is 0.04 and the
        nearest off-brand example must reach ``off_min_similarity`` (then 0.4): on the tune items
        off brand costing >= 5 went 0.88 -> 0.82, while the sample's off-brand reading of
        warm and content sentences (answers, "Leave it with me; I'll handle it from here")
        fell from 2-5 % to 0-3 % and STC-3 false alarms to 0.4 % (150 dialogues).
    off_min_similarity : float
        Cosine similarity the sentence's nearest off-brand example must reach for the
        classifier's reading to count: a sentence like none of them ("Good question.",
        "There are two reasons.") is extrapolated, not recognised. 0.5 (was 0.4): the warm
        lines the classifier read as off brand in good tuning calls sat at 0.42-0.49
        ("If that date doesn't suit just give us a ring and we'll move it." 0.49, "Yeah I know
        it's a pain being stuck without the telly" 0.43), while 20 of the 26 off-brand tuning
        sentences it alone caught sat at 0.5 or more (the register cues carry the rest).
    off_clear_margin : float
        Off-brand margin from which ``off_min_similarity`` is not asked: a sentence much
        nearer the off-brand examples than the plain ones is recognised even where no single
        example is close ("You're making a fuss over nothing." margin +0.12, nearest 0.45);
        the warm lines above sat at +0.04 to +0.09. A sentence shaped as an offer of the
        agent's (:func:`~cxnlp.dimensions.brand_register.offer_shape`: a commitment, an
        invitation to come back, a next step, an anticipated need, words of understanding)
        needs this margin whatever its nearest example: the classifier read warm offers as off
        brand at a nearest example of 0.51-0.56 ("Leave it with me; I'll handle it from here.",
        "ring us." in a proactive close), and an offer said rudely is read by the register
        cues and forbidden phrases ("Fine, I'll do it.", "I'll deal with it, whatever.").
    min_phrase_words : int
        Forbidden phrases of fewer words ("lol", "mate", "nope") are matched literally only
        and stay out of the style classifier: embedded alone, a word or two carries no
        manner, and they sat nearest to every short plain sentence.
    off_sure : float
        Off-brand probability from which the classifier is trusted without the two checks
        above ("Seriously, how hard is it to plug a cable in?" at 0.98, margin +0.03): the
        false alarms the checks remove sat at 0.5-0.9.
    max_sentence_cost : float
        Most points one sentence can cost, all its findings together (classifier, register
        cue, forbidden phrases, shared in proportion): one sentence is one off-brand act, and
        "I'll deal with it, whatever." (two forbidden phrases and a rude manner) cost 42
        points, the price of four rude lines.
    on_brand_points, off_brand_points : float
        Points for one fully on-brand / off-brand sentence. Off-brand costs twice what
        on-brand earns: one rude line outweighs one nice one in QA practice.
    preferred_points, forbidden_points : float
        Points per literal preferred / forbidden phrase.
    classifier_c : float
        Inverse regularisation of the style classifier; 4 separated held-out paraphrases
        best without overfitting the few examples (1 was too flat, 16 too confident).
    min_style_words : int
        Sentences with fewer words than this once fillers are removed ("You know, uh,
        yeah.") carry no voice to judge; they are left to the filler dimension and only
        checked for literal phrases and register cues ("lol", "NO").
    register_strength : float
        Off-brand strength (0-1) a sentence gets at least when it shows a register cue of
        :mod:`cxnlp.dimensions.brand_register` (slang, shouting, a reprimand, blame, a
        curt refusal, a talking-down tag question), however the style classifier reads
        it: 0.6 makes one such sentence cost ``0.6 * off_brand_points`` (7.2) points,
        visible in an otherwise good call.
    brand_lexicon : str, optional
        Path of the brand lexicon: neutral sentences (the style classifier's "neither on
        nor off brand" class), off-brand sentences by register (added to the off-brand
        class, whatever the profile) and the register cues' word lists (default: the
        packaged ``cxnlp/resources/brand_lexicon.yaml``).
    register_model : str or None
        The learned register model of :mod:`cxnlp.dimensions.register_model`: ``"packaged"``
        reads ``cxnlp/resources/brand_register_model.json``, a path reads a model of one's own
        (``benchmarks/train_brand_register.py`` fits one), ``None`` (default) leaves it off.
        Off by default because it also reads warm, on-brand sentences as off brand ("Hi Chen,
        I can see why that's a shock, and I'm sorry." at 0.87-1.00): on the model and
        adequate calls of the tune, tune3 and tune4 splits it lowered 26 of them by 2-14
        points, which outweighs its held-out gain (off brand costing >= 5: 0.60 -> 0.68).
        It reads each agent sentence's vector and form, as a profile-independent second
        opinion on manner: off brand in words no list holds ("Most owners manage to book the
        booster before it lapses.").
    register_onset, register_full : float
        The register model's probability where a sentence starts to count as off brand and
        where it counts fully (strength ``ramp(p, onset, full)``, at least the classifier's
        and the cues'). 0.85-0.97 was chosen by leave-one-author-out cross-validation on the
        three tuning files (``train_brand_register.py --grid``): off brand costing >= 5
        points 0.70 -> 0.78 (an unseen author's 0.28 -> 0.43), neutral sentences costing
        anything 0.02 -> 0.06; onsets of 0.5-0.7 caught a little more and penalised up to a
        fifth of the same-shape neutral twins.
    register_margin : float
        The register model counts only where the sentence's off-brand margin (see
        ``off_margin``) exceeds this: a sentence much nearer the plain examples than any
        off-brand one is outside what the model learned. On the agent sentences of 150 real
        helpdesk dialogues (STC-3), false alarms (cost >= 5) were 1.3 % without the gate, 0.6 %
        at -0.03 (0.24 % without the model), while cross-validated off-brand recall went
        0.766 -> 0.758.
    courtesy_min_turns : int
        A call whose agent has at least this many turns and says no courtesy word in any of
        them (the lexicon's ``courtesy_words``: please, thanks, sorry, welcome, hello, ...)
        costs one register cue's price (``register_strength * off_brand_points``) once, as a
        finding about the call: curt rewrites of every turn change the manner of each line by
        little, and none of them thanks, apologises or greets (75 of the 114 off-brand
        rewrites of the tuning splits' adequate calls, 1 of the 114 calls themselves).
    """

    name = "brand_congruence"
    resource_params = ("profile", "brand_lexicon", "register_model")

    def __init__(
        self,
        profile: BrandProfile | str | Path | None = None,
        *,
        neutral_score: float = 60.0,
        style_onset: float = 0.4,
        style_full: float = 0.8,
        off_onset: float = 0.45,
        off_full: float = 0.7,
        off_neighbours: int = 3,
        off_margin: float = 0.04,
        on_brand_points: float = 6.0,
        off_brand_points: float = 12.0,
        preferred_points: float = 4.0,
        forbidden_points: float = 15.0,
        classifier_c: float = 4.0,
        min_style_words: int = 2,
        register_strength: float = 0.6,
        min_phrase_words: int = 3,
        off_min_similarity: float = 0.5,
        off_clear_margin: float = 0.1,
        max_sentence_cost: float = 15.0,
        off_sure: float = 0.95,
        brand_lexicon: str | None = None,
        register_model: str | None = None,
        register_onset: float = 0.85,
        register_full: float = 0.97,
        register_margin: float = -0.03,
        courtesy_min_turns: int = 3,
    ):
        self.profile = profile
        self.neutral_score = neutral_score
        self.style_onset = style_onset
        self.style_full = style_full
        self.off_onset = off_onset
        self.off_full = off_full
        self.off_neighbours = off_neighbours
        self.off_margin = off_margin
        self.on_brand_points = on_brand_points
        self.off_brand_points = off_brand_points
        self.preferred_points = preferred_points
        self.forbidden_points = forbidden_points
        self.classifier_c = classifier_c
        self.min_style_words = min_style_words
        self.register_strength = register_strength
        self.min_phrase_words = min_phrase_words
        self.off_min_similarity = off_min_similarity
        self.off_clear_margin = off_clear_margin
        self.max_sentence_cost = max_sentence_cost
        self.off_sure = off_sure
        self.brand_lexicon = brand_lexicon
        self.register_model = register_model
        self.register_onset = register_onset
        self.register_full = register_full
        self.register_margin = register_margin
        self.courtesy_min_turns = courtesy_min_turns

    def __repr__(self) -> str:
        name = self.profile_.name if hasattr(self, "profile_") else self.profile
        return f"BrandCongruence(profile={name!r})"

    def resource_digests(self) -> dict[str, str]:
        """The profile's content hash: the same profile from any path is one configuration."""
        return {
            "profile": resolve_brand_profile(self.profile).profile_hash(),
            "brand_lexicon": lexicon_at(LEXICON, self.brand_lexicon).digest,
            "register_model": "off" if (model := self._register_scorer()) is None else model.digest,
        }

    def _register_scorer(self) -> RegisterScorer | None:
        """The learned register model (packaged, ``register_model``'s file, or None: off)."""
        if self.register_model is None:
            return None
        if self.register_model == "packaged":
            return default_register_scorer()
        return load_register_scorer(self.register_model)

    # ---------------------------------------------------------------- preparation

    def prepare(self, encoder: SentenceEncoder) -> None:
        """Load the profile, embed its examples and fit the style classifier."""
        from sklearn.linear_model import LogisticRegression

        profile = resolve_brand_profile(self.profile)
        traits = PrototypeSet({t.name: t.examples for t in profile.voice_traits})
        traits.prepare(encoder)
        lexicon = lexicon_at(LEXICON, self.brand_lexicon)
        profile_off = [
            *profile.off_brand_examples,
            *(p for p in profile.forbidden_phrases if len(p.split()) >= self.min_phrase_words),
        ]
        off = PrototypeSet({"off_brand": profile_off, **lexicon.labelled["off_brand_registers"]})
        off.prepare(encoder)
        assert traits.matrix is not None  # prepared above
        neutral = encoder.encode(list(lexicon.sentences["neutral_examples"]))
        polite = encoder.encode(list(lexicon.sentences["polite_examples"]))

        blocks = [traits.matrix, neutral]
        labels = [np.zeros(len(traits.labels), int), np.full(len(neutral), 2)]
        if off.labels:
            blocks.append(off.matrix)
            labels.append(np.ones(len(off.labels), int))
        if not profile_off:
            logger.warning(
                "brand profile %r has no off_brand_examples or forbidden_phrases; off brand "
                "is read from the brand lexicon's registers only",
                profile.name,
            )
        classifier = LogisticRegression(C=self.classifier_c, class_weight="balanced", max_iter=5000)
        classifier.fit(np.vstack(blocks), np.concatenate(labels))
        # Off brand is read against everything plain, courtesy included: "We are sorry." is no
        # manner at all, though the three classes above keep it out of the neutral class so
        # that a voice's own politeness still counts as on brand.
        off_classifier = LogisticRegression(C=self.classifier_c, class_weight="balanced", max_iter=5000)
        off_classifier.fit(
            np.vstack([*blocks, polite]),
            np.concatenate([*(lab == 1 for lab in labels), np.zeros(len(polite), bool)]),
        )

        weights = np.array([t.weight for t in profile.voice_traits], dtype=float)
        mean_w = float(weights.mean()) if weights.sum() > 0 else 1.0
        self.profile_ = profile
        self.profile_hash_ = profile.profile_hash()
        self.traits_ = traits
        self.off_prototypes_ = off
        self.plain_matrix_ = np.vstack([neutral, polite, traits.matrix])
        self.classifier_ = classifier
        self.off_classifier_ = off_classifier
        self.register_words_ = RegisterWords.from_lexicon(lexicon)
        self.register_scorer_ = self._register_scorer()
        self.trait_weights_ = {t.name: t.weight / mean_w for t in profile.voice_traits}

    def _check_prepared(self) -> None:
        if not hasattr(self, "classifier_"):
            raise RuntimeError(
                "BrandCongruence used before prepare(). Call dimension.prepare(encoder) "
                "(Scorer does this for you)."
            )

    def style_probabilities(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(p_on, p_off)`` for each sentence vector."""
        self._check_prepared()
        if len(vectors) == 0:
            return np.zeros(0), np.zeros(0)
        proba = logistic_proba(self.classifier_, vectors)
        p_on = proba[:, list(self.classifier_.classes_).index(0)]
        off_classes = list(self.off_classifier_.classes_)
        p_off = (
            logistic_proba(self.off_classifier_, vectors)[:, off_classes.index(True)]
            if True in off_classes
            else np.zeros(len(vectors))
        )
        return p_on, p_off

    def off_margins(self, vectors: np.ndarray, off_sims: np.ndarray | None = None) -> np.ndarray:
        """Mean similarity of each vector's ``off_neighbours`` closest off-brand examples minus
        that of its closest plain ones (neutral, polite, on brand)."""
        self._check_prepared()
        if off_sims is None:
            off_sims = self.off_prototypes_.similarities(vectors)
        return _top_mean(off_sims, self.off_neighbours) - _top_mean(
            vectors @ self.plain_matrix_.T, self.off_neighbours
        )

    def _off_reading_counts(self, sent: Sentence, nearest: float, margin: float) -> bool:
        """Whether the style classifier's unsure off-brand reading of a sentence counts.

        It counts where the sentence sits nearer the off-brand examples than the plain ones by
        more than ``off_margin`` and either clearly so (``off_clear_margin``) or with a near
        off-brand example (``off_min_similarity``) and not shaped as an offer of the agent's
        (:func:`offer_shape`: a commitment, an invitation to come back, a next step, an
        anticipated need, words of understanding). On offers the classifier extrapolates: it
        read warm closes as off brand at a nearest example of 0.51-0.56 ("Leave it with me;
        I'll handle it from here.", "ring us.", "The email with everything we agreed is on its
        way now."), while curt replies, holds and brush-offs are what its off-brand examples
        are made of.
        """
        if margin <= self.off_margin:
            return False
        if margin >= self.off_clear_margin:
            return True
        return nearest >= self.off_min_similarity and offer_shape(sent.clean, self.register_words_) is None

    def learned_register_probability(self, sentences: Sequence[Sentence], vectors: np.ndarray) -> np.ndarray:
        """The register model's P(off brand) per sentence (zeros when it is off)."""
        self._check_prepared()
        if self.register_scorer_ is None or len(sentences) == 0:
            return np.zeros(len(sentences))
        forms = form_matrix([s.clean for s in sentences], self.register_words_.courtesy_words)
        return self.register_scorer_.probability(vectors, forms)

    # ---------------------------------------------------------------- scoring

    def score(self, parsed: ParsedTranscript) -> DimensionResult:
        """Score the agent's sentences against the brand profile."""
        self._check_prepared()
        sentences = parsed.agent_sentences
        if not sentences:
            return DimensionResult(self.name, math.nan, (), _empty_features())
        vectors = parsed.vectors_of(sentences)
        p_on, p_off = self.style_probabilities(vectors)
        p_learned = self.learned_register_probability(sentences, vectors)
        trait_sims = self.traits_.best_per_label(vectors)
        trait_names = list(trait_sims)
        trait_matrix = np.column_stack([trait_sims[t] for t in trait_names])
        off_sims = self.off_prototypes_.similarities(vectors)
        nearest_off = off_sims.max(axis=1) if off_sims.shape[1] else np.full(len(vectors), -1.0)
        nearer_off = self.off_margins(vectors, off_sims)
        matcher, openers, index = _phrase_matcher(
            sentences[0].span.doc.vocab,
            tuple(self.profile_.forbidden_phrases),
            tuple(self.profile_.preferred_phrases),
        )

        by_turn = turn_cues(parsed, self.register_words_)
        positives: list[tuple[Sentence, str, float, str, str | None]] = []
        negatives: list[tuple[Sentence, str, float, str, str | None]] = []
        shown: set[str] = set()
        n_on = n_off = n_forbidden = n_preferred = n_register = 0
        for i, sent in enumerate(sentences):
            trait = trait_names[int(trait_matrix[i].argmax())]
            on_strength = ramp(float(p_on[i]), self.style_onset, self.style_full)
            off_strength = ramp(float(p_off[i]), self.off_onset, self.off_full)
            if off_strength > 0 and p_off[i] < self.off_sure:
                if not self._off_reading_counts(sent, float(nearest_off[i]), float(nearer_off[i])):
                    off_strength = 0.0
            learned = ramp(float(p_learned[i]), self.register_onset, self.register_full)
            if nearer_off[i] <= self.register_margin:
                learned = 0.0
            if sent.content_word_count() < self.min_style_words:
                on_strength = off_strength = learned = 0.0
            off_strength = max(off_strength, learned)
            cues = register_cues(sent.span, self.register_words_, clean=sent.clean) + by_turn.get(
                sent.index, []
            )
            hits = find_phrases(sent.span, matcher, openers, index)
            if cues:
                n_register += 1
                off_strength = max(off_strength, self.register_strength)
            if cues or any(hit.label == "forbidden" for hit in hits):
                on_strength = 0.0  # a curt or forbidden line is not also warm
            if on_strength > 0:
                n_on += 1
                shown.add(trait)
                pts = self.on_brand_points * self.trait_weights_[trait] * on_strength
                detail = (
                    f"sounds {trait} (on-brand probability {p_on[i]:.2f}; closest trait "
                    f"example similarity {trait_matrix[i].max():.2f})"
                )
                positives.append((sent, "on_brand", pts, detail, None))
            mine: list[tuple[Sentence, str, float, str, str | None]] = []
            if off_strength > 0:
                n_off += 1
                detail = f"off-brand probability {p_off[i]:.2f} (off-brand margin {nearer_off[i]:+.2f})"
                if cues:
                    detail += "; " + ", ".join(f"{c.kind.replace('_', ' ')} {c.text!r}" for c in cues)
                if learned > 0 and self.register_scorer_ is not None:
                    register, similarity = self.register_scorer_.register_of(vectors[i])
                    detail += (
                        f"; register model: off-brand probability {p_learned[i]:.2f}, reads as "
                        f"{register.replace('_', ' ')} (similarity {similarity:.2f})"
                    )
                if off_sims.shape[1]:
                    j = int(off_sims[i].argmax())
                    label = self.off_prototypes_.labels[j]
                    example = self.off_prototypes_.texts[j]
                    where = "" if label == "off_brand" else f" ({label})"
                    detail += f"; resembles{where} {example!r} (similarity {off_sims[i, j]:.2f})"
                mine.append((sent, "off_brand", self.off_brand_points * off_strength, detail, None))
            for hit in hits:
                if hit.label == "forbidden":
                    n_forbidden += 1
                    mine.append(
                        (
                            sent,
                            "forbidden_phrase",
                            self.forbidden_points,
                            f"forbidden phrase {hit.text!r}",
                            hit.text,
                        )
                    )
                else:
                    n_preferred += 1
                    positives.append(
                        (
                            sent,
                            "preferred_phrase",
                            self.preferred_points,
                            f"preferred phrase {hit.text!r}",
                            hit.text,
                        )
                    )
            # One sentence is one off-brand act: its findings share at most max_sentence_cost
            # (a line with two forbidden words and a rude manner costs what one rude line does).
            cost = sum(m[2] for m in mine)
            shrink = min(1.0, self.max_sentence_cost / cost) if cost > 0 else 1.0
            negatives.extend((m[0], m[1], m[2] * shrink, m[3], m[4]) for m in mine)

        bare = call_without_courtesy(parsed, self.register_words_, self.courtesy_min_turns)
        if bare is not None:
            negatives.append(
                (
                    sentences[0],
                    "off_brand",
                    self.off_brand_points * self.register_strength,
                    f"no courtesy word (please, thanks, sorry, welcome, hello, ...) in any of the "
                    f"agent's {bare} turns",
                    None,
                )
            )

        room = max(0.0, 100.0 - self.neutral_score)
        positive_raw = sum(p[2] for p in positives)
        positive = room * (1.0 - math.exp(-positive_raw / room)) if room > 0 else 0.0
        scale = positive / positive_raw if positive_raw > 0 else 0.0
        negative = sum(n[2] for n in negatives)
        score = clip_score(self.neutral_score + positive - negative)

        evidence = [
            Evidence(self.name, kind, s.turn_index, s.text, detail, pts * scale, span)
            for s, kind, pts, detail, span in positives
        ] + [
            Evidence(self.name, kind, s.turn_index, s.text, detail, -pts, span)
            for s, kind, pts, detail, span in negatives
        ]
        evidence.sort(key=lambda e: (e.turn_index, e.weight))
        total_w = sum(self.trait_weights_.values())
        coverage = (
            sum(w for t, w in self.trait_weights_.items() if t in shown) / total_w if total_w > 0 else 0.0
        )
        n = len(sentences)
        features = {
            "agent_sentences": float(n),
            "voice_alignment": float(np.mean(p_on - p_off)),
            "on_brand_share": n_on / n,
            "off_brand_share": n_off / n,
            "forbidden_count": float(n_forbidden),
            "preferred_count": float(n_preferred),
            "trait_coverage": float(coverage),
            "register_share": n_register / n,
        }
        return DimensionResult(self.name, score, tuple(evidence), features)


def logistic_proba(model: Any, X: np.ndarray) -> np.ndarray:
    """``model.predict_proba(X)`` of a fitted ``LogisticRegression``, for a dense array.

    Why: scikit-learn checks its input at every call (feature names, dataframe libraries,
    finiteness), which cost twice the arithmetic on a call's few sentences. These are the
    same operations scikit-learn 1.9 runs after its checks (``decision_function``: ``X @
    coef_.T + intercept_``; two classes: the logistic function; more: its ``softmax``), so
    the probabilities are the same to the last bit.
    """
    from scipy.special import expit
    from sklearn.utils.extmath import softmax

    scores = X @ model.coef_.T + model.intercept_
    if len(model.classes_) <= 2:
        positive = expit(scores.reshape(-1))
        return np.stack([1 - positive, positive], axis=1)
    return np.asarray(softmax(scores, copy=False))


def _top_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of each row's ``k`` largest similarities (all of them when a row is shorter)."""
    if sims.shape[1] == 0:
        return np.full(len(sims), -1.0)
    k = max(1, min(k, sims.shape[1]))
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def _empty_features() -> dict[str, float]:
    return {
        "agent_sentences": 0.0,
        "voice_alignment": 0.0,
        "on_brand_share": 0.0,
        "off_brand_share": 0.0,
        "forbidden_count": 0.0,
        "preferred_count": 0.0,
        "trait_coverage": 0.0,
        "register_share": 0.0,
    }

"""Parsed transcripts → the four dimensions → one composite interaction score.

:class:`Scorer` is the one object the CLI, the batch engines and notebooks share: it owns
the parse pass and the dimensions, scores transcripts in bounded batches (so memory stays
flat however long the input is) and turns results into the documented output table.

The interaction score is a weighted mean of the four dimensions on a common "how well was
this done" scale (:func:`dimension_quality`). Filler content is a percentage of wasted words
(lower is better), so it enters as ``clip(100 - filler_scale * filler_content, 0, 100)``:
with the default scale of 2.5, a call where 40 % of the agent's words are filler scores 0
there. Brand congruence and proactive connection are full at their targets (70 by
default): an excellent agent shows most connection acts once and sounds on brand, and the
raw scales put such calls at 70-85, which would keep the optimized bar (91) out of reach.
Dimensions that do not apply (NaN, e.g. the customer asked nothing) are left out and the
remaining weights renormalised, so a call is not punished for a question nobody asked. A
call with no customer need whose agent says fewer than ``min_agent_words`` words is not
scored at all (NaN).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxnlp import __version__
from cxnlp.dimensions.base import Dimension
from cxnlp.fillers import filler_vocabulary
from cxnlp.ingest.rejects import RecordError
from cxnlp.io.chunks import chunked
from cxnlp.limits import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_TRANSCRIPT_CHARS,
    DEFAULT_MAX_TURN_CHARS,
    SizeLimits,
    size_error,
)
from cxnlp.model import DimensionResult, ScoredTranscript, Transcript
from cxnlp.nlp import ParsedTranscript, SentenceEncoder, TranscriptParser
from cxnlp.schema import DEFAULT_WEIGHTS, DIMENSION_COLUMNS, SCORE_COLUMN, higher_is_better
from cxnlp.segmentation import default_boundary_lexicon
from cxnlp.slots import SLOT_COLUMN, encode_slot_vectors, slot_means
from cxnlp.speech_text import default_clause_lexicon, default_speech_punctuator
from cxnlp.timing import TIMING_COLUMNS, timing_metrics

logger = logging.getLogger(__name__)

#: Version of the output table's columns; part of the configuration fingerprint, so a
#: store never mixes rows written with and without a column (2: ``slot_vectors``; 3: the
#: timing columns of :mod:`cxnlp.timing`, and system turns no longer scored as the agent).
TABLE_SCHEMA = 3


class CompositeWeights(BaseModel):
    """Weights of the interaction score; documented defaults, any may be overridden."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    brand_congruence: float = Field(
        DEFAULT_WEIGHTS["brand_congruence"], ge=0, description="Weight of brand congruence."
    )
    answer_completeness: float = Field(
        DEFAULT_WEIGHTS["answer_completeness"],
        ge=0,
        description="Weight of answer completeness (the heaviest: customers call to get answers).",
    )
    proactive_connection: float = Field(
        DEFAULT_WEIGHTS["proactive_connection"], ge=0, description="Weight of proactive connection."
    )
    filler_content: float = Field(
        DEFAULT_WEIGHTS["filler_content"],
        ge=0,
        description="Weight of filler quality, 100 - filler_scale x filler_content.",
    )
    filler_scale: float = Field(
        2.5, gt=0, description="Points of filler quality lost per percent of agent words that are filler."
    )
    brand_target: float = Field(
        70.0,
        gt=0,
        le=100,
        description="Brand congruence at which the brand part of the composite is full: the "
        "style classifier rarely gives an on-brand agent more than 70-80.",
    )
    proactive_target: float = Field(
        70.0,
        gt=0,
        le=100,
        description="Proactive connection at which its part is full: an excellent call shows "
        "most acts once (each first act earns 70% of its weight), not every act repeatedly.",
    )
    unmet_service_credit: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of their points brand congruence, proactive connection and filler "
        "keep when none of the customer's needs was met: courtesy does not make up for "
        "answers (a QA evaluator does not pass a polite call that answered nothing). 1 turns "
        "this off.",
    )
    service_credit_full_at: float = Field(
        66.0,
        gt=0,
        le=100,
        description="Answer completeness from which those three count in full (two needs of "
        "three met); below it their share falls linearly to unmet_service_credit at 0.",
    )
    min_agent_words: int = Field(
        12,
        ge=0,
        description="Fewer agent words than this, and no customer need, and the call is not "
        "scored (NaN): a greeting or a hold message says nothing a QA evaluator could grade.",
    )
    min_customer_words: int = Field(
        5,
        ge=0,
        description="Fewer customer words than this (none in an agent-only call), and no "
        "customer need, and the call is not scored (NaN): hold messages, an IVR prompt or a "
        "greeting into silence are no exchange to grade, however long the agent spoke.",
    )

    @field_validator("filler_content")
    @classmethod
    def _some_weight(cls, value: float, info: Any) -> float:
        total = value + sum(info.data.get(k, 0.0) for k in DIMENSION_COLUMNS[:3])
        if total <= 0:
            raise ValueError("Got all weights 0; expected at least one positive weight.")
        return value

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in DIMENSION_COLUMNS}


def filler_quality(filler_content: float, scale: float = 2.5) -> float:
    """Turn filler percentage (lower better) into a 0-100 higher-is-better quality."""
    if math.isnan(filler_content):
        return filler_content
    return float(min(100.0, max(0.0, 100.0 - scale * filler_content)))


def dimension_quality(name: str, value: float, weights: CompositeWeights) -> float:
    """A dimension on the composite's common 0-100 "how well was this done" scale.

    Filler becomes ``100 - filler_scale x filler_content``; brand congruence and proactive
    connection count as fully met at their targets (``brand_target``,
    ``proactive_target``), so an excellent call can reach the optimized bar; answer
    completeness is already a share of needs met.
    """
    if value is None or math.isnan(value):
        return math.nan
    if not higher_is_better(name):
        return filler_quality(value, weights.filler_scale)
    target = {
        "brand_congruence": weights.brand_target,
        "proactive_connection": weights.proactive_target,
    }.get(name, 100.0)
    return float(min(100.0, max(0.0, 100.0 * value / target)))


def service_credit(answer_completeness: float, weights: CompositeWeights) -> float:
    """Share of the service dimensions' points a call keeps, given how many needs were met.

    1 from ``service_credit_full_at`` up, falling linearly to ``unmet_service_credit`` at
    completeness 0; 1 when the call voiced no need (NaN): nothing was left unanswered; 1
    when completeness has no weight: a composite that leaves answers out is not gated by them.
    """
    if answer_completeness is None or math.isnan(answer_completeness) or weights.answer_completeness == 0:
        return 1.0
    floor = weights.unmet_service_credit
    met_share = min(1.0, max(0.0, answer_completeness / weights.service_credit_full_at))
    return float(floor + (1.0 - floor) * met_share)


def interaction_score(
    scores: Mapping[str, float],
    weights: CompositeWeights | None = None,
    *,
    agent_words: float | None = None,
    customer_words: float | None = None,
) -> float:
    """Weighted mean of the dimensions' qualities that apply; NaN when none does.

    Brand congruence, proactive connection and filler enter scaled by
    :func:`service_credit`: a call that met none of the customer's needs keeps only
    ``unmet_service_credit`` of their points, so politeness alone cannot carry it to the
    middle of the scale.

    NaN too when the customer voiced no need and either the agent said fewer than
    ``min_agent_words`` words or the customer fewer than ``min_customer_words``: a "Hi.",
    hold messages or a greeting into silence are nothing a score could rank (mid-range
    would read as "average"); a short reply that meets a need is scored.
    """
    weights = weights or CompositeWeights()
    no_need = math.isnan(scores.get("answer_completeness", math.nan))
    if no_need and (
        (agent_words is not None and agent_words < weights.min_agent_words)
        or (customer_words is not None and customer_words < weights.min_customer_words)
    ):
        return math.nan
    credit = service_credit(scores.get("answer_completeness", math.nan), weights)
    total = 0.0
    weight_sum = 0.0
    for name, weight in weights.as_dict().items():
        value = dimension_quality(name, scores.get(name, math.nan), weights)
        if value is None or math.isnan(value) or weight == 0:
            continue
        total += weight * value * (1.0 if name == "answer_completeness" else credit)
        weight_sum += weight
    return total / weight_sum if weight_sum else math.nan


def customer_word_count(parsed: ParsedTranscript) -> int:
    """Content words the customer said (fillers such as "um" not counted)."""
    return sum(s.content_word_count() for s in parsed.customer_sentences)


#: The built-in dimensions by registry key (:func:`cxnlp.dimensions.register_dimension`), in
#: the order of :data:`cxnlp.schema.DIMENSION_COLUMNS`.
DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "brand_congruence.v1",
    "answer_completeness.v1",
    "proactive_connection.v1",
    "filler_content.v1",
)

#: What ``Scorer(dimensions=...)`` accepts: registry keys with their parameters, or a
#: sequence of keys and ready-made :class:`Dimension` objects.
DimensionSpec = Mapping[str, Mapping[str, Any]] | Sequence[Dimension | str]


def build_dimensions(spec: DimensionSpec | None = None, *, brand: Any = None) -> list[Dimension]:
    """Dimensions from registry keys and their parameters (the registry is the one way in).

    ``spec`` maps registry keys to keyword arguments, e.g. ``{"filler_content.v1":
    {"repeat_threshold": 0.85}}``, or lists keys and :class:`Dimension` objects; None is
    :data:`DEFAULT_DIMENSIONS` with their defaults. ``brand`` is the brand congruence
    ``profile`` where ``spec`` does not set one. A key may be bare (``"filler_content"``,
    the newest version).
    """
    from cxnlp.dimensions import get_dimension

    if spec is None:
        spec = {key: {} for key in DEFAULT_DIMENSIONS}
    if isinstance(spec, str):
        raise TypeError(f"Got dimensions={spec!r}; expected a list of registry keys, e.g. [{spec!r}].")
    items = spec.items() if isinstance(spec, Mapping) else [(item, {}) for item in spec]
    dimensions: list[Dimension] = []
    for key, params in items:
        if isinstance(key, Dimension):
            dimensions.append(key)
            continue
        cls = get_dimension(key)
        kwargs = dict(params)
        if brand is not None and "profile" in cls.param_names():
            kwargs.setdefault("profile", brand)
        try:
            dimensions.append(cls(**kwargs))
        except TypeError as exc:
            raise ValueError(
                f"Got parameters {sorted(kwargs)} for dimension {key!r}; expected some of "
                f"{cls.param_names()}. Fix the parameter names ({exc})."
            ) from exc
    return dimensions


def default_dimensions(brand: Any = None) -> list[Dimension]:
    """The four built-in dimensions, brand congruence against ``brand`` (default profile if None)."""
    return build_dimensions(brand=brand)


def dimension_key(dimension: Dimension) -> str:
    """The registry key a dimension is identified by (its class name when unregistered)."""
    return getattr(type(dimension), "registry_key", None) or type(dimension).__name__


class Scorer:
    """Score transcripts on the four dimensions and the interaction score.

    Parameters
    ----------
    brand : BrandProfile, str, Path or None
        Brand profile for brand congruence (YAML/TOML path or object); the packaged
        default profile when None.
    weights : CompositeWeights or mapping, optional
        Interaction-score weights; documented defaults when None.
    dimensions : mapping or sequence, optional
        Replace the built-in four: registry keys mapped to their parameters
        (``{"filler_content.v1": {"repeat_threshold": 0.85}, ...}``), or a sequence of
        keys and :class:`Dimension` objects (:func:`build_dimensions`). ``brand`` still
        sets the profile of a brand congruence built here from its key.
    parser : TranscriptParser, optional
        Shared parse pass; a CPU one is created lazily when None.
    batch_size : int
        Transcripts parsed and embedded together. Larger batches dedupe more sentences
        and feed the encoder fuller batches; memory grows with it, not with the input.
    embedding : {"torch", "onnx-int8", "onnx"}
        Sentence-encoder backend when no ``parser`` is given (see :class:`SentenceEncoder`).
    slot_vectors : bool
        Write the ``slot_vectors`` column (:mod:`cxnlp.slots`) that calibrators with
        learned sentence evidence read; about 4 kB a row after Parquet compression
        (a STC-3 score table grows 7x). ``False`` leaves it out of a table whose
        calibrators do not need it.
    max_turn_chars, max_transcript_chars : int
        The most characters a turn and a whole transcript may have
        (:class:`~cxnlp.limits.SizeLimits`). A transcript over either is refused
        before it is parsed: :meth:`score_batch` raises ``ValueError``, ``cxnlp score``
        and ``cxnlp batch`` reject it. A turn over the spaCy pipeline's ``max_length`` is
        refused the same way.
    redact : bool
        Redact personal data from the output rows (:meth:`output_row`, :meth:`score`):
        evidence, metadata and any other text, with typed placeholders such as
        ``<CREDIT_CARD>`` (:mod:`cxnlp.privacy`). Scores are computed from the original
        text either way. ``False`` still removes card security codes (PCI DSS).
    privacy_allow : str, Path or None
        The redactor's allow-list (words never redacted as a name: the deployment's
        company, brand and product names, units, ordinary words), shaped like
        ``cxnlp/resources/privacy_allow.yaml``; the packaged one when None. Read when
        redaction first runs (a bad file raises ``PrivacyAllowError`` naming the file and
        the field); its hash enters :meth:`config`.
    """

    def __init__(
        self,
        *,
        brand: Any = None,
        weights: CompositeWeights | Mapping[str, float] | None = None,
        dimensions: DimensionSpec | None = None,
        parser: TranscriptParser | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        embedding: str = "torch",
        slot_vectors: bool = True,
        max_turn_chars: int = DEFAULT_MAX_TURN_CHARS,
        max_transcript_chars: int = DEFAULT_MAX_TRANSCRIPT_CHARS,
        redact: bool = True,
        privacy_allow: str | Path | None = None,
    ):
        self.brand = brand
        self.redact = redact
        self.privacy_allow = privacy_allow
        self.weights = (
            weights if isinstance(weights, CompositeWeights) else CompositeWeights(**(weights or {}))
        )
        self.dimensions = build_dimensions(dimensions, brand=brand)
        self.parser = (
            parser if parser is not None else TranscriptParser(encoder=SentenceEncoder(backend=embedding))
        )
        if batch_size < 1:
            raise ValueError(f"Got batch_size={batch_size}; expected a positive integer.")
        self.batch_size = batch_size
        self.slot_vectors = slot_vectors
        self.size_limits = SizeLimits(max_turn_chars, max_transcript_chars)
        self._prepared = False

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_prepared"] = False
        return state

    @property
    def redactor(self) -> Any:
        """The :class:`~cxnlp.privacy.Redactor` for :attr:`redact` and :attr:`privacy_allow`
        (shared, built lazily)."""
        from cxnlp.privacy import default_redactor

        return default_redactor(bool(getattr(self, "redact", True)), getattr(self, "privacy_allow", None))

    def output_row(self, result: ScoredTranscript) -> dict[str, Any]:
        """The row written for ``result``: :func:`result_row`, redacted (see ``redact``).

        What the whole call revealed (a security code read out after the question, a
        name given once) is recognised in every fragment the row quotes.
        """
        from cxnlp.privacy import redact_record

        return redact_record(result_row(result), transcript=result.transcript, redactor=self.redactor)

    def prepare(self) -> Scorer:
        """Load models and embed every dimension's prototypes (done once, lazily)."""
        if not self._prepared:
            for dimension in self.dimensions:
                dimension.prepare(self.parser.encoder)
            self._prepared = True
        return self

    def config(self) -> dict[str, Any]:
        """Everything that changes the numbers: version, table schema, weights, encoder,
        speech boundaries and each dimension's registry key, parameters and resource hashes."""
        return {
            "cxnlp": __version__,
            "table_schema": TABLE_SCHEMA,
            "slot_vectors": self.slot_vectors,
            "weights": self.weights.model_dump(),
            "embedding": getattr(self.parser.encoder, "backend", "torch"),
            # Sentence boundaries of unpunctuated speech move every dimension.
            "speech_boundaries": default_boundary_lexicon().digest,
            # Filler words: dropped before meaning is read, and the filler dimension's words.
            "filler_words": filler_vocabulary().digest,
            # Punctuation restored to unpunctuated turns before parsing (cxnlp.speech_text).
            "speech_punctuation": (
                default_speech_punctuator().digest if getattr(self.parser, "restore_speech", False) else None
            ),
            # Where restored sentences may not end (cxnlp/resources/speech_clauses.yaml).
            "speech_clauses": (
                default_clause_lexicon().digest if getattr(self.parser, "restore_speech", False) else None
            ),
            "dimensions": [[dimension_key(d), d.config()] for d in self.dimensions],
            # What is written, not the numbers: turning redaction on rescores a store so
            # its newest rows are redacted.
            "redaction": self.redactor.fingerprint(),
        }

    def config_fingerprint(self) -> str:
        """A 16-hex-digit hash of :meth:`config`: equal configurations, however built
        (a profile path or the loaded profile, keys or objects), give equal ids."""
        blob = json.dumps(self.config(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def score_parsed(self, parsed: Any) -> ScoredTranscript:
        results: dict[str, DimensionResult] = {}
        for dimension in self.dimensions:
            results[dimension.name] = dimension.score(parsed)
        filler = results.get("filler_content")
        agent_words = filler.features.get("agent_words") if filler is not None else None
        composite = interaction_score(
            {k: r.score for k, r in results.items()},
            self.weights,
            agent_words=agent_words,
            customer_words=customer_word_count(parsed),
        )
        return ScoredTranscript(
            parsed.transcript,
            results,
            composite,
            len(parsed.sentences),
            slot_vectors=encode_slot_vectors(slot_means(parsed)) if self.slot_vectors else None,
        )

    def size_error(self, transcript: Transcript) -> RecordError | None:
        """Why ``transcript`` is too large to parse (:attr:`size_limits`, spaCy's
        ``max_length``), or None when it fits."""
        error = size_error(transcript, self.size_limits)
        if error is not None:
            return error
        max_length = self.parser.nlp.max_length
        for index, turn in enumerate(transcript.turns):
            if len(turn.text) > max_length:
                return RecordError(
                    f"Got a turn of {len(turn.text):,} characters; expected at most {max_length:,} "
                    "(the spaCy pipeline's max_length). Lower max_turn_chars below it.",
                    field=f"turns[{index}].text",
                    record_id=transcript.id,
                )
        return None

    def score_batch_with_parse(
        self, transcripts: Sequence[Transcript], *, progress: Callable[[int], object] | None = None
    ) -> list[tuple[ParsedTranscript, ScoredTranscript]]:
        """:meth:`score_batch`, keeping each transcript's parse (sentences and embeddings),
        for what needs the sentences after scoring, such as explaining a calibrated score.

        ``progress`` is called with 1 as each transcript's scores are done (after the
        batch's shared parse), so a progress bar moves per transcript, not per batch.
        Raises ``ValueError`` before parsing anything if a transcript is too large
        (:meth:`size_error`)."""
        for transcript in transcripts:
            error = self.size_error(transcript)
            if error is not None:
                raise ValueError(f"transcript {transcript.id!r}, {error.field}: {error.reason}")
        self.prepare()
        with collector_paused():
            parsed = self.parser.parse_many(list(transcripts))
            for dimension in self.dimensions:
                dimension.prefetch(parsed)
            pairs = []
            with one_blas_thread():
                for p in parsed:
                    pairs.append((p, self.score_parsed(p)))
                    if progress is not None:
                        progress(1)
            self._prefetch_redaction([scored for _, scored in pairs])
        return pairs

    def _prefetch_redaction(self, results: Sequence[ScoredTranscript]) -> None:
        """Analyse the batch's quoted strings for personal data in one pass, so that
        :meth:`output_row` finds them in the redactor's cache (same findings, one
        ``nlp.pipe`` call instead of one spaCy call per string)."""
        if not getattr(self, "redact", True):
            return
        self.redactor.prefetch(text for result in results for text in quoted_strings(result))

    def score_batch(
        self, transcripts: Sequence[Transcript], *, progress: Callable[[int], object] | None = None
    ) -> list[ScoredTranscript]:
        """Score transcripts together: one parse pass, dimension prefetch, then each one
        (``progress`` as in :meth:`score_batch_with_parse`)."""
        return [scored for _, scored in self.score_batch_with_parse(transcripts, progress=progress)]

    def iter_scored(self, transcripts: Iterable[Transcript]) -> Iterator[ScoredTranscript]:
        """Score a stream of transcripts lazily, ``batch_size`` at a time, in input order."""
        for batch in chunked(transcripts, self.batch_size):
            yield from self.score_batch(batch)

    def score_one(self, transcript: Transcript) -> ScoredTranscript:
        return next(self.iter_scored([transcript]))

    def score(self, transcripts: Iterable[Transcript]) -> pd.DataFrame:
        """Score transcripts and return the output table (one row per transcript), redacted
        as it would be written (``redact``)."""
        rows: list[dict[str, Any]] = []
        for batch in chunked(transcripts, self.batch_size):
            with collector_paused():  # a batch's rows are redacted with it (see collector_paused)
                rows.extend(self.output_row(r) for r in self.score_batch(batch))
        return pd.DataFrame.from_records(rows)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a batch is scored, then the batch's
    young objects collected at once (generations 0 and 1).

    Why: parsing and scoring a batch allocate millions of container objects, and each
    automatic collection walks every young survivor, including the models' and caches'
    objects promoted since: on the sample calls and 400 STC-3 dialogues the collector took
    1.6-2 s of 21-23 s of CPU outside the encoder, most of it in full collections during
    the batch. Outputs do not depend on when garbage is collected. Memory stays bounded:
    young garbage waits at most one batch, and the full collection runs after the batch
    that brings the collector to its own threshold for one (by default every 10th). Nested
    use (and a caller who paused the collector) leaves it as is.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        full = gc.get_count()[2] >= gc.get_threshold()[2]
        gc.collect(2 if full else 1)


def one_blas_thread() -> AbstractContextManager[Any]:
    """numpy's BLAS limited to one thread while the dimensions score (the encoder is not
    affected: it runs before, in the parse).

    Why: the dimensions' matrix products are small (a call's sentences against a few
    hundred prototype sentences). OpenBLAS splits each one over its threads, and waking
    them costs far more than the product, most of all on a busy machine: 3,000 products of
    12x384 by 384x170 took 12.9 s of CPU with two threads and 0.14 s with one. The
    result of a product can differ in its last bits with the thread count (4.8e-7 on that
    shape); on the sample calls and 200 STC-3 dialogues every score, feature and evidence
    field was identical.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn installs it
        return contextlib.nullcontext()
    limits: AbstractContextManager[Any] = threadpool_limits(limits=1, user_api="blas")
    return limits


def quoted_strings(result: ScoredTranscript) -> Iterator[str]:
    """The strings of the call that its output row quotes (evidence sentences, spans and
    details, text metadata): what redaction reads before the row is written."""
    for item in result.evidence:
        yield from (t for t in (item.sentence, item.span, item.detail) if t)
    yield from (v for v in result.transcript.metadata.values() if isinstance(v, str))


def result_row(result: ScoredTranscript) -> dict[str, Any]:
    """The output row of one transcript: id, metadata, scores, features, evidence.

    A metadata key that is also an output column (or that a renamed key would take) is
    renamed ``meta_<key>``, then ``meta_meta_<key>`` and so on: nothing is overwritten.
    """
    transcript = result.transcript
    scores: dict[str, Any] = {}
    for name in DIMENSION_COLUMNS:
        dim = result.dimensions.get(name)
        scores[name] = float(dim.score) if dim is not None else math.nan
    scores[SCORE_COLUMN] = float(result.interaction_score)
    scores["n_turns"] = len(transcript.turns)
    scores["n_agent_turns"] = len(transcript.agent_turns)
    scores["n_sentences"] = result.n_sentences
    timing = timing_metrics(transcript)
    if not all(math.isnan(value) for value in timing.values()):
        scores.update(timing)
    for name, dim in result.dimensions.items():
        for feature, value in dim.features.items():
            scores[f"f_{name}__{feature}"] = float(value)
    scores["evidence"] = json.dumps([e.to_dict() for e in result.evidence], ensure_ascii=False)
    if result.slot_vectors is not None:
        scores[SLOT_COLUMN] = result.slot_vectors
    scores["content_hash"] = transcript.content_hash()
    scores["cxnlp_version"] = __version__
    row: dict[str, Any] = {"transcript_id": transcript.id}
    taken = {*_RESERVED, *scores, *transcript.metadata}
    for key, value in transcript.metadata.items():
        if key in _RESERVED or key in scores:
            key = _free_name(f"meta_{key}", taken)
            taken.add(key)
        row[key] = value if _is_scalar(value) else json.dumps(value, default=str)
    row.update(scores)
    return row


_RESERVED = frozenset(
    {
        "transcript_id",
        *DIMENSION_COLUMNS,
        SCORE_COLUMN,
        "n_turns",
        "n_agent_turns",
        "n_sentences",
        *TIMING_COLUMNS,
        "evidence",
        SLOT_COLUMN,
        "content_hash",
        "cxnlp_version",
    }
)


def _free_name(name: str, taken: set[str]) -> str:
    while name in taken:
        name = f"meta_{name}"
    return name


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def results_to_frame(results: Iterable[ScoredTranscript]) -> pd.DataFrame:
    return pd.DataFrame.from_records([result_row(r) for r in results])


def evidence_frame(results: Iterable[ScoredTranscript] | pd.DataFrame) -> pd.DataFrame:
    """One row per evidence item, with its transcript id: for notebooks and reports.

    Accepts scored results or a score table with its ``evidence`` JSON column.
    """
    rows: list[dict[str, Any]] = []
    if isinstance(results, pd.DataFrame):
        for tid, blob in zip(results["transcript_id"], results["evidence"], strict=True):
            rows.extend({"transcript_id": tid, **item} for item in json.loads(blob))
    else:
        for result in results:
            rows.extend({"transcript_id": result.id, **e.to_dict()} for e in result.evidence)
    columns = ["transcript_id", "dimension", "kind", "turn_index", "sentence", "detail", "weight", "span"]
    return pd.DataFrame.from_records(rows, columns=columns)


def score_transcripts(
    source: str | Path | Sequence[str | Path] | Iterable[Transcript],
    *,
    brand: Any = None,
    weights: CompositeWeights | Mapping[str, float] | None = None,
    scorer: Scorer | None = None,
) -> pd.DataFrame:
    """Score transcripts in one call: file path(s) or :class:`Transcript` objects in, table out.

    Records that cannot be scored from files are skipped here with a warning in the log;
    use ``cxnlp score`` or :func:`cxnlp.runs.score_files` to keep a rejects file.
    """
    scorer = scorer or Scorer(brand=brand, weights=weights)
    if isinstance(source, str | Path) or (
        isinstance(source, Sequence) and source and isinstance(source[0], str | Path)
    ):
        from cxnlp.ingest import read_transcripts
        from cxnlp.model import Reject

        def transcripts() -> Iterator[Transcript]:
            for item in read_transcripts(source):
                if isinstance(item, Reject):
                    logger.warning("rejected %s: %s", item.source, item.reason)
                else:
                    yield item

        return scorer.score(transcripts())
    return scorer.score(source)  # type: ignore[arg-type]

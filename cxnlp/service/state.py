"""What a running service holds: settings, the loaded scorer and calibration, its identity.

:func:`load_service` does all the slow work (spaCy, the sentence encoder, every
dimension's prototypes, the calibration, the key file) before a request is accepted, so
the first call is as fast as the rest and a bad option fails at start-up, not at the
first request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxnlp import __version__
from cxnlp.limits import DEFAULT_MAX_TRANSCRIPT_CHARS, DEFAULT_MAX_TURN_CHARS
from cxnlp.service.auth import KeyRing
from cxnlp.service.batcher import MicroBatcher
from cxnlp.service.schemas import MAX_TRANSCRIPTS_PER_REQUEST, Configuration

logger = logging.getLogger(__name__)

#: Default largest request body: 64 transcripts of a long chat (20,000 characters) each,
#: with JSON overhead. Larger bodies get 413 before they are read.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class ServiceSettings:
    """Everything ``cxnlp serve`` can be told (see ``docs/service.md``)."""

    store: Path | None = None
    calibration: Path | None = None
    brand: Path | None = None
    api_keys: Path | None = None
    embedding: str = "torch"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_transcripts: int = MAX_TRANSCRIPTS_PER_REQUEST
    max_turn_chars: int = DEFAULT_MAX_TURN_CHARS
    max_transcript_chars: int = DEFAULT_MAX_TRANSCRIPT_CHARS
    rate_limit: int = 600
    batch_window_ms: float = 5.0
    #: Redact personal data from every text a response quotes and every log line
    #: (``cxnlp serve --no-redact`` turns it off; card security codes go either way).
    redact: bool = True
    #: The deployment's allow-list of words never redacted as a name (``cxnlp serve
    #: --privacy-allow FILE``, as ``Scorer(privacy_allow=...)``); the packaged one when None.
    privacy_allow: Path | None = None

    def to_env(self) -> dict[str, str]:
        """The settings as one environment variable, for uvicorn's worker processes."""
        payload = {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}
        return {ENV_SETTINGS: json.dumps(payload)}

    @classmethod
    def from_env(cls, environ: dict[str, str]) -> ServiceSettings:
        payload = json.loads(environ[ENV_SETTINGS])
        paths = ("store", "calibration", "brand", "api_keys", "privacy_allow")
        return cls(**{k: (Path(v) if k in paths and v is not None else v) for k, v in payload.items()})


ENV_SETTINGS = "CXNLP_SERVICE_SETTINGS"


@dataclass
class Service:
    """The loaded service: one per worker process."""

    settings: ServiceSettings
    scorer: Any
    batcher: MicroBatcher
    calibrations: dict[str, Any]
    configuration: Configuration
    keys: KeyRing | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return list(self.calibrations)

    @property
    def redactor(self) -> Any:
        """The shared :class:`~cxnlp.privacy.Redactor` for ``settings.redact`` and
        ``settings.privacy_allow``: the one ``Scorer(redact=..., privacy_allow=...)`` writes
        its rows with."""
        from cxnlp.privacy import default_redactor

        return default_redactor(self.settings.redact, self.settings.privacy_allow)

    def close(self) -> None:
        self.batcher.close()


def calibration_id(path: Path | None) -> str | None:
    """A hash of the calibration files' content (the index and each calibrator)."""
    if path is None:
        return None
    files = [path] if path.is_file() else sorted(p for p in path.glob("*.json") if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def configuration_of(
    scorer_config_id: str, brand_sha256: str | None, calibration: str | None, *, redaction: bool = True
) -> Configuration:
    """The configuration a response names; ``redaction`` (what the texts show) is part of its id."""
    blob = json.dumps([__version__, scorer_config_id, calibration, {"redaction": redaction}])
    return Configuration(
        id=hashlib.sha256(blob.encode()).hexdigest()[:16],
        cxnlp_version=__version__,
        scorer_config_id=scorer_config_id,
        brand_sha256=brand_sha256,
        calibration_id=calibration,
        redaction=redaction,
    )


def _warm_up() -> Any:
    from cxnlp.model import Transcript

    return Transcript.from_pairs(
        "warm-up", [("customer", "Can you check my bill?"), ("agent", "Sure, I have fixed it for you today.")]
    )


def load_service(settings: ServiceSettings, *, scorer: Any = None) -> Service:
    """Load models, calibration and keys; everything that can fail fails here.

    ``scorer`` lets tests share an already prepared :class:`~cxnlp.scoring.Scorer`.
    """
    from cxnlp.batch.nightly import configuration
    from cxnlp.calibration.workflow import load_calibration
    from cxnlp.scoring import Scorer

    keys = KeyRing.load(settings.api_keys) if settings.api_keys is not None else None
    if settings.store is not None:
        from cxnlp.service.reviews import sweep_partial_reviews

        sweep_partial_reviews(settings.store)
    if settings.brand is not None:
        from cxnlp.dimensions.brand import load_brand_profile

        load_brand_profile(settings.brand)
    if settings.privacy_allow is not None:
        from cxnlp.privacy.allow import load_allow_list

        load_allow_list(settings.privacy_allow)  # PrivacyAllowError (a ValueError) names the file
    calibrations = load_calibration(settings.calibration) if settings.calibration is not None else {}
    if scorer is None:
        scorer = Scorer(
            brand=settings.brand,
            embedding=settings.embedding,
            max_turn_chars=settings.max_turn_chars,
            max_transcript_chars=settings.max_transcript_chars,
            redact=settings.redact,
            privacy_allow=settings.privacy_allow,
        )
    scorer.prepare()
    _ = scorer.parser.nlp  # the spaCy pipeline loads now, not on the first request
    scorer.score_batch([_warm_up()])  # and torch's first-call set-up happens here too
    scorer_config_id, record = configuration(scorer, settings.brand)
    config = configuration_of(
        scorer_config_id,
        record["brand"]["sha256"],
        calibration_id(settings.calibration),
        redaction=settings.redact,
    )
    batcher = MicroBatcher(scorer, window_s=settings.batch_window_ms / 1000.0, max_batch=scorer.batch_size)
    logger.info("service ready: configuration %s", config.id)
    return Service(settings, scorer, batcher, calibrations, config, keys)

"""The HTTP API: routes, authentication, body limits and request logging.

Routes are thin: they check the caller, read the body, hand transcripts to the
micro-batcher and build responses in :mod:`cxnlp.service.responses`. Every error is a
JSON ``{"detail": "..."}`` with a 4xx status saying what was wrong; the log gets a request
id, the key id, counts and timings, never transcript text, evidence or keys.

Personal data never leaves in a response: results, rejects, error messages, the review
page's call and reviewers' comments are redacted through the scorer's own redactor
(:mod:`cxnlp.service.redaction`), and the service's log lines pass the same redactor.
``ServiceSettings(redact=False)`` (``cxnlp serve --no-redact``) shows raw text, still
without card security codes.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from cxnlp import __version__
from cxnlp.ingest.jsonl import json_type, transcript_from_record
from cxnlp.ingest.rejects import RecordError, json_error_text
from cxnlp.model import Reject, Transcript
from cxnlp.privacy import RedactingFilter
from cxnlp.privacy.logs import NO_INPUT_TEXT
from cxnlp.scoring import result_row
from cxnlp.service import responses
from cxnlp.service.auth import ApiKey
from cxnlp.service.call_text import find_call_text
from cxnlp.service.paging import CursorError
from cxnlp.service.paging import Query as PageQuery
from cxnlp.service.paging import page as take_page
from cxnlp.service.redaction import ShownCall, shown_review
from cxnlp.service.review_agreement import review_agreement
from cxnlp.service.review_page import ASSETS, PAGE_HEADERS, asset, call_turns
from cxnlp.service.reviews import read_review_records, read_reviews, write_review
from cxnlp.service.schemas import (
    AgreementResponse,
    CallView,
    ExplainResponse,
    ExplainSentence,
    ExplainTerm,
    Explanation,
    Health,
    RejectItem,
    ResultsPage,
    Review,
    ReviewIn,
    ScoreResponse,
    ScoreResult,
    result_json_schema,
)
from cxnlp.service.state import Service, ServiceSettings, configuration_of, load_service
from cxnlp.service.store_access import newest_results, store_configuration

logger = logging.getLogger("cxnlp.service")


class BodyTooLarge(Exception):
    """The request body passed the service's byte limit while it was being read."""


class TranscriptIn(BaseModel):
    """One transcript, the shape of a JSONL input line (documentation of the request body)."""

    model_config = ConfigDict(extra="allow")

    id: str | int = Field(description="Transcript id (or 'transcript_id').")
    turns: list[dict[str, Any]] = Field(description="[{speaker, text, start?, end?}, ...]")


class ExplainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transcript: dict[str, Any] = Field(description="One transcript, the shape of a JSONL input line.")
    targets: list[str] | None = Field(None, description="Calibrated targets to explain (all when omitted).")
    top: int = Field(6, ge=1, le=50, description="Sentences listed in each direction.")


_SCORE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/TranscriptIn"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/TranscriptIn"}},
                    ]
                }
            }
        },
    }
}


def require(scope: str) -> Callable[[Request], ApiKey | None]:
    """A dependency that admits a request with a valid key holding ``scope`` (401, 403, 429)."""

    def check(request: Request) -> ApiKey | None:
        service: Service = request.app.state.service
        if service.keys is None:
            return None
        header = request.headers.get("authorization", "")
        presented = header[7:].strip() if header.lower().startswith("bearer ") else None
        presented = presented or request.headers.get("x-api-key")
        key = service.keys.verify(presented)
        if key is None:
            raise HTTPException(
                401,
                "Got no valid API key; expected 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        request.state.key_id = key.key_id
        if not key.allows(scope):
            raise HTTPException(
                403, f"Got key {key.key_id!r} without scope {scope!r}; expected a key with it."
            )
        if not request.app.state.limiter.allow(key.key_id):
            raise HTTPException(
                429,
                f"Got more than {service.settings.rate_limit} requests a minute from key {key.key_id!r}; "
                "slow down.",
                headers={"Retry-After": "5"},
            )
        return key

    return check


ScoreKey = Annotated[ApiKey | None, Depends(require("score"))]
ReadKey = Annotated[ApiKey | None, Depends(require("read"))]
ReviewKey = Annotated[ApiKey | None, Depends(require("review"))]


def create_app(settings: ServiceSettings | None = None, *, service: Service | None = None) -> FastAPI:
    """The FastAPI application; loads the models now unless a loaded ``service`` is given."""
    if service is None:
        service = load_service(settings or ServiceSettings())
    settings = service.settings
    app = FastAPI(
        title="cxnlp",
        version=__version__,
        description="Score customer-service calls, explain the scores, collect reviews. See docs/service.md.",
    )
    app.state.service = service
    app.state.limiter = _RateLimiter(settings.rate_limit)
    redactor = service.redactor
    _redact_service_logs(redactor)

    # --- plumbing ----------------------------------------------------------------------

    @app.middleware("http")
    async def log_and_limit(request: Request, call_next: Callable[..., Any]) -> Any:
        request_id = secrets.token_hex(6)
        request.state.request_id = request_id
        request.state.key_id = None
        request.state.counts = ""
        started = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > settings.max_body_bytes:
            response = _error(413, _too_large_message(settings.max_body_bytes))
        elif (refused := _not_json_post(request)) is not None:
            response = _error(415, redactor.redact(refused))
        else:
            response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        # Only the service's own values: the log filter's redactor passes it unread
        # (NO_INPUT_TEXT). Were it read, "ms;" and "-" keep "ms received" from being a
        # title and a name, and "None" from a name (a slow NER pass).
        logger.info(
            "request %s key=%s %s %s -> %d in %.1f ms; %s",
            request_id,
            request.state.key_id or "-",
            request.method,
            request.scope.get("route").path if request.scope.get("route") else "-",
            response.status_code,
            1000 * (time.perf_counter() - started),
            request.state.counts,
            extra=NO_INPUT_TEXT,
        )
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # A message may quote the request (an id, a value): redacted like every response.
        return _error(exc.status_code, redactor.redact(str(exc.detail)), headers=exc.headers)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return _error(413, _too_large_message(settings.max_body_bytes))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, redactor.redact(_validation_message(exc)))

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> JSONResponse:
        # The client went away mid-body: its request, not a server error (one request
        # line with 400, no ERROR and no traceback in the log).
        return _error(400, "Got a body cut off: the client disconnected while sending it.")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        logger.error("request %s failed: %s", getattr(request.state, "request_id", "-"), type(exc).__name__)
        return _error(500, "internal error; the request id is in the X-Request-ID header and the log")

    def body_json(raw: bytes) -> Any:
        try:
            return json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise HTTPException(400, f"Got a body that is not UTF-8 ({exc.reason}); expected JSON.") from exc
        except json.JSONDecodeError as exc:
            raise HTTPException(
                400,
                f"Got a body that is not JSON ({json_error_text(exc)}); "
                "expected a transcript object or a list of them.",
            ) from exc
        except (RecursionError, ValueError) as exc:
            raise HTTPException(
                400, "Got JSON that cannot be read (nested too deeply or a huge number)."
            ) from exc

    async def read_body(request: Request) -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_body_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    # --- routes ------------------------------------------------------------------------

    @app.get("/v1/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """Ready once the models are loaded (they load before the port opens)."""
        return Health(
            status="ready",
            cxnlp_version=__version__,
            configuration=service.configuration,
            store=settings.store is not None,
            calibration_targets=service.targets,
            auth=service.keys is not None,
        )

    @app.post("/v1/score", response_model=ScoreResponse, tags=["scoring"], openapi_extra=_SCORE_BODY)
    async def score(request: Request, key: ScoreKey) -> ScoreResponse:
        """Score one transcript (a JSON object) or a list of them (a JSON array).

        Every record is in ``results`` or in ``rejects`` with its field and reason.
        """
        payload = body_json(await read_body(request))
        if isinstance(payload, dict):
            records = [payload]
        elif isinstance(payload, list):
            records = payload
        else:
            raise HTTPException(
                422, f"Got a JSON {json_type(payload)}; expected a transcript object or a list of them."
            )
        if not records:
            raise HTTPException(422, "Got an empty list; expected at least one transcript.")
        if len(records) > settings.max_transcripts:
            raise HTTPException(
                413,
                f"Got {len(records)} transcripts; expected at most {settings.max_transcripts} per "
                "request. Split the list, or use cxnlp batch for bulk scoring.",
            )
        result = await run_in_threadpool(score_records, service, records)
        request.state.counts = (
            f"received={result.received} scored={len(result.results)} rejected={len(result.rejects)}"
        )
        return result

    @app.post("/v1/explain", response_model=ExplainResponse, tags=["scoring"])
    def explain(body: ExplainIn, request: Request, key: ScoreKey) -> ExplainResponse:
        """The terms and sentences behind each calibrated prediction (what ``cxnlp explain`` prints)."""
        if not service.calibrations:
            raise HTTPException(409, "Got no calibration loaded; start cxnlp serve with --calibration DIR.")
        chosen = body.targets or service.targets
        unknown = [t for t in chosen if t not in service.calibrations]
        if unknown:
            raise HTTPException(422, f"Got target(s) {unknown}; expected some of {service.targets}.")
        transcript = _one_transcript(body.transcript)
        error = service.scorer.size_error(transcript)
        if error is not None:
            raise HTTPException(413, f"{error.field}: {error.reason}")
        from cxnlp.calibration.explain import explain_transcript

        calibrations = [service.calibrations[t] for t in chosen]
        items = service.batcher.call(
            lambda scorer: explain_transcript(transcript, calibrations, scorer=scorer)
        )
        shown = ShownCall(redactor, transcript)
        return ExplainResponse(
            transcript_id=transcript.id,
            configuration=service.configuration,
            explanations=[_explanation(item, shown, body.top) for item in items],
        )

    @app.get("/v1/results", response_model=ResultsPage, tags=["results"])
    def results(
        request: Request,
        key: ReadKey,
        since: str | None = Query(None, description="Only results stored at or after this ISO time/date."),
        team: str | None = Query(None, description="Only calls of this team (the 'team' metadata)."),
        cursor: str | None = Query(None, description="next_cursor of the previous page."),
        limit: int = Query(100, ge=1, le=500, description="Results per page."),
    ) -> ResultsPage:
        """What the nightly batch stored, newest configuration only, paged."""
        view = newest_results(_store(service))
        query = PageQuery(since=_utc_since(since), team=team, config_id=view.config_id)
        try:
            chunk, next_cursor = take_page(view.frame, query, cursor=cursor, limit=limit)
        except CursorError as exc:
            raise HTTPException(400, str(exc)) from exc
        request.state.counts = f"returned={len(chunk)}"
        return ResultsPage(
            results=_stored_results(service, chunk, view.config_id),
            next_cursor=next_cursor,
            config_id=view.config_id,
        )

    @app.get("/v1/results/{transcript_id}", response_model=ScoreResult, tags=["results"])
    def result(transcript_id: str, key: ReadKey) -> ScoreResult:
        """One transcript's newest stored result."""
        view = newest_results(_store(service))
        row = view.row(transcript_id)
        if row is None:
            raise HTTPException(404, f"Got transcript id {transcript_id!r}, which the store does not hold.")
        return _stored_results(service, row.to_frame().T, view.config_id)[0]

    @app.post("/v1/reviews", response_model=Review, status_code=201, tags=["reviews"])
    def post_review(body: ReviewIn, request: Request, key: ReviewKey) -> Review:
        """Store a reviewer's verdict; 201 only once it is on disk."""
        store = _store(service)
        reviewer = _reviewer(body, key)
        if newest_results(store).row(body.transcript_id) is None:
            raise HTTPException(
                404,
                f"Got transcript id {body.transcript_id!r}, which the store does not hold; expected a "
                "call the nightly batch scored.",
            )
        # The review table is part of the store: a comment is stored redacted like the rest.
        review = {**body.model_dump(), "reviewer_id": reviewer, "comment": redactor.redact(body.comment)}
        record = write_review(store, review, key_id=key.key_id if key else None)
        return Review(**record)

    @app.get("/v1/calls/{transcript_id}", response_model=CallView, tags=["reviews"])
    def call(transcript_id: str, request: Request, key: ReadKey) -> CallView:
        """One stored call as the review page shows it: result, turns with highlights, reviews."""
        store = _store(service)
        view = newest_results(store)
        row = view.row(transcript_id)
        if row is None:
            raise HTTPException(404, f"Got transcript id {transcript_id!r}, which the store does not hold.")
        found = find_call_text(store, row, limits=service.scorer.size_limits)
        result = _stored_results(service, row.to_frame().T, view.config_id, transcript=found.transcript)[0]
        turns = call_turns(ShownCall(redactor, found.transcript), result.evidence)
        reviews = [
            Review(**shown_review(redactor, r))
            for r in read_review_records(store)
            if r["transcript_id"] == transcript_id
        ]
        explanations = _call_explanations(service, ShownCall(redactor, found.transcript))
        request.state.counts = f"turns={len(turns)} reviews={len(reviews)} explanations={len(explanations)}"
        return CallView(
            result=result, turns=turns, text_note=found.note, reviews=reviews, explanations=explanations
        )

    @app.get("/review/{transcript_id}", include_in_schema=False)
    def review_page(transcript_id: str) -> Response:
        """The reviewer's page: a static shell whose script loads the call with the reviewer's key."""
        return Response(asset("review.html"), media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @app.get("/review-assets/{name}", include_in_schema=False)
    def review_asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404, f"Got asset {name!r}; expected one of {sorted(ASSETS)}.")
        return Response(asset(name), media_type=f"{ASSETS[name]}; charset=utf-8", headers=PAGE_HEADERS)

    @app.get("/v1/reviews", response_model=list[Review], tags=["reviews"])
    def get_reviews(
        key: ReadKey,
        transcript_id: str | None = Query(None, description="Only reviews of this call."),
    ) -> list[Review]:
        """Stored reviews, oldest first (append-only: a later review does not replace an earlier one)."""
        records = read_review_records(_store(service))
        return [
            Review(**shown_review(redactor, r))
            for r in records
            if transcript_id is None or r["transcript_id"] == transcript_id
        ]

    @app.get("/v1/agreement", response_model=AgreementResponse, tags=["reviews"])
    def agreement(
        key: ReadKey,
        n_boot: int = Query(200, ge=10, le=2000, description="Bootstrap replicates for the 95% intervals."),
    ) -> AgreementResponse:
        """Machine-reviewer and reviewer-reviewer agreement, and each reviewer's drift."""
        store = _store(service)
        reviews = read_reviews(store)
        machine = _with_predictions(service, newest_results(store).frame)
        return review_agreement(reviews, machine, n_boot=n_boot)

    @app.get("/v1/schema", tags=["service"])
    def schema(key: ReadKey) -> dict[str, Any]:
        """The JSON Schema of a result (also in docs/result-schema.json)."""
        return result_json_schema()

    return app


# --- work behind the routes -------------------------------------------------------------


def score_records(service: Service, records: list[Any]) -> ScoreResponse:
    """Validate records as the JSONL reader does, score the valid ones, keep every reject."""
    rejects: list[RejectItem] = []
    transcripts: list[tuple[int, Transcript]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(records):
        try:
            transcript = transcript_from_record(raw, source=f"body[{index}]")
        except RecordError as err:
            rejects.append(_reject_item(index, err.record_id, err.field, err.reason))
            continue
        if transcript.id in seen:
            rejects.append(
                _reject_item(
                    index,
                    transcript.id,
                    "id",
                    f"Got transcript id {transcript.id!r} again (first at body[{seen[transcript.id]}]); "
                    "expected each id once per request.",
                )
            )
            continue
        seen[transcript.id] = index
        transcripts.append((index, transcript))
    outcomes = service.batcher.score([t for _, t in transcripts])
    scored = [(i, o) for (i, _), o in zip(transcripts, outcomes, strict=True) if not isinstance(o, Reject)]
    for (index, _), outcome in zip(transcripts, outcomes, strict=True):
        if isinstance(outcome, Reject):
            rejects.append(_reject_item(index, outcome.record_id, outcome.field, outcome.reason))
    rows = [result_row(o) for _, o in scored]
    if service.calibrations and rows:
        from cxnlp.calibration.workflow import apply_calibration

        rows = apply_calibration(pd.DataFrame(rows), service.calibrations).to_dict("records")
    results = [
        responses.scored_result(
            o, row, configuration=service.configuration, targets=service.targets, redactor=service.redactor
        )
        for (_, o), row in zip(scored, rows, strict=True)
    ]
    rejects = [r.model_copy(update={"reason": service.redactor.redact_message(r.reason)}) for r in rejects]
    rejects.sort(key=lambda r: r.index if r.index is not None else -1)
    return ScoreResponse(received=len(records), results=results, rejects=rejects)


def _reject_item(index: int, record_id: str | None, field: str | None, reason: str) -> RejectItem:
    return RejectItem(index=index, record_id=record_id, field=field, reason=reason)


def _one_transcript(record: Any) -> Transcript:
    try:
        return transcript_from_record(record, source="body.transcript")
    except RecordError as err:
        where = f"transcript.{err.field}" if err.field else "transcript"
        raise HTTPException(422, f"{where}: {err.reason}") from err


def _explanation(item: Any, shown: ShownCall, top: int) -> Explanation:
    """One target's explanation; its sentences redacted and located like evidence."""
    terms = item.terms
    up, down = item.top_sentences(top)
    turns = shown.transcript.turns if shown.transcript is not None else ()

    def sentences(frame: pd.DataFrame) -> list[ExplainSentence]:
        out = []
        for row in frame.itertuples():
            turn = int(row.turn_index)
            source = responses.locate(turns[turn].text, row.sentence) if 0 <= turn < len(turns) else None
            where = shown.turn(turn).map_span(*source) if source is not None else None
            sentence = shown.turn(turn).text[where[0] : where[1]] if where else shown.text(str(row.sentence))
            out.append(
                ExplainSentence(
                    turn_index=turn,
                    speaker=str(row.speaker),
                    slot=str(row.slot),
                    sentence=sentence,
                    start=where[0] if where else None,
                    end=where[1] if where else None,
                    source_start=source[0] if source else None,
                    source_end=source[1] if source else None,
                    contribution=float(row.contribution),
                )
            )
        return out

    return Explanation(
        target=item.target,
        prediction=float(item.prediction),
        interval_low=float(item.interval[0]),
        interval_high=float(item.interval[1]),
        terms=[
            ExplainTerm(
                term=str(r.term),
                kind=str(r.kind),
                dimension=r.dimension or None,
                contribution=float(r.contribution),
            )
            for r in terms.itertuples()
        ],
        raises=sentences(up),
        lowers=sentences(down),
    )


#: Sentences the review page lists in each direction of an explanation.
REVIEW_PAGE_SENTENCES = 5


def _call_explanations(service: Service, shown: ShownCall) -> list[Explanation]:
    """The review page's explanations of a stored call: every loaded calibration, on the
    call's text as found again (none without a calibration or the text)."""
    if not service.calibrations or shown.transcript is None:
        return []
    from cxnlp.calibration.explain import explain_transcript

    transcript, calibrations = shown.transcript, list(service.calibrations.values())
    try:
        items = service.batcher.call(
            lambda scorer: explain_transcript(transcript, calibrations, scorer=scorer)
        )
    except (ValueError, KeyError) as exc:  # a calibration that does not fit this scorer's columns
        logger.warning("cannot explain a stored call for the review page: %s", type(exc).__name__)
        return []
    return [_explanation(item, shown, REVIEW_PAGE_SENTENCES) for item in items]


def _store(service: Service) -> Any:
    if service.settings.store is None:
        raise HTTPException(409, "Got no result store; start cxnlp serve with --store STORE.")
    return service.settings.store


def _with_predictions(service: Service, frame: pd.DataFrame) -> pd.DataFrame:
    """Stored rows with calibrated predictions, when a calibration is loaded and applies."""
    if not service.calibrations or frame.empty:
        return frame
    from cxnlp.calibration.workflow import apply_calibration

    try:
        return apply_calibration(frame, service.calibrations)
    except (ValueError, KeyError) as exc:
        logger.warning("calibration does not apply to the stored results: %s", type(exc).__name__)
        return frame


def _stored_results(
    service: Service, chunk: pd.DataFrame, config_id: str | None, *, transcript: Transcript | None = None
) -> list[ScoreResult]:
    chunk = _with_predictions(service, chunk.reset_index(drop=True))
    stored = store_configuration(service.settings.store, config_id) if config_id else {}
    brand = (stored.get("brand") or {}).get("sha256")
    config = configuration_of(
        config_id or "", brand, service.configuration.calibration_id, redaction=service.settings.redact
    )
    return [
        responses.stored_result(
            row,
            configuration=config,
            targets=service.targets,
            redactor=service.redactor,
            transcript=transcript,
        )
        for row in chunk.to_dict("records")
    ]


def _not_json_post(request: Request) -> str | None:
    """Why a POST to the API is refused for its Content-Type (None when it is JSON).

    A web page on any site can make a browser post a form or plain text to 127.0.0.1
    without asking first; a JSON post needs the browser's CORS preflight, which this
    service never grants. So only JSON is taken (and a tool that forgot the header is
    told so, instead of "Input should be a valid dictionary").
    """
    if request.method not in ("POST", "PUT", "PATCH") or not request.url.path.startswith("/v1/"):
        return None
    given = request.headers.get("content-type", "")
    media = given.split(";", 1)[0].strip().lower()
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        return None
    got = f"Content-Type {given[:60]!r}" if given else "no Content-Type"
    return f"Got {got}; expected application/json. Send the header Content-Type: application/json."


def _utc_since(since: str | None) -> str | None:
    """``since`` as the store writes times (UTC ISO), or 422 for text that is no date."""
    if since is None or not since.strip():
        return None
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(since.strip())
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise HTTPException(
            422,
            f"since: Got {since[:40]!r}; expected an ISO date or time such as 2026-12-01 or "
            "2026-12-01T08:00:00+00:00.",
        ) from exc
    return moment.isoformat()


def _checked_reviewer_id(reviewer_id: str) -> str:
    """A reviewer id as stored, or 422: never a card number or security code (PCI DSS: the
    review table is an output), nor control or invisible format characters."""
    import unicodedata

    from cxnlp.privacy.detectors import pci_scrub

    if pci_scrub(reviewer_id) != reviewer_id:
        raise HTTPException(
            422,
            "reviewer_id: Got a card number or security code; expected the reviewer's own id "
            "(reviews are stored and shown under it).",
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in reviewer_id):
        raise HTTPException(
            422,
            "reviewer_id: Got control or invisible characters; expected a plain id such as "
            "'priya' or 'qa-07'.",
        )
    return reviewer_id


def _reviewer(body: ReviewIn, key: ApiKey | None) -> str:
    if key is None:
        if body.reviewer_id is None:
            raise HTTPException(422, "reviewer_id: Got none; expected the reviewer's id (no keys in use).")
        return _checked_reviewer_id(body.reviewer_id)
    if body.reviewer_id is not None and body.reviewer_id != key.key_id and "admin" not in key.scopes:
        raise HTTPException(
            403,
            f"Got reviewer_id {body.reviewer_id!r} from key {key.key_id!r}; expected the key's own id "
            "(only an admin key may review for someone else). Leave reviewer_id out.",
        )
    return _checked_reviewer_id(body.reviewer_id) if body.reviewer_id else key.key_id


class _RateLimiter:
    """At most ``per_minute`` requests a minute per key (a token bucket; 0 turns it off)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key_id: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                return False
            self._buckets[key_id] = (tokens - 1.0, now)
            return True


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _redact_service_logs(redactor: Any) -> None:
    """Every line the service logs passes ``redactor``: a filter on the service's logger
    (its request lines, whatever handler writes them) and on the root handlers (uvicorn's
    errors propagate there; ``cxnlp serve`` runs uvicorn without its own log config)."""
    from cxnlp.privacy import redact_logs

    service_logger = logging.getLogger("cxnlp.service")
    for existing in [f for f in service_logger.filters if isinstance(f, RedactingFilter)]:
        service_logger.removeFilter(existing)
    service_logger.addFilter(RedactingFilter(redactor))
    redact_logs(redactor)


def _too_large_message(limit: int) -> str:
    return (
        f"Got a request body over {limit:,} bytes; expected at most that. Send fewer transcripts per "
        "request, or raise --max-body-bytes."
    )


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def app_from_env() -> FastAPI:
    """uvicorn factory for ``cxnlp serve --workers N``: each worker loads its own models."""
    import os

    return create_app(ServiceSettings.from_env(dict(os.environ)))

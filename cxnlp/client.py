"""A thin typed client for the cxnlp service (``cxnlp serve``), over httpx.

Example
-------
>>> from cxnlp.client import Client                      # doctest: +SKIP
>>> with Client("http://127.0.0.1:8080", api_key="priya.…") as qa:
...     response = qa.score({"id": "c1", "turns": [{"speaker": "agent", "text": "Hi!"}]})
...     response.results[0].interaction_score

Responses are the service's own pydantic models (:mod:`cxnlp.service.schemas`), so a
field the server renames fails loudly here. An error status raises :class:`ServiceError`
with the server's one-line message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from cxnlp.service.schemas import (
    AgreementResponse,
    ExplainResponse,
    Health,
    ResultsPage,
    Review,
    ScoreResponse,
    ScoreResult,
)


class ServiceError(RuntimeError):
    """The service answered with an error status; ``status`` and the server's ``detail``."""

    def __init__(self, status: int, detail: str):
        self.status = status
        self.detail = detail
        super().__init__(f"{status}: {detail}")


class Client:
    """Call a running cxnlp service.

    Parameters
    ----------
    base_url
        Where the service listens, e.g. ``http://127.0.0.1:8080``.
    api_key
        A key from ``cxnlp api-key`` (sent as ``Authorization: Bearer``); None when the
        service runs without keys.
    timeout
        Seconds to wait for an answer (scoring a full list takes a few seconds).
    http
        An ``httpx.Client`` to send through instead (tests pass FastAPI's TestClient).
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080",
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        http: httpx.Client | None = None,
    ):
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        if http is None:
            http = httpx.Client(base_url=base_url, timeout=timeout)
        http.headers.update(headers)
        self._http = http

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ServiceError(response.status_code, str(detail))
        return response.json()

    def health(self) -> Health:
        return Health(**self._call("GET", "/v1/health"))

    def score(self, transcripts: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> ScoreResponse:
        """Score one transcript (a dict shaped like a JSONL line) or a list of them."""
        body = dict(transcripts) if isinstance(transcripts, Mapping) else [dict(t) for t in transcripts]
        return ScoreResponse(**self._call("POST", "/v1/score", json=body))

    def explain(
        self, transcript: Mapping[str, Any], *, targets: Sequence[str] | None = None, top: int = 6
    ) -> ExplainResponse:
        body = {"transcript": dict(transcript), "targets": list(targets) if targets else None, "top": top}
        return ExplainResponse(**self._call("POST", "/v1/explain", json=body))

    def results(
        self,
        *,
        since: str | None = None,
        team: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> ResultsPage:
        params = {
            k: v
            for k, v in {"since": since, "team": team, "cursor": cursor, "limit": limit}.items()
            if v is not None
        }
        return ResultsPage(**self._call("GET", "/v1/results", params=params))

    def result(self, transcript_id: str) -> ScoreResult:
        return ScoreResult(**self._call("GET", f"/v1/results/{quote(transcript_id, safe='')}"))

    def review(
        self,
        transcript_id: str,
        *,
        rubric_score: float | None = None,
        dimensions: Mapping[str, float | str] | None = None,
        disputes: Sequence[str] = (),
        comment: str | None = None,
        reviewer_id: str | None = None,
    ) -> Review:
        body = {
            "transcript_id": transcript_id,
            "rubric_score": rubric_score,
            "dimensions": dict(dimensions or {}),
            "disputes": list(disputes),
            "comment": comment,
        }
        if reviewer_id is not None:
            body["reviewer_id"] = reviewer_id
        return Review(**self._call("POST", "/v1/reviews", json=body))

    def agreement(self, *, n_boot: int = 200) -> AgreementResponse:
        return AgreementResponse(**self._call("GET", "/v1/agreement", params={"n_boot": n_boot}))

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self._call("GET", "/v1/schema")
        return schema

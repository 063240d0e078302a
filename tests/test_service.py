"""The HTTP service: scoring, limits, auth, stored results, reviews and agreement.

One app for the session (models load once), over a small store the nightly batch wrote
from the bundled sample, with the bundled calibration and a key file.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from cxnlp.service.auth import KeyRing, new_api_key
from cxnlp.service.reviews import read_reviews, reviews_dir
from cxnlp.service.schemas import RESULT_SCHEMA_VERSION, result_schema_text

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample_transcripts.jsonl"
N_STORED = 8


def sample_records(n: int) -> list[dict]:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:n]
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def keys(tmp_path_factory) -> dict[str, str]:
    """Secrets by key id, and the key file holding only their hashes."""
    folder = tmp_path_factory.mktemp("keys")
    scopes = {
        "admin": ["admin"],
        "bot": ["score"],
        "reader": ["read"],
        "ana": ["review", "read"],
        "ben": ["review", "read"],
        "cal": ["review", "read"],
    }
    secrets, lines = {}, []
    for key_id, scope in scopes.items():
        secret, line = new_api_key(key_id, scope)
        secrets[key_id] = secret
        lines.append(line)
    path = folder / "keys.txt"
    path.write_text("# test keys\n" + "\n".join(lines) + "\n", encoding="utf-8")
    secrets["_file"] = str(path)
    return secrets


@pytest.fixture(scope="session")
def scorer():
    from cxnlp.scoring import Scorer

    return Scorer().prepare()


@pytest.fixture(scope="session")
def store(tmp_path_factory, scorer) -> Path:
    """A store the nightly batch wrote from the first sample calls."""
    from cxnlp.batch.nightly import run_batch

    root = tmp_path_factory.mktemp("store")
    calls = root.parent / f"{root.name}-calls.jsonl"
    calls.write_text("\n".join(json.dumps(r) for r in sample_records(N_STORED)) + "\n", encoding="utf-8")
    summary = run_batch([calls], root / "store", scorer=scorer, commit_every=3)
    assert summary.scored == N_STORED
    return root / "store"


@pytest.fixture(scope="session")
def service(store, keys, scorer):
    from cxnlp.service.state import ServiceSettings, load_service

    settings = ServiceSettings(
        store=store,
        calibration=REPO / "models" / "sample",
        api_keys=Path(keys["_file"]),
        max_body_bytes=200_000,
        max_transcripts=5,
        rate_limit=0,
    )
    loaded = load_service(settings, scorer=scorer)
    yield loaded
    loaded.close()


@pytest.fixture(scope="session")
def client(service) -> TestClient:
    from cxnlp.service.app import create_app

    return TestClient(create_app(service=service))


def auth(keys: dict[str, str], key_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[key_id]}"}


_PLACEHOLDER = re.compile(r"<[A-Z_]+>")


def shown_turns(service, record: dict) -> list[str]:
    """The record's turn texts as the service shows them (redacted with the call's context)."""
    from cxnlp.ingest.jsonl import transcript_from_record
    from cxnlp.service.redaction import ShownCall

    shown = ShownCall(service.redactor, transcript_from_record(record))
    return [shown.turn(i).text for i in range(len(record["turns"]))]


def assert_located(item: dict, shown: str, original: str) -> None:
    """Offsets of an evidence item point at its (redacted) sentence and span in the shown
    turn text, and ``source_*`` at the same words in the text as sent."""
    assert shown[item["start"] : item["end"]] == item["sentence"]
    if item["span_start"] is not None:
        assert shown[item["span_start"] : item["span_end"]].lower() == item["span"].lower()
    # The original's slice is the sentence with each placeholder standing for some text.
    pattern = ".+?".join(re.escape(part) for part in _PLACEHOLDER.split(item["sentence"]))
    assert re.fullmatch(pattern, original[item["source_start"] : item["source_end"]], re.DOTALL)


# --- health and scoring -------------------------------------------------------------------


def test_health_needs_no_key_and_says_ready(client, service):
    response = client.get("/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["auth"] is True and body["store"] is True
    assert sorted(body["calibration_targets"]) == ["rubric_score", "survey_rating"]
    assert body["configuration"]["id"] == service.configuration.id


def test_score_one_transcript(client, keys, service):
    record = sample_records(1)[0]
    response = client.post("/v1/score", json=record, headers=auth(keys, "bot"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["received"] == 1 and body["rejects"] == []
    (result,) = body["results"]
    assert result["transcript_id"] == record["id"]
    assert result["schema_version"] == RESULT_SCHEMA_VERSION
    assert set(result["dimensions"]) == {
        "brand_congruence",
        "answer_completeness",
        "proactive_connection",
        "filler_content",
    }
    assert 0 <= result["interaction_score"] <= 100
    assert {p["target"] for p in result["predictions"]} == {"rubric_score", "survey_rating"}
    for prediction in result["predictions"]:
        assert prediction["interval_low"] <= prediction["prediction"] <= prediction["interval_high"]
    assert result["metadata"]["team"] == record["team"]
    # Evidence offsets point at the sentence (and the span) in the turn's text as shown.
    located = [e for e in result["evidence"] if e["start"] is not None]
    assert len(located) >= 5
    shown = shown_turns(service, record)
    for item in located:
        assert_located(item, shown[item["turn_index"]], record["turns"][item["turn_index"]]["text"])


def test_score_agrees_with_the_batch_scorer(client, keys, scorer):
    """The service scores exactly what cxnlp score would: same pipeline, same numbers."""
    from cxnlp.ingest.jsonl import transcript_from_record

    record = sample_records(2)[1]
    expected = scorer.score_batch([transcript_from_record(record)])[0]
    result = client.post("/v1/score", json=record, headers=auth(keys, "bot")).json()["results"][0]
    assert result["interaction_score"] == pytest.approx(expected.interaction_score)
    for name, dim in expected.dimensions.items():
        assert result["dimensions"][name]["score"] == pytest.approx(dim.score, nan_ok=True)


def test_score_many_with_a_reject_beside_the_scored(client, keys):
    records = sample_records(3)
    bad = {"id": "bad-1", "turns": [{"speaker": "narrator", "text": "Once upon a time."}]}
    duplicate = dict(records[0])
    response = client.post(
        "/v1/score", json=[records[0], bad, records[1], duplicate], headers=auth(keys, "bot")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["received"] == 4
    assert [r["transcript_id"] for r in body["results"]] == [records[0]["id"], records[1]["id"]]
    assert [(r["index"], r["field"]) for r in body["rejects"]] == [(1, "turns[0].speaker"), (3, "id")]
    assert "narrator" in body["rejects"][0]["reason"]
    assert body["rejects"][0]["record_id"] == "bad-1"


def test_not_applicable_dimension_is_null_with_why(client, keys):
    record = {
        "id": "no-need",
        "turns": [
            {
                "speaker": "agent",
                "text": "Thanks for calling, this is Sam. The outage in your area is fixed now.",
            },
            {"speaker": "customer", "text": "Okay."},
        ],
    }
    result = client.post("/v1/score", json=record, headers=auth(keys, "bot")).json()["results"][0]
    completeness = result["dimensions"]["answer_completeness"]
    assert completeness["score"] is None and completeness["applies"] is False
    assert completeness["why_not_applicable"]


def test_oversized_transcript_is_rejected_by_the_shared_limit(client, keys, service):
    limit = service.scorer.size_limits.max_turn_chars
    record = {"id": "long", "turns": [{"speaker": "agent", "text": "word " * (limit // 5 + 10)}]}
    body = client.post("/v1/score", json=[record], headers=auth(keys, "bot")).json()
    assert body["results"] == []
    assert body["rejects"][0]["field"] == "turns[0].text"
    assert "max_turn_chars" in body["rejects"][0]["reason"]


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b"{not json", 400, "not JSON"),
        (b"\xff\xfe garbage", 400, "not UTF-8"),
        (b"42", 422, "expected a transcript object"),
        (b'"text"', 422, "expected a transcript object"),
        (b"[]", 422, "empty list"),
        (b"[" * 5000 + b"]" * 5000, 400, "cannot be read"),
    ],
)
def test_bad_bodies_get_4xx_with_a_message(client, keys, content, status, words):
    response = client.post(
        "/v1/score", content=content, headers={**auth(keys, "bot"), "Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_wrong_types_inside_a_record_are_rejects_not_errors(client, keys):
    records = [
        {"id": "t1", "turns": "hello"},
        {"id": "t2", "turns": [{"speaker": "agent", "text": 5}]},
        {"id": ["x"], "turns": []},
        7,
        {
            "id": "t5",
            "turns": [{"speaker": "agent", "text": "Hi <script>alert(1)</script>", "start": "soon"}],
        },
    ]
    response = client.post("/v1/score", json=records, headers=auth(keys, "bot"))
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == []
    assert [r["field"] for r in body["rejects"]] == ["turns", "turns[0].text", "id", None, "turns[0].start"]


def test_too_many_transcripts_and_too_large_body_get_413(client, keys):
    records = sample_records(6)  # the test service allows 5 per request
    response = client.post("/v1/score", json=records, headers=auth(keys, "bot"))
    assert response.status_code == 413
    assert "at most 5" in response.json()["detail"]
    huge = {"id": "huge", "turns": [{"speaker": "agent", "text": "x" * 300_000}]}
    response = client.post("/v1/score", json=huge, headers=auth(keys, "bot"))
    assert response.status_code == 413
    assert "200,000 bytes" in response.json()["detail"]


def test_chunked_body_over_the_limit_gets_413(client, keys):
    def chunks():
        for _ in range(30):
            yield b" " * 10_000

    response = client.post(
        "/v1/score", content=chunks(), headers={**auth(keys, "bot"), "Content-Type": "application/json"}
    )
    assert response.status_code == 413


# --- auth ----------------------------------------------------------------------------------


def test_missing_or_wrong_key_gets_401_and_wrong_scope_403(client, keys):
    record = sample_records(1)[0]
    assert client.post("/v1/score", json=record).status_code == 401
    wrong = keys["bot"][:-4] + "AAAA"
    assert (
        client.post("/v1/score", json=record, headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    )
    assert client.post("/v1/score", json=record, headers={"X-API-Key": "nobody.secret"}).status_code == 401
    assert client.get("/v1/results", headers=auth(keys, "bot")).status_code == 403
    assert client.post("/v1/score", json=record, headers=auth(keys, "reader")).status_code == 403
    assert client.get("/v1/schema").status_code == 401


def test_key_file_keeps_only_hashes(keys):
    text = Path(keys["_file"]).read_text(encoding="utf-8")
    for key_id, secret in keys.items():
        if not key_id.startswith("_"):
            assert secret.split(".", 1)[1] not in text
    ring = KeyRing.load(keys["_file"])
    assert ring.verify(keys["ana"]).key_id == "ana"
    assert ring.verify(keys["ana"] + "x") is None


def test_rate_limit_gives_429(service, keys):
    from dataclasses import replace

    from cxnlp.service.app import create_app
    from cxnlp.service.state import Service

    limited = Service(**{**service.__dict__, "settings": replace(service.settings, rate_limit=2)})
    client = TestClient(create_app(service=limited))
    codes = [client.get("/v1/schema", headers=auth(keys, "reader")).status_code for _ in range(4)]
    assert codes[:2] == [200, 200] and codes[-1] == 429


# --- schema --------------------------------------------------------------------------------


def test_schema_endpoint_equals_the_published_file(client, keys):
    published = (REPO / "docs" / "result-schema.json").read_text(encoding="utf-8")
    assert published == result_schema_text(), "run: python -m cxnlp.service.schemas > docs/result-schema.json"
    served = client.get("/v1/schema", headers=auth(keys, "reader")).json()
    assert served == json.loads(published)
    assert served["x-schema-version"] == RESULT_SCHEMA_VERSION


def test_score_results_validate_against_the_schema(client, keys):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "docs" / "result-schema.json").read_text(encoding="utf-8"))
    body = client.post("/v1/score", json=sample_records(1)[0], headers=auth(keys, "bot")).json()
    jsonschema.validate(body["results"][0], schema)


# --- explain -------------------------------------------------------------------------------


def test_explain_gives_terms_and_located_sentences(client, keys, service):
    record = sample_records(1)[0]
    response = client.post(
        "/v1/explain",
        json={"transcript": record, "targets": ["rubric_score"], "top": 3},
        headers=auth(keys, "bot"),
    )
    assert response.status_code == 200, response.text
    (explanation,) = response.json()["explanations"]
    assert explanation["target"] == "rubric_score"
    assert explanation["interval_low"] <= explanation["prediction"] <= explanation["interval_high"]
    assert explanation["terms"]
    sentences = explanation["raises"] + explanation["lowers"]
    assert sentences and len(explanation["raises"]) <= 3
    shown = shown_turns(service, record)
    for item in sentences:
        assert shown[item["turn_index"]][item["start"] : item["end"]] == item["sentence"]


def test_explain_refuses_an_unknown_target_and_a_bad_transcript(client, keys):
    record = sample_records(1)[0]
    response = client.post(
        "/v1/explain", json={"transcript": record, "targets": ["nps"]}, headers=auth(keys, "bot")
    )
    assert response.status_code == 422
    response = client.post(
        "/v1/explain", json={"transcript": {"id": "x", "turns": []}}, headers=auth(keys, "bot")
    )
    assert response.status_code == 422
    assert "transcript.turns" in response.json()["detail"]


# --- stored results ------------------------------------------------------------------------


def test_results_pages_cover_the_store_once(client, keys):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/results", params=params, headers=auth(keys, "reader"))
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [r["transcript_id"] for r in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    expected = [r["id"] for r in sample_records(N_STORED)]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    assert pages == 3


def test_results_filter_by_team_and_since(client, keys):
    records = sample_records(N_STORED)
    team = records[0]["team"]
    body = client.get("/v1/results", params={"team": team}, headers=auth(keys, "reader")).json()
    assert sorted(r["transcript_id"] for r in body["results"]) == sorted(
        r["id"] for r in records if r["team"] == team
    )
    later = client.get("/v1/results", params={"since": "2999-01-01"}, headers=auth(keys, "reader")).json()
    assert later["results"] == [] and later["next_cursor"] is None


def test_a_cursor_for_other_filters_or_forged_is_refused(client, keys):
    first = client.get("/v1/results", params={"limit": 2}, headers=auth(keys, "reader")).json()
    other = client.get(
        "/v1/results",
        params={"limit": 2, "team": "x", "cursor": first["next_cursor"]},
        headers=auth(keys, "reader"),
    )
    assert other.status_code == 400
    forged = client.get("/v1/results", params={"cursor": "!!notacursor"}, headers=auth(keys, "reader"))
    assert forged.status_code == 400


def test_one_stored_result_and_an_unknown_id(client, keys):
    record = sample_records(1)[0]
    body = client.get(f"/v1/results/{record['id']}", headers=auth(keys, "reader")).json()
    assert body["transcript_id"] == record["id"]
    assert body["scored_at"] and body["evidence"]
    assert body["configuration"]["scorer_config_id"]
    assert {p["target"] for p in body["predictions"]} == {"rubric_score", "survey_rating"}
    assert client.get("/v1/results/NOPE", headers=auth(keys, "reader")).status_code == 404


# --- reviews and agreement -----------------------------------------------------------------

# reviewer -> scores they give the first five stored calls; ana is lenient on rubric.
REVIEWS = {
    "ana": [90, 85, 80, 95, 88],
    "ben": [70, 65, 60, 75, 68],
    "cal": [72, 66, 61, 74, 70],
}


@pytest.fixture(scope="session")
def posted_reviews(client, keys):
    ids = [r["id"] for r in sample_records(5)]
    stored = []
    for reviewer, scores in REVIEWS.items():
        for tid, score in zip(ids, scores, strict=True):
            body = {
                "transcript_id": tid,
                "rubric_score": score,
                "dimensions": {"answer_completeness": min(100, score + 5), "filler_content": "n/a"},
                "disputes": ["answer_completeness"] if reviewer == "ana" else [],
                "comment": "<b>checked</b>",
            }
            response = client.post("/v1/reviews", json=body, headers=auth(keys, reviewer))
            assert response.status_code == 201, response.text
            stored.append(response.json())
    return stored


def test_reviews_round_trip_and_are_on_disk(posted_reviews, client, keys, store):
    assert len(posted_reviews) == 15
    first = posted_reviews[0]
    assert first["reviewer_id"] == "ana" and first["key_id"] == "ana"
    got = client.get(
        "/v1/reviews", params={"transcript_id": first["transcript_id"]}, headers=auth(keys, "ana")
    )
    assert {r["review_id"] for r in got.json()} >= {first["review_id"]}
    # Durable: each acknowledged review is a whole file a fresh reader finds; no temp files left.
    files = sorted(p.name for p in reviews_dir(store).iterdir())
    assert not [f for f in files if f.endswith(".tmp")]
    table = read_reviews(store)
    assert set(table["review_id"]) >= {r["review_id"] for r in posted_reviews}
    row = table[table["review_id"] == first["review_id"]].iloc[0]
    assert row["rubric_score"] == 90 and row["review_answer_completeness"] == 95
    assert row["na_dimensions"] == "filler_content" and bool(row["disputed"]) is True
    assert row["comment"] == "<b>checked</b>"


def test_review_rules(posted_reviews, client, keys):
    tid = posted_reviews[0]["transcript_id"]
    # A reviewer cannot review as someone else; an admin can.
    other = client.post(
        "/v1/reviews", json={"transcript_id": tid, "reviewer_id": "ben"}, headers=auth(keys, "ana")
    )
    assert other.status_code == 403
    unreviewed = sample_records(N_STORED)[-1]["id"]  # not among the calls REVIEWS rates
    admin = client.post(
        "/v1/reviews",
        json={"transcript_id": unreviewed, "reviewer_id": "dee", "rubric_score": 50},
        headers=auth(keys, "admin"),
    )
    assert admin.status_code == 201 and admin.json()["reviewer_id"] == "dee"
    assert (
        client.post("/v1/reviews", json={"transcript_id": "NOPE"}, headers=auth(keys, "ana")).status_code
        == 404
    )
    bad = client.post(
        "/v1/reviews", json={"transcript_id": tid, "rubric_score": 101}, headers=auth(keys, "ana")
    )
    assert bad.status_code == 422 and "rubric_score" in bad.json()["detail"]
    bad = client.post(
        "/v1/reviews", json={"transcript_id": tid, "dimensions": {"empathy": 3}}, headers=auth(keys, "ana")
    )
    assert bad.status_code == 422
    assert (
        client.post("/v1/reviews", json={"transcript_id": tid}, headers=auth(keys, "bot")).status_code == 403
    )
    not_json = client.post(
        "/v1/reviews", content=b"{", headers={**auth(keys, "ana"), "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422


def test_call_view_has_the_turns_and_evidence_located_in_them(posted_reviews, client, keys, service):
    """GET /v1/calls/{id}: what the review page draws, the text read back from the batch's input."""
    record = sample_records(1)[0]
    response = client.get(f"/v1/calls/{record['id']}", headers=auth(keys, "reader"))
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["text_note"] is None
    shown = shown_turns(service, record)
    assert [(t["speaker"], t["text"]) for t in view["turns"]] == [
        (t["speaker"], text) for t, text in zip(record["turns"], shown, strict=True)
    ]
    evidence = view["result"]["evidence"]
    located = [e for e in evidence if e["start"] is not None]
    assert len(located) >= 5  # the store keeps no text: these offsets come from the found call
    for item in located:
        assert_located(item, shown[item["turn_index"]], record["turns"][item["turn_index"]]["text"])
    marked = set()
    for turn in view["turns"]:
        assert "".join(turn["text"][s["start"] : s["end"]] for s in turn["segments"]) == turn["text"]
        marked |= {i for s in turn["segments"] for i in s["evidence"]}
    assert marked == {evidence.index(e) for e in located}
    assert {r["reviewer_id"] for r in view["reviews"]} == set(REVIEWS)
    # What each calibrated prediction is made of, its sentences located in the shown turns.
    assert sorted(e["target"] for e in view["explanations"]) == sorted(service.targets)
    sentences = []
    for explanation in view["explanations"]:
        prediction = next(p for p in view["result"]["predictions"] if p["target"] == explanation["target"])
        assert explanation["prediction"] == pytest.approx(prediction["prediction"], abs=0.01)
        sentences += explanation["raises"] + explanation["lowers"]
    assert sentences  # the rubric calibrator reads sentence evidence
    for item in sentences:
        assert shown[item["turn_index"]][item["start"] : item["end"]] == item["sentence"]


def test_call_view_needs_a_read_key_and_a_stored_call(client, keys):
    tid = sample_records(1)[0]["id"]
    assert client.get(f"/v1/calls/{tid}").status_code == 401
    assert client.get(f"/v1/calls/{tid}", headers=auth(keys, "bot")).status_code == 403
    assert client.get("/v1/calls/NOPE", headers=auth(keys, "reader")).status_code == 404


def test_review_page_is_a_shell_with_a_strict_policy(client):
    """The page holds no call data (so it needs no key) and allows only this origin's files."""
    tid = sample_records(1)[0]["id"]
    page = client.get(f"/review/{tid}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-content-type-options"] == "nosniff"
    assert tid not in page.text and sample_records(1)[0]["turns"][0]["text"][:20] not in page.text
    script = client.get("/review-assets/review.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/review-assets/secrets.txt").status_code == 404
    assert client.get("/review-assets/..%2Fapp.py").status_code == 404


def test_reviews_and_a_nightly_batch_write_one_store_at_once(service, scorer, keys, tmp_path):
    """Reviews keep their own files and the batch its own, so neither waits for nor breaks the other."""
    import shutil
    import threading
    from dataclasses import replace

    from cxnlp.batch.nightly import run_batch
    from cxnlp.batch.store import latest_results
    from cxnlp.service.app import create_app
    from cxnlp.service.state import Service

    store = tmp_path / "store"
    shutil.copytree(service.settings.store, store, ignore=shutil.ignore_patterns("reviews", ".lock"))
    own = Service(**{**service.__dict__, "settings": replace(service.settings, store=store)})
    http = TestClient(create_app(service=own))
    new_calls = sample_records(N_STORED + 4)[N_STORED:]
    more = tmp_path / "more.jsonl"
    more.write_text("\n".join(json.dumps(r) for r in new_calls) + "\n", encoding="utf-8")
    stored_ids = [r["id"] for r in sample_records(N_STORED)]
    finished = threading.Event()
    outcome: dict[str, object] = {}

    def nightly() -> None:
        try:
            outcome["summary"] = run_batch([more], store, scorer=scorer, commit_every=1)
        finally:
            finished.set()

    thread = threading.Thread(target=nightly)
    thread.start()
    acked, during = [], 0
    while not finished.is_set() or len(acked) < 5:
        body = {"transcript_id": stored_ids[len(acked) % N_STORED], "rubric_score": len(acked) % 101}
        response = http.post("/v1/reviews", json={**body, "reviewer_id": "zed"}, headers=auth(keys, "admin"))
        assert response.status_code == 201, response.text
        acked.append(response.json()["review_id"])
        during += not finished.is_set()
        time.sleep(0.02)
    thread.join()
    assert during >= 3, "no review was posted while the batch ran"
    assert outcome["summary"].scored == len(new_calls)
    assert set(latest_results(store)["transcript_id"]) == set(stored_ids) | {r["id"] for r in new_calls}
    assert not (store / "quarantine").exists()
    assert set(read_reviews(store)["review_id"]) == set(acked)


def test_agreement_from_posted_reviews(posted_reviews, client, keys):
    response = client.get("/v1/agreement", params={"n_boot": 50}, headers=auth(keys, "reader"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reviewers"] >= 3 and body["transcripts"] >= 5
    rr = {(r["target"], r["metric"]): r for r in body["reviewer_reviewer"]}
    # ana and ben (the first two ratings of each call) rank the calls identically.
    assert rr[("rubric_score", "pearson")]["value"] == pytest.approx(1.0)
    assert rr[("rubric_score", "pearson")]["n"] == 5
    machine = {(r["target"], r["comparison"], r["metric"]) for r in body["machine_reviewer"]}
    assert ("rubric_score", "machine-reviewer", "pearson") in machine
    assert ("answer_completeness", "machine-reviewer", "pearson") in machine
    drift = {(d["reviewer_id"], d["target"]): d for d in body["drift"]}
    assert drift[("ana", "rubric_score")]["verdict"] == "lenient"
    assert drift[("ana", "rubric_score")]["ci_low"] > 0
    assert drift[("ben", "rubric_score")]["verdict"] in {"severe", "in line"}
    assert drift[("ana", "rubric_score")]["mean_difference"] == pytest.approx(
        sum(a - (b + c) / 2 for a, b, c in zip(*REVIEWS.values(), strict=True)) / 5
    )


def test_calibrate_reads_the_review_table(posted_reviews, store, tmp_path):
    """The review folder is a label table for cxnlp calibrate (the loop back to calibration)."""
    from typer.testing import CliRunner

    from cxnlp.batch.store import latest_results
    from cxnlp.cli import _read_any_table

    table = _read_any_table(reviews_dir(store), "label table")
    assert {"transcript_id", "rubric_score", "reviewer_id"} <= set(table.columns)
    assert table["rubric_score"].notna().sum() >= 15
    scores = tmp_path / "scores.parquet"
    latest_results(store).to_parquet(scores)
    from cxnlp.cli import app

    result = CliRunner().invoke(
        app,
        [
            "calibrate",
            str(scores),
            str(reviews_dir(store)),
            "--target",
            "rubric_score",
            "--out",
            str(tmp_path / "cal"),
            "--folds",
            "2",
            "--n-boot",
            "20",
            "--scale",
            "rubric_score=0-100",
        ],
    )
    assert (tmp_path / "cal" / "rubric_score.json").is_file(), result.output


def test_reviews_posted_through_the_api_calibrate_like_the_label_table(service, keys, tmp_path):
    """The loop closed: evaluators' rubric scores posted as reviews, then ``cxnlp calibrate
    STORE/reviews`` fits exactly the calibrator the same ratings fit from a CSV label table."""
    import shutil
    from dataclasses import replace

    import numpy as np
    import pandas as pd
    from typer.testing import CliRunner

    from cxnlp.batch.store import latest_results
    from cxnlp.calibration import apply_calibration, load_calibration
    from cxnlp.cli import app
    from cxnlp.service.app import create_app
    from cxnlp.service.state import Service

    store = tmp_path / "store"
    shutil.copytree(service.settings.store, store, ignore=shutil.ignore_patterns("reviews", ".lock"))
    http = TestClient(
        create_app(
            service=Service(**{**service.__dict__, "settings": replace(service.settings, store=store)})
        )
    )
    scores = latest_results(store)
    ratings = pd.read_csv(REPO / "data" / "sample_rubric.csv", dtype={"transcript_id": str})
    ratings = ratings[ratings["transcript_id"].isin(scores["transcript_id"])].reset_index(drop=True)
    assert ratings["transcript_id"].nunique() == N_STORED and len(ratings) > N_STORED
    for rating in ratings.itertuples():
        body = {"transcript_id": rating.transcript_id, "reviewer_id": rating.evaluator_id}
        response = http.post(
            "/v1/reviews",
            json={**body, "rubric_score": float(rating.rubric_score)},
            headers=auth(keys, "admin"),
        )
        assert response.status_code == 201, response.text
    scores_path, csv_path = tmp_path / "scores.parquet", tmp_path / "rubric.csv"
    scores.to_parquet(scores_path)
    ratings.to_csv(csv_path, index=False)
    fitted = {}
    for name, labels in (("reviews", reviews_dir(store)), ("csv", csv_path)):
        out = tmp_path / f"cal-{name}"
        result = CliRunner().invoke(
            app,
            [
                "calibrate",
                str(scores_path),
                str(labels),
                "--target",
                "rubric_score",
                "--out",
                str(out),
                "--folds",
                "2",
                "--n-boot",
                "20",
                "--scale",
                "rubric_score=0-100",
            ],
        )
        assert result.exit_code == 0, result.output
        fitted[name] = apply_calibration(scores, load_calibration(out))["rubric_score_pred"].to_numpy()
    np.testing.assert_allclose(fitted["reviews"], fitted["csv"], rtol=0, atol=1e-9)
    # The fit learned from the reviews: it ranks the calls like the reviewers' mean does.
    mean = ratings.groupby("transcript_id")["rubric_score"].mean().reindex(scores["transcript_id"]).to_numpy()
    assert np.corrcoef(fitted["reviews"], mean)[0, 1] > 0.5
    assert fitted["reviews"].std() > 1.0  # not a constant


def test_logs_hold_no_text_or_keys(client, keys, caplog):
    import logging

    record = sample_records(1)[0]
    with caplog.at_level(logging.INFO, logger="cxnlp"):
        client.post("/v1/score", json=record, headers=auth(keys, "bot"))
        client.post("/v1/score", json=record)
    text = caplog.text
    assert "/v1/score" in text and "key=bot" in text
    # The request lines pass the redactor intact: no count or missing key read as a name.
    assert "-> 200 in" in text and "received=1 scored=1 rejected=0" in text
    assert "key=- POST /v1/score -> 401" in text and "<PERSON>" not in text
    assert keys["bot"] not in text and keys["bot"].split(".", 1)[1] not in text
    for turn in record["turns"]:
        assert turn["text"][:30] not in text


def test_request_lines_leave_the_redactor_as_they_found_it(client, keys, service, caplog):
    """Each request line is new (its id, its timing): read by the redactor, it would stay
    in its cache and its tokenizer's vocabulary for the life of the process."""
    import logging

    record = sample_records(1)[0]

    def post() -> None:
        with caplog.at_level(logging.INFO, logger="cxnlp.service"):
            assert client.post("/v1/score", json=record, headers=auth(keys, "bot")).status_code == 200

    def state() -> tuple[int, ...]:
        redactor = service.redactor
        blank = redactor.__dict__.get("_blank")
        ner_vocab = redactor.analyzer_.nlp_engine.nlp["en"].vocab
        return len(redactor._cache()), len(blank.vocab) if blank is not None else 0, len(ner_vocab)

    post()  # the call's own strings are analysed (and cached) once
    service.redactor._blank_artifacts("warm 123")  # the blank tokenizer exists
    before = state()
    for _ in range(4):
        post()
    assert caplog.text.count("POST /v1/score -> 200") == 5
    assert state() == before


# --- personal data -------------------------------------------------------------------------

CARD, CVV, EMAIL, PHONE = "4111 1111 1111 1111", "737", "margaret.thornton@example.com", "415-555-0132"
PII_CALL = {
    "id": "pii-1",
    "team": "North",
    "customer_name": "Margaret Thornton",
    "payment_note": f"card {CARD}, security code {CVV}",
    "turns": [
        {"speaker": "agent", "text": "Thank you for calling, this is Priya. How can I help you today?"},
        {
            "speaker": "customer",
            "text": "Hi, my name is Margaret Thornton. Why is my bill so high? I want to pay it by card.",
        },
        {"speaker": "agent", "text": "Of course, Margaret. What is the card number?"},
        {"speaker": "customer", "text": f"It's {CARD}, expiry 09/27."},
        {"speaker": "agent", "text": "Thanks. And the three digit security code on the back?"},
        {"speaker": "customer", "text": CVV},
        {
            "speaker": "agent",
            "text": f"Great, Margaret, I have processed the payment on card {CARD} with security code "
            f"{CVV}, and I will email the receipt to {EMAIL} today. Your bill was higher because your "
            "discount ended last month.",
        },
        {"speaker": "agent", "text": f"Can I call you back on {PHONE} if anything fails?"},
        {"speaker": "customer", "text": "Yes please, thank you."},
    ],
}
#: What must never appear in a redacted response (and the security code in none at all).
PII_VALUES = (CARD, "1111 1111", "Margaret", "Thornton", EMAIL, "example.com", PHONE, "555-0132")


def _texts(value: object) -> str:
    """Every string of a response body but its configuration (hashes may hold any digits)."""
    if isinstance(value, dict):
        return "\n".join(_texts(v) for k, v in value.items() if k != "configuration")
    if isinstance(value, list):
        return "\n".join(_texts(v) for v in value)
    return value if isinstance(value, str) else ""


def _assert_no_pii(text: str) -> None:
    for value in PII_VALUES:
        assert value.lower() not in text.lower(), value
    assert re.search(rf"\b{CVV}\b", text) is None


def test_score_response_holds_no_personal_data(client, keys, service):
    """Card, security code, name, e-mail and phone are replaced by typed placeholders in
    evidence, details, metadata and rejects; offsets still point at the evidence."""
    bad = {"id": "bad-pii", "turns": [{"speaker": f"Margaret Thornton {CARD}", "text": "hello"}]}
    response = client.post("/v1/score", json=[PII_CALL, bad], headers=auth(keys, "bot"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["record_id"] for r in body["rejects"]] == ["bad-pii"]
    (result,) = body["results"]
    assert result["configuration"]["redaction"] is True
    texts = _texts(body)
    _assert_no_pii(texts)
    for placeholder in ("<CREDIT_CARD>", "<PERSON>", "<EMAIL_ADDRESS>", "<PHONE_NUMBER>"):
        assert placeholder in texts, placeholder
    assert result["metadata"]["customer_name"] == "<PERSON>" and result["metadata"]["team"] == "North"
    shown = shown_turns(service, PII_CALL)
    located = [e for e in result["evidence"] if e["start"] is not None]
    assert len(located) >= 5
    for item in located:
        assert_located(item, shown[item["turn_index"]], PII_CALL["turns"][item["turn_index"]]["text"])
    # Some located sentence had personal data before it or in it: the offsets were carried over.
    assert any(e["start"] != e["source_start"] or "<" in e["sentence"] for e in located)
    # The explanation of a calibrated prediction quotes the call redacted as well.
    explained = client.post("/v1/explain", json={"transcript": PII_CALL, "top": 6}, headers=auth(keys, "bot"))
    assert explained.status_code == 200, explained.text
    _assert_no_pii(_texts(explained.json()))


def test_no_redact_shows_text_but_never_a_security_code(service, keys):
    from dataclasses import replace

    from cxnlp.service.app import create_app
    from cxnlp.service.state import Service, configuration_of

    config = service.configuration
    raw_config = configuration_of(
        config.scorer_config_id, config.brand_sha256, config.calibration_id, redaction=False
    )
    assert raw_config.id != config.id  # whether texts are redacted is part of the configuration
    raw = Service(
        **{
            **service.__dict__,
            "settings": replace(service.settings, redact=False),
            "configuration": raw_config,
        }
    )
    try:
        body = TestClient(create_app(service=raw)).post("/v1/score", json=PII_CALL, headers=auth(keys, "bot"))
    finally:
        create_app(service=service)  # the session's service again redacts the process's logs
    assert body.status_code == 200, body.text
    result = body.json()["results"][0]
    assert result["configuration"]["redaction"] is False
    texts = _texts(body.json())
    assert "Margaret" in texts and CARD in texts  # raw text, as --no-redact asks
    assert re.search(rf"\b{CVV}\b", texts) is None  # PCI DSS: never a card security code


def test_stored_results_call_view_and_reviews_are_redacted(service, scorer, keys, tmp_path):
    """A store the batch wrote with --no-redact still leaves the service redacted: results,
    the review page's call (text and highlights) and reviewers' comments."""
    from dataclasses import replace

    from cxnlp.batch.nightly import run_batch
    from cxnlp.batch.store import latest_results
    from cxnlp.service.app import create_app
    from cxnlp.service.state import Service

    calls = tmp_path / "calls.jsonl"
    calls.write_text(json.dumps(PII_CALL) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    scorer.redact = False
    try:
        assert run_batch([calls], store, scorer=scorer).scored == 1
    finally:
        scorer.redact = True
    assert "Margaret" in latest_results(store)["evidence"].iloc[0]  # the store holds raw text
    own = Service(**{**service.__dict__, "settings": replace(service.settings, store=store)})
    http = TestClient(create_app(service=own))
    one = http.get("/v1/results/pii-1", headers=auth(keys, "reader"))
    page = http.get("/v1/results", headers=auth(keys, "reader"))
    assert one.status_code == 200 and page.status_code == 200
    _assert_no_pii(_texts(one.json()) + _texts(page.json()))
    view = http.get("/v1/calls/pii-1", headers=auth(keys, "reader")).json()
    _assert_no_pii(_texts(view))
    shown = [t["text"] for t in view["turns"]]
    assert shown == shown_turns(own, PII_CALL) and any("<CREDIT_CARD>" in t for t in shown)
    located = [e for e in view["result"]["evidence"] if e["start"] is not None]
    assert located
    for item in located:
        assert_located(item, shown[item["turn_index"]], PII_CALL["turns"][item["turn_index"]]["text"])
    for turn in view["turns"]:
        assert "".join(turn["text"][s["start"] : s["end"]] for s in turn["segments"]) == turn["text"]
    comment = f"Customer Margaret Thornton read out {CARD} and security code {CVV}; agent did well."
    posted = http.post(
        "/v1/reviews",
        json={"transcript_id": "pii-1", "rubric_score": 80, "comment": comment},
        headers=auth(keys, "ana"),
    )
    assert posted.status_code == 201, posted.text
    _assert_no_pii(posted.json()["comment"])
    _assert_no_pii("".join(p.read_text(encoding="utf-8") for p in reviews_dir(store).iterdir()))
    listed = http.get("/v1/reviews", params={"transcript_id": "pii-1"}, headers=auth(keys, "ana")).json()
    assert [r["comment"] for r in listed] == [posted.json()["comment"]]


def test_service_log_lines_pass_the_redactor(service, caplog):
    import logging

    from cxnlp.service.app import create_app

    create_app(service=service)
    with caplog.at_level(logging.INFO, logger="cxnlp.service"):
        logging.getLogger("cxnlp.service").warning(
            "a message quoting %s", f"card {CARD} of Margaret Thornton"
        )
    assert CARD not in caplog.text and "<CREDIT_CARD>" in caplog.text


# --- the real server -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_cxnlp_serve_over_http(tmp_path):
    import httpx

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cxnlp.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, process.stdout.read().decode(errors="replace")
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "service did not start"
                time.sleep(0.5)
        # The port opens only once the models are loaded: the first answer is already ready.
        assert response.status_code == 200 and response.json()["status"] == "ready"
        scored = httpx.post(f"http://127.0.0.1:{port}/v1/score", json=sample_records(2), timeout=60)
        assert scored.status_code == 200
        assert [r["transcript_id"] for r in scored.json()["results"]] == [r["id"] for r in sample_records(2)]
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- the Python client and the micro-batcher -----------------------------------------------


def test_python_client_round_trip(service, keys, posted_reviews):
    from cxnlp.client import Client, ServiceError
    from cxnlp.service.app import create_app

    http = TestClient(create_app(service=service))
    qa = Client(api_key=keys["admin"], http=http)
    assert qa.health().status == "ready"
    record = sample_records(1)[0]
    response = qa.score(record)
    assert response.results[0].transcript_id == record["id"]
    page = qa.results(limit=2)
    assert len(page.results) == 2 and page.next_cursor
    assert qa.result(record["id"]).transcript_id == record["id"]
    review = qa.review(record["id"], rubric_score=77, reviewer_id="eve")
    assert review.reviewer_id == "eve"
    assert qa.agreement(n_boot=10).reviews >= len(posted_reviews) + 1
    anonymous = Client(http=TestClient(create_app(service=service)))
    with pytest.raises(ServiceError) as caught:
        anonymous.score(record)
    assert caught.value.status == 401


class _SlowScorer:
    """Stands in for a Scorer: counts how transcripts arrive, batch by batch."""

    batch_size = 64

    def __init__(self):
        self.batches: list[list[str]] = []

    def prepare(self):
        return self

    def size_error(self, transcript):
        return None

    def score_batch(self, transcripts):
        from cxnlp.model import ScoredTranscript

        time.sleep(0.05)
        self.batches.append([t.id for t in transcripts])
        return [ScoredTranscript(t, {}, float(len(t.id)), 0) for t in transcripts]


def test_micro_batcher_shares_batches_and_returns_each_caller_its_own():
    from concurrent.futures import ThreadPoolExecutor

    from cxnlp.model import Transcript
    from cxnlp.service.batcher import MicroBatcher

    scorer = _SlowScorer()
    batcher = MicroBatcher(scorer, window_s=0.02, max_batch=64)
    calls = [
        [Transcript.from_pairs(f"c{i}-{j}" + "x" * i, [("agent", "hi")]) for j in range(2)] for i in range(16)
    ]
    try:
        with ThreadPoolExecutor(16) as pool:
            outcomes = list(pool.map(batcher.score, calls))
    finally:
        batcher.close()
    for call, got in zip(calls, outcomes, strict=True):
        assert [o.id for o in got] == [t.id for t in call]
        assert [o.interaction_score for o in got] == [float(len(t.id)) for t in call]
    assert sum(len(b) for b in scorer.batches) == 32
    assert len(scorer.batches) < 16  # requests shared passes instead of one pass each


def test_micro_batcher_analyses_the_turns_a_response_quotes_in_its_pass(service):
    """The turns evidence points at are redacted for the response; their named-entity pass
    runs once for the shared batch on the scorer's thread, not per request."""
    import secrets

    from cxnlp.ingest.jsonl import transcript_from_record

    marker = secrets.token_hex(4)  # texts no other test has put in the shared cache
    record = {
        "id": f"prefetch-{marker}",
        "turns": [{**t, "text": f"{t['text']} Ref {marker}."} for t in PII_CALL["turns"]],
    }
    (scored,) = service.batcher.score([transcript_from_record(record)])
    redactor = service.redactor
    quoted = {scored.transcript.turns[e.turn_index].text for e in scored.evidence}
    named = [text for text in quoted if redactor._may_hold_name(text) and redactor._entities_may_count(text)]
    assert named  # the call's turns that may hold a name and that evidence quotes
    assert all(text in redactor._cache() for text in named)


# --- attack10: content types, since, reviewer ids -----------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_post_that_is_not_json_gets_415_saying_the_header(client, keys, content_type, store):
    """A browser may post plain text or a form cross-site without a preflight; JSON only."""
    before = sorted(reviews_dir(store).iterdir()) if reviews_dir(store).exists() else []
    record = json.dumps(sample_records(1)[0]).encode()
    review = json.dumps({"transcript_id": sample_records(1)[0]["id"], "rubric_score": 1}).encode()
    headers = {**auth(keys, "admin"), **({"Content-Type": content_type} if content_type else {})}
    for path, body in (("/v1/score", record), ("/v1/reviews", review), ("/v1/explain", record)):
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 415, (path, response.text)
        assert "expected application/json" in response.json()["detail"]
    after = sorted(reviews_dir(store).iterdir()) if reviews_dir(store).exists() else []
    assert after == before
    charset = client.post(
        "/v1/score",
        content=record,
        headers={**auth(keys, "bot"), "Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status_code == 200, charset.text


def test_results_since_that_is_no_date_gets_422_and_an_offset_is_read_as_utc(client, keys):
    bad = client.get("/v1/results", params={"since": "notadate"}, headers=auth(keys, "reader"))
    assert bad.status_code == 422 and "ISO date" in bad.json()["detail"]
    for edge in ("0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00"):  # no UTC time exists
        beyond = client.get("/v1/results", params={"since": edge}, headers=auth(keys, "reader"))
        assert beyond.status_code == 422, beyond.text
    everything = client.get("/v1/results", params={"since": "2000-01-01"}, headers=auth(keys, "reader"))
    assert everything.status_code == 200 and everything.json()["results"]
    # 2000-01-01T05:00+05:00 is midnight UTC: still every result
    offset = client.get(
        "/v1/results", params={"since": "2000-01-01T05:00:00+05:00"}, headers=auth(keys, "reader")
    )
    assert len(offset.json()["results"]) == len(everything.json()["results"])


@pytest.mark.parametrize("reviewer_id", ["4111 1111 1111 1111", "r\u202e1", "qa\x00"])
def test_a_reviewer_id_holding_a_card_or_control_characters_is_refused(
    client, keys, store, reviewer_id, posted_reviews
):
    before = sorted(reviews_dir(store).iterdir())
    response = client.post(
        "/v1/reviews",
        json={
            "transcript_id": posted_reviews[0]["transcript_id"],
            "reviewer_id": reviewer_id,
            "rubric_score": 5,
        },
        headers=auth(keys, "admin"),
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("reviewer_id: Got ")
    assert "4111" not in response.text
    assert sorted(reviews_dir(store).iterdir()) == before


def test_a_client_that_disconnects_mid_body_is_a_400_not_a_server_error(client, keys, caplog):
    import asyncio
    import logging

    sent: list[dict] = []
    messages = iter(
        [
            {"type": "http.request", "body": b'{"id": "x", "tur', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {keys['bot']}".encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/score",
        "raw_path": b"/v1/score",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
    }
    with caplog.at_level(logging.INFO):
        asyncio.run(client.app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

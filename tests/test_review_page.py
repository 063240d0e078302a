"""The review page's pieces that need no models: highlight runs, finding a call's text, the files.

The page in a real browser, against a live ``cxnlp serve``, is in tests/test_service_live.py.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

pytest.importorskip("pydantic")

from cxnlp.ingest.jsonl import transcript_from_record
from cxnlp.service.call_text import clear_cache, find_call_text
from cxnlp.service.review_page import ASSETS, CONTENT_SECURITY_POLICY, asset, segments
from cxnlp.service.reviews import read_reviews, reviews_dir, sweep_partial_reviews, write_review
from cxnlp.service.schemas import EvidenceItem


def item(
    turn: int, start: int | None, end: int | None, span: tuple[int, int] | None = None, **kw
) -> EvidenceItem:
    return EvidenceItem(
        dimension=kw.get("dimension", "filler_content"),
        kind="x",
        turn_index=turn,
        sentence="s",
        start=start,
        end=end,
        span_start=span[0] if span else None,
        span_end=span[1] if span else None,
        points=1.0,
    )


def runs(text: str, evidence: list[EvidenceItem], turn: int = 0) -> list[tuple[str, list[int], list[int]]]:
    return [(text[s.start : s.end], s.evidence, s.spans) for s in segments(text, evidence, turn)]


@pytest.mark.parametrize(
    ("text", "evidence", "expected"),
    [
        ("", [], []),
        ("Hello there.", [], [("Hello there.", [], [])]),
        ("Hi. Um, yes.", [item(0, 4, 12, (4, 6))], [("Hi. ", [], []), ("Um", [0], [0]), (", yes.", [0], [])]),
        # Two findings on overlapping ranges: the overlap lists both.
        (
            "abcdefghij",
            [item(0, 0, 6), item(0, 4, 10)],
            [("abcd", [0], []), ("ef", [0, 1], []), ("ghij", [1], [])],
        ),
        # Other turns' evidence, unlocated evidence and out-of-range offsets do not cut this turn.
        ("abc", [item(1, 0, 2), item(0, None, None), item(0, 2, 99)], [("ab", [], []), ("c", [2], [])]),
    ],
)
def test_segments_cover_the_text_and_name_the_evidence(text, evidence, expected):
    got = runs(text, evidence)
    assert got == expected
    assert "".join(piece for piece, _, _ in got) == text


# --- finding a call's text again -----------------------------------------------------------


def _store_with_run(tmp_path: Path, files: list[str], run_id: str = "run-1", **extra) -> Path:
    store = tmp_path / "store"
    (store / "manifest").mkdir(parents=True)
    manifest = {"run_id": run_id, "status": "complete", "input_files": files, "input_format": "auto", **extra}
    (store / "manifest" / f"{run_id}.json").write_text(json.dumps(manifest), encoding="utf-8")
    return store


RECORD = {
    "id": "c1",
    "team": "North",
    "turns": [{"speaker": "customer", "text": "Why <b>?"}, {"speaker": "agent", "text": "Because."}],
}


def _row(record: dict, run_id: str = "run-1") -> dict:
    return {
        "transcript_id": record["id"],
        "content_hash": transcript_from_record(record).content_hash(),
        "run_id": run_id,
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def test_call_text_is_found_when_unchanged(tmp_path):
    calls = tmp_path / "calls.jsonl"
    other = {"id": "c0", "turns": [{"speaker": "agent", "text": "Hello."}]}
    calls.write_text(json.dumps(other) + "\n" + json.dumps(RECORD) + "\n", encoding="utf-8")
    store = _store_with_run(tmp_path, [str(calls)])
    found = find_call_text(store, _row(RECORD))
    assert found.note is None
    assert [t.text for t in found.transcript.turns] == ["Why <b>?", "Because."]


def test_call_text_edited_since_scoring_is_refused_with_why(tmp_path):
    calls = tmp_path / "calls.jsonl"
    edited = {**RECORD, "turns": [{"speaker": "customer", "text": "Why not?"}, *RECORD["turns"][1:]]}
    calls.write_text(json.dumps(edited) + "\n", encoding="utf-8")
    store = _store_with_run(tmp_path, [str(calls)])
    found = find_call_text(store, _row(RECORD))
    assert found.transcript is None and "different version" in found.note


def test_call_text_missing_or_moved_says_so(tmp_path):
    store = _store_with_run(tmp_path, [str(tmp_path / "gone.jsonl")])
    assert "cannot be found" in find_call_text(store, _row(RECORD)).note
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        json.dumps({"id": "c0", "turns": [{"speaker": "agent", "text": "Hi."}]}) + "\n", encoding="utf-8"
    )
    store2 = _store_with_run(tmp_path / "b", [str(calls)])
    assert "no longer in the files" in find_call_text(store2, _row(RECORD)).note


def test_call_text_prefers_the_run_that_stored_the_row_and_reads_old_manifests(tmp_path, monkeypatch):
    first = tmp_path / "day1.jsonl"
    first.write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    store = _store_with_run(tmp_path, [str(first)], run_id="run-1")
    # A later run of another file, recorded the old way (inputs relative to where it ran).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "day2.jsonl").write_text(json.dumps({**RECORD, "id": "c2"}) + "\n", encoding="utf-8")
    later = {"run_id": "run-2", "status": "complete", "inputs": ["day2.jsonl"]}
    (store / "manifest" / "run-2.json").write_text(json.dumps(later), encoding="utf-8")
    assert find_call_text(store, _row(RECORD)).transcript.id == "c1"
    assert find_call_text(store, _row({**RECORD, "id": "c2"}, run_id="run-2")).transcript.id == "c2"


def test_input_file_is_never_touched(tmp_path):
    calls = tmp_path / "calls.jsonl"
    calls.write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    before = (calls.read_bytes(), calls.stat().st_mtime_ns)
    find_call_text(_store_with_run(tmp_path, [str(calls)]), _row(RECORD))
    assert (calls.read_bytes(), calls.stat().st_mtime_ns) == before


# --- the page's files ----------------------------------------------------------------------


def test_page_files_load_nothing_from_elsewhere_and_use_no_html_sinks():
    html = asset("review.html").decode("utf-8")
    script = asset("review.js").decode("utf-8")
    everything = html + script + asset("review.css").decode("utf-8")
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", everything, flags=re.I), "no external URL"
    # No inline script or style: the CSP allows only this origin's files.
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="../review-assets/review.js" defer>']
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html), "no inline event handler"
    # Call text only ever reaches the page as text nodes or attribute values.
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink
    assert set(ASSETS) <= {"review.css", "review.js", "favicon.svg"}
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY


# --- partial review files after a kill -----------------------------------------------------


def test_sweep_removes_only_dead_writers_temporary_files(tmp_path):
    kept = write_review(
        tmp_path, {"transcript_id": "c1", "reviewer_id": "ana", "rubric_score": 70}, key_id=None
    )
    folder = reviews_dir(tmp_path)
    dead = folder / f".20260101T000000000000Z-{'a' * 16}.json.999999999.tmp"
    dead.write_text('{"transcript_id": "c1", "revi', encoding="utf-8")  # cut off mid-write
    live = folder / f".20260101T000000000001Z-{'b' * 16}.json.{os.getpid()}.tmp"
    live.write_text("{}", encoding="utf-8")
    assert sweep_partial_reviews(tmp_path) == [dead.name]
    assert not dead.exists() and live.exists()
    assert list(read_reviews(tmp_path)["review_id"]) == [kept["review_id"]]

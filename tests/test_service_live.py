"""A live ``cxnlp serve`` over a store ``cxnlp batch`` wrote: the review page in Debian's headless
chromium, and kill -9 of the server losing no acknowledged review.

Slow (a batch run and two server start-ups load the models three times): marked ``slow``.
The browser test is skipped when ``/usr/bin/chromium`` or playwright is absent (CI installs
chromium with ``apt-get install -y chromium``; playwright's own browsers are never downloaded).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from cxnlp.service.auth import new_api_key  # noqa: E402
from cxnlp.service.reviews import read_reviews, reviews_dir  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample_transcripts.jsonl"
CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = "<script>document.title='pwned'</script>"
IMG = '"><img src=x onerror="document.title=\'pwned\'">'
HOSTILE = {
    "id": "hostile-1",
    "team": "<b>North</b>",
    "turns": [
        {"speaker": "customer", "text": f"Why is my bill higher this month? {SCRIPT} I want to know."},
        {
            "speaker": "agent",
            "text": "Um, so, basically your discount ended on May 2, so the price went back to $45. "
            f"{IMG} I have already set up a new discount for you, and I will email you the details today.",
        },
    ],
}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """One ``cxnlp serve`` process on a free port; start, kill -9 and start again."""

    def __init__(self, store: Path, keys: Path, log: Path):
        self.store, self.keys, self.log = store, keys, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> LiveServer:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "cxnlp.cli", "serve", "--store", str(self.store)]
        command += ["--api-keys", str(self.keys), "--port", str(port), "--rate-limit", "0"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=_env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while True:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                response = httpx.get(f"{self.url}/v1/health", timeout=2)
                assert response.json()["status"] == "ready"
                return self
            except httpx.TransportError:
                assert time.monotonic() < deadline, "cxnlp serve did not start"
                time.sleep(0.3)

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Three sample calls and a hostile one, scored by ``cxnlp batch``; keys; a running server."""
    root = tmp_path_factory.mktemp("live")
    calls = root / "calls.jsonl"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:3] + [json.dumps(HOSTILE)]
    calls.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = root / "store"
    batch = subprocess.run(
        [sys.executable, "-m", "cxnlp.cli", "batch", str(calls), "--store", str(store)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert batch.returncode == 0, batch.stdout + batch.stderr
    secrets, key_lines = {}, []
    for key_id, scopes in {"rita": ["review", "read"], "poster": ["admin"]}.items():
        secrets[key_id], line = new_api_key(key_id, scopes)
        key_lines.append(line)
    keys = root / "keys.txt"
    keys.write_text("\n".join(key_lines) + "\n", encoding="utf-8")
    server = LiveServer(store, keys, root / "serve.log").start()
    yield {"server": server, "store": store, "keys": secrets, "calls": calls, "log": root / "serve.log"}
    server.stop()


def _auth(world, key_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world['keys'][key_id]}"}


# --- the review page in a real browser -----------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("the review page browser test needs /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def test_review_page_highlights_evidence_escapes_text_and_posts_a_review(world, browser):
    server, store = world["server"], world["store"]
    view = httpx.get(f"{server.url}/v1/calls/hostile-1", headers=_auth(world, "rita"), timeout=30).json()
    evidence = view["result"]["evidence"]
    n_reviews = len(read_reviews(store))
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None)
    try:
        page.goto(f"{server.url}/review/hostile-1")
        # Without a key the page asks for one; a wrong key is refused with the service's words.
        page.wait_for_selector("#key-box:not([hidden])")
        page.fill("#key", "rita.wrong")
        page.click("#key-form button")
        # A selector wait, not wait_for_function: the page's CSP forbids the eval that needs.
        page.locator("#status", has_text="API key").wait_for()
        problems.clear()  # the browser logs the 401 it was expected to get
        page.fill("#key", world["keys"]["rita"])
        page.click("#key-form button")
        page.wait_for_selector("#turns li.turn")

        # The conversation, with every located finding highlighted over words of its sentence.
        assert page.locator("#turns li.turn").count() == 2
        marks = page.locator("#turns mark.ev")
        assert marks.count() >= 3
        covered = set()
        for i in range(marks.count()):
            mark = marks.nth(i)
            indices = [int(x) for x in mark.get_attribute("data-evidence").split()]
            covered |= set(indices)
            for index in indices:
                assert mark.inner_text() in evidence[index]["sentence"]
        assert covered == {i for i, e in enumerate(evidence) if e["start"] is not None}
        # Hover shows what was found and its points.
        page.hover("#turns li.turn.agent mark.ev >> nth=0")
        finding = page.inner_text("#finding-list")
        assert "points" in finding or "words" in finding

        # Hostile text is shown as text: no element, no script ran, no policy violation.
        turns_text = page.inner_text("#turns")
        assert SCRIPT in turns_text and IMG in turns_text
        assert page.title() == "cxnlp call review"
        assert page.evaluate("document.querySelectorAll('main img, main script, main iframe').length") == 0

        # The four scores and the interaction score.
        for name in ("brand_congruence", "answer_completeness", "proactive_connection", "filler_content"):
            expected = view["result"]["dimensions"][name]["score"]
            shown = page.inner_text(f"tr[data-score={name}] td.value")
            assert shown == ("n/a" if expected is None else f"{expected:.1f}")
        assert page.inner_text("tr[data-score=interaction_score] td.value") == (
            f"{view['result']['interaction_score']:.1f}"
        )

        # A score out of range is caught before anything is posted.
        page.fill("#rubric-score", "150")
        page.click("#submit-review")
        assert "0 to 100" in page.inner_text("#review-status")
        assert len(read_reviews(store)) == n_reviews

        # The review goes to POST /v1/reviews and is in the store.
        comment = '<img src=x onerror="document.title=1"> refund date given'
        page.fill("#rubric-score", "82")
        page.fill("#dim-answer_completeness", "90")
        page.check("#na-filler_content")
        page.check("#dispute-proactive_connection")
        page.fill("#comment", comment)
        page.click("#submit-review")
        page.wait_for_selector("#review-status[data-review-id]")
        review_id = page.get_attribute("#review-status", "data-review-id")
        assert page.locator(f"#reviews li[data-review-id='{review_id}']").count() == 1
    finally:
        page.close()
    table = read_reviews(store)
    row = table[table["review_id"] == review_id].iloc[0]
    assert row["transcript_id"] == "hostile-1" and row["reviewer_id"] == "rita"
    assert row["rubric_score"] == 82 and row["review_answer_completeness"] == 90
    assert row["na_dimensions"] == "filler_content" and row["disputes"] == "proactive_connection"
    assert row["comment"] == comment
    assert not [p for p in problems if "favicon" not in p], problems


# --- kill -9 loses no acknowledged review --------------------------------------------------


def test_kill_9_loses_no_acknowledged_review_and_restart_serves_the_same(world):
    server, store = world["server"], world["store"]
    ids = [json.loads(line)["id"] for line in world["calls"].read_text(encoding="utf-8").splitlines()]
    before = httpx.get(f"{server.url}/v1/results/{ids[0]}", headers=_auth(world, "rita"), timeout=30).json()
    acked: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def post(worker: int) -> None:
        with httpx.Client(base_url=server.url, headers=_auth(world, "poster"), timeout=10) as http:
            n = 0
            while True:
                body = {
                    "transcript_id": ids[n % len(ids)],
                    "reviewer_id": f"r{worker}",
                    "rubric_score": n % 101,
                    "comment": f"worker {worker} review {n}",
                }
                try:
                    response = http.post("/v1/reviews", json=body)
                except httpx.TransportError:
                    return  # the server is gone
                assert response.status_code == 201, response.text
                with lock:
                    acked.append(response.json()["review_id"])
                    if len(acked) >= 24:
                        enough.set()
                n += 1

    threads = [threading.Thread(target=post, args=(w,), daemon=True) for w in range(4)]
    for thread in threads:
        thread.start()
    assert enough.wait(120), "reviews were not acknowledged"
    server.kill9()  # while the other posters' reviews are in flight
    for thread in threads:
        thread.join(30)
    with lock:
        acknowledged = set(acked)

    # Every acknowledged review is a whole file on disk, read without the server.
    assert acknowledged <= set(read_reviews(store)["review_id"])

    server.start()
    leftovers = [p.name for p in reviews_dir(store).iterdir() if not p.name.endswith(".json")]
    assert leftovers == [], "partial files left after restart"
    for path in reviews_dir(store).iterdir():
        json.loads(path.read_text(encoding="utf-8"))  # every review file is whole JSON
    served = httpx.get(f"{server.url}/v1/reviews", headers=_auth(world, "rita"), timeout=30).json()
    assert acknowledged <= {r["review_id"] for r in served}
    after = httpx.get(f"{server.url}/v1/results/{ids[0]}", headers=_auth(world, "rita"), timeout=30).json()
    assert after == before

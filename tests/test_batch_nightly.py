"""The nightly run end to end with the real scorer: skip, rescore, supersede, resume, workers."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from cxnlp.batch.nightly import configuration, resolve_inputs, run_batch
from cxnlp.batch.store import IDENTITY, ResultStore, latest_results, list_runs, read_store
from cxnlp.dimensions.base import Dimension
from cxnlp.ingest import InputError
from cxnlp.model import DimensionResult
from cxnlp.runs import RunSummary
from cxnlp.scoring import DIMENSION_COLUMNS, Scorer, default_dimensions

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SCORE_COLUMNS = ["transcript_id", "content_hash", *DIMENSION_COLUMNS, "interaction_score"]

ASKS = [
    "Hi, I was charged twice for my October bill. Can you refund the extra payment?",
    "My internet has been down since this morning and I work from home. When will it be back?",
    "The headphones I ordered arrived broken. Can I return them?",
    "I forgot my password and the reset email never arrives. What should I do?",
    "I'd like to upgrade my plan to the unlimited data option. How much is it?",
    "Why did my premium go up this month? Nobody told me about a change.",
]
ANSWERS = [
    "Thank you for calling. I can see the duplicate payment and I've refunded it; "
    "it will be on your card within 3 to 5 business days.",
    "Um, so, basically, yeah, there is, like, an outage, and, um, it should be fixed, I guess.",
    "I'm sorry about that. I've sent you a prepaid return label by email, and a replacement "
    "ships as soon as the parcel is scanned.",
    "Let me check. Okay. Hold on. Okay, so, I'm not sure, you could try again later.",
    "Great question! The unlimited plan is $45 a month and I can switch you today. "
    "Is there anything else I can help with?",
    "Your premium changed because the annual review raised rates by 4 percent; "
    "I can walk you through cheaper cover options if you like.",
]
CLOSINGS = [
    "Thanks, that's all.",
    "Okay, thank you.",
    "Fine, bye.",
]


def record(i: int, *, variant: str = "") -> dict:
    turns = [
        {"speaker": "customer", "text": ASKS[i % len(ASKS)]},
        {"speaker": "agent", "text": ANSWERS[(i * 5 + 1) % len(ANSWERS)] + variant},
        {"speaker": "customer", "text": CLOSINGS[i % len(CLOSINGS)]},
        {"speaker": "agent", "text": "You're welcome, have a good day." if i % 2 else "Bye."},
    ]
    return {
        "id": f"t{i:03d}",
        "turns": turns,
        "agent_id": f"a{i % 4}",
        "team": "north" if i % 3 else "south",
        "queue": "billing",
    }


BAD_RECORDS = [
    {"id": "bad-no-turns", "turns": []},
    {"id": "bad-speaker", "turns": [{"speaker": "robot", "text": "hello"}]},
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


class Throttle(Dimension):
    """Slows scoring down (``CXNLP_TEST_THROTTLE`` seconds a transcript) so a run can be killed."""

    name = "throttle"

    def score(self, parsed):
        time.sleep(float(os.environ.get("CXNLP_TEST_THROTTLE", "0")))
        return DimensionResult(self.name, math.nan)


@pytest.fixture(scope="module")
def scorer(parser):
    return Scorer(parser=parser, batch_size=16)


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    write_jsonl(folder / "day1.jsonl", [record(i) for i in range(16)] + BAD_RECORDS)
    return folder


def scores_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[SCORE_COLUMNS].sort_values("transcript_id").reset_index(drop=True)


def check_accounting(summary: RunSummary) -> None:
    assert summary.read == summary.scored + summary.rejected + summary.skipped


def test_rerun_scores_nothing_and_new_transcripts_alone(scorer, inputs, tmp_path):
    store = tmp_path / "store"
    first = run_batch(inputs, store, scorer=scorer, commit_every=8)
    assert (first.scored, first.rejected, first.skipped) == (16, 2, 0)
    check_accounting(first)

    again = run_batch(inputs, store, scorer=scorer, commit_every=8)
    assert (again.scored, again.rejected, again.skipped) == (0, 2, 16)
    assert again.parts == ()

    write_jsonl(inputs / "day2.jsonl", [record(i) for i in range(16, 20)])
    third = run_batch(inputs, store, scorer=scorer, commit_every=8)
    assert (third.scored, third.rejected, third.skipped) == (4, 2, 16)
    check_accounting(third)

    latest = latest_results(store)
    assert sorted(latest["transcript_id"]) == [f"t{i:03d}" for i in range(20)]
    assert not read_store(store).duplicated(list(IDENTITY)).any()
    runs = list_runs(store)
    assert runs["status"].tolist() == ["complete"] * 3
    assert runs["scored"].tolist() == [16, 0, 4]
    assert runs["rejected"].tolist() == [2, 2, 2]
    for run_id in runs["run_id"]:  # every run keeps its own rejects beside the results
        lines = (store / "rejects" / f"run_id={run_id}.jsonl").read_text().splitlines()
        assert sorted(json.loads(x)["record_id"] for x in lines) == ["bad-no-turns", "bad-speaker"]
    assert {"bad-no-turns", "bad-speaker"}.isdisjoint(latest["transcript_id"])


def test_changed_transcript_is_rescored_and_supersedes(scorer, inputs, tmp_path):
    store = tmp_path / "store"
    run_batch(inputs, store, scorer=scorer)
    before = latest_results(store).set_index("transcript_id")
    changed = [record(i, variant=" Um, so, yeah, basically." if i == 3 else "") for i in range(16)]
    write_jsonl(inputs / "day1.jsonl", changed + BAD_RECORDS)

    summary = run_batch(inputs, store, scorer=scorer)
    assert (summary.scored, summary.skipped) == (1, 15)
    after = latest_results(store).set_index("transcript_id")
    assert len(after) == 16
    assert after.loc["t003", "content_hash"] != before.loc["t003", "content_hash"]
    # the edit adds filler words, and the new row is the one reported
    assert after.loc["t003", "filler_content"] > before.loc["t003", "filler_content"]
    unchanged = after.drop(index="t003")
    pd.testing.assert_frame_equal(unchanged[SCORE_COLUMNS[1:]], before.drop(index="t003")[SCORE_COLUMNS[1:]])
    history = read_store(store)
    assert (history["transcript_id"] == "t003").sum() == 2


def test_new_brand_profile_is_a_new_configuration(scorer, parser, inputs, tmp_path):
    store = tmp_path / "store"
    run_batch(inputs, store, scorer=scorer)
    default_yaml = REPO / "cxnlp" / "resources" / "default_brand.yaml"
    brand = tmp_path / "brand.yaml"
    brand.write_text(
        default_yaml.read_text(encoding="utf-8").replace(
            "name: Default contact centre", "name: Acme Telecom"
        ),
        encoding="utf-8",
    )
    branded = Scorer(brand=brand, parser=parser, batch_size=16)

    summary = run_batch(inputs, store, scorer=branded)
    assert (summary.scored, summary.skipped) == (16, 0)
    assert summary.config_id != configuration(scorer)[0]
    configs = sorted(p.stem for p in (store / "configs").glob("*.json"))
    assert configs == sorted([summary.config_id, configuration(scorer)[0]])
    recorded = json.loads((store / "configs" / f"{summary.config_id}.json").read_text())
    assert recorded["brand"]["path"] == str(brand.resolve())
    assert len(latest_results(store)) == 16
    assert set(latest_results(store)["config_id"]) == {summary.config_id}
    # the earlier configuration's results are kept, not overwritten
    assert len(latest_results(store, config_id=configuration(scorer)[0])) == 16
    assert run_batch(inputs, store, scorer=branded).scored == 0


def test_glob_inputs_and_input_errors(scorer, inputs, tmp_path):
    write_jsonl(inputs / "day2.jsonl", [record(i) for i in range(16, 18)])
    assert resolve_inputs(str(inputs / "day*.jsonl")) == sorted(inputs.glob("day*.jsonl"))
    summary = run_batch(str(inputs / "day2*.jsonl"), tmp_path / "store", scorer=scorer)
    assert (summary.read, summary.scored) == (2, 2)
    with pytest.raises(InputError, match="matches no file"):
        run_batch(str(tmp_path / "nothing-*.jsonl"), tmp_path / "store", scorer=scorer)
    with pytest.raises(InputError):
        run_batch(tmp_path / "missing.jsonl", tmp_path / "store", scorer=scorer)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "spark"}, "expected one of"),
        ({"workers": 0}, "positive integer"),
        ({"scheduler": "tcp://localhost:8786"}, "engine 'dask'"),
        ({"commit_every": 0}, "positive integer"),
    ],
)
def test_bad_run_options_fail_before_touching_the_store(scorer, inputs, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_batch(inputs, tmp_path / "store", scorer=scorer, **kwargs)
    assert not (tmp_path / "store").exists()


KILLED_RUN = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_batch_nightly import Throttle
    from cxnlp.batch.nightly import run_batch
    from cxnlp.scoring import Scorer, default_dimensions
    scorer = Scorer(dimensions=[*default_dimensions(), Throttle()], batch_size=16)
    run_batch({inputs!r}, {store!r}, scorer=scorer, commit_every=4, threads=1)
    """
)


def test_killed_run_resumes_to_the_same_results_as_an_uninterrupted_one(parser, inputs, tmp_path):
    """SIGKILL after the first committed part; the rerun redoes only the uncommitted tail."""
    write_jsonl(inputs / "day2.jsonl", [record(i) for i in range(16, 28)])
    throttled = Scorer(dimensions=[*default_dimensions(), Throttle()], parser=parser, batch_size=16)
    clean = tmp_path / "clean"
    run_batch(inputs, clean, scorer=throttled, commit_every=4, threads=1)

    killed = tmp_path / "killed"
    script = KILLED_RUN.format(tests=str(REPO / "tests"), inputs=str(inputs), store=str(killed))
    env = {**os.environ, "CXNLP_TEST_THROTTLE": "0.25"}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 240
        while not list(killed.glob("results/*/part-*.parquet")):
            if proc.poll() is not None:
                pytest.fail(f"run ended before it could be killed: {proc.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("no part committed within 240 s")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    committed = len(read_store(killed))
    assert 0 < committed < 28
    assert list_runs(killed)["status"].tolist() == ["running"]

    resumed = run_batch(inputs, killed, scorer=throttled, commit_every=4, threads=1)
    assert resumed.scored == 28 - committed
    assert resumed.skipped == committed
    runs = list_runs(killed)
    assert runs["status"].tolist() == ["failed", "complete"]

    parts = [pd.read_parquet(p) for p in sorted(killed.glob("results/*/part-*.parquet"))]
    assert not pd.concat(parts).duplicated(list(IDENTITY)).any()  # not even on disk
    assert not list(killed.rglob("*.tmp"))
    pd.testing.assert_frame_equal(scores_of(latest_results(killed)), scores_of(latest_results(clean)))


def test_one_and_two_local_workers_give_identical_scores(scorer, inputs, tmp_path):
    one = run_batch(inputs, tmp_path / "one", scorer=scorer, commit_every=4, threads=1)
    two = run_batch(inputs, tmp_path / "two", scorer=scorer, workers=2, commit_every=4, threads=1)
    assert (one.scored, two.scored) == (16, 16)
    assert list_runs(tmp_path / "two")["workers"].tolist() == [2]
    pd.testing.assert_frame_equal(
        scores_of(latest_results(tmp_path / "one")), scores_of(latest_results(tmp_path / "two"))
    )


def test_other_thread_counts_agree_to_rounding(scorer, inputs, tmp_path):
    """Torch's CPU kernels round differently with the thread count; the scores barely move."""
    one = run_batch(inputs, tmp_path / "one", scorer=scorer, threads=1)
    two = run_batch(inputs, tmp_path / "two", scorer=scorer, threads=2)
    assert one.config_id == two.config_id
    a = scores_of(latest_results(tmp_path / "one"))
    b = scores_of(latest_results(tmp_path / "two"))
    pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-3, rtol=0)


def test_store_is_a_result_store_directory(scorer, inputs, tmp_path):
    summary = run_batch(inputs, tmp_path / "store", scorer=scorer, commit_every=4)
    store = ResultStore(tmp_path / "store")
    assert len(summary.parts) == 4  # 16 transcripts, 4 a part
    for part in summary.parts:
        assert (store.root / part).parent.name.startswith("scored_date=")
    manifest = json.loads((store.manifest_dir / f"{summary.run_id}.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"] == {"read": 18, "scored": 16, "rejected": 2, "skipped": 0}
    assert manifest["configuration"]["scorer_fingerprint"] == scorer.config_fingerprint()
    assert manifest["engine"] == "local"
    frame = read_store(store)
    assert {"config_id", "run_id", "scored_at", "evidence", "agent_id"} <= set(frame.columns)

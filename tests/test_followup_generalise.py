"""Follow-up routing beyond the tune file's phrasings (issue #10 point 5): declined needs,
complaints that only look negated, the customer's own effort, contrast, going public, the
calm prototypes as contrast, the resource revision and the tune2 split in the benchmark."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from cxnlp.analytics import FollowupRouter, load_followup_signals
from cxnlp.analytics.followup import FollowupResourceError, parse_followup_signals, split_comment

REPO_ROOT = Path(__file__).resolve().parents[1]
VALIDITY = REPO_ROOT / "benchmarks" / "data" / "validity"
TUNE2 = VALIDITY / "survey_comments_tune2.jsonl"
slow = pytest.mark.slow


def route(router: FollowupRouter, rating: float, comment: str):
    return router.decide_many([rating], [comment])[0]


@slow
@pytest.mark.parametrize(
    ("rating", "comment", "action", "rule"),
    [
        # a need declined or already met is no follow-up, and says so
        (80, "I don't need anyone to call me back, all sorted.", "none", "none"),
        (70, "No callback required, the agent answered everything.", "none", "none"),
        (75, "Callback not needed, thanks.", "none", "none"),
        (80, "I was told someone would call me back and they did, problem resolved.", "none", "none"),
        # complaints that only look negated
        (60, "Did the job, but no need to be so curt.", "apology", "apology.treatment"),
        (
            44,
            "Shouldn't have been passed around four departments to get this done.",
            "apology",
            "apology.treatment",
        ),
        # what the customer did is not what the customer asks for
        (50, "He was dismissive and I had to explain it all twice.", "apology", "apology.treatment"),
        # contrast: treatment or praise, and an issue still open
        (
            20,
            "Rude agent and the second charge is still on my statement.",
            "callback",
            "callback.unresolved_comment",
        ),
        (15, "Fixed for an hour then broke again.", "callback", "callback.unresolved_comment"),
        # escalation by meaning: going public, authority, hedged threats, switching
        (10, "Going to the newspapers with this story.", "escalation", "escalation.public_complaint"),
        (25, "I'm going to tell my MP about this.", "escalation", "escalation.public_complaint"),
        (30, "Leaving a one star review on Trustpilot.", "escalation", "escalation.public_complaint"),
        (
            34,
            "I'd rather not involve the ombudsman, but I will if I must.",
            "escalation",
            "escalation.legal_threat",
        ),
        (
            40,
            "I expect someone with the power to fix this to contact me.",
            "escalation",
            "escalation.manager_request",
        ),
        (
            20,
            "You have lost my business, already signed up with a competitor.",
            "escalation",
            "escalation.cancel_threat",
        ),
        (16, "Cancel the policy. Cancel the lot.", "escalation", "escalation.cancel_threat"),
    ],
)
def test_routes_phrasings_the_tune_file_does_not_hold(router, rating, comment, action, rule):
    got = route(router, rating, comment)
    assert (got.action, got.rule) == (action, rule), got.evidence


@slow
def test_the_calm_prototypes_contrast_a_loose_resemblance():
    # "Claim approved." is nearer "My lawyer will be contacting you." than any other need
    # prototype; only the contrast with the calm ones keeps it from escalating.
    comment = "Claim approved. Thanks."
    assert route(FollowupRouter(calm_margin=-1.0).fit(), 72, comment).action == "escalation"
    assert route(FollowupRouter(calm_margin=0.0).fit(), 72, comment).action == "none"


@slow
def test_a_declined_need_is_quoted_as_the_reason_for_none(router):
    got = route(router, 80, "No need to call back, it's fixed.")
    assert got.action == "none"
    assert 'declined "call back" in "No need to call back' in got.evidence
    low = route(router, 30, "No need to call back, it's fixed.")
    assert low.action == "apology" and "rating 30" in low.reason


@slow
def test_a_lovely_agent_does_not_hide_a_wrong_bill(router):
    got = route(router, 80, "The agent was lovely but my bill is still wrong.")
    assert got.rule == "callback.unresolved_comment"
    assert '"still wrong" in "my bill is still wrong."' in got.evidence


def test_clauses_split_before_a_new_subject_after_and_or_then():
    assert "the bill is still wrong" in split_comment("Rude agent and the bill is still wrong")
    assert "broke again" in split_comment("Fixed for a day then broke again")
    assert split_comment("quick and easy") == ["quick and easy"]


def test_the_packaged_signals_carry_a_revision_and_a_bad_one_is_named():
    signals = load_followup_signals()
    assert signals.revision >= 3
    assert signals["public_complaint"].action == "escalation"
    with pytest.raises(FollowupResourceError, match="revision"):
        parse_followup_signals(
            {
                "version": 1,
                "revision": "two",
                "signals": {"a": {"action": "none", "when": "any", "phrases": ["x"]}},
            }
        )


@slow
def test_the_tune2_file_is_routed_well_and_every_escalation_is_found(router):
    rows = [json.loads(line) for line in TUNE2.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 250
    got = router.decide_many([r["rating"] for r in rows], [r["comment"] for r in rows])
    pred = np.array([d.action for d in got], dtype=object)
    gold = np.array([r["action"] for r in rows], dtype=object)
    low = np.array([r["rating"] <= 40 for r in rows])
    assert (pred == gold).mean() >= 0.9
    assert (pred[gold == "escalation"] == "escalation").all()
    assert not ((pred == "none") & low).any()


@pytest.fixture(scope="module")
def bench():
    benchmarks = REPO_ROOT / "benchmarks"
    sys.path.insert(0, str(benchmarks))
    try:
        spec = importlib.util.spec_from_file_location("bench_followups", benchmarks / "bench_followups.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(benchmarks))


def test_the_benchmark_reports_tune2_as_its_own_split(bench):
    assert bench.SPLITS["tune2"] == TUNE2.name
    assert "tune2" not in bench.UNQUOTED and "holdout" in bench.UNQUOTED


@slow
def test_the_benchmark_runs_one_split_without_recording(bench, tmp_path, monkeypatch, capsys):
    rows = [
        {"id": "x1", "rating": 20, "comment": "I want to speak to a manager.", "action": "escalation"},
        {"id": "x2", "rating": 90, "comment": "Sorted, thanks.", "action": "none"},
    ]
    (tmp_path / TUNE2.name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    results = tmp_path / "followups.jsonl"
    monkeypatch.setattr(bench, "RESULTS", results)
    assert bench.main(["--data", str(tmp_path), "--split", "tune2", "--no-record"]) == 0
    out = capsys.readouterr().out
    assert "== tune2: 2 comments ==" in out and "holdout" not in out and "== tune:" not in out
    assert not results.exists()

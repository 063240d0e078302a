"""The composite score, the Scorer, and how all four dimensions respond to targeted edits."""

from __future__ import annotations

import json
import math

import pytest

from cxnlp.model import Transcript
from cxnlp.scoring import (
    DIMENSION_COLUMNS,
    CompositeWeights,
    Scorer,
    evidence_frame,
    filler_quality,
    interaction_score,
)


@pytest.mark.parametrize(
    ("filler", "scale", "expected"),
    [(0.0, 2.5, 100.0), (10.0, 2.5, 75.0), (40.0, 2.5, 0.0), (80.0, 2.5, 0.0), (10.0, 1.0, 90.0)],
)
def test_filler_quality(filler, scale, expected):
    assert filler_quality(filler, scale) == pytest.approx(expected)


def test_interaction_score_renormalises_over_dimensions_that_apply():
    scores = {
        "brand_congruence": 80.0,
        "answer_completeness": math.nan,
        "proactive_connection": 60.0,
        "filler_content": 0.0,
    }
    expected = (0.20 * 80 + 0.25 * 60 + 0.20 * 100) / (0.20 + 0.25 + 0.20)
    assert interaction_score(scores) == pytest.approx(expected)
    assert math.isnan(interaction_score({name: math.nan for name in DIMENSION_COLUMNS}))


def test_interaction_score_follows_custom_weights():
    scores = {
        "brand_congruence": 0.0,
        "answer_completeness": 100.0,
        "proactive_connection": 0.0,
        "filler_content": 40.0,
    }
    only_completeness = CompositeWeights(brand_congruence=0, proactive_connection=0, filler_content=0)
    assert interaction_score(scores, only_completeness) == pytest.approx(100.0)
    assert interaction_score(scores) < 50


@pytest.mark.parametrize("bad", [{"brand_congruence": -1}, {"unknown_dimension": 1.0}, {"filler_scale": 0}])
def test_bad_weights_are_rejected(bad):
    with pytest.raises(ValueError):
        CompositeWeights(**bad)


def test_all_zero_weights_are_rejected():
    with pytest.raises(ValueError, match="at least one positive weight"):
        CompositeWeights(brand_congruence=0, answer_completeness=0, proactive_connection=0, filler_content=0)


# --- transcripts of our own, and targeted edits of them -------------------------------------

BILLING = [
    ("customer", "Hi, I was charged twice for my October bill and I'd like the extra payment refunded."),
    ("agent", "Thank you for reaching out. I can see two payments of $54.20 on October 3rd on your account."),
    ("customer", "Yes, that's the problem. How long will the refund take?"),
    (
        "agent",
        "I've issued a refund for the duplicate $54.20 payment. "
        "It will be back on your card within 3 to 5 business days.",
    ),
    ("customer", "Great, thanks."),
    ("agent", "Thanks for your patience today. Have a good evening."),
]
OUTAGE = [
    ("customer", "My internet has been down since this morning and I work from home."),
    ("agent", "I'm sorry about that, it's a real problem when you work from home."),
    (
        "agent",
        "There is a fiber cut in your area and our crew is repairing it; service should be back by 4 pm.",
    ),
    ("customer", "Will I get a credit for the downtime?"),
    ("agent", "Yes, a one-day credit of $3.10 will be applied to your next bill automatically."),
    ("customer", "Okay, thank you."),
    ("agent", "You're welcome. Have a good afternoon."),
]
RETURNS = [
    ("customer", "The headphones I ordered arrived broken. Can I return them?"),
    ("agent", "Yes, you can return them free of charge within 30 days of delivery."),
    ("agent", "I've emailed you a prepaid return label; print it and drop the box at any post office."),
    ("customer", "And when do I get my money back?"),
    ("agent", "Your refund is issued the day the warehouse receives the package, usually within a week."),
    ("customer", "Perfect."),
    ("agent", "Thank you for contacting us."),
]
CALLS = {"billing": BILLING, "outage": OUTAGE, "returns": RETURNS}


def with_filler(turns):
    out = []
    for speaker, text in turns:
        if speaker == "agent":
            text = f"Um, so, like, basically, {text[0].lower()}{text[1:]} You know, I mean, it's, uh, yeah."
        out.append((speaker, text))
    return out


def without_answers(turns):
    """Drop every agent turn that follows a customer question, except the closing one."""
    out, drop_next = [], False
    for speaker, text in turns[:-1]:
        if speaker == "customer":
            drop_next = "?" in text or "'d like" in text
            out.append((speaker, text))
        elif drop_next:
            out.append((speaker, "Okay."))
            drop_next = False
        else:
            out.append((speaker, text))
    return [*out, turns[-1]]


def with_connection(turns):
    out = [("customer", "Hi, this is Priya Raman."), *turns[:-1]]
    last_speaker, last_text = turns[-1]
    out.append(
        (
            last_speaker,
            f"Priya, {last_text[0].lower()}{last_text[1:]} Is there anything else I can do for you today?",
        )
    )
    return out


def off_brand(turns):
    out = []
    for speaker, text in turns:
        if speaker == "agent":
            text = f"Ugh, whatever, dude. {text} Not my department though, so don't blame me."
        out.append((speaker, text))
    return out


@pytest.fixture(scope="module")
def scorer(parser):
    return Scorer(parser=parser).prepare()


def _scores(scorer, turns):
    result = scorer.score_one(Transcript.from_pairs("t", turns))
    return {name: result.dimensions[name].score for name in DIMENSION_COLUMNS}


EDITS = {
    # edit: (dimension it targets, direction, tolerance for the others)
    "filler": (with_filler, "filler_content", +1),
    "answers": (without_answers, "answer_completeness", -1),
    "connection": (with_connection, "proactive_connection", +1),
    "brand": (off_brand, "brand_congruence", -1),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_targeted_edit_moves_its_dimension_and_barely_the_others(scorer, call, edit):
    transform, target, direction = EDITS[edit]
    before = _scores(scorer, CALLS[call])
    after = _scores(scorer, transform(CALLS[call]))
    assert direction * (after[target] - before[target]) >= 5, (target, before, after)
    for name in DIMENSION_COLUMNS:
        if name == target:
            continue
        # Filler words inflate the agent's word count; that alone may shift a share-based
        # measure a little, hence a tolerance rather than equality.
        assert abs(after[name] - before[name]) <= 10, (edit, name, before, after)


def test_clean_calls_score_well(scorer):
    for call, turns in CALLS.items():
        scores = _scores(scorer, turns)
        assert scores["filler_content"] < 5, (call, scores)
        assert scores["answer_completeness"] >= 60, (call, scores)


def test_score_table_contract(scorer):
    transcripts = [
        Transcript.from_pairs(name, turns, team="North", queue=name, started_at="2026-10-01T09:00:00")
        for name, turns in CALLS.items()
    ]
    frame = scorer.score(transcripts)
    assert list(frame["transcript_id"]) == list(CALLS)
    assert (frame["team"] == "North").all() and list(frame["queue"]) == list(CALLS)
    for name in (*DIMENSION_COLUMNS, "interaction_score"):
        assert frame[name].between(0, 100).all(), name
    assert any(c.startswith("f_answer_completeness__") for c in frame.columns)
    evidence = evidence_frame(frame)
    assert set(evidence["transcript_id"]) <= set(CALLS)
    assert set(evidence["dimension"]) <= set(DIMENSION_COLUMNS)
    first = json.loads(frame.loc[0, "evidence"])
    assert all(0 <= item["turn_index"] < len(BILLING) for item in first)


def test_scores_do_not_depend_on_batching(parser):
    transcripts = [Transcript.from_pairs(n, t) for n, t in CALLS.items()]
    one = Scorer(parser=parser, batch_size=1).score(transcripts)
    many = Scorer(parser=parser, batch_size=64).score(transcripts)
    cols = [*DIMENSION_COLUMNS, "interaction_score"]
    assert (one[cols] - many[cols]).abs().max().max() < 1e-4
    assert list(one["evidence"]) == list(many["evidence"])


def test_metadata_cannot_overwrite_scores(scorer):
    transcript = Transcript.from_pairs("m", BILLING, interaction_score=5, evidence="x")
    row = scorer.score([transcript]).iloc[0]
    assert row["meta_interaction_score"] == 5 and row["meta_evidence"] == "x"
    assert row["interaction_score"] > 5

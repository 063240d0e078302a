"""The composite score, the Scorer, and how all four dimensions respond to targeted edits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cxnlp.model import Transcript
from cxnlp.scoring import (
    DIMENSION_COLUMNS,
    CompositeWeights,
    Scorer,
    evidence_frame,
    filler_quality,
    interaction_score,
    service_credit,
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
    # Brand and proactive count as full at their targets (70): 80 -> 100, 60 -> 85.7.
    expected = (0.20 * 100 + 0.25 * 100 * 60 / 70 + 0.20 * 100) / (0.20 + 0.25 + 0.20)
    assert interaction_score(scores) == pytest.approx(expected)
    assert math.isnan(interaction_score({name: math.nan for name in DIMENSION_COLUMNS}))


def test_near_silent_agent_is_not_scored():
    no_need = {**dict.fromkeys(DIMENSION_COLUMNS, 50.0), "answer_completeness": math.nan}
    assert math.isnan(interaction_score(no_need, agent_words=3))
    assert not math.isnan(interaction_score(no_need, agent_words=40))
    assert not math.isnan(interaction_score(no_need, CompositeWeights(min_agent_words=0), agent_words=3))
    # A short reply that meets a need is a call to grade.
    assert not math.isnan(interaction_score(dict.fromkeys(DIMENSION_COLUMNS, 50.0), agent_words=3))


def test_no_exchange_is_not_scored_however_long_the_agent_spoke():
    no_need = {**dict.fromkeys(DIMENSION_COLUMNS, 50.0), "answer_completeness": math.nan}
    # Hold messages, an IVR prompt, a greeting into silence: no need, (almost) no customer.
    assert math.isnan(interaction_score(no_need, agent_words=40, customer_words=0))
    assert math.isnan(interaction_score(no_need, agent_words=40, customer_words=4))
    assert not math.isnan(interaction_score(no_need, agent_words=40, customer_words=5))
    relaxed = CompositeWeights(min_customer_words=0)
    assert not math.isnan(interaction_score(no_need, relaxed, agent_words=40, customer_words=0))
    # A voiced need is a call to grade, however little the customer said.
    with_need = dict.fromkeys(DIMENSION_COLUMNS, 50.0)
    assert not math.isnan(interaction_score(with_need, agent_words=40, customer_words=2))


def test_courtesy_without_answers_cannot_carry_a_call_to_mid_scale():
    polite_no_answer = {
        "brand_congruence": 75.0,
        "answer_completeness": 0.0,
        "proactive_connection": 45.0,
        "filler_content": 0.0,
    }
    # Without the gate brand, connection and filler (65 % of the weight) alone give ~56.
    ungated = CompositeWeights(unmet_service_credit=1.0)
    assert interaction_score(polite_no_answer, ungated) > 50
    assert interaction_score(polite_no_answer) < 35
    # The same service earns more as more needs are met, and counts in full from 2 of 3.
    points = [interaction_score({**polite_no_answer, "answer_completeness": a}) for a in (0, 33, 50, 100)]
    assert points == sorted(points) and len(set(points)) == 4
    two_of_three = {**polite_no_answer, "answer_completeness": 200 / 3}
    assert interaction_score(two_of_three) == pytest.approx(interaction_score(two_of_three, ungated))


@pytest.mark.parametrize(
    ("completeness", "expected"), [(math.nan, 1.0), (0.0, 0.5), (33.0, 0.75), (200 / 3, 1.0), (100.0, 1.0)]
)
def test_service_credit_falls_linearly_below_two_needs_in_three(completeness, expected):
    assert service_credit(completeness, CompositeWeights()) == pytest.approx(expected)
    assert service_credit(completeness, CompositeWeights(unmet_service_credit=1.0)) == 1.0
    assert service_credit(completeness, CompositeWeights(answer_completeness=0)) == 1.0


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

# Agent sentences that answer a customer need are marked "[A] " so an edit can remove the
# answers alone, leaving greetings, empathy, ownership and next steps in place.
BILLING = [
    ("customer", "Hi, I was charged twice for my October bill and I'd like the extra payment refunded."),
    ("agent", "Thank you for reaching out. I can see two payments of $54.20 on October 3rd."),
    ("agent", "[A] The duplicate $54.20 payment has been refunded to the card it came from."),
    ("customer", "Yes, that's the problem. Why was I charged twice?"),
    ("agent", "[A] The payment page timed out and your bank sent the same payment a second time."),
    ("customer", "Great, thanks."),
    ("agent", "Thanks for your patience today. Have a good evening."),
]
OUTAGE = [
    ("customer", "My internet has been down since this morning and I work from home. Why is it down?"),
    ("agent", "I'm sorry about that, it's a real problem when you work from home."),
    (
        "agent",
        "[A] A fiber cable in your area was cut and the crew is repairing it; service is due back by 4 pm.",
    ),
    ("customer", "Will I get a credit for the downtime?"),
    ("agent", "[A] Yes, a one-day credit of $3.10 is on your account for the outage."),
    ("customer", "Okay, thank you."),
    ("agent", "You're welcome. Have a good afternoon."),
]
RETURNS = [
    ("customer", "The headphones I ordered arrived broken. Can I return them?"),
    ("agent", "[A] Yes, you can return them free of charge."),
    ("customer", "Do I have to pay for the return shipping?"),
    ("agent", "[A] No, shipping is free for returns of faulty items."),
    ("customer", "Perfect."),
    ("agent", "Thank you for contacting us."),
]
CALLS = {
    name: [(speaker, text.removeprefix("[A] ")) for speaker, text in turns]
    for name, turns in {"billing": BILLING, "outage": OUTAGE, "returns": RETURNS}.items()
}
MARKED = {"billing": BILLING, "outage": OUTAGE, "returns": RETURNS}


def with_filler(turns):
    out = []
    for speaker, text in turns:
        if speaker == "agent":
            text = f"Um, so, like, basically, {text[0].lower()}{text[1:]} You know, I mean, it's, uh, yeah."
        out.append((speaker, text))
    return out


def without_answers(marked):
    """Replace every answering sentence by a bare acknowledgement; keep everything else."""
    return [(speaker, "Okay." if text.startswith("[A] ") else text) for speaker, text in marked]


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


BRUSH_OFFS = (
    "You should have read the terms before you complained.",
    "That mistake is on you, not on us.",
    "Whatever, it's just policy.",
    "Don't blame us for your own bank.",
)


def off_brand(turns):
    """The same information, said dismissively: a brush-off after each reply, no filler words."""
    out, k = [], 0
    for speaker, text in turns:
        if speaker == "agent":
            text = f"{text} {BRUSH_OFFS[k % len(BRUSH_OFFS)]}"
            k += 1
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
    after = _scores(scorer, transform(MARKED[call] if edit == "answers" else CALLS[call]))
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


def test_agent_only_hold_messages_get_no_interaction_score(scorer):
    hold = Transcript.from_pairs(
        "hold",
        [
            ("agent", "Thank you for calling Halden Water. Your call is important to us, please hold."),
            ("agent", "You are number four in the queue. An adviser will be with you shortly."),
            ("agent", "Thank you for holding. All our advisers are still busy, please stay on the line."),
        ],
    )
    result = scorer.score_one(hold)
    assert math.isnan(result.interaction_score)
    assert not math.isnan(result.dimensions["brand_congruence"].score)  # the parts are still read
    spoken = Transcript.from_pairs(
        "spoken",
        [
            *[(t.speaker, t.text) for t in hold.turns],
            ("customer", "Hi, I'd like to report a leak on my street."),
        ],
    )
    assert not math.isnan(scorer.score_one(spoken).interaction_score)


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


def test_slot_vectors_hold_the_mean_embedding_of_each_conversation_slot(scorer):
    from cxnlp.slots import SLOT_COLUMN, SLOTS, decode_slot_vectors

    transcript = Transcript.from_pairs("b", CALLS["billing"])
    row = scorer.score([transcript]).iloc[0]
    slots = dict(zip(SLOTS, decode_slot_vectors(row[SLOT_COLUMN], dim=384, record="b"), strict=True))
    parsed = scorer.parser.parse(transcript)
    last_customer = max(s.turn_index for s in parsed.customer_sentences)
    closing = [s for s in parsed.customer_sentences if s.turn_index == last_customer]
    expected = parsed.vectors_of(closing).mean(axis=0)
    np.testing.assert_allclose(slots["customer_closing"], expected, atol=2e-3)
    agent = parsed.vectors_of(parsed.agent_sentences).mean(axis=0)
    np.testing.assert_allclose(slots["agent_reply"], agent, atol=2e-3)
    # "Great, thanks." and the opening complaint mean different things.
    assert float(slots["customer_opening"] @ slots["customer_closing"]) < 0.9


def test_leaving_slot_vectors_out_is_another_configuration(parser):
    """A store must never mix rows with and without the column: the fingerprint tells them apart."""
    with_column = Scorer(parser=parser)
    without = Scorer(parser=parser, slot_vectors=False)
    assert with_column.config_fingerprint() != without.config_fingerprint()
    row = without.score([Transcript.from_pairs("b", CALLS["billing"])]).iloc[0]
    assert "slot_vectors" not in row.index


def test_dimensions_score_with_one_blas_thread_and_the_setting_is_restored():
    from threadpoolctl import threadpool_info

    from cxnlp.scoring import one_blas_thread

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with one_blas_thread():
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_collector_paused_restores_the_collector():
    """Scoring pauses the cyclic garbage collector per batch and turns it back on; nested
    use, and a caller who paused it, leave it as they found it."""
    import gc

    from cxnlp.scoring import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

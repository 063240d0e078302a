"""Follow-up routing: a table of (rating, comment, evidence) -> action, and the text classifier."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from cxnlp.analytics import (
    FOLLOWUP_ACTIONS,
    FollowupClassifier,
    FollowupRouter,
    route_followups,
    write_followups,
)

OPEN = [
    {
        "dimension": "answer_completeness",
        "kind": "open_question",
        "turn_index": 2,
        "sentence": "Can you refund the fee?",
        "weight": -10.0,
    }
]
CLEAN = [
    {
        "dimension": "brand_congruence",
        "kind": "on_brand",
        "turn_index": 1,
        "sentence": "Happy to help.",
        "weight": 3.0,
    }
]


def surveyed(rating, comment, evidence=None, **extra) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transcript_id": ["t1"],
            "agent_id": ["ag7"],
            "team": ["blue"],
            "customer_name": ["Sam"],
            "survey_rating": [rating],
            "survey_comment": [comment],
            "evidence": [json.dumps(evidence) if evidence is not None else None],
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("rating", "comment", "evidence", "action", "rule"),
    [
        (
            20,
            "I want to speak to a manager about this.",
            None,
            "escalation",
            "escalation.manager_request",
        ),
        (
            70,
            "I will file a complaint with the ombudsman",
            CLEAN,
            "escalation",
            "escalation.manager_request",
        ),
        (
            40,
            "If this happens again I'm cancelling my contract.",
            None,
            "escalation",
            "escalation.cancel_threat",
        ),
        (10, "Absolutely terrible service.", None, "escalation", "escalation.critical_complaint"),
        (80, "It's still not fixed.", None, "callback", "callback.unresolved_comment"),
        (
            90,
            "Lovely agent but the internet is still not working",
            CLEAN,
            "callback",
            "callback.unresolved_comment",
        ),
        (40, "Meh.", OPEN, "callback", "callback.open_questions"),
        (
            40,
            "The agent was rude to me, but the problem got fixed.",
            CLEAN,
            "apology",
            "apology.treatment",
        ),
        (50, "I waited 40 minutes on hold", None, "apology", "apology.waiting"),
        (75, "I don't understand my bill", None, "more_information", "more_information.question"),
        (70, "Why is there a new charge?", None, "more_information", "more_information.question"),
        (95, "Great, thank you!", CLEAN, "none", "none"),
        (95, "Great, thank you!", OPEN, "none", "none"),  # happy customer: no callback
        (np.nan, "Thanks", None, "none", "none"),
        (100, "", None, "none", "none"),
    ],
)
def test_routing_table(rating, comment, evidence, action, rule):
    out = route_followups(surveyed(rating, comment, evidence))
    assert out["action"].tolist() == [action]
    assert out["rule"].iloc[0] == rule
    assert out["reason"].iloc[0]


@pytest.mark.parametrize(
    ("rating", "comment", "not_action"),
    [
        (90, "My manager recommended you and you were great", "escalation"),  # good rating
        (80, "Cancelled my old plan, all good", "escalation"),  # no threat at a fine rating
        (50, "Terrible weather today, agent was fine", "escalation"),  # not critical
    ],
)
def test_rules_do_not_overreach(rating, comment, not_action):
    assert route_followups(surveyed(rating, comment))["action"].iloc[0] != not_action


def test_a_negated_fix_is_not_a_resolved_issue():
    out = route_followups(surveyed(40, "Rude agent and the issue wasn't fixed", OPEN))
    assert out["action"].iloc[0] == "callback"  # "wasn't fixed" must not read as "fixed"


def test_open_questions_do_not_trigger_a_callback_when_the_comment_says_resolved():
    out = route_followups(surveyed(45, "Rude agent but it is fixed now", OPEN))
    assert out["action"].iloc[0] == "apology"


def test_evidence_quotes_the_matched_words_and_the_open_question():
    manager = route_followups(surveyed(20, "Get me your SUPERVISOR now"))
    assert "supervisor" in manager["evidence"].iloc[0]
    opened = route_followups(surveyed(30, "no", OPEN))
    assert OPEN[0]["sentence"] in opened["evidence"].iloc[0]


def test_output_columns_order_and_unsurveyed_rows():
    df = pd.concat(
        [
            surveyed(95, "thanks").assign(transcript_id="fine"),
            surveyed(20, "I want a manager").assign(transcript_id="angry"),
            surveyed(80, "still broken").assign(transcript_id="open"),
            surveyed(np.nan, None).assign(transcript_id="silent"),
        ],
        ignore_index=True,
    )
    out = route_followups(df)
    assert out["transcript_id"].tolist() == ["angry", "open", "fine"]
    assert out["priority"].tolist() == ["high", "medium", "none"]
    for col in (
        "transcript_id",
        "action",
        "priority",
        "reason",
        "evidence",
        "survey_rating",
        "survey_comment",
        "agent_id",
        "team",
        "customer_name",
    ):
        assert col in out.columns


def test_missing_rating_column_says_to_join_surveys():
    with pytest.raises(ValueError, match="join_surveys"):
        route_followups(surveyed(20, "x").drop(columns="survey_rating"))


CALLBACK_TEXTS = [
    "please ring me back",
    "ring me tomorrow morning",
    "phone me at home",
    "give me a ring later",
    "ring me on my mobile",
    "phone me back this week",
]
NONE_TEXTS = [
    "thanks a lot",
    "lovely chat",
    "all good here",
    "nice people",
    "quick and easy",
    "very friendly team",
]


#: The classifier extends the rules; with meaning off, "ring me on monday" is a row no rule claims.
PHRASES_ONLY = FollowupRouter(use_meaning=False)


def training_data(repeat: int = 3) -> tuple[list[str], list[str]]:
    texts = (CALLBACK_TEXTS + NONE_TEXTS) * repeat
    labels = (["callback"] * len(CALLBACK_TEXTS) + ["none"] * len(NONE_TEXTS)) * repeat
    return texts, labels


def test_classifier_routes_rows_no_rule_claimed_and_says_so():
    model = FollowupClassifier().fit(*training_data())
    df = pd.concat(
        [
            surveyed(70, "ring me monday").assign(transcript_id="ring"),
            surveyed(20, "manager now, and ring me").assign(transcript_id="rule"),
        ],
        ignore_index=True,
    )
    out = route_followups(df, router=PHRASES_ONLY, classifier=model).set_index("transcript_id")
    assert out.loc["ring", "action"] == "callback"
    assert out.loc["ring", "rule"] == "classifier"
    assert out.loc["rule", "rule"] == "escalation.manager_request"  # rules take priority


def test_classifier_below_its_confidence_leaves_the_row_alone():
    model = FollowupClassifier(min_confidence=1.0).fit(*training_data())
    out = route_followups(
        surveyed(70, "ring me monday"), router=PHRASES_ONLY, classifier=model
    )
    assert out["action"].iloc[0] == "none"


def test_classifier_follows_the_estimator_contract():
    model = FollowupClassifier(C=2.0)
    assert clone(model).get_params()["C"] == 2.0
    with pytest.raises(NotFittedError):
        model.predict(["hello"])
    texts, labels = training_data()
    assert model.fit(texts, labels) is model
    first = model.predict_proba(texts)
    np.testing.assert_allclose(model.fit(texts, labels).predict_proba(texts), first)
    assert set(model.classes_) <= set(FOLLOWUP_ACTIONS)
    assert model.score(texts, labels) == 1.0


@pytest.mark.parametrize(
    ("texts", "labels", "match"),
    [
        (["a", "b"], ["callback", "refund"], "Relabel"),
        (["a", "b"], ["none", "none"], "at least two"),
        (["a"], ["none", "callback"], "one label per comment"),
    ],
)
def test_classifier_refuses_bad_training_data(texts, labels, match):
    with pytest.raises(ValueError, match=match):
        FollowupClassifier().fit(texts, labels)


@pytest.mark.parametrize("name", ["followups.csv", "followups.parquet"])
def test_write_followups_round_trips(tmp_path, name):
    out = route_followups(surveyed(20, "I want a manager"))
    path = write_followups(out, tmp_path / "sub" / name)
    back = pd.read_csv(path) if name.endswith(".csv") else pd.read_parquet(path)
    assert back["action"].tolist() == ["escalation"]
    assert back["transcript_id"].tolist() == ["t1"]


def test_write_followups_refuses_unknown_extensions(tmp_path):
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        write_followups(pd.DataFrame(), tmp_path / "out.xlsx")

"""Follow-up routing: a table of (rating, comment, evidence) -> action, and the text classifier."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from cxnlp.analytics import (
    FOLLOWUP_ACTIONS,
    FollowupClassifier,
    FollowupRouter,
    load_followup_signals,
    route_followups,
    write_followups,
)
from cxnlp.analytics.followup import FollowupResourceError, split_comment

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Tests that route with the default router load the sentence encoder.
slow = pytest.mark.slow

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


@slow
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
        (75, "I don't understand my bill", None, "more_information", "more_information.confusion"),
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


@slow
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


@slow
def test_a_negated_fix_is_not_a_resolved_issue():
    out = route_followups(surveyed(40, "Rude agent and the issue wasn't fixed", OPEN))
    assert out["action"].iloc[0] == "callback"  # "wasn't fixed" must not read as "fixed"


@slow
def test_open_questions_do_not_trigger_a_callback_when_the_comment_says_resolved():
    out = route_followups(surveyed(45, "Rude agent but it is fixed now", OPEN))
    assert out["action"].iloc[0] == "apology"


@slow
def test_evidence_quotes_the_matched_words_and_the_open_question():
    manager = route_followups(surveyed(20, "Get me your SUPERVISOR now"))
    assert "supervisor" in manager["evidence"].iloc[0]
    opened = route_followups(surveyed(30, "no", OPEN))
    assert OPEN[0]["sentence"] in opened["evidence"].iloc[0]


@slow
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
    out = route_followups(surveyed(70, "ring me monday"), router=PHRASES_ONLY, classifier=model)
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


@slow
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


# --------------------------------------------------------------------------- routing by meaning

TUNE = REPO_ROOT / "benchmarks" / "data" / "validity" / "survey_comments_tune.jsonl"


@slow
@pytest.mark.parametrize(
    ("rating", "comment", "action", "rule"),
    [
        (20, "I want to speak to someone higher up", "escalation", "escalation.manager_request"),
        (60, "could I have a word with your superior please", "escalation", "escalation.manager_request"),
        (
            30,
            "if this isn't sorted by Friday I'm switching provider",
            "escalation",
            "escalation.cancel_threat",
        ),
        (35, "one more outage and I'm moving to a competitor", "escalation", "escalation.cancel_threat"),
        (25, "you'll be hearing from my legal team", "escalation", "escalation.legal_threat"),
        (
            60,
            "nobody ever got back to me about the refund",
            "callback",
            "callback.unresolved_comment",
        ),
        (55, "the charge is still on my bill", "callback", "callback.unresolved_comment"),
        (90, "Lovely agent. The charge is still on my bill.", "callback", "callback.unresolved_comment"),
        (45, "still no refund weeks later", "callback", "callback.unresolved_comment"),
        (45, "the advisor made me feel like an idiot", "apology", "apology.treatment"),
        (30, "the woman was short with me", "apology", "apology.treatment"),
        (
            70,
            "left me scratching my head about the new tariff",
            "more_information",
            "more_information.question",
        ),
        (65, "what's this extra fee on my statement", "more_information", "more_information.question"),
    ],
)
def test_paraphrases_are_routed_by_meaning(rating, comment, action, rule):
    out = route_followups(surveyed(rating, comment))
    assert (out["action"].iloc[0], out["rule"].iloc[0]) == (action, rule)


@slow
@pytest.mark.parametrize(
    ("needs", "negated", "action"),
    [
        ("please call me back", "no need to call me back", "callback"),
        ("it was confusing", "not confusing at all", "more_information"),
        ("I was kept waiting", "I wasn't kept waiting", "apology"),
        ("the agent was rude", "the agent wasn't rude", "apology"),
    ],
)
def test_a_negated_need_routes_nothing_where_the_need_routes(needs, negated, action):
    rating = 55  # low enough for apology, above the never-none floor
    assert route_followups(surveyed(rating, needs))["action"].iloc[0] == action
    assert route_followups(surveyed(rating, negated))["action"].iloc[0] == "none"


@slow
@pytest.mark.parametrize("rating", [0, 15, 30, 40])
@pytest.mark.parametrize("comment", ["", "ok", "Thanks", "all sorted thanks", "no need to call me back"])
def test_a_low_rating_is_never_silently_none(rating, comment):
    row = route_followups(surveyed(rating, comment)).iloc[0]
    assert row["action"] != "none"
    assert f"rating {rating}" in row["reason"]


@slow
def test_a_low_rating_with_open_needs_in_the_call_gets_a_callback():
    out = route_followups(surveyed(20, "all sorted thanks", OPEN))
    assert (out["action"].iloc[0], out["rule"].iloc[0]) == ("callback", "callback.low_rating")
    assert OPEN[0]["sentence"] in out["evidence"].iloc[0]
    assert "reversed" in out["reason"].iloc[0]  # a positive comment under a low rating


@slow
def test_the_low_rating_floor_is_a_parameter_and_41_is_above_it():
    assert route_followups(surveyed(41, "ok"))["action"].iloc[0] == "none"
    off = FollowupRouter(silent_rating=-1.0)
    assert route_followups(surveyed(20, "ok"), router=off)["action"].iloc[0] == "none"


@slow
def test_no_low_rating_in_the_tune_file_is_routed_to_none():
    rows = [json.loads(line) for line in TUNE.read_text(encoding="utf-8").splitlines()]
    low = [r for r in rows if r["rating"] <= 40]
    assert len(low) >= 20
    router = FollowupRouter().fit()
    got = router.decide_many([r["rating"] for r in low], [r["comment"] for r in low])
    assert [d.action for d in got if d.action == "none"] == []


@slow
def test_evidence_names_the_sentence_that_fired_and_its_similarity():
    row = route_followups(surveyed(88, "Lovely agent. Nobody ever rang me back about the refund!")).iloc[0]
    assert row["action"] == "callback"
    assert '"Nobody ever rang me back about the refund!"' in row["evidence"]
    assert "similarity 0." in row["evidence"]
    assert "Lovely agent" not in row["evidence"]
    phrase = route_followups(surveyed(60, "Fine. But it is still broken.")).iloc[0]
    assert phrase["evidence"].startswith('"still broken" in "But it is still broken."')


@slow
def test_the_tune_file_is_routed_well():
    rows = [json.loads(line) for line in TUNE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 140
    frame = pd.DataFrame(
        {"survey_rating": [r["rating"] for r in rows], "survey_comment": [r["comment"] for r in rows]}
    )
    pred = FollowupRouter().fit().predict(frame)
    gold = np.array([r["action"] for r in rows], dtype=object)
    assert (pred == gold).mean() >= 0.95
    assert (pred[gold == "escalation"] == "escalation").all()


# --------------------------------------------------------------------------- the resource


def write_yaml(tmp_path, text: str):
    path = tmp_path / "signals.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@slow
def test_a_contact_centre_adds_its_own_phrasing(tmp_path):
    comment = "Flag this for Phoenix."
    assert route_followups(surveyed(70, comment))["action"].iloc[0] != "escalation"
    path = write_yaml(
        tmp_path,
        """\
        version: 1
        extends: default
        signals:
          manager_request:
            phrases: [for phoenix]
            prototypes: [Pass this to the Phoenix complaints team.]
        """,
    )
    out = route_followups(surveyed(70, comment), resource=path)
    assert (out["action"].iloc[0], out["rule"].iloc[0]) == ("escalation", "escalation.manager_request")
    assert '"for phoenix" in "Flag this for Phoenix."' in out["evidence"].iloc[0]
    signals = load_followup_signals(path)
    assert "Pass this to the Phoenix complaints team." in signals["manager_request"].prototypes
    assert len(signals["manager_request"].prototypes) > 1  # the packaged ones are kept


def test_a_replacing_resource_routes_by_its_phrases_alone(tmp_path):
    path = write_yaml(
        tmp_path,
        """\
        version: 1
        signals:
          gone_quiet:
            action: callback
            when: any
            description: the parcel never came
            phrases: [parcel never came]
        """,
    )
    router = FollowupRouter(resource=path, use_meaning=False)
    out = route_followups(surveyed(90, "The parcel never came."), router=router)
    assert (out["action"].iloc[0], out["rule"].iloc[0]) == ("callback", "callback.gone_quiet")
    assert out["reason"].iloc[0] == "the parcel never came"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("signals: {}\n", "version"),
        ("version: 2\nsignals: {a: {action: none, when: any, phrases: [x]}}\n", "version"),
        ("version: 1\nsignal: {}\n", "signal"),
        ("version: 1\nsignals: {a: {action: refund, when: any, phrases: [x]}}\n", "signals.a.action"),
        ("version: 1\nsignals: {a: {action: none, when: sometimes, phrases: [x]}}\n", "signals.a.when"),
        ("version: 1\nsignals: {a: {action: none, when: any, phrases: x}}\n", "signals.a.phrases"),
        ("version: 1\nsignals: {a: {action: none, when: any, prototype: [x]}}\n", "signals.a.prototype"),
        ("version: 1\nsignals: {a: {action: none, when: any}}\n", "signals.a.prototypes"),
        ("version: 1\nsignals: {a: {action: none, when: any, phrases: [x], negatable: 3}}\n", "negatable"),
        ("version: 1\nextends: mine\nsignals: {a: {action: none, when: any, phrases: [x]}}\n", "extends"),
        ("- just\n- a list\n", "(top level)"),
        ("version: 1\nsignals: [\n", "not valid YAML"),
    ],
)
def test_a_bad_resource_file_gives_one_line_naming_the_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FollowupResourceError) as info:
        load_followup_signals(path)
    message = str(info.value)
    assert "\n" not in message
    assert field in message
    assert str(path) in message


def test_a_missing_resource_file_is_named(tmp_path):
    with pytest.raises(FollowupResourceError, match="nope.yaml"):
        FollowupRouter(resource=tmp_path / "nope.yaml", use_meaning=False).fit()


def test_the_packaged_resource_is_versioned_and_every_action_has_a_signal():
    signals = load_followup_signals()
    assert signals.version == 1
    assert {s.action for s in signals.signals} == set(FOLLOWUP_ACTIONS)
    assert all(s.prototypes for s in signals.signals)


# --------------------------------------------------------------------------- the estimator


def test_router_follows_the_estimator_contract():
    router = FollowupRouter(min_probability=0.5, use_meaning=False)
    assert clone(router).get_params()["min_probability"] == 0.5
    with pytest.raises(NotFittedError):
        router.predict(surveyed(20, "x"))
    assert router.fit() is router
    frame = pd.concat([surveyed(20, "I want a manager"), surveyed(95, "thanks")])
    assert router.predict(frame).tolist() == ["escalation", "none"]
    assert router.fit().predict(frame).tolist() == ["escalation", "none"]
    assert router.fingerprint() == clone(router).fit().fingerprint()
    assert router.fingerprint() != FollowupRouter(low_rating=50, use_meaning=False).fit().fingerprint()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"min_probability": 1.5}, "'min_probability' parameter of FollowupRouter must be"),
        ({"C": 0}, "'C' parameter"),
        ({"use_meaning": "yes"}, "'use_meaning' parameter"),
        ({"low_rating": 90}, "critical <= low < good"),
    ],
)
def test_router_refuses_bad_parameters_at_fit(params, match):
    router = FollowupRouter(**{"use_meaning": False, **params})  # __init__ stores only
    with pytest.raises(ValueError, match=match):
        router.fit()


def test_importing_the_analytics_loads_no_language_model():
    code = (
        "import sys, cxnlp.analytics; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'spacy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("comment", "pieces"),
    [
        ("", []),
        ("Meh.", ["Meh."]),
        (
            "Lovely agent but the charge is still on my bill",
            [
                "Lovely agent but the charge is still on my bill",
                "Lovely agent",
                "the charge is still on my bill",
            ],
        ),
        ("Fine. Thanks!", ["Fine.", "Fine. Thanks!", "Thanks!"]),
        (
            "He said he would email me. He didn't.",
            ["He said he would email me.", "He said he would email me. He didn't.", "He didn't."],
        ),
    ],
)
def test_split_comment(comment, pieces):
    assert split_comment(comment) == pieces


# --------------------------------------------------------------------------- command line


def cli_table(tmp_path):
    path = tmp_path / "scored.csv"
    pd.concat(
        [surveyed(20, "Get me your supervisor"), surveyed(95, "thanks").assign(transcript_id="t2")]
    ).to_csv(path, index=False)
    return path


def test_cli_names_the_field_of_a_bad_signal_file(tmp_path):
    from typer.testing import CliRunner

    from cxnlp.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsignals: {a: {action: refund, when: any, phrases: [x]}}\n")
    args = ["analyze", "followups", str(cli_table(tmp_path)), "--signals", str(bad)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "signals.a.action" in result.output


@slow
def test_cli_routes_followups_with_a_signal_file(tmp_path):
    from typer.testing import CliRunner

    from cxnlp.cli import app

    extra = write_yaml(
        tmp_path,
        """\
        version: 1
        extends: default
        signals:
          callback_request:
            phrases: [thanks]
        """,
    )
    out = tmp_path / "followups.csv"
    args = ["analyze", "followups", str(cli_table(tmp_path)), "--signals", str(extra), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    routed = pd.read_csv(out).set_index("transcript_id")
    assert routed.loc["t1", "rule"] == "escalation.manager_request"
    assert routed.loc["t2", "rule"] == "callback.callback_request"  # the file's phrase

"""Perspectives, the survey join and false reads on constructed rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxnlp.analytics import false_read_summary, false_reads, join_surveys, perspectives
from cxnlp.analytics.viewpoints import percentile_in

OPEN_QUESTION = {
    "dimension": "answer_completeness",
    "kind": "open_question",
    "turn_index": 3,
    "sentence": "When will my refund arrive?",
    "detail": "",
    "weight": -12.0,
    "span": None,
}
OFF_BRAND = {
    "dimension": "brand_congruence",
    "kind": "off_brand",
    "turn_index": 5,
    "sentence": "Not my problem, mate.",
    "detail": "",
    "weight": -6.0,
    "span": None,
}
PRAISE = {**OFF_BRAND, "kind": "on_brand", "sentence": "Happy to help!", "weight": 4.0}


def table(records: list[tuple[float, float]], **extra) -> pd.DataFrame:
    """One transcript per (interaction score, survey rating) pair, good dimensions."""
    n = len(records)
    return pd.DataFrame(
        {
            "transcript_id": [f"t{i}" for i in range(n)],
            "agent_id": [f"ag{i % 2}" for i in range(n)],
            "team": ["red"] * n,
            "interaction_score": [r[0] for r in records],
            "survey_rating": [r[1] for r in records],
            "brand_congruence": 90.0,
            "answer_completeness": 90.0,
            "proactive_connection": 90.0,
            "filler_content": 2.0,
            **extra,
        }
    )


def test_join_surveys_keeps_the_latest_survey_and_every_transcript():
    scores = pd.DataFrame({"transcript_id": ["a", "b", "c"], "interaction_score": [1, 2, 3]})
    surveys = pd.DataFrame(
        {
            "transcript_id": ["a", "a", "b"],
            "survey_rating": [20, 90, 60],
            "survey_comment": ["late answer", "first answer", "ok"],
            "responded_at": ["2024-01-05T10:00:00", "2024-01-02T10:00:00", "2024-01-03T10:00:00"],
        }
    )
    joined = join_surveys(scores, surveys)
    assert joined["transcript_id"].tolist() == ["a", "b", "c"]
    assert joined["survey_rating"].iloc[0] == 20  # responded later, although listed first
    assert np.isnan(joined["survey_rating"].iloc[2])


def test_join_surveys_refuses_to_join_twice():
    scores = pd.DataFrame({"transcript_id": ["a"], "survey_rating": [50]})
    with pytest.raises(ValueError, match="already has the survey"):
        join_surveys(scores, pd.DataFrame({"transcript_id": ["a"], "survey_rating": [60]}))


def test_percentile_is_oriented_so_higher_is_better():
    reference = np.arange(1.0, 101.0)
    high = percentile_in(np.array([90.0, 10.0, np.nan]), reference)
    assert high[0] > high[1]
    assert np.isnan(high[2])
    filler = percentile_in(np.array([90.0, 10.0]), reference, higher_is_better=False)
    assert filler[1] > filler[0]  # less filler than most of the reference is good


def test_perspectives_per_group_and_external_percentiles():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "transcript_id": [f"t{i}" for i in range(200)],
            "team": ["strong"] * 100 + ["weak"] * 100,
            "interaction_score": np.r_[rng.normal(88, 4, 100), rng.normal(70, 4, 100)],
            "filler_content": np.r_[rng.normal(2, 0.5, 100), rng.normal(8, 0.5, 100)],
            "survey_rating": np.r_[rng.normal(85, 5, 100), rng.normal(75, 5, 100)],
        }
    )
    reference = pd.DataFrame(
        {"interaction_score": rng.normal(80, 8, 500), "filler_content": rng.normal(5, 2, 500)}
    )
    out = perspectives(df, by="team", reference=reference).set_index("team")
    assert out.loc["strong", "n"] == 100
    assert out.loc["strong", "ext_pct_interaction_score"] > out.loc["weak", "ext_pct_interaction_score"]
    assert out.loc["strong", "ext_pct_filler_content"] > out.loc["weak", "ext_pct_filler_content"]
    assert "ext_pct_survey_rating" not in out.columns  # the reference has no surveys
    gap = out.loc["weak", "survey_rating"] - out.loc["weak", "interaction_score"]
    assert out.loc["weak", "survey_minus_interaction"] == pytest.approx(gap)


def test_perspectives_per_transcript_without_surveys():
    df = table([(80, 90), (60, 50)]).drop(columns="survey_rating")
    out = perspectives(df, by=None)
    assert out["transcript_id"].tolist() == ["t0", "t1"]
    assert out["n_surveyed"].tolist() == [0, 0]


def test_reference_without_shared_columns_is_refused():
    with pytest.raises(ValueError, match="reference"):
        perspectives(table([(80, 90)]), reference=pd.DataFrame({"other": [1.0]}))


@pytest.mark.parametrize(
    ("score", "survey", "expected"),
    [
        (55.0, 95.0, "good_survey_poor_interaction"),
        (70.0, 85.0, "good_survey_poor_interaction"),  # both bounds inclusive
        (71.0, 95.0, None),
        (92.0, 30.0, "poor_survey_good_interaction"),
        (85.0, 60.0, "poor_survey_good_interaction"),
        (84.0, 30.0, None),
        (50.0, 40.0, None),  # both poor: they agree
        (95.0, 95.0, None),  # both good: they agree
        (55.0, np.nan, None),  # no survey, no disagreement to report
    ],
)
def test_false_reads_classify_constructed_rows(score, survey, expected):
    out = false_reads(table([(score, survey)]))
    if expected is None:
        assert out.empty
    else:
        assert out["false_read"].tolist() == [expected]


def test_false_read_names_the_worst_dimension_and_quotes_the_open_question():
    evidence = json.dumps([PRAISE, OFF_BRAND, OPEN_QUESTION])
    df = table([(55.0, 95.0), (90.0, 90.0)], evidence=evidence)
    df.loc[0, "answer_completeness"] = 30.0
    out = false_reads(df)
    assert out["transcript_id"].tolist() == ["t0"]
    row = out.iloc[0]
    assert row["worst_dimension"] == "answer_completeness"
    assert row["worst_dimension_points"] == pytest.approx(30.0)
    assert row["n_open_questions"] == 1
    quoted = row["negative_evidence"].split(" | ")
    assert quoted[0].endswith(OPEN_QUESTION["sentence"])  # open questions lead
    assert any(OFF_BRAND["sentence"] in q for q in quoted)
    assert PRAISE["sentence"] not in row["negative_evidence"]  # positive evidence is not quoted
    assert row["agent_id"] == "ag0"


def test_filler_can_be_the_worst_dimension_on_the_points_scale():
    df = table([(55.0, 95.0)])
    df["filler_content"] = 30.0  # 30 % filler is 25 points, below every other dimension
    assert false_reads(df)["worst_dimension"].iloc[0] == "filler_content"


def test_false_reads_sort_the_largest_disagreement_first():
    out = false_reads(table([(65.0, 86.0), (40.0, 100.0), (90.0, 20.0)]))
    assert out["transcript_id"].tolist() == ["t2", "t1", "t0"]


def test_damaged_evidence_does_not_stop_the_analysis():
    out = false_reads(table([(55.0, 95.0)], evidence="{not json"))
    assert out["negative_evidence"].iloc[0] == ""


def test_false_read_summary_flags_a_group_whose_good_surveys_hide_poor_calls():
    df = pd.concat(
        [
            table([(60.0, 92.0)] * 5).assign(team="hidden"),
            table([(90.0, 92.0)] * 4 + [(60.0, 92.0)]).assign(team="fine"),
        ],
        ignore_index=True,
    )
    out = false_read_summary(df).set_index("team")
    assert out.loc["hidden", "group_false_read"] == "good_survey_poor_interaction"
    assert out.loc["hidden", "share_good_survey_poor_interaction"] == pytest.approx(1.0)
    assert pd.isna(out.loc["fine", "group_false_read"])
    assert out.loc["fine", "n_good_survey_poor_interaction"] == 1


def test_overlapping_bands_are_refused():
    with pytest.raises(ValueError, match="survey_poor < survey_good"):
        false_reads(table([(55.0, 95.0)]), survey_poor=90)


def test_missing_survey_column_says_to_join_surveys():
    with pytest.raises(ValueError, match="join_surveys"):
        false_reads(table([(55.0, 95.0)]).drop(columns="survey_rating"))


def test_every_analytics_submodule_imports_as_a_module() -> None:
    import importlib
    import pkgutil
    import types

    import cxnlp.analytics as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"cxnlp.analytics.{info.name}")
        assert isinstance(module, types.ModuleType), info.name
        attribute = getattr(package, info.name, module)
        assert isinstance(attribute, types.ModuleType), f"cxnlp.analytics.{info.name} is {attribute!r}"

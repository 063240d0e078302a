"""Optimized status on hand-built teams whose right answers are known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxnlp.analytics import optimized_status

GOOD_DIMS = {
    "brand_congruence": 95.0,
    "answer_completeness": 95.0,
    "proactive_connection": 95.0,
    "filler_content": 1.0,
}


def rows(team: str, month: str, score: float, survey: float, n: int = 4, **dims: float) -> list[dict]:
    """``n`` identical contacts, so every group mean is exactly the value given."""
    values = {**GOOD_DIMS, **dims}
    return [
        {
            "transcript_id": f"{team}-{month}-{i}",
            "team": team,
            "started_at": f"{month}-{10 + i:02d}T10:00:00",
            "interaction_score": score,
            "survey_rating": survey,
            **values,
        }
        for i in range(n)
    ]


def frame(*parts: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([row for part in parts for row in part])


@pytest.mark.parametrize(
    ("score", "survey", "optimized", "status"),
    [
        (93.0, 90.0, True, "optimized"),
        (91.0, 85.0, True, "optimized"),  # the bars are inclusive
        (90.9, 90.0, False, "below interaction"),
        (95.0, 84.9, False, "below survey"),
        (80.0, 70.0, False, "below both"),
        (95.0, np.nan, False, "no surveys"),
    ],
)
def test_optimized_classifies_hand_built_groups(score, survey, optimized, status):
    out = optimized_status(frame(rows("t", "2024-01", score, survey)))
    assert len(out) == 1
    assert bool(out["optimized"].iloc[0]) is optimized
    assert out["status"].iloc[0] == status


def test_gaps_are_signed_distances_to_the_thresholds():
    out = optimized_status(
        frame(rows("t", "2024-01", 80.0, 90.0)), interaction_threshold=85, survey_threshold=80
    )
    assert out["interaction_gap"].iloc[0] == pytest.approx(80.0 - 85)
    assert out["survey_gap"].iloc[0] == pytest.approx(90.0 - 80)


def test_groups_and_months_are_separate_rows():
    df = frame(rows("a", "2024-01", 93, 90), rows("a", "2024-02", 80, 90), rows("b", "2024-01", 80, 70))
    out = optimized_status(df).set_index(["team", "period"])
    assert out.loc[("a", "2024-01"), "optimized"]
    assert not out.loc[("a", "2024-02"), "optimized"]
    assert not out.loc[("b", "2024-01"), "optimized"]
    assert out["n"].tolist() == [4, 4, 4]


def test_weekly_periods_split_a_month():
    df = frame(rows("a", "2024-01", 93, 90, n=20))  # days 10..29 span three or more weeks
    assert len(optimized_status(df, period="W")) > len(optimized_status(df, period="M"))


def test_trend_is_the_slope_per_period():
    df = frame(*(rows("a", f"2024-{m:02d}", 70 + 5 * m, 90) for m in range(1, 5)))
    out = optimized_status(df, trend_window=4)
    assert out["interaction_trend"].iloc[-1] == pytest.approx(5.0)
    assert np.isnan(out["interaction_trend"].iloc[0])  # one period has no slope


def test_a_skipped_month_does_not_double_the_trend():
    df = frame(rows("a", "2024-01", 70, 90), rows("a", "2024-03", 80, 90))
    assert optimized_status(df)["interaction_trend"].iloc[-1] == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("means", "flag_last"),
    [
        ([70, 76, 81, 82], True),  # gains of 6 and 5, then 1: flattening below the bar
        ([70, 75, 80, 85], False),  # steady gains
        ([80, 80.5, 80.5, 80.6], False),  # never improving: stagnation, not diminishing returns
        ([92, 96, 99, 99.5], False),  # flattening above the bar is fine
        ([70, 76, 82], False),  # too little history
    ],
)
def test_diminishing_returns(means, flag_last):
    df = frame(*(rows("a", f"2024-{m:02d}", v, 90) for m, v in enumerate(means, start=1)))
    flags = optimized_status(df)["diminishing_returns"].tolist()
    assert flags[-1] is flag_last
    assert not any(flags[:-1])


@pytest.mark.parametrize(
    ("weak", "expected"),
    [
        ({"answer_completeness": 60.0}, "answer_completeness"),
        ({"brand_congruence": 60.0}, "brand_congruence"),
        ({"filler_content": 20.0}, "filler_content"),  # 20 % filler is 50 points
        ({"proactive_connection": 50.0}, "proactive_connection"),
    ],
)
def test_holding_back_names_the_weakened_dimension(weak, expected):
    out = optimized_status(frame(rows("a", "2024-01", 80, 90, **weak)))
    assert out["holding_back"].iloc[0] == expected
    assert out["holding_back_points"].iloc[0] > 0


def test_holding_back_follows_the_weights():
    df = frame(rows("a", "2024-01", 80, 90, brand_congruence=60.0, answer_completeness=60.0))
    default = optimized_status(df)["holding_back"].iloc[0]
    brand_heavy = optimized_status(df, weights={"brand_congruence": 0.6, "answer_completeness": 0.1})[
        "holding_back"
    ].iloc[0]
    assert default == "answer_completeness"  # 0.35 beats 0.2 for the same shortfall
    assert brand_heavy == "brand_congruence"


def test_nothing_holds_back_a_group_at_target():
    out = optimized_status(frame(rows("a", "2024-01", 95, 90)))
    assert out["holding_back"].iloc[0] is None
    assert out["holding_back_points"].iloc[0] == 0


def test_costs_are_weighted_point_shortfalls_on_the_composite_scale():
    out = optimized_status(frame(rows("a", "2024-01", 80, 90, answer_completeness=81.0)))
    assert out["cost_answer_completeness"].iloc[0] > out["cost_brand_congruence"].iloc[0]
    better = optimized_status(frame(rows("a", "2024-01", 80, 90, answer_completeness=86.0)))
    assert better["cost_answer_completeness"].iloc[0] < out["cost_answer_completeness"].iloc[0]


def test_whole_centre_without_grouping():
    df = frame(rows("a", "2024-01", 95, 90), rows("b", "2024-01", 85, 90))
    out = optimized_status(df, by=None)
    assert len(out) == 1
    assert out["mean_interaction"].iloc[0] == pytest.approx(90.0)
    assert not out["optimized"].iloc[0]


def test_missing_survey_column_says_to_join_surveys():
    df = frame(rows("a", "2024-01", 95, 90)).drop(columns="survey_rating")
    with pytest.raises(ValueError, match="join_surveys"):
        optimized_status(df)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"period": "Y"},
        {"trend_window": 1},
        {"flatten_fraction": 0.0},
        {"weights": {"brand_congruence": -1.0}},
        {"weights": {"no_such_dimension": 1.0}},
    ],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError, match="Got"):
        optimized_status(frame(rows("a", "2024-01", 95, 90)), **kwargs)

"""Equity on synthetic centres where the worse silo, and its size, are known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxnlp.analytics import equity_index, equity_report
from cxnlp.analytics.equity import holm

QUEUES = ["tech", "sales", "general"]


def centre(seed: int, *, n: int = 600, worse: int = 60, shift: float = -8.0, sd: float = 10.0):
    """``n`` contacts; the first ``worse`` are queue 'billing', ``shift`` points lower."""
    rng = np.random.default_rng(seed)
    queue = np.r_[["billing"] * worse, rng.choice(QUEUES, n - worse)]
    score = rng.normal(78.0, sd, n) + shift * (queue == "billing")
    stamps = pd.Timestamp("2024-03-04") + pd.to_timedelta(rng.integers(0, 28 * 24 * 60, n), "min")
    return pd.DataFrame(
        {
            "transcript_id": [f"t{i}" for i in range(n)],
            "queue": queue,
            "channel": rng.choice(["voice", "chat"], n),
            "customer_segment": rng.choice(["consumer", "business"], n),
            "started_at": stamps.strftime("%Y-%m-%dT%H:%M:%S"),
            "interaction_score": score,
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_worse_queue_is_flagged_with_its_size_and_a_gap_ci_covering_the_truth(seed):
    report = equity_report(centre(seed))
    billing = report[(report["grouping"] == "queue") & (report["group"] == "billing")].iloc[0]
    assert billing["worse_than_rest"]
    assert billing["n"] == 60
    assert billing["share"] == pytest.approx(0.1)
    assert billing["gap_ci_low"] <= -8.0 <= billing["gap_ci_high"]
    assert "n=60" in billing["finding"]
    flagged = report[report["worse_than_rest"]]
    assert flagged[["grouping", "group"]].values.tolist() == [["queue", "billing"]]


def test_the_worst_group_comes_first_in_its_grouping():
    report = equity_report(centre(0), by="queue")
    assert report["group"].iloc[0] == "billing"


def test_equal_groups_are_rarely_flagged():
    """Holm over every comparison keeps the report-wide false-positive rate near alpha."""
    flagged = [equity_report(centre(seed, shift=0.0))["worse_than_rest"].any() for seed in range(12)]
    assert sum(flagged) <= 1


def test_a_tiny_but_significant_gap_is_not_a_practical_difference():
    df = centre(3, n=20000, worse=5000, shift=-1.5)
    billing = equity_report(df, by="queue").query("group == 'billing'").iloc[0]
    assert billing["p_adjusted"] < 1e-6
    assert not billing["worse_than_rest"]
    assert (
        equity_report(df, by="queue", min_difference=1.0)
        .query("group == 'billing'")["worse_than_rest"]
        .iloc[0]
    )


def test_hour_and_weekday_are_derived_from_the_contact_time():
    df = centre(4, shift=0.0)
    stamps = pd.to_datetime(df["started_at"])
    df.loc[stamps.dt.day_name() == "Monday", "interaction_score"] -= 10.0
    report = equity_report(df, by=["weekday", "hour"])
    flagged = report[report["worse_than_rest"]]
    assert flagged[["grouping", "group"]].values.tolist() == [["weekday", "Monday"]]
    assert set(report.loc[report["grouping"] == "hour", "group"]) <= {str(h) for h in range(24)}


def test_hour_keeps_the_local_wall_clock_time():
    df = pd.DataFrame(
        {
            "started_at": ["2024-03-04T09:15:00+02:00", "2024-03-04T09:45:00-05:00"] * 5,
            "interaction_score": np.arange(10.0),
        }
    )
    report = equity_report(df, by="hour", min_n=2)
    assert report["group"].tolist() == ["9"]


def test_for_filler_more_is_worse():
    df = centre(5, shift=0.0)
    df["filler_content"] = np.where(df["queue"] == "billing", 12.0, 4.0) + np.random.default_rng(5).normal(
        0, 2, len(df)
    )
    report = equity_report(df, by="queue", value_col="filler_content")
    billing = report.query("group == 'billing'").iloc[0]
    assert billing["worse_than_rest"] and billing["gap"] > 0


def test_small_groups_are_reported_but_not_tested():
    df = centre(6)
    df.loc[:2, "channel"] = "letter"
    letter = equity_report(df, by="channel").query("group == 'letter'").iloc[0]
    assert letter["n"] == 3
    assert np.isnan(letter["p_value"]) and not letter["worse_than_rest"]


def test_missing_group_values_form_their_own_level():
    df = centre(7)
    df.loc[:9, "customer_segment"] = None
    report = equity_report(df, by="customer_segment")
    assert "(missing)" in set(report["group"])


def test_holm_matches_the_textbook_step_down():
    # sorted p: 0.01, 0.03, 0.04 -> 3 * 0.01, max(0.03, 2 * 0.03), max(0.06, 1 * 0.04)
    np.testing.assert_allclose(holm([0.04, 0.01, 0.03]), [0.06, 0.03, 0.06])
    adjusted = holm([0.5, np.nan, 0.9])
    assert np.isnan(adjusted[1]) and adjusted[0] == adjusted[2] == 1.0


def test_equity_index_falls_as_the_silo_gets_worse_and_names_it():
    fair = equity_index(centre(8, shift=0.0), by="queue").iloc[0]
    unfair = equity_index(centre(8, shift=-8.0), by="queue").iloc[0]
    worse = equity_index(centre(8, shift=-16.0), by="queue").iloc[0]
    assert fair["equity_index"] > unfair["equity_index"] > worse["equity_index"]
    assert fair["equity_index"] > 97.0
    assert unfair["worst_group"] == "billing"
    assert unfair["worst_n"] == 60
    assert unfair["worst_gap_to_rest"] < -5.0


def test_equity_index_uses_default_groupings_present():
    out = equity_index(centre(9))
    assert set(out["grouping"]) == {"queue", "channel", "customer_segment", "hour", "weekday"}
    assert out["equity_index"].between(0, 100).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"by": "no_such_column"}, "no_such_column"),
        ({"value_col": "survey_rating"}, "survey_rating"),
        ({"confidence": 1.5}, "confidence"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs, match):
    with pytest.raises(ValueError, match=match):
        equity_report(centre(0), **kwargs)

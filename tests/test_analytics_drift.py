"""Drift detection on series with a shift injected on a known date, and on stable series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxnlp.analytics import control_chart_data, detect_drift
from cxnlp.analytics.drift import cusum, ewma

START = pd.Timestamp("2024-01-01")
SHIFT_DAY = 80
SHIFT_DATE = START + pd.Timedelta(days=SHIFT_DAY)
SPARSE_STEP_DAY = 60
SPARSE_STEP_DATE = START + pd.Timedelta(days=SPARSE_STEP_DAY)


def series(
    seed: int, *, shift: float = 0.0, days: int = 120, per_day: int = 10, team: str = "x"
) -> pd.DataFrame:
    """Contacts at random hours over ``days`` days; from SHIFT_DAY on scores move by ``shift``."""
    rng = np.random.default_rng(seed)
    n = days * per_day
    day = rng.integers(0, days, n)
    minutes = rng.integers(8 * 60, 18 * 60, n)
    stamps = START + pd.to_timedelta(day, "D") + pd.to_timedelta(minutes, "min")
    return pd.DataFrame(
        {
            "team": team,
            "started_at": stamps.strftime("%Y-%m-%dT%H:%M:%S"),
            "interaction_score": rng.normal(80.0, 10.0, n) + shift * (day >= SHIFT_DAY),
        }
    )


@pytest.mark.parametrize("method", ["cusum", "ewma"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_injected_drop_is_found_near_its_date_with_its_size(method, seed):
    out = detect_drift(series(seed, shift=-8.0), method=method).iloc[0]
    assert out["drift"] and out["direction"] == "down"
    assert abs((out["change_date"] - SHIFT_DATE).days) <= 5
    assert SHIFT_DATE <= out["alarm_date"] <= SHIFT_DATE + pd.Timedelta(days=7)
    assert out["shift"] == pytest.approx(-8.0, abs=2.5)
    assert out["shift_sd"] < 0


@pytest.mark.parametrize("method", ["cusum", "ewma"])
def test_a_rise_is_reported_as_up(method):
    out = detect_drift(series(3, shift=6.0), method=method).iloc[0]
    assert out["drift"] and out["direction"] == "up" and out["shift"] > 0


@pytest.mark.parametrize("method", ["cusum", "ewma"])
def test_stable_series_rarely_alarm(method):
    """h=5 / L=3 allow roughly one false alarm per several hundred in-control days."""
    alarms = [detect_drift(series(seed), method=method)["drift"].iloc[0] for seed in range(20)]
    assert sum(alarms) <= 4


def test_a_bigger_shift_is_caught_sooner():
    small = detect_drift(series(4, shift=-4.0)).iloc[0]
    big = detect_drift(series(4, shift=-12.0)).iloc[0]
    assert big["drift"] and small["drift"]
    assert big["alarm_date"] <= small["alarm_date"]


def test_only_the_drifting_team_is_flagged():
    df = pd.concat([series(5, shift=-8.0, team="drifts"), series(6, team="steady")], ignore_index=True)
    out = detect_drift(df).set_index("team")
    assert out.loc["drifts", "drift"]
    assert not out.loc["steady", "drift"]


def test_single_contacts_can_be_charted():
    out = detect_drift(series(7, shift=-8.0, per_day=4), aggregate="none").iloc[0]
    assert out["drift"] and out["direction"] == "down"
    assert abs((out["change_date"].normalize() - SHIFT_DATE).days) <= 7
    assert out["n_points"] == out["n_obs"]


def test_baseline_days_sets_the_baseline_end():
    out = detect_drift(series(8), baseline_days=30).iloc[0]
    assert out["baseline_end"] < START + pd.Timedelta(days=30)
    assert out["baseline_end"] >= START + pd.Timedelta(days=25)


def test_too_little_data_is_reported_not_guessed():
    out = detect_drift(series(9, days=8)).iloc[0]
    assert not out["drift"]
    assert "not enough data" in out["note"]


def test_control_chart_matches_the_detection():
    df = series(0, shift=-8.0)
    chart = control_chart_data(df)
    found = detect_drift(df).iloc[0]
    assert chart["alarm"].sum() == 1
    assert chart.loc[chart["alarm"], "time"].iloc[0] == found["alarm_date"]
    assert chart.loc[chart["in_baseline"], "upper"].isna().all()
    monitored = chart[~chart["in_baseline"]]
    assert (monitored["upper"] >= 0).all() and (monitored["lower"] <= 0).all()
    assert (monitored["limit"] == found["h"]).all()
    assert (chart["mean_lcl"] < chart["centre"]).all() and (chart["centre"] < chart["mean_ucl"]).all()
    assert chart["n"].sum() == len(df)


def test_ewma_chart_limits_widen_to_their_asymptote():
    chart = control_chart_data(series(1), method="ewma")
    limit = chart.loc[~chart["in_baseline"], "limit"].to_numpy()
    assert (np.diff(limit) >= 0).all()
    assert limit[-1] == pytest.approx(3.0 * np.sqrt(0.2 / 1.8), rel=1e-3)


def test_cusum_accumulates_only_beyond_the_reference_value():
    upper, lower = cusum(np.array([0.4, 0.4, 2.0, 2.0, -3.0]), k=0.5)
    assert upper[:2].tolist() == [0.0, 0.0]  # below k: nothing accumulates
    assert upper[3] > upper[2] > 0
    assert lower[-1] > 0


def test_ewma_of_a_constant_approaches_it():
    level, limit = ewma(np.full(60, 1.0), lam=0.2, L=3.0)
    assert level[0] == pytest.approx(0.2)
    assert level[-1] == pytest.approx(1.0, abs=1e-4)
    assert (np.diff(level) > 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "shewhart"}, "method"),
        ({"aggregate": "week"}, "aggregate"),
        ({"baseline_fraction": 1.0}, "baseline_fraction"),
        ({"h": 0}, "h="),
        ({"k": 0.5}, "alternatives"),
        ({"min_shift": -0.5}, "min_shift="),
        ({"arl0": 0.5}, "arl0"),
        ({"guarantee": 1.0}, "guarantee"),
        ({"lam": 1.5}, "lam"),
        ({"value_col": "survey_rating"}, "survey_rating"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs, match):
    with pytest.raises(ValueError, match=match):
        detect_drift(series(0, days=20), **kwargs)


@pytest.mark.parametrize("method", ["cusum", "ewma"])
def test_the_change_date_is_closer_to_the_truth_than_the_alarm(method):
    """A small shift alarms late; the change-point estimate looks back to where it began."""
    # 4 points is 0.4 SD, below the default min_shift: say it is worth catching.
    kwargs = {"min_shift": 0.4} if method == "cusum" else {}
    found = [detect_drift(series(seed, shift=-4.0), method=method, **kwargs).iloc[0] for seed in range(4)]
    assert all(f["drift"] for f in found)
    change_error = np.mean([abs((f["change_date"] - SHIFT_DATE).days) for f in found])
    alarm_delay = np.mean([(f["alarm_date"] - SHIFT_DATE).days for f in found])
    assert change_error < alarm_delay


def sparse_series(seed: int, *, shift_sd: float = 0.0, days: int = 120, per_day: float = 1.0) -> pd.DataFrame:
    """A low-volume team: ``per_day * days`` contacts on random days (many days empty, some
    with two or three), scores N(70, 16); from SPARSE_STEP_DAY on they move by ``shift_sd`` SDs."""
    rng = np.random.default_rng(1000 + seed)
    n = round(days * per_day)
    day = rng.integers(0, days, n)
    stamps = START + pd.to_timedelta(day, "D") + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, n), "min")
    return pd.DataFrame(
        {
            "team": "x",
            "started_at": stamps,
            "interaction_score": rng.normal(70.0, 16.0, n) + 16.0 * shift_sd * (day >= SPARSE_STEP_DAY),
        }
    )


def test_the_reference_value_follows_the_daily_volume():
    """min_shift is in contact SDs: at n contacts a day a point moves min_shift * sqrt(n) SEs."""
    for per_day in (4, 16):
        out = detect_drift(series(11, per_day=per_day)).iloc[0]
        assert out["k"] == pytest.approx(0.5 * np.sqrt(per_day) / 2.0, rel=0.3)
    classic = detect_drift(series(11, per_day=16), min_shift=None).iloc[0]
    assert (classic["k"], classic["h"]) == (0.5, 5.0)


def test_the_baseline_spread_of_sparse_days_is_the_spread_of_a_contact():
    """With about one contact a day the daily means of busier days must not shrink s_w."""
    sds = [detect_drift(sparse_series(seed)).iloc[0]["baseline_sd"] for seed in range(10)]
    assert np.mean(sds) == pytest.approx(16.0, rel=0.1)


def test_a_thin_baseline_gets_a_wider_decision_interval():
    thin = detect_drift(sparse_series(0, per_day=0.5)).iloc[0]
    thick = detect_drift(sparse_series(0, per_day=4.0)).iloc[0]
    assert thin["h"] > thick["h"]


def test_a_0_6_sd_step_at_two_contacts_a_day_is_alarmed_and_mostly_dated_within_a_week():
    """About 120 contacts before the step and 120 after; the chart sized for 0.5 SD alarms
    after the step in 22 of these 24 seeded series and dates 16 within a week."""
    step = SPARSE_STEP_DATE
    found = [detect_drift(sparse_series(seed, shift_sd=-0.6, per_day=2.0)).iloc[0] for seed in range(24)]
    alarmed = [bool(f["drift"] and f["direction"] == "down" and f["alarm_date"] >= step) for f in found]
    dated = [a and abs((f["change_date"] - step).days) <= 7 for a, f in zip(alarmed, found, strict=True)]
    assert sum(alarmed) >= 19
    assert sum(dated) >= 13


@pytest.mark.parametrize("per_day", [1.0, 2.0])
def test_stable_low_volume_series_mostly_do_not_alarm(per_day):
    alarms = [detect_drift(sparse_series(seed, per_day=per_day))["drift"].iloc[0] for seed in range(30)]
    assert sum(alarms) <= 6

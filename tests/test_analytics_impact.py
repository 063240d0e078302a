"""Workshop impact: difference in differences by hand and against statsmodels, planted effects
recovered, the power plan, several events, what changed, and bad input through the CLI."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxnlp.analytics import (
    ImpactInputError,
    impact_evidence,
    impact_plan,
    impact_series,
    workshop_impact,
)
from cxnlp.analytics.impact import EVENT_COLUMNS, IMPACT_COLUMNS, POOLED
from cxnlp.cli import app

runner = CliRunner()
GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generate_sample.py"
TEAMS = ("Team North", "Team South", "Team East", "Team West")
EVENT = "2026-10-01"


def synthetic_scores(
    n: int = 2400,
    *,
    effect: float = 5.0,
    treated: str = "Team East",
    noise: float = 8.0,
    pre_trend: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Calls of 24 agents in 4 teams over 120 days; ``treated`` gains ``effect`` from EVENT.

    Agents differ (random effects), the whole centre drifts slowly (the control must
    absorb it), and ``pre_trend`` adds a treated-only slope before the event (points/day).
    """
    rng = np.random.default_rng(seed)
    agent = rng.integers(0, 24, n)
    agent_effect = rng.normal(0.0, 4.0, 24)
    day = rng.uniform(0.0, 120.0, n)
    times = pd.Timestamp("2026-08-01") + pd.to_timedelta(day, unit="D")
    team = np.array([TEAMS[a // 6] for a in agent])
    after = np.asarray(times >= pd.Timestamp(EVENT))
    is_treated = team == treated
    days_to_event = np.asarray((times - pd.Timestamp(EVENT)) / pd.Timedelta(days=1))
    trend = np.where(is_treated & ~after, pre_trend * days_to_event, 0.0)
    score = (
        72.0
        + agent_effect[agent]
        + 0.03 * day
        + rng.normal(0.0, noise, n)
        + effect * (is_treated & after)
        + trend
    )
    open_share = np.where(is_treated & after, 0.10, 0.30)
    evidence = [
        json.dumps(
            [
                {
                    "dimension": "answer_completeness",
                    "kind": "open" if rng.random() < s else "answered",
                    "weight": -5.0,
                },
                {"dimension": "filler_content", "kind": "filler_word", "weight": 2.0},
            ]
        )
        for s in open_share
    ]
    return pd.DataFrame(
        {
            "transcript_id": [f"T{i:05d}" for i in range(n)],
            "agent_id": [f"A{a:02d}" for a in agent],
            "team": team,
            "started_at": times.strftime("%Y-%m-%dT%H:%M:%S"),
            "interaction_score": score,
            "answer_completeness": score + rng.normal(0.0, 3.0, n),
            "f_filler_content__agent_words": 100.0,
            "evidence": evidence,
        }
    )


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return synthetic_scores()


# ------------------------------------------------------------------------------ the estimate


def test_hand_computed_difference_in_differences():
    rows = [
        # team, agent, day, value: treated before 2,4 (mean 3), after 8,10 (9);
        # control before 5,7 (6), after 6,8 (7): effect = (9 - 3) - (7 - 6) = 5
        ("E", "a1", "2026-09-20", 2.0),
        ("E", "a2", "2026-09-25", 4.0),
        ("E", "a1", "2026-10-03", 8.0),
        ("E", "a2", "2026-10-05", 10.0),
        ("W", "b1", "2026-09-21", 5.0),
        ("W", "b2", "2026-09-24", 7.0),
        ("W", "b1", "2026-10-04", 6.0),
        ("W", "b2", "2026-10-06", 8.0),
    ]
    df = pd.DataFrame(rows, columns=["team", "agent_id", "started_at", "interaction_score"])
    out = workshop_impact(df, event=EVENT, treated="team=E", window=28)
    assert list(out.columns) == list(IMPACT_COLUMNS)
    row = out.iloc[0]
    assert row["metric"] == "interaction_score"
    assert (row["treated_n_before"], row["treated_n_after"]) == (2, 2)
    assert (row["treated_before"], row["treated_after"]) == (3.0, 9.0)
    assert (row["control_before"], row["control_after"]) == (6.0, 7.0)
    assert row["effect"] == pytest.approx(5.0)
    # The rows fit the design exactly (no residual), so the interval has no width; the
    # strict "ci_low < 5 < ci_high" held or not by floating-point noise between machines.
    assert row["ci_low"] == pytest.approx(5.0) and row["ci_high"] == pytest.approx(5.0)
    assert row["ci_low"] <= row["ci_high"]
    # A call outside the window does not count.
    late = pd.concat([df, pd.DataFrame([("E", "a1", "2026-12-20", 100.0)], columns=df.columns)])
    assert workshop_impact(late, event=EVENT, treated="team=E").iloc[0]["effect"] == pytest.approx(5.0)


def test_matches_statsmodels_ols_with_errors_clustered_by_agent(scores):
    sm = pytest.importorskip("statsmodels.api")
    out = workshop_impact(scores, event=EVENT, treated="team=Team East", window=28)
    times = pd.to_datetime(scores["started_at"])
    days = (times - pd.Timestamp(EVENT)) / pd.Timedelta(days=1)
    part = scores[(days >= -28) & (days < 28)]
    t = (part["team"] == "Team East").to_numpy(float)
    post = (days[part.index] >= 0).to_numpy(float)
    X = np.column_stack([np.ones(len(part)), t, post, t * post])
    for metric in ("interaction_score", "answer_completeness"):
        fit = sm.OLS(part[metric].to_numpy(), X).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(part["agent_id"])[0]}, use_t=True
        )
        row = out.set_index("metric").loc[metric]
        low, high = fit.conf_int(alpha=0.05)[3]
        assert row["effect"] == pytest.approx(fit.params[3], rel=1e-9)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-9)
        assert row["p_value"] == pytest.approx(fit.pvalues[3], rel=1e-6)


def test_known_effect_is_recovered_and_absent_one_is_not_found():
    with_effect = workshop_impact(
        synthetic_scores(effect=5.0, seed=3), event=EVENT, treated="team=Team East"
    ).set_index("metric")
    row = with_effect.loc["interaction_score"]
    assert row["ci_low"] < 5.0 < row["ci_high"] and row["p_value"] < 0.01
    without = workshop_impact(
        synthetic_scores(effect=0.0, seed=3), event=EVENT, treated="team=Team East"
    ).set_index("metric")
    row = without.loc["interaction_score"]
    assert row["ci_low"] < 0.0 < row["ci_high"]


def test_differing_pre_trends_are_noted():
    steep = workshop_impact(
        synthetic_scores(pre_trend=0.4, seed=1), event=EVENT, treated="team=Team East"
    ).set_index("metric")
    assert "pre-trends differ" in steep.loc["interaction_score", "note"]
    flat = workshop_impact(synthetic_scores(seed=1), event=EVENT, treated="team=Team East")
    assert not flat["note"].str.contains("pre-trends differ").any()


def test_explicit_control_and_no_agent_column(scores):
    out = workshop_impact(
        scores, event=EVENT, treated="team=Team East", control="team=Team North,Team South"
    ).iloc[0]
    in_window = scores[pd.to_datetime(scores["started_at"]).between("2026-09-03", "2026-09-30 23:59")]
    control = in_window[in_window["team"].isin(["Team North", "Team South"])]
    assert out["control_before"] == pytest.approx(control["interaction_score"].mean())
    plain = workshop_impact(scores.drop(columns="agent_id"), event=EVENT, treated="team=Team East")
    assert plain.iloc[0]["effect"] == pytest.approx(out["effect"], abs=2.0)


# ------------------------------------------------------------------------------ planted workshop


def _load_generator():
    spec = importlib.util.spec_from_file_location("generate_sample_impact", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def latent_table(sample, gen) -> pd.DataFrame:
    """The generator's calls with their latent traits on a 0-100 scale as the 'scores'."""
    meta = pd.DataFrame([{k: v for k, v in t.items() if k != "turns"} for t in sample.transcripts])
    truth = pd.DataFrame(sample.truth, columns=gen.TRUTH_HEADER)
    df = meta.rename(columns={"id": "transcript_id"}).merge(truth, on="transcript_id")
    for col in ("completeness", "connection", "filler", "brand"):
        df[col] = df[col].astype(float) * 100.0
    return df


def test_planted_workshop_is_recovered_within_its_intervals():
    gen = _load_generator()
    sample = gen.generate(3000, 2, workshop=gen.Workshop())
    df = latent_table(sample, gen)
    out = workshop_impact(
        df,
        event=gen.WORKSHOP_DATE.date().isoformat(),
        treated=f"team={gen.WORKSHOP_TEAM}",
        control="team=Team North,Team South",  # Team East has its own planted drop
        metrics=["completeness", "filler", "connection", "brand"],
    ).set_index("metric")
    for trait, shift in gen.WORKSHOP_SHIFT.items():
        row = out.loc[trait]
        assert row["ci_low"] < 100 * shift < row["ci_high"], (trait, row.to_dict())
    assert out.loc["completeness", "p_value"] < 0.01 and out.loc["filler", "p_value"] < 0.01
    plain = latent_table(gen.generate(3000, 2), gen)
    base = workshop_impact(
        plain,
        event=gen.WORKSHOP_DATE.date().isoformat(),
        treated=f"team={gen.WORKSHOP_TEAM}",
        control="team=Team North,Team South",
        metrics=["completeness"],
    ).iloc[0]
    assert base["ci_low"] < 0 < base["ci_high"]


# ------------------------------------------------------------------------------ several events


def test_several_events_give_rows_per_event_and_a_pooled_effect():
    df = synthetic_scores(n=3000, effect=0.0, seed=5)
    after = pd.to_datetime(df["started_at"])
    east = (df["team"] == "Team East") & (after >= "2026-09-15")
    west = (df["team"] == "Team West") & (after >= "2026-10-20")
    df.loc[east, "interaction_score"] += 6.0
    df.loc[west, "interaction_score"] += 2.0
    events = pd.DataFrame(
        {"group": ["Team East", "Team West", "Team East"], "date": ["2026-09-15", "2026-10-20", "2026-11-05"]}
    )
    out = workshop_impact(df, events=events, metrics=["interaction_score"])
    assert list(out.columns) == [*EVENT_COLUMNS, *IMPACT_COLUMNS]
    assert out["event"].tolist() == ["1", "2", "3", POOLED]
    assert out["workshop"].tolist() == [1, 1, 2, 0]
    first, second, repeat, pooled = (out.iloc[i] for i in range(4))
    assert first["ci_low"] < 6.0 < first["ci_high"]
    assert second["ci_low"] < 2.0 < second["ci_high"]
    assert repeat["ci_low"] < 0.0 < repeat["ci_high"]  # the repeat added nothing
    effects = sorted([first["effect"], second["effect"], repeat["effect"]])
    assert effects[0] < pooled["effect"] < effects[-1]


# ------------------------------------------------------------------------------ what changed


def test_what_changed_names_the_evidence_that_moved(scores):
    moved = impact_evidence(scores, event=EVENT, treated="team=Team East")
    top = moved.iloc[0]
    assert top["dimension"] == "answer_completeness" and top["kind"] in {"open", "answered"}
    open_row = moved.set_index("kind").loc["open"]
    times = pd.to_datetime(scores["started_at"])
    before = (scores["team"] == "Team East") & times.between("2026-09-03", "2026-09-30 23:59:59")
    share = scores.loc[before, "evidence"].str.contains('"open"').mean()  # one need per call
    assert open_row["treated_before"] == pytest.approx(100 * share)
    assert open_row["treated_after"] < open_row["treated_before"] - 10
    assert open_row["sentence"].startswith("open needs fell from")
    assert "of needs" in open_row["sentence"]
    filler = moved.set_index("kind").loc["filler_word"]
    assert filler["unit"] == "per 100 agent words"
    assert filler["treated_before"] == pytest.approx(2.0)
    assert abs(filler["change"]) < 1e-9


def test_series_has_both_groups_on_both_sides(scores):
    series = impact_series(scores, event=EVENT, treated="team=Team East")
    assert set(series["group"]) == {"treated", "control"}
    assert series["after"].any() and (~series["after"]).any()
    assert (series["ci_low"] <= series["mean"]).all() and (series["mean"] <= series["ci_high"]).all()


# ------------------------------------------------------------------------------ power


def test_plan_needs_more_calls_for_more_variance_and_smaller_changes():
    quiet = impact_plan(synthetic_scores(noise=4.0), treated="team=Team East").set_index("metric")
    loud = impact_plan(synthetic_scores(noise=12.0), treated="team=Team East").set_index("metric")
    n_quiet = quiet.loc["interaction_score", "calls_per_group_per_window"]
    n_loud = loud.loc["interaction_score", "calls_per_group_per_window"]
    assert n_loud > 3 * n_quiet
    fine = impact_plan(synthetic_scores(noise=4.0), treated="team=Team East", change=1.5)
    assert fine.set_index("metric").loc["interaction_score", "calls_per_group_per_window"] == pytest.approx(
        4 * n_quiet, rel=0.02
    )
    # The formula: 4 sd^2 (t_0.975 + t_0.8)^2 / change^2 with agents - 1 degrees of freedom.
    from scipy import stats

    sd = quiet.loc["interaction_score", "sd"]
    q = stats.t.ppf(0.975, 23) + stats.t.ppf(0.8, 23)
    assert n_quiet == int(np.ceil(4 * sd**2 * q**2 / 9.0))


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "kwargs,param",
    [
        ({"event": "2027-03-01", "treated": "team=Team East"}, "event"),
        ({"event": "not a date", "treated": "team=Team East"}, "event"),
        ({"event": EVENT, "treated": "team=East"}, "treated"),
        ({"event": EVENT, "treated": "team"}, "treated"),
        ({"event": EVENT, "treated": "region=North"}, "treated"),
        ({"event": EVENT, "treated": "team=Team East", "control": "team=Team East"}, "control"),
    ],
)
def test_bad_input_names_the_argument(scores, kwargs, param):
    with pytest.raises(ImpactInputError) as info:
        workshop_impact(scores, **kwargs)
    assert info.value.param == param


def test_empty_control_after_the_event_is_refused(scores):
    early = scores[~((scores["team"] == "Team North") & (pd.to_datetime(scores["started_at"]) >= EVENT))]
    with pytest.raises(ImpactInputError, match="empty control group after") as info:
        workshop_impact(early, event=EVENT, treated="team=Team East", control="team=Team North")
    assert info.value.param == "control"


@pytest.fixture
def score_file(tmp_path, scores) -> Path:
    path = tmp_path / "scores.csv"
    scores.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "args,flag",
    [
        (["--event", "2027-03-01", "--treated", "team=Team East"], "--event"),
        (["--event", EVENT, "--treated", "team=East"], "--treated"),
        (["--event", EVENT], "--treated"),
        (["--treated", "team=Team East"], "--event"),
        (["--event", EVENT, "--treated", "team=Team East", "--control", "team!=Team North"], "--control"),
    ],
)
def test_cli_bad_input_is_one_line_naming_the_flag_exit_2(score_file, args, flag):
    result = runner.invoke(app, ["analyze", "impact", str(score_file), *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {flag}:"), result.output
    assert "Traceback" not in result.output


def test_cli_impact_writes_the_table_and_what_changed(score_file, tmp_path):
    out, detail = tmp_path / "impact.csv", tmp_path / "changed.csv"
    result = runner.invoke(
        app,
        [
            "analyze",
            "impact",
            str(score_file),
            "--event",
            EVENT,
            "--treated",
            "team=Team East",
            "--out",
            str(out),
            "--detail-out",
            str(detail),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == list(IMPACT_COLUMNS)
    assert "open needs fell from" in result.output
    # However narrow the terminal, the estimate and its interval are shown.
    header = next(line for line in result.output.splitlines() if "metric" in line)
    assert all(name in header for name in ("effect", "ci_low", "ci_high", "p_val")), result.output
    assert pd.read_csv(detail)["kind"].iloc[0] in {"open", "answered"}


def test_cli_impact_reads_a_result_store_events_and_plans(tmp_path, scores):
    from cxnlp.batch.store import ResultStore, new_run_id

    store = ResultStore(tmp_path / "store").init()
    rows = scores.assign(content_hash=scores["transcript_id"]).to_dict("records")
    store.write_part(rows, run_id=new_run_id(), n=0, config_id="c1")
    events = tmp_path / "events.csv"
    pd.DataFrame({"group": ["Team East"], "date": [EVENT]}).to_csv(events, index=False)
    out = tmp_path / "pooled.csv"
    result = runner.invoke(
        app, ["analyze", "impact", str(store.root), "--events", str(events), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    direct = workshop_impact(scores, event=EVENT, treated="team=Team East")
    first = table[table["event"] == "1"].set_index("metric")["effect"]
    assert first.loc["interaction_score"] == pytest.approx(direct.iloc[0]["effect"])
    plan = runner.invoke(
        app, ["analyze", "impact", str(store.root), "--plan", "--treated", "team=Team East", "--change", "2"]
    )
    assert plan.exit_code == 0, plan.output
    assert "calls_per_group_per_window" in plan.output.replace("\n", "")


# ------------------------------------------------------------------------------ report


def test_report_shows_the_effect_plot_when_events_are_given(scores):
    from cxnlp.report import build_report

    events = pd.DataFrame({"group": ["Team East"], "date": [EVENT]})
    small = scores.sample(900, random_state=0)
    with_events = build_report(small, events=events)
    assert "impact" in with_events.figures
    assert "impact" in with_events.tables
    section = with_events.html.split('<section id="impact">')[1].split("</section>")[0]
    assert "<img" in section and "Team East" in section
    without = build_report(small)
    assert "impact" not in without.figures


def test_cli_events_with_event_or_treated_is_refused(score_file, tmp_path):
    events = tmp_path / "events.csv"
    pd.DataFrame({"group": ["Team East"], "date": [EVENT]}).to_csv(events, index=False)
    for extra in (["--event", EVENT], ["--treated", "team=Team East"]):
        result = runner.invoke(app, ["analyze", "impact", str(score_file), "--events", str(events), *extra])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: --events:"), result.output


def test_bundled_outcomes_match_the_generator(tmp_path):
    """data/sample_outcomes.csv is what --repurchase writes for the bundled transcripts."""
    import subprocess

    data = GENERATOR.parent
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path), "--n", "300", "--seed", "7", "--repurchase"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for name in ("sample_transcripts.jsonl", "sample_outcomes.csv"):
        assert (tmp_path / name).read_bytes() == (data / name).read_bytes(), (
            f"data/{name} has drifted from its generator; rerun "
            "`python data/generate_sample.py --out data --n 300 --seed 7 --repurchase`."
        )


def test_effect_plot_axis_is_not_set_by_a_nearly_empty_week():
    from cxnlp.report.figures import impact_chart

    series = pd.DataFrame(
        {
            "group": ["treated"] * 3 + ["control"] * 3,
            "bin_start": [-14.0, -7.0, 0.0] * 2,
            "n": [30, 2, 30, 40, 40, 40],
            "mean": [70.0, 72.0, 75.0, 80.0, 80.5, 81.0],
            "ci_low": [66.0, -150.0, 71.0, 77.0, 77.5, 78.0],
            "ci_high": [74.0, 290.0, 79.0, 83.0, 83.5, 84.0],
            "after": [False, False, True] * 2,
        }
    )
    ax = impact_chart({"Team East, 2026-10-01": series}).axes[0]
    low, high = ax.get_ylim()
    assert 50 < low < 66 and 84 < high < 100  # every mean and every well-filled interval shows

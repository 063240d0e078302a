"""Outcomes that pay: the logistic calibrator, outcome agreement rows, adjusted odds ratios,
the planted repurchase outcome recovered, and bad input through the CLI."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.utils.estimator_checks import parametrize_with_checks
from typer.testing import CliRunner

from cxnlp.analytics import ImpactInputError, join_outcomes, outcome_by_band, outcome_effects
from cxnlp.calibration import metrics
from cxnlp.calibration.estimators import LogisticCalibrator
from cxnlp.calibration.persistence import load_calibrator, save_calibrator
from cxnlp.calibration.workflow import apply_calibration, calibrate, is_binary_target
from cxnlp.cli import app
from cxnlp.schema import DIMENSION_COLUMNS

runner = CliRunner()
GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generate_sample.py"
DIMS = list(DIMENSION_COLUMNS)


@parametrize_with_checks([LogisticCalibrator(cv=3, Cs=(0.1, 1.0))])
def test_logistic_calibrator_passes_the_shared_estimator_checks(estimator, check):
    check(estimator)


def score_table(n: int = 600, *, seed: int = 0, informative: bool = True) -> pd.DataFrame:
    """Scores of ``n`` calls and a ``repurchased`` outcome driven by completeness and filler."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "transcript_id": [f"T{i:04d}" for i in range(n)],
            "agent_id": [f"A{a:02d}" for a in rng.integers(0, 20, n)],
            "team": rng.choice(["North", "South"], n),
            "brand_congruence": rng.normal(70, 10, n),
            "answer_completeness": rng.normal(75, 12, n),
            "proactive_connection": rng.normal(60, 15, n),
            "filler_content": rng.gamma(2.0, 3.0, n),
        }
    )
    df["interaction_score"] = df[DIMS[:3]].mean(axis=1) - 0.5 * df["filler_content"]
    eta = -0.5 + 0.06 * (df["answer_completeness"] - 75) - 0.10 * (df["filler_content"] - 6)
    if not informative:
        eta = np.zeros(n)
    df["repurchased"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return df


# ------------------------------------------------------------------------------ metrics


def test_outcome_metrics_match_scikit_learn():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 200).astype(float)
    p = np.clip(0.3 * y + rng.random(200) * 0.7, 0.01, 0.99)
    p[:20] = 0.5  # ties
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p))
    assert metrics.brier(y, p) == pytest.approx(brier_score_loss(y, p))
    assert metrics.log_loss(y, p) == pytest.approx(sk_log_loss(y, p))
    assert np.isnan(metrics.auc(np.ones(5), np.linspace(0, 1, 5)))


# ------------------------------------------------------------------------------ calibrator


def test_logistic_calibrator_round_trips_through_json_and_refuses_damage(tmp_path):
    df = score_table()
    X = df[[*DIMS, "interaction_score"]]
    est = LogisticCalibrator(cv=3).fit(X, df["repurchased"], groups=df["transcript_id"])
    assert est.cv_scores_["auc"] > 0.65
    path = save_calibrator(tmp_path / "repurchased.json", est, target="repurchased")
    loaded = load_calibrator(path)
    assert isinstance(loaded.estimator, LogisticCalibrator)
    assert np.allclose(loaded.estimator.predict_proba(X), est.predict_proba(X))
    assert loaded.estimator.C_ == est.C_
    doc = json.loads(path.read_text())
    doc["estimator"]["fitted"]["coef_"]["__floats__"][0] = "nan"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="coef_"):
        load_calibrator(bad)
    doc = json.loads(path.read_text())
    doc["estimator"]["fitted"]["classes_"] = {"__floats__": [1.0, 1.0]}
    bad.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="classes_"):
        load_calibrator(bad)


def test_calibrate_treats_a_binary_target_as_an_outcome(tmp_path):
    df = score_table()
    labels = df[["transcript_id", "repurchased"]]
    assert is_binary_target(labels["repurchased"]) and not is_binary_target(df["brand_congruence"])
    results = calibrate(
        df.drop(columns="repurchased"), [labels], targets=["repurchased"], out_dir=tmp_path, cv=3, n_boot=40
    )
    table = results["repurchased"].agreement
    main = table[table["comparison"] == "machine-outcome"].set_index("metric")
    assert set(main.index) == {"auc", "brier", "log_loss"}
    assert main.loc["auc", "ci_low"] < main.loc["auc", "value"] < main.loc["auc", "ci_high"]
    assert main.loc["auc", "value"] > 0.65 and not main.loc["auc", "flag"]
    reliability = table[table["comparison"] == "reliability"]
    observed = reliability[reliability["metric"] == "observed_rate"]
    predicted = reliability[reliability["metric"] == "mean_predicted"]
    assert (observed["subgroup_col"] == "predicted_bin").all()
    assert observed["n"].sum() == len(df)
    # Out of fold, the curve follows the diagonal: big bins agree within 0.15.
    big = observed["n"].to_numpy() >= 60
    assert np.all(np.abs(observed["value"].to_numpy()[big] - predicted["value"].to_numpy()[big]) < 0.15)
    lift = table[table["comparison"] == "lift"].set_index("subgroup")["value"]
    assert list(lift.index) == [str(d) for d in range(1, 11)]
    assert lift.loc["1"] > 1.3 > 0.7 > lift.loc["10"]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["agreement.csv", "calibration.json", "repurchased.json", "repurchased.md"]
    assert "binary outcome" in (tmp_path / "repurchased.md").read_text()
    applied = apply_calibration(df, {"repurchased": results["repurchased"].calibration})
    assert applied["repurchased_pred"].between(0, 1).all()
    assert "repurchased_pred_low" not in applied


def test_an_outcome_the_scores_cannot_rank_is_flagged():
    df = score_table(informative=False, seed=2)
    results = calibrate(
        df.drop(columns="repurchased"),
        [df[["transcript_id", "repurchased"]]],
        targets=["repurchased"],
        cv=3,
        n_boot=20,
    )
    auc = results["repurchased"].agreement.set_index("metric").loc["auc"]
    assert auc["flag"] and auc["value"] < 0.6


# ------------------------------------------------------------------------------ analyze outcomes


def test_odds_ratios_match_statsmodels_logit_with_clustered_errors():
    sm = pytest.importorskip("statsmodels.api")
    df = score_table(n=800, seed=5)
    out = outcome_effects(df, outcome="repurchased").set_index("dimension")
    assert list(out.columns[:4]) == ["odds_ratio_per_10", "ci_low", "ci_high", "p_value"]
    X = sm.add_constant(df[DIMS].to_numpy())
    fit = sm.Logit(df["repurchased"].to_numpy(), X).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": pd.factorize(df["agent_id"])[0]}
    )
    for j, dim in enumerate(DIMS, start=1):
        assert out.loc[dim, "odds_ratio_per_10"] == pytest.approx(np.exp(10 * fit.params[j]), rel=1e-6)
        low, high = np.exp(10 * fit.conf_int()[j])
        assert (out.loc[dim, "ci_low"], out.loc[dim, "ci_high"]) == pytest.approx((low, high), rel=1e-6)
        assert out.loc[dim, "p_value"] == pytest.approx(fit.pvalues[j], rel=1e-5, abs=1e-12)


def _load_generator():
    spec = importlib.util.spec_from_file_location("generate_sample_outcomes", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_planted_repurchase_strengths_are_recovered_within_their_intervals():
    gen = _load_generator()
    sample = gen.generate(3000, 4, repurchase=True)
    truth = pd.DataFrame(sample.truth, columns=gen.TRUTH_HEADER)
    meta = pd.DataFrame([{"transcript_id": t["id"], "agent_id": t["agent_id"]} for t in sample.transcripts])
    outcomes = pd.DataFrame(sample.outcomes, columns=gen.OUTCOME_HEADER)
    df = meta.merge(truth, on="transcript_id").merge(outcomes, on="transcript_id")
    table = pd.DataFrame(
        {
            "agent_id": df["agent_id"],
            "answer_completeness": 100 * df["answer_credit"].astype(float),
            "filler_content": 100 * df["filler"].astype(float),
            "brand_congruence": 100 * df["brand"].astype(float),
            "proactive_connection": 100 * df["connection"].astype(float),
            "repurchased": df["repurchased"],
        }
    )
    out = outcome_effects(table, outcome="repurchased").set_index("dimension")
    planted = {
        "answer_completeness": np.exp(gen.REPURCHASE_ANSWER / 10),
        "filler_content": np.exp(gen.REPURCHASE_FILLER / 10),
        "brand_congruence": 1.0,
        "proactive_connection": 1.0,
    }
    for dim, odds in planted.items():
        assert out.loc[dim, "ci_low"] < odds < out.loc[dim, "ci_high"], (dim, out.loc[dim].to_dict())
    assert out.loc["answer_completeness", "p_value"] < 1e-6


def test_rate_by_band_by_hand():
    df = pd.DataFrame({"interaction_score": [50, 60, 80, 90, 95, 100], "repurchased": [0, 0, 1, 0, 1, 1]})
    bands = outcome_by_band(df, outcome="repurchased").set_index("band")
    assert bands.loc["0-70", ["n", "outcomes"]].tolist() == [2, 0]
    assert bands.loc["91-100", "n"] == 2 and bands.loc["91-100", "rate"] == 1.0
    assert bands.loc["91-100", "rest_rate"] == pytest.approx(0.25)
    assert bands.loc["91-100", "rate_ratio"] == pytest.approx(4.0)
    assert "4.0x as often" in bands.loc["91-100", "sentence"]


@pytest.mark.parametrize("values", [[0, 1, 2, 1], [0, 0, 0, 0], [0.5, 1, 0, 1]])
def test_non_binary_outcome_is_refused(values):
    df = score_table(n=4)
    df["outcome"] = values
    with pytest.raises(ImpactInputError) as info:
        outcome_effects(df, outcome="outcome")
    assert info.value.param == "outcome"


def test_outcomes_file_join_refuses_conflicting_rows():
    scores = score_table(n=5).drop(columns="repurchased")
    table = pd.DataFrame({"transcript_id": ["T0000", "T0000"], "sale": [0, 1]})
    with pytest.raises(ImpactInputError, match="two different"):
        join_outcomes(scores, table, outcome="sale")


def test_cli_outcomes_from_a_file_and_bad_outcome_exit_2(tmp_path):
    df = score_table(n=400, seed=7)
    scores = tmp_path / "scores.csv"
    df.drop(columns="repurchased").assign(rating=df["brand_congruence"]).to_csv(scores, index=False)
    outcomes = tmp_path / "outcomes.csv"
    df[["transcript_id", "repurchased"]].to_csv(outcomes, index=False)
    out, bands = tmp_path / "outcomes_out.csv", tmp_path / "bands.csv"
    result = runner.invoke(
        app,
        [
            "analyze",
            "outcomes",
            str(scores),
            "--outcome",
            "repurchased",
            "--outcomes",
            str(outcomes),
            "--by",
            "team",
            "--out",
            str(out),
            "--detail-out",
            str(bands),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns[:6]) == [
        "team",
        "dimension",
        "odds_ratio_per_10",
        "ci_low",
        "ci_high",
        "p_value",
    ]
    assert len(table) == 2 * len(DIMS)
    assert pd.read_csv(bands)["n"].sum() == 400
    header = next(line for line in result.output.splitlines() if "dimension" in line)
    assert all(name in header for name in ("team", "odds_ratio_per_10", "ci_low", "p_val")), result.output
    bad = runner.invoke(app, ["analyze", "outcomes", str(scores), "--outcome", "rating"])
    assert bad.exit_code == 2
    lines = [line for line in bad.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --outcome:"), bad.output


def test_cli_calibrate_accepts_an_outcome_target(tmp_path):
    df = score_table(n=300, seed=8)
    scores, labels = tmp_path / "scores.csv", tmp_path / "outcomes.csv"
    df.drop(columns="repurchased").to_csv(scores, index=False)
    df[["transcript_id", "repurchased"]].to_csv(labels, index=False)
    out = tmp_path / "cal"
    result = runner.invoke(
        app,
        [
            "calibrate",
            str(scores),
            str(labels),
            "--target",
            "repurchased",
            "--out",
            str(out),
            "--folds",
            "3",
            "--n-boot",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "auc" in result.output
    table = pd.read_csv(out / "agreement.csv")
    assert {"machine-outcome", "reliability", "lift"} <= set(table["comparison"])


# ------------------------------------------------------------------------------ figure


def test_outcome_chart_draws_the_curve_and_the_lift_from_the_agreement_rows():
    from cxnlp.calibration.agreement import outcome_agreement_table
    from cxnlp.report.figures import outcome_chart

    rng = np.random.default_rng(3)
    p = rng.uniform(0.05, 0.95, 500)
    y = (rng.random(500) < p).astype(float)
    table = outcome_agreement_table(y, p, target="sale", machine_col="sale_pred", n_boot=30)
    fig = outcome_chart(table)
    curve, lift = fig.axes[:2]
    observed = table[(table["comparison"] == "reliability") & (table["metric"] == "observed_rate")]
    drawn = [line for line in curve.get_lines() if len(line.get_xdata()) == len(observed)]
    assert drawn and np.allclose(sorted(drawn[0].get_ydata()), sorted(observed["value"]))
    bars = [patch.get_height() for patch in lift.patches]
    expected = table[table["comparison"] == "lift"].sort_values("subgroup", key=lambda s: s.astype(int))
    assert np.allclose(bars, expected["value"])
    assert "sale" in curve.get_xlabel() and "decile" in lift.get_xlabel()
    two = pd.concat([table, table.assign(target="churn")])
    with pytest.raises(ValueError, match="pass outcome="):
        outcome_chart(two)
    assert outcome_chart(two, outcome="churn").axes


def test_cli_outcomes_reads_a_result_store(tmp_path):
    from cxnlp.batch.store import ResultStore, new_run_id

    df = score_table(n=300, seed=9)
    store = ResultStore(tmp_path / "store").init()
    rows = df.drop(columns="repurchased").assign(content_hash=df["transcript_id"]).to_dict("records")
    store.write_part(rows, run_id=new_run_id(), n=0, config_id="c1")
    outcomes = tmp_path / "outcomes.csv"
    df[["transcript_id", "repurchased"]].to_csv(outcomes, index=False)
    out = tmp_path / "effects.csv"
    result = runner.invoke(
        app,
        [
            "analyze",
            "outcomes",
            str(store.root),
            "--outcome",
            "repurchased",
            "--outcomes",
            str(outcomes),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    direct = outcome_effects(df, outcome="repurchased").set_index("dimension")["odds_ratio_per_10"]
    via_store = pd.read_csv(out).set_index("dimension")["odds_ratio_per_10"]
    assert via_store.to_dict() == pytest.approx(direct.to_dict())

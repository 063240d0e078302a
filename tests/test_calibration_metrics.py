"""Agreement metrics, rating scales and the agreement table (no language models needed)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import cohen_kappa_score, mean_absolute_error, mean_squared_error

from cxnlp.calibration import metrics
from cxnlp.calibration.agreement import agreement_table, rating_matrix, subgroup_smd
from cxnlp.calibration.scales import Scale, infer_scale, parse_scale

NAN = math.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers
# (rows) x 12 units (columns), with missing data. The paper reports alpha = .743 (nominal),
# .815 (ordinal), .849 (interval) and .797 (ratio) for these data.
KRIPPENDORFF_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
).T  # items x raters
KRIPPENDORFF_PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges; ICC(2,1) = .29, ICC(3,1) = .71.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)


def _naive_alpha(ratings: np.ndarray, level: str) -> float:
    """Straight from the paper's definitions: loop over units and ordered rater pairs."""
    coincidence: dict[tuple[float, float], float] = {}
    for unit in ratings:
        vals = [v for v in unit if not math.isnan(v)]
        m = len(vals)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            key = (vals[i], vals[j])
            coincidence[key] = coincidence.get(key, 0.0) + 1.0 / (m - 1)
    values = sorted({c for c, _ in coincidence})
    n_c = {c: sum(v for (a, _), v in coincidence.items() if a == c) for c in values}
    n = sum(n_c.values())

    def delta(c: float, k: float) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return ((c - k) / (c + k)) ** 2
        lo, hi = min(c, k), max(c, k)
        between = sum(n_c[g] for g in values if lo <= g <= hi)
        return (between - (n_c[c] + n_c[k]) / 2) ** 2

    d_o = sum(v * delta(c, k) for (c, k), v in coincidence.items())
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in values for k in values)
    return 1 - (n - 1) * d_o / d_e


# --------------------------------------------------------------------------- correlations, errors


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correlations_and_errors_match_scipy_and_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=50)
    b = a + rng.normal(size=50)
    assert metrics.pearson(a, b) == pytest.approx(pearsonr(a, b)[0], abs=1e-12)
    ties_a, ties_b = np.round(a), np.round(b)  # ties exercise the average-rank rule
    assert metrics.spearman(ties_a, ties_b) == pytest.approx(spearmanr(ties_a, ties_b)[0], abs=1e-12)
    assert metrics.mae(a, b) == pytest.approx(mean_absolute_error(a, b), abs=1e-12)
    assert metrics.rmse(a, b) == pytest.approx(math.sqrt(mean_squared_error(a, b)), abs=1e-12)


@pytest.mark.parametrize(
    "func",
    [
        metrics.pearson,
        metrics.spearman,
        metrics.mae,
        metrics.rmse,
        metrics.exact_agreement,
        metrics.adjacent_agreement,
        metrics.standardized_mean_difference,
    ],
)
def test_nan_pairs_are_dropped_the_same_way_everywhere(func) -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, size=30).astype(float)
    b = np.clip(a + rng.integers(-1, 2, size=30), 1, 5)
    a_nan, b_nan = a.copy(), b.copy()
    a_nan[[0, 5]] = NAN
    b_nan[[5, 9]] = NAN
    keep = np.ones(30, dtype=bool)
    keep[[0, 5, 9]] = False
    assert func(a_nan, b_nan) == pytest.approx(func(a[keep], b[keep]), abs=1e-12)


@pytest.mark.parametrize("func", [metrics.pearson, metrics.spearman])
def test_constant_predictions_give_nan_without_warning(func) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(func([1.0, 2.0, 3.0], [4.0, 4.0, 4.0]))
        assert math.isnan(func([1.0], [2.0]))


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="lengths 3 and 2"):
        metrics.pearson([1, 2, 3], [1, 2])


@pytest.mark.parametrize(
    ("y_true", "y_pred", "exact", "adjacent"),
    [
        ([1, 2, 3, 4], [1, 3, 3, 1], 0.5, 0.75),
        ([1, 1], [1, 1], 1.0, 1.0),
        ([1, 5], [3, 3], 0.0, 0.0),
        ([1.2, 2.0], [0.9, 2.6], 0.5, 1.0),  # rounding to the step grid first
    ],
)
def test_exact_and_adjacent_agreement_by_hand(y_true, y_pred, exact, adjacent) -> None:
    assert metrics.exact_agreement(y_true, y_pred) == pytest.approx(exact)
    assert metrics.adjacent_agreement(y_true, y_pred) == pytest.approx(adjacent)


def test_adjacent_agreement_uses_the_scale_step() -> None:
    assert metrics.adjacent_agreement([0.0, 0.0], [0.5, 1.0], step=0.5) == pytest.approx(0.5)


# --------------------------------------------------------------------------- QWK


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_qwk_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, size=80)
    b = np.clip(a + rng.integers(-2, 3, size=80), 1, 5)
    expected = cohen_kappa_score(a, b, weights="quadratic")
    got = metrics.quadratic_weighted_kappa(a, b, min_rating=1, max_rating=5)
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1, 2], [2, 1], -1.0),  # O=[[0,1],[1,0]], E=all 0.5 -> 1 - 2/1
        ([1, 2, 3], [1, 2, 3], 1.0),
    ],
)
def test_qwk_by_hand(a, b, expected) -> None:
    assert metrics.quadratic_weighted_kappa(a, b, min_rating=1, max_rating=3) == pytest.approx(expected)


def test_qwk_rounds_continuous_predictions_and_rejects_out_of_range() -> None:
    assert metrics.quadratic_weighted_kappa(
        [1, 2, 3], [1.2, 1.9, 3.4], min_rating=1, max_rating=3
    ) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"within \[1, 5\]"):
        metrics.quadratic_weighted_kappa([1, 2], [6, 2], min_rating=1, max_rating=5)


def test_qwk_constant_identical_ratings_is_nan() -> None:
    assert math.isnan(metrics.quadratic_weighted_kappa([3, 3], [3, 3], min_rating=1, max_rating=5))


# --------------------------------------------------------------------------- Krippendorff


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_matches_naive_implementation_and_paper(level: str) -> None:
    got = metrics.krippendorff_alpha(KRIPPENDORFF_C, level=level)
    assert got == pytest.approx(_naive_alpha(KRIPPENDORFF_C, level), abs=1e-12)
    assert got == pytest.approx(KRIPPENDORFF_PUBLISHED[level], abs=5e-4)


def test_krippendorff_ordinal_ignores_spacing_interval_does_not() -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(1, 5, size=(40, 1)).astype(float)
    ratings = np.clip(base + rng.integers(-1, 2, size=(40, 3)), 1, 4)
    stretched = np.where(ratings == 4, 40.0, ratings)  # same order, different spacing
    assert metrics.krippendorff_alpha(stretched, "ordinal") == pytest.approx(
        metrics.krippendorff_alpha(ratings, "ordinal")
    )
    assert metrics.krippendorff_alpha(stretched, "interval") != pytest.approx(
        metrics.krippendorff_alpha(ratings, "interval")
    )


def test_krippendorff_perfect_agreement_and_degenerate_cases() -> None:
    perfect = np.array([[1, 1, NAN], [2, 2, 2], [5, NAN, 5]], dtype=float)
    assert metrics.krippendorff_alpha(perfect) == pytest.approx(1.0)
    assert math.isnan(metrics.krippendorff_alpha(np.full((3, 2), 2.0)))
    assert math.isnan(metrics.krippendorff_alpha(np.array([[1.0, NAN], [NAN, 2.0]])))
    with pytest.raises(ValueError, match="items x raters"):
        metrics.krippendorff_alpha(np.ones((4, 1)))


def test_noisier_raters_get_lower_alpha() -> None:
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(200, 1))
    good = truth + 0.3 * rng.normal(size=(200, 3))
    bad = truth + 1.5 * rng.normal(size=(200, 3))
    assert metrics.krippendorff_alpha(good) > metrics.krippendorff_alpha(bad)


# --------------------------------------------------------------------------- ICC


@pytest.mark.parametrize(("form", "published"), [("ICC(A,1)", 0.29), ("ICC(C,1)", 0.71)])
def test_icc_shrout_fleiss(form: str, published: float) -> None:
    result = metrics.icc(SHROUT_FLEISS, form=form)
    assert result.form == form
    assert (result.n_items, result.n_raters) == (6, 4)
    assert result.value == pytest.approx(published, abs=0.005)
    assert float(result) == result.value


def test_icc_absolute_agreement_penalises_a_lenient_rater_consistency_does_not() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(50, 10, size=30)
    ratings = np.column_stack([a, a + 8.0])
    assert metrics.icc(ratings, "ICC(C,1)").value == pytest.approx(1.0)
    assert metrics.icc(ratings, "ICC(A,1)").value < 0.9
    assert metrics.icc(np.column_stack([a, a]), "ICC(A,1)").value == pytest.approx(1.0)


def test_icc_drops_incomplete_items_and_handles_degenerate_input() -> None:
    with_gap = np.vstack([SHROUT_FLEISS, [5, NAN, 3, 3]])
    result = metrics.icc(with_gap)
    assert result.n_items == 6
    assert result.value == pytest.approx(metrics.icc(SHROUT_FLEISS).value)
    assert math.isnan(metrics.icc(np.array([[1.0, 2.0]])).value)
    with pytest.raises(ValueError, match="form"):
        metrics.icc(SHROUT_FLEISS, form="ICC(1,1)")


# --------------------------------------------------------------------------- SMD, PRMSE


@pytest.mark.parametrize(
    ("human", "machine", "method", "expected"),
    [
        ([1, 2, 3], [2, 3, 4], "pooled", 1.0),
        ([1, 2, 3], [3, 5, 7], "pooled", 3 / math.sqrt(2.5)),  # var_h = 1, var_m = 4
        ([1, 2, 3], [3, 5, 7], "human", 3.0),
        ([1, 2, 3], [0, 1, 2], "human", -1.0),
    ],
)
def test_smd_by_hand(human, machine, method, expected) -> None:
    got = metrics.standardized_mean_difference(human, machine, method=method)
    assert got == pytest.approx(expected)


def test_smd_constant_is_nan() -> None:
    assert math.isnan(metrics.standardized_mean_difference([2, 2, 2], [2, 2, 2]))


def _simulated_ratings(seed: int, n: int = 3000, rater_sd: float = 0.7):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n)
    human = truth[:, None] + rater_sd * rng.normal(size=(n, 2))
    human[rng.random(n) < 0.5, 1] = NAN  # half the items have one rating only
    return rng, truth, human


def test_prmse_recovers_the_true_score_reduction() -> None:
    rng, truth, human = _simulated_ratings(0)
    machine = truth + 0.5 * rng.normal(size=truth.size)
    # Var(T) = 1 and MSE(T|S) = 0.25 by construction, so PRMSE = 0.75 in expectation.
    assert metrics.prmse(human, machine) == pytest.approx(0.75, abs=0.04)
    assert metrics.prmse(human, truth) == pytest.approx(1.0, abs=0.03)


def test_prmse_is_not_fooled_by_rater_noise_unlike_r_squared() -> None:
    rng, truth, human = _simulated_ratings(1, rater_sd=1.0)
    machine = truth + 0.3 * rng.normal(size=truth.size)
    r2_single_rater = metrics.pearson(human[:, 0], machine) ** 2
    assert metrics.prmse(human, machine) > r2_single_rater + 0.2
    worse = truth + 0.8 * rng.normal(size=truth.size)
    assert metrics.prmse(human, machine) > metrics.prmse(human, worse)


def test_prmse_needs_double_ratings() -> None:
    assert math.isnan(metrics.prmse(np.array([[1.0, NAN], [2.0, NAN], [3.0, NAN]]), [1, 2, 3]))
    with pytest.raises(ValueError, match="one per item"):
        metrics.prmse(np.ones((3, 2)), [1.0, 2.0])


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_is_paired_and_reproducible() -> None:
    a = np.arange(20, dtype=float)
    paired = metrics.bootstrap_ci(metrics.pearson, a, 2 * a + 1, n_boot=200, seed=0)
    # resampling pairs keeps a perfect linear relation perfect in every replicate
    assert (paired.low, paired.estimate, paired.high) == pytest.approx((1.0, 1.0, 1.0))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=60), rng.normal(size=60)
    first = metrics.bootstrap_ci(metrics.rmse, x, y, n_boot=300, seed=7)
    again = metrics.bootstrap_ci(metrics.rmse, x, y, n_boot=300, seed=7)
    other = metrics.bootstrap_ci(metrics.rmse, x, y, n_boot=300, seed=8)
    assert first == again
    assert first != other
    assert first.low < first.estimate < first.high


def test_bootstrap_interval_narrows_with_more_items() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=2000)
    y = x + rng.normal(size=2000)
    small = metrics.bootstrap_ci(metrics.pearson, x[:50], y[:50], n_boot=300)
    large = metrics.bootstrap_ci(metrics.pearson, x, y, n_boot=300)
    assert (large.high - large.low) < (small.high - small.low)


def test_bootstrap_handles_all_nan_metric_and_bad_input() -> None:
    result = metrics.bootstrap_ci(metrics.pearson, np.ones(5), np.ones(5), n_boot=20)
    assert math.isnan(result.low) and result.n_valid == 0
    with pytest.raises(ValueError, match="same number"):
        metrics.bootstrap_ci(metrics.rmse, np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="alpha"):
        metrics.bootstrap_ci(metrics.rmse, np.ones(5), np.ones(5), alpha=1.5)


# --------------------------------------------------------------------------- scales


@pytest.mark.parametrize(
    ("spec", "lo", "hi", "discrete", "step"),
    [
        ("0-100", 0, 100, False, 1),
        ("1-5", 1, 5, True, 1),
        ("0-10", 0, 10, True, 1),
        ("-2..2", -2, 2, True, 1),
        ("1-5:0.5", 1, 5, True, 0.5),
    ],
)
def test_parse_scale(spec, lo, hi, discrete, step) -> None:
    scale = parse_scale(spec)
    assert (scale.min, scale.max, scale.discrete, scale.step) == (lo, hi, discrete, step)
    assert parse_scale(scale.name) == scale


@pytest.mark.parametrize("spec", ["", "five", "5-1", "1-"])
def test_parse_scale_rejects_bad_specs(spec: str) -> None:
    with pytest.raises(ValueError, match="MIN-MAX|max <= min"):
        parse_scale(spec)


def test_unit_conversion_round_trips() -> None:
    five, hundred = parse_scale("1-5"), parse_scale("0-100")
    assert five.to_unit([1, 3, 5]).tolist() == [0.0, 0.5, 1.0]
    assert five.from_unit(five.to_unit([1.5, 4.2])) == pytest.approx([1.5, 4.2])
    assert five.convert([1, 5], hundred).tolist() == [0.0, 100.0]
    assert five.levels.tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4, 5, 5], "1-5"),
        ([-2, 0, 1, 2], "-2..2"),
        ([0, 3, 7, 10], "0-10"),
        ([0, 6, 9], "0-10"),
        ([12.5, 55.0, 97.0], "0-100"),
        ([3, 40, 88], "0-100"),
    ],
)
def test_infer_scale(values, expected: str) -> None:
    assert infer_scale(values).name == expected


@pytest.mark.parametrize(
    "values",
    [
        [3, 4],  # fits 1-5 but uses a quarter of it: could be 0-10 as well
        [2.5, 7.5],  # not integers, only 5% of 0-100
        [150, 200],  # fits nothing known
        [NAN, NAN],
    ],
)
def test_infer_scale_refuses_to_guess(values) -> None:
    with pytest.raises(ValueError, match=r"--scale survey_rating="):
        infer_scale(values, column="survey_rating")


def test_scale_validate_names_the_column() -> None:
    with pytest.raises(ValueError, match="'survey_rating'.*1-5"):
        parse_scale("1-5").validate([1, 7], column="survey_rating")
    with pytest.raises(ValueError, match="min < max"):
        Scale(name="bad", min=5, max=1, discrete=True)


# --------------------------------------------------------------------------- agreement table


def _labelled(seed: int = 0, n: int = 240, rater_sd: float = 5.0, double: float = 0.5):
    """Synthetic QA data: a true quality per transcript, 1-2 noisy evaluator ratings."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(20, 90, size=n)
    ids = [f"t{i:04d}" for i in range(n)]
    team = np.array(["A", "B", "C", "D"])[np.arange(n) % 4]
    rows = []
    for i, t in enumerate(truth):
        for r in range(1 + int(rng.random() < double)):
            rating = float(np.clip(np.round(t + rater_sd * rng.normal()), 0, 100))
            rows.append({"transcript_id": ids[i], "evaluator_id": f"e{r}", "rubric_score": rating})
    human = pd.DataFrame(rows)
    machine = pd.DataFrame({"transcript_id": ids, "team": team, "truth": truth})
    return rng, human, machine


def test_rating_matrix_keeps_first_rating_first() -> None:
    human = pd.DataFrame({"transcript_id": ["b", "a", "b", "a", "c"], "score": [1.0, 2.0, 3.0, NAN, 4.0]})
    ids, matrix = rating_matrix(human, id_col="transcript_id", target="score")
    assert ids.tolist() == ["b", "a", "c"]
    np.testing.assert_array_equal(matrix, [[1.0, 3.0], [2.0, NAN], [4.0, NAN]])


def test_perfect_machine_gets_no_flags() -> None:
    _, human, machine = _labelled(0, rater_sd=0.0)
    machine["pred"] = machine["truth"].round()
    table = agreement_table(
        human,
        machine,
        targets={"rubric_score": "pred"},
        scales={"rubric_score": "0-100"},
        groups_cols=["team"],
        n_boot=50,
    )
    assert not table["flag"].any()
    mh1 = table[table.comparison == "machine-h1"].set_index("metric")["value"]
    assert mh1["pearson"] == pytest.approx(1.0) and mh1["qwk"] == pytest.approx(1.0)


def test_weak_and_biased_machines_are_flagged() -> None:
    rng, human, machine = _labelled(1)
    machine["noisy"] = np.clip(machine["truth"] + rng.normal(0, 25, len(machine)), 0, 100)
    machine["biased"] = np.clip(machine["truth"] + 10.0, 0, 100)
    table = agreement_table(
        human,
        machine,
        targets={"rubric_score": "noisy"},
        scales={"rubric_score": "0-100"},
        n_boot=50,
    )
    flagged = set(table.loc[table.flag, "metric"])
    assert {"qwk", "pearson"} <= flagged
    biased = agreement_table(
        human,
        machine,
        targets={"rubric_score": "biased"},
        scales={"rubric_score": "0-100"},
        n_boot=50,
    )
    assert set(biased.loc[biased.flag, "metric"]) == {"smd"}


def test_agreement_table_rows_and_intervals() -> None:
    rng, human, machine = _labelled(2)
    machine["pred"] = np.clip(machine["truth"] + rng.normal(0, 6, len(machine)), 0, 100)
    machine["brand_congruence"] = machine["truth"] + rng.normal(0, 30, len(machine))
    table = agreement_table(
        human,
        machine,
        targets={"rubric_score": "pred"},
        scales={"rubric_score": "0-100"},
        dimension_cols=["brand_congruence"],
        n_boot=100,
    )
    comparisons = set(table.comparison)
    assert comparisons == {"machine-h1", "machine-mean", "human-human", "machine-humans", "dimension-mean"}
    n_double = int(human.groupby("transcript_id").size().ge(2).sum())
    assert set(table.loc[table.comparison == "human-human", "n"]) == {n_double}
    assert "ICC(A,1)" in set(table.metric)
    assert "exact_agreement" not in set(table.metric)  # continuous 0-100 scale
    ok = table.dropna(subset=["ci_low"])
    assert ((ok.ci_low <= ok.value + 1e-9) & (ok.value <= ok.ci_high + 1e-9)).all()
    dim = table[(table.comparison == "dimension-mean") & (table.metric == "pearson")]
    pred = table[(table.comparison == "machine-mean") & (table.metric == "pearson")]
    assert float(pred.value.iloc[0]) > float(dim.value.iloc[0])


def test_discrete_scale_adds_exact_and_adjacent_agreement() -> None:
    rng = np.random.default_rng(5)
    ids = [f"t{i}" for i in range(120)]
    truth = rng.integers(1, 6, size=120)
    human = pd.DataFrame({"transcript_id": ids * 2, "csat": np.concatenate([truth, truth]).astype(float)})
    machine = pd.DataFrame({"transcript_id": ids, "pred": truth.astype(float)})
    table = agreement_table(human, machine, targets={"csat": "pred"}, n_boot=20)
    mh1 = table[table.comparison == "machine-h1"].set_index("metric")["value"]
    assert mh1["exact_agreement"] == 1.0 and mh1["adjacent_agreement"] == 1.0
    assert "krippendorff_alpha_ordinal" in set(table.metric)


def test_subgroup_smd_flags_the_planted_bias_only() -> None:
    _, human, machine = _labelled(3, n=400)
    machine["pred"] = machine["truth"] + np.where(machine["team"] == "B", 12.0, 0.0)
    result = subgroup_smd(human, machine, target="rubric_score", machine_col="pred", group_cols=["team"])
    flagged = result.loc[result.flag, "group"].tolist()
    assert flagged == ["B"]
    assert result.set_index("group").loc["B", "smd"] > 0.15
    assert result["n"].sum() == 400


def test_subgroup_smd_does_not_flag_tiny_groups() -> None:
    _, human, machine = _labelled(4, n=200)
    machine["team"] = np.where(np.arange(200) < 3, "tiny", "big")
    machine["pred"] = machine["truth"] + np.where(machine["team"] == "tiny", 30.0, 0.0)
    result = subgroup_smd(
        human, machine, target="rubric_score", machine_col="pred", group_cols=["team"]
    ).set_index("group")
    assert result.loc["tiny", "smd"] > 0.15 and not result.loc["tiny", "flag"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h, m: (h.assign(transcript_id=h.transcript_id.replace("t0000", "zz9")), m), "zz9"),
        (lambda h, m: (h.drop(columns="rubric_score"), m), r"human table.*'rubric_score'"),
        (lambda h, m: (h, m.drop(columns="pred")), r"machine table.*'pred'"),
        (lambda h, m: (h.assign(rubric_score=h.rubric_score * 10), m), "'rubric_score'"),
        (lambda h, m: (h, m.assign(pred=m.pred * 3)), "Machine column 'pred'"),
        (lambda h, m: (h, pd.concat([m, m.iloc[:1]])), "repeated ids"),
    ],
    ids=[
        "unknown-id",
        "missing-human-col",
        "missing-machine-col",
        "human-off-scale",
        "machine-off-scale",
        "duplicate-machine-id",
    ],
)
def test_agreement_table_bad_inputs(mutate, message: str) -> None:
    _, human, machine = _labelled(6, n=40)
    machine["pred"] = machine["truth"]
    human, machine = mutate(human, machine)
    with pytest.raises(ValueError, match=message):
        agreement_table(
            human,
            machine,
            targets={"rubric_score": "pred"},
            scales={"rubric_score": "0-100"},
            n_boot=10,
        )


def test_agreement_table_refuses_an_ambiguous_scale() -> None:
    human = pd.DataFrame({"transcript_id": ["a", "b", "c"], "survey_rating": [3.0, 4.0, 3.0]})
    machine = pd.DataFrame({"transcript_id": ["a", "b", "c"], "pred": [3.0, 4.0, 3.0]})
    with pytest.raises(ValueError, match="--scale survey_rating="):
        agreement_table(human, machine, targets={"survey_rating": "pred"}, n_boot=10)


def test_unknown_subgroup_column_is_named() -> None:
    _, human, machine = _labelled(7, n=40)
    machine["pred"] = machine["truth"]
    with pytest.raises(ValueError, match="'queue'"):
        subgroup_smd(human, machine, target="rubric_score", machine_col="pred", group_cols=["queue"])

"""The learned register model of brand congruence: estimator, file, and what it does in a call."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone

from cxnlp.dimensions.register_model import (
    FORM_FEATURES,
    RegisterClassifier,
    RegisterModelError,
    default_register_scorer,
    load_register_scorer,
    model_to_json,
)


def _toy(n: int = 80, width: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, width + len(FORM_FEATURES)))
    y = (X[:, 0] + X[:, width] > 0).astype(int)
    return X, y


def test_estimator_stores_params_and_fits():
    model = RegisterClassifier(C=0.5, form_weight=2.0)
    assert model.get_params() == {"C": 0.5, "form_weight": 2.0, "class_weight": "balanced"}
    X, y = _toy()
    fitted = clone(model).fit(X, y)
    assert set(fitted.predict(X)) <= {0, 1}
    assert (fitted.predict(X) == y).mean() > 0.8
    proba = fitted.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)
    # Standardisation is folded into the weights: one dot product gives the same decision.
    assert np.allclose(X @ fitted.coef_[0] + fitted.intercept_[0], fitted.decision_function(X))


def test_saved_model_round_trips(tmp_path):
    X, y = _toy()
    model = RegisterClassifier().fit(X, y)
    registers = {"blaming": np.ones(6) / np.sqrt(6), "curt": -np.ones(6) / np.sqrt(6)}
    path = tmp_path / "m.json"
    path.write_text(model_to_json(model, registers=registers, provenance={"test": True}))
    scorer = load_register_scorer(path)
    width = 6
    p = scorer.probability(X[:, :width], X[:, width:])
    assert np.allclose(p, model.predict_proba(X)[:, 1], atol=1e-4)
    assert scorer.register_of(np.ones(6) / np.sqrt(6))[0] == "blaming"
    # Vectors of another width (another encoder) are not read: the model is off for them.
    assert not scorer.probability(np.zeros((2, 5)), np.zeros((2, len(FORM_FEATURES)))).any()


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(format="other"),
        lambda d: d.update(form_features=["words"]),
        lambda d: d.update(direction=[1.0, float("nan")]),
        lambda d: d.update(intercept="x"),
        lambda d: d.update(registers={"blaming": [1.0]}),
    ],
)
def test_malformed_model_is_refused(tmp_path, edit):
    X, y = _toy()
    data = json.loads(model_to_json(RegisterClassifier().fit(X, y), registers={}, provenance={}))
    edit(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))  # NaN is written as a bare NaN token
    with pytest.raises(RegisterModelError):
        load_register_scorer(path)


def test_packaged_model_loads_offline_and_fits_minilm():
    scorer = default_register_scorer()
    assert scorer.fits(384)
    assert "blaming" in scorer.register_names
    assert len(scorer.digest) == 64


# --------------------------------------------------------------------------- in a call

#: Off brand with no cue word of the brand lexicon, each beside a plain twin of the same shape.
#: Written for this test (not from the benchmark files).
PAIRS = [
    (
        "Honestly, most people manage to read the label on the box before opening it.",
        "The returns label is printed on the packing slip.",
    ),
    (
        "I can't keep going over the same booking with you all afternoon.",
        "I can go over the booking with you again now.",
    ),
    (
        "Some of us have actual deadlines today, so let's keep this short.",
        "I'll keep this short so you can get back to your day.",
    ),
]


@pytest.fixture(scope="module")
def dims(encoder):
    from cxnlp.dimensions.brand import BrandCongruence

    with_model = BrandCongruence(register_model="packaged")
    with_model.prepare(encoder)
    without = BrandCongruence(register_model=None)
    without.prepare(encoder)
    return with_model, without


def _cost(dim, parser, text: str) -> tuple[float, list]:
    from cxnlp import Transcript

    base = Transcript.from_pairs("b", [("agent", "Thanks for calling, I've sorted the refund for you.")])
    call = Transcript.from_pairs(
        "c", [("agent", "Thanks for calling, I've sorted the refund for you."), ("agent", text)]
    )
    before = dim.score(parser.parse(base))
    after = dim.score(parser.parse(call))
    found = [e for e in after.evidence if e.turn_index == 1 and e.weight < 0]
    return before.score - after.score, found


@pytest.mark.parametrize(("off", "plain"), PAIRS)
def test_off_brand_without_cue_words_costs_and_its_twin_does_not(dims, parser, off, plain):
    with_model, without = dims
    cost, found = _cost(with_model, parser, off)
    old_cost, _ = _cost(without, parser, off)
    assert cost >= 5.0, (off, cost)
    assert cost > old_cost
    assert any("register model: off-brand probability" in e.detail for e in found)
    twin_cost, twin_found = _cost(with_model, parser, plain)
    assert twin_cost < 1.0, (plain, twin_cost, [e.detail for e in twin_found])


def test_the_register_model_is_opt_in():
    from cxnlp.dimensions.brand import BrandCongruence

    assert BrandCongruence().register_model is None


def test_config_names_the_register_model(dims):
    with_model, without = dims
    assert with_model.resource_digests()["register_model"] == default_register_scorer().digest
    assert without.resource_digests()["register_model"] == "off"

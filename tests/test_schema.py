"""One schema module, and configuration ids that follow every parameter and resource.

No language model is loaded here: the configuration id reads parameters and resource files,
and the report is built from a synthetic score table.
"""

from __future__ import annotations

import re
from typing import get_args

import pandas as pd
import pytest
from test_report import make_scores

from cxnlp import schema
from cxnlp.dimensions import registered_dimensions
from cxnlp.dimensions.brand import load_brand_profile
from cxnlp.scoring import DEFAULT_DIMENSIONS, CompositeWeights, Scorer, build_dimensions

DEFAULT_BRAND = "cxnlp/resources/default_brand.yaml"


# --------------------------------------------------------------------------- the schema


def test_weights_and_directions_cover_exactly_the_dimension_columns():
    assert tuple(schema.DEFAULT_WEIGHTS) == schema.DIMENSION_COLUMNS
    assert sum(schema.DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
    assert schema.LOWER_IS_BETTER <= set(schema.DIMENSION_COLUMNS)
    assert [schema.higher_is_better(c) for c in schema.DIMENSION_COLUMNS] == [True, True, True, False]


def test_every_layer_reads_the_schema_not_a_copy():
    from cxnlp import analytics
    from cxnlp.calibration import estimators, workflow
    from cxnlp.report import figures
    from cxnlp.service import responses, schemas

    assert CompositeWeights().as_dict() == dict(schema.DEFAULT_WEIGHTS)
    assert analytics.DIMENSIONS is schema.DIMENSION_COLUMNS
    assert dict(analytics.DEFAULT_WEIGHTS) == dict(schema.DEFAULT_WEIGHTS)
    assert estimators.DIMENSION_COLUMNS is schema.DIMENSION_COLUMNS
    assert workflow.DIMENSION_COLUMNS == (*schema.DIMENSION_COLUMNS, schema.SCORE_COLUMN)
    assert get_args(schemas.ScoreName) == schema.SCORE_COLUMNS
    assert responses.HIGHER_IS_BETTER == {c: schema.higher_is_better(c) for c in schema.DIMENSION_COLUMNS}
    assert (figures.INTERACTION_THRESHOLD, figures.SURVEY_THRESHOLD) == (91.0, 85.0)


def test_each_registered_dimension_agrees_with_the_schema():
    built = {d.name: d for d in build_dimensions()}
    assert tuple(built) == schema.DIMENSION_COLUMNS
    for key, cls in registered_dimensions().items():
        assert cls.registry_key == key
        assert cls.higher_is_better is schema.higher_is_better(cls.name), key


def test_report_prints_the_thresholds_it_was_given():
    scores = make_scores(120)
    default = build_report_html(scores)
    assert "contacts at or above 91" in default
    assert "mean interaction score reaches 91" in default
    moved = build_report_html(scores, interaction_threshold=80, survey_threshold=70)
    assert "contacts at or above 80" in moved
    assert "reaches 80 and its mean survey rating reaches 70" in moved
    assert not re.search(r"\b91\b", _visible_text(moved))
    share = (pd.to_numeric(scores["interaction_score"]) >= 80).mean()
    assert f'{share:.0%}</div><div class="l">contacts at or above 80' in moved


def build_report_html(scores: pd.DataFrame, **thresholds: float) -> str:
    from cxnlp.report import build_report

    return build_report(scores, **thresholds).html


def _visible_text(html: str) -> str:
    """The page without embedded images and tags (a base64 PNG may hold any digits)."""
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    return re.sub(r"<[^>]+>", " ", html)


# --------------------------------------------------------------------------- configuration id


def _id(**kwargs) -> str:
    return Scorer(**kwargs).config_fingerprint()


@pytest.mark.parametrize(
    ("key", "params"),
    [
        ("brand_congruence.v1", {"neutral_score": 55.0}),
        ("brand_congruence.v1", {"classifier_c": 2.0}),
        ("answer_completeness.v1", {"answer_probability": 0.9}),
        ("answer_completeness.v1", {"window": 4}),
        ("proactive_connection.v1", {"saturation": 0.5}),
        ("proactive_connection.v1", {"weights": {"offer_more": 1.0}}),
        ("filler_content.v1", {"repeat_threshold": 0.85}),
        ("filler_content.v1", {"min_repeat_words": 5}),
    ],
)
def test_changing_any_dimension_parameter_changes_the_id(key, params):
    base = {k: {} for k in DEFAULT_DIMENSIONS}
    assert _id(dimensions={**base, key: params}) != _id(dimensions=base)


def test_every_parameter_of_every_dimension_is_in_the_id():
    """Not only the ones a test thought of: each parameter, nudged, moves the id."""
    base = _id()
    for dimension in build_dimensions():
        key = type(dimension).registry_key
        params = dimension.get_params()
        for name, value in params.items():
            if name in type(dimension).resource_params or not isinstance(value, int | float):
                continue
            nudged = value + 1 if isinstance(value, int) else value + 0.05
            spec = {k: {} for k in DEFAULT_DIMENSIONS}
            spec[key] = {name: nudged}
            assert _id(dimensions=spec) != base, f"{key} {name}"


def test_changing_a_resource_file_changes_the_id(tmp_path):
    profile = tmp_path / "brand.yaml"
    text = open(DEFAULT_BRAND, encoding="utf-8").read()
    profile.write_text(text, encoding="utf-8")
    same = _id(brand=profile)
    assert same == _id()  # the packaged profile's content, from another path
    profile.write_text(text.replace("name: Default contact centre", "name: Acme"), encoding="utf-8")
    assert _id(brand=profile) != same  # same path, new content

    lexicon = tmp_path / "reply_functions.yaml"
    lexicon.write_bytes(open("cxnlp/resources/reply_functions.yaml", "rb").read() + b"\n# edited\n")
    spec = {k: {} for k in DEFAULT_DIMENSIONS}
    spec["answer_completeness.v1"] = {"reply_lexicon": str(lexicon)}
    assert _id(dimensions=spec) != same


@pytest.mark.parametrize(
    ("key", "param", "resource", "old", "new"),
    [
        (
            "answer_completeness.v1",
            "completeness_lexicon",
            "completeness_lexicon.yaml",
            "suspended]",
            "suspended, wobble]",
        ),
        (
            "answer_completeness.v1",
            "completeness_lexicon",
            "completeness_lexicon.yaml",
            '"Hi there."',
            '"Hiya."',
        ),
        (
            "proactive_connection.v1",
            "proactive_lexicon",
            "proactive_lexicon.yaml",
            "wracking, understandable]",
            "wracking]",
        ),
        ("proactive_connection.v1", "reply_lexicon", "reply_functions.yaml", "takes, take]", "takes]"),
        ("filler_content.v1", "filler_lexicon", "filler_lexicon.yaml", "fact]", "fact, truth be told]"),
        # proactive_connection reads the filler lexicon's small talk
        ("proactive_connection.v1", "filler_lexicon", "filler_lexicon.yaml", "fact]", "fact, truth be told]"),
        (
            "brand_congruence.v1",
            "brand_lexicon",
            "brand_lexicon.yaml",
            '"Okay."',
            '"Okay then."',
        ),
    ],
)
def test_changing_a_word_in_a_lexicon_override_changes_the_id(tmp_path, key, param, resource, old, new):
    """A deployment's copy of a packaged lexicon: the same content from another path is
    the default configuration; one word changed is another configuration."""
    text = open(f"cxnlp/resources/{resource}", encoding="utf-8").read()
    assert text.count(old) == 1
    path = tmp_path / resource
    path.write_text(text, encoding="utf-8")
    spec = {k: {} for k in DEFAULT_DIMENSIONS}
    spec[key] = {param: str(path)}
    assert _id(dimensions=spec) == _id()
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert _id(dimensions=spec) != _id()


@pytest.mark.parametrize(
    ("key", "param"),
    [
        ("answer_completeness.v1", "completeness_lexicon"),
        ("proactive_connection.v1", "proactive_lexicon"),
        ("filler_content.v1", "filler_lexicon"),
        ("brand_congruence.v1", "brand_lexicon"),
    ],
)
def test_a_malformed_lexicon_override_is_refused_in_one_line(tmp_path, key, param):
    from cxnlp.lexicon import LexiconError

    path = tmp_path / "ours.yaml"
    path.write_text("version: 1\n", encoding="utf-8")  # every list missing
    spec = {k: {} for k in DEFAULT_DIMENSIONS}
    spec[key] = {param: str(path)}
    with pytest.raises(LexiconError) as info:
        _id(dimensions=spec)
    assert "\n" not in str(info.value) and str(path) in str(info.value) and "field" in str(info.value)


def test_weights_and_other_scorer_options_change_the_id():
    base = _id()
    assert _id(weights={"filler_content": 0.3}) != base
    assert _id(weights={"brand_target": 75.0}) != base
    assert _id(slot_vectors=False) != base


def test_equal_configurations_built_two_ways_give_equal_ids():
    profile = load_brand_profile(DEFAULT_BRAND)
    base = {k: {} for k in DEFAULT_DIMENSIONS}
    ways = [
        Scorer(),
        Scorer(brand=DEFAULT_BRAND),
        Scorer(dimensions={k: {} for k in DEFAULT_DIMENSIONS}),
        Scorer(dimensions=list(schema.DIMENSION_COLUMNS)),  # bare keys: the newest versions
        Scorer(dimensions={**base, "brand_congruence.v1": {"profile": profile}}),
        Scorer(dimensions=build_dimensions(brand=profile)),
        Scorer(weights=CompositeWeights(**schema.DEFAULT_WEIGHTS)),
        Scorer(dimensions={**base, "filler_content.v1": {"repeat_threshold": 0.8}}),
    ]
    assert len({s.config_fingerprint() for s in ways}) == 1


def test_the_scorer_is_built_from_the_registry():
    scorer = Scorer(dimensions={"filler_content.v1": {"repeat_threshold": 0.85}})
    (filler,) = scorer.dimensions
    assert type(filler) is registered_dimensions()["filler_content.v1"]
    assert filler.get_params()["repeat_threshold"] == 0.85
    with pytest.raises(KeyError, match="unknown dimension 'fluency'"):
        Scorer(dimensions=["fluency"])
    with pytest.raises(ValueError, match="repeat_treshold"):
        Scorer(dimensions={"filler_content.v1": {"repeat_treshold": 0.85}})

"""Calibrator and brand-profile files are validated, not trusted (issue #11, item 5).

Every case writes a damaged or hostile file and checks that loading it is refused with
one line that names the file and the field (never a KeyError, TypeError, OverflowError or
RecursionError, never a hang, never NaN predictions), and that the command line refuses
it before scoring: exit 2, one line, no traceback.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cxnlp.calibration import persistence
from cxnlp.calibration.estimators import MonotoneCalibrator, ScoreCalibrator
from cxnlp.calibration.persistence import calibration_to_dict, load_calibrator
from cxnlp.calibration.workflow import load_calibration
from cxnlp.dimensions import brand as brand_module
from cxnlp.dimensions.brand import BrandProfileError, load_brand_profile

REPO_ROOT = Path(__file__).resolve().parents[1]
FEATURES = ["brand_congruence", "interaction_score", "filler_content"]


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _fit(kind: str) -> Any:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(0, 100, size=(60, len(FEATURES))), columns=FEATURES)
    y = np.clip(0.6 * X["interaction_score"] + rng.normal(0, 8, 60), 0, 100)
    if kind == "ordinal":
        return ScoreCalibrator(scale="1-5", ordinal=True, cv=3).fit(X, np.clip(np.round(y / 20), 1, 5))
    if kind == "monotone":
        return MonotoneCalibrator(feature="interaction_score", cv=3).fit(X, y)
    return ScoreCalibrator(scale="0-100", cv=3).fit(X, y)


_DOCS: dict[str, dict[str, Any]] = {}


def good_doc(kind: str = "ridge") -> dict[str, Any]:
    if kind not in _DOCS:
        _DOCS[kind] = calibration_to_dict(_fit(kind), target="rubric_score")
    return copy.deepcopy(_DOCS[kind])


def fitted(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["estimator"]["fitted"]


def set_floats(attr: str, index: int, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        fitted(doc)[attr]["__floats__"][index] = value

    return edit


def nested_tuple(depth: int) -> dict[str, Any]:
    value: Any = 1.0
    for _ in range(depth):
        value = {"__tuple__": [value]}
    return value


def _swap_range(doc: dict[str, Any]) -> None:
    f = fitted(doc)
    f["y_min_"], f["y_max_"] = f["y_max_"], f["y_min_"]


def _decreasing_y_thresholds(doc: dict[str, Any]) -> None:
    floats = fitted(doc)["y_thresholds_"]["__floats__"]
    floats.reverse()
    floats[0] += 1.0  # strictly out of order even if the fit was flat


# (kind, edit, field named in the message). Malformed: missing keys and wrong shapes.
MALFORMED = {
    "no-estimator": ("ridge", lambda d: d.pop("estimator"), "'estimator'"),
    "no-target": ("ridge", lambda d: d.pop("target"), "'target'"),
    "fitted-is-a-list": ("ridge", lambda d: d["estimator"].update(fitted=[1, 2]), "'estimator.fitted'"),
    "no-params": ("ridge", lambda d: d["estimator"].pop("params"), "'estimator.params'"),
    "coef-too-short": ("ridge", lambda d: fitted(d)["coef_"]["__floats__"].pop(), "coef_"),
    "mean-is-a-string": ("ridge", lambda d: fitted(d).update(mean_="abc"), "mean_"),
    "names-too-few": (
        "ridge",
        lambda d: fitted(d)["feature_names_in_"]["__strings__"].pop(),
        "feature_names_in_",
    ),
    "n-features-infinite": (
        "ridge",
        lambda d: fitted(d).update(n_features_in_={"__float__": "inf"}),
        "n_features_in_",
    ),
    "scale-missing-keys": ("ridge", lambda d: d.update(scale={"name": "0-100"}), "'scale'"),
    "param-scale-empty": (
        "ridge",
        lambda d: d["estimator"]["params"].update(scale={"__scale__": {}}),
        "estimator.params.scale",
    ),
    "param-nested-50": (
        "ridge",
        lambda d: d["estimator"]["params"].update(alphas=nested_tuple(50)),
        "estimator.params.alphas",
    ),
    "alphas-empty": (
        "ridge",
        lambda d: d["estimator"]["params"].update(alphas={"__tuple__": []}),
        "estimator.params.alphas",
    ),
    "cv-scores-a-list": ("ridge", lambda d: fitted(d).update(cv_scores_={"__tuple__": [1.0]}), "cv_scores_"),
    "residuals-a-number": (
        "ridge",
        lambda d: fitted(d).update(oof_residuals_={"__float__": 1.0}),
        "oof_residuals_",
    ),
    "float-is-a-list": ("ridge", lambda d: fitted(d).update(intercept_={"__float__": [1, 2]}), "intercept_"),
    "huge-int-float": ("ridge", lambda d: fitted(d).update(alpha_={"__float__": 10**400}), "alpha_"),
    "feature-index-out": ("monotone", lambda d: fitted(d).update(feature_index_=7), "feature_index_"),
    "feature-index-other-column": (
        "monotone",
        lambda d: fitted(d).update(feature_index_=0),
        "feature_index_",
    ),
    "cuts-wrong-length": ("ordinal", lambda d: fitted(d)["thresholds_"]["__floats__"].pop(), "thresholds_"),
    "only-x-thresholds": ("ridge", lambda d: fitted(d).update(y_thresholds_=None), "y_thresholds_"),
    "features-mismatch": ("ridge", lambda d: d.update(features=["other"]), "'features'"),
}
# Values that used to load and predict NaN or a constant without a word.
SILENT = {
    "coef-nan": ("ridge", set_floats("coef_", 0, "nan"), "coef_"),
    "coef-inf": ("ridge", set_floats("coef_", 1, "inf"), "coef_"),
    "mean-minus-inf": ("ridge", set_floats("mean_", 0, "-inf"), "mean_"),
    "scale-zero": ("ridge", set_floats("scale_", 0, 0.0), "scale_"),
    "intercept-inf": ("ridge", lambda d: fitted(d).update(intercept_={"__float__": "inf"}), "intercept_"),
    "range-swapped": ("ridge", _swap_range, "y_min_"),
    "y-min-nan": ("monotone", lambda d: fitted(d).update(y_min_={"__float__": "nan"}), "y_min_"),
    "x-thresholds-nan": ("ridge", set_floats("x_thresholds_", 0, "nan"), "x_thresholds_"),
    "y-thresholds-decreasing": ("ridge", _decreasing_y_thresholds, "y_thresholds_"),
    "levels-unordered": ("ordinal", lambda d: fitted(d)["levels_"]["__floats__"].reverse(), "levels_"),
    "top-scale-swapped": ("ridge", lambda d: d["scale"].update(min=100.0, max=0.0), "'scale.min/max'"),
    "target-is-a-path": ("ridge", lambda d: d.update(target="../outside/secret"), "'target'"),
}
CALIBRATOR_CASES = {**MALFORMED, **SILENT}


def assert_one_line(message: str, *fragments: str) -> None:
    assert "\n" not in message, message
    assert len(message) < 600, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_the_unedited_documents_load(tmp_path: Path) -> None:
    """Control: every refusal below is caused by its edit, not by the fixture."""
    for kind in ("ridge", "ordinal", "monotone"):
        path = tmp_path / f"{kind}.json"
        path.write_text(json.dumps(good_doc(kind)))
        assert load_calibrator(path).target == "rubric_score"


@pytest.mark.parametrize("case", list(CALIBRATOR_CASES))
def test_damaged_calibrator_is_refused_naming_file_and_field(case: str, tmp_path: Path) -> None:
    kind, edit, field_name = CALIBRATOR_CASES[case]
    doc = good_doc(kind)
    edit(doc)
    path = tmp_path / f"{case}.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError) as info:  # KeyError/TypeError/RecursionError would escape this
        load_calibrator(path)
    assert_one_line(str(info.value), f"{case}.json", field_name, "expected")


def test_json_nested_100000_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError) as info:
        load_calibrator(path)
    assert_one_line(str(info.value), "deep.json", "nested too deeply")


def test_one_gigabyte_calibrator_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:  # sparse: takes no disk space
        fh.truncate(1024**3)
    with deadline(30):
        with pytest.raises(ValueError) as info:
            load_calibrator(path)
    assert_one_line(str(info.value), "huge.json", "larger than", str(persistence.MAX_CALIBRATOR_BYTES))


@pytest.mark.parametrize(
    ("module", "loader", "error"),
    [
        ("cxnlp.ingest.role_model", "load_role_model", "RoleModelError"),
        ("cxnlp.dimensions.need_reply", "load_pair_scorer", "NeedReplyModelError"),
        ("cxnlp.speech_text", "load_speech_punctuator", "SpeechModelError"),
        ("cxnlp.dimensions.register_model", "load_register_scorer", "RegisterModelError"),
    ],
)
def test_a_huge_json_model_is_not_read(tmp_path: Path, module: str, loader: str, error: str) -> None:
    """The small JSON models share the calibrators' capped read: a 1 GB file is refused
    at once, in one line naming it, before a byte of it is parsed."""
    import importlib

    mod = importlib.import_module(module)
    path = tmp_path / "model.json"
    with path.open("wb") as fh:  # sparse: takes no disk space
        fh.truncate(1024**3)
    with deadline(30):
        with pytest.raises(getattr(mod, error)) as info:
            getattr(mod, loader)(path)
    assert_one_line(str(info.value), "model.json", "larger than", "model")


def test_size_cap_applies_just_above_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(good_doc()))
    monkeypatch.setattr(persistence, "MAX_CALIBRATOR_BYTES", path.stat().st_size - 1)
    with pytest.raises(ValueError, match="larger than"):
        load_calibrator(path)
    monkeypatch.setattr(persistence, "MAX_CALIBRATOR_BYTES", path.stat().st_size)
    assert load_calibrator(path).target == "rubric_score"


def _calibration_dir(root: Path, targets: Any, files: dict[str, dict[str, Any]]) -> Path:
    folder = root / "cal"
    folder.mkdir()
    (folder / "calibration.json").write_text(json.dumps({"targets": targets}))
    for name, doc in files.items():
        (folder / f"{name}.json").write_text(json.dumps(doc))
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A perfectly valid calibrator outside the calibration folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    doc = good_doc()
    doc["target"] = "secret"
    (outside / "secret.json").write_text(json.dumps(doc))
    return outside / "secret.json"


def test_target_cannot_name_a_file_outside_the_folder(tmp_path: Path, secret: Path) -> None:
    folder = _calibration_dir(tmp_path, ["../outside/secret"], {})
    with pytest.raises(ValueError) as info:
        load_calibration(folder)
    assert_one_line(str(info.value), "calibration.json", "'targets'", "../outside/secret")


def test_target_cannot_be_a_link_out_of_the_folder(tmp_path: Path, secret: Path) -> None:
    folder = _calibration_dir(tmp_path, ["secret"], {})
    (folder / "secret.json").symlink_to(secret)
    with pytest.raises(ValueError) as info:
        load_calibration(folder)
    assert_one_line(str(info.value), "calibration.json", "'targets'", "link")


@pytest.mark.parametrize(
    "targets", [None, "rubric_score", [], [1], ["rubric_score", "rubric_score"]], ids=repr
)
def test_index_targets_must_be_a_list_of_names(tmp_path: Path, targets: Any) -> None:
    folder = _calibration_dir(tmp_path, targets, {"rubric_score": good_doc()})
    with pytest.raises(ValueError) as info:
        load_calibration(folder)
    assert_one_line(str(info.value), "calibration.json", "'targets'")


def test_file_must_hold_the_target_the_index_names(tmp_path: Path) -> None:
    folder = _calibration_dir(tmp_path, ["survey"], {"survey": good_doc()})
    with pytest.raises(ValueError) as info:
        load_calibration(folder)
    assert_one_line(str(info.value), "survey.json", "'target'", "'survey'")


@pytest.mark.parametrize("target", ["rubric_score", "QA score (0-100)", "note_été"])
def test_a_valid_folder_still_loads(tmp_path: Path, target: str) -> None:
    doc = good_doc()
    doc["target"] = target
    folder = _calibration_dir(tmp_path, [target], {target: doc})
    assert list(load_calibration(folder)) == [target]


# --------------------------------------------------------------------------- brand profiles

GOOD_YAML = "name: Acme\nvoice_traits:\n  - name: warm\n    examples: [Glad to help.]\n"
BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "name: *i\n"
)


def _weight(value: str) -> str:
    return f"name: Acme\nvoice_traits:\n  - name: warm\n    examples: [Hi there.]\n    weight: {value}\n"


def _many_bad_traits(n: int) -> str:
    return "name: Acme\nvoice_traits:\n" + "".join(f"  - name: t{i}\n" for i in range(n))


# (file name, content, fragments the one-line message must hold)
BRAND_CASES = {
    "alias-bomb": ("bomb.yaml", BILLION_LAUGHS, ["anchors and aliases"]),
    "one-alias": (
        "alias.yaml",
        "x: &n Acme\nname: *n\n" + GOOD_YAML.split("\n", 1)[1],
        ["anchors and aliases"],
    ),
    "merge-key": (
        "merge.yaml",
        "base: &b {name: warm}\n" + GOOD_YAML.replace("- name: warm", "- <<: *b"),
        ["anchors and aliases"],
    ),
    "yaml-flow-50000-deep": (
        "deep.yaml",
        "name: " + "[" * 50_000 + "]" * 50_000 + "\n",
        ["nested more than"],
    ),
    "yaml-map-50000-deep": (
        "deepmap.yaml",
        "name: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n",
        ["nested more than"],
    ),
    "toml-50000-deep": ("deep.toml", "name = " + "[" * 50_000 + "]" * 50_000 + "\n", ["nested too deeply"]),
    "toml-100-deep": ("deep100.toml", "name = " + "[" * 100 + "]" * 100 + "\n", ["nested more than"]),
    "weight-inf": ("inf.yaml", _weight(".inf"), ["voice_traits.0.weight", "finite"]),
    "weight-nan": ("nan.yaml", _weight(".nan"), ["voice_traits.0.weight", "finite"]),
    "weight-minus-inf": (
        "minf.toml",
        'name = "Acme"\n[[voice_traits]]\nname = "warm"\nexamples = ["Hi."]\nweight = -inf\n',
        ["voice_traits.0.weight"],
    ),
    "weight-huge": ("huge.yaml", _weight("1e300"), ["voice_traits.0.weight", "less than or equal"]),
    "huge-value-in-message": (
        "bigname.yaml",
        "name: [" + ",".join(["x" * 50] * 5_000) + "]\n" + GOOD_YAML.split("\n", 1)[1],
        ["name", "string"],
    ),
    "ten-thousand-errors": ("many.yaml", _many_bad_traits(10_000), ["voice_traits.0.examples", "more"]),
    "plain-invalid": ("plain.yaml", "name: Acme\n", ["voice_traits", "required"]),
}


@pytest.mark.parametrize("case", list(BRAND_CASES))
def test_hostile_brand_profile_is_refused_in_one_line(case: str, tmp_path: Path) -> None:
    filename, content, fragments = BRAND_CASES[case]
    path = tmp_path / filename
    path.write_text(content, encoding="utf-8")
    with deadline(60):
        with pytest.raises(BrandProfileError) as info:  # RecursionError would escape this
            load_brand_profile(path)
    assert_one_line(str(info.value), filename, *fragments)


def test_large_profile_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    examples = ", ".join(["Thanks so much for waiting, I am glad to help you today."] * 500_000)
    path.write_text(f"name: Acme\nvoice_traits:\n  - name: warm\n    examples: [{examples}]\n")
    assert path.stat().st_size > 28_000_000
    with deadline(10):
        with pytest.raises(BrandProfileError) as info:
            load_brand_profile(path)
    assert_one_line(str(info.value), "big.yaml", str(brand_module.MAX_PROFILE_BYTES))


def test_a_plain_profile_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(_weight("2.5"))
    assert load_brand_profile(path).voice_traits[0].weight == 2.5


# --------------------------------------------------------------------------- command line


def _bad_calibration(root: Path) -> list[str]:
    doc = good_doc()
    fitted(doc)["coef_"]["__floats__"][0] = "nan"
    _calibration_dir(root, ["rubric_score"], {"rubric_score": doc})
    return ["--calibration", str(root / "cal")]


def _bad_brand(root: Path) -> list[str]:
    (root / "bomb.yaml").write_text(BILLION_LAUGHS)
    return ["--brand", str(root / "bomb.yaml")]


@pytest.mark.parametrize("option", [_bad_calibration, _bad_brand], ids=["calibration", "brand"])
def test_cli_refuses_bad_model_file_before_scoring(
    option: Callable[[Path], list[str]], tmp_path: Path
) -> None:
    calls = tmp_path / "calls.jsonl"
    turns = [{"speaker": "customer", "text": "Hi."}, {"speaker": "agent", "text": "Hello, how can I help?"}]
    calls.write_text(json.dumps({"id": "c1", "turns": turns}) + "\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = tmp_path / "scores.parquet"
    done = subprocess.run(
        [sys.executable, "-m", "cxnlp.cli", "score", str(calls), "--out", str(out), *option(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert not out.exists()

"""The analyst notebooks: stored clean, call only the public API, and run end to end.

Each notebook is executed with nbclient in a kernel running *this* interpreter (a
temporary kernelspec pointing at ``sys.executable``), so the venv's cxnlp is what runs.
Parameters are overridden papermill-style: a cell inserted right after the cell tagged
``parameters``. A last cell added by the test prints a JSON summary of the notebook's
variables, so the checks below look at results, not at rendered text.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxnlp.schema import DIMENSION_COLUMNS

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"
NAMES = (
    "01_score_and_explore.ipynb",
    "02_calibrate.ipynb",
    "03_real_data.ipynb",
    "04_workshop_impact.ipynb",
)
STC3 = REPO_ROOT.parent / "shared" / "data" / "stc3-dch1-en" / "train_data_en.json"
KERNEL = "cxnlp-test-venv"
SUMMARY_MARK = "CXNLP_TEST_SUMMARY="


@pytest.fixture(scope="session")
def kernel_name(tmp_path_factory: pytest.TempPathFactory):
    """A kernelspec for this interpreter, found through JUPYTER_PATH for the session."""
    root = tmp_path_factory.mktemp("jupyter")
    spec_dir = root / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cxnlp test (venv)",
        "language": "python",
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_PLATFORM_DIRS")}
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(root), saved["JUPYTER_PATH"]]))
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    yield KERNEL
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _read(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _parameters_index(nb: Any) -> int:
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        raise AssertionError(f"expected exactly one cell tagged 'parameters', found {len(tagged)}")
    return tagged[0]


def _execute(name: str, kernel: str, *, parameters: dict[str, str], summary: str) -> tuple[Any, dict]:
    """Run a notebook with overridden parameters; return it and the JSON of ``summary``."""
    nb = _read(name)
    index = _parameters_index(nb)
    injected = nbformat.v4.new_code_cell("\n".join(f"{k} = {v}" for k, v in parameters.items()))
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, injected)
    nb.cells.append(
        nbformat.v4.new_code_cell(f"import json\nprint({SUMMARY_MARK!r} + json.dumps({summary}))")
    )
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name=kernel,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    line = next(ln for ln in text.splitlines() if ln.startswith(SUMMARY_MARK))
    return nb, json.loads(line[len(SUMMARY_MARK) :])


def _images(nb: Any) -> int:
    return sum(
        "image/png" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") in {"display_data", "execute_result"}
    )


def _warnings(nb: Any) -> list[str]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found += re.findall(r"\w*(?:FutureWarning|DeprecationWarning)[^\n]*", out["text"])
    return found


# --------------------------------------------------------------------------- static checks


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    nb = _read(name)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_tells_its_story_and_has_parameters_first(name: str) -> None:
    nb = _read(name)
    assert nb.cells[0].cell_type == "markdown"
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 4
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    assert _parameters_index(nb) == first_code


@pytest.mark.parametrize("name", NAMES)
def test_notebook_uses_only_public_cxnlp_names(name: str) -> None:
    for cell in _read(name).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(ln for ln in cell.source.splitlines() if not ln.lstrip().startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cxnlp"):
                parts = node.module.split(".") + [a.name for a in node.names]
                assert not any(p.startswith("_") for p in parts), (name, node.module, parts)
            if isinstance(node, ast.Attribute):
                assert not node.attr.startswith("_"), (name, node.attr)


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("02_calibrate.ipynb", "cross-validated"),
        ("03_real_data.ipynb", "same folds"),
        ("04_workshop_impact.ipynb", "cross-validated"),
    ],
)
def test_notebook_says_its_numbers_are_cross_validated(name: str, phrase: str) -> None:
    text = " ".join(c.source for c in _read(name).cells if c.cell_type == "markdown")
    assert phrase in text.lower().replace("\n", " ")


def test_code_cells_are_short() -> None:
    for name in NAMES:
        for cell in _read(name).cells:
            if cell.cell_type == "code":
                assert len(cell.source.splitlines()) <= 25, (name, cell.source[:80])


# --------------------------------------------------------------------------- execution


@pytest.fixture(scope="module")
def executed_01(kernel_name: str, tmp_path_factory: pytest.TempPathFactory):
    scores_path = tmp_path_factory.mktemp("nb01") / "scores.parquet"
    nb, summary = _execute(
        "01_score_and_explore.ipynb",
        kernel_name,
        parameters={"SCORES_OUT": repr(str(scores_path))},
        summary=(
            '{"n_scored": len(scores), "example_id": str(example_id), '
            '"lowest_id": str(scores.nsmallest(1, "interaction_score")["transcript_id"].iloc[0]), '
            '"view_rows": len(view), "view_findings": int(view["n_findings"].sum()), '
            '"evidence_items": len(found)}'
        ),
    )
    return nb, summary, scores_path


@pytest.mark.slow
def test_notebook_01_scores_the_sample_and_opens_a_transcript(executed_01) -> None:
    nb, summary, scores_path = executed_01
    n_lines = sum(1 for ln in (REPO_ROOT / "data" / "sample_transcripts.jsonl").open() if ln.strip())
    assert summary["n_scored"] == n_lines
    assert scores_path.is_file()
    assert summary["example_id"] == summary["lowest_id"]
    # every finding of the opened transcript lands on a sentence of the view
    assert summary["view_findings"] == summary["evidence_items"] > 0
    assert summary["view_rows"] > summary["view_findings"] / 10
    assert _images(nb) >= 3  # team, queue and channel distributions
    assert _warnings(nb) == []


@pytest.mark.slow
def test_notebook_02_calibrates_from_saved_scores(executed_01, kernel_name: str, tmp_path: Path) -> None:
    _, _, scores_path = executed_01
    out_dir = tmp_path / "models"
    nb, summary = _execute(
        "02_calibrate.ipynb",
        kernel_name,
        parameters={"SCORES": repr(str(scores_path)), "OUT_DIR": repr(str(out_dir)), "N_BOOT": "100"},
        summary=(
            '{"targets": sorted(results), '
            '"comparisons": sorted(set(agreement_overview(results)["comparison"])), '
            '"worst_abs": [abs(float(r)) for r in worst_rubric["residual"]], '
            '"all_abs_max": float(frames["rubric_score"]["residual"].abs().max()), '
            '"n_worst": len(worst_rubric), "N_WORST": N_WORST, '
            '"reviewed_ids": reviewed_ids, "n_posted": len(posted), "review_rows": len(review_table), '
            '"review_targets": sorted(from_reviews), '
            '"review_comparisons": sorted(set(agreement_overview(from_reviews)["comparison"]))}'
        ),
    )
    assert summary["targets"] == ["rubric_score", "survey_rating"]
    assert {"machine-h1", "machine-mean", "human-human"} <= set(summary["comparisons"])
    assert summary["n_worst"] == summary["N_WORST"]
    assert summary["worst_abs"] == sorted(summary["worst_abs"], reverse=True)
    assert summary["worst_abs"][0] == pytest.approx(summary["all_abs_max"])
    assert (out_dir / "calibration.json").is_file()
    assert (out_dir / "rubric_score.md").is_file()
    assert _images(nb) >= 4  # two calibration plots, two residual figures
    assert _warnings(nb) == []
    # The loop through the service: every rating of the reviewed calls was posted as a
    # review, stored, and fitted on.
    rubric = pd.read_csv(REPO_ROOT / "data" / "sample_rubric.csv", dtype={"transcript_id": str})
    expected = rubric[rubric["transcript_id"].isin(summary["reviewed_ids"])]
    assert len(summary["reviewed_ids"]) == 40 and len(expected) > 40
    assert summary["n_posted"] == summary["review_rows"] == len(expected)
    assert summary["review_targets"] == ["rubric_score"]
    assert "machine-mean" in summary["review_comparisons"]


@pytest.mark.slow
def test_notebook_04_measures_the_drop_and_the_outcome_link(
    executed_01, kernel_name: str, tmp_path: Path
) -> None:
    _, _, scores_path = executed_01
    out_dir = tmp_path / "models"
    nb, summary = _execute(
        "04_workshop_impact.ipynb",
        kernel_name,
        parameters={
            "SCORES": repr(str(scores_path)),
            "OUT_DIR": repr(str(out_dir)),
            "N_BOOT": "50",
            "FOLDS": "3",
        },
        summary=(
            '{"n": len(scores), "metrics": impact["metric"].tolist(), '
            '"people": by_people.set_index("metric")["effect"].to_dict(), '
            '"sentences": changed["sentence"].head(5).tolist(), '
            '"needed": [int(v) for v in plan["calls_per_group_per_window"]], '
            '"have": int(plan["treated_calls_per_window"].min()), '
            '"odds": effects.set_index("dimension")["odds_ratio_per_10"].to_dict(), '
            '"p": effects.set_index("dimension")["p_value"].to_dict(), '
            '"band_n": int(bands["n"].sum()), "headline": headline.set_index("metric")["value"].to_dict(), '
            '"deciles": lift["subgroup"].tolist()}'
        ),
    )
    assert summary["metrics"] == ["interaction_score", *DIMENSION_COLUMNS]
    # The planted drop of Team East, as the QA evaluators saw it over the same calls.
    assert summary["people"]["rubric_score"] < -5
    assert len(summary["sentences"]) == 5 and all("(control " in s for s in summary["sentences"])
    # The notebook says the sample is too small for a 3-point change; the plan agrees.
    assert min(summary["needed"]) > summary["have"]
    # The planted repurchase link: more complete answers up, more filler down. 300 calls
    # are at the edge of what shows the planted odds ratios (docs/impact.md: with the truth
    # itself p = 0.002; through a score that reads answer credit at Spearman 0.5-0.6 the
    # completeness p has moved between 0.02 and 0.15 with scorer changes that each read the
    # credit better), so here the direction is asked for, with a weak p; significance at a
    # testable size is tests/test_analytics_planted.py.
    assert summary["odds"]["answer_completeness"] > 1 and summary["p"]["answer_completeness"] < 0.2
    assert summary["odds"]["filler_content"] < 1 and summary["p"]["filler_content"] < 0.2
    assert summary["band_n"] == summary["n"]
    assert set(summary["headline"]) == {"auc", "brier", "log_loss"}
    assert summary["headline"]["auc"] > 0.55
    assert summary["deciles"] == [str(d) for d in range(1, 11)]
    assert (out_dir / "repurchased.json").is_file()
    assert _images(nb) >= 2  # the effect plot; calibration curve and lift
    assert _warnings(nb) == []


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.skipif(not STC3.is_file(), reason=f"STC-3 data not found at {STC3}")
def test_notebook_03_compares_with_baseline_and_ceiling(kernel_name: str) -> None:
    nb, summary = _execute(
        "03_real_data.ipynb",
        kernel_name,
        parameters={"N_BOOT": "50"},
        summary=(
            '{"have": HAVE_DATA, "n": len(scores), "LIMIT": LIMIT, "rows": comparison.to_dict("records")}'
        ),
    )
    assert summary["have"] is True
    assert summary["n"] == summary["LIMIT"]
    rows = summary["rows"]
    assert {r["target"] for r in rows} == {"S", "A", "E"}
    for target in ("S", "A", "E"):
        by_model = {r["model"]: r for r in rows if r["target"] == target}
        cxnlp = by_model["cxnlp calibrated"]
        bow = by_model["bag of words (TF-IDF + ridge)"]
        ceiling = by_model["human ceiling (split-half, Spearman-Brown)"]
        assert cxnlp["n"] == bow["n"] == summary["n"]
        # the raters' own agreement bounds what any model reaches
        assert ceiling["spearman"] > max(cxnlp["spearman"], bow["spearman"])
        assert 0 < cxnlp["rmse"] < 2 and 0 < bow["rmse"] < 2
    assert _images(nb) >= 5  # distributions, three calibration plots, residuals
    assert _warnings(nb) == []


@pytest.mark.slow
def test_notebook_03_stops_cleanly_without_data(kernel_name: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "train_data_en.json"
    nb, summary = _execute(
        "03_real_data.ipynb",
        kernel_name,
        parameters={"STC3_PATH": f"Path({str(missing)!r})"},
        summary='{"have": HAVE_DATA, "defined": [n for n in ("scores", "results") if n in globals()]}',
    )
    assert summary == {"have": False, "defined": []}
    said = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "not found" in said
    assert _images(nb) == 0

"""Old import paths keep working for a release and say where each name moved."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("cxnlp.explore", "transcript_view", "cxnlp.report.transcript_view"),
        ("cxnlp.explore", "ItemKFold", "cxnlp.calibration.model_selection"),
        ("cxnlp.explore", "load_transcript", "cxnlp.ingest.readers"),
        ("cxnlp.embedding_onnx", "OnnxMiniLM", "cxnlp.embedding.onnx"),
        ("cxnlp.batch.run", "score_files", "cxnlp.runs"),
        ("cxnlp.batch.writer", "TableWriter", "cxnlp.io.tables"),
        ("cxnlp.batch", "score_files", "cxnlp.runs"),
    ],
)
def test_old_path_returns_the_new_object_and_warns(old, name, new):
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        value = getattr(importlib.import_module(old), name)
    assert value is getattr(importlib.import_module(new), name)


def test_renamed_names_forward_to_their_new_names():
    from cxnlp.io.tables import read_frame
    from cxnlp.runs import RunSummary

    with pytest.warns(DeprecationWarning):
        assert importlib.import_module("cxnlp.batch.writer").read_table is read_frame
    with pytest.warns(DeprecationWarning):
        assert importlib.import_module("cxnlp.batch.run").BatchSummary is RunSummary


def test_an_unknown_name_is_still_an_attribute_error():
    module = importlib.import_module("cxnlp.explore")
    with pytest.raises(AttributeError):
        module.no_such_helper  # noqa: B018

"""Shared fixtures: the real spaCy pipeline and MiniLM encoder, loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def encoder():
    from cxnlp.nlp import SentenceEncoder

    return SentenceEncoder()


@pytest.fixture(scope="session")
def parser(encoder):
    from cxnlp.nlp import TranscriptParser, load_pipeline

    return TranscriptParser(load_pipeline(), encoder)


@pytest.fixture(scope="session")
def router():
    """The packaged follow-up router, fitted once for every module that routes comments."""
    from cxnlp.analytics import FollowupRouter

    return FollowupRouter().fit()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def packaged_and_copy(encoder, tmp_path):
    """``run(cls, param, resource, old, new, read)``: ``read(dimension)`` for a dimension
    prepared with the packaged lexicon ``resource`` and for one given, as ``param``, a
    deployment's copy of it in which ``old`` (found once) became ``new``."""

    def run(cls, param, resource, old, new, read):
        text = (REPO_ROOT / "cxnlp" / "resources" / resource).read_text(encoding="utf-8")
        assert text.count(old) == 1
        path = tmp_path / resource
        path.write_text(text.replace(old, new), encoding="utf-8")
        results = []
        for params in ({}, {param: str(path)}):
            dimension = cls(**params)
            dimension.prepare(encoder)
            results.append(read(dimension))
        return tuple(results)

    return run

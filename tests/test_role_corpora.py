"""The recommendation dialogues the role model is fitted on (ReDial) and checked against (IARD).

They live under benchmarks/data/ with their provenance and licence; the role model is
fitted on ReDial only, so an IARD dialogue found in the ReDial file would make the IARD
figures a training score. These checks read the stored files as cxnlp reads any JSONL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cxnlp.ingest import read_transcripts
from cxnlp.model import Transcript

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
CORPORA = {"redial": DATA / "redial" / "dialogues.jsonl", "iard": DATA / "iard" / "dialogues.jsonl"}


def _records(name: str) -> list[dict]:
    return [json.loads(line) for line in CORPORA[name].read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_dialogue_reads_and_has_one_agent_and_one_customer(name):
    items = list(read_transcripts(CORPORA[name], format="jsonl"))
    assert items and all(isinstance(t, Transcript) for t in items)
    assert all({turn.speaker for turn in t.turns} == {"agent", "customer"} for t in items)
    assert (DATA / name / "README.md").read_text(encoding="utf-8").count("Licence") == 1


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_movie_mentions_are_written_as_titles(name):
    texts = [turn["text"] for record in _records(name) for turn in record["turns"]]
    assert not any(re.search(r"@\d{3,}", text) for text in texts)
    assert sum('"' in text and re.search(r"\(\d{4}\)", text) is not None for text in texts) > 100


def test_no_iard_dialogue_is_in_the_fitted_redial_file():
    def numbers(name: str) -> set[str]:
        return {record["id"].split("-", 1)[1] for record in _records(name)}

    assert numbers("redial") and numbers("iard")
    assert not numbers("redial") & numbers("iard")

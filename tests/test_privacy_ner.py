"""The redactor's named-entity pass runs only ``ner`` and finds what the full pipeline finds."""

from __future__ import annotations

import pytest

# Loads full spaCy pipelines and parses thousands of words: over the fast loop's budget.
pytestmark = pytest.mark.slow

SENTENCES = [
    "Thanks Sarah, I'll pass this to Tom Baker in billing.",
    "Hi, this is Priya from Northwind; is that Mr. Daniel Okafor?",
    "my name's john smith and i'm calling about my bill",
    "No names here, just a refund of forty dollars.",
]


@pytest.fixture(scope="module")
def engines():
    import spacy

    from cxnlp.privacy import Redactor
    from cxnlp.privacy.recognizers import SPACY_MODEL

    ours = Redactor().analyzer_.nlp_engine.nlp["en"]
    return ours, spacy.load(SPACY_MODEL)


def test_ner_pass_skips_the_shared_tok2vec(engines):
    ours, _ = engines
    assert "ner" in ours.pipe_names and "tok2vec" not in ours.pipe_names


@pytest.mark.parametrize("text", SENTENCES)
def test_ner_pass_finds_the_full_pipelines_entities(engines, text):
    ours, full = engines
    assert [(e.text, e.label_) for e in ours(text).ents] == [(e.text, e.label_) for e in full(text).ents]

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


#: Texts that may hold a name by their capitals, none a word a name could keep.
NO_NAME_WORDS = [
    "The Wi-Fi is so slow upstairs that nothing works.",
    "Cool, cheers, bye.",
    "Your line test shows the full 300 Mbps reaching the router, call 0207 946 0958.",
    "Certainly, let's get this sorted for you, Sure.",
]


@pytest.mark.parametrize("text", [*NO_NAME_WORDS, *SENTENCES, "it's Kestrel here", "Thanks, Zoom."])
def test_analysis_without_the_models_entities_finds_the_same(text):
    """Where no entity could count (:meth:`Redactor._entities_may_count`), the text is
    analysed with the pass's tokens but no entities: the same findings."""
    from cxnlp.privacy import Redactor

    redactor = Redactor()
    engine = redactor.analyzer_.nlp_engine
    ((_, artifacts),) = engine.process_batch([text], language="en")
    with_entities = redactor._analyze(text, artifacts)
    assert redactor._analyze(text) == with_entities
    if text in NO_NAME_WORDS:
        assert redactor._may_hold_name(text) and not redactor._entities_may_count(text)
        assert redactor._analyze(text, redactor._token_artifacts(text)) == with_entities

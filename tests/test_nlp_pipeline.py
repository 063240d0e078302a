"""The shared spaCy pipeline: the memoised attribute ruler and lemmatizer set what spaCy's own do."""

from __future__ import annotations

import pytest

# Loads full spaCy pipelines and parses thousands of words: over the fast loop's budget.
pytestmark = pytest.mark.slow

TEXTS = [
    "",
    "I'm gonna check that, y'all hold on. Let's see, it ain't there.",
    "But I did it. Do you have the number? It was me, I gave it to you.",
    "There is a refund. There's nothing else, c'mon!",
    "Um,  so   basically the the refund takes five days \n okay",
    "Your order 4411 ships to 221B Baker Street on Monday, doesn't it?",
    "The technicians were calling; the happiest customers cancelled their renewed orders.",
]


@pytest.fixture(scope="module")
def pipelines():
    import spacy

    from cxnlp.nlp import SPACY_EXCLUDE, SPACY_MODEL, load_pipeline

    plain = spacy.load(SPACY_MODEL, exclude=list(SPACY_EXCLUDE))
    plain.enable_pipe("senter")
    return load_pipeline(), plain


def _attrs(doc):
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_) for t in doc]


@pytest.mark.parametrize("text", TEXTS)
def test_memoised_pipeline_matches_spacy(pipelines, text):
    memoised, plain = pipelines
    assert "match" in vars(memoised.get_pipe("attribute_ruler"))
    assert "lemmatize" in vars(memoised.get_pipe("lemmatizer"))
    # Twice: the second pass reads every single-token match and lemma from the lookups.
    for _ in range(2):
        ours = memoised(text)
        theirs = plain(text)
        assert [a[1:] for a in _attrs(ours)] == [a[1:] for a in _attrs(theirs)]


def test_lemma_index_is_read_as_sets(pipelines):
    """The rules look their candidate lemmas up in the index: sets, same members."""
    memoised, plain = pipelines
    ours = memoised.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    theirs = plain.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert ours.keys() == theirs.keys()
    for key, words in theirs.items():
        assert isinstance(ours[key], frozenset) and ours[key] == frozenset(words)


def test_memoised_attribute_ruler_keeps_multi_token_rules(pipelines):
    memoised, _ = pipelines
    lemmas = {t.text: t.lemma_ for t in memoised("We're gon na fix it, let's go.")}
    assert lemmas["gon"] == "go" and lemmas["na"] == "to"


def test_memoised_lemmatizer_keeps_inflections(pipelines):
    memoised, _ = pipelines
    for _ in range(2):
        lemmas = [t.lemma_ for t in memoised("The refunds were applied and the cards are working.")]
        assert lemmas[1:3] == ["refund", "be"] and "apply" in lemmas and "card" in lemmas


def test_sentence_text_cut_by_the_parse_is_the_spans_text(parser):
    """The parse cuts each sentence's text from its turn's (``Sentence.said``): the same as
    the span's own text, placeholders, odd spacing and recogniser turns included."""
    from cxnlp.model import Transcript, Turn

    turns = [Turn("customer" if i % 2 else "agent", text) for i, text in enumerate(TEXTS[1:])]
    turns.append(Turn("customer", "hi [NAME] here  my card ends in [CARD]\tcan you check it"))
    spoken = "im sorry about that dana ive refunded the forty dollars is there anything else"
    turns.append(Turn("agent", spoken))
    parsed = parser.parse(Transcript("t1", tuple(turns)))
    assert len(parsed.sentences) > len(turns)
    for sentence in parsed.sentences:
        assert sentence.said is not None and sentence.said == sentence.span.text.strip()

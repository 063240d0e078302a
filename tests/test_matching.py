"""GatedMatcher: the same matches as spaCy's Matcher, without running it where none can be."""

from __future__ import annotations

import pytest
import spacy
from spacy.matcher import Matcher

from cxnlp.matching import GatedMatcher, pattern_requirements


def test_requirements_are_only_tokens_every_match_has():
    needs = pattern_requirements(
        [
            {"LOWER": "i"},
            {"POS": "AUX", "OP": "?"},
            {"lemma": {"IN": ["check", "fix"]}},
            {"LOWER": {"NOT_IN": ["not"]}},
            {"LOWER": {"IN": ["it", "that"]}, "OP": "+"},
            {"LOWER": {"REGEX": "^u+m+$"}},
            {"TAG": "VB", "OP": "*"},
        ]
    )
    plain = [(attr, need) for attr, need in needs if isinstance(need, frozenset)]
    assert plain == [
        ("LOWER", frozenset({"i"})),
        ("LEMMA", frozenset({"check", "fix"})),
        ("LOWER", frozenset({"it", "that"})),
    ]
    assert [attr for attr, need in needs if not isinstance(need, frozenset)] == ["LOWER"]
    assert pattern_requirements([{"POS": {"NOT_IN": ["VERB"]}}, {"OP": "?"}]) == ()
    assert pattern_requirements([{"DEP": "expl"}]) == (("DEP", frozenset({"expl"})),)


def test_only_the_patterns_that_may_match_run(nlp):
    gated = GatedMatcher(nlp.vocab)
    for key, patterns in PATTERNS.items():
        gated.add(key, patterns)
    assert gated._possible(nlp("Let me look into it.")) == (2,)  # "look" only
    assert gated._possible(nlp("Umm, look into it.")) == (1, 2)
    assert gated._possible(nlp("Nothing here.")) == ()


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


PATTERNS = {
    "fix": [[{"LOWER": "i"}, {"LOWER": {"IN": ["'ll", "will"]}}, {"LOWER": {"IN": ["fix", "check"]}}]],
    "um": [[{"LOWER": {"REGEX": "^u+m+$"}}]],
    "look": [[{"LOWER": "look"}, {"OP": "?"}, {"ORTH": "into"}]],
}
TEXTS = [
    "I'll fix it now.",
    "I will check that.",
    "I fix it.",
    "Ummm, right.",
    "Let me look into it.",
    "Let me look right into it.",
    "Look into it.",
    # Two of the three keys can match: a matcher of only their patterns runs, and its
    # matches come in the plain matcher's order.
    "Umm, let me look into it, umm.",
    "Umm, I'll fix it and look into it.",
    "Nothing here.",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_gated_matches_equal_the_matchers(nlp, text):
    plain, gated = Matcher(nlp.vocab), GatedMatcher(nlp.vocab)
    for key, patterns in PATTERNS.items():
        plain.add(key, patterns)
        gated.add(key, patterns)
    doc = nlp(text)
    assert gated(doc) == plain(doc)
    assert gated(doc[:], with_alignments=True) == plain(doc[:], with_alignments=True)
    assert gated.may_match(doc) or not plain(doc)


def test_the_gate_skips_the_matcher_where_nothing_can_match(nlp):
    gated = GatedMatcher(nlp.vocab)
    gated.add("fix", PATTERNS["fix"])
    assert not gated.may_match(nlp("I will look at it."))  # "fix"/"check" missing
    assert gated.may_match(nlp("I will check it."))


def test_a_pattern_without_named_words_runs_the_matcher_always(nlp):
    gated = GatedMatcher(nlp.vocab)
    gated.add("any", [[{"IS_ALPHA": True}]])
    assert gated.may_match(nlp("Anything."))
    assert gated(nlp("Anything.")) == [(nlp.vocab.strings["any"], 0, 1)]


@pytest.mark.slow
def test_the_dimensions_matchers_find_what_plain_matchers_find():
    """Over a varied set of real sentences, every gated matcher of the dimensions returns
    what a plain Matcher with the same patterns returns."""
    from cxnlp.dimensions import completeness, filler, proactive
    from cxnlp.nlp import load_pipeline

    pipeline = load_pipeline()
    words = proactive.default_words()
    specs = {
        "acts": proactive.act_patterns(words),
        "intro": {"intro": proactive._self_intro_patterns()},
        "vocative": {"vocative": proactive._vocative_patterns(words.lexicon)},
        "apology": {"apology": proactive.APOLOGY_PATTERNS},
        "need": completeness._need_patterns(completeness.default_completeness_lexicon()),
        "filler": {
            label: [pattern]
            for label, _, pattern, _ in (
                *filler.filler_word_patterns(),
                *filler.BOILERPLATE_PATTERNS,
                *filler.stock_padding_patterns(filler.default_filler_lexicon()),
            )
        },
    }
    texts = [
        "Hi, my name is Sam and I'll be looking after you today.",
        "I completely understand how frustrating that must be.",
        "I'm so sorry for the inconvenience.",
        "Umm, so, basically, I've applied the credit to your account.",
        "Can you reset my password?",
        "Send me the form, please.",
        "My internet keeps dropping every evening.",
        "Thanks, Maria, I'll call you back tomorrow by five.",
        "Is there anything else I can help you with today?",
        "Bear with me one moment while I check.",
        "It's not my job to chase billing.",
        "Why was I charged twice?",
        "OK.",
        "",
    ]
    for name, patterns in specs.items():
        plain, gated = Matcher(pipeline.vocab), GatedMatcher(pipeline.vocab)
        for key, pats in patterns.items():
            plain.add(key, pats)
            gated.add(key, pats)
        hits = 0
        for doc in pipeline.pipe(texts):
            for span in [doc[:], *doc.sents] if len(doc) else [doc[:]]:
                assert gated(span) == plain(span), (name, span.text)
                hits += bool(plain(span))
        assert hits, name  # the texts exercise every matcher

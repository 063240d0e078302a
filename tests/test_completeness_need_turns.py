"""Answer completeness: which customer sentences are needs across turns (issue #10).

Found on the bundled sample (benchmarks/bench_sample.py): a verification reply that takes two
sentences, a pushback the parser mis-tags, a new question that happens to say "that", and a
yes/no question after a lead-in were each counted wrongly as needs or not needs. The wordings
here are written for these tests (banking, insurance, travel, retail) and are not the sample's.
"""

from __future__ import annotations

import pytest

from cxnlp.dimensions.completeness import AnswerCompleteness
from cxnlp.model import Transcript


@pytest.fixture(scope="module")
def dim(encoder) -> AnswerCompleteness:
    d = AnswerCompleteness()
    d.prepare(encoder)
    return d


def needs_of(dim, parser, turns):
    return dim.find_needs(parser.parse(Transcript.from_pairs("t", turns)))


def need_texts(dim, parser, turns) -> list[str]:
    return [n.text for n in needs_of(dim, parser, turns)]


@pytest.mark.parametrize(
    "reply",
    [
        "Maria Lopez. My policy number is 55120934.",
        "Sure. It's 4471 0932.",
        "Tom Reed. The booking reference is 88213.",
    ],
)
def test_a_detail_given_in_two_sentences_is_no_need(dim, parser, reply):
    turns = [
        ("customer", "My claim for the broken windscreen was turned down. Why was it refused?"),
        ("agent", "I'm sorry to hear that. Could I have your name and policy number?"),
        ("customer", reply),
        ("agent", "It was refused because the photos were missing; I've reopened it today."),
    ]
    texts = need_texts(dim, parser, turns)
    assert len(texts) == 1 and "refused" in texts[0]


def test_a_problem_told_after_the_detail_is_still_a_need(dim, parser):
    turns = [
        ("customer", "Hi, I have a question about my card."),
        ("agent", "Of course. What's the card number?"),
        ("customer", "It's 4471 0932. The card was declined 3 times at the shop."),
        ("agent", "I've lifted the block, so it will work again now."),
    ]
    assert any("declined" in t for t in need_texts(dim, parser, turns))


@pytest.mark.parametrize(
    "pushback",
    ["Sorry, that doesn't answer my question.", "That isn't what I asked."],
)
def test_a_pushback_on_the_last_reply_is_no_new_need(dim, parser, pushback):
    turns = [
        ("customer", "Can I take my bike on the overnight train?"),
        ("agent", "Our trains run every day of the week."),
        ("customer", pushback),
        ("agent", "Yes, bikes travel free in the guard's van if you reserve a space."),
    ]
    assert len(needs_of(dim, parser, turns)) == 1


def test_a_new_question_that_says_that_is_no_pushback(dim, parser):
    turns = [
        ("customer", "Where is my refund for the returned kettle?"),
        ("agent", "It was sent to your card on Monday and arrives within 3 days."),
        ("customer", "Also, is that the full amount I paid?"),
        ("agent", "Yes, all 45 dollars, delivery included."),
    ]
    texts = need_texts(dim, parser, turns)
    assert len(texts) == 2 and "full amount" in texts[1]


@pytest.mark.parametrize(
    "ask",
    [
        "And also, do I need the original box?",
        "Another question: do I need the original box?",
        "While I'm here, do I need the original box?",
    ],
)
def test_a_yes_no_question_after_a_lead_in_is_a_question(dim, parser, ask):
    turns = [
        ("customer", "I'd like to return the blender I bought last week."),
        ("agent", "I've emailed you a prepaid return label for it."),
        ("customer", ask),
        ("agent", "No, any sturdy box will do."),
    ]
    needs = needs_of(dim, parser, turns)
    assert needs[-1].kind == "question"

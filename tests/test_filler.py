"""Filler content: the word-level patterns, and directional tests on small realistic calls."""

from __future__ import annotations

import math

import pytest

from cxnlp.dimensions.filler import FillerContent, count_words, filler_words
from cxnlp.model import Transcript

#: Clean, informative calls: (customer turn, agent turn).
CLEAN_CALLS = {
    "broadband": (
        "My broadband has been cutting out every night since Monday.",
        "I'm sorry about the disruption. Could you confirm the postcode on the account? "
        "I can see a fault on the line at your street cabinet. An engineer will repair it "
        "on Thursday morning, and I've credited ten pounds to your account.",
    ),
    "billing": (
        "Why is my mobile bill forty pounds higher than usual?",
        "Let me check the charges for you. The extra forty pounds is roaming from your trip "
        "to Canada. Your plan didn't include Canada, so each day was charged at ten pounds. "
        "I've added the travel bundle for next time, which costs five pounds a day.",
    ),
    "returns": (
        "The blender I bought last week arrived with a cracked jug.",
        "I'm sorry it arrived damaged. Which email address did you order with? I've arranged "
        "a free collection for Wednesday and a replacement will be sent out today. You don't "
        "need the original packaging for the courier.",
    ),
}

INSERTS = {
    "filler_words": lambda text: text.replace(". ", ". Um, so, like, ").replace(
        " I've", " I've, you know, basically"
    ),
    "small_talk": lambda text: (
        "Gosh, what a gloomy grey morning it is out there, "
        "I nearly stayed in bed. " + text + " By the way, are you off anywhere nice this summer?"
    ),
    "repetition": lambda text: text + " " + text.split(". ")[-1],
}


def parsed_call(parser, customer: str, agent: str, **metadata):
    return parser.parse(Transcript.from_pairs("t", [("customer", customer), ("agent", agent)], **metadata))


@pytest.fixture(scope="module")
def filler(encoder) -> FillerContent:
    dim = FillerContent()
    dim.prepare(encoder)
    return dim


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Um, your bill is, like, thirty pounds.", ["Um", "like"]),
        ("Would you like a paper copy of the bill?", []),
        ("I'd like to check one more thing.", []),
        ("We do have a plan like this one.", []),
        ("The repair takes like three days.", ["like"]),
        ("The router is, you know, quite old.", ["you", "know"]),
        ("Do you know your account number?", []),
        ("I'll let you know when it ships.", []),
        ("I mean, the modem should reset itself.", ["I", "mean"]),
        ("I mean the invoice from March.", []),
        ("The signal is kind of weak in your area.", ["kind", "of"]),
        ("What kind of phone do you have?", []),
        ("That sort of fault is rare.", []),
        (
            "Basically the parcel is actually at the depot, honestly.",
            ["Basically", "actually", "honestly"],
        ),
        ("Uh, hmm, erm, one second.", ["Uh", "hmm", "erm"]),
        ("Like, I can't find the order.", ["Like"]),
        ("I kinda see what went wrong.", ["kinda"]),
        ("To be honest, the fee is fair.", ["To", "be", "honest"]),
    ],
)
def test_filler_word_patterns(parser, text, expected):
    doc = parser.nlp(text)
    assert filler_words(doc[:]) == expected


@pytest.mark.parametrize("case", sorted(CLEAN_CALLS))
def test_clean_informative_call_scores_low(parser, filler, case):
    result = filler.score(parsed_call(parser, *CLEAN_CALLS[case]))
    assert result.score < 5, [e.to_dict() for e in result.evidence]


@pytest.mark.parametrize("kind", sorted(INSERTS))
@pytest.mark.parametrize("case", sorted(CLEAN_CALLS))
def test_inserting_filler_raises_score(parser, filler, case, kind):
    customer, agent = CLEAN_CALLS[case]
    clean = filler.score(parsed_call(parser, customer, agent))
    padded = filler.score(parsed_call(parser, customer, INSERTS[kind](agent)))
    assert padded.score >= clean.score + 5, [e.to_dict() for e in padded.evidence]
    share = f"{kind.removesuffix('s')}_share"
    assert padded.features[share] > clean.features[share]


@pytest.mark.parametrize("case", sorted(CLEAN_CALLS))
def test_customer_name_and_missing_answer_barely_move_filler(parser, filler, case):
    customer, agent = CLEAN_CALLS[case]
    agent = "Um, so, " + agent  # a little filler, outside the answer that gets removed
    base = filler.score(parsed_call(parser, customer, agent)).score
    named = filler.score(
        parsed_call(parser, customer, "Thanks, Priya. " + agent, customer_name="Priya")
    ).score
    sentences = agent.split(". ")
    unanswered = filler.score(parsed_call(parser, customer, ". ".join(sentences[:-1]) + ".")).score
    assert abs(named - base) <= 5
    assert abs(unanswered - base) <= 5


def test_small_talk_about_the_customers_topic_is_not_filler(parser, filler):
    customer = "The thunderstorm last night knocked out my phone line."
    agent = "That thunderstorm was fierce, lightning hit lines all over town. I've booked a repair."
    result = filler.score(parsed_call(parser, customer, agent))
    assert result.features["small_talk_share"] == 0


def test_information_gathering_questions_are_not_filler(parser, filler):
    agent = (
        "What's the serial number on the back of the unit? When did you buy it? "
        "Is the address on the order still correct?"
    )
    result = filler.score(parsed_call(parser, "My speaker won't charge.", agent))
    assert result.score == 0


def test_short_repeats_are_allowed(parser, filler):
    agent = "Okay. Let me check the account. Okay. Thank you. The refund has gone through. Thank you."
    result = filler.score(parsed_call(parser, "Where is my refund?", agent))
    assert result.features["repetition_share"] == 0


def test_evidence_points_at_turn_and_explains_score(parser, filler):
    transcript = Transcript.from_pairs(
        "t",
        [
            ("customer", "My card was declined at checkout."),
            ("agent", "Let me look at the payment."),
            ("customer", "Thanks."),
            ("agent", "Um, the bank declined it, so, like, please call them. Haha."),
        ],
    )
    result = filler.score(parser.parse(transcript))
    assert {e.turn_index for e in result.evidence} == {3}
    assert {e.span for e in result.evidence if e.kind == "filler_word"} == {"Um", "like"}
    assert any(e.kind == "small_talk" and e.sentence == "Haha." for e in result.evidence)
    words = result.features["agent_words"]
    flagged = sum(e.weight for e in result.evidence)
    assert result.score == pytest.approx(100 * flagged / words)
    shares = sum(v for k, v in result.features.items() if k.endswith("_share"))
    assert shares == pytest.approx(result.score)


def test_a_word_flagged_twice_counts_once(parser, filler):
    # "bear with me" doubled is boilerplate and the sentence also resembles padding as a whole.
    agent = "Bear with me, bear with me, bear with me."
    result = filler.score(parsed_call(parser, "Is my order late?", agent))
    assert result.score <= 100
    assert sum(e.weight for e in result.evidence) <= result.features["agent_words"]


@pytest.mark.parametrize(
    "pairs",
    [
        [("customer", "Hello?")],
        [],
        [("customer", "Hi"), ("agent", " ... ")],
    ],
)
def test_no_agent_words_gives_nan(parser, filler, pairs):
    result = filler.score(parser.parse(Transcript.from_pairs("t", pairs)))
    assert math.isnan(result.score)
    assert result.evidence == ()
    assert all(math.isfinite(v) and v == 0.0 for v in result.features.values())


def test_count_words_skips_punctuation(parser):
    assert count_words(parser.nlp("Hi , there ... okay !")) == 3
    assert count_words(parser.nlp("")) == 0


def test_score_before_prepare_says_how_to_fix(parser):
    with pytest.raises(RuntimeError, match="prepare"):
        FillerContent().score(parsed_call(parser, "Hi", "Hello."))


def test_a_deployment_lexicon_adds_its_own_stock_padding(packaged_and_copy, parser):
    """A contact centre's copy of filler_lexicon.yaml with one more stock phrase flags it
    as boilerplate; the packaged lexicon leaves the sentence alone."""
    call = [("customer", "Is my refund done?"), ("agent", "Truth be told, your refund went out today.")]
    parsed = parser.parse(Transcript.from_pairs("p", call))
    packaged, ours = packaged_and_copy(
        FillerContent,
        "filler_lexicon",
        "filler_lexicon.yaml",
        "as a matter of fact]",
        "as a matter of fact, truth be told]",
        lambda dim: dim.score(parsed).features["boilerplate_share"],
    )
    assert packaged == 0.0 and ours > 0.0


def test_filler_words_are_defined_once_for_the_parse_and_the_filler_dimension(parser, monkeypatch):
    """A hesitation added to filler_words.yaml is dropped before meaning is read and
    flagged by the filler dimension: both read the one list (cxnlp.fillers)."""
    import dataclasses

    from cxnlp import fillers, lexicon
    from cxnlp.dimensions.filler import pattern_flags
    from cxnlp.nlp import content_text

    packaged = fillers.filler_vocabulary()
    words = {**packaged.words, "hesitations": packaged.words["hesitations"] | {"hrrm"}}
    edited = dataclasses.replace(packaged, words=words, digest="edited")
    monkeypatch.setitem(lexicon._DEFAULTS, "filler_words.yaml", edited)
    fillers.hesitations.cache_clear()
    fillers.droppable_words.cache_clear()
    try:
        doc = parser.nlp("The refund hrrm went out today.")
        assert content_text(doc[:]) == "The refund went out today."
        assert {doc[i].text for i in pattern_flags(doc[:])} == {"hrrm"}
    finally:
        fillers.hesitations.cache_clear()
        fillers.droppable_words.cache_clear()


# -- purposeful restatements (issue #10): each pattern beside a non-example of the same shape --
def _call(parser, *turns: tuple[str, str]):
    return parser.parse(Transcript.from_pairs("r", list(turns)))


def test_an_announced_recap_is_not_a_repeat(parser, filler):
    before = [
        ("customer", "I want to switch plans."),
        ("agent", "I've cancelled the old plan today."),
        ("customer", "And the new one?"),
        ("agent", "The new plan starts on Monday."),
        ("customer", "Okay."),
    ]
    recap = filler.score(
        _call(parser, *before, ("agent", "So, to sum up: I've cancelled the old plan today."))
    )
    plain = filler.score(_call(parser, *before, ("agent", "Yes, I've cancelled the old plan today.")))
    assert recap.features["repetition_share"] == 0
    assert plain.features["repetition_share"] > 0


def test_reading_back_the_next_detail_is_not_a_repeat(parser, filler):
    before = [("customer", "It's 14 Park Road."), ("agent", "So that's 14 Park Road, correct?")]
    nxt = filler.score(
        _call(
            parser,
            *before,
            ("customer", "Yes. The flat is number 9."),
            ("agent", "So that's flat 9, correct?"),
        )
    )
    again = filler.score(
        _call(parser, *before, ("customer", "Yes."), ("agent", "So that's 14 Park Road, correct?"))
    )
    assert nxt.features["repetition_share"] == 0
    assert again.features["repetition_share"] > 0


def test_a_repeat_the_customer_asked_for_is_an_answer(parser, filler):
    said = "The refund takes five working days to reach your card."
    before = [("customer", "Where's my refund?"), ("agent", said)]
    asked = filler.score(
        _call(parser, *before, ("customer", "Sorry, how long did you say?"), ("agent", said))
    )
    unasked = filler.score(_call(parser, *before, ("customer", "Okay."), ("agent", said)))
    assert asked.features["repetition_share"] == 0
    assert unasked.features["repetition_share"] > 0


def test_a_question_on_another_matter_does_not_excuse_a_repeat(parser, filler):
    """Only a question that asks for it again (or about it) makes a restatement an answer;
    the customer's next, unrelated question does not."""
    said = "Please hold the reset button on the router for ten seconds."
    before = [("customer", "My internet keeps dropping."), ("agent", said)]
    other = filler.score(
        _call(parser, *before, ("customer", "Can I get a reference number?"), ("agent", "Again, " + said))
    )
    again = filler.score(
        _call(parser, *before, ("customer", "Sorry, could you repeat that?"), ("agent", said))
    )
    about = filler.score(
        _call(parser, *before, ("customer", "How long do I hold the reset button for?"), ("agent", said))
    )
    assert other.features["repetition_share"] > 0
    assert again.features["repetition_share"] == 0
    assert about.features["repetition_share"] == 0


def test_a_closing_that_echoes_the_greeting_is_no_repeat(parser, filler):
    """The farewell courtesy in the agent's last turn echoes the greeting by nature; the same
    sentence in the middle of the call is a repeat."""
    greeting = "Hello and welcome to Acme Mobile chat, you're talking to Sam."
    closing = "Thank you for chatting with Acme Mobile today."
    middle = [
        ("customer", "My bill is wrong."),
        ("agent", "I've removed the roaming charge of twelve dollars from your bill."),
        ("customer", "Thanks, that's all."),
    ]
    ritual = filler.score(_call(parser, ("agent", greeting), *middle, ("agent", closing)))
    echoed = filler.score(
        _call(
            parser,
            ("agent", greeting),
            *middle,
            ("agent", "Welcome to Acme Mobile chat, I'm Sam."),
            ("customer", "Bye."),
            ("agent", "Bye."),
        )
    )
    assert ritual.features["repetition_share"] == 0
    assert echoed.features["repetition_share"] > 0


@pytest.mark.parametrize(
    ("said", "content"),
    [
        (
            "The email with everything we basically agreed is on its way.",
            "The email with everything we agreed is on its way.",
        ),
        ("Have a literally lovely day!", "Have a lovely day!"),
        ("It's actually cheaper on the new plan.", "It's cheaper on the new plan."),
        ("It looks like the line is down.", "It looks like the line is down."),
    ],
)
def test_a_hedging_adverb_mid_clause_is_dropped_before_meaning_is_read(parser, said, content):
    """The filler dimension counts "basically" as filler wherever it is an adverb, so the
    content every meaning-based reading embeds leaves it out (a "like" that means
    something stays)."""
    from cxnlp.nlp import content_text

    assert content_text(parser.nlp(said)[:]) == content


def test_the_agents_own_anecdote_on_the_customers_topic_is_small_talk(parser, filler):
    customer = "I'm flying to Rome next week and need roaming on."
    anecdote = filler.score(
        parsed_call(parser, customer, "Rome! I went there on my honeymoon, I loved every minute of it.")
    )
    on_topic = filler.score(
        parsed_call(parser, customer, "Rome is covered by the EU roaming pass on your plan.")
    )
    assert anecdote.score > 90  # the short "Rome!" beside it is part of the chat
    assert on_topic.score == 0


@pytest.mark.parametrize(
    ("customer", "answer"),
    [
        ("Is the bait safe with a cat in the house?", "Yes, it's in locked boxes a cat can't open."),
        (
            "Has a place come up in the baby room yet?",
            "A place opens on the 1st of February, family ahead has until Friday.",
        ),
    ],
)
def test_a_terse_answer_on_a_small_talk_topic_is_not_small_talk(parser, filler, customer, answer):
    """A short answer that takes up the thing the customer asked about (a cat, a family) is
    the answer, however close its topic puts it to the small-talk prototypes; the same
    topic as the agent's own chat, or without the customer's word, is still small talk."""
    chat_about_me = "My cat knocked my coffee over this morning."
    assert filler.score(parsed_call(parser, customer, answer)).features["small_talk_share"] == 0
    assert filler.score(parsed_call(parser, customer, chat_about_me)).features["small_talk_share"] > 0
    after_verification = filler.score(
        _call(
            parser,
            ("customer", customer),
            ("agent", "Can I take your surname?"),
            ("customer", "It's Marsh."),
            ("agent", answer),
        )
    )
    assert after_verification.features["small_talk_share"] == 0
    unrelated = filler.score(
        parsed_call(parser, "My bill is wrong.", "Did you catch the football game last night?")
    )
    assert unrelated.features["small_talk_share"] > 0


def test_small_talk_sentences_are_shared_with_proactive_connection(parser, filler):
    parsed = parsed_call(
        parser, "My bill is wrong.", "Lovely sunny morning out there, isn't it? I've corrected the bill."
    )
    chat = filler.small_talk_sentences(parsed)
    agent = parsed.agent_sentences
    assert agent[0].index in chat and agent[-1].index not in chat


def test_sentence_kinds_are_read_once_per_transcript_and_configuration(parser, filler, encoder, monkeypatch):
    """Proactive connection's own FillerContent reuses the kinds the filler dimension read
    for the same transcript; another configuration or transcript reads its own."""
    parsed = parsed_call(
        parser, "My bill is wrong.", "Lovely sunny morning out there, isn't it? I've corrected the bill."
    )
    other = parsed_call(parser, "My bill is wrong.", "I've corrected the bill.")
    twin = FillerContent()
    twin.prepare(encoder)
    stricter = FillerContent(small_talk_threshold=0.99)
    stricter.prepare(encoder)
    calls = []
    original = FillerContent._sentence_kinds

    def counting(self, p):
        calls.append((self, p))
        return original(self, p)

    monkeypatch.setattr(FillerContent, "_sentence_kinds", counting)
    first = filler.sentence_kinds(parsed)
    assert twin.sentence_kinds(parsed) is first and len(calls) == 1
    assert stricter.sentence_kinds(parsed) != first and len(calls) == 2
    assert twin.sentence_kinds(other) == original(twin, other) and len(calls) == 3
    assert filler.sentence_kinds(parsed) == first


@pytest.mark.parametrize(
    ("agent", "restarted", "fluent"),
    [
        (
            "The lab, the lab signed them off this morning.",
            {"The lab"},
            "The lab signed them off this morning.",
        ),
        (
            "So they'll be, um, they'll be in your portal by five.",
            {"they'll be"},
            "So they'll be, um, in your portal by five.",
        ),
        ("I've I've refunded the second payment.", {"I've"}, "I've refunded the second payment."),
        ("ive got ive got an engineer on the way", {"I've got"}, "ive got an engineer on the way"),
    ],
)
def test_the_first_copy_of_a_false_start_is_filler(parser, filler, agent, restarted, fluent):
    result = filler.score(parsed_call(parser, "Where is my refund?", agent))
    assert {e.span for e in result.evidence if e.kind == "repetition"} == restarted
    assert result.score > filler.score(parsed_call(parser, "Where is my refund?", fluent)).score


@pytest.mark.parametrize(
    "agent",
    [
        "Your reference is two two four seven.",
        "I know that that's frustrating.",
        "It had had a new battery fitted before.",
        "The code is A A B four oh oh one.",
        "That's very very kind of you.",
    ],
)
def test_numbers_and_intended_doubles_are_no_false_start(parser, filler, agent):
    result = filler.score(parsed_call(parser, "What's my reference?", agent))
    assert not [e for e in result.evidence if e.kind == "repetition"]


@pytest.mark.parametrize(
    "agent",
    [
        "Have a fantastic holiday, and message us any time before you fly if you need anything.",
        "Would you like to hear about our spring sale before you go?",
    ],
)
def test_a_sign_off_or_offer_that_names_a_holiday_is_not_small_talk(parser, filler, agent):
    """A sign-off that invites the customer back, an offer before they go: the holiday or
    sale puts the sentence near the small-talk prototypes by topic, but it serves the
    customer (purposeful prototypes about plans and dates); the agent's own chat about
    a holiday still counts."""
    customer = "That's everything, thanks."
    assert filler.score(parsed_call(parser, customer, agent)).features["small_talk_share"] == 0
    own_chat = "I'm off on holiday next week myself, I can't wait."
    assert filler.score(parsed_call(parser, customer, own_chat)).features["small_talk_share"] > 0

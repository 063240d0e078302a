"""Proactive connection: act detection, name handling and directional comparisons.

Test sentences are worded differently from the module's prototypes, so passing shows
detection by meaning (or by the general patterns), not by copy.
"""

from __future__ import annotations

import math

import pytest

from cxnlp.dimensions.proactive import (
    CATEGORIES,
    DEFAULT_WEIGHTS,
    ProactiveConnection,
    default_proactive_lexicon,
)
from cxnlp.model import Transcript

TOLERANCE = 5.0


@pytest.fixture(scope="module")
def dim(encoder) -> ProactiveConnection:
    d = ProactiveConnection()
    d.prepare(encoder)
    return d


def acts_of(dim, parser, agent_text: str, customer_text: str = "I have a question.") -> set:
    parsed = parser.parse(Transcript.from_pairs("a", [("customer", customer_text), ("agent", agent_text)]))
    return {a.category for a in dim.find_acts(parsed)}


# -- single sentences ---------------------------------------------------------------------
ACT_TABLE = [
    ("Ah, I'm really sorry you've had to deal with this twice.", "empathy"),
    ("I can only imagine how stressful a week without heating has been.", "empathy"),
    ("Apologies for keeping you on hold so long.", "empathy"),
    ("I'll personally chase the courier this afternoon.", "ownership"),
    ("Let me fix that billing error for you straight away.", "ownership"),
    ("I have already raised a priority ticket with our network team.", "ownership"),
    # Telegraphic speech drops the "I've" but not the action.
    ("Reserved a bike space on the 09:10 in coach A.", "ownership"),
    ("Sent a verification link to that email.", "ownership"),
    ("You should get a text with the engineer's name the day before.", "next_steps"),
    ("The credit will show on your account within 2 billing days.", "next_steps"),
    ("it'll be back with you within one working day", "next_steps"),
    ("you'll get the refund within three days", "next_steps"),
    ("Our driver will collect the old fridge on Wednesday.", "next_steps"),
    ("To keep this from happening again, turn on low-balance alerts.", "anticipation"),
    ("As your contract ends soon, you might want to look at our loyalty plans.", "anticipation"),
    ("Next time the router does this, a quick restart from the app usually fixes it.", "anticipation"),
    # A condition on a recurrence, written or as a recogniser writes it.
    ("If it happens again, just restart the router from the app.", "anticipation"),
    ("If the leak comes back, just let us know.", "anticipation"),
    ("if a charger ever won't start again the start button in the app works", "anticipation"),
    ("Is there anything else on your mind today?", "offer_more"),
    ("If anything else crops up, you know where to find us.", "offer_more"),
    ("Could I assist with any other questions?", "offer_more"),
]


@pytest.mark.parametrize(("sentence", "expected"), ACT_TABLE)
def test_act_detected(dim, parser, sentence, expected):
    assert expected in acts_of(dim, parser, sentence)


# Version 3 of the lexicon: anticipation said as a conditional offer, a contingency with what
# to do, a tip for later or harm headed off; next steps as a message the agent will send (also
# as a recogniser writes "I'll" without its apostrophe); empathy that normalises a feeling.
# Worded apart from the tuning calls and the prototypes.
LOOK_AHEAD_TABLE = [
    ("If you'd prefer a paper copy, I can post one out today.", "anticipation"),
    ("I can switch on paperless billing as well if you'd like.", "anticipation"),
    ("if you want ill add the matching case to the same order", "anticipation"),
    ("Would you like me to renew the parking permit at the same time?", "anticipation"),
    ("If the screen flickers after the update, give us a call and we'll swap the unit.", "anticipation"),
    ("if the patch doesn't hold just ring us on the usual number", "anticipation"),
    ("If the courier hasn't come by noon, I'll book a second driver myself.", "anticipation"),
    ("Keep the old charger in case the new one is faulty.", "anticipation"),
    ("I'd recommend charging it fully before the first ride.", "anticipation"),
    ("When you pick up the keys, ask the desk for a parking permit.", "anticipation"),
    ("Most cyclists also buy a spare inner tube with this tyre.", "anticipation"),
    ("I've moved the appointment so you won't have to take another day off.", "anticipation"),
    ("Your landlord might want to see the certificate, so keep a copy.", "anticipation"),
    ("It'd be worth checking the loft hatch while the engineer is there.", "anticipation"),
    ("ill text you the tracking link tonight", "next_steps"),
    ("ill text you the tracking link tonight", "ownership"),
    ("We'll email you the signed contract.", "next_steps"),
    ("I can see why a bill that size would be worrying.", "empathy"),
    ("It's completely normal to feel anxious before a first flight.", "empathy"),
    ("Plenty of our members feel the same way at the start.", "empathy"),
    ("I hope your knee heals quickly.", "empathy"),
]


@pytest.mark.parametrize(("sentence", "expected"), LOOK_AHEAD_TABLE)
def test_look_ahead_act_detected(dim, parser, sentence, expected):
    assert expected in acts_of(dim, parser, sentence)


@pytest.mark.parametrize(
    ("sentence", "absent"),
    [
        # A condition that is a request or asks consent looks ahead at nothing.
        ("If you could confirm your postcode, I'll pull up the account.", "anticipation"),
        ("If that's okay, I'll put you on hold for a moment.", "anticipation"),
        ("If you've got a letter then you owe it.", "anticipation"),
        ("If you don't tell us before you travel, the card gets blocked.", "anticipation"),
        ("You can complain if you like, the decision won't be reviewed.", "anticipation"),
        # A hold after a condition looks ahead at nothing ("let us know" does, below).
        ("If you hold on, let me check that for you.", "anticipation"),
        ("If you give me a second, let me pull up your account.", "anticipation"),
        # What most people think is no tip for this customer; a value is no advice.
        ("Most people find the boxes are good value anyway.", "anticipation"),
        ("Your pension pot is worth about forty thousand pounds.", "anticipation"),
        # An empty promise or a generic one tells the customer nothing to expect.
        ("I'll pass that on to the team.", "next_steps"),
        ("Someone will be in touch.", "next_steps"),
        ("We'll text you at some point.", "next_steps"),
        # The adjective "ill" is no "I'll".
        ("Sorry to hear your mum has been ill, that must be hard.", "ownership"),
        ("I know the terms, the fee stands.", "empathy"),
    ],
)
def test_look_ahead_act_not_detected(dim, parser, sentence, absent):
    assert absent not in acts_of(dim, parser, sentence)


@pytest.mark.parametrize(
    ("sentence", "absent"),
    [
        ("I will not be able to help with that.", "ownership"),
        ("I can't change the price of the contract.", "ownership"),
        ("I'll need your postcode first.", "ownership"),
        # A subjectless past verb with no object, or a passive, is not the agent's action.
        ("Went to the bank account ending 4471 this morning.", "ownership"),
        ("Approved on 3 November.", "ownership"),
        # "Again" in an instruction for now, or in a request to repeat, looks ahead at nothing.
        ("If you try again now, it should work.", "anticipation"),
        ("If you could read me the code again, please.", "anticipation"),
        ("Your current balance is 32 pounds.", None),
        # A number before a singular unit modifies a noun ("30-day"), written or spoken.
        ("That order is within the thirty day return window.", "next_steps"),
        ("You're within the 14 day refund window.", "next_steps"),
        ("What is the serial number on the back of the unit?", None),
        ("Hi, my name is Daniel, how can I help you today?", "offer_more"),
        ("Hi, my name is Daniel, how can I help you today?", "name"),
    ],
)
def test_act_not_detected(dim, parser, sentence, absent):
    found = acts_of(dim, parser, sentence)
    if absent is None:
        assert found == set()
    else:
        assert absent not in found


def test_a_deployment_lexicon_adds_its_own_words(packaged_and_copy, parser):
    """A contact centre's copy of proactive_lexicon.yaml with one more empathy adjective
    finds empathy by pattern where the packaged lexicon finds none."""
    call = [("customer", "The router reset again."), ("agent", "That sounds maddening.")]
    parsed = parser.parse(Transcript.from_pairs("m", call))
    packaged, ours = packaged_and_copy(
        ProactiveConnection,
        "proactive_lexicon",
        "proactive_lexicon.yaml",
        "wracking, understandable]",
        "wracking, understandable, maddening]",
        lambda dim: {(a.category, a.how) for a in dim.find_acts(parsed)},
    )
    assert ("empathy", "pattern") not in packaged and ("empathy", "pattern") in ours


def test_next_steps_read_the_time_words_of_the_reply_lexicon(packaged_and_copy, parser):
    """One list says what a duration is: a unit added to reply_functions.yaml's
    duration_units is a next step's unit too ("within 2 fortnights")."""
    call = [("customer", "When?"), ("agent", "It should be there within 2 fortnights.")]
    parsed = parser.parse(Transcript.from_pairs("f", call))
    packaged, ours = packaged_and_copy(
        ProactiveConnection,
        "reply_lexicon",
        "reply_functions.yaml",
        "\nduration_units: [",
        "\nduration_units: [fortnights, ",
        lambda dim: {(a.category, a.how, a.span) for a in dim.find_acts(parsed)},
    )
    assert ("next_steps", "pattern", "within 2 fortnights") in ours
    assert not any(span == "within 2 fortnights" for _, _, span in packaged)


def test_test_wordings_are_not_prototypes():
    protos = {p for group in default_proactive_lexicon().labelled["act_prototypes"].values() for p in group}
    sentences = [row[0] for row in ACT_TABLE]
    assert not protos.intersection(sentences)


# -- names --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pairs", "metadata", "uses"),
    [
        # name from metadata
        (
            [("customer", "My order is late."), ("agent", "Thanks for waiting, Nadia.")],
            {"customer_name": "Nadia Haddad"},
            1,
        ),
        # name from the customer's self-introduction
        (
            [
                ("customer", "Hi, this is Marcus Reed, my order is late."),
                ("agent", "Marcus, I've found your order. It ships today, Marcus."),
            ],
            {},
            2,
        ),
        # vocative without any known name
        ([("customer", "My order is late."), ("agent", "Thank you, Leonie. It ships today.")], {}, 1),
        ([("customer", "My order is late."), ("agent", "Mr. Okafor, it ships today.")], {}, 1),
        # the agent's own name is not the customer's
        (
            [
                ("customer", "My order is late."),
                ("agent", "My name is Daniel. Daniel here from the dispatch team. It ships today."),
            ],
            {},
            0,
        ),
        ([("customer", "Hello, I'm Ruth."), ("agent", "Hi, this is Kevin speaking. It ships today.")], {}, 0),
    ],
)
def test_name_uses(dim, parser, pairs, metadata, uses):
    parsed = parser.parse(Transcript.from_pairs("n", pairs, **metadata))
    result = dim.score(parsed)
    assert result.features["name_uses"] == uses


# -- whole calls ------------------------------------------------------------------------
BASE_CALLS = {
    "outage": [
        ("customer", "My broadband keeps cutting out and I work from home. When will it be fixed?"),
        (
            "agent",
            "That's a real pain when you're working. A cable fault in your street is "
            "being repaired and the service will be back by 5 pm today.",
        ),
        ("customer", "Okay, thanks."),
        ("agent", "You're welcome, goodbye."),
    ],
    "billing": [
        ("customer", "Why is my bill higher this month?"),
        ("agent", "Your introductory discount ended in May, so the price went up by 8 dollars."),
        ("customer", "Can I get a cheaper plan?"),
        ("agent", "Yes, the Basic plan is 12 dollars less and keeps your current speed."),
    ],
    "returns": [
        ("customer", "The blender I bought arrived with a cracked jug."),
        (
            "agent",
            "I'm sorry it arrived like that. I'll send a new jug by courier, and it "
            "will arrive within 3 working days.",
        ),
    ],
}

OFFER = "Is there anything more I can sort out for you while you're on the line?"
FILLER = "Um, so, yeah, basically, like, let me just, you know, pull that up here."


def with_agent_suffix(pairs, suffix):
    last = max(i for i, (s, _) in enumerate(pairs) if s == "agent")
    out = list(pairs)
    out[last] = ("agent", f"{pairs[last][1]} {suffix}")
    return out


def with_agent_prefix(pairs, prefix):
    return [(s, f"{prefix} {t}" if s == "agent" else t) for s, t in pairs]


def score_of(dim, parser, pairs, **metadata):
    return dim.score(parser.parse(Transcript.from_pairs("c", pairs, **metadata)))


@pytest.mark.parametrize("call", list(BASE_CALLS))
def test_offer_of_further_help_raises(dim, parser, call):
    base = score_of(dim, parser, BASE_CALLS[call])
    more = score_of(dim, parser, with_agent_suffix(BASE_CALLS[call], OFFER))
    assert more.score > base.score
    assert more.features["offer_more"] == base.features["offer_more"] + 1


@pytest.mark.parametrize("call", list(BASE_CALLS))
def test_customer_name_raises(dim, parser, call):
    base = score_of(dim, parser, BASE_CALLS[call], customer_name="Jamal Osei")
    named = score_of(
        dim,
        parser,
        with_agent_prefix(BASE_CALLS[call], "Thanks, Jamal."),
        customer_name="Jamal Osei",
    )
    assert named.score > base.score
    assert named.features["name_uses"] > base.features["name_uses"]


@pytest.mark.parametrize("category", CATEGORIES[1:])
def test_each_category_alone(dim, parser, category):
    sentence = {
        "empathy": "I'm so sorry, that sounds like a miserable evening.",
        "ownership": "I'll sort the replacement out for you myself.",
        "next_steps": "You'll receive a tracking email within 48 hours.",
        "anticipation": "To avoid late fees in future, you could switch on direct debit.",
        "offer_more": "Anything else you'd like me to look at?",
    }[category]
    result = score_of(dim, parser, [("customer", "Hello."), ("agent", sentence)])
    assert result.features[{"name": "name_uses"}.get(category, category)] >= 1
    assert result.score >= DEFAULT_WEIGHTS[category] * (1 - dim.saturation) - 1e-9


def test_name_alone(dim, parser):
    result = score_of(
        dim,
        parser,
        [("customer", "Hello."), ("agent", "Good to hear from you, Olga.")],
        customer_name="Olga",
    )
    assert result.features["name_uses"] == 1
    assert result.score == pytest.approx(DEFAULT_WEIGHTS["name"] * (1 - dim.saturation))


@pytest.mark.parametrize("call", list(BASE_CALLS))
def test_filler_barely_moves_it(dim, parser, call):
    base = score_of(dim, parser, BASE_CALLS[call]).score
    filled = score_of(dim, parser, with_agent_prefix(BASE_CALLS[call], FILLER)).score
    assert abs(filled - base) <= TOLERANCE


def test_removing_an_answer_barely_moves_it(dim, parser):
    pairs = BASE_CALLS["billing"]
    base = score_of(dim, parser, pairs).score
    without = score_of(dim, parser, pairs[:3] + [("agent", "Okay.")]).score
    assert abs(without - base) <= TOLERANCE


def test_repeats_saturate(dim, parser):
    once = score_of(dim, parser, [("customer", "Hi."), ("agent", "I'm sorry about that.")])
    thrice = score_of(
        dim,
        parser,
        [
            ("customer", "Hi."),
            ("agent", "I'm sorry about that. I do apologise. Sorry again for the trouble."),
        ],
    )
    gain_first = once.score
    gain_repeats = thrice.score - once.score
    assert thrice.features["empathy"] == 3
    assert 0 < gain_repeats < gain_first


# -- degenerate input, evidence, features, parameters ------------------------------------
@pytest.mark.parametrize(
    "pairs", [[("customer", "Hello? Anyone there?")], [("customer", "Hi"), ("agent", "  ")]]
)
def test_no_agent_speech_is_nan(dim, parser, pairs):
    result = score_of(dim, parser, pairs)
    assert math.isnan(result.score)
    assert all(math.isfinite(v) for v in result.features.values())


@pytest.mark.parametrize("call", list(BASE_CALLS))
def test_evidence_explains_score(dim, parser, call):
    pairs = with_agent_suffix(with_agent_prefix(BASE_CALLS[call], "Thanks, Jamal."), OFFER)
    result = score_of(dim, parser, pairs, customer_name="Jamal")
    assert sum(e.weight for e in result.evidence) == pytest.approx(result.score)
    counts = {c: sum(e.kind == c for e in result.evidence) for c in CATEGORIES}
    assert result.features["name_uses"] == counts["name"]
    for c in CATEGORIES[1:]:
        assert result.features[c] == counts[c]
    present = sum(v > 0 for v in counts.values())
    assert result.features["acts_coverage"] == pytest.approx(present / len(CATEGORIES))
    offer = [e for e in result.evidence if e.kind == "offer_more"][-1]
    assert offer.sentence == OFFER
    assert offer.turn_index == max(i for i, (s, _) in enumerate(pairs) if s == "agent")


def test_custom_weights(encoder, parser):
    d = ProactiveConnection(weights={"offer_more": 1.0})
    d.prepare(encoder)
    pairs = [("customer", "Hi."), ("agent", f"I'm sorry about that. {OFFER}")]
    result = d.score(parser.parse(Transcript.from_pairs("w", pairs)))
    assert result.score == pytest.approx(100 * (1 - d.saturation))
    assert d.get_params()["weights"] == {"offer_more": 1.0}


@pytest.mark.parametrize(
    "weights", [{"charm": 10.0}, {"empathy": -1.0}, {"empathy": 0.0}, {"name": float("nan")}]
)
def test_bad_weights_raise(parser, encoder, weights):
    d = ProactiveConnection(weights=weights)
    d.prepare(encoder)
    with pytest.raises(ValueError, match="expected"):
        d.score(parser.parse(Transcript.from_pairs("w", [("agent", "Hello.")])))


# -- apologies (a calibration feature; it does not move the score) -----------------------


@pytest.mark.parametrize(
    ("sentence", "apologises"),
    [
        ("Sorry for the long wait on the line.", True),
        ("We do apologise for the mix-up with your order.", True),
        ("Please accept our apologies for the delay.", True),
        ("I apologize, that was our mistake.", True),
        ("Your refund is already on its way.", False),
        ("Let me look at your account now.", False),
        ("", False),
    ],
)
def test_apology_detection(parser, sentence, apologises):
    from cxnlp.dimensions.proactive import is_apology

    assert is_apology(parser.nlp(sentence)[:]) is apologises


def test_apologies_counted_per_agent_sentence(dim, parser):
    def run(agent_text: str):
        return dim.score(
            parser.parse(
                Transcript.from_pairs("p", [("customer", "My parcel is late."), ("agent", agent_text)])
            )
        )

    plain = run("The parcel will arrive on Friday.")
    sorry = run("Sorry about that. The parcel will arrive on Friday. We apologise again.")
    assert plain.features["apologies"] == 0.0
    assert sorry.features["apologies"] == 2.0


def _acts_in(dim, parser, turns) -> set:
    parsed = parser.parse(Transcript.from_pairs("o", turns))
    return {(a.category, a.sentence.text) for a in dim.find_acts(parsed)}


def test_the_opening_how_can_i_help_is_no_offer_of_further_help(dim, parser):
    opening = "How can I help you today?"
    acts = _acts_in(
        dim,
        parser,
        [
            ("agent", f"Thanks for calling Acme. {opening}"),
            ("customer", "My bill is wrong."),
            ("agent", "I've corrected it."),
        ],
    )
    assert ("offer_more", opening) not in acts
    closing = "Is there anything I can help you with?"
    acts = _acts_in(
        dim,
        parser,
        [
            ("agent", "Thanks for calling Acme."),
            ("customer", "My bill is wrong."),
            ("agent", f"I've corrected it. {closing}"),
        ],
    )
    assert ("offer_more", closing) in acts


def test_thanks_for_patience_is_courtesy_not_empathy(dim, parser):
    assert "empathy" not in acts_of(dim, parser, "Thank you for your patience today.")
    assert "empathy" in acts_of(dim, parser, "I'm so sorry, that sounds really stressful.")


def test_a_promise_hedge_added_to_the_lexicon_empties_the_promise(packaged_and_copy, parser):
    """The patterns' word lists are data: a contact centre's copy of proactive_lexicon.yaml
    with one more promise hedge ("supposedly") makes a call-back promise empty, so it is no
    next step; the packaged lexicon reads it as one."""
    call = [("customer", "When will I hear back?"), ("agent", "Someone will supposedly call you back.")]
    parsed = parser.parse(Transcript.from_pairs("h", call))
    packaged, ours = packaged_and_copy(
        ProactiveConnection,
        "proactive_lexicon",
        "proactive_lexicon.yaml",
        "promise_hedges: [",
        "promise_hedges: [supposedly, ",
        lambda dim: {a.category for a in dim.find_acts(parsed)},
    )
    assert "next_steps" in packaged and "next_steps" not in ours

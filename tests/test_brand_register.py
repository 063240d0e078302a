"""Register cues of off-brand speech: each cue on the form it names, and not on plain look-alikes."""

from __future__ import annotations

import pytest

from cxnlp.dimensions.brand import LEXICON
from cxnlp.dimensions.brand_register import CUES, RegisterWords, register_cues
from cxnlp.lexicon import default_lexicon


@pytest.fixture(scope="module")
def nlp():
    from cxnlp.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="module")
def words() -> RegisterWords:
    return RegisterWords.from_lexicon(default_lexicon(LEXICON))


def kinds(nlp, words, text: str) -> list[str]:
    doc = nlp(text)
    span = next(iter(doc.sents), doc[:])
    return [cue.kind for cue in register_cues(span, words)]


#: (sentence, the cue it must show), one or more per cue kind.
CUE_EXAMPLES = [
    ("ok so ur order is gonna be late tbh", "text_speak"),
    ("Haha, the app does that sometimes.", "text_speak"),
    ("I TOLD you the parcel went out on Monday.", "shouting"),
    ("The discount does NOT apply to sale items.", "shouting"),
    ("It's on the second page!!", "shouting"),
    ("Look, the rules are the same for every customer.", "reprimand"),
    ("Listen, there's a queue behind you.", "reprimand"),
    ("Relax, the money will come back.", "reprimand"),
    ("If you had locked the bike it would be covered.", "blame"),
    ("You must have deleted the email by mistake.", "blame"),
    ("Won't be possible before Friday.", "curt_refusal"),
    ("Didn't read the small print, did you?", "rhetorical_tag"),
    ("Leaving it a bit late, aren't you?", "rhetorical_tag"),
    # Version 3: said politely, still off brand.
    ("As I already explained, the form is on the website.", "reproach"),
    ("I've told you three times, the shop is closed.", "reproach"),
    ("Like I said, the refund takes five days.", "reproach"),
    ("The parcel came back since you never collected it.", "blame"),
    ("The payment bounced because you didn't keep enough money in the account.", "blame"),
    ("Could've checked the app, it's all there.", "blame"),
    ("Patience.", "curt_command"),
    ("Are you going to give me the number or not?", "ultimatum"),
    ("Anything else or are we done?", "ultimatum"),
    ("Okay, listen carefully, I'm only saying this once.", "reprimand"),
    # Version 4: manner with no rude word in it.
    ("Fine.", "curt_reply"),
    ("K, got it.", "curt_reply"),
    ("Cool, cheers, bye, Hamza.", "curt_reply"),
    ("Account number?", "curt_reply"),
    ("Name and account number, go.", "curt_reply"),
    ("claim number go", "curt_reply"),
    ("Wait.", "curt_reply"),
    ("what do you need", "curt_reply"),
    ("Ugh, ok, um, one sec.", "annoyance"),
    ("Whatever, I'll have a look.", "annoyance"),
    ("Did you even check?", "talking_down"),
    ("I'm sure even you can manage to restart a router.", "talking_down"),
    ("Sweetheart, that's not how banking works.", "talking_down"),
    ("You'll get it when you get it.", "tautology"),
    ("It'll turn up when it turns up.", "tautology"),
    ("Oh brilliant, so you want the refund and the discount as well.", "sarcasm"),
    ("oh great another password reset", "sarcasm"),
    ("No idea, sorry.", "curt_refusal"),
    ("Not my circus, the courier handles that.", "curt_refusal"),
    ("Well, if you'd read the email, you'd know the date changed.", "blame"),
    ("Can we hurry this up, I have other customers waiting.", "reprimand"),
    ("Need anything else, or is that it?", "ultimatum"),
    ("Hey, what's up?", "text_speak"),
    # Version 5: blame, condescension, exasperation and brush-offs said politely.
    ("You could have just rung us first.", "blame"),
    ("Had you checked the booking, you'd have seen it.", "blame"),
    ("Well, that's what happens when the bill isn't paid on time.", "blame"),
    ("That's what you get for skipping the small print.", "blame"),
    ("It's your own fault the card was blocked.", "blame"),
    ("The error was on your side, not ours.", "blame"),
    ("Nobody forced you to buy the bundle.", "blame"),
    ("You booked the wrong flight, so the fare stands.", "blame"),
    ("As I said, the form is on the website.", "reproach"),
    ("As previously explained, the fee stands.", "reproach"),
    ("Per my last email, the claim is closed.", "reproach"),
    ("It's not complicated, you just press the button.", "condescension"),
    ("Obviously you need to top it up first.", "condescension"),
    ("It's easy if you actually read the letter.", "condescension"),
    ("It's not rocket science.", "condescension"),
    ("Try to keep up.", "condescension"),
    ("How many times do I need to explain it?", "exasperation"),
    ("For the last time, the store is closed.", "exasperation"),
    ("We've been over this.", "exasperation"),
    ("I don't know what else you want me to say.", "exasperation"),
    ("That's the fourth time you've asked me.", "exasperation"),
    ("I did mention this earlier.", "exasperation"),
    ("Honestly, that's not really our problem.", "brush_off"),
    ("There's nothing more to discuss.", "brush_off"),
    ("Calling again won't change anything.", "brush_off"),
    ("Yeah, no, that's not happening.", "brush_off"),
    ("It is what it is.", "tautology"),
    ("Rules are rules.", "tautology"),
    ("No offence, but the form was wrong.", "pointed_opener"),
    ("With all due respect, that's not the contract.", "pointed_opener"),
    ("Thanks for finally calling back.", "sarcasm"),
    ("Not possible.", "curt_refusal"),
    ("Done.", "curt_reply"),
    ("Reference number.", "curt_reply"),
    ("Account holder's name.", "curt_reply"),
    ("What's the problem?", "curt_reply"),
    ("Next question.", "curt_reply"),
    # version 6
    ("Policy number and postcode.", "curt_reply"),
    ("It's in the contract you signed.", "pointed_reference"),
    ("its all in the terms you were sent", "pointed_reference"),
    ("Saturday is fine, as the leaflet says.", "pointed_reference"),
    ("He'll leave it by the gate, which you noted yourself.", "pointed_reference"),
    ("Most people know that.", "common_knowledge"),
    ("As anyone could tell you, it's the flashing.", "common_knowledge"),
    ("Most owners manage to book the booster before it lapses.", "common_knowledge"),
    ("Same as everyone else.", "common_knowledge"),
    ("If you can't manage that, sugar-free gum works.", "common_knowledge"),
    ("The chlorine dropped because someone didn't top it up.", "unnamed_blame"),
    ("It went to your old address because nobody told us you moved.", "unnamed_blame"),
    ("It'll turn out to be something you did.", "unnamed_blame"),
    ("You're supposed to tell us when you move.", "unnamed_blame"),
    ("Please don't be late.", "conduct_order"),
    ("No more changes after this one.", "conduct_order"),
    ("That's the best you'll get.", "conduct_order"),
    ("Pay it or appeal it.", "curt_order"),
    # version 7: a sanction conditional on the customer's conduct, in an offer's shape
    ("Keep yelling at me and we'll cut the call short.", "conditional_threat"),
    ("Use that tone once more and I'm going to disconnect you.", "conditional_threat"),
    ("if you are rude to me again, i will end the chat", "conditional_threat"),
]


@pytest.mark.parametrize(("text", "expected"), CUE_EXAMPLES)
def test_cue_found(nlp, words, text, expected):
    assert expected in kinds(nlp, words, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Your balance is forty pounds.",
        "You should have received a text with the code.",  # an expectation, not blame
        "You'll need to bring the card with you.",
        "Look at the back of the card for the number.",  # an instruction
        "That's the card ending 4471, isn't it?",  # a tag that checks a fact
        "The VAT number and your PIN are on the letter.",  # acronyms, not shouting
        "I can't see a second payment on the account.",  # a subject, not a curt refusal
        "If you'd like, I can send it again.",
        "Um, yeah, so, like, the engineer comes on Monday.",  # filler is the filler dimension's
        "OK, that's all done.",
        "no theres no fee for that",
        # The same shapes said plainly (version 3 cues).
        "As I mentioned, the refund takes five working days.",  # a reminder without a repeat
        "I already explained the fault to the engineer, he's on his way.",  # a report
        "As I mentioned, delivery times are longer in December.",
        "Your tariff changed because you chose the fixed deal.",  # a cause, not a failure
        "Could you check the app, please?",
        "Would you like the add-on or not?",  # a choice offered
        "Please listen to the voicemail we left.",  # an instruction
        "Xiao U has forwarded the problem to our staff.",  # a name, not text-speak "u"
        "Can't the application be updated?",  # a question, not a curt refusal
        "Now, let me check the account.",
        # A repeat or a first-person future without the customer's conduct (version 7).
        "If the boiler cuts out again, we'll close this job and send a senior engineer.",
        "Give it one more try and if it fails I'll end the trial with no charge.",
        "Send us the meter reading again and we'll stop the estimated bills.",
        # The same shapes said plainly (version 4 cues).
        "Okay, got it.",  # an acknowledgement with no grudging word
        "That's fine.",
        "Yep, the address matches.",  # casual, with content
        "Let me check.",
        "Which account number?",  # a question word asks
        "Could I have the account number, please?",
        "What do you need the form for?",
        "Thanks, goodbye, Hamza.",
        "Hold on a moment, please.",
        "Finally, press save at the bottom.",  # "finally" ordering steps, not impatience
        "You can even pay online.",
        "Even if you paid late, the fee is waived.",
        "I'd love to help with that.",
        "There's no hurry.",
        "If you'd like, I can send it again.",
        "No, there's no fee for that.",
        "Not my favourite part of the job, but it's done now.",  # no bare disowning noun
        "The refund arrives when the bank releases it.",
        "Oh great, that's all sorted for you then.",  # praise, no complaint after it
        "Look at what's up on the screen.",
        "Bye for now.",  # "now" as the object of "for", no order
        "That's everything for now.",
        # The same shapes said plainly (version 5 cues).
        "You could have the refund as credit or to the card.",
        "Had the parcel been lost, we'd have refunded it.",
        "That's what the fee covers.",
        "That's what happens when you press reset: the router restarts.",
        "It's your choice which plan to keep.",
        "The fault was on the line, not in your home.",
        "Nobody needs to be in for the reading.",
        "You booked the flight on the twelfth.",
        "As I mentioned, the form is on the website.",
        "As stated on the invoice, the fee is twelve pounds.",
        "Per the contract, notice is thirty days.",
        "You just press the button and wait.",
        "To renew, you simply log in.",
        "It's not complicated, I'll walk you through it.",
        "You're obviously upset, and I understand.",
        "If you keep up with the payments, the fee is waived.",
        "How many times did the card get declined?",
        "For the last month, the bill was estimated.",
        "We went over the settings together.",
        "What else can I help you with?",
        "I'm sorry this is the third time you've had to call.",
        "I did check the account.",
        "That's not something we cover, but I can book a paid repair.",
        "That isn't my area, but my colleague can help.",
        "There's nothing more to pay.",
        "Cancelling won't change the current bill.",
        "It is on the second page.",
        "The engineer visit is not happening today, so I've rebooked it for Friday.",
        "With respect to the bill, usage went up.",
        "Thanks for sending the photo.",
        "It's not possible online, but I can do it now.",
        "Done, the address is saved.",
        "Done. You're booked on the 8:25 flight.",  # a report of what was done follows
        "If you're only watching on weekends, the basic plan is half the price.",
        "The reference number is on the letter.",
        "Can you confirm the account holder's name?",
        "What's the address for the delivery?",
        "No, the next payment is in June.",
        # version 6: the same shapes said plainly
        "I've emailed you a copy of the contract you signed.",
        "You'll find the steps in the manual, on page four.",
        "It's on the website under Deliveries if you want it later.",
        "Most people pay by direct debit.",
        "Anyone can join the club.",
        "If you can't make it on Thursday, just give us a call.",
        "It was late because someone on our side missed it.",
        "You're supposed to get a text the day before.",
        "Please arrive ten minutes early.",
        "Let me check that for you.",
        "Take care.",
        "Just pop it in the post when you can.",
        "Could I have the policy number and postcode, please?",
    ],
)
def test_plain_sentence_has_no_cue(nlp, words, text):
    assert kinds(nlp, words, text) == []


def test_every_cue_kind_has_an_example_that_reads_it(nlp, words):
    """Each cue the evidence can name is produced by at least one example."""
    found = {kind for text, _ in CUE_EXAMPLES for kind in kinds(nlp, words, text)}
    assert found == set(CUES)


def test_a_farewell_for_now_after_advice_is_not_an_order(nlp, words):
    """In context the tagger reads "Bye" as a noun; "now" after "for" is still no order."""
    doc = nlp("Keep the pump running all night before the technician comes. Bye for now.")
    last = list(doc.sents)[-1]
    assert [t.pos_ for t in last][0] in ("PROPN", "NOUN", "INTJ")
    assert [cue.kind for cue in register_cues(last, words)] == []


def cues_of_last(nlp, words, turn: str) -> list[str]:
    """The cue kinds of a turn's last sentence, read in its turn (its doc)."""
    last = list(nlp(turn).sents)[-1]
    return [cue.kind for cue in register_cues(last, words, clean=last)]


@pytest.mark.parametrize(
    "turn",
    [
        "Apologies for the delay. Policy number?",
        "Thanks for holding. Postcode?",
        "Sorry about the wait. K, got it.",
    ],
)
def test_a_curt_demand_stays_curt_in_a_courteous_turn(nlp, words, turn):
    """A courtesy word elsewhere in the turn excuses a short farewell, not a bare demand or a
    grudging acknowledgement after it."""
    assert "curt_reply" in cues_of_last(nlp, words, turn)


@pytest.mark.parametrize(
    "turn",
    [
        "Thanks so much for your time. Speak soon.",
        "My pleasure, Olu. Bye for now.",
        "Happy to help. Anytime tomorrow?",
        "That's the form sorted, thank you. The receipt now.",
    ],
)
def test_a_courteous_farewell_or_fragment_is_not_curt(nlp, words, turn):
    assert "curt_reply" not in cues_of_last(nlp, words, turn)


def shape(nlp, words, text: str) -> str | None:
    from cxnlp.dimensions.brand_register import offer_shape

    doc = nlp(text)
    return offer_shape(next(iter(doc.sents)), words)


@pytest.mark.parametrize(
    ("text", "words_of_the_offer"),
    [
        ("If the van hasn't come by noon, drop us a line and we'll chase it.", "drop us"),
        ("We'll swap the handset the moment it lands.", "We'll swap"),
        ("I can pop a note on the file for the engineer.", "I can pop"),
        ("I'm going to ring the depot straight after this call.", "I'm going to ring"),
        ("Let's get the new card ordered for you.", "Let's get"),
        ("You'll receive a text when the driver is ten minutes away.", "You'll receive"),
        ("You might also want the travel add-on for the trip in May.", "You might also want"),
        ("I can imagine how worrying that was with the baby at home.", "I can imagine"),
        ("when the boiler fires up just give me a call back", "give me"),
    ],
)
def test_an_offer_is_read_by_its_shape(nlp, words, text, words_of_the_offer):
    assert shape(nlp, words, text) == words_of_the_offer


@pytest.mark.parametrize(
    "text",
    [
        "I can't change the delivery slot.",  # a refusal
        "We won't be sending anyone out today.",
        "Don't call us about the meter again.",
        "Hang on.",
        "Yeah, that's how it goes.",
        "Everybody gets that letter.",
        "I get it.",  # no clause of what the customer feels
        "The meter was read on the fourth.",  # a statement of fact
        "Someone in the warehouse packed it.",
        "Honestly there's nothing we can change on that booking.",  # a refusal before the subject
        "Miss another payment and we'll have to pass it to collections.",  # a warning
        "I'll presume you never got round to reading the guide.",  # a presumption
    ],
)
def test_a_refusal_brush_off_hold_or_statement_is_no_offer(nlp, words, text):
    assert shape(nlp, words, text) is None

"""What a need asks for and what a reply does (cxnlp.dimensions.replies), the need–reply
classifier, the filler-free content spans and the speech segmenter."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from cxnlp import Transcript
from cxnlp.dimensions.need_reply import (
    TEXT_FEATURES,
    NeedReplyClassifier,
    NeedReplyModelError,
    load_pair_scorer,
    model_to_json,
)
from cxnlp.dimensions.replies import (
    ANSWER_KINDS,
    ASK_TYPES,
    ReplyLexiconError,
    ask_type,
    load_reply_lexicon,
    reply_functions,
)
from cxnlp.nlp import content_text, load_pipeline
from cxnlp.segmentation import SegmentationConfigError, load_boundary_lexicon

REPO_ROOT = Path(__file__).resolve().parents[1]
TUNE = REPO_ROOT / "benchmarks" / "data" / "validity" / "need_reply_tune.jsonl"


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def _span(nlp, text):
    return nlp(text)[:]


@pytest.mark.parametrize(
    ("need", "kind", "ask"),
    [
        ("When will my new card arrive?", "question", "when"),
        ("how much is the early termination fee", "question", "how_much"),
        ("How long does a refund take?", "question", "how_long"),
        ("How do I reset my router?", "question", "how_to"),
        ("Why is my bill so high this month?", "question", "why"),
        ("Can you remove the late fee?", "question", "request"),
        ("Please cancel my subscription.", "request", "request"),
        ("I was wondering which doctor I'll be seeing.", "request", "what"),
        ("Does my policy cover water damage?", "question", "polar"),
        ("If I claim for this, do I lose my no-claims discount?", "problem", "polar"),
        ("My internet keeps dropping.", "problem", "problem"),
        ("How many bags can I bring?", "question", "how_many"),
        # A yes/no question whose clause merely mentions a time is not a "when" question.
        ("is my data going to be wiped when you fix the screen", "question", "polar"),
        ("so when is it going to arrive", "question", "when"),
        ("can you tell me how long the repair takes", "question", "how_long"),
        # "Where do I find it?" asks for a place or steps, and an alternative question
        # asks which: both want the fact, not steps alone or a yes/no.
        ("where do I find my policy number", "question", "what"),
        ("Where do I go to change my password?", "question", "how_to"),
        ("Is the deposit 200 or 300 dollars?", "question", "what"),
        ("Do you want me to dig up the road or change the pipes?", "question", "polar"),
        # An interjection or a conjunction before the wh-word leaves the question what it is
        # (a recogniser writes "Oh, where..." as "oh where...").
        ("Oh, where do I find that in the software?", "question", "what"),
        ("oh where do I find that in the software", "question", "what"),
        ("And what are the fees for three days a week?", "question", "what"),
        ("Oh and is it okay to take it with grapefruit juice?", "question", "polar"),
        # A question embedded in a polite request to tell or check asks, it requests no act.
        ("Could you confirm what the assembly charge would be for the table?", "request", "what"),
        ("Could you tell me whether our date of 12 June is still available?", "request", "polar"),
        ("Can you check if there's a table free at eight?", "request", "polar"),
        ("Can you check my order and send it again?", "request", "request"),
        # A question opened by a wh-word asks for the fact or the way, never for a yes/no
        # ("How can the data run out?" is answered by why or what happened).
        ("How shall I handle it?", "question", "how_to"),
        ("How can my data be used up overnight?", "question", "what"),
    ],
)
def test_ask_type(nlp, need, kind, ask):
    assert ask_type([_span(nlp, need)], kind) == ask


@pytest.mark.parametrize(
    ("reply", "present", "absent"),
    [
        ("I've waived the late fee.", {"action_done"}, {"generic", "question"}),
        ("I've, like, um, gone ahead and cancelled it.", set(), {"question"}),
        ("Your refund has been processed.", {"action_done"}, set()),
        ("Late fees are applied automatically when a payment is late.", {"generic"}, {"action_done"}),
        # An e-mail address is a specific detail, written or said aloud.
        ("It will be emailed to hw.heronway@postline.net.", {"specific"}, {"generic"}),
        ("It will be emailed to hw dot heronway at postline dot net.", {"specific"}, {"generic"}),
        ("New cards are made in a secure facility.", {"generic"}, {"action_done", "time"}),
        ("It'll arrive by Friday.", {"time", "commitment_time"}, set()),
        ("A technician will come on Thursday between 8 and 12.", {"commitment_time"}, set()),
        ("That's because your promotional discount ended on April 1st.", {"cause"}, set()),
        ("Go to Settings, then tap Reset network.", {"steps"}, set()),
        ("Yes, it does.", {"yes_no"}, set()),
        ("You're welcome.", set(), {"yes_no"}),
        ("Can I have your account number?", {"question"}, {"action_done"}),
        ("We'll see what we can do.", {"vague"}, {"commitment_time"}),
        ("You'll need to call the billing team about that.", {"transfer"}, {"action_done"}),
        ("It costs forty dollars a month.", {"amount"}, set()),
        ("I can't refund it because the ticket was non-refundable.", {"refusal", "explains"}, set()),
        ("The payment page timed out and your bank sent it twice.", {"past_event"}, {"action_done"}),
        # Actions reported the way chat agents and recognisers write them.
        ("Sorry! Reactivated it just now, give it another tap.", {"action_done"}, set()),
        ("No problem, cancelled, you'll stay with your current supplier.", {"action_done"}, set()),
        ("Extension approved, the new deadline is the 28th.", {"action_done"}, set()),
        ("Scratched doors on the wardrobe.", set(), {"action_done"}),
        ("Assembly is done by our own team.", set(), {"action_done"}),
        ("Your refund was processed by our team this morning.", {"action_done"}, set()),
        ("Parcel ZX-55391 has been redirected to the Central Station locker.", {"action_done"}, set()),
        ("okay ive just unlocked it and reset your password", {"action_done"}, set()),
        ("Based on the photos, the damage happened in transit.", set(), {"action_done"}),
        ("It's free of charge for loyalty members.", {"amount"}, set()),
        # A cause with no "because": a verb of effect with another subject than the agent.
        ("The router is on old firmware that limits the Wi-Fi.", {"cause"}, set()),
        ("I blocked the card for you.", {"own_action"}, {"cause"}),
        # Courtesy and hold formulas answer nothing, though their words look like answers'.
        ("Take care!", {"formula"}, {"steps"}),
        ("Michael, thanks for your patience today.", {"formula"}, {"time"}),
        ("Just a second.", {"formula"}, {"number", "specific"}),
        ("Have a lovely day, Hamza!", {"formula"}, {"specific"}),
        # A greeting with the agent's and the company's names answers nothing.
        ("Hello, this is Ollie at Vinefold Wine Club.", {"formula"}, {"specific"}),
        ("Hi, you're chatting with Pressto Laundry.", {"formula"}, {"specific"}),
        ("Hi Sarah, I've refunded the fee.", {"own_action"}, {"formula"}),
        ("not until mister adeyemi has checked your vision", {"yes_no"}, set()),
        ("Take the second exit.", {"steps"}, {"formula"}),
        ("Thanks for waiting, I have refunded the fee.", {"own_action"}, {"formula"}),
        ("Have a look at the settings page.", set(), {"formula"}),
        # The name the agent addresses is no fact; a name in the answer is.
        ("Olivia, I completely understand wanting more from your plan.", set(), {"specific"}),
        ("Your parcel is with DPD, Olivia.", {"specific"}, set()),
        # An imperative is a step when it says what to do, not when it holds or takes over.
        ("Leave it with me; I'll handle it from here.", {"commitment"}, {"steps"}),
        ("Wait.", set(), {"steps"}),
        ("Wait 24 hours, then restart the router.", {"steps"}, set()),
        # Not being able to see or know is no refusal of what was asked, and no "no".
        ("Unfortunately that isn't something I'm able to see here.", {"vague"}, {"refusal", "yes_no"}),
        ("No, you can't see it in the app yet.", {"yes_no"}, set()),
        ("Unfortunately we can't waive the fee.", {"refusal"}, {"vague"}),
        # A negated verb of appearance judges how things seem (sympathy); it refuses nothing.
        ("Oh, that doesn't sound like a great start to the week.", set(), {"refusal", "yes_no"}),
        ("That doesn't look right at all.", set(), {"refusal"}),
        ("That doesn't apply to annual plans.", {"refusal"}, set()),
        # An episode told in the past is this case's, not how things work for everyone.
        ("The courier left it in the porch at noon.", {"past_event"}, {"generic"}),
        ("Parcels are left in the porch when nobody answers.", {"generic"}, set()),
        # A participle the tagger reads as a base form after the perfect's "have".
        ("I've reset your line and it should stay up now.", {"own_action"}, set()),
        ("I have to reset your line first.", set(), {"own_action"}),
        # Two events related in time are a cause; one event with its date is only when.
        ("Your payment reached us two days after the due date.", {"past_cause"}, set()),
        ("It was reviewed on March 3rd.", {"past_event"}, {"past_cause"}),
        # Terse answers: a "you" in a done state, and "not yet" as the no.
        ("You're booked for four at 8pm.", {"own_action"}, set()),
        ("You're charged a fee when a payment is late.", set(), {"own_action"}),
        ("Not yet, it'll be ready after 3pm.", {"yes_no"}, set()),
        ("Not my department.", set(), {"yes_no"}),
        # A state that holds "now" is the result of a change; the same state without it, or
        # denied, is not.
        ("You're on the 500 meg plan now.", {"own_action"}, set()),
        ("It's on Friday at 3 now.", {"own_action"}, set()),
        ("You're on the 500 meg plan.", set(), {"own_action"}),
        ("It's not on the 500 plan now.", set(), {"own_action"}),
        # A yes that only takes the question on answers nothing yet; having looked reports.
        ("Yes, I can definitely help you with your payment question today.", set(), {"yes_no"}),
        ("Sure, I'll look into it.", set(), {"yes_no"}),
        ("Yes, I've checked and it's there.", {"yes_no"}, set()),
        ("Yes, I can help you change that now.", {"yes_no"}, set()),
        # A yes or no after the reason that leads to it; a determiner "no" is none.
        ("Ridgeway is named in his plan, so yes, he'll be admitted.", {"yes_no"}, set()),
        ("if everyone in the house is a student then no, you'd be exempt", {"yes_no"}, set()),
        ("So no refund is due on that one.", set(), {"yes_no"}),
        # A state under a condition is not one the case is in; "one of" gives no figure.
        ("You're entitled to a refund on your ticket when your train is cancelled.", set(), {"action_done"}),
        ("Once your refund is processed you'll get an email.", set(), {"action_done"}),
        ("When I checked, your order was shipped yesterday.", {"action_done"}, set()),
        ("I'll get one of the vets to give you a call back.", set(), {"number", "specific"}),
        ("It costs one pound.", {"number", "amount"}, set()),
        # "Since" with a time tells when it began (and looks back); with a clause, why.
        ("no water pressure upstairs since this morning", set(), {"cause", "time_ahead"}),
        ("It's been down since Monday.", {"time"}, {"cause", "time_ahead"}),
        ("It stopped since your contract ended.", {"cause"}, set()),
        # Durations and times of day the way people write and say them.
        ("about 20 mins, you can wait", {"duration"}, set()),
        ("fastest is 4h20 from King's Cross", {"duration"}, set()),
        ("your area usually gets done between eleven and one", {"time"}, set()),
        ("you're in on saturday at half ten with tom", {"time"}, set()),
        ("It costs between 30 and 40 pounds.", {"amount"}, {"time"}),
        ("It takes between two and three days.", {"duration"}, {"time"}),
        # A rule's simple present, with a bare plural or a quantifier over our things; a
        # progressive or perfect tells an event, and a sentence naming no one is no rule.
        ("Most of our plans cost between $30 and $90 a month.", {"states_rule"}, set()),
        ("Refunds are usually processed within five days.", {"states_rule"}, set()),
        ("Engineers are working on the fault now.", set(), {"states_rule"}),
        ("Our teams have fixed the fault.", set(), {"states_rule"}),
        ("It was refused because the registration is at another address.", set(), {"states_rule"}),
        # A calendar date makes one occasion of it, unless it recurs.
        ("Marks go live on the student portal at 9 am on Friday 14 February.", {"time"}, {"states_rule"}),
        ("Bins are collected on the 3rd of each month.", {"states_rule"}, set()),
        # A time that looks back, read past the frame of reading the record.
        ("I can see the payment didn't go through on the 1st.", {"time"}, {"time_ahead"}),
        ("It was posted Monday and arrives on Friday.", {"time", "time_ahead"}, set()),
        # A follow-up (a message about the whole contact, a re-check, what to do if things
        # go wrong) is a next step, not what was asked; a message with the outcome is more.
        ("We'll send a summary of today's chat to your inbox within the hour.", {"follow_up"}, set()),
        ("I'll review your file again on the 9th and ring you by noon.", {"follow_up"}, set()),
        ("If the heating still isn't working by Monday, phone us and give case 5521.", {"follow_up"}, set()),
        ("I've set up a text reminder for your mobile on Thursday.", {"follow_up"}, set()),
        ("I've rebooked the engineer for Thursday and you'll get a text to confirm.", set(), {"follow_up"}),
        ("The boiler should be back on by 6 tonight, and we'll text you.", set(), {"follow_up"}),
        # Not knowing is no answer either: no yes, no no, no refusal of what was asked.
        ("That isn't something I'm able to look up, I'm afraid.", {"vague"}, {"yes_no", "refusal"}),
        ("I don't have those details in front of me.", {"vague"}, {"yes_no", "refusal"}),
        ("Honestly, I'm not sure.", {"vague"}, {"yes_no", "refusal"}),
        ("No idea, to be honest.", {"vague"}, {"yes_no"}),
        ("I don't have any record of a second payment.", set(), {"vague"}),
        # A yes that only takes it on, however it is worded, answers nothing yet.
        ("Of course, I'd be really glad to help you with that.", set(), {"yes_no"}),
        ("Absolutely, let's get that sorted out.", set(), {"yes_no"}),
        ("Sure, I'll handle that for you.", set(), {"yes_no"}),
        ("Absolutely, I'll send you a new one today.", {"yes_no"}, set()),
        # The next need, anticipated, is help beyond the question.
        ("You might also want to add a second driver while the policy is open.", {"anticipates"}, set()),
        ("For next time, the meter readings are in the app under Usage.", {"anticipates"}, set()),
        ("You may want to restart the router first.", set(), {"anticipates"}),
        # A guess is hedged; a forecast with "should" is not.
        ("It's probably the old splitter, I'd say.", {"hedged"}, set()),
        ("You can get the form online somewhere, I think.", {"hedged"}, set()),
        ("It should arrive by Friday.", set(), {"hedged"}),
        # A wrap-up that only notes or closes is a formula; "everything" done is an action.
        ("Everything is noted on your file.", set(), {"action_done"}),
        ("That's everything on the account for now.", {"formula"}, {"action_done"}),
        ("Everything's been refunded to your card.", {"action_done"}, {"formula"}),
        # The participle of "sorry for the inconvenience caused" restates; it is neither
        # the agent's action nor a cause.
        ("We are sorry for any inconvenience caused.", set(), {"action_done", "cause"}),
        ("We apologise for the inconvenience caused to you.", set(), {"action_done", "cause"}),
        # An effort is no commitment; "I'll check and call you back" still commits.
        ("We will try to improve the signal in your area later.", set(), {"commitment"}),
        ("I'll check and call you back tomorrow.", {"commitment"}, set()),
        # Asking the customer to give the agent something is a question back, no step.
        ("Send us a photo of the receipt.", set(), {"steps"}),
        ("You can send the service number to me.", set(), {"steps"}),
        ("Restart the router and let me know if it works.", {"steps"}, set()),
        # An instruction after "please", a greeting or a condition is still a step, as is
        # advice to the customer; "please" before a request for details or a hold is none,
        # nor is the agent's own next deed after a sequence word.
        ("Please restart your phone and try again.", {"steps"}, set()),
        ("Hello, please try it again.", {"steps"}, set()),
        ("If it still doesn't work, please turn the phone off and on.", {"steps"}, set()),
        ("You may clear the cache and reinstall the app.", {"steps"}, set()),
        ("It is suggested that you update the app to the latest version.", {"steps"}, set()),
        ("You are advised to upgrade the system first.", {"steps"}, set()),
        ("Please provide your phone number via private message.", set(), {"steps"}),
        ("Please wait patiently.", set(), {"steps"}),
        # Empathy said as a norm about anyone: its time sets the scene, it says no "when".
        (
            "That sounds awful, nobody should have to put up with a cold flat, especially in January.",
            set(),
            {"time", "time_ahead"},
        ),
        ("No one deserves to wait that long over Christmas.", set(), {"time"}),
        ("Nobody can come out before Friday, I'm afraid.", {"time"}, set()),
        # Trying again *later* defers the case to the customer: a brush-off, not a step.
        ("Please try again later.", set(), {"steps"}),
        ("Sorry, the system is down, try back later.", set(), {"steps"}),
        ("We will pass it to the after-sales department and verify the issue.", set(), {"steps"}),
        ("Once it restarts, we will check the line and then you can log in again.", {"steps"}, set()),
    ],
)
def test_reply_functions(nlp, reply, present, absent):
    found = {k for k, v in reply_functions(_span(nlp, reply)).items() if v}
    assert present <= found, found
    assert not (absent & found), found


@pytest.mark.parametrize(
    ("need", "reply", "kinds"),
    [
        # An echo of the customer's own details is no answer; a new fact is.
        ("How much will you pay of the vet's £3,800 quote?", "I can see the estimate of £3,800.", set()),
        ("How much will you pay of the vet's £3,800 quote?", "We'll cover £3,040 of it.", {"amount"}),
        ("I sent it on Monday. When will it arrive?", "I can see you sent it on Monday.", set()),
        ("I sent it on Monday. When will it arrive?", "It'll be with you on Thursday.", {"time"}),
    ],
)
def test_facts_the_customer_gave_are_not_new(nlp, need, reply, kinds):
    from cxnlp.dimensions.replies import fact_tokens

    said = fact_tokens(_span(nlp, need))
    new = fact_tokens(_span(nlp, reply)) - said
    assert {kind for kind, _ in new} & {"time", "amount"} == kinds


@pytest.mark.parametrize(
    "reply",
    [
        "It will be emailed to hw.heronway@postline.net.",
        "it will be emailed to hw dot heronway at postline dot net",
    ],
)
def test_an_address_is_a_fact_written_or_said(nlp, reply):
    from cxnlp.dimensions.replies import fact_tokens

    assert any(kind == "other" for kind, _ in fact_tokens(_span(nlp, reply)))


def test_an_echoed_fact_does_not_match_the_ask(nlp):
    """pair_features gives kind_match only when the reply's fact is new to the call."""
    from cxnlp.dimensions.replies import pair_features

    funcs = reply_functions(_span(nlp, "I can see the two hundred pounds you sent yesterday."))
    assert funcs["amount"]
    echo = pair_features("how_much", 0.5, {**funcs, "novel_amount": 0.0, "novel_info": 0.0})
    new = pair_features("how_much", 0.5, {**funcs, "novel_amount": 1.0, "novel_info": 1.0})
    assert echo["kind_match"] == 0.0
    assert new["kind_match"] == 1.0


def test_filler_does_not_hide_an_action(nlp):
    """The content span (fillers and false starts removed) shows the act the said one hides."""
    said = _span(nlp, "I've, um, like, basically gone ahead and- and refunded the forty dollars.")
    clean = _span(nlp, content_text(said))
    assert not reply_functions(said)["action_done"]
    assert reply_functions(clean)["action_done"]


@pytest.mark.parametrize(
    ("said", "content"),
    [
        ("I've, like, applied a credit.", "I've applied a credit."),
        ("So, um, basically I I've cancelled it.", "I've cancelled it."),
        ("I'll- I'll make sure the the technician comes.", "I'll make sure the technician comes."),
        ("Would you like a copy?", "Would you like a copy?"),
        ("Okay.", ""),
        # The comma after an opening name stays: without it "Hamza" reads as a verb.
        ("Hamza, right, that's not great.", "Hamza, that's not great."),
    ],
)
def test_content_text_drops_fillers_and_false_starts(nlp, said, content):
    assert content_text(_span(nlp, said)) == content


def test_every_ask_type_has_answer_kinds_and_words():
    from cxnlp.dimensions.replies import ASK_WANTS

    assert set(ANSWER_KINDS) == set(ASK_TYPES)
    assert set(ASK_WANTS) == set(ASK_TYPES)


# -- the speech segmenter -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "n_min"),
    [
        (
            "im so sorry about that dana ive refunded the duplicate forty dollars "
            "it'll show on your statement in three to five days is there anything else",
            3,
        ),
        ("hi thanks for calling northwind how can i help you today", 2),
    ],
)
def test_unpunctuated_speech_is_split(nlp, text, n_min):
    assert len(list(nlp(text).sents)) >= n_min


@pytest.mark.parametrize(
    "text",
    [
        "How long before the flight do I need to get there?",
        "I'll make sure the technician comes on Thursday between eight and twelve.",
        "the parcel i ordered last week has not arrived",
    ],
)
def test_written_or_short_text_is_not_split(nlp, text):
    assert len(list(nlp(text).sents)) == 1


# -- resources are validated --------------------------------------------------------------
def test_bad_lexicons_name_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("openers: [yes, no]\n", encoding="utf-8")
    with pytest.raises(SegmentationConfigError, match="subjects"):
        load_boundary_lexicon(bad)
    with pytest.raises(ReplyLexiconError, match="attention_verbs"):
        load_reply_lexicon(bad)


@pytest.mark.parametrize(
    ("old", "new"), [("min_words: 10", "min_words: 0"), ("min_piece: 3", "min_piece: yes")]
)
def test_a_boundary_size_that_is_no_positive_integer_is_named(tmp_path, old, new):
    text = (REPO_ROOT / "cxnlp" / "resources" / "speech_boundaries.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    bad = tmp_path / "sizes.yaml"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(SegmentationConfigError, match=f"{old.split(':')[0]}.*positive integer"):
        load_boundary_lexicon(bad)


def test_a_deployments_boundary_lists_are_read(tmp_path):
    text = (REPO_ROOT / "cxnlp" / "resources" / "speech_boundaries.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "sizes.yaml"
    copy.write_text(text.replace("min_words: 10", "min_words: 12"), encoding="utf-8")
    packaged, deployed = load_boundary_lexicon(), load_boundary_lexicon(copy)
    assert (packaged.min_words, deployed.min_words) == (10, 12)
    assert deployed.clause_final_pos == packaged.clause_final_pos >= {"NOUN", "PROPN"}
    assert deployed.digest != packaged.digest


def test_bad_need_reply_models_are_refused(tmp_path):
    good = json.loads(load_pair_scorer_path().read_text(encoding="utf-8"))
    cases = {
        "format": {**good, "format": "other"},
        "features": {**good, "features": good["features"][:-1]},
        "finite": {**good, "coef": [math.inf] * len(good["coef"])},
        "intercept": {**good, "intercept": "1"},
        "direction": {**good, "reply_direction": [math.inf] * 3},
        "direction_type": {**good, "reply_direction": "up"},
    }
    for name, payload in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(payload).replace("Infinity", "1e999"), encoding="utf-8")
        with pytest.raises(NeedReplyModelError):
            load_pair_scorer(path)


def load_pair_scorer_path() -> Path:
    import cxnlp

    return Path(cxnlp.__file__).parent / "resources" / "need_reply_model.json"


@parametrize_with_checks([NeedReplyClassifier()])
def test_need_reply_classifier_is_an_estimator(estimator, check):
    check(estimator)


def test_model_round_trips_through_json(tmp_path):
    """Text features plus a reply embedding, fitted jointly, score the same after saving,
    with the embedding folded into the reply_style feature."""
    rng = np.random.default_rng(0)
    text = rng.normal(size=(80, len(TEXT_FEATURES)))
    emb = rng.normal(size=(80, 6))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    y = (text[:, 0] + emb[:, 1] + 0.3 * rng.normal(size=80) > 0).astype(int)
    X = np.hstack([text, 2.0 * emb])
    model = NeedReplyClassifier().fit(X, y)
    path = tmp_path / "m.json"
    path.write_text(model_to_json(model, provenance={"test": True}, embedding_scale=2.0), encoding="utf-8")
    scorer = load_pair_scorer(path)
    rows = [
        {**dict(zip(TEXT_FEATURES, t, strict=True)), "reply_style": scorer.reply_style(v)}
        for t, v in zip(text, emb, strict=True)
    ]
    assert np.allclose(scorer.probability(rows), model.predict_proba(X)[:, 1])
    assert scorer.reply_style(np.ones(5)) == 0.0  # an encoder of another width adds nothing


# -- the packaged classifier on its own tuning data ----------------------------------------
@pytest.mark.slow
def test_packaged_model_tells_answers_from_non_answers(parser):
    """On the tuning split it was fitted on (held-out figures: benchmarks/README.md)."""
    from sklearn.metrics import roc_auc_score

    from cxnlp.scoring import Scorer

    pairs = [json.loads(line) for line in TUNE.read_text(encoding="utf-8").splitlines()][::3]
    calls = [Transcript.from_pairs(p["id"], [("customer", p["need"]), ("agent", p["reply"])]) for p in pairs]
    table = Scorer(parser=parser, slot_vectors=False).score(calls)
    p_met = table["f_answer_completeness__met_probability"].fillna(0.0).to_numpy()
    assert roc_auc_score([p["label"] for p in pairs], p_met) >= 0.8


def test_a_deployment_copy_of_version_1_still_loads_with_the_lists_added_since(tmp_path, caplog):
    """The file's header invites contact centres to copy it; a copy made before version 2
    lacks the time-period lists and must keep loading (with a warning), not fail."""
    import yaml

    from cxnlp.dimensions.replies import default_reply_lexicon, load_reply_lexicon

    packaged = yaml.safe_load(
        (Path(__file__).parents[1] / "cxnlp" / "resources" / "reply_functions.yaml").read_text()
    )
    old = {k: v for k, v in packaged.items() if not k.startswith("time_period_")}
    old["version"] = 1
    old["done_words"] = [*packaged["done_words"], "zapped"]
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(old))
    with caplog.at_level("WARNING"):
        lexicon = load_reply_lexicon(path)
    assert "zapped" in lexicon["done_words"]
    assert lexicon["time_period_words"] == default_reply_lexicon()["time_period_words"]
    assert "time_period_words" in caplog.text
    old["version"] = 2
    path.write_text(yaml.safe_dump(old))
    with pytest.raises(ValueError, match="time_period"):
        load_reply_lexicon(path)

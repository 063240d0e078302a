"""Speech-recogniser text: sentence ends, "?" and capitals restored before the parse."""

from __future__ import annotations

import json
import re

import pytest

from cxnlp.model import Transcript
from cxnlp.nlp import TranscriptParser
from cxnlp.service.responses import locate
from cxnlp.speech_text import (
    SpeechModelError,
    default_speech_punctuator,
    disfluent_positions,
    load_speech_punctuator,
    needs_restoring,
    restore,
    word_tags,
)

#: Agent and customer turns as a recogniser writes them (lower case, no punctuation).
SPOKEN = [
    "im so sorry about that dana ive refunded the duplicate forty dollars it'll show on your "
    "statement in three to five days is there anything else i can help with",
    "hi thanks for calling northwind this is priya how can i help you today",
    "um yeah my internet keeps dropping every evening and i work from home so can you send someone",
    "i've i've checked the line and uh there's a fault at the cabinet an engineer will fix it on thursday",
    "can you take the late fee off",
    "when will my new card arrive",
]


def _words(text: str) -> list[str]:
    """The words without case, sentence marks, commas or apostrophes ("I've." -> "ive")."""
    return re.sub(r"[.?,']", "", text).lower().split()


@pytest.mark.parametrize("text", SPOKEN)
def test_restoring_keeps_every_word_and_filler(text):
    """Only sentence marks, commas and capitals are added: "um", "uh" and "i've i've" stay
    for filler."""
    restored = restore(text)
    assert _words(restored) == _words(text)
    assert restored[0].isupper() and restored[-1] in ".?"


@pytest.mark.parametrize(
    "text",
    [
        "How long before the flight do I need to get there?",
        "yes, that's fine",
        "ok thanks.",
        "thanks",
        "",
    ],
)
def test_written_or_one_word_text_is_untouched(text):
    assert not needs_restoring(text)
    assert restore(text) == text


@pytest.mark.parametrize("text", [SPOKEN[0], SPOKEN[1], SPOKEN[3]])
def test_hesitations_do_not_move_sentence_ends(text):
    """An "um" dropped anywhere leaves the sentences where they were (the filler edit of a
    minimal pair must not change what completeness and proactive read)."""
    words = text.split()
    hesitant = " ".join(w + (" um" if i % 3 == 1 else "") for i, w in enumerate(words))

    def without_um(s: str) -> str:
        return " ".join(re.sub(r",? ?\bum\b,?", "", s.lower()).split())

    assert without_um(restore(hesitant)) == " ".join(restore(text).lower().split())


@pytest.mark.parametrize("text", [SPOKEN[0], SPOKEN[1], SPOKEN[3]])
@pytest.mark.parametrize("filler", ["basically", "i mean", "um like", "you know"])
def test_discourse_fillers_do_not_move_sentence_ends(text, filler):
    """The same for "like", "basically", "you know" and "I mean" dropped into clauses,
    where a writer would set them off with commas."""
    words = text.split()
    disfluent = " ".join(w + (f" {filler}" if i % 4 == 2 else "") for i, w in enumerate(words))

    def ends(restored: str) -> list[int]:
        return [i for i, w in enumerate(restored.split()) if w[-1] in ".?"]

    restored = restore(disfluent)
    cleaned = re.sub(rf",? {filler.replace(' ', ',? ')},?", "", restored, flags=re.IGNORECASE)
    assert ends(cleaned) == ends(restore(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i've like moved you to seat four", "I've, like, moved you to seat four."),
        ("the fee is um basically zero", "The fee is, um, basically, zero."),
        ("and you know the bill was late again", "And, you know, the bill was late again."),
        ("i'd like to cancel it looks like a mistake", None),
        ("we'll let you know when it ships", None),
        ("a plan like this one costs less", None),
        ("i really like documentaries", None),
    ],
)
def test_fillers_are_set_off_by_commas_as_a_writer_would(text, expected):
    """Commas around a filler, none around the verb "like", a comparison or "let you know"."""
    restored = restore(text)
    if expected is None:
        assert "," not in restored
    else:
        assert restored == expected


def test_questions_open_where_their_syntax_starts():
    """The question word opens the next sentence, and an auxiliary that inverts nothing
    ("does show") opens none."""
    assert restore("it's normally sixty two why is it higher").endswith(". Why is it higher?")
    assert restore("this statement does show eighty four dollars") == (
        "This statement does show eighty four dollars."
    )


@pytest.mark.parametrize(
    ("text", "question"),
    [
        # An auxiliary inverted before a pronoun, or a modal before a determiner, after a
        # statement: the question opens there, with the "and" before it.
        (
            "i want to overpay on my mortgage maybe five thousand pounds will i get charged for that",
            "Will I get charged for that?",
        ),
        ("i paused it last week and can you check why", "And can you check why?"),
        (
            "around one hundred forty now can the barn fit that many for dinner",
            "Can the barn fit that many for dinner?",
        ),
        # A form of "be" inverted after "so" or "and".
        (
            "the street lights are going too so is there a fault in the area",
            "So is there a fault in the area?",
        ),
        # A wh-word, an auxiliary and its subject.
        ("the tracking says customs charges due why do i have to pay", "Why do I have to pay?"),
    ],
)
def test_a_question_run_on_after_a_statement_opens_its_own_sentence(text, question):
    assert restore(text).endswith(" " + question)


@pytest.mark.parametrize(
    ("text", "auxiliary"),
    [
        ("how long will it take", "will"),  # the wh-word's own inversion
        ("if you can you should reset it", "you"),  # after a subject
        ("thanks that should do it for today", "do"),  # "do it" is a verb and its object
        ("the problem is it keeps failing", "it"),  # "be" before a pronoun states
    ],
)
def test_inversions_inside_a_clause_open_no_sentence(text, auxiliary):
    words = restore(text).replace(".", " |").replace("?", " |").lower().split()
    assert words[words.index(auxiliary) - 1] != "|", restore(text)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # A number said in words: "oh" between digits is a digit.
        (
            "i've added vat number g b three four two seven seven one nine oh six to the account",
            "nine oh six",
        ),
        ("your card ending in three three oh six has been blocked", "three three oh six"),
        # A relative clause belongs to its noun; "which" that asks opens a question.
        ("you're on a five year fixed rate which lets you overpay up to ten percent", "rate which lets"),
        # A subject and its auxiliary that end the turn close an embedded clause.
        ("can you tell me the booking reference and what kind of piano it is", "piano it is"),
        # A result clause goes on the clause before it, as after a writer's comma.
        ("the pass hasn't been activated so you can get a full refund", "activated so you"),
        ("i've blocked the lost card so nobody else can use it", "card so nobody"),
        # An auxiliary a wh-word inverted keeps its subject.
        ("customs charges due why do i have to pay anything", "why do I have"),
    ],
)
def test_no_sentence_end_inside_a_phrase(text, kept):
    assert kept.lower() in restore(text).replace(",", "").lower()


def test_a_question_with_which_still_opens_its_sentence():
    assert restore("the pass hasn't been activated which would you prefer").endswith(
        ". Which would you prefer?"
    )
    assert restore("thanks for getting in touch with brookfield libraries which book was damaged").endswith(
        ". Which book was damaged?"
    )


@pytest.mark.parametrize(
    "text",
    [
        "it will appear on all invoices from now on i've also reissued your last three invoices",
        "i can i've started the application with your address",
    ],
)
def test_a_first_person_subject_with_its_auxiliary_opens_a_sentence(text):
    restored = restore(text)
    assert ". I've" in restored, restored


def test_a_first_person_subject_after_and_goes_on_the_sentence():
    assert ". I've" not in restore("i've checked the line and i've booked an engineer for thursday")


def test_repeats_are_read_past_but_numbers_are_not():
    """The first copy of a repeat is a false start; a repeated digit is part of a number."""
    assert disfluent_positions("an exchange for the for the medium".split()) == {2, 3}
    assert disfluent_positions("i i've checked it".split()) == {0}
    assert disfluent_positions("your number is two two four one".split()) == set()


def test_long_turns_are_split_into_sentences():
    assert restore(SPOKEN[0]).count(".") + restore(SPOKEN[0]).count("?") >= 3
    assert restore(SPOKEN[1]).count(".") + restore(SPOKEN[1]).count("?") >= 2


@pytest.mark.parametrize(
    "text",
    [
        SPOKEN[4],
        SPOKEN[5],
        "do you have my account number",
        # Question syntax without any "?" the model might have learned from chat.
        "am i covered",
        "why did that happen",
        "who am i speaking with",
        "oh and uh is one included",
        "has it been approved",
        "anything else i can help with",
    ],
)
def test_questions_get_a_question_mark(text):
    assert restore(text).endswith("?")


@pytest.mark.parametrize(
    "text",
    [
        "i've refunded the forty dollars",
        "my bill went up by twenty pounds this month",
        "have a look at the app tonight",
        "when the app opens it crashes",
        # A sentence that opens with its subject is a statement, "what" or not.
        "i don't know what to do",
        "oh it's still not working",
        "so it can't be used again",
        "and is valid for thirty minutes",
        # "you" opens a statement as "I" does ("can you" is the question).
        "actually you can come in any time before six today",
        # A long sentence with no question word or auxiliary near its start.
        "okay lovely so thats updated now flat three twelve river street from the first of last month",
        # "right there" is one phrase, no question tag.
        "so in the app tap your profile then documents and the statement is right there at the top",
        # An auxiliary after the subject near the start asks nothing.
        "so nobody else can use it and moved the monthly pass onto a replacement card",
        # A subordinator before its subject opens a clause, not a question.
        "when you make the payment in online banking",
        "once it's paid the parcel is released",
    ],
)
def test_statements_are_not_questions(text):
    assert restore(text).endswith(".")


@pytest.mark.parametrize("lead", ["so", "okay so", "well", "and um", "so uh"])
@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("standard renewals are currently taking four weeks from when we receive the application", "."),
        ("the bill is higher because your discount ended", "."),
        ("the parcel left the studio yesterday", "."),
        ("what do i need to send", "?"),
        ("can i pay the fee by card", "?"),
        ("when is my appointment", "?"),
    ],
)
def test_a_leading_discourse_word_does_not_decide_the_question(lead, text, mark):
    """ "So, standard renewals are taking four weeks." is a statement: a filler or discourse
    word put in front (the filler edit of a minimal pair) leaves the sentence what it was."""
    assert restore(text).endswith(mark)
    assert restore(f"{lead} {text}").endswith(mark)


def test_pronoun_i_is_capitalised():
    restored = restore("yes i think i'll take the earlier slot if i can")
    assert " I think I'll " in restored and " i " not in restored


def test_parser_splits_and_tags_spoken_turns_like_written_ones(encoder):
    call = Transcript.from_pairs("t", [("customer", SPOKEN[2]), ("agent", SPOKEN[0])])
    restored = TranscriptParser(encoder=encoder).parse(call)
    raw = TranscriptParser(encoder=encoder, restore_speech=False).parse(call)
    agent = restored.agent_sentences
    assert len(agent) >= 3
    assert agent[-1].text.endswith("?")
    # The rule splitter alone marks no question; the raw parse keeps the input text.
    assert not any(s.text.endswith("?") for s in raw.agent_sentences)
    assert " ".join(s.text for s in raw.sentences).split() == " ".join([SPOKEN[2], SPOKEN[0]]).split()


def test_word_tags_give_each_word_its_first_and_last_token_tag():
    tokens = [(0, "PRP"), (1, "VBP"), (5, "VBN"), (15, "PRP$"), (20, "NN")]
    assert word_tags("i've confirmed your order", tokens) == [
        ("PRP", "VBP"),
        ("VBN", "VBN"),
        ("PRP$", "PRP$"),
        ("NN", "NN"),
    ]


@pytest.mark.parametrize(
    ("text", "tags", "kept"),
    [
        # A verb before its object's determiner, a preposition before its object.
        (
            "the courier has confirmed the change it will still arrive on thursday",
            "DT NN VBZ VBD DT NN PRP MD RB VB IN NNP",
            "confirmed the change",
        ),
        # A past participle after "have" takes an object too.
        (
            "the courier has confirmed the change it will still arrive on thursday",
            "DT NN VBZ VBN DT NN PRP MD RB VB IN NNP",
            "confirmed the change",
        ),
        ("photos taken within the last month are fine", "NNS VBN IN DT JJ NN VBP JJ", "within the last"),
    ],
)
def test_no_sentence_end_between_a_verb_or_preposition_and_its_object(text, tags, kept):
    pairs = [(t, t) for t in tags.split()]
    assert kept in restore(text, pairs).lower()
    with pytest.raises(ValueError, match="one per word"):
        restore(text, pairs[:-1])


@pytest.mark.parametrize(
    ("text", "tags", "kept"),
    [
        # A perfect is one verb: "I haven't." + "Got it." would lose the problem.
        (
            "my parcel says delivered but i haven't got it",
            "PRP$ NN VBZ VBN CC PRP VBP VBN PRP",
            "haven't got it",
        ),
        ("the refund was sent back yesterday", "DT NN VBD VBN RB NN", "was sent"),
        # An auxiliary and its subject wait for the main verb, a filler between or not.
        (
            "can my daughter um use my card at other branches",
            "MD PRP$ NN UH VB PRP$ NN IN JJ NNS",
            "daughter",
        ),
        ("does the annual plan cover both cars", "VBZ DT JJ NN VB DT NNS", "plan cover"),
    ],
)
def test_no_sentence_end_inside_a_verb_group(text, tags, kept):
    pairs = [(t, t) for t in tags.split()]
    restored = restore(text, pairs)
    assert kept in restored.lower().replace(",", "").replace(" um", ""), restored
    assert restored.count(".") + restored.count("?") == 1, restored


def test_a_short_answer_still_ends_before_what_follows():
    """The verb-group rules need a participle or a missing verb: "yes we do" is complete."""
    from cxnlp.speech_text import _awaits_its_verb, _joins_its_participle

    assert not _joins_its_participle("haven't", "PRP")
    assert _joins_its_participle("haven't", "VBN")
    assert not _awaits_its_verb(["do", "you", "want", "it"], ["VBP", "PRP", "VB", "PRP"], 0, 2)
    assert _awaits_its_verb(["can", "my", "daughter", "use"], ["MD", "PRP$", "NN", "VB"], 0, 2)
    assert not _awaits_its_verb(["is", "it", "ready"], ["VBZ", "PRP", "JJ"], 0, 1)


def test_a_passive_participle_takes_no_object():
    from cxnlp.speech_text import _takes_object

    assert _takes_object("VBN", "DT", "has")
    assert not _takes_object("VBN", "DT", "been")  # "it's been done | the link is in your email"
    assert not _takes_object("NN", "DT", "the")


def test_the_parser_tags_spoken_turns_before_restoring_them(encoder):
    """The parser's tagger reads the turn first, so "enter | your code" stays one sentence
    (from its words alone the model ends one after "enter")."""
    text = "yes enter your code on the panel and then press the bell button twice"
    call = Transcript.from_pairs("t", [("agent", text)])
    sentences = [s.text for s in TranscriptParser(encoder=encoder).parse(call).sentences]
    assert any("enter your code" in s for s in sentences), sentences
    assert "enter your code" not in restore(text)


def test_evidence_is_located_in_the_original_turn():
    turn = "im sorry about that dana ive refunded the forty dollars"
    sentence = restore(turn).split(". ")[-1]
    where = locate(turn, sentence)
    assert where is not None and turn[where[0] : where[1]].endswith("forty dollars")
    assert locate(turn, "a refund of nine dollars.") is None


def test_malformed_models_are_refused_naming_the_field(tmp_path):
    from importlib import resources

    good = json.loads(resources.files("cxnlp").joinpath("resources", "speech_punctuation.json").read_text())
    cases = {
        "format": ({**good, "format": "other"}, "format"),
        "boundary": ({**good, "boundary": []}, "boundary"),
        "weights": ({**good, "question": {**good["question"], "weights": {"bias": "1"}}}, "question.weights"),
        "threshold": ({**good, "boundary": {**good["boundary"], "threshold": 1.5}}, "boundary.threshold"),
    }
    for name, (payload, field) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        with pytest.raises(SpeechModelError, match=re.escape(field)):
            load_speech_punctuator(path)


def test_packaged_model_carries_its_provenance():
    from importlib import resources

    data = json.loads(resources.files("cxnlp").joinpath("resources", "speech_punctuation.json").read_text())
    provenance = json.dumps(data["provenance"]).lower()
    assert "taskmaster" in provenance and "cc by 4.0" in provenance
    assert "multiwoz" not in provenance and "sgd" not in provenance
    assert default_speech_punctuator().digest


def test_filler_still_counts_disfluencies_in_spoken_turns(encoder):
    """Restoration keeps "um", "uh" and repeats, so the filler dimension still reads them."""
    from cxnlp.dimensions.filler import FillerContent

    filler = FillerContent()
    filler.prepare(encoder)
    parser = TranscriptParser(encoder=encoder)
    customer = "my broadband keeps cutting out every night"
    clean = "i've checked the line there's a fault at the cabinet an engineer will fix it on thursday"
    disfluent = (
        "um i've i've checked the line and uh there's like a fault at the cabinet "
        "so um an engineer will you know fix it on thursday"
    )
    scores = [
        filler.score(
            parser.parse(Transcript.from_pairs("t", [("customer", customer), ("agent", agent)]))
        ).score
        for agent in (clean, disfluent)
    ]
    assert scores[1] > scores[0] + 5


def _tagged_ends(text: str, tags: str) -> list[str]:
    """The sentences :func:`restore` makes of ``text`` with one tag per word."""
    pairs = [(t, t) for t in tags.split()]
    return [s.strip() for s in re.split(r"(?<=[.?])\s", restore(text, pairs).lower())]


@pytest.mark.parametrize(
    ("norm", "k", "tags", "together"),
    [
        # A verb that takes a clause, after its subject, before the clause's subject.
        ("good evening my dentist says i need a crown", 4, "JJ NN PRP$ NN VBZ PRP VBP DT NN", True),
        ("i'm worried i've missed the draws", 1, "PRP JJ PRP VBN DT NNS", True),
        # ... but not a noun spelt like one ("enjoy the show | I've also checked").
        ("enjoy the show i've also checked", 2, "VB DT NN PRP RB VBN", False),
        # A subordinator before its clause.
        ("please don't use it until it's repaired", 4, "UH VB VB PRP IN PRP VBN", True),
        ("once we receive it we confirm", 0, "IN PRP VBP PRP PRP VBP", True),
        # An inverted auxiliary and its subject after a wh-phrase or "or".
        ("okay and what adhesive do i need", 4, "UH CC WDT NN VBP PRP VB", True),
        ("can i post them back or do i have to", 6, "MD PRP VB PRP RB CC VBP PRP VB TO", True),
        ("how much is it going to cost", 1, "WRB JJ VBZ PRP VBG TO VB", True),
        # ... but "yes we do | we have it" ends: the auxiliary follows its subject.
        ("yes we do we have it in stock", 2, "UH PRP VBP PRP VBP PRP IN NN", False),
        # A verb and its object pronoun; "it" only when no verb follows it.
        ("i need someone to fix it i can't do that", 4, "PRP VBP NN TO VB PRP PRP MD VB DT", True),
        ("we'll just need to check it has a fire label", 4, "PRP RB VB TO VB PRP VBZ DT NN NN", False),
        # An amount's unit and its rate; a day and its date.
        ("it's thirty five dollars a window", 3, "PRP CD CD NNS DT NN", True),
        ("i've booked you in for saturday the ninth at eleven", 5, "PRP VBN PRP IN IN NNP DT JJ IN CD", True),
        ("it's booked for saturday the room is ready", 3, "PRP VBN IN NNP DT NN VBZ JJ", False),
    ],
)
def test_words_that_tie_what_follows_hold_a_sentence_together(norm, k, tags, together):
    from cxnlp.speech_text import _holds_together, default_clause_lexicon

    words = norm.split()
    pairs = [(t, t) for t in tags.split()]
    assert len(pairs) == len(words)
    assert _holds_together(words, k, 0, pairs, default_clause_lexicon()) is together


def test_restored_sentences_keep_a_reported_clause_and_a_date_whole():
    """Through :func:`restore`: no "My dentist says." / "I need a crown." and no "Saturday."
    / "The ninth at eleven am." (each fragment reads as neither the need nor the answer)."""
    sentences = _tagged_ends(
        "good evening my dentist says i need a crown on a back tooth how much of that will my plan pay",
        "JJ NN PRP$ NN VBZ PRP VBP DT NN IN DT JJ NN WRB JJ IN DT MD PRP$ NN VB",
    )
    assert any("says i need a crown" in s for s in sentences), sentences
    sentences = _tagged_ends(
        "i've booked you in for saturday the ninth at eleven am with bea",
        "PRP VBN PRP IN IN NNP DT JJ IN CD NN IN NNP",
    )
    assert len(sentences) == 1, sentences


def test_never_final_words_come_from_the_clause_lexicon(tmp_path):
    """The lists are a versioned data file: a copy without "per" lets a sentence end on it."""
    import yaml

    from cxnlp.speech_text import CLAUSE_RESOURCE, _cannot_end, load_clause_lexicon

    packaged = load_clause_lexicon()
    assert packaged.digest and {"per", "plus", "the"} <= packaged.never_final
    assert _cannot_end("per") and not _cannot_end("hour")
    data = yaml.safe_load(open(f"cxnlp/resources/{CLAUSE_RESOURCE}", encoding="utf-8"))
    data["never_final"] = [w for w in data["never_final"] if w != "per"]
    path = tmp_path / "clauses.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    copy = load_clause_lexicon(path)
    assert not _cannot_end("per", "", copy.never_final) and copy.digest != packaged.digest


def test_a_condition_keeps_its_main_clause():
    """ "If you use a different brewer." / "Tell me and I'll change the grind." would leave a
    bare imperative that reads curt; with one verb so far the condition goes on."""
    from cxnlp.speech_text import _condition_goes_on, default_clause_lexicon

    lexicon = default_clause_lexicon()
    words = "if you use a different brewer tell me and i'll change the grind".split()
    tags = [(t, t) for t in "IN PRP VBP DT JJ NN VB PRP CC PRP VB DT NN".split()]
    assert _condition_goes_on(words, 0, 5, tags, lexicon)
    assert not _condition_goes_on(words, 0, 5, None, lexicon)  # no tags: the model decides
    # Once a second verb has come the condition has its main clause.
    words = "if it rains we close early thanks".split()
    tags = [(t, t) for t in "IN PRP VBZ PRP VBP RB NNS".split()]
    assert not _condition_goes_on(words, 0, 5, tags, lexicon)
    # "when" before an auxiliary asks; it opens no condition.
    words = "when will it arrive i'm out".split()
    tags = [(t, t) for t in "WRB MD PRP VB PRP RB".split()]
    assert not _condition_goes_on(words, 0, 3, tags, lexicon)


@pytest.mark.parametrize(
    ("words", "tags", "cuts", "kept"),
    [
        # A lone noun joins the sentence before it.
        ("handled by the area manager let me transfer you", "VBN IN DT NN NN VB PRP VB PRP", [3, 4], [4]),
        # A lone verb joins the sentence after it.
        ("that should do it press check return again", "DT MD VB PRP VB VB NN RB", [3, 4], [3]),
        # "Thanks." and a name stand alone.
        ("okay thanks i'll send it", "UH NNS PRP VB PRP", [0, 1], [0, 1]),
        ("hi derek i need help", "UH NNP PRP VBP NN", [0, 1], [0, 1]),
    ],
)
def test_one_word_fragments_join_a_neighbour(words, tags, cuts, kept):
    from cxnlp.speech_text import _without_fragments, default_clause_lexicon

    norm = words.split()
    pairs = [(t, t) for t in tags.split()]
    assert _without_fragments(norm, cuts, pairs, default_clause_lexicon()) == kept


@pytest.mark.parametrize(
    ("norm", "k", "tags", "together"),
    [
        # A modal after a noun and the verb it needs: "the software won't | let me submit".
        ("the software won't let me submit", 2, "DT NN MD VB PRP VB", True),
        # After its subject pronoun the modal may close an elliptic answer.
        ("yes i can let me check", 2, "UH PRP MD VB PRP VB", False),
    ],
)
def test_a_modal_keeps_its_verb_after_a_noun(norm, k, tags, together):
    from cxnlp.speech_text import _holds_together, default_clause_lexicon

    pairs = [(t, t) for t in tags.split()]
    assert _holds_together(norm.split(), k, 0, pairs, default_clause_lexicon()) is together


def test_a_subject_that_is_never_an_object_opens_a_sentence_after_an_adverb():
    from cxnlp.speech_text import _OPENER_THRESHOLD, _threshold_before

    norm = "so they ship separately yours left the studio yesterday".split()
    tags = [(t, t) for t in "RB PRP VBP RB PRP VBD DT NN NN".split()]
    assert _threshold_before(norm, 3, 0.3, tags) == _OPENER_THRESHOLD
    assert _threshold_before(norm, 3, 0.3) == 0.3  # without tags: the model's threshold
    # "anything else | I can help with": a reduced relative, not a new sentence.
    norm = "is there anything else i can help with".split()
    tags = [(t, t) for t in "VBZ EX NN RB PRP MD VB IN".split()]
    assert _threshold_before(norm, 3, 0.3, tags) == 0.3

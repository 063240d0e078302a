"""Register cues of off-brand speech, read from the words of one agent sentence as said.

The brand style classifier reads a sentence's meaning (its embedding); some off-brand
speech is better told by its form than by its meaning: "lol yeah that's broken" means the
same as a plain "that's broken", and "The engineer is NOT coming today" the same as the
sentence in lower case. These functions find such forms, each a pure function of a spaCy
span and the word lists of ``cxnlp/resources/brand_lexicon.yaml`` (what each list is for is
said there), so a deployment whose voice welcomes one of them (casual chat) edits its copy:

``text_speak``
    Slang and chat shorthand ("lol", "tbh", "gonna", "ur"), matched on whitespace-separated
    words so that tokenisation ("gon na") does not hide them; filler words are not here.
``shouting``
    A word in capitals that the tagger reads as a function word, verb, adverb or adjective
    ("I SAID", "NOT"), not an acronym; or a run of "!!" / "?!".
``reprimand``
    The sentence opens, after at most a discourse word ("Okay, listen carefully", "please
    just listen"), with a bare imperative aimed at the customer: "Look, ..." / "Listen, ..."
    (not "Look at the back of the card") or "Calm down", "Relax", "Hurry up".
``blame``
    A counterfactual about what the customer did: "if you had read ...", "if you'd kept
    ...", "you should have / must have <done>" or, with the subject dropped, "Could've
    checked the app" (not "you should have received", an expectation); or a failure of the
    customer's given as the cause: "because you didn't keep enough money in the account"
    ("because you chose the standard option" is an explanation and does not count).
``reproach``
    The agent reminds the customer it has said this before: "as I already explained", "I've
    told you twice", "like I said" ("As I mentioned, the refund takes five days" does not
    count: a reminder without a repeat word is plain signposting).
``curt_command``
    A sentence that is only an urgency word: "Quickly.", "Now.", "Patience."
``ultimatum``
    A question closed as an ultimatum: "... or not?", "... or are we done?", "... or is that
    it?".
``curt_refusal``
    A refusal with its subject dropped: the sentence opens with a negated modal
    ("Can't help with that", "Won't happen"); a question ("Can't the app be updated?") is
    none.
``rhetorical_tag``
    A statement closed by a tag question on "you" or "we" ("Leaving it late, aren't you?",
    "Let's keep up, shall we?"): talking down (a closing ", you know" is the filler
    dimension's: in speech it is mostly filler). A tag on "it" ("That's the
    card ending 44, isn't it?") checks a fact and does not count.

Version 4 of the lexicon adds the cues of manner that carry no rude word at all (what an
independent tester found missed): each reads the sentence without its fillers (the parse's
filler-free ``content``), so "Ugh, um, ok, one sec" and "ugh ok one sec" read alike.

``curt_reply``
    A reply cut to the bone, with no courtesy word in it: only grudging or casual
    acknowledgements ("Fine.", "K, got it.", "Yep, bye.", "Cool, cheers, bye."; read as said,
    since "yep" and "ok" are also fillers the content drops); a demand put
    as a bare noun phrase ("Account number?", "Postcode?"); a bare imperative of at most two
    words ("Wait.", "Hang on."); a noun phrase ordered with a last "go"/"now" ("Name and
    account number, go."). "Okay, got it.", "Yep, the address matches." and "Let me check."
    do not count: no grudging word, content, or a third word.
``annoyance``
    An interjection of annoyance or indifference opening the sentence ("Ugh, ok, one sec",
    "Whatever, I'll look", "Fine, I'll do it").
``talking_down``
    "even" aimed at the customer ("Did you even check?", "I'm sure even you can manage"),
    or a term of endearment said to them ("Sweetheart, that's not how it works", "..., love").
``tautology``
    A brush-off that repeats its own verb: "You'll get it when you get it", "It takes however
    long it takes".
``sarcasm``
    Praise that opens a complaint: "Oh brilliant, so you want the refund as well", "Oh great,
    another password reset".

``curt_refusal`` also reads "No idea ..." / "No clue ..." and a dropped-subject disowning
("Not my circus", "Not our problem"); ``blame`` also "if you'd read the email" (not "if you'd
like"); ``reprimand`` also a "hurry" aimed at the customer ("Can we hurry this up").

Version 5 adds the politely worded blame, condescension, impatience and brush-offs an
out-of-sample tester found cost nothing, each beside the same shape said plainly (the pipeline
has no dependency parser, so they read word, tag and lemma sequences):

``condescension``
    A stance adverb over the customer's doing ("Obviously you need to charge it first"; not
    "you're obviously upset"); doubt about their effort in an if-clause ("if you actually
    follow the steps", "if you read it properly"); an ease judgement ("It's not complicated",
    "not rocket science", "anyone can do it", "basic stuff") with the customer's part
    minimised ("you just press the button"), or a negated one said bare, with no offer of
    the agent's ("It's not complicated, I'll walk you through it" is reassurance; "You just
    press the button" alone an instruction); "keep up" closing a sentence.
``exasperation``
    "How many times do I have to say it?", "For the last time, ...", "we've been over this",
    "I'm not sure what else you want me to say", "this is the third time you've asked" (not
    with an apology), "I did explain this".
``brush_off``
    "That's not really my problem" (not "..., but my colleague can help"), "there's nothing
    more to discuss", "it won't make any difference" / "won't change anything" closing the
    sentence ("Cancelling won't change the current bill" does not), "that's not happening".
``pointed_opener``
    "No offence, but ...", "With respect, ..." (not "with respect to the bill"), "Just so
    we're clear, ...".

And ``blame`` also reads "you could have just called", "Had you read the confirmation",
"that's what happens when the bill isn't paid" / "that's what you get for ...", "your
fault / your responsibility", "the mistake was on your end", "that's on you", "nobody made
you ...", "you entered the wrong address"; ``reproach`` "as I said" (a blunt verb needs no
repeat word; "as I mentioned" is signposting), "as previously stated", "per my last
message"; ``tautology`` "it is what it is", "rules are rules"; ``sarcasm`` "thanks for
finally ..."; ``curt_reply`` "Done.", "Reference number." said flat, "What's the problem?",
"Next question."; ``curt_refusal`` "Not possible.".

Version 6 adds what curt, blaming and condescending rewrites of whole calls say with no rude
word and no counterfactual (each beside a plain twin in the tests; none fires on the agent
turns of the tuning splits' adequate and model calls):

``pointed_reference``
    The customer pointed at what they were given: "It's in the contract you signed", "as the
    leaflet says", "which you noted yourself" (not "It's on the confirmation email.").
``common_knowledge``
    "Most people know that", "as anyone could tell you", "same as everyone else", "if you
    can't manage that", "that's common knowledge".
``unnamed_blame``
    "because nobody told us you moved", "because someone didn't top it up", "something you
    did", "you're supposed to tell us" (not "you're supposed to get a text").
``conduct_order``
    "Be on time", "Please don't be late", "No more changes after this one", "That's the best
    you'll get".
``conditional_threat``
    A sanction made conditional on the customer's conduct going on: "Raise your voice again
    and I'll end this call", "If you swear at me once more we will close the account", "One
    more outburst and I'm hanging up" (not "Call us back and we'll sort it", "If it happens
    again we'll replace it").
``curt_order``
    A short bare order that is the agent's whole turn, with no courtesy and no reason ("Pay
    at the desk.", "Booking's gone. Rebook.").
``curt_opening`` / ``curt_close`` (:func:`turn_cues`, read from whole turns)
    The agent opens the call with no greeting, courtesy or introduction ("Sentinel.",
    "Hollins renewals.") or closes it on a bare fact with no farewell ("3:40.", "Sunday
    then."); a bare "Bye." is no cue (careful agents end calls with it too).

``brush_off`` also reads dismissive idioms ("end of story", "who knows", "I just work here"),
``exasperation`` "get to the point", "I heard you the first time"; ``curt_reply`` a
coordinated bare demand ("Policy number and postcode.") and is no cue in a turn that holds a
courtesy word ("You're welcome. Bye now.").

Version 7: that courtesy excuses a short farewell or warm close only ("Thanks so much. Speak
soon."), not a bare demand or a grudging acknowledgement in the same turn ("Sorry about that.
Account number?", "Thanks. K, got it."); a demand is a bare noun phrase ("Here any time?" and
"The tracking link now." are none). :func:`offer_shape` reads whether a sentence is an offer of
the agent's (a commitment, an invitation to come back, a next step, an anticipated need, words
of understanding) from person, modality and mood; the brand dimension asks more of the style
classifier before it reads such a sentence as off brand.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxnlp.nlp import span_words

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Doc, Span, Token

    from cxnlp.lexicon import Lexicon
    from cxnlp.nlp import ParsedTranscript

#: The cues in the order evidence names them.
CUES: tuple[str, ...] = (
    "text_speak",
    "shouting",
    "reprimand",
    "blame",
    "reproach",
    "curt_refusal",
    "curt_command",
    "ultimatum",
    "rhetorical_tag",
    "curt_reply",
    "annoyance",
    "talking_down",
    "tautology",
    "sarcasm",
    "condescension",
    "exasperation",
    "brush_off",
    "pointed_opener",
    "pointed_reference",
    "common_knowledge",
    "unnamed_blame",
    "conduct_order",
    "conditional_threat",
    "curt_order",
)

_WORD_EDGE = re.compile(r"^[^\w']+|[^\w']+$")
_PUNCT_RUN = re.compile(r"[!?]{2,}")
_SHOUT_POS = frozenset({"VERB", "AUX", "PRON", "PART", "ADV", "ADJ", "DET", "ADP", "CCONJ", "SCONJ", "INTJ"})
_MODALS = frozenset({"should", "could", "would", "must", "might", "'d"})
_HAVE = frozenset({"have", "'ve", "of"})
#: What may follow the verb of a reproach: "I told you", "I said that", "I explained it
#: twice", "as I already explained, ..." (punctuation is checked apart).
_SAID_TO_YOU = frozenset({"", "you", "this", "that", "it", "so", "twice", "already", "before", "again"})


@dataclass(frozen=True, slots=True)
class RegisterWords:
    """The word lists the cues read (lower-cased), from the brand lexicon."""

    text_speak: frozenset[str]
    not_shouting: frozenset[str]
    reprimand_openers: frozenset[str]
    reprimand_verbs: frozenset[str]
    expectation_verbs: frozenset[str]
    discourse_openers: frozenset[str]
    saying_verbs: frozenset[str]
    repeat_markers: frozenset[str]
    failure_words: frozenset[str]
    curt_words: frozenset[str]
    grudging_words: frozenset[str] = frozenset()
    bare_reply_words: frozenset[str] = frozenset()
    courtesy_words: frozenset[str] = frozenset()
    annoyance_words: frozenset[str] = frozenset()
    endearments: frozenset[str] = frozenset()
    wish_verbs: frozenset[str] = frozenset()
    praise_words: frozenset[str] = frozenset()
    blunt_saying_verbs: frozenset[str] = frozenset()
    previous_words: frozenset[str] = frozenset()
    fault_nouns: frozenset[str] = frozenset()
    coercion_verbs: frozenset[str] = frozenset()
    stance_adverbs: frozenset[str] = frozenset()
    minimisers: frozenset[str] = frozenset()
    difficulty_words: frozenset[str] = frozenset()
    effort_doubts: frozenset[str] = frozenset()
    disown_nouns: frozenset[str] = frozenset()
    futile_objects: frozenset[str] = frozenset()
    talk_verbs: frozenset[str] = frozenset()
    ordinal_words: frozenset[str] = frozenset()
    belated_words: frozenset[str] = frozenset()
    belittling_words: frozenset[str] = frozenset()
    demand_nouns: frozenset[str] = frozenset()
    trouble_nouns: frozenset[str] = frozenset()
    queue_nouns: frozenset[str] = frozenset()
    bare_acks: frozenset[str] = frozenset()
    exasperated_phrases: tuple[tuple[str, ...], ...] = ()
    pointed_openers: tuple[tuple[str, ...], ...] = ()
    greeting_words: frozenset[str] = frozenset()
    warm_close_words: frozenset[str] = frozenset()
    document_nouns: frozenset[str] = frozenset()
    receipt_verbs: frozenset[str] = frozenset()
    crowd_words: frozenset[str] = frozenset()
    knowing_verbs: frozenset[str] = frozenset()
    ability_verbs: frozenset[str] = frozenset()
    unnamed_persons: frozenset[str] = frozenset()
    crowd_nouns: frozenset[str] = frozenset()
    farewell_words: frozenset[str] = frozenset()
    condescending_phrases: tuple[tuple[str, ...], ...] = ()
    dismissive_phrases: tuple[tuple[str, ...], ...] = ()
    soft_imperatives: frozenset[str] = frozenset()
    softeners: frozenset[str] = frozenset()
    conduct_phrases: tuple[tuple[str, ...], ...] = ()
    limit_phrases: tuple[tuple[str, ...], ...] = ()
    commitment_modals: frozenset[str] = frozenset()
    empathy_verbs: frozenset[str] = frozenset()
    presume_verbs: frozenset[str] = frozenset()
    sanction_verbs: frozenset[str] = frozenset()
    conduct_repeats: tuple[tuple[str, ...], ...] = ()
    conduct_words: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> RegisterWords:
        """The lists of a brand lexicon (words as sets, phrases as word tuples)."""
        return cls(
            **{
                name: lexicon.words[name] if name in lexicon.words else lexicon.phrases[name]
                for name in cls.__slots__
            }
        )


@dataclass(frozen=True, slots=True)
class RegisterCue:
    """One cue found in a sentence: its kind (one of :data:`CUES`) and the words."""

    kind: str
    text: str


def _words(span: Span) -> list[str]:
    return [w for w in (_WORD_EDGE.sub("", raw).lower() for raw in span.text.split()) if w]


def text_speak(span: Span, words: RegisterWords) -> str | None:
    """The first slang or chat-shorthand word of the sentence ("what's up" counts as one), if any.

    A capitalised word right after another capitalised word is part of a name ("Xiao U",
    "Mate Hotel"), not slang.
    """
    said = span.text.lower().replace("\u2019", "'")
    if re.search(r"\bwh?at'?s+ up\W*$", said) or "wassup" in said:  # "Hey, what's up?"
        return "what's up"
    previous = ""
    for raw in span.text.split():
        word = _WORD_EDGE.sub("", raw)
        if word.lower() in words.text_speak and not (word[:1].isupper() and previous[:1].isupper()):
            return word.lower()
        previous = word
    return None


def shouting(span: Span, words: RegisterWords) -> str | None:
    """A shouted word ("NOT") or a run of "!!"/"?!", if any."""
    run = _PUNCT_RUN.search(span.text)
    if run is not None:
        return run.group()
    for token in span:
        if (
            len(token.text) >= 2
            and token.is_alpha
            and token.is_upper
            and token.pos_ in _SHOUT_POS
            and token.lower_ not in words.not_shouting
        ):
            return token.text
    return None


def _content_tokens(span: Span) -> tuple[Token, ...]:
    return span_words(span)


def reprimand(span: Span, words: RegisterWords) -> str | None:
    """The opening imperative of a reprimand ("Look, ...", "Calm down"), if the sentence has one."""
    tokens = _content_tokens(span)
    for i, tok in enumerate(tokens):  # "Can we hurry this up", not "there's no hurry"
        if tok.lemma_.lower() == "hurry" and tok.pos_ == "VERB" and (i == 0 or tokens[i - 1].lower_ != "no"):
            return tok.text
    while len(tokens) > 1 and tokens[0].lower_ in words.discourse_openers:
        tokens = tokens[1:]
    if not tokens:
        return None
    first = tokens[0]
    if first.lower_ in words.reprimand_verbs and first.tag_ in {"VB", "VBP"}:
        return first.text
    if first.lower_ in words.reprimand_openers:
        doc = first.doc
        nxt = doc[first.i + 1] if first.i + 1 < len(doc) else None
        # "Look, ..." / "look its simple" / "listen carefully", not "look at", "look up",
        # "look into"
        if len(tokens) > 1 and (
            nxt is None
            or nxt.is_punct
            or nxt.pos_ not in {"ADP", "PART", "ADV"}
            or (nxt.pos_ == "ADV" and nxt.lower_.endswith("ly"))
        ):
            return first.text
    return None


def blame(span: Span, words: RegisterWords) -> str | None:
    """A counterfactual about the customer's own doing ("if you had read", "you should have checked")."""
    tokens = _content_tokens(span)
    for i, tok in enumerate(tokens):
        if tok.lower_ != "you":
            continue
        rest = tokens[i + 1 : i + 4]
        lowered = [t.lower_ for t in rest]
        if len(rest) < 2:
            continue
        # "if you had / 'd + past participle"
        if (
            i > 0
            and tokens[i - 1].lower_ == "if"
            and lowered[0] in {"had", "'d"}
            and rest[1].tag_ in {"VBN", "VBD"}
        ):
            return " ".join(t.text for t in tokens[i - 1 : i + 3])
        # "if you'd read the email" (not "if you'd like"): a past the customer did not do
        if (
            i > 0
            and tokens[i - 1].lower_ == "if"
            and lowered[0] == "'d"
            and rest[1].pos_ == "VERB"
            and rest[1].lemma_.lower() not in words.wish_verbs
            and rest[1].lower_ not in words.wish_verbs
        ):
            return " ".join(t.text for t in tokens[i - 1 : i + 3])
        # "you should / could / must have (just) + past participle" (not an expectation verb)
        done = _modal_past(tokens, i + 1, words)
        if done is not None:
            return span.doc[tok.i : done.i + 1].text
        # "Had you read the confirmation, ...": the inverted counterfactual
        if (
            i > 0
            and tokens[i - 1].lower_ == "had"
            and (i == 1 or tokens[i - 2].lower_ in words.discourse_openers)
        ):
            verb = next((t for t in rest[:2] if t.pos_ != "ADV"), None)
            if (
                verb is not None
                and (verb.tag_ in {"VBN", "VBD"} or verb.pos_ == "VERB")  # "had you read": VB
                and verb.lemma_.lower() not in words.expectation_verbs
            ):
                return span.doc[tokens[i - 1].i : verb.i + 1].text
        # "you entered the wrong address": the customer's own error stated as the cause
        if i == 0 and len(rest) >= 3 and rest[0].tag_ == "VBD":
            k = next((k for k, t in enumerate(tokens[i + 2 : i + 6], i + 2) if t.lower_ == "wrong"), None)
            if k is not None and k + 1 < len(tokens) and tokens[k + 1].pos_ == "NOUN":
                return span.doc[tok.i : tokens[k + 1].i + 1].text
        # "because / since you didn't ...", "because you never ..."
        if i > 0 and tokens[i - 1].lower_ in {"because", "since", "cause", "cos", "coz"}:
            hit = next((t for t in rest[:3] if t.lower_ in words.failure_words), None)
            if hit is not None:
                return span.doc[tokens[i - 1].i : hit.i + 1].text
    # "Could've checked the app" / "Should have read the terms": the subject dropped
    done = _modal_past(tokens, 0, words)
    if done is not None:
        return span.doc[tokens[0].i : done.i + 1].text
    return _blame_by_form(span, tokens, words)


def _modal_past(tokens: Sequence[Token], j: int, words: RegisterWords) -> Token | None:
    """The participle of "should / could / must have (just) <done>" starting at ``tokens[j]``,
    if it is one and not an expectation ("you should have received a text")."""
    if j >= len(tokens) or tokens[j].lower_ not in _MODALS:
        return None
    k = j + 1
    if k < len(tokens) and tokens[k].pos_ == "ADV" and tokens[k].lower_ not in _HAVE:
        k += 1  # "you should really have checked"
    if k >= len(tokens) or tokens[k].lower_ not in _HAVE:
        return None
    k += 1
    if k < len(tokens) and tokens[k].pos_ == "ADV":
        k += 1  # "you could have just called"
    if k >= len(tokens) or not (tokens[k].tag_ in {"VBN", "VBD"} or tokens[k].pos_ == "VERB"):
        return None
    if tokens[k].lemma_.lower() in words.expectation_verbs:
        return None
    return tokens[k]


def _blame_by_form(span: Span, tokens: Sequence[Token], words: RegisterWords) -> str | None:
    """Blame said without a counterfactual: "that's what happens when ... isn't paid",
    "that's what you get for ...", "your fault / your responsibility", "the mistake was on
    your end", "that's on you", "nobody made you ..."."""
    lowered = [t.lower_ for t in tokens]
    n = len(lowered)
    for i in range(n - 3):
        # "that's what happens when the bill isn't paid" / "that's what you get for ignoring"
        if (
            lowered[i] in {"that", "this"}
            and lowered[i + 1] in {"'s", "is", "was"}
            and lowered[i + 2] == "what"
        ):
            after = lowered[i + 3 : i + 6]
            if after[:2] == ["you", "get"]:
                return " ".join(t.text for t in tokens[i : i + 5])
            if after[:1] in (["happens"], ["happened"]) and words.failure_words.intersection(
                lowered[i + 4 :]
            ):
                return " ".join(t.text for t in tokens[i : i + 4])
    for i, tok in enumerate(tokens):
        # "your fault", "your own mistake", "your responsibility"
        if tok.lower_ in words.fault_nouns and tok.pos_ == "NOUN":
            owners = [t.lower_ for t in tokens[max(0, i - 2) : i]]
            if "your" in owners:
                return span.doc[tokens[i - 1 - owners[::-1].index("your")].i : tok.i + 1].text
            # "the mistake was on your end / side"
            if any(t.lemma_ == "be" for t in tokens[i + 1 : i + 3]):
                tail = lowered[i + 2 : i + 7]
                for a, b, c in zip(tail, tail[1:], tail[2:], strict=False):
                    if (a, b) == ("on", "your") and c in {"end", "side"}:
                        return " ".join(t.text for t in tokens[i : i + 2 + tail.index("on") + 3])
        # "nobody made you sign up", "no one forced you"
        if (
            tok.lemma_.lower() in words.coercion_verbs
            and i > 0
            and (lowered[i - 1] in {"nobody", "noone"} or lowered[max(0, i - 2) : i] == ["no", "one"])
            and i + 1 < n
            and lowered[i + 1] == "you"
        ):
            return span.doc[tokens[i - 1].i : tokens[i + 1].i + 1].text
    # "that's on you" closing a clause
    for i in range(n - 2):
        if lowered[i] in {"'s", "is"} and lowered[i + 1 : i + 3] == ["on", "you"]:
            nxt = tokens[i + 2].i + 1
            if nxt >= len(span.doc) or span.doc[nxt].is_punct:
                return " ".join(t.text for t in tokens[max(0, i - 1) : i + 3])
    return None


def reproach(span: Span, words: RegisterWords) -> str | None:
    """A reminder that the agent has said it before ("as I already explained", "like I said")."""
    tokens = _content_tokens(span)
    lowered = [t.lower_ for t in tokens]
    for i, tok in enumerate(tokens):
        if tok.lemma_.lower() not in words.saying_verbs or tok.tag_ not in {"VBD", "VBN"}:
            continue
        before = lowered[max(0, i - 4) : i]
        if "i" not in before and "we" not in before:
            continue
        after = lowered[i + 1] if i + 1 < len(lowered) else ""
        if after not in _SAID_TO_YOU and not tokens[i].nbor(1).is_punct:
            continue  # "I already explained the fault to the engineer": a report, not a reminder
        if "like" in lowered[max(0, i - 3) : i]:  # "like I said"
            return span.doc[tokens[max(0, i - 2)].i : tok.i + 1].text
        # "as I said", "as I told you": a reminder with a blunt verb needs no repeat word
        if tok.lemma_.lower() in words.blunt_saying_verbs and lowered[max(0, i - 2) : i] in (
            ["as", "i"],
            ["as", "we"],
        ):
            return span.doc[tokens[i - 2].i : tok.i + 1].text
        near = tokens[max(0, i - 3) : i + 4]
        counted = any(  # "three times", "several times"
            t.lower_ == "times"
            and t.i > 0
            and (t.nbor(-1).tag_ == "CD" or t.nbor(-1).lower_ in {"several", "many"})
            for t in near
        )
        if counted or words.repeat_markers.intersection(t.lower_ for t in near):
            start = i - 1 - before[::-1].index("i" if "i" in before else "we")
            return span.doc[tokens[start].i : tok.i + 1].text
    for i, tok in enumerate(tokens):
        # "As previously stated, ...", "as already explained" (the speaker left out), not "as
        # stated on the invoice"
        if (
            tok.lemma_.lower() in words.saying_verbs
            and tok.tag_ == "VBN"
            and "as" in lowered[max(0, i - 2) : i]
            and words.repeat_markers.intersection(lowered[max(0, i - 1) : i + 2])
        ):
            return span.doc[tokens[lowered[max(0, i - 2) : i].index("as") + max(0, i - 2)].i : tok.i + 1].text
        # "Per my last message", "as per my previous email": the agent's own earlier word
        if (
            tok.lower_ == "per"
            and lowered[i + 1 : i + 2] == ["my"]
            and i + 2 < len(lowered)
            and lowered[i + 2] in words.previous_words
        ):
            return span.doc[tok.i : tokens[min(i + 3, len(tokens) - 1)].i + 1].text
    return None


def curt_refusal(span: Span, words: RegisterWords) -> str | None:
    """A negated modal with no subject before it, opening the sentence ("Can't help with that")."""
    tokens = _content_tokens(span)
    if span.text.rstrip().endswith("?"):
        return None  # "Can't the app be updated?" asks
    if len(tokens) >= 2 and tokens[0].tag_ == "MD" and tokens[1].lower_ in {"n't", "not", "nt"}:
        return f"{tokens[0].text}{tokens[1].text}"
    lowered = [t.lower_ for t in tokens[:3]]
    if lowered[:2] in (["no", "idea"], ["no", "clue"]) or lowered[:3] == ["not", "a", "clue"]:
        return " ".join(t.text for t in tokens[: 2 if lowered[1] != "a" else 3])
    # "Not possible.", "Not happening.": a refusal with its subject dropped and no way forward
    if (
        1 < len(tokens) <= 3
        and lowered[0] == "not"
        and tokens[1].lower_ in {"possible", "happening", "doable", "allowed", "an"}
        and not words.courtesy_words.intersection(t.lower_ for t in tokens)
    ):
        return " ".join(t.text for t in tokens[:2])
    # "Not my circus", "Not our problem": a disowning with its subject dropped
    if len(tokens) >= 3 and lowered[0] == "not" and lowered[1] in {"my", "our"} and tokens[2].pos_ == "NOUN":
        return " ".join(t.text for t in tokens[:3])
    return None


def curt_command(span: Span, words: RegisterWords) -> str | None:
    """A sentence that is nothing but an urgency word ("Quickly.", "Now.", "Patience.")."""
    tokens = _content_tokens(span)
    if 1 <= len(tokens) <= 2 and all(t.lower_ in words.curt_words for t in tokens):
        return " ".join(t.text for t in tokens)
    return None


def ultimatum(span: Span, words: RegisterWords) -> str | None:
    """A question closed as an ultimatum: "... or not?", "... or are we done?"."""
    tokens = _content_tokens(span)
    lowered = [t.lower_ for t in tokens]
    if len(tokens) >= 4 and lowered[-2:] == ["or", "not"] and not {"like", "prefer"} & set(lowered):
        return "or not"
    for i in range(len(lowered) - 3):
        if lowered[i : i + 3] == ["or", "are", "we"] and lowered[i + 3] in {"done", "finished"}:
            return " ".join(t.text for t in tokens[i : i + 4])
    if len(tokens) >= 6 and lowered[-4:] == ["or", "is", "that", "it"]:
        return "or is that it"
    return None


def rhetorical_tag(span: Span, words: RegisterWords) -> str | None:
    """A closing tag question on "you"/"we" after a comma ("..., aren't you?"), if any."""
    tokens = [t for t in span if not t.is_space]
    commas = [i for i, t in enumerate(tokens) if t.text == ","]
    if not commas or tokens[-1].text != "?":
        return None
    tag = tokens[commas[-1] + 1 : -1]
    if (
        2 <= len(tag) <= 3
        and tag[0].tag_ in {"MD", "VBP", "VBD", "VBZ"}
        and tag[-1].lower_ in {"you", "we"}
        and all(t.lower_ in {"n't", "not"} for t in tag[1:-1])
    ):
        return " ".join(t.text for t in tag) + "?"
    return None


_WH = frozenset(
    {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "and", "or", "so", "but"}
)


def _ignorable(hedges: bool = True) -> frozenset[str]:
    """Fillers a cue of manner looks through: hesitations and (``hedges``) hedge adverbs
    ("literally")."""
    from cxnlp.fillers import filler_vocabulary, hesitations

    return _joined(hesitations(), filler_vocabulary().words["hedge_adverbs"]) if hedges else hesitations()


@functools.lru_cache(maxsize=4)
def _joined(first: frozenset[str], second: frozenset[str]) -> frozenset[str]:
    """``first | second``, built once per pair of lists rather than at every sentence's cue."""
    return first | second


def _core(span: Span, keep: frozenset[str] = frozenset(), hedges: bool = True) -> list[Token]:
    """Content tokens without fillers and without a name said to the customer at either end
    ("Cool, cheers, bye, Hamza.", "Nia, what do you need?"); a word of ``keep`` is never
    taken for a name (the tagger reads "Ugh," and "K," as proper nouns)."""
    tokens = list(_unfilled(span, hedges))
    if (
        len(tokens) > 1
        and tokens[-1].pos_ == "PROPN"
        and tokens[-1].i > 0
        and tokens[-1].nbor(-1).text == ","
    ):
        tokens = tokens[:-1]
    if (
        len(tokens) > 1
        and tokens[0].pos_ == "PROPN"
        and tokens[0].nbor(1).text == ","
        and tokens[0].is_title
        and tokens[0].lower_ not in keep
    ):
        tokens = tokens[1:]
    return tokens


@functools.lru_cache(maxsize=1024)
def _unfilled(span: Span, hedges: bool) -> tuple[Token, ...]:
    """The span's content tokens without the fillers :func:`_ignorable` names, read once
    per span (nine cues of manner ask for them)."""
    ignore = _ignorable(hedges)
    return tuple(t for t in _content_tokens(span) if t.lower_ not in ignore)


def _whole_turn(span: Span) -> bool:
    """Whether the sentence is all its turn says (no other words in its doc)."""
    doc = span.doc
    return not any(t.is_alpha for t in doc[: span.start]) and not any(t.is_alpha for t in doc[span.end :])


def curt_reply(span: Span, words: RegisterWords) -> str | None:
    """A reply cut to the bone with no courtesy word: "Fine.", "Account number?", "Wait."."""
    tokens = _core(span, words.grudging_words | words.annoyance_words)
    if not tokens or len(tokens) > 6:
        return None
    lowered = [t.lower_ for t in tokens]
    if words.courtesy_words.intersection(lowered):
        return None
    if (words.farewell_words | words.warm_close_words).intersection(
        lowered
    ) and words.courtesy_words.intersection(t.lower_ for t in span.doc):
        # "You're welcome. Bye now.": a short farewell closing a courteous turn (a curt demand
        # or acknowledgement in the same turn stays curt: "Sorry about that. Account number?")
        return None
    said = span.text.strip()
    # only grudging or casual acknowledgements and farewells: "K, got it.", "Yep, bye."
    if words.grudging_words.intersection(lowered) and all(
        w in words.grudging_words or w in words.bare_reply_words for w in lowered
    ):
        return said
    verbs = [t for t in tokens if t.pos_ in {"VERB", "AUX"}]
    nouns = [t for t in tokens if t.pos_ in {"NOUN", "PROPN"}]
    # a blunt "what do you want / need?" in place of an offer of help
    if lowered[:3] == ["what", "do", "you"] and len(lowered) == 4 and lowered[3] in {"need", "want"}:
        return said
    # a demand as a bare noun phrase: "Account number?", "Date of birth?"
    if (
        said.endswith("?")
        and not verbs
        and nouns
        and tokens[0].pos_ in {"NOUN", "PROPN", "ADJ"}
        and lowered[0] not in _WH
        and len(tokens) <= 3
    ):
        return said
    # the same said flat: "Reference number.", "reference number" (a recogniser writes no "?")
    if (  # "Surname.", "Account holder's name.", "Policy number and postcode."
        len(tokens) <= (7 if "and" in lowered else 4)
        and lowered[-1] in words.demand_nouns
        and all(t.pos_ in {"NOUN", "PROPN", "ADP", "PART", "CCONJ"} for t in tokens)
        and tokens[0].pos_ in {"NOUN", "PROPN"}
    ):
        return said
    # a blunt "what's the problem?" in place of an offer of help
    if (
        len(lowered) == 4
        and lowered[:3] in (["what", "'s", "the"], ["what", "is", "the"])
        and (lowered[3] in words.trouble_nouns)
    ):
        return said
    # "Done.", "Noted.": an acknowledgement and nothing else, the whole turn ("Done. You're
    # booked on the 8:25." reports what was done)
    if len(lowered) == 1 and lowered[0] in words.bare_acks and _whole_turn(span):
        return said
    # "Next question.", "Next customer."
    if len(lowered) == 2 and lowered[0] == "next" and lowered[1] in words.queue_nouns:
        return said
    # a noun phrase ordered with a last "go" / "now": "Name and account number, go." (not
    # the object of a preposition: "Bye for now.", "That's all for now.")
    if (
        len(tokens) >= 2
        and lowered[-1] in words.curt_words | {"go"}
        and tokens[-2].pos_ != "ADP"
        and tokens[0].pos_ != "DET"  # a demand names the thing bare ("The tracking link now." is a fragment)
        and not words.farewell_words.intersection(lowered)  # "Bye now." takes leave
        and nouns
        and not any(t.pos_ in {"VERB", "AUX"} for t in tokens[:-1])
    ):
        return said
    # a bare imperative of at most two words (the tagger's base form opening the
    # sentence): "Wait.", "Hang on."
    if (
        len(tokens) <= 2
        and tokens[0].tag_ == "VB"
        and all(t.pos_ in {"ADP", "ADV", "PART"} for t in tokens[1:])
        and not said.endswith("?")
    ):
        return said
    return None


def annoyance(span: Span, words: RegisterWords) -> str | None:
    """An interjection of annoyance or indifference opening the sentence ("Ugh, ...")."""
    tokens = _core(span, words.annoyance_words)
    if not tokens or tokens[0].lower_ not in words.annoyance_words:
        return None
    nxt = tokens[0].nbor(1) if tokens[0].i + 1 < len(tokens[0].doc) else None
    if len(tokens) == 1 or nxt is None or nxt.is_punct or tokens[0].pos_ == "INTJ":
        return tokens[0].text
    return None


def talking_down(span: Span, words: RegisterWords) -> str | None:
    """ "even" aimed at the customer ("did you even", "even you"), or an endearment to them."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    question = span.text.rstrip().endswith("?")
    for i, w in enumerate(lowered):
        if w != "even":
            continue
        if (
            i + 1 < len(lowered)
            and lowered[i + 1] == "you"
            and (i == 0 or lowered[i - 1] not in {"if", "though"})
        ):
            return "even you"
        if i > 0 and lowered[i - 1] == "you" and (question or (i > 1 and tokens[i - 2].pos_ == "AUX")):
            return "you even"
    for i, tok in enumerate(tokens):
        if tok.lower_ not in words.endearments:
            continue
        first = i == 0 and len(tokens) > 1 and tok.nbor(1).is_punct
        last = i == len(tokens) - 1 and i > 0 and tok.nbor(-1).text == ","
        if first or last:
            return tok.text
    return None


def tautology(span: Span, words: RegisterWords) -> str | None:
    """A brush-off that repeats its own verb: "You'll get it when you get it"."""
    tokens = _core(span)
    for i, tok in enumerate(tokens):
        if tok.lower_ not in {"when", "whenever", "however"}:
            continue
        before = {t.lemma_.lower() for t in tokens[:i] if t.pos_ == "VERB"}
        after = [t for t in tokens[i + 1 : i + 6] if t.pos_ == "VERB"]
        if after and after[0].lemma_.lower() in before:
            return span.doc[tok.i : after[0].i + 1].text
    lowered = [t.lower_ for t in tokens]
    for i in range(len(tokens) - 4):  # "it is what it is"
        if (
            tokens[i + 1].lemma_ == "be"
            and lowered[i + 2] == "what"
            and lowered[i + 3] == lowered[i]
            and tokens[i + 4].lemma_ == "be"
        ):
            return span.doc[tokens[i].i : tokens[i + 4].i + 1].text
    for tok in tokens:  # "rules are rules", "the price is the price"
        if tok.lemma_ != "be":
            continue
        k = tokens.index(tok)
        after = [t for t in tokens[k + 1 : k + 3] if t.pos_ != "DET"]
        if (
            k > 0
            and tokens[k - 1].pos_ == "NOUN"
            and after
            and after[0].pos_ == "NOUN"
            and after[0].lemma_.lower() == tokens[k - 1].lemma_.lower()
        ):
            return span.doc[tokens[k - 1].i : after[0].i + 1].text
    return None


def sarcasm(span: Span, words: RegisterWords) -> str | None:
    """Praise that opens a complaint: "Oh brilliant, so you want ...", "Oh great, another ..."."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    for i in range(len(lowered) - 2):  # "Thanks for finally sending the photo."
        if lowered[i] in {"thanks", "thank"} and "for" in lowered[i + 1 : i + 3]:
            j = lowered.index("for", i + 1)
            if j + 1 < len(lowered) and lowered[j + 1] in words.belated_words:
                return span.doc[tokens[i].i : tokens[j + 1].i + 1].text
    if len(lowered) < 3 or lowered[0] not in {"oh", "well", "wow"} or lowered[1] not in words.praise_words:
        return None
    if {"so", "because", "another", "yet", "now"}.intersection(lowered[2:4]):
        return " ".join(t.text for t in tokens[:2])
    return None


def _phrase_at(
    lowered: Sequence[str], phrases: Sequence[tuple[str, ...]], start: int = 0
) -> tuple[int, int] | None:
    """``(i, j)`` of the first phrase of ``phrases`` found at or after ``start`` (word tuples)."""
    by_first = _by_first_word(tuple(phrases))
    for i in range(start, len(lowered)):
        # Only the phrases that open with the word at i, in their order, can be found there.
        for phrase in phrases if by_first is None else by_first.get(lowered[i], ()):
            if tuple(lowered[i : i + len(phrase)]) == phrase:
                return i, i + len(phrase)
    return None


@functools.lru_cache(maxsize=16)
def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]] | None:
    """The phrases by their first word, each word's in list order; None when a phrase is
    empty (it is found at every word, so the whole list is read in order there)."""
    if not all(phrases):
        return None
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        out.setdefault(phrase[0], []).append(phrase)
    return {word: tuple(group) for word, group in out.items()}


def _first_person(tokens: Sequence[Token]) -> bool:
    """Whether the agent is a subject of the sentence ("I'll walk you through it", "let me")."""
    return any(
        (t.lower_ in {"i", "we"} and k + 1 < len(tokens) and tokens[k + 1].pos_ in {"AUX", "VERB"})
        or (t.lower_ in {"me", "us"} and k > 0 and tokens[k - 1].lower_ == "let")
        for k, t in enumerate(tokens)
    )


def _way_forward(tokens: Sequence[Token]) -> bool:
    """A "but" clause in which the agent offers something ("..., but I can book a repair")."""
    lowered = [t.lower_ for t in tokens]
    if "but" not in lowered:
        return False
    tail = tokens[lowered.index("but") + 1 :]
    return _first_person(tail) or any(t.lower_ in {"colleague", "team", "can"} for t in tail)


def _does(tokens: Sequence[Token], y: int) -> bool:
    """Whether "you" at ``tokens[y]`` is the subject of a verb of doing ("you need", "you
    didn't read"), not of a copula ("you're upset")."""
    for t in tokens[y + 1 : y + 5]:
        if t.pos_ == "VERB":
            return True
        if t.pos_ not in {"ADV", "PART", "AUX"} and t.tag_ != "MD":
            return False
    return False


def condescension(span: Span, words: RegisterWords) -> str | None:
    """Talking down with no rude word: "obviously you need to ...", "as you can clearly see",
    "it's not hard, you just ...", "if you actually / properly ...", "so you can keep up".

    Read as said (hedge adverbs kept): "actually" and "obviously" are the cue here."""
    tokens = _core(span, hedges=False)
    lowered = [t.lower_ for t in tokens]
    # a stance adverb over the customer's own doing ("you're obviously upset" is empathy: a copula)
    for k, tok in enumerate(tokens):
        if tok.lower_ in words.stance_adverbs and any(
            lowered[y] == "you" and _does(tokens, y) for y in range(max(0, k - 2), min(len(tokens), k + 3))
        ):
            return tok.text
    # doubt about the customer's effort: "if you actually follow", "if you read it properly"
    for i, tok in enumerate(tokens):
        if tok.lower_ in words.effort_doubts and "you" in lowered[max(0, i - 5) : i]:
            if "if" in lowered[max(0, i - 6) : i] or tok.lower_ == "bothered":
                return tok.text
    # an ease judgement ("it's not hard", "not rocket science", "anyone can do it") with the
    # customer's part minimised ("you just tap", "you simply log in"); or said bare with no
    # offer of the agent's ("It's not complicated." vs "It's not complicated, I'll walk you through")
    ease = None
    for i, tok in enumerate(tokens):
        if tok.lower_ in words.difficulty_words and any(
            w in {"not", "n't", "hardly", "never"} for w in lowered[max(0, i - 3) : i]
        ):
            ease = tok
            break
        if tok.lower_ == "anyone" and i + 1 < len(tokens) and tokens[i + 1].tag_ == "MD":
            ease = tok
            break
        if (  # "That's basic stuff, you just tap update." (not "the basic plan")
            tok.lower_ in words.belittling_words
            and any(t.lemma_ == "be" for t in tokens[max(0, i - 2) : i])
            and (
                i + 1 == len(tokens)
                or tokens[i + 1].pos_ != "NOUN"
                or tokens[i + 1].lower_ in {"stuff", "thing"}
            )
        ):
            ease = tok
            break
    if ease is not None:
        minimised = any(  # "you just tap", "you can simply log in" (not "if you're only watching")
            lowered[i] == "you"
            and (
                lowered[i + 1 : i + 2]
                and lowered[i + 1] in words.minimisers
                or (
                    tokens[i + 1].tag_ == "MD"
                    and lowered[i + 2 : i + 3]
                    and lowered[i + 2] in words.minimisers
                )
            )
            for i in range(len(lowered) - 1)
        )
        if minimised or (
            ease.lower_ in words.difficulty_words and not _first_person(tokens) and not _way_forward(tokens)
        ):
            return ease.text
    # "so you can keep up", "try to keep up": keeping up said of the customer
    for i, tok in enumerate(tokens[:-1]):
        if (
            tok.lemma_.lower() == "keep"
            and lowered[i + 1] == "up"
            and (
                i + 2 == len(tokens)
                or tokens[i + 2].is_punct
                or tokens[i + 1].i + 1 >= len(span.doc)
                or span.doc[tokens[i + 1].i + 1].is_punct
            )
        ):
            return span.doc[tok.i : tokens[i + 1].i + 1].text
    return None


def exasperation(span: Span, words: RegisterWords) -> str | None:
    """The agent's patience run out, said politely: "How many times do I have to say it?",
    "For the last time, ...", "we've been over this", "I'm not sure what else you want me to
    say", "this is the third time you've asked", "I did explain this"."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    found = _phrase_at(lowered, words.exasperated_phrases)
    if found is not None:
        return " ".join(t.text for t in tokens[found[0] : found[1]])
    saying = [i for i, t in enumerate(tokens) if t.lemma_.lower() in words.saying_verbs]
    for i in range(len(lowered) - 2):
        # "how many (more) times ... say / explain / tell"
        if lowered[i : i + 2] == ["how", "many"] and "times" in lowered[i + 2 : i + 4]:
            if any(j > i for j in saying):
                return " ".join(t.text for t in tokens[i : i + 3])
        # "what else you want me to say", "what else do you want from me", "what else to tell you"
        if lowered[i : i + 2] == ["what", "else"]:
            tail = lowered[i + 2 : i + 9]
            if any(i < j <= i + 8 for j in saying) or (
                {"want", "expect"}.intersection(tail) and {"me", "us"}.intersection(tail)
            ):
                return "what else"
        # "the third time you've asked" (not "I'm sorry this is the third time you've called")
        if (
            lowered[i] in words.ordinal_words
            and lowered[i + 1] == "time"
            and "you" in lowered
            and not words.courtesy_words.intersection(lowered)
        ):
            return " ".join(t.text for t in tokens[i : i + 2])
    # "I did explain this", "we did say": an emphatic "did" before a verb of saying
    for j in saying:
        if j >= 2 and lowered[j - 1] == "did" and lowered[j - 2] in {"i", "we"} and tokens[j].tag_ == "VB":
            return " ".join(t.text for t in tokens[j - 2 : j + 1])
    return None


def brush_off(span: Span, words: RegisterWords) -> str | None:
    """A brush-off with no way forward: "That's not really my problem", "there's nothing more
    to discuss", "it won't make any difference", "it won't change anything"."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    if _way_forward(tokens):
        return None
    found = _phrase_at(lowered, words.dismissive_phrases)
    if found is not None:
        return " ".join(t.text for t in tokens[found[0] : found[1]])
    for i, tok in enumerate(tokens):
        # "(that's) not (really) my problem / our department"
        if tok.lower_ in words.disown_nouns and i >= 2 and lowered[i - 1] in {"my", "our"}:
            if {"not", "n't"}.intersection(lowered[max(0, i - 4) : i - 1]):
                return span.doc[tokens[i - 1].i : tok.i + 1].text
        # "nothing more to discuss", "nothing else to say"
        if (
            tok.lower_ == "nothing"
            and lowered[i + 1 : i + 2] in (["more"], ["else"], ["further"])
            and lowered[i + 2 : i + 3] == ["to"]
            and i + 3 < len(tokens)
            and tokens[i + 3].lemma_.lower() in words.talk_verbs
        ):
            return " ".join(t.text for t in tokens[i : i + 4])
        # "that's not happening" closing the sentence
        if (
            tok.lower_ in {"happening", "happen"}
            and "not" in lowered[max(0, i - 3) : i]
            and {"that", "it", "this"}.intersection(lowered[max(0, i - 5) : i - 1])
            and (tok.i + 1 >= len(span.doc) or span.doc[tok.i + 1].is_punct)
        ):
            return span.doc[tokens[max(0, i - 3)].i : tok.i + 1].text
        # "won't change anything", "won't make any difference" closing the sentence
        if tok.lower_ in words.futile_objects and i >= 2:
            verb = next(
                (t for t in reversed(tokens[max(0, i - 3) : i]) if t.pos_ in {"VERB", "AUX"}),
                None,
            )
            k = tokens.index(verb) if verb is not None else 0
            if (
                verb is not None
                and verb.lemma_.lower() in {"change", "make", "help", "do"}
                and {"n't", "not", "never"}.intersection(lowered[max(0, k - 2) : k])
                and (tok.i + 1 >= len(span.doc) or span.doc[tok.i + 1].is_punct)
            ):
                return span.doc[verb.i : tok.i + 1].text
    return None


def pointed_opener(span: Span, words: RegisterWords) -> str | None:
    """An opener that sharpens what follows: "No offence, but ...", "With respect, ...",
    "Just so we're clear, ..." ("With respect to the bill, ..." is a topic)."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    start = 0
    while start < len(lowered) - 1 and lowered[start] in words.discourse_openers:
        start += 1
    found = _phrase_at(lowered[start:], words.pointed_openers)
    if found is None or found[0] != 0:
        return None
    end = start + found[1]
    if end >= len(tokens) or tokens[end].lower_ == "to":
        return None
    return " ".join(t.text for t in tokens[start:end])


_BE = frozenset({"'s", "is", "was", "are", "were", "s", "its", "it's", "'re"})
_CAUSAL = frozenset({"because", "since", "cause", "cos", "coz"})
_OURS = frozenset({"our", "my", "we", "us", "here", "at"})


def pointed_reference(span: Span, words: RegisterWords) -> str | None:
    """The customer pointed at what they were given, as a reproach: "It's in the contract you
    signed.", "That was in the paperwork you were sent.", "as the leaflet says", "as it says
    in the newsletter", "which you noted yourself". Not "I've attached the contract you
    signed" (no pointer) nor "It's on the confirmation email." (a good call's answer to
    "where do I find the reference?": a pointer alone says where, not that the customer
    should have looked)."""
    tokens = _content_tokens(span)
    lowered = [t.lower_ for t in tokens]
    n = len(tokens)
    for i, tok in enumerate(tokens):
        low = lowered[i]
        # "(it's | that was) (all) in / on (the | your) <document> (you <received>)"
        if low in {"in", "on"} and i >= 1:
            k = i - 1
            if lowered[k] in {"all", "also", "clearly", "right"} and k >= 1:
                k -= 1
            if lowered[k] in {"its", "it's"}:
                start = k
            elif lowered[k] in _BE and k >= 1 and lowered[k - 1] in {"it", "that", "this", "which"}:
                start = k - 1
            else:
                continue
            j = i + 1
            if j < n and lowered[j] in {"the", "your", "that", "those"}:
                j += 1
            while (
                j < n
                and tokens[j].pos_ in {"NOUN", "PROPN", "ADJ"}
                and lowered[j] not in words.document_nouns
            ):
                j += 1  # "the welcome pack", "your policy booklet"
            while j + 1 < n and lowered[j + 1] in words.document_nouns:
                j += 1
            if j >= n or lowered[j] not in words.document_nouns:
                continue
            m = j + 1
            if m < n and lowered[m] in {"that", "which"}:
                m += 1
            if m < n and lowered[m] == "you":
                v = m + 1
                if v < n and lowered[v] in {"were", "'ve", "have", "had", "'d", "ve"}:
                    v += 1
                if (
                    v < n
                    and tokens[v].tag_ in {"VBD", "VBN"}
                    and tokens[v].lemma_.lower() in words.receipt_verbs
                ):
                    return span.doc[tokens[start].i : tokens[v].i + 1].text
        # "as (the | your) <document> says", "as it says in / on (the) <document>"
        if low == "as" and i + 2 < n:
            nxt = lowered[i + 1 : i + 5]
            if (
                nxt[:2] in (["it", "says"], ["it", "said"], ["it", "states"])
                and len(nxt) >= 3
                and nxt[2] in {"in", "on"}
            ):
                return span.doc[tok.i : tokens[min(i + 2, n - 1)].i + 1].text
            j = i + 1
            if lowered[j] in {"the", "your"}:
                j += 1
            while j + 1 < n and lowered[j + 1] in words.document_nouns:
                j += 1
            if (
                j + 1 < n
                and lowered[j] in words.document_nouns
                and tokens[j + 1].lemma_.lower() in {"say", "state", "explain", "tell"}
            ):
                return span.doc[tok.i : tokens[j + 1].i + 1].text
    # "which you noted yourself", "you agreed to it yourself": the customer's own past doing
    for i, tok in enumerate(tokens):
        if tok.lower_ == "yourself" and i >= 2:
            before = tokens[max(0, i - 4) : i]
            you = [k for k, t in enumerate(before) if t.lower_ == "you"]
            if you and any(t.tag_ == "VBD" for t in before[you[-1] + 1 :]):
                return span.doc[before[you[-1]].i : tok.i + 1].text
    return None


def common_knowledge(span: Span, words: RegisterWords) -> str | None:
    """What everyone knows and the customer did not: "Most people know that.", "as anyone
    could tell you", "Everyone knows the pool shuts at six.", "Same as everyone else.", "if
    you can't manage that". Not "Anyone can join." nor "Most people pay by direct debit."
    (no verb of knowing) nor "if you can't make it on Thursday"."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    n = len(tokens)
    found = _phrase_at(lowered, words.condescending_phrases)
    if found is not None:
        return " ".join(t.text for t in tokens[found[0] : found[1]])
    for i, low in enumerate(lowered):
        crowd = low in words.crowd_words or (
            low in words.crowd_nouns
            and i >= 1
            and (lowered[i - 1] == "most" or lowered[max(0, i - 3) : i - 1] == ["most", "of"])
        )
        if crowd:
            k = i + 1
            if k < n and tokens[k].tag_ == "MD":
                k += 1
            if (
                k < n
                and tokens[k].lemma_.lower() in words.knowing_verbs
                and tokens[k].pos_ in {"VERB", "AUX"}
            ):
                if tokens[k].lemma_.lower() in {"tell", "see"} and k == i + 1:
                    continue  # "everyone sees the same price": no modal, no knowing
                start = i if low in words.crowd_words else max(0, i - 1)
                return span.doc[tokens[start].i : tokens[k].i + 1].text
            # "same as everyone else", "like everybody else"
            if (
                low in words.crowd_words
                and k < n
                and lowered[i + 1] == "else"
                and i >= 1
                and lowered[i - 1] in {"as", "like"}
            ):
                return span.doc[tokens[max(0, i - 2)].i : tokens[i + 1].i + 1].text
        # "if you can't manage that"
        if low == "if" and lowered[i + 1 : i + 2] == ["you"] and i + 4 <= n:
            rest = tokens[i + 2 : i + 5]
            neg = [t for t in rest if t.lower_ in {"n't", "not", "nt", "cannot"}]
            verb = next((t for t in rest if t.pos_ == "VERB"), None)
            if neg and verb is not None and verb.lemma_.lower() in words.ability_verbs:
                return span.doc[tokens[i].i : verb.i + 1].text
    return None


def unnamed_blame(span: Span, words: RegisterWords) -> str | None:
    """Blame laid on someone unnamed or on what the customer did: "because nobody told us you
    moved", "because someone didn't top it up", "it'll be something you did", "You're
    supposed to tell us when you move". Not "because someone on our side missed it" (the
    agent's own side) nor "you're supposed to get a text" (an expectation)."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    n = len(tokens)
    for i, low in enumerate(lowered):
        # "because nobody told us", "because someone didn't ..."
        if low in _CAUSAL and i + 1 < n:
            j = i + 1
            if lowered[j] == "no" and j + 1 < n and lowered[j + 1] == "one":
                j += 1
                who = "nobody"
            else:
                who = lowered[j]
            if who not in words.unnamed_persons:
                continue
            if _OURS.intersection(lowered[j + 1 : j + 4]) and not (
                who in {"nobody", "noone", "no"} and lowered[j + 1 : j + 2] == ["told"]
            ):
                continue
            if who in {"nobody", "noone"} or lowered[i + 1 : i + 3] == ["no", "one"]:
                return span.doc[tokens[i].i : tokens[min(j + 1, n - 1)].i + 1].text
            hit = next((t for t in tokens[j + 1 : j + 4] if t.lower_ in words.failure_words), None)
            if hit is not None:
                return span.doc[tokens[i].i : hit.i + 1].text
        # "something you did", "what you did"
        if (
            low in {"something", "what", "whatever", "anything"}
            and lowered[i + 1 : i + 2] == ["you"]
            and i + 2 < n
            and tokens[i + 2].lemma_.lower() == "do"
            and tokens[i + 2].tag_ in {"VBD", "VBN"}
        ):
            return span.doc[tokens[i].i : tokens[i + 2].i + 1].text
        # "you're / you were supposed to / meant to <verb>" (not an expectation verb)
        if low == "you" and i + 3 < n and lowered[i + 1] in {"'re", "are", "were", "re", "was"}:
            if lowered[i + 2] in {"supposed", "meant"} and lowered[i + 3] == "to" and i + 4 < n:
                verb = tokens[i + 4]
                if verb.lemma_.lower() not in words.expectation_verbs:
                    return span.doc[tokens[i].i : verb.i + 1].text
    return None


def conduct_order(span: Span, words: RegisterWords) -> str | None:
    """An order about the customer's conduct or a limit set as a threat: "Be on time.",
    "Please don't be late.", "No more changes after this one.", "That's the best you'll
    get.", "I've got other calls."."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    found = _phrase_at(lowered, words.conduct_phrases) or _phrase_at(lowered, words.limit_phrases)
    if found is None:
        return None
    return " ".join(t.text for t in tokens[found[0] : found[1]])


_GOING_ON = frozenset({"keep", "continue", "carry"})
_FUTURE = frozenset({"'ll", "will", "ll", "shall"})
_BE_PRESENT = frozenset({"'m", "am", "m", "'re", "are", "re"})


def _sanction_at(tokens: Sequence[Token], i: int, words: RegisterWords) -> int | None:
    """The index of the sanction verb when a first-person future starts at ``i``: "I'll end",
    "we will have to close", "I'm going to disconnect", "I'm hanging up"."""
    if tokens[i].lower_ not in {"i", "we"}:
        return None
    j = i + 1
    if j < len(tokens) and tokens[j].lower_ in _FUTURE:
        j += 1
    elif j + 2 < len(tokens) and tokens[j].lower_ in _BE_PRESENT and tokens[j + 1].lower_ == "going":
        j += 2 + (tokens[j + 2].lower_ == "to")
    elif j + 1 < len(tokens) and tokens[j].lower_ in _BE_PRESENT and tokens[j + 1].tag_ == "VBG":
        j += 1
    else:
        return None
    while j < len(tokens) and tokens[j].lower_ in {"have", "to", "just", "simply", "then", "be", "forced"}:
        j += 1
    if j < len(tokens) and tokens[j].lemma_.lower() in words.sanction_verbs:
        return j
    return None


def conditional_threat(span: Span, words: RegisterWords) -> str | None:
    """A sanction (``sanction_verbs``: end, disconnect, close, suspend ...) promised in the
    first person on condition that the customer's conduct (``conduct_words``: shouting,
    swearing, "that tone", "like that") goes on (``conduct_repeats``: "again", "once more",
    "one more", or keep/continue/carry on + -ing): "Raise your voice again and I'll end this
    call." It has the shape of an offer ("Send the photo and I'll get the refund moving"),
    so the offer gate must not excuse it; a repeat of anything else ("If the fault comes back
    again I'll close this ticket", "Try it once more and if it fails I'll end the contract")
    is no threat."""
    tokens = _core(span)
    lowered = [t.lower_ for t in tokens]
    for i in range(len(tokens)):
        end = _sanction_at(tokens, i, words)
        if end is None:
            continue
        before = lowered[:i]
        repeat = _phrase_at(before, words.conduct_repeats) is not None or any(
            w in _GOING_ON and k + 1 < i and (tokens[k + 1].tag_ == "VBG" or lowered[k + 1] == "on")
            for k, w in enumerate(before)
        )
        if repeat and _phrase_at(before, words.conduct_words) is not None:
            return " ".join(t.text for t in tokens[i : end + 1])
    return None


def _turn_words(doc: Doc) -> list[str]:
    """The lower-cased word tokens of a turn."""
    return [t.lower_ for t in doc if not t.is_punct and not t.is_space]


def curt_opening(doc: Doc, words: RegisterWords) -> str | None:
    """The agent opens the call with no greeting, no courtesy and no introduction: "Sentinel.",
    "Hollins renewals.", "Order number.", "Brightline billing. Janelle. What is it?" (not
    "Greenleaf Pharmacy, Tanisha speaking.", "Meridian Bank, card services, this is Owen.",
    "Halcyon Energy, you're through to Priyanka.")."""
    lowered = _turn_words(doc)
    if not lowered:
        return None
    if words.greeting_words.intersection(lowered) or words.courtesy_words.intersection(lowered):
        return None
    if any(
        lowered[k : k + 2] in (["this", "is"], ["it", "'s"], ["i", "'m"]) for k in range(len(lowered) - 1)
    ):
        return None  # "..., this is Owen", "..., it's Tom", "Hi, I'm Sam from ..."
    if any(w in {"its", "it's", "im"} for w in lowered[1:]):
        return None  # the same said by a recogniser: "harbourside marina its tom"
    return doc.text.strip()


def curt_close(docs: Sequence[Doc], words: RegisterWords, max_words: int = 3) -> str | None:
    """The agent's last turn of the call is at most ``max_words`` words with no farewell, no
    courtesy and no warm wish: "3:40.", "Sunday then.", "Tuesday." (not "You're welcome.",
    "Take care.", "See you Friday."). A bare "Bye." is no cue: careful agents end calls with
    it after the customer's goodbye as often as curt ones do."""
    if not docs:
        return None
    doc = docs[-1]
    lowered = _turn_words(doc)
    ignore = _ignorable(False)
    said = [w for w in lowered if w not in ignore]
    if not said or len(said) > max_words:
        return None
    if (
        words.courtesy_words.intersection(said)
        or words.warm_close_words.intersection(said)
        or words.greeting_words.intersection(said)
        or words.farewell_words.intersection(said)
    ):
        return None
    return doc.text.strip()


def curt_order(span: Span, words: RegisterWords, max_words: int = 8) -> str | None:
    """A bare order that is all the agent's turn says, with no courtesy and no reason: "Pay at
    the desk.", "Booking's gone. Rebook.", "Pay it or appeal it.", "Wrong form. Use the other
    one." (not "Let me check.", "Take care.", "Please pay at the desk.", "Look at what's up on
    the screen.", nor an order inside a longer turn of instructions): the order at most five
    words, the turn at most ``max_words``."""
    tokens = _core(span)
    if (
        not tokens
        or len(tokens) > 5
        or tokens[0].tag_ != "VB"
        or tokens[0].lemma_.lower() in words.soft_imperatives
    ):
        return None
    if span.text.rstrip().endswith("?"):
        return None
    turn = _turn_words(span.doc)
    ignore = _ignorable(False)
    said = [w for w in turn if w not in ignore]
    if len(said) > max_words or len(said) < 2:
        return None
    if (
        words.courtesy_words.intersection(said)
        or words.greeting_words.intersection(said)
        or words.warm_close_words.intersection(said)
        or words.softeners.intersection(said)
    ):
        return None
    return span.text.strip()


_READERS = {
    "text_speak": text_speak,
    "shouting": shouting,
    "reprimand": reprimand,
    "blame": blame,
    "reproach": reproach,
    "curt_refusal": curt_refusal,
    "curt_command": curt_command,
    "ultimatum": ultimatum,
    "rhetorical_tag": rhetorical_tag,
    "curt_reply": curt_reply,
    "annoyance": annoyance,
    "talking_down": talking_down,
    "tautology": tautology,
    "sarcasm": sarcasm,
    "condescension": condescension,
    "exasperation": exasperation,
    "brush_off": brush_off,
    "pointed_opener": pointed_opener,
    "pointed_reference": pointed_reference,
    "common_knowledge": common_knowledge,
    "unnamed_blame": unnamed_blame,
    "conduct_order": conduct_order,
    "conditional_threat": conditional_threat,
    "curt_order": curt_order,
}

#: Cues that read the sentence without its fillers (the parse's ``content``), when given.
_READ_CLEAN = frozenset(
    {
        "annoyance",
        "talking_down",
        "tautology",
        "sarcasm",
        "curt_refusal",
        "blame",
        "exasperation",
        "brush_off",
        "pointed_opener",
        "pointed_reference",
        "common_knowledge",
        "unnamed_blame",
        "conduct_order",
        "conditional_threat",
    }
)


def register_cues(
    span: Span, words: RegisterWords, kinds: Sequence[str] = CUES, clean: Span | None = None
) -> list[RegisterCue]:
    """Every cue of ``kinds`` the sentence shows, at most one of each kind.

    ``clean`` is the sentence without its fillers (:attr:`cxnlp.nlp.Sentence.clean`): the
    cues of manner read it, so that a filler word neither hides nor makes one.
    """
    found = []
    for kind in kinds:
        text = _READERS[kind](clean if clean is not None and kind in _READ_CLEAN else span, words)
        if text is not None:
            found.append(RegisterCue(kind, text))
    return found


#: Cues read from a whole turn at a place in the call (:func:`turn_cues`).
TURN_CUES: tuple[str, ...] = ("curt_opening", "curt_close")


def turn_cues(
    parsed: ParsedTranscript, words: RegisterWords, max_reply_words: int = 5
) -> dict[int, list[RegisterCue]]:
    """The call's curt opening and curt close, by the index of the agent sentence that carries
    each (the first sentence of the opening turn, the last of the closing turn).

    The opening is the agent's first turn where it opens the call (turn 0), or where it
    answers the customer's first message (turn 1) in at most ``max_reply_words`` words
    ("Order number.", "Aerolux. Hang on, checking."; a first reply that goes straight to a
    full answer is no curt opening); the close counts only where the agent has another turn
    before it: a one-turn reply has neither.
    """
    sentences = parsed.agent_sentences
    out: dict[int, list[RegisterCue]] = {}
    if not sentences or len(parsed.docs) < 2:
        return out
    turns = sorted({s.turn_index for s in sentences})
    opening = parsed.docs[turns[0]] if turns[0] <= 1 and len(turns) >= 2 else None
    if opening is not None and (turns[0] == 0 or len(_turn_words(opening)) <= max_reply_words):
        text = curt_opening(opening, words)
        if text is not None:
            first = next(s for s in sentences if s.turn_index == turns[0])
            out.setdefault(first.index, []).append(RegisterCue("curt_opening", text))
    if len(turns) >= 2:
        text = curt_close([parsed.docs[turns[-1]]], words)
        if text is not None:
            last = [s for s in sentences if s.turn_index == turns[-1]][-1]
            out.setdefault(last.index, []).append(RegisterCue("curt_close", text))
    return out


def call_without_courtesy(parsed: ParsedTranscript, words: RegisterWords, min_turns: int = 3) -> int | None:
    """The number of the agent's turns when there are at least ``min_turns`` (each after the
    customer's, so that three statements in a row are one) and not one of them holds a
    courtesy word (please, thanks, sorry, welcome, hello, ...), else None.

    A call-level finding, not a sentence's: on the tuning splits, 1 of 114 adequate calls
    has no courtesy word in any agent turn, against 75 of their 114 off-brand rewrites (and
    11 of 24 poor calls).
    """
    sentences = parsed.agent_sentences
    speakers = [turn.speaker for turn in parsed.transcript.turns]
    # the agent's stretches of speech: turns that open the call or follow the customer's
    turns = [i for i, who in enumerate(speakers) if who == "agent" and (i == 0 or speakers[i - 1] != "agent")]
    if len(turns) < min_turns:
        return None
    for sent in sentences:
        if any(t.lower_ in words.courtesy_words for t in sent.span):
            return None
    return len(turns)


# --------------------------------------------------------------------------- sentence shape


#: Words after which an imperative opens its clause: "..., and give us a ring", "just call us".
_CLAUSE_LINKS = frozenset({"and", "just", "then", "so", "please", "simply"})


#: Words before a first-person subject that turn its modal into a refusal: "nothing we can do".
_NEGATIVE_HEADS = frozenset({"nothing", "no", "none", "nobody", "little", "not"})


def _obliged(tokens: Sequence[Token]) -> bool:
    """Whether the verb opening ``tokens`` is one of obligation ("have to", "need to", "got
    to"): what the agent will be made to do is a warning, not an offer."""
    return (
        len(tokens) >= 2 and tokens[0].lemma_.lower() in {"have", "need", "get"} and tokens[1].lower_ == "to"
    )


def _negated(tokens: Sequence[Token]) -> bool:
    return any("Neg" in t.morph.get("Polarity", []) or t.lower_ in {"not", "n't", "never"} for t in tokens)


def offer_shape(span: Span, words: RegisterWords) -> str | None:
    """The words that make the sentence an offer of the agent's: a commitment, an invitation
    to come back, a next step or an anticipated need, read from person, modality and mood.

    - the agent's own future or ability, not negated: "we'll move it", "I can add that to the
      notes", "I'm going to send it" (a first-person subject, a modal of ``commitment_modals``
      or "going to", a base-form verb; "I can't", "we won't", "nothing we can do" are refusals,
      "we'll have to close the account" a warning and "I'll assume it wasn't read" a
      presumption (``presume_verbs``), not offers);
    - the agent's understanding of what the customer feels, with the clause that says it: "I
      know it's a pain being stuck without the telly", "I can imagine how stressful that is"
      (a first-person subject, a verb of ``empathy_verbs``, a clause with a verb after it; a
      bare "I get it." or "I know." is none);
    - "let me / let us / let's" and a verb: "let's get this sorted for you";
    - an imperative whose next words hold the agent as its object, not negated: "give us a
      ring", "let us know", "call me back", "leave it with me" ("don't call us" is none);
    - what the customer will get or may want: "you'll receive an email", "you may also want
      our roaming pass" (second person, a modal, a verb of ``expectation_verbs`` or
      ``wish_verbs``);
    - the acts :func:`cxnlp.dimensions.proactive.pattern_acts` finds (ownership, next steps,
      anticipation, an offer of more help, empathy), so that the two dimensions read one act
      the same way.

    None for everything else: a refusal, a brush-off, a hold or a bare acknowledgement, a
    statement about the customer. Used by :class:`cxnlp.dimensions.brand.BrandCongruence` to
    decide how much evidence the style classifier needs before an off-brand reading counts.
    """
    tokens = list(_unfilled(span, False))
    lowered = [t.lower_ for t in tokens]
    n = len(tokens)
    declined = False
    for j, tok in enumerate(tokens):
        low = lowered[j]
        after = tokens[j + 1 : j + 5]
        if low in {"i", "we"} or (low == "let" and j + 1 < n and lowered[j + 1] in {"'s", "me", "us"}):
            if low == "let":
                verbs = [t for t in after[1:3] if t.tag_ == "VB"]
                if verbs:
                    return span[tokens[j].i - span.start : verbs[0].i - span.start + 1].text
                continue
            feel = next((k for k, t in enumerate(after[:3]) if t.lemma_.lower() in words.empathy_verbs), None)
            if feel is not None and not _negated(after[:feel]):
                clause = tokens[j + feel + 2 :]
                if any(t.pos_ in {"VERB", "AUX"} for t in clause) and len(clause) >= 2:
                    return span[tok.i - span.start : after[feel].i - span.start + 1].text
            if lowered[max(0, j - 2) : j] and _NEGATIVE_HEADS.intersection(lowered[max(0, j - 2) : j]):
                declined = True  # "there's nothing we can do", "no way I can change it"
                continue
            modal = next(
                (
                    k
                    for k, t in enumerate(after)
                    if t.lower_ in words.commitment_modals or t.lower_ == "going"
                ),
                None,
            )
            if modal is None or modal > 1:
                continue
            verb = next((k for k, t in enumerate(after) if k > modal and t.tag_ == "VB"), None)
            if verb is None or verb > modal + 3:
                continue
            if (
                _negated(after[: verb + 1])
                or after[verb].lemma_.lower() in words.presume_verbs
                or _obliged(after[verb:])
            ):
                declined = True  # "I can't", "I'll assume it wasn't opened", "we'll have to close it"
                continue
            return span[tok.i - span.start : after[verb].i - span.start + 1].text
        if low == "you" and j + 1 < n and lowered[j + 1] in words.commitment_modals | {"may", "might"}:
            rest = [t for t in after[1:4] if t.lower_ not in {"also", "just", "then", "still", "soon"}]
            if (
                rest
                and rest[0].lemma_.lower() in words.expectation_verbs | words.wish_verbs
                and not _negated(after[:2])
            ):
                return span[tok.i - span.start : rest[0].i - span.start + 1].text
        opens_clause = tok.i == span.start or tok.nbor(-1).is_punct or lowered[j - 1] in _CLAUSE_LINKS
        if tok.tag_ == "VB" and (j == 0 or opens_clause):
            obj = next((k for k, t in enumerate(after[:3]) if t.lower_ in {"us", "me"}), None)
            if obj is not None and not _negated(tokens[max(0, j - 2) : j + 1]):
                return span[tok.i - span.start : after[obj].i - span.start + 1].text
    if declined:
        return None  # a refusal, warning or presumption in the agent's voice is no act to offer
    from cxnlp.dimensions.proactive import pattern_acts

    acts = pattern_acts(span)
    for act in ("ownership", "next_steps", "anticipation", "further_help", "empathy"):
        if act in acts:
            return acts[act]
    return None

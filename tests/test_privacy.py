"""Personal data out of what cxnlp writes (cxnlp.privacy), and placeholders in input are neutral."""

from __future__ import annotations

import json
import re

import pytest

from cxnlp.privacy import Redactor, luhn_valid
from cxnlp.privacy.placeholders import addressed_placeholder, is_placeholder, placeholders

CARD = "4111111111111111"  # a Luhn-valid test number


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="session")
def off() -> Redactor:
    return Redactor(enabled=False)


# (entity, text, what must be gone) for each kind, written and spoken
CASES = [
    ("CREDIT_CARD", "My card number is 4111 1111 1111 1111.", "4111"),
    (
        "CREDIT_CARD",
        "the long number is " + " ".join(["four", "one", "one", "one"] + ["one"] * 12),
        "four one",
    ),
    ("CVV", "The CVV is 123.", "123"),
    ("CVV", "the security code on the back is seven three nine", "seven three nine"),
    ("CARD_EXPIRY", "The expiry date is 09/27.", "09/27"),
    ("CARD_EXPIRY", "it expires oh nine twenty seven", "nine twenty"),
    ("BANK_ACCOUNT", "My account number is 31926819.", "31926819"),
    ("BANK_ACCOUNT", "account number three one nine two six eight one nine", "three one nine"),
    ("SORT_CODE", "Sort code 40-47-84.", "40-47-84"),
    ("SORT_CODE", "the sort code is four oh four seven eight four", "four oh four"),
    ("IBAN_CODE", "My IBAN is GB82 WEST 1234 5698 7654 32.", "WEST"),
    (
        "IBAN_CODE",
        "iban g b eight two w e s t one two three four five six nine eight seven six five four three two",
        "w e s t",
    ),
    ("US_SSN", "My SSN is 123-45-6789.", "6789"),
    ("US_SSN", "my social is one two three four five six seven eight nine", "seven eight nine"),
    ("PHONE_NUMBER", "You can reach me on 07700 900123.", "900123"),
    ("PHONE_NUMBER", "my mobile is oh seven seven oh oh nine oh oh one two three", "nine oh oh"),
    ("EMAIL_ADDRESS", "Email me at jane.doe42@example.com please.", "jane.doe42"),
    ("EMAIL_ADDRESS", "my email is jane dot doe at gmail dot com", "doe at gmail"),
    ("ADDRESS", "I live at 221b Baker Street, London NW1 6XE.", "Baker"),
    ("ADDRESS", "it's twelve oak lane", "oak lane"),
    ("DATE_OF_BIRTH", "My date of birth is 04/07/1985.", "1985"),
    ("DATE_OF_BIRTH", "i was born on the fourth of july nineteen eighty five", "eighty five"),
    ("PERSON", "Hi, my name is Olivia Kowalski and I have a question.", "Kowalski"),
    ("PERSON", "yeah hi my name is olivia kowalski and i need help", "kowalski"),
]


@pytest.mark.parametrize(("entity", "text", "gone"), CASES)
def test_each_kind_is_redacted_written_and_spoken(redactor, entity, text, gone):
    out = redactor.redact(text)
    assert gone.lower() not in out.lower()
    assert f"<{entity}>" in out


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Thank you for calling, how can I help you today?",
        "It will take 3 to 5 working days and costs $1,234.",
        "I have one or two questions about the one plan.",
        "This is ridiculous, I am so upset.",
    ],
)
def test_ordinary_sentences_pass_unchanged(redactor, text):
    assert redactor.redact(text) == text


def test_luhn_invalid_digit_strings_are_not_cards(redactor):
    assert luhn_valid(CARD) and not luhn_valid("4111111111111112")
    entities = {f.entity for f in redactor.findings("The order number is 4111 1111 1111 1112.")}
    assert "CREDIT_CARD" not in entities


def test_security_code_removed_even_with_redaction_off(off):
    out = off.redact(f"Card {CARD}, cvv 123, I'm Olivia Kowalski.")
    assert "123" not in out and "<CVV>" in out
    assert CARD in out and "Kowalski" in out  # redaction off leaves the rest


def test_call_context_carries_a_code_read_out_after_the_question(redactor, off):
    turns = ["What's the three digit code on the back of the card?", "seven three nine", "Okay."]
    for r in (redactor, off):
        context = r.call_context(turns)
        assert r.redact("seven three nine", context) == "<CVV>"
        assert r.redact("seven three nine") == "seven three nine"  # alone it is just words


def test_a_name_given_once_is_redacted_where_the_agent_repeats_it(redactor):
    context = redactor.call_context(["Hi, my name is Olivia Kowalski.", "thanks olivia"])
    assert redactor.redact("thanks olivia, let me check", context) == "thanks <PERSON>, let me check"


def test_evidence_spans_stay_substrings_of_their_sentence(redactor):
    sentence = "Thanks, Olivia Kowalski, I will call you on 07700 900123 tomorrow."
    blob = json.dumps(
        [
            {"sentence": sentence, "span": "I will call you on 07700 900123", "detail": "", "weight": 1.0},
            {"sentence": sentence, "span": "tomorrow", "detail": "", "weight": 1.0},
        ]
    )
    items = json.loads(redactor.redact_evidence(blob))
    assert items[0]["span"] == "I will call you on <PHONE_NUMBER>"
    assert items[1]["span"] == "tomorrow"
    for item in items:
        assert item["span"] in item["sentence"] and "Kowalski" not in item["sentence"]


def test_no_finding_is_left_partly_visible(redactor):
    """A name span that swallowed a card's first group must not leave the rest of the card."""
    text = "Got speaker 'Margaret Thornton 4111 1111 1111 1111'; expected agent"
    redaction = redactor.redact_text(text)
    assert "1111" not in redaction.text and "Thornton" not in redaction.text
    assert redaction.text.endswith("'; expected agent")


def test_offsets_map_both_ways(redactor):
    text = "Thanks Olivia Kowalski, card 4111 1111 1111 1111 is on file. Anything else?"
    redaction = redactor.redact_text(text)
    at = text.index("Anything")
    shown = redaction.map_offset(at)
    assert redaction.text[shown:].startswith("Anything")
    assert redaction.source_offset(shown) == at
    card = redaction.text.index("<CREDIT_CARD>")
    # Inside a placeholder, both maps snap outward to the whole replaced span.
    assert redaction.source_span(card + 2, card + 5) == (text.index("4111"), text.index(" is on"))


def test_redact_record_keeps_ids_and_replaces_personal_metadata(redactor):
    row = {
        "transcript_id": "call-4111",
        "customer_name": "Olivia Kowalski",
        "team": "billing",
        "note": f"paid with {CARD}",
        "interaction_score": 80.0,
    }
    out = redactor.redact_record(row)
    assert out["transcript_id"] == "call-4111" and out["team"] == "billing"
    assert out["customer_name"] == "<PERSON>" and out["note"] == "paid with <CREDIT_CARD>"
    assert out["interaction_score"] == 80.0


def test_personal_metadata_columns_are_replaced_whole_numbers_too_and_cvv_always(redactor, off):
    import numpy as np
    import pandas as pd

    row = {
        "transcript_id": "c1",
        "cvv": "737",
        "card_security_code": 123,
        "card_number": 4111111111111111,
        "customer_phone": 447700900123,
        "company": "Kestrel Connect",
        "organisation": "Kestrel",
        "queue_name": "Billing",
        "timespan": "3 days",
        "voicemail_left": "yes",
        "agent_name": "Priya Shah",
        "missing_cvv": None,
    }
    out = redactor.redact_record(row)
    assert out["cvv"] == "<CVV>" and out["card_security_code"] == "<CVV>"
    assert out["card_number"] == "<CREDIT_CARD>" and out["customer_phone"] == "<PHONE_NUMBER>"
    assert out["agent_name"] == "<PERSON>" and out["missing_cvv"] is None
    for column in ("company", "organisation", "queue_name", "timespan", "voicemail_left"):
        assert out[column] == row[column], column  # no personal data in the name: read as text
    camel = redactor.redact_record({"customerEmail": "jo@example.com", "billingZip": "90210"})
    assert camel == {"customerEmail": "<EMAIL_ADDRESS>", "billingZip": "<ADDRESS>"}
    # redaction off: the security code still goes (PCI DSS), the rest stays
    raw = off.redact_record(row)
    assert raw["cvv"] == "<CVV>" and raw["card_security_code"] == "<CVV>"
    assert raw["card_number"] == 4111111111111111 and raw["agent_name"] == "Priya Shah"
    frame = pd.DataFrame(
        {"transcript_id": ["a", "b"], "cvv": np.array([737, 123]), "card_number": [1.0, np.nan]}
    )
    shown = redactor.redact_frame(frame)
    assert list(shown["cvv"]) == ["<CVV>", "<CVV>"] and shown["card_number"].iloc[0] == "<CREDIT_CARD>"
    assert pd.isna(shown["card_number"].iloc[1])
    assert list(off.redact_frame(frame)["cvv"]) == ["<CVV>", "<CVV>"]


def test_log_lines_are_redacted(redactor):
    import logging

    from cxnlp.privacy import RedactingFilter

    record = logging.LogRecord("cxnlp", logging.WARNING, __file__, 1, "rejected %s", (f"card {CARD}",), None)
    RedactingFilter(redactor).filter(record)
    assert CARD not in record.getMessage() and "<CREDIT_CARD>" in record.getMessage()


def test_a_reject_reason_keeps_cxnlps_wording_and_redacts_what_it_quotes(redactor, tmp_path):
    """spaCy read "Unicode" in cxnlp's own message as a name; only quoted record content
    may be a name there (patterns apply everywhere)."""
    import logging

    from cxnlp.ingest import RejectWriter, read_rejects, read_transcripts
    from cxnlp.model import Reject
    from cxnlp.privacy import RedactingFilter

    path = tmp_path / "calls.jsonl"
    path.write_text('{"id": "s1", "turns": [{"speaker": "agent", "text": "hi \\ud800 there"}]}\n')
    [surrogate] = read_transcripts(path)
    assert isinstance(surrogate, Reject) and "not valid Unicode" in surrogate.reason
    quoted = Reject(source="x", reason=f"Got speaker 'Olivia Kowalski' and card {CARD}; expected 'agent'.")
    with RejectWriter(tmp_path / "rejects.jsonl", redactor=redactor) as writer:
        writer.write(surrogate)
        writer.write(quoted)
    first, second = read_rejects(tmp_path / "rejects.jsonl").to_dict("records")
    assert first["reason"] == surrogate.reason  # nothing of it is personal data
    assert second["reason"] == "Got speaker '<PERSON>' and card <CREDIT_CARD>; expected 'agent'."
    record = logging.LogRecord(
        "cxnlp.scoring", logging.WARNING, __file__, 1, "rejected %s", (surrogate.reason,), None
    )
    RedactingFilter(redactor).filter(record)
    assert record.getMessage() == f"rejected {surrogate.reason}"


def test_log_lines_do_not_fill_the_cache_and_are_redacted_once():
    """Each log line is new (request id, timing): cached, every one would stay in memory."""
    import logging

    from cxnlp.privacy import RedactingFilter

    redactor = Redactor()
    redactor.redact("Thank you for calling, this is Priya.")  # a call sentence: cached
    first, second = RedactingFilter(redactor), RedactingFilter(redactor)
    for n in range(50):
        record = logging.LogRecord(
            "cxnlp.service", logging.INFO, __file__, 1, "request %06d paid %s", (n, f"card {CARD}"), None
        )
        assert first.filter(record) and second.filter(record)
        assert record.getMessage() == f"request {n:06d} paid card <CREDIT_CARD>"
    assert list(redactor._cache()) == ["Thank you for calling, this is Priya."]


def test_patterns_file_can_be_extended(tmp_path):
    from importlib import resources

    text = resources.files("cxnlp").joinpath("resources", "privacy_patterns.yaml").read_text()
    custom = tmp_path / "patterns.yaml"
    custom.write_text(text.replace("  CVV: ['cvv',", "  CVV: ['pin code', 'cvv',"))
    assert Redactor(patterns=custom, enabled=False).redact("the pin code is 4321") == "the pin code is <CVV>"
    assert Redactor(enabled=False).redact("the pin code is 4321") == "the pin code is 4321"


# --- placeholders in input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["[PII]", "[NAME]", "<PERSON>", "{{NAME}}", "####", "[REDACTED]", "[name_given]"]
)
def test_placeholders_are_recognised(token):
    assert is_placeholder(token)
    assert placeholders(f"Thanks, {token}.") == [token]


@pytest.mark.parametrize("text", ["[laughs]", "[inaudible]", "<b>", "#1", "**", "[crosstalk]"])
def test_annotations_and_markup_are_not_placeholders(text):
    assert not is_placeholder(text)


@pytest.mark.parametrize(
    ("sentence", "addressed"),
    [
        ("Thanks, [NAME], I'll fix that.", True),
        ("Thank you <PERSON>.", True),
        ("Right, [REDACTED], let me check.", True),
        ("Hi, this is [NAME] from Acme.", False),  # the agent's own name
        ("Your reference number is [PII].", False),
        ("I'll fix that.", False),
    ],
)
def test_placeholder_addressing_the_customer(sentence, addressed):
    assert (addressed_placeholder(sentence) is not None) is addressed


@pytest.mark.slow
def test_pipeline_keeps_a_placeholder_one_token_inside_its_sentence():
    from cxnlp.nlp import load_pipeline

    doc = load_pipeline()("Thanks, [NAME]. Your reference number is [PII].")
    sentences = [s.text for s in doc.sents]
    assert sentences == ["Thanks, [NAME].", "Your reference number is [PII]."]


# --- scoring and the CLI -------------------------------------------------------------------

CALL = [
    ("customer", f"Hi, my name is Olivia Kowalski. I was charged twice, my card is {CARD}."),
    ("agent", "Thanks, Olivia. I'm sorry about that. What's the security code on the back?"),
    ("customer", "It's 739."),
    (
        "agent",
        "Thank you Olivia. I have refunded the duplicate charge; it arrives in three days. "
        "Is there anything else I can help with?",
    ),
]


@pytest.fixture(scope="module")
def parser():
    from cxnlp.nlp import SentenceEncoder, TranscriptParser

    return TranscriptParser(encoder=SentenceEncoder())


@pytest.mark.slow
def test_scores_identical_with_redaction_on_and_off(parser):
    from cxnlp.model import Transcript
    from cxnlp.scoring import DIMENSION_COLUMNS, Scorer

    call = Transcript.from_pairs("c1", CALL)
    on = Scorer(parser=parser, redact=True).score([call]).iloc[0]
    off = Scorer(parser=parser, redact=False).score([call]).iloc[0]
    for column in (*DIMENSION_COLUMNS, "interaction_score", "f_proactive_connection__name_uses"):
        assert on[column] == off[column]
    assert "Kowalski" not in on["evidence"] and "Olivia" not in on["evidence"]
    assert "Olivia" in off["evidence"]
    assert "739" not in on["evidence"] and "739" not in off["evidence"]


@pytest.mark.slow
def test_placeholders_are_neutral_in_the_dimensions(parser):
    from cxnlp.model import Transcript
    from cxnlp.scoring import Scorer

    scorer = Scorer(parser=parser, redact=False)
    named = Transcript.from_pairs(
        "a",
        [
            ("customer", "Hi, my name is Olivia. What is the reference number for my complaint?"),
            ("agent", "Thanks, Olivia. Your reference number is 4417, you will get an email today."),
        ],
    )
    redacted = Transcript.from_pairs(
        "b",
        [
            ("customer", "Hi, my name is [NAME]. What is the reference number for my complaint?"),
            ("agent", "Thanks, [NAME]. Your reference number is [PII], you will get an email today."),
        ],
    )
    a, b = (scorer.score([t]).iloc[0] for t in (named, redacted))
    assert b["f_proactive_connection__name_uses"] == a["f_proactive_connection__name_uses"] == 1
    assert b["answer_completeness"] == a["answer_completeness"] == 100
    assert b["filler_content"] == a["filler_content"] == 0
    assert abs(b["brand_congruence"] - a["brand_congruence"]) < 10


@pytest.mark.slow
def test_cli_score_outputs_hold_no_planted_card_or_code(tmp_path):
    from typer.testing import CliRunner

    from cxnlp.cli import app

    calls = tmp_path / "calls.jsonl"
    good = {"id": "c1", "turns": [{"speaker": s, "text": t} for s, t in CALL]}
    bad = {"id": "c2", "turns": [{"speaker": f"payer card {CARD}", "text": "hello"}]}
    calls.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    runner = CliRunner()
    for flag, card_allowed in (("--redact", False), ("--no-redact", True)):
        out = tmp_path / f"scores{flag}.jsonl"
        result = runner.invoke(
            app, ["score", str(calls), "--out", str(out), flag, "--embedding", "onnx-int8"]
        )
        assert result.exit_code == 0, result.output
        rejects = out.with_name(f"{out.stem}.rejects.jsonl")
        written = out.read_text() + rejects.read_text()
        assert "c2" in rejects.read_text()  # the record is still accounted for
        assert "739" not in written
        assert (CARD in written.replace(" ", "")) is card_allowed


GATE_TEXTS = [
    "My card number is 4111 1111 1111 1111.",
    "card 4111-1111-1111-111 and 4111111111111",
    "only twelve digits 4111 1111 1111",
    "SSN 536-22-8726, or 536 22 8726, or 536228726, 53622-8726, 536-228726.",
    "ssn 536-22-872 is eight digits",
    "eight digits 1234 5678",
    "IBAN GB82 WEST 1234 5698 7654 32 please",
    "iban gb82west12345698765432",
    "DE89370400440532013000",
    "Order 12 was sent on 3 May to flat 4b.",
    "No digits at all here.",
    "٤١١١ ١١١١ ١١١١ ١١١١ Arabic-Indic digits",
]


@pytest.mark.parametrize("name", ["CreditCardRecognizer", "IbanRecognizer", "UsSsnRecognizer"])
def test_gated_presidio_recognisers_find_what_the_ungated_ones_find(name):
    """A gate only skips text that no pattern of the recogniser could match."""
    pytest.importorskip("presidio_analyzer")
    from presidio_analyzer import predefined_recognizers

    from cxnlp.privacy import recognizers

    base = getattr(predefined_recognizers, name)
    gate = {
        "CreditCardRecognizer": recognizers._has_card_digits,
        "IbanRecognizer": recognizers._has_iban_start,
        "UsSsnRecognizer": recognizers._has_ssn_digits,
    }[name]
    gated, plain = recognizers._gated(base, gate)(), base()
    found_any = False
    for text in GATE_TEXTS:
        entities = plain.supported_entities
        expected = [(r.entity_type, r.start, r.end, r.score) for r in plain.analyze(text, entities)]
        got = [(r.entity_type, r.start, r.end, r.score) for r in gated.analyze(text, entities)]
        assert got == expected, text
        found_any |= bool(expected)
    assert found_any  # the texts do hold what this recogniser finds


SKIP_TEXTS = [
    *GATE_TEXTS,
    "Call me on 020 7946 0958 or +1 212 555 0199.",
    "mail it to jo.smith@example.com",
    "ownership #1 (pattern)",
    "sounds respectful (on-brand probability 0.46; closest trait example similarity 0.43)",
    "It was 45 dollars on 12/03 for 2 items.",
    # Enough digits for a phone, but no four in a run ("P(met)" and similarities).
    "problem, asks for a fix; met by turn 3 (P(met) 0.81), similarity 0.62, margin +0.06",
    "Ruf 030 1234 an oder +49 30 901820, Durchwahl x 12.",
    "ref 12-34 ab 5678 and 0.5 0.6",
]


def test_the_phone_gate_needs_no_fewer_digits_than_a_valid_number_has():
    """``MIN_VALID_PHONE_DIGITS`` is at most the digits of the shortest valid number the
    phone recogniser can find: a national number of one of its regions, or a country
    code and a national number of any region (``phonenumbers``' metadata)."""
    phonenumbers = pytest.importorskip("phonenumbers")
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    from cxnlp.privacy.recognizers import MIN_VALID_PHONE_DIGITS, _digit_gated_phone_recognizer

    def shortest(metadata):
        lengths = [
            n
            for desc in vars(metadata).values()
            if isinstance(desc, phonenumbers.PhoneNumberDesc)
            for n in (desc.possible_length or ())
            if n > 0
        ]
        return min(lengths, default=99)

    regions = _digit_gated_phone_recognizer().supported_regions
    national = min(shortest(phonenumbers.PhoneMetadata.metadata_for_region(r)) for r in regions)
    international = min(
        len(str(code)) + shortest(metadata)
        for code, names in COUNTRY_CODE_TO_REGION_CODE.items()
        for name in names
        if (
            metadata := phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
            if name == "001"
            else phonenumbers.PhoneMetadata.metadata_for_region(name)
        )
        is not None
    )
    assert MIN_VALID_PHONE_DIGITS <= min(national, international)


def test_presidio_is_skipped_only_where_none_of_its_pattern_recognisers_could_match(redactor):
    """Where ``presidio_patterns_may_match`` says no, the redactor skips Presidio for text
    without a name: each of the analyzer's pattern recognisers, run without its gate,
    must then find nothing (a recogniser added without a gate fails here)."""
    pytest.importorskip("presidio_analyzer")
    from cxnlp.privacy.recognizers import presidio_patterns_may_match

    others = {"SpacyRecognizer", "CxnlpCallDataRecognizer"}
    recognisers = [r for r in redactor.analyzer_.registry.recognizers if r.name not in others]
    assert len(recognisers) == 5
    for rec in recognisers:
        ungated = next(c for c in type(rec).__mro__ if c.__module__.startswith("presidio_analyzer"))
        found_any = False
        for text in SKIP_TEXTS:
            found = ungated.analyze(rec, text, rec.supported_entities, None)
            if not presidio_patterns_may_match(text):
                assert found == [], (rec.name, text)
            found_any |= bool(found)
        assert found_any, rec.name  # the texts do hold what this recogniser finds


def test_skipping_presidio_finds_what_presidio_finds(redactor):
    from cxnlp.privacy.recognizers import presidio_patterns_may_match

    p = redactor.patterns_
    texts = [*SKIP_TEXTS, "the security code on the back? it's 737", "Sorry, what was it, 4 or 5?"]
    compared = []
    for text in texts:
        if redactor._may_hold_name(text) or presidio_patterns_may_match(text):
            continue  # analysed by Presidio either way
        results = redactor.analyzer_.analyze(
            text,
            language="en",
            entities=[*p.entities, "EMAIL_ADDRESS", "IBAN_CODE"],
            score_threshold=redactor.score_threshold,
            nlp_artifacts=redactor._blank_artifacts(text),
        )
        expected = [(r.start, r.end, r.entity_type) for r in results]
        assert [(f.start, f.end, f.entity) for f in redactor._analyze(text)] == expected, text
        compared.append(bool(expected))
    assert len(compared) >= 4 and any(compared) and not all(compared)


@pytest.mark.parametrize(
    "text",
    [
        "I live at 221b Baker Street, London NW1 6XE.",
        "it's twelve oak lane",
        "Flat 4, 17\tHigh St. please",
        "send it to 9 the old mill road",
        "apartment twelve, one two Elm Ct",
        "He lives on Baker Street.",
        "Order 12 was sent on 3 May to flat 4b.",
        "twenty two acacia avenues",
    ],
)
def test_the_address_street_gate_never_hides_an_address(text):
    """``address_findings`` runs the slow address pattern only where ``address_street``
    finds a street word after a space, which every match of it has."""
    from cxnlp.privacy.detectors import address_findings
    from cxnlp.privacy.patterns import load_patterns

    p = load_patterns()
    matches = [m.span() for m in p.address.finditer(text)]
    if matches:
        assert p.address_street.search(text)
    found = [(f.start, f.end) for f in address_findings(text, p) if (f.start, f.end) in matches]
    assert found == matches


# --- what is not a name (cxnlp/resources/privacy_allow.yaml) ------------------------------

GREETING_CALL = [
    "Hello, and thank you for calling Kestrel Connect. This is Priya. How may I help?",
    "Hi, my name is Olivia Dubois. I only get 20 Mbps.",
]


def test_company_named_in_the_greeting_stays_and_the_customer_is_still_redacted(redactor):
    context = redactor.call_context(GREETING_CALL)
    out = redactor.redact("Kestrel Connect is happy to help, Olivia.", context)
    assert out == "Kestrel Connect is happy to help, <PERSON>."
    greeting = redactor.redact(GREETING_CALL[0], context)
    assert "Kestrel Connect" in greeting and "Priya" not in greeting


@pytest.mark.parametrize(
    "text",
    [
        "We'll make sure you get the full 300 Mbps reaching the router.",
        "It's REF41853.",
        "When will it actually arrive?",
        "It's grey actually here.",
        "Sooo, sorry for the hassle, the Monday slot is gone.",
    ],
)
def test_units_codes_and_ordinary_words_are_not_names(redactor, text):
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("The engineer, Tom Baker, will visit on Monday.", "Baker"),
        ("Sooo Dmitri, sorry for the hassle.", "Dmitri"),
        ("this is sarah speaking", "sarah"),
        ("I was talking to Daniel at Kestrel Connect.", "Daniel"),
    ],
)
def test_names_among_ordinary_words_are_still_redacted(redactor, text, gone):
    out = redactor.redact(text)
    assert gone not in out and "<PERSON>" in out


def test_allow_list_is_data_a_deployment_overrides(tmp_path):
    from importlib import resources

    text = resources.files("cxnlp").joinpath("resources", "privacy_allow.yaml").read_text()
    custom = tmp_path / "allow.yaml"
    custom.write_text(text.replace("terms: [PayPal,", "terms: [Kestrel Connect, PayPal,"))
    sentence = "Kestrel Connect is happy to help."
    assert Redactor().redact(sentence) == "<PERSON> is happy to help."  # no greeting: spaCy's guess
    mine = Redactor(allow=custom)
    assert mine.redact(sentence) == sentence
    assert mine.fingerprint()["allow_sha256"] != Redactor().fingerprint()["allow_sha256"]


def test_a_bad_allow_list_names_the_file_and_key(tmp_path):
    from cxnlp.privacy.allow import PrivacyAllowError

    bad = tmp_path / "allow.yaml"
    bad.write_text("terms: Kestrel\nwords: []\n")
    with pytest.raises(PrivacyAllowError, match=r"allow\.yaml.*'terms'"):
        Redactor(allow=bad).redact("Hello Sarah")


# --- the detectors' gates are exact --------------------------------------------------------

GATED_DETECTOR_TEXTS = [
    *(text for _, text, _ in CASES),
    *SKIP_TEXTS,
    "triple seven",  # three digits from two words
    "twenty one",
    "one two",
    "it's room one",
    "the security code is ²³⁴, one sec",  # a superscript digit is a digit to a run, not to \d
    "iban gb eight two west one two three four five six nine eight seven six five four three two",
    "born on the ſeventh of ſeptember",  # the date pattern's case folding
    "expires June twenty seven",
    "Call me AT home AT nine",
    "jane dot doe At gmail dot com",
    "Nothing here to find, thanks.",
]


def _privacy_dev_turns() -> list[str]:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "privacy" / "calls_dev.jsonl"
    calls = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [turn["text"] for call in calls[:40] for turn in call["turns"]]


def test_detector_gates_never_hide_a_finding(monkeypatch):
    """Each detector skips a text that lacks what every one of its finds holds (a digit or
    enough number words, a month word, " at ", a name cue or title): with every gate open,
    ``find_all`` finds exactly the same."""
    import dataclasses
    import re

    from cxnlp.privacy import detectors
    from cxnlp.privacy.patterns import load_patterns

    p = load_patterns()
    texts = [*GATED_DETECTOR_TEXTS, *_privacy_dev_turns()]
    gated = [detectors.find_all(text, p) for text in texts]
    monkeypatch.setattr(detectors, "may_hold_digit_run", lambda text, p: True)
    monkeypatch.setattr(detectors, "_words_at_least", lambda *args, **kwargs: True)
    monkeypatch.setattr(detectors, "_SPOKEN_AT", re.compile(""))
    open_gates = dataclasses.replace(p, date_gate=re.compile(""), name_gate=re.compile(""))
    assert [detectors.find_all(text, open_gates) for text in texts] == gated
    assert sum(map(bool, gated)) >= 30  # the texts do hold what the detectors find


def test_call_context_reads_what_all_detectors_give(redactor, monkeypatch):
    """``call_context`` runs only the detectors whose findings it keeps (numbers, names,
    addresses): the context is the one all of them give."""
    from cxnlp.privacy import detectors
    from cxnlp.privacy import redactor as redactor_module

    turns = [*GATED_DETECTOR_TEXTS, *_privacy_dev_turns()]
    calls = [turns[i : i + 6] for i in range(0, len(turns), 6)]
    kept = [redactor.call_context(call) for call in calls]
    monkeypatch.setattr(redactor_module, "context_findings", detectors.find_all)
    assert [redactor.call_context(call) for call in calls] == kept
    assert any(c.values for c in kept) and any(c.names for c in kept)


@pytest.mark.parametrize(
    "text",
    ["hi, it\u2019s priya speaking", "my name\u2019s priya and I\u2019m calling about my bill"],
)
def test_typographic_apostrophes_hide_no_name(redactor, text):
    """Chat and e-mail text writes "it’s"; the self-introduction patterns are written with
    "'", and the offsets must still point into the text as given."""
    found = [f for f in redactor.findings(text) if f.entity == "PERSON"]
    assert [text[f.start : f.end].lower() for f in found] == ["priya"]
    context = redactor.call_context([text, "thanks priya, one moment"])
    assert "priya" in context.names


@pytest.mark.parametrize(
    "text",
    [
        "The Wi-Fi is so slow upstairs, Sure, 300 Mbps.",
        "Cool, cheers, bye.",
        "I use WhatsApp on my iPhone and Google Pay.",
        "Thanks Sarah, I'll pass this to Tom in billing.",
        "REF41853 GB Sooo slow, O'Brien's McDonald Anne-Marie.",
        "“Quoted” (Parenthesised) words: Here; There!",
    ],
)
def test_name_parts_keep_nothing_where_no_word_may_be_a_name(redactor, text):
    """``may_have_name_parts`` says no only where no entity span of the text keeps a part."""
    from cxnlp.privacy.allow import may_have_name_parts, name_parts

    p, allow = redactor.patterns_, redactor.allow_
    stop = p.not_name_words | p.not_name_capitals
    spans = {(m.start(), m.end()) for m in re.finditer(r"\S+(?:\s+\S+)?", text)} | {(0, len(text))}
    kept = [part for a, b in spans for part in name_parts(text, a, b, allow, stop)]
    assert may_have_name_parts(text, allow, stop) == bool(kept)

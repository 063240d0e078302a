"""Pure functions that find the personal data calls carry, written or spoken.

Each detector takes a text (and the compiled :class:`~cxnlp.privacy.patterns.PrivacyPatterns`)
and returns :class:`Finding` spans. They are plain regular expressions and arithmetic, so
they cost microseconds; :mod:`cxnlp.privacy.recognizers` wraps them as Presidio
recognisers, and the redactor also runs them over whole calls to learn what a call
revealed (a security code read out after the agent asked for it in the previous turn).

Numbers are read the way people say them: digits one by one ("four one one one"), pairs
("twenty seven"), "double four", "oh" for zero, and written groups ("4111 1111"). A run
of such tokens becomes one digit string, which is then classified by the context words
just before it (the nearest cue wins), by the Luhn check (card numbers) and by shape
(``12-34-56`` is a sort code, ``123-45-6789`` a US SSN).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass

from cxnlp.privacy.patterns import PrivacyPatterns, load_patterns

_TOKEN = re.compile(r"\d+|[A-Za-z]+|[^\sA-Za-z\d]")
_RUN_SEPARATORS = frozenset("-,./()")
_CURRENCY = re.compile(r"[$£€¥]\s*$|\b(?:usd|gbp|eur)\s*$", re.IGNORECASE)
_UNITS_AFTER = re.compile(
    r"^\s*(?:%|percent|dollars?|pounds?|pence|cents?|euros?|quid|bucks|gb|mb|kb|minutes?|mins?|hours?|"
    r"days?|weeks?|months?|years?|seconds?|times|items?|orders?)\b",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
#: The words of a text as :data:`_TOKEN` and :data:`_IBAN_TOKEN` cut them when it has no digit.
_LETTERS = re.compile(r"[A-Za-z]+")
_SORT_CODE_SHAPE = re.compile(r"^\d{2}-\d{2}-\d{2}$")
_SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")


@dataclass(frozen=True, slots=True)
class Finding:
    """One span of personal data: where it is, what it is, and its normalised value.

    ``value`` is what the span says in canonical form (digits for numbers, lower-cased
    words for names), so the same data can be recognised when it comes back in another
    string of the call in another form.
    """

    start: int
    end: int
    entity: str
    value: str = ""
    score: float = 0.85
    #: ``"ner"`` for a PERSON entity of spaCy's model (judged by
    #: :func:`cxnlp.privacy.allow.name_parts`), empty for cxnlp's detectors.
    source: str = ""


@dataclass(frozen=True, slots=True)
class DigitRun:
    """A run of written or spoken digits: its span, its digits and its raw text."""

    start: int
    end: int
    digits: str
    raw: str


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(code: str) -> bool:
    """ISO 13616 check: two letters, two check digits, mod 97 of the rearranged code is 1."""
    code = code.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", code):
        return False
    rearranged = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _words_at_least(text: str, words: Container[str], needed: int, *, longer_than: int = 0) -> bool:
    """Whether ``text`` has ``needed`` words of ``words`` (lower-cased, longer than
    ``longer_than`` letters) among its letter runs."""
    found = 0
    for word in _LETTERS.findall(text):
        if len(word) > longer_than and word.lower() in words:
            found += 1
            if found >= needed:
                return True
    return False


def may_hold_digit_run(text: str, p: PrivacyPatterns) -> bool:
    """Whether ``text`` can hold a run of three digits: it has a digit, or enough number
    words (:attr:`~cxnlp.privacy.patterns.PrivacyPatterns.run_words_needed`).

    Why: most sentences have neither, and :func:`digit_runs` reads every token of the text
    to find that out. The test is necessary, never a guess: without a digit, each number
    word gives at most two digits, so three need two of them ("triple seven", "twenty
    one"). A text with other than ASCII is read in full: a superscript digit ("²") reads as
    a digit in a run but is no ``\\d``."""
    if not text.isascii() or _DIGIT.search(text):
        return True
    return _words_at_least(text, p.number_words, p.run_words_needed)


def digit_runs(text: str, p: PrivacyPatterns) -> list[DigitRun]:
    """Runs of written or spoken digits in ``text`` (at least 3 digits)."""
    if not may_hold_digit_run(text, p):
        return []
    tokens = list(_TOKEN.finditer(text))
    runs: list[DigitRun] = []
    i = 0
    while i < len(tokens):
        digits, end, j = _read_number(tokens, i, p)
        if not digits:
            i += 1
            continue
        start = tokens[i].start()
        k = j
        while k < len(tokens):
            gap = text[end : tokens[k].start()]
            sep = tokens[k].group()
            if sep in _RUN_SEPARATORS and gap.strip() == "" and k + 1 < len(tokens):
                nxt_digits, nxt_end, nxt_j = _read_number(tokens, k + 1, p)
                if nxt_digits and text[tokens[k].end() : tokens[k + 1].start()].strip() == "":
                    digits += nxt_digits
                    end, k = nxt_end, nxt_j
                    continue
                break
            if gap.strip() != "":
                break
            nxt_digits, nxt_end, nxt_j = _read_number(tokens, k, p)
            if not nxt_digits:
                break
            digits += nxt_digits
            end, k = nxt_end, nxt_j
        if start > 0 and text[start - 1] in "(+":
            start -= 1
        if len(digits) >= 3:
            runs.append(DigitRun(start, end, digits, text[start:end]))
        i = max(k, i + 1)
    return runs


def _read_number(tokens: list[re.Match[str]], i: int, p: PrivacyPatterns) -> tuple[str, int, int]:
    """The digits tokens[i:] start with (one number word, a pair or a group): digits, end, next."""
    word = tokens[i].group()
    low = word.lower()
    if word.isdigit():
        return word, tokens[i].end(), i + 1
    if low in p.repeat_words and i + 1 < len(tokens):
        inner, end, j = _read_number(tokens, i + 1, p)
        if len(inner) == 1:
            return inner * p.repeat_words[low], end, j
        return "", 0, i
    if low in p.teen_words:
        return p.teen_words[low], tokens[i].end(), i + 1
    if low in p.tens_words:
        tens = p.tens_words[low]
        j = i + 1
        if j < len(tokens) and tokens[j].group() == "-":
            j += 1
        if j < len(tokens):
            unit = p.digit_words.get(tokens[j].group().lower())
            if unit is not None and unit != "0" and tokens[j].group().lower() not in ("o", "oh"):
                return tens + unit, tokens[j].end(), j + 1
        return tens + "0", tokens[i].end(), i + 1
    if low in p.digit_words:
        return p.digit_words[low], tokens[i].end(), i + 1
    return "", 0, i


def _nearest_cues(before: str, p: PrivacyPatterns) -> list[str]:
    """Entities whose context words occur in ``before``, nearest (last) first."""
    found: list[tuple[int, str]] = []
    for entity, pattern in p.context.items():
        last = None
        for m in pattern.finditer(before):
            last = m.end()
        if last is not None:
            found.append((last, entity))
    return [e for _, e in sorted(found, reverse=True)]


def _fits(entity: str, digits: str) -> bool:
    n = len(digits)
    if entity == "CVV":
        return 3 <= n <= 4
    if entity == "CARD_EXPIRY":
        if not 3 <= n <= 6:
            return False
        month = int(digits[:2]) if n in (4, 6) else int(digits[:1]) if n in (3, 5) else 0
        return 1 <= month <= 12
    if entity == "CREDIT_CARD":
        return 12 <= n <= 19
    if entity == "SORT_CODE":
        return n in (6, 9)
    if entity == "US_SSN":
        return n == 9
    if entity == "BANK_ACCOUNT":
        return 6 <= n <= 18
    if entity == "PHONE_NUMBER":
        return 7 <= n <= 15
    if entity == "DATE_OF_BIRTH":
        return 4 <= n <= 8
    if entity == "ADDRESS":
        return n in (5, 9)
    return False


def classify_run(run: DigitRun, before: str, after: str, p: PrivacyPatterns) -> str | None:
    """What a digit run is, from the context just before it, its shape and the Luhn check."""
    window = before[-p.context_window :]
    for entity in _nearest_cues(window, p):
        if _fits(entity, run.digits):
            return entity
    n = len(run.digits)
    if 13 <= n <= 19 and luhn_valid(run.digits):
        return "CREDIT_CARD"
    raw = run.raw.strip()
    if _SORT_CODE_SHAPE.match(raw):
        return "SORT_CODE"
    if _SSN_SHAPE.match(raw):
        return "US_SSN"
    if _CURRENCY.search(before) or _UNITS_AFTER.match(after):
        return None
    if 10 <= n <= 11 or (raw.startswith("+") and 10 <= n <= 13):
        return "PHONE_NUMBER"
    return None


def number_findings(text: str, p: PrivacyPatterns, prefix: str = "") -> list[Finding]:
    """Card numbers, security codes, expiry dates, account and sort codes, SSNs, phones.

    ``prefix`` is text said just before ``text`` (the end of the previous turn), read only
    as context.
    """
    out = []
    for run in digit_runs(text, p):
        before = prefix + " " + text[: run.start]
        entity = classify_run(run, before, text[run.end :], p)
        if entity is not None:
            out.append(Finding(run.start, run.end, entity, run.digits))
    return out


def date_findings(text: str, p: PrivacyPatterns, prefix: str = "") -> list[Finding]:
    """Dates of birth and card expiry dates said as dates ("4th of July 1985", "09/27")."""
    if not p.date_gate.search(text):
        return []  # every date has a digit or a month word
    out = []
    for m in p.date.finditer(text):
        before = (prefix + " " + text[: m.start()])[-p.context_window :]
        for entity in _nearest_cues(before, p):
            if entity in ("DATE_OF_BIRTH", "CARD_EXPIRY"):
                out.append(Finding(m.start(), m.end(), entity, m.group().lower()))
                break
    return out


#: What :func:`find_all` and :func:`name_findings` last found, each: (text, patterns,
#: prefix, findings).
_LAST_FOUND: dict[str, tuple[str, PrivacyPatterns, str, tuple[Finding, ...]]] = {}


def _as_last_time(
    kind: str, text: str, p: PrivacyPatterns, prefix: str, find: Callable[[], list[Finding]]
) -> list[Finding]:
    """``find()``, or what it found the last time it was asked about this text, patterns and
    prefix (as a new list).

    Why: the redactor asks for one string's findings up to three times in a row (its gate
    before Presidio, then Presidio's call-data recogniser, then the names that may precede
    a company), and each is a pass of every detector over the string. The detectors are
    pure functions of what they are given, so the findings are the same.
    """
    last = _LAST_FOUND.get(kind)
    if last is not None and last[1] is p and last[0] == text and last[2] == prefix:
        return list(last[3])
    found = find()
    _LAST_FOUND[kind] = (text, p, prefix, tuple(found))
    return found


def name_findings(text: str, p: PrivacyPatterns) -> list[Finding]:
    """Names people give ("my name is ...", "this is Sarah", "Mr Jones", "John speaking")."""
    return _as_last_time("name", text, p, "", lambda: _name_findings(text, p))


def _name_findings(text: str, p: PrivacyPatterns) -> list[Finding]:
    if not p.name_gate.search(text):
        return []  # every name found follows a cue or a title (one scan instead of four)
    out: list[Finding] = []
    cues = ((p.name_cue, False, 0.85), (p.name_cue_capitalised, True, 0.6))
    for pattern, capitalised, score in cues:
        # Overlapping cues: "hi this is Jane" first offers "hi" the words "this is Jane",
        # which name no one; the search then goes on from those words, so "this is" is
        # read too. After a name it goes on from the name's end.
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            spans = list(_name_span(text, m.start("name"), m.group("name"), p, capitalised, score))
            out.extend(spans)
            pos = spans[-1].end if spans else m.start("name")
    for m in p.name_before_cue.finditer(text):
        # "John speaking", "this is sarah here": the cue must follow the name directly, so
        # every word before it must pass ("it's grey actually here" names no one)
        spans = list(_name_span(text, m.start("name"), m.group("name"), p, capitalised=False))
        if spans and spans[0].end == m.end("name"):
            out.extend(spans)
    for m in p.title.finditer(text):
        out.extend(_name_span(text, m.start("name"), m.group("name"), p, capitalised=False))
    return out


def _name_span(
    text: str, start: int, words: str, p: PrivacyPatterns, capitalised: bool, score: float = 0.85
) -> Iterator[Finding]:
    """The name words at ``start``; ``score`` 0.6 marks a weak cue ("this is X", "thanks X"),
    whose name is redacted where it stands but not looked for elsewhere in the call."""
    kept: list[str] = []
    pos = start
    for word in words.split():
        pos = text.index(word, pos) + len(word)
        bare = word.strip("'-")
        if bare.lower() in p.not_name_words or len(bare) < 2 or bare.lower() in p.digit_words:
            break
        if capitalised and not bare[:1].isupper():
            break
        if capitalised and bare.lower() in p.not_name_capitals:
            break
        if capitalised and bare.isupper():  # an acronym or a code ("It's REF41853"), not a name
            break
        if pos < len(text) and text[pos].isdigit():  # glued to digits: a reference, not a name
            break
        kept.append(word)
    if kept:
        end = start
        for word in kept:
            end = text.index(word, end) + len(word)
        yield Finding(start, end, "PERSON", " ".join(w.lower() for w in kept), score)


def address_findings(text: str, p: PrivacyPatterns) -> list[Finding]:
    """Street addresses ("221b Baker Street", "twelve oak lane"), UK postcodes, US ZIP + state."""
    out = (
        [Finding(m.start(), m.end(), "ADDRESS", m.group().lower()) for m in p.address.finditer(text)]
        if p.address_street.search(text)
        else []
    )
    for pattern in (p.uk_postcode, p.us_zip_with_state):
        out.extend(Finding(m.start(), m.end(), "ADDRESS", m.group().lower()) for m in pattern.finditer(text))
    return out


def spoken_email_findings(text: str, p: PrivacyPatterns) -> list[Finding]:
    """E-mail addresses read out ("john dot smith at gmail dot com")."""
    if not _SPOKEN_AT.search(text):
        return []  # every match has " at " (the scan for it is much cheaper than the match)
    return [
        Finding(m.start(), m.end(), "EMAIL_ADDRESS", m.group().lower()) for m in p.spoken_email.finditer(text)
    ]


#: What every match of ``spoken_email`` holds, with its flags.
_SPOKEN_AT = re.compile(r"[ \t]at[ \t]", re.IGNORECASE)
_IBAN_TOKEN = re.compile(r"[A-Za-z0-9]+")
#: A written code's first group with its country and check digits ("GB82", "GB82WEST").
_IBAN_OPENING = re.compile(r"[A-Za-z]{2}\d{2}[A-Za-z0-9]*")
#: A token that adds nothing to a code but does not end it ("double" in "double four");
#: no piece can equal it (pieces are letters and digits).
_SKIP = "\0skip"


def _iban_piece(word: str, p: PrivacyPatterns) -> str | None:
    """What ``word`` adds to a spelled or grouped IBAN: a digit for a digit word, the word
    for digits or a short upper-case group or a single letter, :data:`_SKIP` for a repeat
    word, None where the code ends (unless it is the code's opening group)."""
    low = word.lower()
    if low in p.digit_words and len(word) > 1:
        return p.digit_words[low]
    if low in p.repeat_words:
        return _SKIP
    if word.isdigit() or (len(word) <= 4 and (word.isupper() or len(word) == 1)):
        return word
    return None


#: How every IBAN opens: a country code and two check digits.
_IBAN_START = re.compile(r"[A-Z]{2}\d{2}")


def iban_findings(text: str, p: PrivacyPatterns) -> list[Finding]:
    """IBANs written in groups or spelled out ("g b eight two w e s t ..."), checksum-valid."""
    if not _DIGIT.search(text) and not _words_at_least(
        text, p.digit_words, p.iban_words_needed, longer_than=1
    ):
        return []  # no check digits: without a digit they are digit words ("eight two")
    tokens = list(_IBAN_TOKEN.finditer(text))
    # Each token is read once; a code is then grown from every start over these pieces.
    pieces_of = [_iban_piece(t.group(), p) for t in tokens]
    out: list[Finding] = []
    i = 0
    while i < len(tokens):
        pieces: list[str] = []
        ends: list[int] = []
        length = 0
        j = i
        opens = None  # whether the code opens with a country and check digits (read once 4 long)
        while j < len(tokens) and length < 34:
            piece = pieces_of[j]
            if piece is None and j == i and _IBAN_OPENING.fullmatch(tokens[j].group()):
                piece = tokens[j].group()
            if piece is None:
                break
            if piece == _SKIP:
                j += 1
                continue
            piece = piece.upper()
            pieces.append(piece)
            length += len(piece)
            ends.append(tokens[j].end())
            j += 1
            if opens is None and length >= 4:
                # The opening needs only the first four characters: no need to grow a
                # code that cannot be one.
                opens = _IBAN_START.match("".join(pieces)) is not None
                if not opens:
                    break
        if opens is None:  # shorter than four characters
            opens = _IBAN_START.match("".join(pieces)) is not None
        found = False
        if opens:
            for k in range(len(pieces), 0, -1):
                code = "".join(pieces[:k])
                if len(code) >= 15 and iban_valid(code):
                    out.append(Finding(tokens[i].start(), ends[k - 1], "IBAN_CODE", code))
                    i, found = max(i + 1, i + k), True
                    break
        if not found:
            i += 1
    return out


def context_findings(text: str, p: PrivacyPatterns, prefix: str = "") -> list[Finding]:
    """What a call's context keeps of :func:`find_all` (numbers, names, addresses), in its order.

    Why not all of it: :meth:`~cxnlp.privacy.redactor.Redactor.call_context` reads every
    turn of every call and keeps names and all-digit values only. A date, a spoken e-mail
    address and an IBAN never are one (each holds a separator, a space or letters), so
    their passes over the whole call found nothing it kept. Addresses stay: the postcode
    patterns come from the patterns file.
    """
    if not p.trigger.search(text):
        return []
    return [*number_findings(text, p, prefix), *name_findings(text, p), *address_findings(text, p)]


def find_all(text: str, p: PrivacyPatterns, prefix: str = "") -> list[Finding]:
    """Every detector over ``text``; empty at once when nothing could match (the trigger)."""
    return _as_last_time("all", text, p, prefix, lambda: _find_all(text, p, prefix))


def _find_all(text: str, p: PrivacyPatterns, prefix: str = "") -> list[Finding]:
    if not p.trigger.search(text):
        return []
    return [
        *number_findings(text, p, prefix),
        *date_findings(text, p, prefix),
        *name_findings(text, p),
        *address_findings(text, p),
        *spoken_email_findings(text, p),
        *iban_findings(text, p),
    ]


#: What never reaches any output, redaction on or off (PCI DSS), in strings that are written
#: without redaction (record ids): card numbers and security codes.
PCI_ENTITIES: frozenset[str] = frozenset({"CREDIT_CARD", "CVV"})


def pci_scrub(text: str, p: PrivacyPatterns | None = None) -> str:
    """``text`` with every card number (Luhn-valid, or after card words) and security code
    replaced by its placeholder; nothing else changes. Patterns only (no spaCy), so it is
    cheap enough for every id written (see docs/privacy.md, "Record ids")."""
    if not isinstance(text, str) or not text:
        return text
    p = p or load_patterns()
    if not p.trigger.search(text):
        return text
    found = [f for f in number_findings(text, p) if f.entity in PCI_ENTITIES]
    for f in sorted(found, key=lambda f: f.start, reverse=True):
        text = text[: f.start] + p.placeholder_for(f.entity) + text[f.end :]
    return text


#: A platform's key: one unbroken run of digits, with at most a short prefix ("CALL-",
#: "C"). Platforms key contacts by 12-19 digit numbers, a tenth of which pass the Luhn
#: check; a card written into an id is grouped ("4111 1111 ...") or beside words instead.
_PLATFORM_KEY = re.compile(r"[A-Za-z]{0,8}[-_:#]?\d+")


def pci_scrub_id(record_id: str) -> str:
    """:func:`pci_scrub` for a record id: a platform key (one unbroken digit run, with at
    most a short prefix) is a key, not a card, and is kept as it is."""
    if not isinstance(record_id, str) or _PLATFORM_KEY.fullmatch(record_id):
        return record_id
    return pci_scrub(record_id)

"""Generate the planted-PII corpus: synthetic calls carrying each kind of personal data.

Every value is invented here (card numbers are Luhn-valid test-range numbers built from
random digits, names from short lists of common first and last names, IBANs with valid
check digits), so the corpus holds no real person's data. Each call records what was
planted (``metadata.planted``: kind, value, form) so the benchmark can look for it in the
outputs. Templates come in two disjoint halves: ``dev`` (tuned on) and ``heldout`` (only
measured); a call uses one half's templates only.

    python benchmarks/data/privacy/generate.py     # writes calls_dev.jsonl, calls_heldout.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261202
N_PER_SPLIT = 120

FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "Michael",
    "Linda",
    "David",
    "Susan",
    "Daniel",
    "Karen",
    "Thomas",
    "Nancy",
    "Olivia",
    "Ahmed",
    "Priya",
    "Chen",
    "Fatima",
    "Lucas",
    "Sofia",
    "Mateo",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Martinez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Patel",
    "Nguyen",
    "Okafor",
    "Kowalski",
]
STREETS = ["Oak", "Maple", "Church", "Station", "Victoria", "Elm", "Mill", "Park View", "High"]
SUFFIX = ["Street", "Road", "Lane", "Avenue", "Drive", "Close"]
DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "example.net"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
DIGIT = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ORD = {
    1: "first",
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    6: "sixth",
    7: "seventh",
    8: "eighth",
    9: "ninth",
    10: "tenth",
    11: "eleventh",
    12: "twelfth",
    13: "thirteenth",
    14: "fourteenth",
    15: "fifteenth",
    16: "sixteenth",
    17: "seventeenth",
    18: "eighteenth",
    19: "nineteenth",
    20: "twentieth",
    21: "twenty first",
    22: "twenty second",
    23: "twenty third",
    24: "twenty fourth",
    25: "twenty fifth",
    26: "twenty sixth",
    27: "twenty seventh",
    28: "twenty eighth",
}
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]


def spoken(digits: str) -> str:
    return " ".join(DIGIT[int(d)] for d in digits)


def pair(n: int) -> str:
    if n < 10:
        return f"oh {DIGIT[n]}"
    if n < 20:
        return TEENS[n - 10]
    return TENS[n // 10] + ("" if n % 10 == 0 else f" {DIGIT[n % 10]}")


def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def iban(rng: random.Random) -> str:
    bban = "WEST" + "".join(rng.choice("0123456789") for _ in range(14))
    rearranged = bban + "GB00"
    check = 98 - int("".join(str(int(c, 36)) for c in rearranged)) % 97
    return f"GB{check:02d}{bban}"


def values(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    card = luhn_complete(
        rng.choice(["4", "51", "52", "37"]) + "".join(rng.choice("0123456789") for _ in range(13))
    )
    card = card[:16] if card[0] != "3" else luhn_complete(card[:14])
    return {
        "first": first,
        "last": last,
        "card": card,
        "cvv": "".join(rng.choice("123456789") for _ in range(3)),
        "exp_m": rng.randint(1, 12),
        "exp_y": rng.randint(26, 31),
        "account": "".join(rng.choice("0123456789") for _ in range(8)),
        "sort": "".join(rng.choice("0123456789") for _ in range(6)),
        "iban": iban(rng),
        "ssn": f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}",
        "phone": "07" + "".join(rng.choice("0123456789") for _ in range(9)),
        "email_user": f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}",
        "domain": rng.choice(DOMAINS),
        "house": str(rng.randint(2, 180)),
        "street": f"{rng.choice(STREETS)} {rng.choice(SUFFIX)}",
        "dob_d": rng.randint(1, 28),
        "dob_m": rng.randint(1, 12),
        "dob_y": rng.randint(1950, 2002),
    }


def grouped(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


# Each template: kind -> (form, customer line, the value a scan must not find, agent prompt)
def planted(v: dict, split: str, rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """(kind, form, agent prompt, customer line, needle) for every kind, both forms."""
    name = f"{v['first']} {v['last']}"
    email = f"{v['email_user']}@{v['domain']}"
    email_sp = email.replace(".", " dot ").replace("@", " at ")
    dob_num = f"{v['dob_d']:02d}/{v['dob_m']:02d}/{v['dob_y']}"
    y = v["dob_y"]
    dob_sp = f"the {ORD[v['dob_d']]} of {MONTHS[v['dob_m'] - 1]} {pair(y // 100)} {pair(y % 100)}"
    exp_w = f"{v['exp_m']:02d}/{v['exp_y']}"
    exp_s = f"{pair(v['exp_m'])} {pair(v['exp_y'])}"
    sort_w = f"{v['sort'][:2]}-{v['sort'][2:4]}-{v['sort'][4:]}"
    ssn_w = f"{v['ssn'][:3]}-{v['ssn'][3:5]}-{v['ssn'][5:]}"
    phone_w = f"{v['phone'][:5]} {v['phone'][5:]}"
    iban_w = " ".join(v["iban"][i : i + 4] for i in range(0, len(v["iban"]), 4))
    iban_s = " ".join(c.lower() if c.isalpha() else DIGIT[int(c)] for c in v["iban"])
    addr_w = f"{v['house']} {v['street']}"
    addr_s = f"{spoken(v['house']) if len(v['house']) < 3 else v['house']} {v['street'].lower()}"
    if split == "dev":
        t = {
            "PERSON": (
                "Can I take your name please?",
                "Yes, my name is {x}.",
                "I'm calling about my bill, my name's {x}.",
            ),
            "CREDIT_CARD": ("What's the long number on the card?", "It's {x}.", "the card number is {x}"),
            "CVV": ("And the three digit security code on the back?", "{x}", "the security code is {x}"),
            "CARD_EXPIRY": ("What's the expiry date?", "It expires {x}.", "expiry date {x}"),
            "BANK_ACCOUNT": (
                "What's your account number?",
                "My account number is {x}.",
                "account number {x}",
            ),
            "SORT_CODE": ("And the sort code?", "Sort code {x}.", "the sort code is {x}"),
            "IBAN_CODE": ("Can you give me the IBAN?", "The IBAN is {x}.", "iban is {x}"),
            "US_SSN": ("I need your social security number.", "My SSN is {x}.", "my social is {x}"),
            "PHONE_NUMBER": (
                "What's the best number to reach you?",
                "You can reach me on {x}.",
                "my mobile is {x}",
            ),
            "EMAIL_ADDRESS": ("What's your email address?", "It's {x}.", "my email is {x}"),
            "ADDRESS": ("What's the address on the account?", "I live at {x}.", "it's {x}"),
            "DATE_OF_BIRTH": (
                "Can you confirm your date of birth?",
                "My date of birth is {x}.",
                "i was born on {x}",
            ),
        }
    else:
        t = {
            "PERSON": (
                "Who am I speaking with today?",
                "Hi, this is {x} calling about my order.",
                "yeah hi my name is {x} and i need help",
            ),
            "CREDIT_CARD": ("Could you read me the card number?", "Sure, {x}.", "okay its {x}"),
            "CVV": ("And the CVV please?", "The CVV is {x}.", "{x}"),
            "CARD_EXPIRY": ("When does the card expire?", "Expiration is {x}.", "it expires {x}"),
            "BANK_ACCOUNT": (
                "Which account should the refund go to?",
                "Account number {x}, please.",
                "the account is {x}",
            ),
            "SORT_CODE": ("I'll need the sort code too.", "It's {x}, that's the sort code.", "sort code {x}"),
            "IBAN_CODE": (
                "Please give me the international account number.",
                "IBAN {x}.",
                "its {x} that's my iban",
            ),
            "US_SSN": ("For verification, your social?", "Social security number {x}.", "ssn {x}"),
            "PHONE_NUMBER": ("Is there a callback number?", "Call me back on {x}.", "phone number is {x}"),
            "EMAIL_ADDRESS": (
                "Where should I send the confirmation?",
                "Send it to {x} please.",
                "email it to {x}",
            ),
            "ADDRESS": ("Where should we ship the replacement?", "Ship it to {x}, thanks.", "to {x} please"),
            "DATE_OF_BIRTH": ("And your birthday for security?", "Born {x}.", "my birthday is {x}"),
        }
    values_by_kind = {
        "PERSON": ((name, v["last"]), (name.lower(), v["last"].lower())),
        "CREDIT_CARD": ((grouped(v["card"]), v["card"]), (spoken(v["card"]), v["card"])),
        "CVV": ((v["cvv"], v["cvv"]), (spoken(v["cvv"]), v["cvv"])),
        "CARD_EXPIRY": ((exp_w, exp_w), (exp_s, exp_s)),
        "BANK_ACCOUNT": ((v["account"], v["account"]), (spoken(v["account"]), v["account"])),
        "SORT_CODE": ((sort_w, sort_w), (spoken(v["sort"]), v["sort"])),
        "IBAN_CODE": ((iban_w, v["iban"]), (iban_s, v["iban"])),
        "US_SSN": ((ssn_w, ssn_w), (spoken(v["ssn"]), v["ssn"])),
        "PHONE_NUMBER": ((phone_w, v["phone"]), (spoken(v["phone"]), v["phone"])),
        "EMAIL_ADDRESS": ((email, email), (email_sp, email)),
        "ADDRESS": ((addr_w, v["street"]), (addr_s, v["street"].lower())),
        "DATE_OF_BIRTH": ((dob_num, dob_num), (dob_sp, dob_sp)),
    }
    out = []
    for kind, (prompt, written_line, spoken_line) in t.items():
        (w_text, w_needle), (s_text, s_needle) = values_by_kind[kind]
        form = rng.choice(["written", "spoken"])
        if form == "written":
            out.append((kind, form, prompt, written_line.format(x=w_text), w_needle))
        else:
            out.append((kind, form, prompt.lower().rstrip("?."), spoken_line.format(x=s_text), s_needle))
    return out


def call(i: int, split: str, rng: random.Random) -> tuple[dict, list[dict]]:
    v = values(rng)
    items = planted(v, split, rng)
    rng.shuffle(items)
    kinds = items[: rng.randint(3, 6)]
    turns = [
        {"speaker": "agent", "text": "Thank you for calling Northwind Bank, how can I help you today?"},
        {"speaker": "customer", "text": "Hi, I was charged twice for the same payment and I want a refund."},
        {
            "speaker": "agent",
            "text": "I'm sorry to hear that. I can look into it, I just need to verify a few details.",
        },
    ]
    for _kind, _form, prompt, line, _needle in kinds:
        turns.append({"speaker": "agent", "text": prompt})
        turns.append({"speaker": "customer", "text": line})
    turns.append(
        {
            "speaker": "agent",
            "text": f"Thank you {v['first']}. I have refunded the duplicate payment, "
            "it will reach your account in three to five working days. Is there anything else?",
        }
    )
    turns.append({"speaker": "customer", "text": "No, that's all, thanks."})
    planted_meta = [{"kind": k, "form": f, "needle": n} for k, f, _p, _l, n in kinds]
    if not any(k == "PERSON" for k, *_ in kinds):
        planted_meta.append({"kind": "PERSON", "form": "agent-repeat", "needle": v["first"]})
    # A free-text notes field, as CRM exports carry: the verification exchanges again, so every
    # planted value reaches the score table and the store (evidence quotes only some sentences).
    notes = " | ".join(f"{prompt} {line}" for _k, _f, prompt, line, _n in kinds)
    meta = {"split": split, "agent_notes": notes}
    if i % 10 == 0:
        meta["customer_name"] = f"{v['first']} {v['last']}"
    if i % 10 == 0:
        planted_meta.append({"kind": "PERSON", "form": "metadata", "needle": v["last"]})
    return {"id": f"{split}-{i:04d}", "turns": turns, **meta}, planted_meta


def broken(i: int, split: str, rng: random.Random) -> tuple[dict, list[dict]]:
    """A record the reader rejects, quoting a card number in the reason (its speaker label)."""
    v = values(rng)
    label = f"caller {v['first']} {v['last']} card {grouped(v['card'])}"
    record = {"id": f"{split}-bad-{i:02d}", "turns": [{"speaker": label, "text": "hello"}]}
    return record, [{"kind": "CREDIT_CARD", "form": "reject", "needle": v["card"]}]


def main() -> None:
    """Calls go to calls_<split>.jsonl; what each planted, to truth_<split>.jsonl (never an input)."""
    for split in ("dev", "heldout"):
        rng = random.Random(f"{SEED}-{split}")
        records = [call(i, split, rng) for i in range(N_PER_SPLIT)]
        records += [broken(i, split, rng) for i in range(5)]
        with (
            open(HERE / f"calls_{split}.jsonl", "w", encoding="utf-8") as calls,
            open(HERE / f"truth_{split}.jsonl", "w", encoding="utf-8") as truth,
        ):
            for record, planted_items in records:
                calls.write(json.dumps(record, ensure_ascii=False) + "\n")
                truth.write(json.dumps({"id": record["id"], "planted": planted_items}) + "\n")


if __name__ == "__main__":
    main()

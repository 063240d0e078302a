"""Generate cxnlp's bundled *synthetic* sample: transcripts, QA rubric scores and surveys.

Every call here is invented. Each transcript is rendered from four latent quality traits
(answer completeness, proactive connection, filler, brand voice) drawn from the agent's
skill plus per-call noise, so that scorers and calibration have a known truth to recover.
Human-style labels are then drawn from the documented rating model in ``data/README.md``.

Run ``python data/generate_sample.py --out data --n 300 --seed 7`` to rebuild the files
that ship with the repository; the output is byte-for-byte reproducible for a given
``--n`` and ``--seed``. The script imports nothing from cxnlp on purpose: the data must not
be shaped by the scorer it is meant to test.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

logger = logging.getLogger("generate_sample")

COMPANY = "Kestrel Connect"
TRAITS = ("completeness", "connection", "filler", "brand")

# --------------------------------------------------------------------------------------
# World parameters (documented in data/README.md; change both together)
# --------------------------------------------------------------------------------------

START_DATE = date(2026, 9, 1)
END_DATE = date(2026, 11, 30)
#: Team and date of the planted quality drop (staff turnover in one team).
DRIFT_TEAM = "Team East"
DRIFT_DATE = datetime(2026, 10, 15)
#: Shifts applied to the per-call latent traits of DRIFT_TEAM calls on/after DRIFT_DATE.
DRIFT_SHIFT = {"completeness": -0.20, "connection": -0.15, "filler": 0.10, "brand": -0.10}
#: Agents of DRIFT_TEAM who leave at DRIFT_DATE, and the new hires who replace them.
LEAVERS = ("A13", "A14")
NEW_HIRES = ("A25", "A26")
NEW_HIRE_SHIFT = {"completeness": -0.15, "connection": -0.10, "filler": 0.10, "brand": -0.10}
#: The planted weaker queue: fewer full answers, more filler.
WORSE_QUEUE = "returns"
WORSE_QUEUE_SHIFT = {"completeness": -0.25, "connection": 0.0, "filler": 0.20, "brand": 0.0}
#: Optional planted workshop (``--workshop``; off for the bundled files): calls of
#: WORKSHOP_TEAM on/after WORKSHOP_DATE get these latent shifts, so answer completeness
#: rises and filler falls while connection and brand stay put.
WORKSHOP_TEAM = "Team West"
WORKSHOP_DATE = datetime(2026, 10, 1)
WORKSHOP_SHIFT = {"completeness": 0.12, "connection": 0.0, "filler": -0.10, "brand": 0.0}
#: Optional repurchase outcome (``--repurchase``; off for the bundled files):
#: P(repurchased) = sigmoid(intercept + a * (A - 0.5) + f * (F - 0.3)), A = answer credit,
#: F = the filler trait; so +10 points of answer credit multiply the odds by exp(a / 10).
REPURCHASE_INTERCEPT = -0.6
REPURCHASE_ANSWER = 2.0
REPURCHASE_FILLER = -3.0
#: Agent skill: mean and spread of the agent-level trait means; per-call noise sd.
SKILL_MEAN = {"completeness": 0.66, "connection": 0.60, "filler": 0.30, "brand": 0.68}
SKILL_SD = {"completeness": 0.14, "connection": 0.16, "filler": 0.14, "brand": 0.15}
CALL_SD = 0.12

TEAMS = ("Team North", "Team South", "Team East", "Team West")
QUEUES = {  # queue -> (share of contacts, contact reasons)
    "billing": (0.27, ("double_charge", "high_bill", "refund")),
    "tech_support": (0.24, ("internet_down", "slow_speed")),
    "returns": (0.19, ("faulty_device", "return_label", "delivery_delay")),
    "onboarding": (0.15, ("new_account_setup", "activation", "plan_change")),
    "accounts": (0.15, ("account_access", "cancellation")),
}
CHANNELS = (("voice", 0.6), ("chat", 0.4))
SEGMENTS = (("consumer", 0.70), ("small_business", 0.18), ("premium", 0.12))

#: Evaluators: id -> (leniency in rubric points, noise sd in rubric points, workload weight).
EVALUATORS = {
    "E01": (-8.0, 4.0, 0.22),
    "E02": (-4.0, 5.0, 0.20),
    "E03": (-1.0, 4.0, 0.18),
    "E04": (1.0, 6.0, 0.16),
    "E05": (4.0, 5.0, 0.14),
    "E06": (8.0, 7.0, 0.10),
}
DOUBLE_SCORED_SHARE = 0.40
#: Rubric = R0 + sum(w * trait) + leniency + noise (A is the realised answer credit).
RUBRIC_WEIGHTS = {"intercept": 25.0, "A": 45.0, "P": 20.0, "B": 15.0, "F": -20.0}
#: Survey satisfaction S = sum(w * trait); rating10 = round(1 + 10 S + N(0, sd)) clipped.
SURVEY_WEIGHTS = {"A": 0.55, "P": 0.30, "B": 0.10, "F": -0.05}
SURVEY_NOISE_SD = 1.5
RESPONSE_INTERCEPT = 0.25
RESPONSE_SLOPE = 4.0
RESPONSE_CENTRE = 0.62
FALSE_READ_SHARE = 0.05
BLANK_COMMENT_P = 0.25
ANSWER_CREDIT = {"full": 1.0, "partial": 0.5, "skip": 0.0}

# --------------------------------------------------------------------------------------
# Names and slot values
# --------------------------------------------------------------------------------------

AGENT_NAMES = (
    "Priya",
    "Daniel",
    "Sofia",
    "Marcus",
    "Aisha",
    "Tom",
    "Elena",
    "Kwame",
    "Hannah",
    "Luis",
    "Grace",
    "Omar",
    "Chloe",
    "Ravi",
    "Megan",
    "Jonas",
    "Fatima",
    "Ben",
    "Yuki",
    "Carla",
    "Samuel",
    "Nadia",
    "Owen",
    "Leila",
    "Ethan",
    "Zara",
)
CUSTOMER_NAMES = (
    "Maria",
    "James",
    "Aaliyah",
    "Robert",
    "Mei",
    "David",
    "Sarah",
    "Mohammed",
    "Linda",
    "Carlos",
    "Emily",
    "Tunde",
    "Patricia",
    "Hiroshi",
    "Jennifer",
    "Ahmed",
    "Olivia",
    "Diego",
    "Karen",
    "Sven",
    "Amara",
    "Michael",
    "Ingrid",
    "Raj",
    "Lucy",
    "Andre",
    "Nia",
    "Peter",
    "Ana",
    "Kofi",
    "Rachel",
    "Ivan",
    "Beatriz",
    "George",
    "Siobhan",
    "Wei",
    "Margaret",
    "Pablo",
    "Zoe",
    "Dmitri",
    "Helen",
    "Arjun",
    "Camille",
    "Frank",
    "Yasmin",
    "Tariq",
    "Julia",
    "Kenji",
    "Rosa",
    "Liam",
    "Anita",
    "Musa",
    "Claire",
    "Viktor",
    "Deborah",
    "Hamza",
    "Sophie",
    "Bongani",
    "Irene",
    "Mateo",
)
SURNAMES = (
    "Garcia",
    "Okafor",
    "Smith",
    "Chen",
    "Novak",
    "Haddad",
    "Kowalski",
    "Patel",
    "Brown",
    "Silva",
    "Nguyen",
    "Murphy",
    "Johansson",
    "Mensah",
    "Rossi",
    "Khan",
    "Walsh",
    "Tanaka",
    "Dubois",
    "Mbeki",
    "Lopez",
    "Schmidt",
    "Adeyemi",
    "Ivanova",
    "Campbell",
    "Hassan",
    "Moreau",
    "Singh",
)
DEVICES = ("router", "phone", "tablet", "mesh extender", "TV box", "smartwatch")
PLANS = ("Essential 100", "Everyday 300", "Superfast 500", "Ultra 900", "Unlimited Mobile")
FEATURES = (
    "twice the download speed",
    "unlimited mobile data",
    "free calls to 40 countries",
    "a static IP address",
    "the streaming bundle",
)
EXTRA_ITEMS = (
    "international calls",
    "a pay-per-view film",
    "a late payment fee",
    "an equipment rental fee",
    "roaming data",
    "premium-rate texts",
)
BUSINESSES = ("cafe", "hair salon", "bakery", "accounting practice", "florist", "print shop")
SPEEDS = (("300 Mbps", "40"), ("500 Mbps", "60"), ("900 Mbps", "120"), ("100 Mbps", "12"))


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _month_day(day: date) -> str:
    return f"{day:%B} {day.day}"


def _day_text(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"


# --------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One customer question or request, with ways to ask it and ways to answer it.

    ``full`` answers are specific (numbers, dates, the action taken); ``partial`` ones are
    vague; ``extra`` is helpful information beyond what was asked, which good agents add.
    """

    key: str
    asks: tuple[str, ...]
    full: tuple[str, ...]
    partial: tuple[str, ...]
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """A contact reason: how customers open, what they ask, and what comes next."""

    openings: tuple[str, ...]
    questions: tuple[Question, ...]
    next_steps: tuple[str, ...]
    anticipate: tuple[str, ...]
    unresolved: str = "still not fixed"


def _q(
    key: str, asks: Sequence[str], full: Sequence[str], partial: Sequence[str], extra: Sequence[str] = ()
) -> Question:
    return Question(key, tuple(asks), tuple(full), tuple(partial), tuple(extra))


REASONS: dict[str, Reason] = {
    "double_charge": Reason(
        openings=(
            "I've been charged twice for my bill this month. There are two payments of "
            "{amount} on my card ending {last4}.",
            "I just looked at my bank statement and you took {amount} out twice on {date_past}.",
            "There's a double charge on my account, the same amount, {amount}, two times.",
            "I think I got billed twice? I can see two {amount} payments to {company} on {date_past}.",
        ),
        questions=(
            _q(
                "refund_duplicate",
                [
                    "When will I get the second payment back?",
                    "Can you refund the extra charge?",
                    "How do I get my money back for the duplicate payment?",
                ],
                [
                    "I can see both payments of {amount} on {date_past}, and the second one is a "
                    "duplicate. I've refunded {amount} to your card ending {last4} just now, and it "
                    "will show on your statement within {days}.",
                    "You're right, the payment went through twice because the first attempt timed "
                    "out and was retried. I've issued a refund of {amount} today under reference "
                    "{ticket}, and your bank should release it within {days}.",
                ],
                [
                    "It should come back at some point, these things usually sort themselves out.",
                    "I think the system will refund it, probably, just give it a few days.",
                ],
                [
                    "If your bank shows the second payment as pending rather than posted, it may "
                    "drop off within two days without a separate refund line.",
                    "Your next bill on {date_future} won't be affected by any of this.",
                ],
            ),
            _q(
                "why_duplicate",
                [
                    "Why did that even happen?",
                    "How did I end up being charged twice?",
                    "What went wrong with the payment?",
                ],
                [
                    "The first payment timed out on our side and the system retried it, so your card "
                    "was charged twice. I've switched off the automatic retry on your account so it "
                    "can't happen again.",
                    "It was a payment retry: the first attempt on {date_past} didn't confirm in time, "
                    "so a second one was sent. Both went through, and I've flagged the duplicate.",
                ],
                ["Probably some kind of system glitch.", "It's hard to say, it just happens sometimes."],
            ),
            _q(
                "overdraft_fee",
                [
                    "My bank charged me an overdraft fee because of this. Will you cover it?",
                    "Because of the double payment I went overdrawn. Can you pay the bank fee?",
                ],
                [
                    "Yes. I've added a {credit} goodwill credit to your account now, and if the bank "
                    "fee was higher, reply to the email under reference {ticket} with the statement "
                    "and we'll credit the difference.",
                    "We will. I've credited {credit} to your account today to cover the fee, and it "
                    "will show on your bill on {date_future}.",
                ],
                [
                    "You could maybe send something in and someone might look at it.",
                    "There might be something we can do, I'm not sure.",
                ],
            ),
        ),
        next_steps=(
            "You'll get an email confirming the refund of {amount} within 24 hours.",
            "I'll text you the refund reference, {ticket}, in the next few minutes.",
        ),
        anticipate=(
            "Since this came from a card payment retry, you may also want to switch to Direct "
            "Debit so it can't happen again. Would you like me to set that up?",
            "You may also want to turn on payment alerts in the app, so you see every charge "
            "the moment it's taken.",
        ),
        unresolved="still waiting for my refund",
    ),
    "high_bill": Reason(
        openings=(
            "My bill this month is {high_amount}, and it's normally about {amount2}.",
            "I've just opened my bill and it's {high_amount}. That can't be right.",
            "Why has my bill jumped to {high_amount}? I usually pay around {amount2}.",
            "My latest bill is way higher than usual, {high_amount} instead of {amount2}.",
        ),
        questions=(
            _q(
                "bill_why",
                [
                    "Why is my bill so much higher this month?",
                    "Can you explain the extra charges?",
                    "What are all these charges on there?",
                ],
                [
                    "Looking at your bill, {diff} of it is a one-off charge for {extra_item} on "
                    "{date_past}, and the rest is because your promotional discount ended last month. "
                    "That's why it went from {amount2} to {high_amount}.",
                    "There are two reasons. Your twelve-month discount finished on {date_past}, and "
                    "there's a charge of {diff} for {extra_item}. Everything else is the same as "
                    "last month.",
                ],
                [
                    "There are some extra charges on there, looks like usage or something.",
                    "Prices do change sometimes, it's probably that.",
                ],
                [
                    "You can see an itemised breakdown in the app under Bills, so you can check it any time.",
                    "Would you like me to email you a copy of the itemised bill?",
                ],
            ),
            _q(
                "bill_reduce",
                [
                    "Is there any way to bring it back down?",
                    "Can you do anything about the price?",
                    "Is there a cheaper plan I could be on?",
                ],
                [
                    "Yes. The {new_plan} plan costs {amount2} a month with the same speed you have "
                    "now, and I can switch you today so your next bill on {date_future} is back to "
                    "normal.",
                    "I can apply a loyalty discount of {credit} a month for the next twelve months, "
                    "which brings you back to about {amount2}. It starts on your next bill.",
                ],
                [
                    "There might be some deals, you could look on the website.",
                    "Maybe, we have offers from time to time.",
                ],
            ),
            _q(
                "bill_dispute",
                [
                    "Can you take the {extra_item} charge off? I never ordered that.",
                    "I didn't use {extra_item}. Can that be removed?",
                ],
                [
                    "I've checked, and there's no confirmation that you ordered it, so I've removed "
                    "the charge and credited {diff} to your account. You'll see the credit on your "
                    "next bill.",
                    "Yes, that charge of {diff} has been reversed today, and I've blocked "
                    "{extra_item} on your account so it can't be added again.",
                ],
                [
                    "I can put in a request, but I can't promise anything.",
                    "It might get looked at by the billing team at some point.",
                ],
            ),
        ),
        next_steps=(
            "You'll get a corrected bill by email within 48 hours.",
            "The credit will show on your account by {date_future}, and I'll send you a text "
            "when it's applied.",
        ),
        anticipate=(
            "Since your discount ended, you may also want to set a reminder for when the new "
            "one ends, which I can add to your account notes.",
            "If you travel again soon, you may also want our roaming pass, which caps data "
            "abroad at five dollars a day.",
        ),
        unresolved="still don't understand my bill",
    ),
    "refund": Reason(
        openings=(
            "I returned my {device} two weeks ago and I still haven't had my refund.",
            "I cancelled an add-on and was promised a refund of {amount}, but nothing has come through.",
            "I'm calling about a refund. I was told it would be {amount} and it's not arrived.",
            "I'm still waiting on a refund from last month, {amount}.",
        ),
        questions=(
            _q(
                "refund_status",
                [
                    "Where is my refund?",
                    "When will the {amount} be paid back?",
                    "Can you tell me what's happening with my refund?",
                ],
                [
                    "The refund of {amount} was approved on {date_past} and sent to your card ending "
                    "{last4}. Banks take {days}, so you'll have it by {date_future} at the latest.",
                    "It was held because the returned {device} hadn't been scanned in. I've released "
                    "it now, and {amount} will reach your card ending {last4} within {days}.",
                ],
                [
                    "It's in progress, it should be with you soon.",
                    "I can see something about a refund, it should be on its way.",
                ],
                [
                    "I've also added a note so that if it hasn't arrived by {date_future}, the next "
                    "person you speak to can escalate it straight away."
                ],
            ),
            _q(
                "refund_card",
                [
                    "Can it go to a different card? That one's been cancelled.",
                    "The card it was paid with has expired. Will I still get the money?",
                ],
                [
                    "Yes. When a card is closed, the bank passes the refund on to your new card "
                    "automatically, and if it bounces back to us we post a cheque to your billing "
                    "address within ten days.",
                    "You will. The refund goes to the bank account behind the card, not the card "
                    "itself, so it will still reach you within {days}.",
                ],
                ["It might still work, I'm not sure how that goes.", "Usually the bank figures it out."],
            ),
            _q(
                "refund_amount",
                ["Why is it only part of the amount?", "Is that the full amount I paid?"],
                [
                    "The refund is {amount} rather than the full price because the first month's "
                    "service fee of {credit} isn't refundable. Everything else is coming back to you.",
                    "It's the full amount: {amount}, including the delivery charge.",
                ],
                ["I think that's what it usually is.", "That's just what the system says."],
            ),
        ),
        next_steps=(
            "You'll get an email with the refund reference {ticket} within 24 hours.",
            "If it isn't in your account by {date_future}, call us and quote {ticket}.",
        ),
        anticipate=(
            "If you'd like to replace the {device}, you may also want to know there's a "
            "trade-in offer this month that takes {credit} off.",
            "You may also want to keep the courier receipt until the refund lands, just in case.",
        ),
        unresolved="still waiting for my refund",
    ),
    "internet_down": Reason(
        openings=(
            "My internet has been down since this morning.",
            "The broadband is completely dead, none of the lights on the router are green.",
            "I've had no internet since last night and I work from home.",
            "My connection keeps dropping and now it won't come back at all.",
        ),
        questions=(
            _q(
                "outage_fix",
                [
                    "Can you get it working again?",
                    "What do I need to do to get back online?",
                    "When will it be fixed?",
                ],
                [
                    "There's an outage in your area affecting about {outage_n} homes, caused by a "
                    "damaged cable. Engineers are on site and expect to restore service by "
                    "{time_today}. You don't need to do anything on your side.",
                    "I've run a line test, and the fault is with your router, not the line. Please "
                    "hold the reset button for ten seconds. If the light doesn't turn white, I'll "
                    "send a replacement that arrives by {date_future}.",
                ],
                [
                    "It should come back on its own, maybe try restarting things.",
                    "Probably an outage or something, it'll be fixed.",
                ],
                [
                    "You can follow the repair live on our status page, and it refreshes every "
                    "fifteen minutes.",
                    "Would you like me to text you as soon as the engineers close the fault?",
                ],
            ),
            _q(
                "outage_credit",
                [
                    "Will I get money back for the time it's been off?",
                    "Am I going to be compensated for this?",
                ],
                [
                    "Yes. For outages over 24 hours you get {credit} per day automatically on your "
                    "next bill, and I've logged two days for you, so {credit2}.",
                    "You will. I've added a {credit2} service credit to your account now, and it "
                    "comes off your bill on {date_future}.",
                ],
                ["There might be some compensation, I'm not sure.", "Maybe, it depends."],
            ),
            _q(
                "outage_backup",
                [
                    "I work from home. Is there anything I can use in the meantime?",
                    "Can I get online some other way until it's fixed?",
                ],
                [
                    "Yes. I've added 50 GB of free mobile data to your phone today, so you can use it "
                    "as a hotspot until the line is fixed.",
                    "I can send a 4G backup dongle by courier; it will arrive by tomorrow lunchtime "
                    "and it's free while the fault is open.",
                ],
                ["You could try using your phone, I guess.", "Maybe a cafe or something?"],
            ),
        ),
        next_steps=(
            "You'll get a text within the hour confirming the fault reference {ticket}.",
            "I'll call you back by {time_today} with an update.",
        ),
        anticipate=(
            "If you work from home, you may also want our backup connection add-on, which "
            "switches to mobile data automatically if the line ever drops.",
            "Once it's back, you may also want to restart the TV box, as it sometimes needs a "
            "fresh connection after an outage.",
        ),
    ),
    "slow_speed": Reason(
        openings=(
            "My internet has been really slow for about a week.",
            "I'm paying for {speed} and I'm getting about {slow}.",
            "Everything keeps buffering. The speed test says {slow} Mbps.",
            "The Wi-Fi is so slow upstairs that nothing works.",
        ),
        questions=(
            _q(
                "speed_why",
                [
                    "Why is it so slow?",
                    "Why am I not getting the speed I pay for?",
                    "What's wrong with my connection?",
                ],
                [
                    "Your line test shows the full {speed} reaching the router, but the router is on "
                    "old firmware that limits the Wi-Fi. I've pushed an update now, and you should "
                    "see normal speeds within the hour.",
                    "There's congestion on the local cabinet in the evenings, which we're upgrading "
                    "on {date_future}. Until then a wired connection will give you close to {speed}.",
                ],
                ["Speeds can vary, it depends on lots of things.", "It's probably the Wi-Fi, that happens."],
                [
                    "A quick test you can do is plug a laptop into the router with a cable; if that's "
                    "fast, the problem is the Wi-Fi, not the line."
                ],
            ),
            _q(
                "speed_engineer",
                ["Can you send an engineer?", "Can someone come out and look at it?"],
                [
                    "Yes. I've booked an engineer for {date_future} between 8 and 12, and you'll get "
                    "a text the evening before with their name.",
                    "I've booked a visit for {date_future} in the morning slot. There's no charge, "
                    "because the fault is on our side.",
                ],
                ["Maybe, if it doesn't get better.", "You could ask for one, I think there's a form."],
            ),
            _q(
                "speed_booster",
                ["Would a booster help?", "Do I need a mesh extender?"],
                [
                    "In a larger home it would. The mesh extender is free on your plan, and I can "
                    "ship it today so it arrives by {date_future}.",
                    "Yes, for upstairs rooms it usually fixes it. I've ordered one for you at no cost; "
                    "it arrives by {date_future}.",
                ],
                ["It might, some people say they help.", "Could do, it depends."],
            ),
        ),
        next_steps=(
            "You'll get an email with the engineer booking within 24 hours.",
            "I'll check your line again tomorrow morning and text you the result by 10 a.m.",
        ),
        anticipate=(
            "If several people stream at once at home, you may also want the {new_plan} plan, "
            "which has more headroom in the evenings.",
            "You may also want to move the router off the floor and away from the TV, which "
            "often helps upstairs.",
        ),
    ),
    "faulty_device": Reason(
        openings=(
            "The {device} I bought last week has stopped working.",
            "My new {device} won't turn on at all.",
            "The {device} you sent me keeps restarting every few minutes.",
            "I've got a faulty {device}, order {order}.",
        ),
        questions=(
            _q(
                "device_replace",
                [
                    "Can I get a replacement?",
                    "Can you send me a new one?",
                    "What are my options to get it replaced?",
                ],
                [
                    "Yes, it's within the 30-day window, so I've ordered a replacement {device} under "
                    "order {order}. It ships today and arrives by {date_future}, and the courier will "
                    "collect the faulty one at the door.",
                    "I've arranged an exchange: a new {device} goes out today and should be with you "
                    "by {date_future}. Please keep the charger, the courier only needs the device.",
                ],
                [
                    "You may be able to get one, you'd have to check the returns page.",
                    "Possibly, depends on the warranty and stuff.",
                ],
                ["Please back up anything on the old one first, as the warehouse wipes returned devices."],
            ),
            _q(
                "device_cost",
                ["Do I have to pay for the return?", "Is there a charge for sending it back?"],
                [
                    "No. Returns for faulty devices are free, and the label is prepaid.",
                    "There's no cost to you at all; the collection is covered.",
                ],
                ["I don't think so, but maybe.", "Usually not, but it can vary."],
            ),
            _q(
                "device_data",
                ["Will I lose my settings?", "What happens to everything saved on it?"],
                [
                    "The settings are stored on your account, so the new {device} will load them "
                    "when you sign in.",
                    "Anything saved only on the device will be wiped, so please back it up first; "
                    "your account settings move across automatically.",
                ],
                ["Hopefully not.", "It depends on the device, really."],
            ),
        ),
        next_steps=(
            "You'll get a tracking link by email within 24 hours.",
            "The courier will text you a one-hour delivery window on the morning of {date_future}.",
        ),
        anticipate=(
            "Since this one failed so early, you may also want to add our device cover, "
            "which includes a next-day swap if it ever happens again.",
            "You may also want to register the new {device} in the app, so the warranty is "
            "attached to your account.",
        ),
        unresolved="still don't have a working device",
    ),
    "return_label": Reason(
        openings=(
            "I need to send back the {device} from order {order}.",
            "I want to return something I ordered, but I can't find the return label.",
            "I'm trying to return the {device}. How do I get a label?",
            "I changed my mind about the {device} and want to send it back.",
        ),
        questions=(
            _q(
                "label_send",
                ["Can you send me a return label?", "How do I get a return label?"],
                [
                    "I've emailed a prepaid return label for order {order} to the address on your "
                    "account. Drop the parcel at any post office within 14 days.",
                    "The label's on its way to your email now. Print it, stick it on the parcel, and "
                    "any post office will take it; it's valid until {date_future}.",
                ],
                ["You can find it online somewhere, I think.", "There should be one on the website."],
                ["If you don't have a printer, the post office can print it from the QR code in the email."],
            ),
            _q(
                "label_refund",
                [
                    "When do I get my money back after I send it?",
                    "How long does the refund take once it's returned?",
                ],
                [
                    "Once the warehouse scans it, usually three days after drop-off, the refund of "
                    "{amount} goes back to your card ending {last4} within {days}.",
                    "You'll get {amount} back within {days} of the warehouse receiving it, and we "
                    "email you the moment it's scanned.",
                ],
                ["After a while, once they process it.", "It takes a bit, it depends on the warehouse."],
            ),
            _q(
                "label_box",
                ["I threw away the original box. Is that a problem?", "Do I need the original packaging?"],
                [
                    "That's fine. Any sturdy box works as long as the device is padded, and the label "
                    "goes on the outside.",
                    "No, you don't need it; just pack it securely. We only ask that the charger goes "
                    "back too.",
                ],
                ["It might be, I'm not sure.", "Probably best to have it."],
            ),
        ),
        next_steps=(
            "You'll get the label by email within the next ten minutes.",
            "We'll email you when the warehouse scans it, and the refund follows within {days}.",
        ),
        anticipate=(
            "If you still need a {device}, you may also want to look at the refurbished range, "
            "which has the same warranty.",
            "You may also want to keep the post office receipt until the refund lands.",
        ),
        unresolved="still waiting for my refund",
    ),
    "delivery_delay": Reason(
        openings=(
            "My order {order} was meant to arrive on {date_past} and it's still not here.",
            "I'm chasing a delivery. The tracking hasn't moved for four days.",
            "Where is my {device}? It's really late.",
            "I ordered a {device} ages ago and it still hasn't come.",
        ),
        questions=(
            _q(
                "delivery_where",
                [
                    "Where is my order?",
                    "What's happening with the delivery?",
                    "When will it actually arrive?",
                ],
                [
                    "Order {order} left our warehouse on {date_past}. It was held at the courier's "
                    "depot after a missed scan, and it's now out for delivery with an estimated "
                    "arrival of {date_future}.",
                    "The parcel was sent to the wrong depot. I've asked the courier to reroute it, "
                    "and it will arrive by {date_future}; if not, I'll send a new one the same day.",
                ],
                [
                    "It's with the courier, it should turn up.",
                    "These things get delayed sometimes, give it a few days.",
                ],
                ["I've also upgraded the delivery to tracked next-day at no cost, so you'll see every step."],
            ),
            _q(
                "delivery_cancel",
                ["Can I cancel it if it doesn't come by then?", "If it doesn't show up, can I get a refund?"],
                [
                    "Yes. If it hasn't arrived by {date_future}, you can cancel in the app and we'll "
                    "refund {amount} in full within {days}.",
                    "Absolutely. I've noted that if it's not delivered by {date_future}, the refund "
                    "of {amount} is approved automatically.",
                ],
                ["You could probably cancel, I guess.", "I think there's a way to do that."],
            ),
            _q(
                "delivery_neighbour",
                ["Can it be left with a neighbour?", "I'm out at work. Can they leave it somewhere?"],
                [
                    "Yes. I've added a safe-place note: the courier can leave it with a neighbour or "
                    "in your porch, and you'll get a photo when it's delivered.",
                    "I've set it to be left with a neighbour if you're out, and the courier will "
                    "leave a card saying which house.",
                ],
                ["Maybe, it's up to the driver.", "You can ask the courier."],
            ),
        ),
        next_steps=(
            "You'll get a tracking update by text by 9 a.m. on {date_future}.",
            "I'll check the tracking again tomorrow and email you by noon.",
        ),
        anticipate=(
            "Since the {device} needs setting up, you may also want to book a free setup call "
            "for the day after it arrives.",
            "You may also want to turn on delivery alerts in the app so you know when the "
            "driver is ten stops away.",
        ),
        unresolved="still no parcel",
    ),
    "new_account_setup": Reason(
        openings=(
            "I've just signed up and I'm trying to set up my online account.",
            "I'm a new customer and I can't work out how to register on the website.",
            "I joined last week and I haven't been able to get into the app yet.",
            "I need help setting up my new account.",
        ),
        questions=(
            _q(
                "setup_register",
                ["How do I set up my online account?", "What do I need to register?"],
                [
                    "Go to the register page in the app, enter your account number, {acct}, and the "
                    "email you gave us. You'll get a verification code by text within a minute, and "
                    "then you choose your password.",
                    "You need your account number, which is {acct}, and your mobile. Enter them in "
                    "the app, confirm the code we text you, and you're in.",
                ],
                [
                    "You just go on the website and it should walk you through it.",
                    "There's a sign-up button somewhere on the site.",
                ],
                [
                    "Once you're in, you can also switch to paperless billing, which saves two "
                    "dollars a month."
                ],
            ),
            _q(
                "setup_autopay",
                ["Can I set up automatic payments?", "How do I pay by Direct Debit?"],
                [
                    "Yes. Under Billing, choose Direct Debit and enter your bank details; it takes "
                    "effect from your first bill on {date_future}.",
                    "I can set it up now if you have your bank details; the first collection will "
                    "be on {date_future}.",
                ],
                ["Yeah, that's in the settings somewhere.", "You can do that online I think."],
            ),
            _q(
                "setup_first_bill",
                ["When is my first bill?", "How much will my first bill be?"],
                [
                    "Your first bill is on {date_future} and will be {amount}. That includes a "
                    "part-month charge for the days since your activation.",
                    "It's due on {date_future}: {amount}, which is your monthly price plus a few "
                    "days from activation.",
                ],
                ["It'll be sometime next month.", "Around the usual price, roughly."],
            ),
        ),
        next_steps=(
            "You'll get a welcome email with your account details within 24 hours.",
            "I'll send you a text with a link to the app in the next few minutes.",
        ),
        anticipate=(
            "Since you're new, you may also want to download the app now, so you can check "
            "usage and bills in one place.",
            "You may also want to set up a second user for anyone else in your home, so they "
            "can manage the account too.",
        ),
        unresolved="still can't get into my account",
    ),
    "activation": Reason(
        openings=(
            "My service still isn't active, and it's been three days.",
            "I got my SIM on {date_past} and it still says no service.",
            "I was told my line would be switched on yesterday, but it isn't working.",
            "My new connection hasn't been activated yet.",
        ),
        questions=(
            _q(
                "activation_when",
                [
                    "When will it be switched on?",
                    "Why isn't it active yet?",
                    "How long does activation take?",
                ],
                [
                    "The activation was waiting on an identity check, which I've just completed. The "
                    "service will be live within two hours, and you'll get a confirmation text.",
                    "An address mismatch held it up. I've corrected the address, and activation "
                    "completes tonight, by midnight at the latest.",
                ],
                ["It should activate soon, sometimes it takes a bit.", "These things can take a few days."],
                [
                    "If it still shows no service after two hours, restarting the phone once usually "
                    "picks up the new settings."
                ],
            ),
            _q(
                "activation_number",
                ["Can I keep my old phone number?", "Can I bring my number over?"],
                [
                    "Yes. I've submitted the port request with your old provider's code, and the "
                    "number moves across on {date_future}. Your phone will lose signal for about ten "
                    "minutes that morning.",
                    "You can. Text PAC to 65075 from your old phone to get the code, and once you "
                    "give it to us the number moves within one working day.",
                ],
                ["You might be able to, I'd have to check.", "Usually yes, I think."],
            ),
            _q(
                "activation_sim",
                ["Do I need a new SIM?", "Is my SIM the problem?"],
                [
                    "No, the SIM you have is fine; it just needed the activation I've done now.",
                    "The SIM is faulty, so I've sent a new one by first-class post, arriving by "
                    "{date_future}; it activates as soon as you insert it.",
                ],
                ["Maybe, it could be.", "Possibly the SIM, hard to say."],
            ),
        ),
        next_steps=(
            "You'll get a text as soon as the line is live, within two hours.",
            "I'll check the activation myself at 5 p.m. and text you the result.",
        ),
        anticipate=(
            "Once it's active, you may also want to turn on Wi-Fi calling, which helps in "
            "rooms with weak signal.",
            "You may also want to set up voicemail, which is off by default on new lines.",
        ),
        unresolved="still no service",
    ),
    "plan_change": Reason(
        openings=(
            "I'd like to change my plan.",
            "I'm on {plan} and I want to move to something faster.",
            "I want to downgrade my plan, I'm paying for more than I use.",
            "I'm thinking about switching plans and wanted to know my options.",
        ),
        questions=(
            _q(
                "plan_options",
                ["What plans can I move to?", "What would you recommend for me?", "What are my options?"],
                [
                    "You're on {plan} at {amount2} a month. {new_plan} gives you {feature} for "
                    "{amount} a month, and the change takes effect on {date_future}.",
                    "Based on your usage, {new_plan} fits best: {feature}, at {amount} a month. "
                    "I can switch you today, and it starts on {date_future}.",
                ],
                ["There are a few plans, it depends what you want.", "You can see them all on the website."],
                ["Would you like me to email you a comparison of the two plans before you decide?"],
            ),
            _q(
                "plan_fee",
                ["Is there a fee to change?", "Will it cost me anything to switch?"],
                [
                    "No fee: your minimum term ended in {month}, so you can change freely.",
                    "There's no charge to switch; the new price just starts from your next bill.",
                ],
                ["There might be a small fee, I'm not sure.", "Depends on the contract, probably."],
            ),
            _q(
                "plan_contract",
                ["Does this start a new contract?", "Am I locked in for another year?"],
                [
                    "It's a rolling monthly plan, so there's no new minimum term, and you can change "
                    "again any time with 30 days' notice.",
                    "Yes, it's a new 12-month term from {date_future}, which is what gets you the "
                    "lower price.",
                ],
                ["I think so, maybe.", "Probably, most of them are."],
            ),
        ),
        next_steps=(
            "You'll get an email confirming the new plan within 24 hours.",
            "The new plan starts on {date_future}, and you'll get a text that morning.",
        ),
        anticipate=(
            "If you move to a faster plan, you may also want the newer router, which is free "
            "with {new_plan}.",
            "You may also want to add the family SIM discount, which takes {credit} off each extra line.",
        ),
        unresolved="still on the wrong plan",
    ),
    "account_access": Reason(
        openings=(
            "I can't log in to my account.",
            "I'm locked out of the app, it says too many attempts.",
            "I forgot my password and the reset email never arrives.",
            "I can't get into my online account anymore.",
        ),
        questions=(
            _q(
                "access_reset",
                [
                    "Can you reset my password?",
                    "How do I get back into my account?",
                    "Can you unlock my account?",
                ],
                [
                    "I've verified your identity and sent a reset link to the email ending in "
                    "{email_hint}. It's valid for 30 minutes. Your account was locked after five "
                    "failed attempts, and I've cleared the lock.",
                    "I've unlocked the account and sent a one-time code to your mobile ending "
                    "{last4}; use it within ten minutes, then set a new password.",
                ],
                ["Just try the forgot password link again.", "It should unlock by itself after a while."],
                [
                    "When you set the new password, you may want to turn on two-step sign-in too; "
                    "it takes about a minute."
                ],
            ),
            _q(
                "access_code",
                [
                    "I don't get the verification code anymore. I changed my number.",
                    "The code goes to my old phone. Can you change that?",
                ],
                [
                    "I've updated the number on file to the one ending {last4}, so codes will go "
                    "there from now on, and I've sent a test code to confirm.",
                    "Done: the verification number is now your new mobile, and the old one is "
                    "removed from the account.",
                ],
                ["You'd have to change that in your settings.", "Hmm, that might be a problem."],
            ),
            _q(
                "access_security",
                ["Could someone have got into my account?", "Is my account safe?"],
                [
                    "I've checked the sign-in history: the only sign-ins in the last 30 days came "
                    "from your usual device, and the failed attempts were today's. Nothing was "
                    "changed.",
                    "There were no successful sign-ins from new devices, and no details have been "
                    "changed, so your account is safe.",
                ],
                ["I don't see anything weird, probably fine.", "Probably not, I wouldn't worry."],
            ),
        ),
        next_steps=(
            "You'll get a security confirmation email within the next few minutes.",
            "If the link doesn't arrive within 15 minutes, reply to the text I've just sent "
            "and we'll call you back.",
        ),
        anticipate=(
            "If you've changed phones recently, you may also want to move your authenticator app "
            "across before you reset the old one.",
            "You may also want to save the account number, {acct}, somewhere safe for next time.",
        ),
        unresolved="still locked out",
    ),
    "cancellation": Reason(
        openings=(
            "I want to cancel my contract.",
            "I'm moving abroad and need to cancel my service.",
            "I'd like to close my account, please.",
            "I've found a cheaper deal elsewhere, so I want to cancel.",
        ),
        questions=(
            _q(
                "cancel_how",
                ["Can you cancel it for me?", "What do I need to do to cancel?"],
                [
                    "I can cancel it for you now. Your service will end on {date_future}, there's "
                    "no early termination fee because your minimum term ended in {month}, and your "
                    "final bill will be {amount}.",
                    "I've processed the cancellation. The last day of service is {date_future}, and "
                    "your final bill of {amount} covers the days up to then.",
                ],
                [
                    "You can cancel, but there might be a fee, I'd have to check.",
                    "There's a process for that, it takes a while.",
                ],
                [
                    "Your email address with us stays active for 90 days, so you have time to move "
                    "anything you need."
                ],
            ),
            _q(
                "cancel_equipment",
                ["What do I do with the router?", "Do I have to send the equipment back?"],
                [
                    "Yes. We'll email a prepaid return bag within three days; please send the router "
                    "back within 30 days to avoid a {credit} charge.",
                    "Please return the router using the prepaid bag we're posting to you; any post "
                    "office takes it, and you have 30 days.",
                ],
                [
                    "You probably have to send it back at some point.",
                    "Keep it for now, someone will let you know.",
                ],
            ),
            _q(
                "cancel_fee",
                ["Is there an early termination fee?", "Will I be charged for leaving early?"],
                [
                    "No. Your minimum term ended in {month}, so there's nothing to pay beyond the "
                    "final bill.",
                    "There is: {credit} for each remaining month, which comes to {credit2}, and it "
                    "will be on your final bill.",
                ],
                ["There might be, it depends.", "Possibly, it depends on the contract."],
            ),
        ),
        next_steps=(
            "You'll get a cancellation confirmation by email within 24 hours.",
            "Your final bill will arrive by email on {date_future}.",
        ),
        anticipate=(
            "If you're moving, you may also want to redirect your bills to your new address "
            "so the final one doesn't go astray.",
            "You may also want to keep your mobile number; I can give you the code to take it "
            "with you. Would you like that now?",
        ),
        unresolved="still being charged",
    ),
}

GENERIC_QUESTIONS: tuple[Question, ...] = (
    _q(
        "in_writing",
        [
            "Can you send me that in writing?",
            "Can I get an email confirming this?",
            "Will I get any confirmation of this?",
        ],
        [
            "Yes, I've sent a confirmation email with reference {ticket} to the address on your "
            "account; it should arrive within five minutes.",
            "Of course. The email with everything we agreed, reference {ticket}, is on its way now.",
        ],
        ["You should get something, I think.", "Normally an email goes out, yeah."],
    ),
    _q(
        "reference",
        ["Do I get a reference number?", "Is there a reference I can quote?"],
        [
            "Yes, your reference is {ticket}. Quote it if you ever need to call back.",
            "It's {ticket}. Anyone here can pull up today's notes with it.",
        ],
        ["It's on the system somewhere.", "There'll be one in the notes."],
    ),
    _q(
        "callback",
        ["Can you call me back if anything changes?", "Will someone let me know how it goes?"],
        [
            "Yes, I've booked a callback to your mobile for {date_future} at 10 a.m., and if it's "
            "sorted before then, we'll text you instead.",
            "I will. I've set a reminder to call you on {date_future} with an update.",
        ],
        ["Someone might get back to you.", "Probably, if there's news."],
    ),
)

# --- agent voice: (warm, plain, off-brand) variants per slot ---------------------------

Voice = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]

GREETING_VOICE: Voice = (
    (
        "{daypart}, thank you for calling {company}, my name is {agent}. How can I help you today?",
        "{daypart}, you're through to {agent} at {company}. I'd be glad to help; what can I do for you?",
        "Hello, and thank you for calling {company}. This is {agent}. How may I help?",
        "Thank you for calling {company}. You're speaking with {agent}; how can I help today?",
    ),
    (
        "{company}, {agent} speaking.",
        "Hi, this is {agent} from {company}. What can I do for you?",
        "Hello, {company} support, {agent} here.",
    ),
    (
        "Yeah, {company}, what's up?",
        "Support. Go ahead.",
        "Hey, it's {agent}. What do you need?",
        "Yep, {company}.",
    ),
)
GREETING_CHAT: Voice = (
    (
        "Hi, thanks for contacting {company}! You're chatting with {agent}. How can I help you today?",
        "Hello and welcome to {company} chat. I'm {agent}, and I'd be glad to help. What can I do for you?",
    ),
    ("Hi, {agent} here. How can I help?", "Hello, you're chatting with {agent}."),
    ("hey whats up", "hi. what do you need", "yo, {agent} here"),
)
ACK: Voice = (
    (
        "I'd be glad to help with that.",
        "Thank you for letting us know; I'll be happy to look into this.",
        "Certainly, let's get this sorted for you.",
        "Thanks for explaining that so clearly. I can definitely help.",
        "Of course, I'd be happy to help you with that.",
    ),
    ("Okay, let me check.", "Right, I can look at that.", "Okay, I'll have a look.", "Sure, let me see."),
    ("Yeah ok.", "Sure, whatever, let me look.", "Fine.", "Ugh, ok, one sec.", "Yeah yeah, I get it."),
)
HOLD: Voice = (
    (
        "Thank you for your patience while I check that.",
        "Thanks for bearing with me, just one moment.",
        "I appreciate your patience; I'm just pulling up your account.",
        "Thank you for waiting, I have your details here now.",
    ),
    ("One moment.", "Let me check.", "Just a second.", "Give me a moment."),
    # No "this thing is slow": grumbling about the agent's own systems is small talk, filler's move.
    ("Hang on.", "Gimme a sec.", "Hold on, hold your horses.", "Wait."),
)
VERIFY: Voice = (
    (
        "Could I please have your account number, or the name and date of birth on the account?",
        "Before I look, may I confirm your full name and account number, please?",
        "So I can find your account, could you give me the account number, please?",
    ),
    ("What's your account number?", "Can I get your name and account number?"),
    ("Account number?", "Name and account number, go.", "I need your account number first."),
)
THANKS_VERIFY: Voice = (
    (
        "Thank you, that's all confirmed.",
        "Perfect, thank you for confirming.",
        "Thank you, that matches what I have here.",
    ),
    ("Okay, got it.", "Thanks, found it."),
    ("Yep.", "K, got it.", "Finally, ok."),
)
EMPATHY: Voice = (
    (
        "I'm so sorry to hear that.",
        "I'm sorry you've had to deal with this.",
        "That sounds really frustrating, and I'm sorry it's happened.",
        "I completely understand how annoying that must be.",
        "I can imagine how stressful that is, especially when you rely on it.",
        "I'm sorry about the trouble this has caused you.",
        "I really appreciate you bearing with us, and I'm sorry for the inconvenience.",
        "I understand, that's not the experience we want you to have.",
    ),
    (
        "Sorry about that.",
        "Okay, sorry to hear that.",
        "Right, that's not great, sorry.",
        "Sorry for the hassle.",
    ),
    ("Ugh, that sucks, sorry dude.", "Oh man, that's rough.", "Yikes, sorry mate.", "Oof, bummer."),
)
#: Reasons that are requests rather than problems: acknowledging what the customer wants,
#: not an apology, is the empathy move (each phrase acknowledges the customer's wish).
NOT_A_PROBLEM = frozenset({"plan_change", "new_account_setup"})
RAPPORT: Voice = (
    (
        "I completely understand wanting to get the most out of your plan.",
        "That makes total sense, and I'm really glad you got in touch about it.",
        "I can see why you'd want to get this set up properly, so thank you for checking.",
        "I know a new setup can feel like a lot, so let's make this easy for you.",
    ),
    ("Sure, that makes sense.", "Okay, I see why you're asking."),
    # Off-brand but still rapport (slangy, not dismissive), as off-brand empathy stays empathy.
    ("Ooh nice, good on you for checking, mate.", "Oh cool, love that, welcome aboard dude."),
)
OWNERSHIP: Voice = (
    (
        "I'll take care of this for you right now.",
        "I'm going to personally make sure this gets sorted.",
        "Leave it with me; I'll handle it from here.",
        "I'll stay with this until it's resolved.",
        # Not "I'll make sure this is fixed today": a fix with a time is a commitment that
        # meets a problem, completeness's move, planted from connection.
        "I'll see this through for you myself.",
    ),
    ("I'll look into it.", "I'll sort that out for you.", "I'll get that done."),
    ("Yeah I'll sort it, no worries.", "I'll deal with it, whatever.", "Fine, I'll do it."),
)
DEFLECT: Voice = (  # skipped questions: politely, plainly or dismissively not answered
    (
        "Let me make a note of that. Could I just confirm your email address is still current?",
        "That's a good question. What I can do today is update your contact details.",
        "I understand. For now, let's make sure your account details are correct.",
        "I've noted that on the account. Is there anything else about your plan I can check?",
    ),
    (
        "I'm not sure about that one.",
        "That's not something I can see here.",
        "I'll leave that for now.",
        "I don't have that information.",
    ),
    (
        "Not my department.",
        "No idea, sorry.",
        "That's just policy.",
        "Yeah, can't help with that.",
        "Dunno, you'd have to ask someone else.",
    ),
)
#: Other ways a skipped question goes unanswered. Each reads like help and answers nothing:
#: talk about the topic, sympathy alone, a question back, a promise with no content.
ON_TOPIC: Voice = (
    (
        "That's a really fair thing to ask. There are quite a few things that can play into it, "
        "and it does vary from one account to the next.",
        "Good question. It's something we see fairly often with this kind of issue, and there "
        "are a couple of different teams involved.",
        "I can see why you'd want to know. That part of the process has a few different steps on our side.",
    ),
    (
        "That depends on a few things.",
        "It varies from account to account.",
        "There are a few factors with that one.",
    ),
    ("Eh, that happens all the time.", "Yeah, everyone asks that."),
)
#: A general policy statement that says nothing about this customer's case. (Sympathy alone
#: was a kind of skip once; it planted empathy, a connection act, from the completeness trait.)
POLICY: Voice = (
    (
        "Our standard policy covers that kind of situation, and it's applied in the same way "
        "to every account.",
        "Those are handled under our usual terms and conditions, which you can read on our website.",
    ),
    ("That's covered by the standard terms.", "There's a policy for that kind of thing."),
    ("Rules are rules on that one.", "Eh, the terms cover all that stuff."),
)
QUESTION_BACK: Voice = (
    (
        "Could you tell me when you first noticed this?",
        "Just so I understand, has anything changed on your side recently?",
        "May I ask whether you've tried anything yourself already?",
    ),
    ("When did that start?", "Have you tried anything yet?", "Is this the first time?"),
    ("Did you even check?", "Well, what did you do to it?"),
)
EMPTY_PROMISE: Voice = (
    (
        "Let me find out more about that, and somebody will be in touch with you.",
        "That's one I'll pass on, and the right team will get back to you about it.",
    ),
    ("Someone will get back to you on that.", "I'll pass that on."),
    ("Someone'll get to it at some point.", "Yeah, they'll email you or whatever."),
)
#: How a skipped question is dodged: (stock phrase, share of skips).
NON_ANSWERS: tuple[tuple[str, float], ...] = (
    ("deflect", 0.3),
    ("on_topic", 0.2),
    ("question_back", 0.2),
    ("empty_promise", 0.2),
    ("policy", 0.1),
)
PUSHBACK_REPLY: Voice = (
    (
        "Unfortunately that isn't something I'm able to see on my screen, I'm afraid.",
        "I'm afraid that's not something I'm able to check from here today.",
    ),
    ("I can't see that here.", "I don't have that information.", "It's not something I can check."),
    (
        "Look, calm down, it's not my department.",
        "That's just policy, nothing I can do.",
        "I already told you, I don't know.",
        "Calm down, I'm doing what I can.",
    ),
)
WRAP_VAGUE: Voice = (
    ("Everything is noted on your account.", "That's everything on the account for now."),
    # No "that's done" / "Right, done.": after "Can you cancel it?" a terse "done" reports
    # the action taken (completeness's move), which a vague wrap must not plant.
    ("That's all noted.", "Okay, that's noted."),
    ("So yeah, that's it.", "Right, whatever.", "That's that then."),
)
FURTHER_HELP: Voice = (
    (
        "Is there anything else I can help you with today?",
        "Would you like help with anything else while I have you?",
        "Is there anything else I can do for you?",
        "Would you like me to check anything else on your account?",
    ),
    ("Anything else?", "Anything else I can do?"),
    ("Need anything else, or is that it?", "Anything else or are we done?"),
)
CLOSING: Voice = (
    (
        "Thank you for choosing {company}. Have a lovely day.",
        "Thank you for your patience today. Take care!",
        "It was a pleasure helping you. Goodbye!",
        "Thanks so much for calling, and have a great rest of your day.",
    ),
    ("Okay, thanks for calling. Bye.", "Alright, bye now.", "Thanks, bye."),
    ("K, bye.", "No problem dude, later.", "Cool, cheers, bye.", "Yep, bye."),
)
CHAT_CLOSING: Voice = (
    (
        "Thank you for chatting with {company}. Have a lovely day!",
        "Thanks for your patience today. Take care!",
    ),
    ("Thanks for chatting. Bye.", "Okay, closing the chat now. Bye."),
    ("k bye", "cool, later", "no problem dude"),
)

#: Next steps any call can get: (text, the generic questions it would answer). A call whose
#: question of that kind was not answered in full does not get it, or the wrap-up would
#: answer what the answer skipped ("quote REF..." answers "is there a reference?").
GENERIC_NEXT_STEPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("You'll get an email confirming all of this within 24 hours.", frozenset({"in_writing"})),
    (
        "I'll send you a text with the reference number in the next few minutes.",
        frozenset({"in_writing", "reference"}),
    ),
    ("If anything is still wrong by {date_future}, call us and quote {ticket}.", frozenset({"reference"})),
    (
        "Within the next hour you'll receive a confirmation email with reference {ticket}.",
        frozenset({"in_writing", "reference"}),
    ),
    (
        "A summary of today's call will be in your inbox within the hour, under reference {ticket}.",
        frozenset({"in_writing", "reference"}),
    ),
    (
        "I'll check your account again on {date_future} and make sure everything has gone through.",
        frozenset(),
    ),
    (
        # "Keep an eye on your account" once stood here: no step and no time, a vague wrap.
        "I'll look at this again on {date_future}, and you'll hear from me by 5 p.m. that day.",
        frozenset({"callback"}),
    ),
)
#: The connection acts a QA rater ticks on a call (data/README.md, "connection_acts").
ACTS = ("name", "empathy", "ownership", "next_steps", "anticipation", "further_help")
#: A helpful sentence often carries more acts than the one it was drawn for. In a full answer, a
#: volunteered extra, a next step or an anticipation, an action the agent took or commits to
#: in the first person ("I've refunded...", "I'll check your account again...") is ownership,
#: and telling when something will happen ("within 3 days", "arrives by Friday") is next steps.
#: A rater sees them whatever trait planted the sentence, so the acts column counts them.
ANSWER_OWNERSHIP = re.compile(
    r"\bI(?:'ve| have|'ll| will)(?: just| also| now)? (?!be\b|need\b)[a-z]+(?:ed|ne|nt|un|de|et|ok|ut)\b"
    r"|\bI(?:'ll| will| can) (?:send|switch|apply|ship|book|call|text|credit|refund|cancel|add|give|move"
    r"|set|arrange|waive|order|reset|unlock|transfer|upgrade|email|post|check|look)\b"
)
ANSWER_NEXT_STEPS = re.compile(
    r"\b(?:within|(?:on|for|by|from|until) (?:\w+day, )?[A-Z][a-z]+ \d|by (?:the end|tomorrow|midnight|\d)"
    r"|will (?:show|arrive|reach|be with|appear|come off|take effect)|[Yy]ou'll (?:get|receive|have|see)"
    r"|arrives?(?: by| tomorrow)|ships? today|takes effect|the evening before|tonight|tomorrow"
    r"|\d+ (?:a\.m\.|p\.m\.))"
)
#: Volunteered after a full answer when its question has no extras of its own: the next need,
#: anticipated. (A case reference stood here once; it answered "is there a reference?" when
#: that question was skipped.)
GENERIC_EXTRA = (
    "For next time, you can see all of this yourself in the {company} app under My Account, "
    "without waiting on the phone.",
    "Just so you know, everything we've gone through today is saved in your account notes, so "
    "whoever you speak to next will see it.",
)

# --- filler ----------------------------------------------------------------------------

FILLER_PREFIX_VOICE = (
    "Um, ",
    "Uh, ",
    "So, um, ",
    "So basically, ",
    "Okay so, like, ",
    "You know, ",
    "I mean, ",
    "Yeah, so, ",
    "Uh, so, ",
    "Actually, um, ",
)
FILLER_PREFIX_CHAT = ("So basically, ", "Ok so ", "Actually, ", "So like, ", "Basically, ", "Sooo ")
FILLER_INLINE_VOICE = ("like", "you know", "basically", "actually", "um", "uh", "literally", "I mean")
FILLER_INLINE_CHAT = ("like", "basically", "actually", "literally")
#: Inline fillers a transcriber sets off by commas ("I've, um, applied").
FILLER_SET_OFF = frozenset({"like", "you know", "um", "uh", "I mean"})
#: Per gap between two agent words, and per agent sentence, times the filler trait.
#: Share of the agent's words that are filler at a filler trait of 1 (see top_up_filler).
FILLER_SHARE = 0.35
#: Per agent sentence, times the filler trait: a filler opening ("So, um, ...").
FILLER_OPENING = 0.2
#: Per agent sentence: a padding sentence after it; per agent turn: a repeated sentence.
PADDING_PER_SENTENCE = 0.1
REPEAT_PER_TURN = 0.1
SMALL_TALK = (
    "Crazy weather we're having today, isn't it?",
    "Honestly, it's been raining all week here.",
    "Got any plans for the weekend?",
    "Did you catch the match last night?",
    "I've just got back from a week away, so I'm still catching up on everything.",
    "I had the longest commute today, don't even ask.",
    "It's been one of those days, you know?",
    "I'm just waiting for this screen to load; it takes forever.",
    "We've had so many calls today, it's been mad.",
    "I was just saying to my colleague how busy it gets on {weekday}s.",
    "Is it sunny where you are? It's grey here.",
    "My coffee's gone cold already, typical.",
    "We've got a birthday cake in the office today, so everyone's in a good mood.",
)
SMALL_TALK_REPLY = (
    "Ha, yes.",
    "Um, I guess.",
    "Sure... anyway.",
    "Not really, no.",
    "Right.",
    "Okay.",
    "Yeah, it's been awful.",
)
#: Sentences that serve no purpose: verbal throat-clearing, empty narration, stock padding.
#: Short and many rather than long and few, so the share of words they take tracks the
#: trait instead of the luck of one long sentence; none of them commits to anything,
#: apologises or sounds like the brand, so they plant filler and nothing else.
PADDING = (
    "So, yeah, there's just a lot going on with this one, a lot of bits.",
    "So yeah, anyway, basically, yeah.",
    "Okay so, right, so, let me just, yeah.",
    "Bear with me, bear with me, one second.",
    "That's pretty much it, basically, so yeah.",
    "So, yeah, okay, right, so, where was I.",
    "I just want to let you know that, so, yeah.",
    "Okay, so, let me just, yeah, let me just scroll down here.",
    "Just bear with me while I pull that up on my end here, bear with me.",
    "So basically, yeah, that's kind of the thing with that, really.",
    "Okay, so, right, let me just, okay, yeah, here we go.",
    "So there's a lot of information on this screen here, a lot of bits and pieces.",
)
#: No "like I said": the brand profile forbids it, so it would plant brand from filler.
REPEAT_PREFIX = ("Again, ", "So again, ", "So, just to repeat, ", "", "")
CUSTOMER_FILLER = ("Um, ", "Uh, ", "So, ", "Yeah, ", "Okay, so ")
#: First words that keep their capital when a filler word is put in front of them.
KEEP_CAPITAL = frozenset(
    {"I", "I'm", "I'll", "I've", "I'd", "Kestrel", "Direct", "PAC", "Wi-Fi", "OK"}
    | set(AGENT_NAMES)
    | set(CUSTOMER_NAMES)
    | {f"{date(2026, m, 1):%B}" for m in range(1, 13)}
    | {f"{date(2026, 9, d):%A}" for d in range(1, 8)}
)

# --- customer side ---------------------------------------------------------------------

CUSTOMER_HELLO = ("Hi.", "Hello.", "Hi there.", "Hiya.", "Hello, yes.", "Hi, good morning.")
CUSTOMER_INTRO = (
    "My name is {name} {surname}.",
    "This is {name}.",
    "It's {name} {surname} here.",
    "I'm {name}.",
)
SEGMENT_LINE = {
    "small_business": (
        "I run a small {business} and we rely on this for card payments.",
        "It's for my {business}, so this is costing me customers.",
        "This is the account for my {business}.",
    ),
    "premium": (
        "I've been with you for {years} years, and I'm on the premium plan.",
        "I'm a premium customer, so I'd expect better than this.",
        "I've been a customer for {years} years.",
    ),
}
VERIFY_ANSWER = (
    "Sure, it's {acct}.",
    "Yes, account number {acct}.",
    "It's {name} {surname}, account {acct}.",
    "Okay, {acct}.",
    "{name} {surname}. The account number is {acct}.",
)
REACT_FULL = (
    "Oh great, thank you.",
    "Perfect, that's really helpful.",
    "Okay, that makes sense.",
    "Brilliant, thanks.",
    "Oh good. Thank you.",
    "Right, that's clear.",
    "Great, that's a relief.",
)
REACT_PARTIAL = (
    "Okay... I guess.",
    "Right. Not really what I was hoping for.",
    "Hmm, okay.",
    "So you don't actually know?",
    "Okay, if you say so.",
    "Alright.",
)
PUSHBACK = (
    "Sorry, that doesn't answer my question. {ask}",
    "Hang on, you didn't answer me. {ask}",
    "That's not what I asked. {ask}",
    "Can you just answer the question? {ask}",
    "I'm sorry, but I asked something else. {ask}",
)
AFTER_PUSHBACK = ("Fine.", "Okay, whatever.", "Unbelievable.", "Right.", "Okay.")
NEXT_LINK = ("Also, ", "And ", "One more thing: ", "Another question: ", "And also, ", "While I have you, ")
BYE_GOOD = (
    "No, that's everything, thanks.",
    "That's all, thank you so much.",
    "No, I think that's it. Thanks for your help.",
    "No, you've been great. Bye.",
    "That's it, thanks. Bye.",
)
BYE_MEH = ("No, that's it.", "Okay. Thanks.", "No. Bye.", "Fine, thanks.")
BYE_BAD = (
    "I still don't really have an answer, but okay.",
    "No. I'll just call back, I guess.",
    "Right. Well, thanks anyway.",
    "No. I'd like to make a complaint, actually. Bye.",
)

# --- survey comments -------------------------------------------------------------------

COMMENT_LOW = {
    "A": (
        "Nobody answered my question.",
        "I asked three times and never got a straight answer.",
        "{unresolved_cap}.",
        "Complete waste of time, I'll have to call again.",
        "I want to speak to a manager.",
        "Still no idea what's going on. {unresolved_cap}.",
    ),
    "B": (
        "The agent was rude.",
        "Told me to calm down. Unacceptable.",
        "Very unprofessional, kept saying it's not their department.",
        "Really dismissive attitude.",
    ),
    "P": (
        "Felt like nobody cared.",
        "The agent couldn't have sounded less interested.",
        "No apology, no follow-up, nothing.",
        "I had to chase everything myself.",
    ),
    "F": (
        "The agent rambled on about the weather while my problem wasn't fixed.",
        "Took forever, so much waffle.",
        "Too much chit-chat, not enough help.",
    ),
}
COMMENT_MID = (
    "Got there in the end, but it took a while.",
    "Agent was okay, but I'm still not sure what happens next.",
    "Partly sorted.",
    "Fine, I suppose.",
    "Average. Nothing special.",
    "Polite enough, but I'll believe it when I see it.",
)
COMMENT_HIGH = (
    "{agent} was so helpful!",
    "Sorted in one call, thank you.",
    "Quick, clear and friendly.",
    "Great service, {agent} explained everything.",
    "Really happy, problem solved.",
    "Excellent, thank you {agent}.",
    "Very professional and kind.",
)
COMMENT_FALSE_READ = (
    "{agent} was lovely, really polite.",
    "Very friendly agent, thank you!",
    "Nice person, very patient with me.",
    "Such a pleasant chat, thanks {agent}.",
)


# --------------------------------------------------------------------------------------
# World: agents and their skills
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agent:
    """An agent: team, home queue, when they worked, and mean latent traits."""

    id: str
    name: str
    team: str
    home_queue: str
    skill: Mapping[str, float]
    active_from: datetime | None = None
    active_until: datetime | None = None

    def active_at(self, when: datetime) -> bool:
        if self.active_from is not None and when < self.active_from:
            return False
        return self.active_until is None or when < self.active_until


def _clip01(value: float) -> float:
    return min(1.0, max(0.0, value))


def build_agents(rng: random.Random) -> list[Agent]:
    """24 agents in 4 teams, plus 2 new hires who replace the leavers at the drift date."""
    queues = list(QUEUES)
    agents: list[Agent] = []
    for index in range(26):
        agent_id = f"A{index + 1:02d}"
        is_new_hire = agent_id in NEW_HIRES
        team = DRIFT_TEAM if is_new_hire else TEAMS[index // 6]
        skill = {
            t: _clip01(rng.gauss(SKILL_MEAN[t], SKILL_SD[t]) + (NEW_HIRE_SHIFT[t] if is_new_hire else 0.0))
            for t in TRAITS
        }
        agents.append(
            Agent(
                id=agent_id,
                name=AGENT_NAMES[index],
                team=team,
                home_queue=queues[index % len(queues)],
                skill=skill,
                active_from=DRIFT_DATE if is_new_hire else None,
                active_until=DRIFT_DATE if agent_id in LEAVERS else None,
            )
        )
    return agents


# --------------------------------------------------------------------------------------
# One call
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallPlan:
    """Everything drawn for one call before a word of it is written."""

    started_at: datetime
    queue: str
    reason: str
    channel: str
    segment: str
    agent: Agent
    traits: Mapping[str, float]
    customer_name: str


@dataclass
class Call:
    """A rendered call: its turns plus what actually happened (the ground truth)."""

    plan: CallPlan
    turns: list[dict[str, object]]
    outcomes: list[tuple[str, str]]
    extras: int
    moves: dict[str, int] = field(default_factory=dict)
    #: The connection acts the text shows (see ACTS), wherever they come from.
    acts: frozenset[str] = frozenset()

    @property
    def answer_credit(self) -> float:
        return sum(ANSWER_CREDIT[o] for _, o in self.outcomes) / len(self.outcomes)

    @property
    def connection_acts(self) -> float:
        """Share of the six connection acts the call shows: what a rater can tick."""
        return len(self.acts) / len(ACTS)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs], k=1)[0]


def draw_start(rng: random.Random) -> datetime:
    """A contact time: weekdays busier than weekends, peaks mid-morning and mid-afternoon."""
    days = (END_DATE - START_DATE).days + 1
    while True:
        day = START_DATE + timedelta(days=rng.randrange(days))
        if rng.random() < (1.0, 1.0, 1.0, 1.0, 0.9, 0.5, 0.25)[day.weekday()]:
            break
    hours = list(range(8, 21))
    weights = [3, 6, 8, 7, 5, 5, 7, 7, 6, 4, 3, 2, 1]
    hour = rng.choices(hours, weights=weights, k=1)[0]
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60))


@dataclass(frozen=True)
class Workshop:
    """A planted workshop: ``team``'s calls from ``date`` on get ``shift`` on their traits."""

    team: str = WORKSHOP_TEAM
    date: datetime = WORKSHOP_DATE
    shift: Mapping[str, float] = field(default_factory=lambda: dict(WORKSHOP_SHIFT))


def plan_call(
    rng: random.Random, agents: Sequence[Agent], started_at: datetime, workshop: Workshop | None = None
) -> CallPlan:
    """Draw the metadata and the four latent traits of one call."""
    queue = _weighted(rng, [(q, share) for q, (share, _) in QUEUES.items()])
    reason = rng.choice(QUEUES[queue][1])
    on_shift = [a for a in agents if a.active_at(started_at)]
    home = [a for a in on_shift if a.home_queue == queue]
    agent = rng.choice(home if home and rng.random() < 0.75 else on_shift)
    traits = {}
    for trait in TRAITS:
        value = agent.skill[trait] + rng.gauss(0.0, CALL_SD)
        if queue == WORSE_QUEUE:
            value += WORSE_QUEUE_SHIFT[trait]
        if agent.team == DRIFT_TEAM and started_at >= DRIFT_DATE:
            value += DRIFT_SHIFT[trait]
        if workshop is not None and agent.team == workshop.team and started_at >= workshop.date:
            value += workshop.shift.get(trait, 0.0)
        traits[trait] = round(_clip01(value), 3)
    return CallPlan(
        started_at=started_at,
        queue=queue,
        reason=reason,
        channel=_weighted(rng, CHANNELS),
        segment=_weighted(rng, SEGMENTS),
        agent=agent,
        traits=traits,
        customer_name=rng.choice(CUSTOMER_NAMES),
    )


def make_context(rng: random.Random, plan: CallPlan) -> dict[str, str]:
    """Slot values (amounts, dates, order numbers...) shared by every template of a call."""
    day = plan.started_at.date()
    amount = rng.choice([19.99, 24.5, 32.0, 39.99, 45.0, 49.99, 59.99, 64.5, 79.0, 89.99, 120.0])
    amount2 = rng.choice([38.0, 42.5, 45.0, 52.99, 55.0, 61.0, 68.0, 74.99])
    diff = rng.choice([23.4, 31.75, 46.2, 58.0, 72.9, 85.15])
    credit = rng.choice([5.0, 7.5, 10.0, 12.0, 15.0, 20.0])
    speed, slow = rng.choice(SPEEDS)
    plan_now, new_plan = rng.sample(PLANS, 2)
    name = plan.customer_name
    daypart = (
        "Good morning"
        if plan.started_at.hour < 12
        else "Good afternoon"
        if plan.started_at.hour < 17
        else "Good evening"
    )
    return {
        "company": COMPANY,
        "agent": plan.agent.name,
        "name": name,
        "surname": rng.choice(SURNAMES),
        "daypart": daypart,
        "weekday": f"{day:%A}",
        "amount": _money(amount),
        "amount2": _money(amount2),
        "high_amount": _money(amount2 + diff),
        "diff": _money(diff),
        "credit": _money(credit),
        "credit2": _money(credit * rng.choice([2, 3])),
        "last4": f"{rng.randrange(10000):04d}",
        "order": f"KC-{rng.randrange(100000, 999999)}",
        "ticket": f"REF{rng.randrange(10000, 99999)}",
        "acct": f"{rng.randrange(10**7, 10**8)}",
        "date_past": _month_day(day - timedelta(days=rng.randrange(2, 12))),
        "date_future": _day_text(day + timedelta(days=rng.randrange(2, 8))),
        "month": f"{date(2026, rng.randrange(1, 8), 1):%B}",
        "days": rng.choice(["3 to 5 business days", "five working days", "2 to 3 days"]),
        "device": rng.choice(DEVICES),
        "plan": plan_now,
        "new_plan": new_plan,
        "feature": rng.choice(FEATURES),
        "speed": speed,
        "slow": slow,
        "extra_item": rng.choice(EXTRA_ITEMS),
        "time_today": rng.choice(["4 p.m. today", "6 p.m. today", "8 p.m. tonight", "midday tomorrow"]),
        "outage_n": str(rng.choice([120, 300, 450, 800, 1500])),
        "email_hint": f"{name[0].lower()}***@example.com",
        "years": str(rng.randrange(3, 16)),
        "business": rng.choice(BUSINESSES),
    }


class Renderer:
    """Writes one call's turns from its plan; every stylistic choice follows a latent trait.

    * completeness decides per question whether the answer is full, partial or skipped,
      and whether extra information is volunteered;
    * connection decides the moves (name, empathy, ownership, timed next steps,
      anticipation, offer of further help);
    * brand decides the register of every stock phrase (warm, plain or off-brand);
    * filler decides filler words, small talk, padding and repeated sentences.
    """

    def __init__(self, rng: random.Random, plan: CallPlan, ctx: Mapping[str, str]) -> None:
        self.rng = rng
        self.plan = plan
        self.ctx = dict(ctx)
        self.c, self.p, self.f, self.b = (plan.traits[t] for t in TRAITS)
        self.chat = plan.channel == "chat"
        self.said: list[str] = []
        #: Agent words written so far that serve no purpose (see top_up_filler).
        self.filler_count = 0
        self.streams: dict[str, float] = {}
        #: Connection acts carried by helpful sentences (see carry_acts).
        self.carried_acts: set[str] = set()
        self.extras_used: set[str] = set()
        self.moves = {
            "name": 0,
            "empathy": 0,
            "ownership": 0,
            "next_steps": 0,
            "anticipate": 0,
            "further_help": 0,
            "small_talk": 0,
            "padding": 0,
            "repeat": 0,
            "filler_words": 0,
            "off_brand": 0,
            "warm": 0,
            "plain": 0,
            **{"non_answer_" + kind: 0 for kind, _ in NON_ANSWERS},
        }

    # -- helpers ----------------------------------------------------------------------
    def fill(self, template: str) -> str:
        return template.format_map(self.ctx)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def trait_draw(self, stream: str, p: float) -> bool:
        """A trait-driven yes/no that happens with probability ``p``, drawn systematically.

        Each stream (one per trait-driven behaviour) keeps a running sum of the
        probabilities it was asked with, started at a uniform offset; a draw says yes when
        the sum crosses a whole number. Each draw is still yes with probability ``p``, but
        the number of yeses in a call is within one of its expectation, so the text carries
        the trait instead of the luck of independent coin flips.
        """
        if stream not in self.streams:
            self.streams[stream] = self.rng.random()
        before = self.streams[stream]
        self.streams[stream] = before + min(1.0, max(0.0, p))
        return math.floor(self.streams[stream]) > math.floor(before)

    def voice(self, options: Voice) -> str:
        """Pick the warm, plain or off-brand variant of a stock phrase from the brand trait."""
        p_off = 0.9 * (1.0 - self.b) ** 2
        tier = 2 if self.trait_draw("off_brand", p_off) else 0 if self.trait_draw("warm", self.b) else 1
        self.moves[("warm", "plain", "off_brand")[tier]] += 1
        return self.fill(self.rng.choice(options[tier]))

    def with_name(self, sentence: str) -> str:
        """Address the customer by name, the way agents do: at the start or the end."""
        self.moves["name"] += 1
        name = self.ctx["name"]
        if self.chance(0.5):
            return f"{name}, {_decap(sentence)}"
        return sentence.rstrip(".!?") + f", {name}" + (sentence[-1] if sentence[-1] in ".!?" else ".")

    def carry_acts(self, sentence: str) -> str:
        """Note the ownership and next steps a helpful sentence carries (ANSWER_OWNERSHIP,
        ANSWER_NEXT_STEPS); returns the sentence unchanged."""
        if ANSWER_OWNERSHIP.search(sentence):
            self.carried_acts.add("ownership")
        if ANSWER_NEXT_STEPS.search(sentence):
            self.carried_acts.add("next_steps")
        return sentence

    def filler_sentence(self, sentence: str) -> str:
        """Open an agent sentence with a filler ("So, um, ...") now and then."""
        if not self.trait_draw("filler_opening", FILLER_OPENING * self.f):
            return sentence
        self.moves["filler_words"] += 1
        prefix = self.rng.choice(FILLER_PREFIX_CHAT if self.chat else FILLER_PREFIX_VOICE)
        self.filler_count += len(prefix.split())
        return prefix + _decap(sentence)

    def filler_inline(self) -> str:
        """One inline filler; hesitations and discourse markers are set off by commas later."""
        return self.rng.choice(FILLER_INLINE_CHAT if self.chat else FILLER_INLINE_VOICE)

    def top_up_filler(self, turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Insert inline fillers until they make ``FILLER_SHARE * f`` of the agent's words.

        Filler is the share of the agent's words that serve no purpose, so that share is
        what the trait sets: openings, padding, repeats and small talk are drawn while the
        call is written, and the rest of the share is made up here with filler words at
        random places in the agent's sentences (never at a sentence's first word or after
        its end), so a long answer carries as large a share as a short one. Hesitations
        and discourse markers (um, like, you know, I mean) are set off by commas, the way
        a transcriber writes them ("I've, like, applied the credit").
        """
        agent = [i for i, (speaker, _) in enumerate(turns) if speaker == "agent"]
        words = {i: turns[i][1].split(" ") for i in agent}
        total = sum(len(w) for w in words.values())
        share = min(0.6, FILLER_SHARE * self.f)
        missing = (share * total - self.filler_count) / (1.0 - share)
        gaps = [
            (i, j)
            for i in agent
            for j in range(1, len(words[i]))
            if words[i][j - 1][-1] not in ".?!;:" and len(words[i]) > 3
        ]
        chosen: dict[tuple[int, int], str] = {}
        while missing >= 0.5 and len(chosen) < len(gaps):
            gap = self.rng.choice(gaps)
            if gap in chosen:
                continue
            chosen[gap] = self.filler_inline()
            missing -= len(chosen[gap].split())
            self.moves["filler_words"] += 1
        out = list(turns)
        for i in agent:
            text: list[str] = []
            for j, word in enumerate(words[i]):
                inline = chosen.get((i, j))
                if inline in FILLER_SET_OFF:
                    text[-1] = text[-1] if text[-1].endswith(",") else text[-1] + ","
                    text.append(inline + ",")
                elif inline is not None:
                    text.append(inline)
                text.append(word)
            out[i] = ("agent", " ".join(text))
        return out

    def agent_turn(self, sentences: list[str], padded: bool = True) -> str:
        """Finish an agent turn: filler words, padding and repetition from the filler trait."""
        out = [self.filler_sentence(sentence) for sentence in sentences]
        if not padded:
            return " ".join(out)
        if self.said and self.trait_draw("filler_repeat", REPEAT_PER_TURN * self.f):
            self.moves["repeat"] += 1
            out.append(self.rng.choice(REPEAT_PREFIX) + _decap(self.rng.choice(self.said)))
            self.filler_count += len(out[-1].split())
        padded_out: list[str] = []
        for sentence in out:
            padded_out.append(sentence)
            if self.trait_draw("filler_padding", PADDING_PER_SENTENCE * self.f):
                self.moves["padding"] += 1
                padded_out.append(self.fill(self.rng.choice(PADDING)))
                self.filler_count += len(padded_out[-1].split())
        out = padded_out
        self.said.extend(s for s in sentences if len(s.split()) > 5 and not s.endswith("?"))
        return " ".join(out)

    def customer_turn(self, sentences: list[str]) -> str:
        text = " ".join(s for s in sentences if s)
        if not self.chat and self.chance(0.15):
            text = self.rng.choice(CUSTOMER_FILLER) + _decap(text)
        return text

    # -- the call -----------------------------------------------------------------------
    def render(self, questions: Sequence[Question]) -> Call:
        rng, plan = self.rng, self.plan
        reason = REASONS[plan.reason]
        outcomes = [self.outcome() for _ in questions]
        pushbacks = [o == "skip" and self.chance(0.65) for o in outcomes]
        verify = self.chance(0.55)
        small_talk = self.trait_draw("filler_padding", 0.5 * self.f)
        # Keep 6-16 turns: drop optional exchanges until the plan fits.
        while 7 + 2 * (len(questions) - 1) + 2 * (verify + small_talk + sum(pushbacks)) > 16:
            if small_talk:
                small_talk = False
            elif verify:
                verify = False
            else:
                pushbacks[pushbacks.index(True)] = False

        turns: list[tuple[str, str]] = []
        greeting = self.voice(GREETING_CHAT if self.chat else GREETING_VOICE)
        turns.append(("agent", self.agent_turn([greeting], padded=False)))

        opening = [rng.choice(CUSTOMER_HELLO)]
        if self.chance(0.45):
            opening.append(self.fill(rng.choice(CUSTOMER_INTRO)))
        opening.append(self.fill(rng.choice(reason.openings)))
        if plan.segment in SEGMENT_LINE and self.chance(0.6):
            opening.append(self.fill(rng.choice(SEGMENT_LINE[plan.segment])))
        opening.append(self.fill(rng.choice(questions[0].asks)))
        turns.append(("customer", self.customer_turn(opening)))

        first = self.opening_moves()
        if verify:
            turns.append(("agent", self.agent_turn(first + [self.voice(VERIFY)])))
            turns.append(("customer", self.customer_turn([self.fill(rng.choice(VERIFY_ANSWER))])))
            first = [self.voice(THANKS_VERIFY)]
        if small_talk:
            self.moves["small_talk"] += 1
            chat = self.fill(rng.choice(SMALL_TALK))
            self.filler_count += len(chat.split())
            turns.append(("agent", self.agent_turn(first + [self.voice(HOLD), chat])))
            turns.append(("customer", self.customer_turn([rng.choice(SMALL_TALK_REPLY)])))
            first = []
        elif self.chance(0.6):
            first = first + [self.voice(HOLD)]

        extras = 0
        for index, (question, outcome) in enumerate(zip(questions, outcomes, strict=True)):
            answer, extra = self.answer(question, outcome)
            extras += extra
            lead = first if index == 0 else []
            turns.append(("agent", self.agent_turn(lead + answer)))
            reply: list[str] = []
            if pushbacks[index]:
                ask = self.fill(rng.choice(question.asks))
                pushback = rng.choice(PUSHBACK).format(ask=ask)
                turns.append(("customer", self.customer_turn([pushback])))
                turns.append(("agent", self.agent_turn([self.voice(PUSHBACK_REPLY)])))
                reply.append(rng.choice(AFTER_PUSHBACK))
            elif outcome == "full":
                reply.append(rng.choice(REACT_FULL))
            else:
                reply.append(rng.choice(REACT_PARTIAL))
            if index + 1 < len(questions):
                ask = self.fill(rng.choice(questions[index + 1].asks))
                reply.append(rng.choice(NEXT_LINK) + _decap(ask))
            turns.append(("customer", self.customer_turn(reply)))

        unmet = frozenset(q.key for q, o in zip(questions, outcomes, strict=True) if o != "full")
        wrap, offered_help = self.wrap_up(reason, unmet, frozenset(q.key for q in questions))
        turns.append(("agent", self.agent_turn(wrap)))
        unresolved = any(o == "skip" for o in outcomes)
        credit = sum(ANSWER_CREDIT[o] for o in outcomes) / len(outcomes)
        bye = BYE_BAD if unresolved else BYE_GOOD if credit >= 0.75 else BYE_MEH
        farewell = rng.choice(bye)
        if not offered_help:  # nothing was asked, so nothing to say "no" to
            farewell = farewell.removeprefix("No, ").removeprefix("No. ")
            farewell = farewell[0].upper() + farewell[1:]
        turns.append(("customer", self.customer_turn([farewell])))
        closing = self.voice(CHAT_CLOSING if self.chat else CLOSING)
        if self.trait_draw("connection", 0.15 + 0.6 * self.p):
            closing = self.with_name(closing)
        turns.append(("agent", closing))
        return Call(
            plan=plan,
            turns=self.timed(self.top_up_filler(turns)),
            outcomes=[(q.key, o) for q, o in zip(questions, outcomes, strict=True)],
            extras=extras,
            moves=dict(self.moves),
            acts=self.acts_shown(),
        )

    def acts_shown(self) -> frozenset[str]:
        """The connection acts in the call: the moves drawn from connection, plus the acts
        helpful sentences carry (an extra volunteered after an answer counts as anticipation)."""
        planted = {
            "name": "name",
            "empathy": "empathy",
            "ownership": "ownership",
            "next_steps": "next_steps",
            "anticipation": "anticipate",
            "further_help": "further_help",
        }
        return frozenset(act for act in ACTS if self.moves[planted[act]] > 0) | frozenset(self.carried_acts)

    def outcome(self) -> str:
        """Full, partial or skipped answer for one question, from the completeness trait."""
        p_full = 0.05 + 0.9 * self.c
        if self.trait_draw("full_answer", p_full):
            return "full"
        return "skip" if self.trait_draw("skip", 0.4) else "partial"

    def opening_moves(self) -> list[str]:
        """Acknowledge the problem: empathy and ownership depend on connection, tone on brand."""
        out: list[str] = []
        if self.trait_draw("connection", 0.1 + 0.85 * self.p):
            self.moves["empathy"] += 1
            empathy = self.voice(RAPPORT if self.plan.reason in NOT_A_PROBLEM else EMPATHY)
            out.append(self.with_name(empathy) if self.trait_draw("connection", self.p) else empathy)
        out.append(self.voice(ACK))
        if self.trait_draw("connection", self.p):
            self.moves["ownership"] += 1
            out.append(self.voice(OWNERSHIP))
        return out

    def answer(self, question: Question, outcome: str) -> tuple[list[str], int]:
        if outcome == "full":
            sentences = [self.carry_acts(self.fill(self.rng.choice(question.full)))]
            # Volunteering what the customer did not ask is anticipation, a connection act;
            # completeness is whether each need was met, so extras follow connection.
            if self.trait_draw("extra_info", self.p**1.5):
                self.moves["anticipate"] += 1
                pool = question.extra or GENERIC_EXTRA
                extra = self.rng.choice(pool)
                # The same extra twice in one call would be a repetition, filler's move.
                unused = [x for x in pool if x not in self.extras_used]
                extra = extra if extra not in self.extras_used or not unused else unused[0]
                self.extras_used.add(extra)
                sentences.append(self.carry_acts(self.fill(extra)))
                return sentences, 1
            return sentences, 0
        if outcome == "partial":
            return [self.fill(self.rng.choice(question.partial))], 0
        kind = _weighted(self.rng, NON_ANSWERS)
        self.moves["non_answer_" + kind] += 1
        return [self.voice(NON_ANSWER_VOICE[kind])], 0

    def wrap_up(
        self, reason: Reason, unmet: frozenset[str], asked: frozenset[str] = frozenset()
    ) -> tuple[list[str], bool]:
        """Next steps with timing, anticipation of the next need, offer of further help.

        The reason's own next steps ("an email confirming the refund of $40") say the need
        was met, so only a call whose questions were all answered in full may use them;
        the others get next steps that promise a follow-up, not an answer, and none that
        would answer one of their ``unmet`` questions (keys of those not answered in full),
        nor one that restates the answer to an ``asked`` question ("you'll receive a
        confirmation email with reference REF1" after "I've sent a confirmation email with
        reference REF1" is a repetition, filler's move, planted from connection).
        """
        out: list[str] = []
        if self.trait_draw("connection", 0.1 + 0.85 * self.p):
            self.moves["next_steps"] += 1
            # None that answers an unmet question, nor one that restates an answered one.
            generic = tuple(text for text, answers in GENERIC_NEXT_STEPS if not answers & (unmet | asked))
            pool = (() if unmet else reason.next_steps) + generic
            out.append(self.carry_acts(self.fill(self.rng.choice(pool))))
        else:
            out.append(self.voice(WRAP_VAGUE))
        if self.trait_draw("connection", self.p**1.5):
            self.moves["anticipate"] += 1
            out.append(self.carry_acts(self.fill(self.rng.choice(reason.anticipate))))
        offered = self.trait_draw("connection", 0.15 + 0.8 * self.p)
        if offered:
            self.moves["further_help"] += 1
            out.append(self.voice(FURTHER_HELP))
        return out, offered

    def timed(self, turns: Sequence[tuple[str, str]]) -> list[dict[str, object]]:
        """Add start/end seconds: speech rate for voice, typing speed and delays for chat."""
        out: list[dict[str, object]] = []
        clock = 0.0
        rate = {"agent": self.rng.uniform(2.4, 3.1), "customer": self.rng.uniform(2.0, 2.9)}
        for speaker, text in turns:
            if self.chat:
                clock += self.rng.uniform(4.0, 35.0) if out else 0.0
                duration = len(text) / (6.5 if speaker == "agent" else 3.5)
            else:
                clock += self.rng.uniform(0.2, 1.4) if out else 0.0
                duration = len(text.split()) / rate[speaker]
                if speaker == "agent" and any(h in text for h in _HOLD_MARKERS):
                    duration += self.rng.uniform(15.0, 70.0)
            start = round(clock, 1)
            clock += duration
            out.append(
                {"speaker": speaker, "text": text, "start": start, "end": round(max(clock, start + 0.5), 1)}
            )
            clock = max(clock, start + 0.5)
        return out


_HOLD_MARKERS = tuple(h for tier in HOLD for h in tier)
NON_ANSWER_VOICE: dict[str, Voice] = {
    "deflect": DEFLECT,
    "on_topic": ON_TOPIC,
    "question_back": QUESTION_BACK,
    "empty_promise": EMPTY_PROMISE,
    "policy": POLICY,
}


def _decap(sentence: str) -> str:
    """Lower-case the first letter when a sentence continues another (not for I, names)."""
    first = sentence.split(" ", 1)[0].rstrip(",.!?;:")
    if not first or first in KEEP_CAPITAL or any(ch.isdigit() for ch in first):
        return sentence
    return sentence[0].lower() + sentence[1:]


def choose_questions(rng: random.Random, reason: str) -> list[Question]:
    """1-3 distinct questions: the reason's main one first, then reason or generic ones."""
    pool = REASONS[reason].questions
    n = _weighted(rng, [("1", 0.3), ("2", 0.45), ("3", 0.25)])
    # The opening states the problem that the reason's first question asks about ("I still
    # haven't had my refund" -> "Where is my refund?"), so that question always comes first:
    # a need the customer states is a need a rater counts, and the truth must track it.
    chosen = [pool[0]]
    rest = [q for q in pool if q not in chosen] + list(GENERIC_QUESTIONS)
    while len(chosen) < int(n):
        weights = [3.0 if q in pool else 1.0 for q in rest]
        pick = rng.choices(rest, weights=weights, k=1)[0]
        rest.remove(pick)
        chosen.append(pick)
    return chosen


# --------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def rubric_rows(rng: random.Random, calls: Sequence[Call], ids: Sequence[str]) -> list[list]:
    """QA rubric scores: weighted traits + evaluator leniency + evaluator noise."""
    evaluators = list(EVALUATORS)
    workload = [EVALUATORS[e][2] for e in evaluators]
    w = RUBRIC_WEIGHTS
    rows = []
    for call, call_id in zip(calls, ids, strict=True):
        t = call.plan.traits
        base = (
            w["intercept"]
            + w["A"] * call.answer_credit
            + w["P"] * t["connection"]
            + w["B"] * t["brand"]
            + w["F"] * t["filler"]
        )
        first = rng.choices(evaluators, weights=workload, k=1)[0]
        chosen = [first]
        if rng.random() < DOUBLE_SCORED_SHARE:
            others = [e for e in evaluators if e != first]
            chosen.append(rng.choices(others, weights=[EVALUATORS[e][2] for e in others])[0])
        for evaluator in sorted(chosen):
            bias, sd, _ = EVALUATORS[evaluator]
            score = min(100, max(0, round(base + bias + rng.gauss(0.0, sd))))
            rows.append([call_id, evaluator, score])
    return rows


def satisfaction(call: Call) -> float:
    t, w = call.plan.traits, SURVEY_WEIGHTS
    return w["A"] * call.answer_credit + w["P"] * t["connection"] + w["B"] * t["brand"] + w["F"] * t["filler"]


def survey_rows(
    rng: random.Random, calls: Sequence[Call], ids: Sequence[str]
) -> tuple[list[list], dict[str, bool]]:
    """Post-contact surveys: who responds, their 0-100 rating and a consistent comment."""
    responders: list[tuple[int, int]] = []  # (call index, rating out of 10)
    for index, call in enumerate(calls):
        s = satisfaction(call)
        if rng.random() < _sigmoid(RESPONSE_INTERCEPT + RESPONSE_SLOPE * (s - RESPONSE_CENTRE)):
            raw = 1.0 + 10.0 * s + rng.gauss(0.0, SURVEY_NOISE_SD)
            responders.append((index, int(min(10, max(0, round(raw))))))
    # False reads: a polite, pleasant call that did not answer the question, rated highly.
    pool = [(i, r) for i, r in responders if calls[i].answer_credit <= 0.5]
    n_false = min(len(pool), round(FALSE_READ_SHARE * len(responders)))
    keys = sorted(
        pool,
        key=lambda ir: (
            -(
                rng.random()
                ** (1.0 / (0.05 + calls[ir[0]].plan.traits["connection"] + calls[ir[0]].plan.traits["brand"]))
            )
        ),
    )
    false_reads = {i for i, _ in keys[:n_false]}
    rows, flags = [], {}
    for index, rating in responders:
        call = calls[index]
        if index in false_reads:
            rating = rng.choice([8, 9, 10])
        comment = _comment(rng, call, rating, index in false_reads)
        delay = timedelta(minutes=min(4320.0, 2.0 + rng.expovariate(1.0 / 360.0)))
        responded = (call.plan.started_at + delay).replace(microsecond=0)
        rows.append([ids[index], rating * 10, comment, responded.isoformat(timespec="seconds")])
        flags[ids[index]] = index in false_reads
    return rows, flags


def _comment(rng: random.Random, call: Call, rating: int, false_read: bool) -> str:
    ctx = {"agent": call.plan.agent.name, "unresolved_cap": REASONS[call.plan.reason].unresolved.capitalize()}
    if false_read:
        return rng.choice(COMMENT_FALSE_READ).format_map(ctx)
    if rng.random() < BLANK_COMMENT_P:
        return ""
    if rating >= 8:
        return rng.choice(COMMENT_HIGH).format_map(ctx)
    if rating >= 5:
        return rng.choice(COMMENT_MID).format_map(ctx)
    t = call.plan.traits
    shortfall = {
        "A": 1.0 - call.answer_credit,
        "P": 1.0 - t["connection"],
        "B": 1.0 - t["brand"],
        "F": t["filler"],
    }
    driver = max(shortfall, key=lambda k: shortfall[k] + rng.gauss(0.0, 0.1))
    return rng.choice(COMMENT_LOW[driver]).format_map(ctx)


# --------------------------------------------------------------------------------------
# Orchestration and output
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """All generated tables, as rows ready to write."""

    transcripts: list[dict[str, object]]
    truth: list[list]
    rubric: list[list]
    surveys: list[list]
    outcomes: list[list] | None = None


def repurchase_rows(rng: random.Random, calls: Sequence[Call], ids: Sequence[str]) -> list[list]:
    """One repurchase outcome per call, from its answer credit and filler (see the constants)."""
    rows = []
    for call, call_id in zip(calls, ids, strict=True):
        logit = (
            REPURCHASE_INTERCEPT
            + REPURCHASE_ANSWER * (call.answer_credit - 0.5)
            + REPURCHASE_FILLER * (call.plan.traits["filler"] - 0.3)
        )
        rows.append([call_id, int(rng.random() < _sigmoid(logit))])
    return rows


def generate(n: int, seed: int, *, workshop: Workshop | None = None, repurchase: bool = False) -> Sample:
    """Generate ``n`` calls and their labels; the same ``(n, seed)`` gives the same sample.

    Separate random streams drive the world (agents), the calls and each label table, so
    that changing, say, the survey model does not change a word of the transcripts.
    ``workshop`` plants a workshop effect (it changes the treated team's calls from its
    date on); ``repurchase`` adds a repurchase outcome from its own random stream. Both
    are off by default, so the bundled files do not change.
    """
    if n < 1:
        raise ValueError(f"Got n={n}; expected a positive number of transcripts. Pass --n 300.")
    agents = build_agents(random.Random(f"{seed}:agents"))
    rng = random.Random(f"{seed}:calls")
    starts = sorted(draw_start(rng) for _ in range(n))
    calls: list[Call] = []
    for started_at in starts:
        plan = plan_call(rng, agents, started_at, workshop)
        ctx = make_context(rng, plan)
        questions = choose_questions(rng, plan.reason)
        calls.append(Renderer(rng, plan, ctx).render(questions))
    width = max(4, len(str(n)))
    ids = [f"T{i + 1:0{width}d}" for i in range(n)]

    transcripts = [
        {
            "id": call_id,
            "turns": call.turns,
            "agent_id": call.plan.agent.id,
            "team": call.plan.agent.team,
            "queue": call.plan.queue,
            "contact_reason": call.plan.reason,
            "customer_segment": call.plan.segment,
            "channel": call.plan.channel,
            "started_at": call.plan.started_at.isoformat(timespec="seconds"),
            "customer_name": call.plan.customer_name,
        }
        for call, call_id in zip(calls, ids, strict=True)
    ]
    rubric = rubric_rows(random.Random(f"{seed}:rubric"), calls, ids)
    surveys, false_reads = survey_rows(random.Random(f"{seed}:surveys"), calls, ids)
    truth = [
        [
            call_id,
            *(f"{call.plan.traits[t]:.3f}" for t in TRAITS),
            len(call.outcomes),
            sum(o == "full" for _, o in call.outcomes),
            sum(o == "partial" for _, o in call.outcomes),
            sum(o == "skip" for _, o in call.outcomes),
            f"{call.answer_credit:.3f}",
            call.extras,
            ";".join(f"{k}:{o}" for k, o in call.outcomes),
            int(false_reads[call_id]) if call_id in false_reads else "",
            f"{call.connection_acts:.3f}",
        ]
        for call, call_id in zip(calls, ids, strict=True)
    ]
    outcomes = repurchase_rows(random.Random(f"{seed}:repurchase"), calls, ids) if repurchase else None
    return Sample(transcripts=transcripts, truth=truth, rubric=rubric, surveys=surveys, outcomes=outcomes)


TRUTH_HEADER = [
    "transcript_id",
    *TRAITS,
    "n_questions",
    "n_full",
    "n_partial",
    "n_skipped",
    "answer_credit",
    "n_extra_info",
    "question_outcomes",
    "survey_false_read",
    "connection_acts",
]
RUBRIC_HEADER = ["transcript_id", "evaluator_id", "rubric_score"]
SURVEY_HEADER = ["transcript_id", "survey_rating", "survey_comment", "responded_at"]
OUTCOME_HEADER = ["transcript_id", "repurchased"]


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_sample(sample: Sample, out: Path) -> list[Path]:
    """Write the four files (five with outcomes) into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        out / name
        for name in (
            "sample_transcripts.jsonl",
            "sample_rubric.csv",
            "sample_surveys.csv",
            "sample_truth.csv",
        )
    ]
    with paths[0].open("w", encoding="utf-8", newline="\n") as handle:
        for record in sample.transcripts:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    _write_csv(paths[1], RUBRIC_HEADER, sample.rubric)
    _write_csv(paths[2], SURVEY_HEADER, sample.surveys)
    _write_csv(paths[3], TRUTH_HEADER, sample.truth)
    if sample.outcomes is not None:
        paths.append(out / "sample_outcomes.csv")
        _write_csv(paths[-1], OUTCOME_HEADER, sample.outcomes)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder to write the files into (default: this script's folder)",
    )
    parser.add_argument("--n", type=int, default=300, help="number of transcripts (300)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument(
        "--workshop",
        action="store_true",
        help=f"plant a workshop for {WORKSHOP_TEAM} on {WORKSHOP_DATE:%Y-%m-%d} (not in the bundled files)",
    )
    parser.add_argument(
        "--repurchase", action="store_true", help="also write sample_outcomes.csv with a repurchase outcome"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        sample = generate(
            args.n, args.seed, workshop=Workshop() if args.workshop else None, repurchase=args.repurchase
        )
    except ValueError as exc:
        parser.error(str(exc))
    for path in write_sample(sample, args.out):
        logger.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

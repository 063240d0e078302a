"""Write dialogues.jsonl: social-media customer-care threads written for cxnlp (see README.md).

    python benchmarks/data/social/threads.py

Each thread is (id, [(role, text), ...]); "c" is the customer, "a" the company's care account.
Every brand, handle, person, number and product is invented.
"""

from __future__ import annotations

import json
from pathlib import Path

THREADS: list[tuple[str, list[tuple[str, str]]]] = [
    ("sm-001", [
        ("c", "@NorthwindHelp my parcel says delivered but there's nothing at my door or with the neighbours. Order placed on the 3rd."),
        ("a", "@jen_parks Hi Jen, that's not what we want to hear. Can you DM us the order number and your postcode so we can open a trace with the courier? ^RK"),
        ("c", "Sent. Thanks for the quick reply."),
        ("a", "Got it, thanks Jen. The trace is open and you'll hear from us within 48 hours. ^RK"),
    ]),
    ("sm-002", [
        ("c", "Three hours on hold with @ZephyrMobile and still no one has answered. Is anyone actually working today? #fail"),
        ("a", "We're sorry about the wait. Our phone lines are very busy after this morning's outage. Send us a private message with your number and we'll call you back."),
        ("c", "Done. Not holding my breath."),
    ]),
    ("sm-003", [
        ("c", "Love the new playlist feature @Tunebox, finally I can sort by mood!"),
        ("a", "Thanks so much! The team worked hard on that one, glad you're enjoying it."),
    ]),
    ("sm-004", [
        ("c", "@AcornBank Support why was my card declined at the supermarket when I have money in the account??"),
        ("a", "Hi Priya, sorry for the trouble at the till. For your security we can't discuss account details here. Could you please message us privately with your full name and the last four digits of the card?"),
        ("c", "messaged you"),
        ("a", "Thanks Priya, we've replied in your messages. A fraud check blocked the payment; it has now been cleared and the card works again."),
        ("c", "ok that's a relief, thanks"),
    ]),
    ("sm-005", [
        ("c", "hey @SkylarkAir my flight SK482 got cancelled and the app won't let me rebook. what do I do"),
        ("a", "@tomv_travels Hi Tom, really sorry about the cancellation. Please tap Manage Booking, then Change Flight; if the button is greyed out, DM us your booking reference and we'll rebook you by hand. -Mia"),
        ("c", "greyed out. DMing now"),
        ("a", "Thanks Tom, you're on SK486 tomorrow at 09:10. A new boarding pass is in your email. Safe travels! -Mia"),
    ]),
    ("sm-006", [
        ("c", "Ordered a blue sofa from @HarbourHome, a grey one turned up. Two weeks of emails and nobody replies. @HarbourHome Customer Care are you even reading these?"),
        ("a", "Hi Alan, we apologise for the mix-up and for the slow replies. We'd like to put this right: please send us a direct message with your order number and a photo of the label on the sofa."),
        ("c", "Photo sent. I want the right one, not a refund."),
        ("a", "Understood. We've booked a swap: the blue sofa arrives Thursday and the driver collects the grey one at the same time."),
    ]),
    ("sm-007", [
        ("c", "@PixelforgeSupport the game crashes every time I open the map on level 4. PC, latest drivers."),
        ("a", "@darkmoth77 Thanks for letting us know! Could you tell us your graphics card model and whether you're playing in DirectX 11 or 12?"),
        ("c", "RTX 3060, DX12"),
        ("a", "Thanks. That's a known issue with DX12 on that card; switching to DX11 in Settings > Graphics avoids it until the patch next week."),
        ("c", "switched, works now. cheers"),
    ]),
    ("sm-008", [
        ("c", "Why does @BrightGrid Energy keep raising my direct debit without asking? 40 quid more this month."),
        ("a", "Hi Sophie, we understand how frustrating an unexpected increase is. Payments are reviewed every six months against your meter readings. If you DM us a recent reading, we'll check whether the new amount is right."),
    ]),
    ("sm-009", [
        ("c", "Shoutout to @MapleCoffee on Elm Street, the barista remembered my order after one visit. Made my morning."),
        ("a", "That's lovely to hear! We'll pass your kind words on to the Elm Street team."),
        ("c", "Please do!"),
    ]),
    ("sm-010", [
        ("c", "@Quickcart my refund was approved 10 days ago and it's still not in my account. How long does this take?"),
        ("a", "@lina_m Hi Lina, refunds usually show within 5 to 7 working days, depending on your bank. Could you DM us the order number so we can check the refund reference for you?"),
        ("c", "It's in your DMs"),
        ("a", "Thanks Lina. The refund left us on the 2nd with reference RF-20391. Your bank can trace it with that reference."),
    ]),
    ("sm-011", [
        ("c", "Internet down again in Riverside. Third time this week @LumenFibre. I work from home, this is costing me money."),
        ("a", "We're sorry, there is a fault on a street cabinet in Riverside and engineers are on site now. We expect service back by 3pm."),
        ("c", "And compensation?"),
        ("a", "Yes, you'll get automatic credit for each full day without service. It will appear on your next bill."),
    ]),
    ("sm-012", [
        ("c", "@Tunebox Help how do I move my playlists to a new phone?"),
        ("a", "Hi Marco! Just sign in with the same account on the new phone and your playlists will sync within a few minutes. Downloads need to be downloaded again."),
        ("c", "Easy, thanks!"),
    ]),
    ("sm-013", [
        ("c", "Dear @CitrusRail, the 07:42 was 25 minutes late again and the toilets were locked. Every single day."),
        ("a", "Morning Dan, sorry about this morning's delay, it was caused by a signal failure outside Holt. You can claim Delay Repay for journeys over 15 minutes late on our website. ^EB"),
        ("c", "I'll claim, but fix the signals."),
        ("a", "Network Rail are replacing that signal this weekend, so it should be more reliable from Monday. ^EB"),
    ]),
    ("sm-014", [
        ("c", "@OrbitStream why is everything buffering tonight? Paying for 4K and getting potato quality"),
        ("a", "@kev_on_couch Sorry Kev! Are you watching on a TV app or in a browser, and does it happen on every title?"),
        ("c", "TV app, everything"),
        ("a", "Thanks. Try signing out and back in on the TV app; that clears a bad cache we've seen since yesterday's update. Let us know if it's still buffering."),
        ("c", "that fixed it, weird"),
    ]),
    ("sm-015", [
        ("c", "Hi @GreenleafGrocer, can I change the delivery slot on an order that's already been picked?"),
        ("a", "Hi Grace, once an order is picked the slot can't be moved, sorry. You can cancel it without charge up to 2 hours before the slot and book a new one."),
    ]),
    ("sm-016", [
        ("c", "@ZephyrMobile Customer Service I was charged roaming in France even though my plan includes EU roaming!!"),
        ("a", "Hi Oliver, sorry to see this. Roaming in France is included on your plan, so those charges shouldn't be there. Please send us a private message with your account number and we'll look into it."),
        ("c", "Sent it"),
        ("a", "Thanks Oliver. The charges were applied in error and we've refunded 23.50 to your account. We're sorry for the hassle."),
        ("c", "Appreciated."),
    ]),
    ("sm-017", [
        ("c", "@NimbusCloud Support my files aren't syncing since the update, the icon just spins."),
        ("a", "@ana_codes Sorry about that, Ana. Which version are you on? You'll find it under Preferences > About."),
        ("c", "4.12.1 on Mac"),
        ("a", "Thanks. 4.12.2 came out this morning and fixes that sync loop. Please update and restart the app."),
    ]),
    ("sm-018", [
        ("c", "Still waiting for the engineer @LumenFibre promised for Tuesday. It's Friday."),
        ("a", "Hi Raj, we apologise that the engineer didn't arrive. Can you DM us your account number so we can see what happened and rebook?"),
        ("c", "done"),
        ("a", "Thanks Raj. The booking was lost when the team's schedule changed. An engineer is now booked for Monday between 8 and 12, and we've added a missed-appointment credit to your account."),
    ]),
    ("sm-019", [
        ("c", "@Quickcart Help the app keeps logging me out"),
        ("a", "Hi there! Sorry for the bother. Are you on Android or iPhone?"),
        ("c", "Android"),
        ("a", "Thanks. Please update to the latest version from the Play Store; the logout bug was fixed there."),
    ]),
    ("sm-020", [
        ("c", "Booked a table at @SaffronHouse for 8 and waited 40 minutes to be seated. Not impressed."),
        ("a", "We're really sorry your evening started that way, Helen. That's not the welcome we want to give. We'd love to invite you back as our guest; please message us your email and we'll arrange it."),
        ("c", "That's kind. Messaged."),
    ]),
    ("sm-021", [
        ("c", "@HarbourHome does the oak table come in a smaller size?"),
        ("a", "Hi Jo! It comes in 160 cm and 200 cm; the 160 cm seats four comfortably."),
        ("c", "Perfect, ordering the 160"),
        ("a", "Great choice, enjoy it!"),
    ]),
    ("sm-022", [
        ("c", "So @AcornBank closes my local branch and now the app is down too. Where exactly am I supposed to bank?"),
        ("a", "Hi Peter, sorry the app is unavailable. Our technical team is working on it and we'll post an update here as soon as it's back. Card payments and cash machines are working normally."),
        ("c", "Great. Very reassuring."),
    ]),
    ("sm-023", [
        ("c", "@SkylarkAir Support my bag didn't arrive in Lisbon. Tag number SK-55812."),
        ("a", "@bea_rocha Hi Bea, sorry your bag didn't make it. It's been located in Madrid and will be on tonight's flight. The courier will bring it to your hotel tomorrow morning. -Luis"),
        ("c", "Thank you so much, I thought it was gone for good"),
    ]),
    ("sm-024", [
        ("c", "Seriously @BrightGrid you sent me a bill for a flat I moved out of in March"),
        ("a", "Hi Ken, sorry about the confusion. Can you send us a private message with the account number on the bill and your move-out date? We'll close the account from that date."),
        ("c", "Sent, move-out was 14 March"),
        ("a", "Thanks Ken, the account is now closed from 14 March and the bill has been cancelled. You'll get a final statement showing zero to pay."),
    ]),
    ("sm-025", [
        ("c", "@PixelforgeSupport I bought the season pass and the bonus skins aren't showing up"),
        ("a", "Hi! Skins from the season pass unlock when you next restart the game. If they still don't appear, please send us your player ID and the platform you bought it on."),
        ("c", "restarted and they're there, thx"),
    ]),
    ("sm-026", [
        ("c", "@OrbitStream will the new season of Harbour Lights be on in my country?"),
        ("a", "Hi Sam, the new season arrives on 12 May in all regions where the first season was available."),
    ]),
    ("sm-027", [
        ("c", "Two weeks and my glasses still haven't arrived. @ClearView Opticians customer service this is ridiculous."),
        ("a", "Hi Nadia, we're sorry for the delay. Your lenses needed a special coating which takes longer, but we should have told you. They've now been dispatched and will arrive tomorrow."),
        ("c", "OK. A message would have been nice."),
        ("a", "You're right, and we've shared this with the store so customers are kept updated in future."),
    ]),
    ("sm-028", [
        ("c", "@NimbusCloud can I get a student discount?"),
        ("a", "@harry_studies Hi Harry! Yes, students get 50% off the Plus plan. Sign up with your university email and the discount is applied automatically."),
        ("c", "nice one"),
    ]),
    ("sm-029", [
        ("c", "@CitrusRail Help there's no heating in coach C on the 17:15 to Holt, it's freezing"),
        ("a", "Sorry about that, Amy. We've let the guard know and they'll check the heating at the next stop. There should be free seats in coach D if you'd like to move."),
        ("c", "moved, much better"),
    ]),
    ("sm-030", [
        ("c", "I've asked @Quickcart three times to stop texting me offers. Unsubscribe does nothing."),
        ("a", "Hi Beth, we're sorry the messages kept coming. If you DM us the mobile number, we'll remove it from all marketing lists today."),
        ("c", "Sent"),
        ("a", "Done, Beth. You might get one more message already scheduled, but nothing after that."),
    ]),
    ("sm-031", [
        ("c", "@MapleCoffee are your oat milk lattes vegan? The syrup too?"),
        ("a", "Hi Leo! The oat milk and all our classic syrups are vegan. The seasonal caramel contains butter, so avoid that one."),
        ("c", "good to know, thanks"),
    ]),
    ("sm-032", [
        ("c", "@ZephyrMobile no signal at all in Westfield since this morning. Anyone else? #outage"),
        ("a", "@mo_khan Hi Mo, there's a mast fault in Westfield and engineers are fixing it now. We expect signal back by 6pm. Sorry for the disruption."),
        ("c", "ok thanks for the update"),
        ("a", "No problem. We'll post here once it's fixed."),
    ]),
    ("sm-033", [
        ("c", "@GreenleafGrocer Support half my delivery was substitutions I didn't agree to. Why offer the option if you ignore it?"),
        ("a", "Hi Claire, sorry about the substitutions. Can you message us the order number? We'll refund the items you didn't want."),
        ("c", "messaged"),
        ("a", "Thanks Claire. We've refunded the five substituted items, 18.40 in total, to your card. We've also passed this on to the store."),
    ]),
    ("sm-034", [
        ("c", "Thank you @SkylarkAir crew on SK219 for looking after my nervous 8 year old flying alone."),
        ("a", "What a lovely message, thank you! We'll make sure the crew of SK219 see it."),
    ]),
    ("sm-035", [
        ("c", "@LumenFibre Customer Care when does my contract end? Can't find it anywhere in the app."),
        ("a", "Hi Tariq! You'll find it under Account > My Plan in the app. If it isn't showing, DM us your account number and we'll tell you."),
        ("c", "found it, ends in June"),
    ]),
    ("sm-036", [
        ("c", "@HarbourHome the assembly instructions for the wardrobe are missing page 3. Help"),
        ("a", "@dave_diy Hi Dave! You can download the full instructions from the product page under Documents. Sorry the page was missing."),
        ("c", "Got it, cheers"),
    ]),
    ("sm-037", [
        ("c", "Card payment taken twice by @SaffronHouse for the same meal. @SaffronHouse Team please sort this."),
        ("a", "Hi Omar, sorry about that. A second authorisation can show for a few days but shouldn't be taken. Could you DM us the date, the amount and the last four digits of the card?"),
        ("c", "Sent you a message"),
        ("a", "Thanks Omar. We've checked and the second payment was taken in error; the refund has been issued and should be with you in 3 to 5 days."),
    ]),
    ("sm-038", [
        ("c", "@OrbitStream Help I cancelled my subscription but got charged again today"),
        ("a", "Hi Eva, sorry to hear that. Can you send us a private message with the email on the account? We'll check when the cancellation went through."),
        ("c", "sent"),
        ("a", "Thanks Eva. The cancellation was made a day after renewal, so this month was charged. As a one-off we've refunded it in full."),
        ("c", "thank you!"),
    ]),
    ("sm-039", [
        ("c", "@AcornBank how long does a transfer to a new payee take?"),
        ("a", "Hi Chris, most transfers arrive within two hours. A first payment to a new payee can be held for up to 24 hours for security checks."),
    ]),
    ("sm-040", [
        ("c", "@Tunebox my family plan has an extra member I didn't add. Hacked??"),
        ("a", "@wendy_r Hi Wendy, please change your password right away and turn on two-step sign-in. Then DM us the email of the member you don't recognise and we'll remove them."),
        ("c", "done both, messaged you"),
        ("a", "Thanks Wendy. We've removed that member and signed out all devices. Your account is secure now."),
    ]),
    ("sm-041", [
        ("c", "Why does @CitrusRail charge more for a ticket on the app than at the station machine?"),
        ("a", "Hi Fran, the prices should match. Could you send us a screenshot of both prices and the journey? We'll look into it."),
        ("c", "screenshot in your DMs"),
        ("a", "Thanks Fran. The app was showing a flexible fare first; the cheaper advance fare is further down the list. We've passed on your feedback to make that clearer."),
    ]),
    ("sm-042", [
        ("c", "@ClearView do you do eye tests on Sundays?"),
        ("a", "Hi Ruth! Our city centre and Westgate stores test on Sundays from 10 to 4. You can book online."),
        ("c", "brilliant"),
    ]),
    ("sm-043", [
        ("c", "@PixelforgeSupport @Pixelforge banned for 'cheating' when I've never cheated in my life. I want this reviewed."),
        ("a", "Hi Jay, we understand how upsetting this is. Please submit an appeal through the support site with your player ID and we'll review the ban within 5 working days."),
        ("c", "appeal submitted. ID PF-88213"),
        ("a", "Thanks Jay. We've received it and you'll get an email with the outcome."),
    ]),
    ("sm-044", [
        ("c", "@BrightGrid Support my smart meter screen has been blank for a week"),
        ("a", "Hi Ivy, sorry about that. Please try unplugging the in-home display for 30 seconds and plugging it back in. If it's still blank, let us know and we'll send a replacement."),
        ("c", "still blank"),
        ("a", "Thanks for trying, Ivy. A replacement display is on its way and should arrive in 3 to 5 days."),
    ]),
    ("sm-045", [
        ("c", "@NorthwindHelp can I change the delivery address after the parcel has been sent?"),
        ("a", "Hi Sara! Yes, use the Change Delivery link in your tracking email, up to 10pm the day before delivery."),
    ]),
    ("sm-046", [
        ("c", "Been a customer of @ZephyrMobile for 9 years and new customers get a better deal than me. Loyalty means nothing."),
        ("a", "Hi Gary, thanks for being with us so long. We'd like to look at your plan. Can you DM us your number? We'll see what we can offer."),
        ("c", "DMd"),
        ("a", "Thanks Gary. We can move you to the same plan new customers get, 15 a month with double the data, with no new contract. Shall we go ahead?"),
        ("c", "Yes please"),
    ]),
    ("sm-047", [
        ("c", "Ordered groceries for 7pm, it's 9pm and nothing. @GreenleafGrocer"),
        ("a", "@kate_b Hi Kate, sorry, the van broke down and your delivery is running late. It will reach you by 9:45 and we've refunded the delivery charge."),
        ("c", "ok"),
    ]),
    ("sm-048", [
        ("c", "@NimbusCloud Help where do deleted files go? I need one back from last week"),
        ("a", "Hi Ben, deleted files stay in the Bin for 30 days. Open the web app, choose Bin on the left, select the file and click Restore."),
        ("c", "got it back, lifesaver"),
        ("a", "Glad to hear it!"),
    ]),
]

ROLE = {"c": "customer", "a": "agent"}


def main() -> None:
    out = Path(__file__).with_name("dialogues.jsonl")
    lines = [
        json.dumps(
            {"id": thread_id, "channel": "social", "turns": [{"speaker": ROLE[r], "text": t} for r, t in turns]},
            ensure_ascii=False,
        )
        for thread_id, turns in THREADS
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""A request for a person anywhere in a message hands the conversation over."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.account_security import AccountSecurity
from bot.nlu.person_request import PersonRequest, asks_for_person


@pytest.mark.parametrize(
    "text",
    [
        "let me talk to a real person",
        "my parcel is a week late and nobody answers emails. can I speak to someone please",
        "HUMAN PLEASE",
        "can you put me through to a manager",
        "i want to chat with customer service",
        "is there an actual human I can speak with?",
        "connect me to an agent",
        "i don't have the number, just pass me on to a human who can look it up",
        "still no refund after five weeks. I want a manager.",
        "i need a person to tell me what is actually going on",
        "water through the ceiling, SEND SOMEONE",
        "the toaster started sparking and there's a burning smell",
        "my kettle gave me a shock when I touched it",
        "a charge I never made. I need this looked at by a person, not a FAQ.",
        "can someone from your team give me a ring about plumbing in the dishwasher",
        "yes connect me with them",
        "my son choked on a wheel that came off the toy car",
        "that face cream gave me an allergic reaction, my cheeks are swollen",
        "the ladder's hinge gave way and my husband ended up in hospital",
        "we want a bulk order of 200 mugs with our logo, what's your trade price?",
        "I'd like to lodge a formal complaint about how I was treated",
        "my father passed away and I need his account closed",
        "the heater started smoking after ten minutes",
        "charged twice for one order, and no, it's not a pending hold. I want it back",
        "both payments have cleared on my statement, one of them needs refunding",
        "I'd like to dispute the delivery fee you charged me",
    ],
)
def test_person_requests_and_safety_problems_are_recognised(text):
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "the delivery person left it at the wrong door",
        "I don't want to talk to anyone, just tell me where my order is",
        "is this kettle good for a family of four people?",
        "someone stole my parcel from the porch",
        "I need a kettle for my office",
        "can u call me a cab to the train station",
        "the kettle was checked by the courier before he left",
        "how strong is the flame on the camping stove?",
        "is the lapsang souchong smoked over pine?",
        "is this rattle a choking hazard for a baby?",
        "is the dye poisonous to cats?",
        "do the smoke alarms come with batteries?",
        "a jacket for a business trip to Oslo",
        "I twisted my ankle on a run, should I go to the hospital?",
        "recovering from a knee injury, which walking poles would help?",
        "why are there two pending charges on my card for one order?",  # the help pages'
        "is the €280 on my card a temporary hold or did the payment go through?",
    ],
)
def test_other_mentions_of_people_are_not_requests(text):
    assert not asks_for_person(text)


def test_component_keeps_what_the_message_was_about():
    message = Message(
        data={TEXT: "parcel late again, speak to a human now", INTENT: {"name": "order_status"}}
    )
    PersonRequest().process([message])
    assert message.get(INTENT) == {
        "name": "request_human",
        "confidence": 1.0,
        "original": "order_status",
    }


@pytest.mark.parametrize(
    "text",
    [
        "I just got an email from you saying a new phone number was added to my account and "
        "two-step verification was switched off. I did neither of those things",
        "there's an order in my account history for a 75 inch tv. i did NOT place this",
        "a $1,149 payment to Kettle & Volt and I have never bought anything from you",
        "my password was changed and it wasn't me",
        "someone has logged into my account from another country",
        "an order was placed with my saved card without my permission",
    ],
)
def test_activity_the_customer_disowns_is_a_security_case(text):
    message = Message(data={TEXT: text, INTENT: {"name": "login_problem"}})
    AccountSecurity().process([message])
    assert message.get(INTENT)["name"] == "account_security"
    assert message.get(INTENT)["original"] == "login_problem"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I never get the verification SMS when I try to sign in", "login_problem"),
        ("how do I turn on two-step verification?", "ask_knowledge"),
        ("I didn't get my order yet, it's been a week", "order_status"),
        (
            "the parcel had a blue kettle in it, I never ordered that colour",
            "damaged_or_wrong_item",
        ),
        ("I changed my email address, how do I update my account?", "update_account"),
    ],
)
def test_other_account_messages_keep_their_intent(text, intent):
    message = Message(data={TEXT: text, INTENT: {"name": intent}})
    AccountSecurity().process([message])
    assert message.get(INTENT)["name"] == intent

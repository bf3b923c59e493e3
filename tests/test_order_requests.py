"""An order number or a request to send something back outranks an unsure intent guess."""

from __future__ import annotations

import pytest

from bot.nlu.order_requests import order_request
from tests.packs import KV

ORDER_NUMBER = KV.order_numbers.regex


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        (
            "I WANT TO RETURN THESE KETTLES THEY LEAK ALL OVER THE COUNTER, ORDER 100908",
            "nlu_fallback",
        ),
        ("the toaster isnt for me, can it go back?", "nlu_fallback"),
        ("returning the audio-technica headphones - they're wired", "product_question"),
        ("the fan smells of plastic, i want a refund. 103731", "nlu_fallback"),
        (
            "want to return the bose speaker from 101372, how long does the refund take?",
            "refund_status",
        ),
        ("this blender is useless. how do I send it back?", "damaged_or_wrong_item"),
    ],
)
def test_a_request_to_send_something_back_is_a_return(text, guess):
    assert order_request(text, guess, ORDER_NUMBER) == "return_item"


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        (
            "I ordered a sonos soundbar and an echo studio, 102465, where are they at",
            "nlu_fallback",
        ),
        ("need the soundbar before saturday, is 103641 going to make it", "product_availability"),
        ("did my blender + kettles get sent?? ordr #101897", "damaged_or_wrong_item"),
        ("101674 according to my receipt", "nlu_fallback"),
        ("where is 103579 and can I still change the delivery address on it?", "change_address"),
    ],
)
def test_an_order_number_asks_for_that_order(text, guess):
    assert order_request(text, guess, ORDER_NUMBER) == "order_status"


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("do I have to pay for return postage?", "ask_knowledge"),  # the policy, not a return
        ("what is your return window for opened items", "ask_knowledge"),
        ("when will I get my refund?", "refund_status"),
        ("returned it 3 weeks ago and I want my refund", "refund_status"),
        ("can I change the address on 103579?", "change_address"),  # its own question
        ("order 100234 is a week late and I want to speak to a manager", "request_human"),
        ("I never ordered 100234, someone is in my account", "account_security"),
        ("a kettle under 50 please", "recommend_product"),
        ("how do I track my order?", "order_status"),
        ("where's my parcel", "order_status"),
    ],
)
def test_other_messages_keep_their_intent(text, guess):
    assert order_request(text, guess, ORDER_NUMBER) is None


@pytest.mark.parametrize(
    "text",
    [
        "once something ships, how do I follow the package? do you send a tracking link?",
        "will I get a tracking number when things ship?",
        "if I order before noon does it ship the same day?",
        "if we buy it tonight, when would it be delivered to Galway?",
    ],
)
def test_how_tracking_works_is_a_shipping_question_not_a_lookup(text):
    assert order_request(text, "order_status", ORDER_NUMBER) == "shipping_info"

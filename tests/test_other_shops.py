"""Another shop's order is out of scope; comparing with another shop is not."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.other_shops import OtherShops


def _parsed(text: str, intent: str) -> Message:
    return Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.7}})


@pytest.mark.parametrize(
    ("text", "intent", "becomes"),
    [
        ("where is my amazon package, it said tuesday", "order_status", "out_of_scope"),
        ("the ebay seller never refunded me", "refund_status", "out_of_scope"),
        ("my zalando parcel says delivered but nothing came", "order_status", "out_of_scope"),
        ("I ordered a tent from decathlon, where is it", "order_status", "out_of_scope"),
        ("amazon has the kettle cheaper, do you price match?", "ask_knowledge", "ask_knowledge"),
        (
            "walmart is cheaper, can you match the price on order 100234?",
            "order_status",
            "order_status",
        ),
        ("where is my order 100234", "order_status", "order_status"),
    ],
)
def test_orders_from_other_shops_are_declined(text, intent, becomes):
    message = _parsed(text, intent)
    OtherShops().process([message])
    assert message.get(INTENT)["name"] == becomes

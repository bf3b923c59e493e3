"""How angry is a message, and the NLU component that hands furious customers to a person."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.negativity import NegativityEscalation
from bot.nlu.sentiment import STRONGLY_NEGATIVE, is_strongly_negative, negativity


@pytest.mark.parametrize(
    "text",
    [
        "where is my order 100234?",
        "Can I return an opened blender?",
        "hi! thanks so much!",
        "it's a bit disappointing the colour is darker than the photo",
        "My sister's name is Joker",  # 'joke' inside a word is not a joke
    ],
)
def test_calm_messages_stay_with_the_bot(text):
    assert not is_strongly_negative(text)


@pytest.mark.parametrize(
    "text",
    [
        "This is the worst service ever, totally unacceptable",
        "third time I'm asking, you people are useless",
        "WHERE IS MY PARCEL, THIS IS RIDICULOUS!!!",
        "I'm talking to my lawyer about this scam",
    ],
)
def test_furious_messages_are_strongly_negative(text):
    assert negativity(text) >= STRONGLY_NEGATIVE


def test_shouting_and_exclamation_marks_add_up():
    calm = "my parcel was due last week and still has not arrived"
    assert negativity(calm.upper()) == negativity(calm) + 2
    assert negativity(calm + "!!!") == negativity(calm) + 1
    assert negativity("SHORT!") == 0  # too few letters to count as shouting


def _parsed(text: str, intent: str) -> Message:
    return Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.8}})


def test_component_turns_a_furious_message_into_a_complaint_and_keeps_the_original():
    component = NegativityEscalation()
    angry, calm = (
        _parsed("worst shop ever, utterly useless and pathetic", "greet"),
        _parsed("where is my order", "order_status"),
    )
    component.process([angry, calm])
    assert angry.get(INTENT)["name"] == "complaint"
    assert angry.get(INTENT)["original"] == "greet"
    assert angry.get(INTENT)["negativity"] >= STRONGLY_NEGATIVE
    assert calm.get(INTENT) == {"name": "order_status", "confidence": 0.8}


def test_anger_does_not_stop_the_bot_doing_what_was_asked_but_threats_go_to_a_person():
    component = NegativityEscalation()
    late = _parsed("WHERE IS MY ORDER 100234, THIS IS RIDICULOUS!!!", "order_status")
    threat = _parsed("where is my order, I'm calling my lawyer", "order_status")
    component.process([late, threat])
    assert late.get(INTENT)["name"] == "order_status"
    assert threat.get(INTENT)["name"] == "complaint"

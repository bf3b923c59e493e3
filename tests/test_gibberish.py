"""Noise is not a request: it gets the fallback, words of any kind keep their intent."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.gibberish import Gibberish, is_gibberish, shop_words
from tests.packs import TRAILHEAD


@pytest.fixture(scope="module")
def known():
    return shop_words(TRAILHEAD.root)


@pytest.mark.parametrize("text", ["blarg fnord zzyzx", "qwzx plorb vvnt", "asdf jkl qwer"])
def test_letters_without_a_word_are_noise(known, text):
    assert is_gibberish(text, known)


@pytest.mark.parametrize(
    "text",
    [
        "thx",  # one word: the classifier decides
        "lol thx",  # chat shorthand
        "wher is my ordr",  # slips among words
        "TH12128",  # an order number
        "salomon nucleo",  # the shop's own words
        "anna@example.com pls",
        "x" * 5000,
    ],
)
def test_words_of_any_kind_are_not_noise(known, text):
    assert not is_gibberish(text, known)


def test_the_component_keeps_what_the_classifier_said():
    message = Message(data={TEXT: "blarg fnord zzyzx", INTENT: {"name": "out_of_scope"}})
    component = Gibberish()
    component.__dict__["_known"] = frozenset()
    component.process([message])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert message.get(INTENT)["original"] == "out_of_scope"

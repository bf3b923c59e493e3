"""The shop's entity rules in Rasa's pipeline: what earlier extractors found is kept, less
order numbers this shop could not have issued."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entity_ruler import ShopEntityRuler
from tests.packs import TRAILHEAD


@pytest.fixture(scope="module")
def ruler(monkeypatch_module):
    monkeypatch_module.setenv("CSBOT_SHOP", str(TRAILHEAD.root))
    return ShopEntityRuler({})


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def diet(text: str, value: str, entity: str = "order_number") -> Message:
    start = text.index(value)
    found = {"entity": entity, "value": value, "start": start, "end": start + len(value)}
    return Message(data={TEXT: text, ENTITIES: [{**found, "extractor": "DIETClassifier"}]})


def order_numbers(message: Message) -> list[tuple[str, str]]:
    return [
        (e["extractor"], e["value"]) for e in message.get(ENTITIES) if e["entity"] == "order_number"
    ]


def test_a_time_is_not_taken_for_an_order_number(ruler):
    (message,) = ruler.process([diet("An Post says left at the door at 11:40", "11:40")])
    assert order_numbers(message) == []


def test_the_shops_own_order_numbers_are_kept(ruler):
    (message,) = ruler.process([diet("where is TH-10452 please", "TH-10452")])
    assert ("DIETClassifier", "TH-10452") in order_numbers(message)


def test_other_entities_from_earlier_extractors_are_kept(ruler):
    (message,) = ruler.process([diet("a warm jacket for 11:40", "jacket", "product_category")])
    assert any(e["extractor"] == "DIETClassifier" for e in message.get(ENTITIES))


def shop_things(message: Message) -> list[tuple[str, str]]:
    return [
        (e["entity"], e["value"])
        for e in message.get(ENTITIES)
        if e["extractor"] == "DIETClassifier" and e["entity"] in ("product", "product_category")
    ]


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("found mushrooms in the woods, are they safe to eat", "mushrooms", "product_category"),
        ("before we start on the Twelve Bens", "Bens", "product"),
        ("do you do skateboards", "skateboards", "product_category"),
    ],
)
def test_a_product_or_kind_the_shop_has_no_word_for_is_dropped(ruler, text, value, entity):
    """DIET guesses products from many shops' examples; this shop sells none of these."""
    (message,) = ruler.process([diet(text, value, entity)])
    assert shop_things(message) == []


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("The Scarpas are pinching my toes", "Scarpas", "product"),
        ("is the atom warm enough", "atom", "product"),
        ("any fjallraven hoodies", "hoodies", "product_category"),
    ],
)
def test_a_product_or_kind_named_in_the_shops_words_is_kept(ruler, text, value, entity):
    (message,) = ruler.process([diet(text, value, entity)])
    assert shop_things(message) == [(entity, value)]

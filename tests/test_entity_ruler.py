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

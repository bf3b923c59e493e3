"""Rasa entity extractor running the shop's spaCy rules (see `bot.nlu.entity_rules`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entity_rules import ShopEntityRecognizer
from bot.pack.load import load_pack
from bot.pack.locate import pack_dir
from knowledge.catalogue import load_categories, load_products


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ShopEntityRuler(GraphComponent, EntityExtractorMixin):
    """Rules are built from the active shop pack's catalogue (`CSBOT_SHOP`) when the model
    loads, so a catalogue edit or another shop needs no retraining. A path in the component's
    config overrides the pack (tests use it)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"catalogue": None, "categories": None}

    def __init__(self, config: dict[str, Any]) -> None:
        pack = pack_dir()
        catalogue = Path(config.get("catalogue") or pack / "products.csv")
        categories = Path(config.get("categories") or pack / "categories.yml")
        self._order_numbers = load_pack(pack).order_numbers
        self._recognizer = ShopEntityRecognizer(
            load_products(catalogue),
            load_categories(categories),
            order_numbers=self._order_numbers,
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShopEntityRuler:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = [e.as_rasa() for e in self._recognizer.extract(message.get(TEXT) or "")]
            message.set(
                ENTITIES,
                self._plausible(message.get(ENTITIES, [])) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages

    def _plausible(self, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Earlier extractors' entities, less those this shop could not mean: DIET learnt what
        an order number, a product and a kind of product look like from many shops, and "left
        at the door at 11:40" is not one of this shop's orders, nor "mushrooms" one of its
        products."""
        return [e for e in entities if self._could_be_ours(e)]

    def _could_be_ours(self, entity: dict[str, Any]) -> bool:
        value = str(entity.get("value") or "")
        if entity.get("entity") == "order_number":
            return self._order_numbers.read(value) is not None
        if entity.get("entity") in ("product", "product_category"):
            return self._recognizer.knows(value)
        return True

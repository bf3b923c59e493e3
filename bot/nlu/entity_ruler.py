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
from knowledge.catalogue import (
    DEFAULT_CATALOGUE,
    DEFAULT_CATEGORIES,
    load_categories,
    load_products,
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ShopEntityRuler(GraphComponent, EntityExtractorMixin):
    """Rules are built from the catalogue when the model loads, so catalogue edits apply on
    the next start without retraining."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"catalogue": str(DEFAULT_CATALOGUE), "categories": str(DEFAULT_CATEGORIES)}

    def __init__(self, config: dict[str, Any]) -> None:
        products = load_products(Path(config["catalogue"]))
        self._recognizer = ShopEntityRecognizer(
            products, load_categories(Path(config["categories"]))
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
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages

"""Routes a strongly negative message to the `complaint` intent, so a person takes over.

Runs after DIET and the FallbackClassifier; the original ranking is kept.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.sentiment import is_strongly_negative, negativity

ESCALATION_INTENT = "complaint"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NegativityEscalation(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NegativityEscalation:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text and is_strongly_negative(text):
                original = message.get(INTENT) or {}
                message.set(
                    INTENT,
                    {
                        "name": ESCALATION_INTENT,
                        "confidence": 1.0,
                        "negativity": negativity(text),
                        "original": original.get("name"),
                    },
                    add_to_output=True,
                )
        return messages

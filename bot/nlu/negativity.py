"""Routes a strongly negative message to the `complaint` intent, so a person takes over.

An angry customer who asks for something the bot does on the spot (where is my order, a
return, a product) gets it: anger alone does not override those. Threats of legal or
payment action always go to a person. Runs after the intent classifier and the
FallbackClassifier; the original intent is kept beside the new one.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.sentiment import is_strongly_negative, negativity, threatens_action

ESCALATION_INTENT = "complaint"
SERVED_ON_THE_SPOT = {
    "order_status",
    "return_item",
    "recommend_product",
    "compare_products",
    "product_question",
    "product_availability",
    "request_human",
}


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
            name = (message.get(INTENT) or {}).get("name")
            angry = is_strongly_negative(text) and name not in SERVED_ON_THE_SPOT
            if text and name != ESCALATION_INTENT and (angry or threatens_action(text)):
                message.set(
                    INTENT,
                    {
                        "name": ESCALATION_INTENT,
                        "confidence": 1.0,
                        "negativity": negativity(text),
                        "original": name,
                    },
                    add_to_output=True,
                )
        return messages

"""Routes a strongly negative message to the `complaint` intent, so a person takes over.

An angry customer who asks for something the bot does on the spot (where is my order, a
return, a product) gets it: anger alone does not override those. Threats of legal or
payment action always go to a person. Runs after the intent classifier and the
FallbackClassifier; the original intent is kept beside the new one.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot import intents
from bot.nlu.intent_override import IntentOverride
from bot.nlu.sentiment import is_strongly_negative, negativity, threatens_action

ESCALATION_INTENT = intents.COMPLAINT
SERVED_ON_THE_SPOT = {
    intents.ORDER_STATUS,
    intents.RETURN_ITEM,
    "recommend_product",
    "compare_products",
    "product_question",
    "product_availability",
    intents.REQUEST_HUMAN,
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NegativityEscalation(IntentOverride):
    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        angry = is_strongly_negative(text) and intent not in SERVED_ON_THE_SPOT
        if intent != ESCALATION_INTENT and (angry or threatens_action(text)):
            return {"name": ESCALATION_INTENT, "negativity": negativity(text)}
        return None

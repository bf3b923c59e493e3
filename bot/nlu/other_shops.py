"""An order, parcel or refund from another shop is out of scope, not an order lookup.

"where is my amazon package" reads like `order_status`; starting this shop's order lookup
for it would ask for an order number the customer cannot have. When a transactional intent
names another retailer as where the order came from, the message becomes `out_of_scope` (the
original intent is kept). Comparisons with other shops ("Amazon has it cheaper, do you price
match?") are questions for us and stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot import intents
from bot.nlu.intent_override import IntentOverride

OUT_OF_SCOPE = intents.OUT_OF_SCOPE
ABOUT_AN_ORDER = {
    intents.ORDER_STATUS,
    intents.RETURN_ITEM,
    "refund_status",
    "billing_problem",
    "cancel_order",
}
OTHER_SHOP = re.compile(
    r"\b(?:amazon|ebay|walmart|target|best ?buy|etsy|aliexpress|temu|shein|costco|"
    r"home depot|ikea|argos|currys|john lewis|spotify|netflix|zalando|asos|decathlon|"
    r"sports direct|jd sports|tesco|lidl|aldi|media ?markt|fnac|otto|bol\.com|allegro)\b",
    re.IGNORECASE,
)
PRICE_TALK = re.compile(r"\b(?:price ?match|cheaper|beat|match the price)\b", re.IGNORECASE)


def from_another_shop(text: str) -> bool:
    return bool(OTHER_SHOP.search(text)) and not PRICE_TALK.search(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherShops(IntentOverride):
    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        if intent in ABOUT_AN_ORDER and from_another_shop(text):
            return {"name": OUT_OF_SCOPE}
        return None

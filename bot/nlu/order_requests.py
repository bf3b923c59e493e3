"""A message that gives an order number, or asks to send something back, is an order request.

"I ordered a sonos soundbar and an echo studio, 102465, where are they at" names products,
so the intent classifier hesitates between a product question and the order status; "the
bambino plus isnt for me, can it go back?" spreads over returns, complaints and policies.
Customers who give their order number want that order looked at, and customers who say
they are sending something back want a return: these cues override an unsure or
product-minded guess. Questions about the return policy ("do I pay for return postage?")
carry no request to send something back and keep their intent.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from bot import intents
from bot.nlu.intent_override import IntentOverride
from bot.pack.load import load_pack
from bot.pack.locate import pack_dir

RETURN_INTENT, STATUS_INTENT = intents.RETURN_ITEM, intents.ORDER_STATUS
_ITEM = r"(?:it|them|this|these|that|those|the \w+(?: \w+)?|my \w+(?: \w+)?)"
SENDING_BACK = re.compile(
    r"\b(?:"
    rf"(?:want|wanna|like|need|going|trying|how (?:do|can) i|can i|could i) (?:to )?"
    rf"(?:return|send back|get a refund for) {_ITEM}"
    rf"|(?:send|sending|take|taking|ship|shipping) {_ITEM} back"
    r"|(?:can|could) (?:it|they|this|these) (?:go|be sent) back"
    r"|returning (?:it|them|this|these|the|my)\b"
    r"|(?:want|like|need) (?:a refund|my money back)"  # "I want my refund" asks after one
    r"|i want to return\b|i'?d like to return\b|return (?:it|them|these|this)\b"
    r")",
    re.IGNORECASE,
)
# Guesses that an order number or a return request outranks.
UNSURE = {
    intents.FALLBACK,
    intents.INFORM,
    "product_question",
    "product_availability",
    "compare_products",
    "recommend_product",
    "damaged_or_wrong_item",
    "refund_status",
    "shipping_info",
    "ask_knowledge",
    "request_invoice",
    "billing_problem",
}
# These keep their intent: the order number is context for what they ask.
STATUS_WORDS = re.compile(
    r"\b(?:where|status|track|tracking|shipped|sent|dispatched|arriv\w*|coming|come|"
    r"deliver\w*|update|happened|make it|eta|when will)\b",
    re.IGNORECASE,
)


# "where is 103579 and can I still change the address?": the status first, the rest after it.
STATUS_FIRST = re.compile(
    r"^\W*(?:(?:hi|hello|hey)\b\W*)?(?:where(?:'s| is| are)|what'?s the status of|"
    r"status (?:of|on|for)|any (?:news|update) on|track)\b",
    re.IGNORECASE,
)
# "once something ships, how do I follow the package?" asks how tracking works, about no
# order of theirs: the shipping FAQs answer it.
# "if I order by 3pm will it go out today?" asks about an order not yet placed: the same.
HOW_IT_WORKS = re.compile(
    r"\b(?:how (?:do|does|can|will|would) (?:i|you|it|one)|do you (?:send|give|email|text)|"
    r"will i (?:get|receive)|if (?:i|we) (?:order|buy|pay|place an order|check ?out))\b",
    re.IGNORECASE,
)
THEIR_ORDER = re.compile(
    r"\bmy (?:order|parcel|package|delivery|stuff|items?|\w+ order)s?\b|\bi (?:ordered|bought)\b",
    re.IGNORECASE,
)
SHIPPING_INTENT = "shipping_info"


def order_request(text: str, intent: str | None, order_number: re.Pattern[str]) -> str | None:
    """The order intent the cues in `text` call for, or None to keep `intent`.
    `order_number` is the shop's order-number pattern (from its pack)."""
    numbered = order_number.search(text)
    status_first = numbered and STATUS_FIRST.match(text)
    if status_first and intent not in (STATUS_INTENT, intents.REQUEST_HUMAN):
        return STATUS_INTENT
    if intent == STATUS_INTENT and not numbered:
        general = HOW_IT_WORKS.search(text) and not THEIR_ORDER.search(text)
        return SHIPPING_INTENT if general else None
    if intent not in UNSURE:
        return None
    if SENDING_BACK.search(text):
        return RETURN_INTENT
    if numbered and (intent == intents.FALLBACK or STATUS_WORDS.search(text)):
        return STATUS_INTENT
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OrderRequests(IntentOverride):
    def __init__(self) -> None:
        self._order_number = load_pack(pack_dir()).order_numbers.regex

    def override(self, text: str, intent: str | None) -> dict[str, Any] | None:
        new = order_request(text, intent, self._order_number)
        return {"name": new} if new else None

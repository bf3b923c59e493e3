"""A detail given outside any form: "the smeg fab28", "I need new walking boots", an email.

The intent model reads a short message that names something as `inform`, the reply to a
question the bot asked. With no form asking, nothing says what to do with it, and the
dialogue model would improvise ("You're welcome!"). It is read for what it names instead:
a product is looked up, a kind of product is recommended, an order number or an email
starts the order lookup (which takes both from the conversation), and anything else is
what the fallback is for.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# Where each kind of detail leads, in this order.
ROUTES = (
    ("product", "action_product_info"),
    ("order_number", "order_lookup_form"),
    ("email", "order_lookup_form"),
    ("product_category", "action_recommend_products"),
)
OTHERWISE = "action_fallback_suggest"


def route(entities: list[dict]) -> str:
    """The action for a detail naming `entities` (Rasa's entity dicts)."""
    named = {e.get("entity") for e in entities}
    return next((action for entity, action in ROUTES if entity in named), OTHERWISE)


class ActionReadDetail(Action):
    def name(self) -> str:
        return "action_read_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [FollowupAction(route(tracker.latest_message.get("entities") or []))]

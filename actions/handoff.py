"""Requests for a person: record them and tell the customer honestly what happens next."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import default_shop
from bot.shop import Shop

REASONS = {"complaint": "complaint", "nlu_fallback": "bot_failed"}


class ActionRequestHuman(Action):
    def __init__(self, shop: Shop | None = None) -> None:
        self._shop = shop

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        shop = self._shop or default_shop()
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        ticket = shop.handoffs.request(
            tracker.sender_id,
            REASONS.get(intent, "customer_request"),
            tracker.latest_message.get("text"),
        )
        already = "" if ticket.is_new else " already"
        dispatcher.utter_message(
            text=f"I've{already} passed your conversation to our support team - your reference "
            f"is {ticket.reference}. A member of the team will follow up within one business "
            "day (Mon-Fri, 8am-8pm ET); live chat with an agent isn't available here yet. "
            "Until then, I'm happy to keep helping."
        )
        return []

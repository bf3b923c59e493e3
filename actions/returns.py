"""Return request form: verified order -> item -> reason -> return authorisation (RMA)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import UsesDeps
from actions.orders import VerifiedOrderValidation, verified_order
from bot.pack.formats import ShopFormat
from bot.shop.orders import OrderView
from bot.shop.returns import ReturnRefused, match_item

RETURN_REASONS = (
    "Arrived damaged",
    "Wrong item sent",
    "Doesn't work properly",
    "No longer needed",
    "Not as described",
)
FORM_SLOTS = ("order_number", "verified_order", "return_item", "return_reason")


class ValidateReturnForm(VerifiedOrderValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_return_form"

    async def on_verified(
        self, order: OrderView, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        try:
            await self.call(lambda d: d.services.returns.returnable_items(order))
        except ReturnRefused as refused:
            dispatcher.utter_message(
                text=f"{refused} If you meant another order, tell me its number - or say "
                '"stop" to leave returns.'
            )
            return {"order_number": None, "verified_order": None}
        return {}

    async def validate_return_item(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        order = await verified_order(self, tracker)
        if order is None:
            return {"return_item": None}
        items = await self.call(lambda d: d.services.returns.returnable_items(order))
        item = match_item(items, str(value or ""))
        if item is None:
            dispatcher.utter_message(text="Sorry, I couldn't tell which item you mean.")
            return {"return_item": None}
        return {"return_item": item.name}

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = str(value or "").strip()
        if len(reason) < 3:
            dispatcher.utter_message(text="Could you tell me a little more about the reason?")
            return {"return_reason": None}
        return {"return_reason": reason}


class ActionAskReturnItem(UsesDeps, Action):
    """Offer the order's returnable items as buttons."""

    def name(self) -> str:
        return "action_ask_return_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await verified_order(self, tracker)
        items = (
            await self.call(lambda d: d.services.returns.returnable_items(order)) if order else []
        )
        shown = ShopFormat.of((await self.deps()).pack).order(order.number) if order else ""
        dispatcher.utter_message(
            text=f"Which item from order {shown} would you like to return?"
            if order
            else "Which item would you like to return?",
            buttons=[{"title": i.name, "payload": i.name} for i in items],
        )
        return []


class ActionAskReturnReason(Action):
    def name(self) -> str:
        return "action_ask_return_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=f"Got it: {tracker.get_slot('return_item')}. Why are you returning it? Pick "
            "a reason or type your own.",
            buttons=[{"title": r, "payload": r} for r in RETURN_REASONS],
        )
        return []


class ActionSubmitReturn(UsesDeps, Action):
    """Create the return authorisation and tell the customer what to do next."""

    def name(self) -> str:
        return "action_submit_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        order = await verified_order(self, tracker)
        if order is None:
            dispatcher.utter_message(text="Sorry, I lost track of your order. Let's start again.")
            return reset
        item = match_item(order.items, tracker.get_slot("return_item") or "")
        try:
            if item is None:
                raise ReturnRefused("Sorry, I couldn't find that item on the order any more.")
            reason = tracker.get_slot("return_reason") or ""
            rma = await self.call(
                lambda d: d.services.returns.authorise(order, item, reason, tracker.sender_id)
            )
        except ReturnRefused as refused:
            dispatcher.utter_message(text=str(refused))
            return reset
        condition = f" {rma.condition}" if rma.condition else ""
        dispatcher.utter_message(
            text=f"Your return is authorised. Return number: {rma.rma} for {rma.item_name} "
            f"(order {rma.order_shown}).{condition} {rma.instructions}"
        )
        return reset

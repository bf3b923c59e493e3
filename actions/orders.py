"""Order lookup form: order number + the email on the order, checked against the shop DB."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import UsesDeps
from actions.follow_up import answer_second_question
from actions.knowledge import asks_question, say_answer
from bot.pack import ShopFormat
from bot.shop.orders import LookupOutcome, OrderView, describe_order, parse_email
from knowledge.answers import Decision

MAX_FRIENDLY_RETRIES = 3


class VerifiedOrderValidation(UsesDeps):
    """Mixin for form validators: checks `order_number` and `customer_email` as a pair,
    whichever arrives last. A mismatch never says whose order it is, nor whether the number
    exists: a wrong number and a wrong email get the same reply (no enumerating orders).

    Not an Action itself, so rasa_sdk does not try to register it.
    """

    async def on_verified(
        self, order: OrderView, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """Hook for forms that need more than a verified order (e.g. return eligibility)."""
        return {}

    async def _verified(
        self, number: int, email: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        found = await self.call(lambda d: d.services.orders.lookup(number, email))
        if found.outcome is not LookupOutcome.VERIFIED or found.order is None:
            return {}
        order = found.order
        slots = {
            "order_number": str(number),
            "customer_email": email,
            "verified_order": str(number),
            "verified_customer": email,
            "verification_failures": 0,
        }
        return {**slots, **(await self.on_verified(order, dispatcher, tracker))}

    async def _answered_aside(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """A question where the form asked for a value ("it came 3 weeks ago... am I too
        late?"): answered when the knowledge base is confident, and the form asks again;
        anything else gets the form's own "that doesn't look like" reply."""
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/") or not asks_question(text):
            return False
        reply = await self.call(lambda d: d.answerer.reply(text))
        if reply.decision is not Decision.ANSWER:
            return False
        say_answer(dispatcher, reply.best, reply.version, feedback=False)
        return True

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        numbers = (await self.deps()).pack.order_numbers
        number = numbers.read(str(value or ""))
        if number is None:
            if await self._answered_aside(dispatcher, tracker):
                return {"order_number": None}
            dispatcher.utter_message(
                text="That doesn't look like an order number. It looks like "
                f"{numbers.example} - you'll find it in your confirmation "
                "email."
            )
            return {"order_number": None}
        email = tracker.get_slot("customer_email")
        if email:
            verified = await self._verified(number, email, dispatcher, tracker)
            # An email given for another order must be asked again for this one.
            return verified or {"order_number": str(number), "customer_email": None}
        return {"order_number": str(number)}

    async def validate_customer_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        numbers = (await self.deps()).pack.order_numbers
        email = parse_email(str(value or ""))
        corrected = numbers.read(str(value or "")) if email is None else None
        if corrected is not None:
            # A corrected order number where the email was asked for: take it, ask again.
            return {"customer_email": None, "order_number": str(corrected)}
        if email is None:
            if await self._answered_aside(dispatcher, tracker):
                return {"customer_email": None}
            dispatcher.utter_message(
                text="That doesn't look like an email address. Could you type it again, "
                "e.g. name@example.com?"
            )
            return {"customer_email": None}
        number = numbers.read(tracker.get_slot("order_number"))
        if number is None:
            return {"customer_email": email}
        verified = await self._verified(number, email, dispatcher, tracker)
        if verified:
            return verified
        failures = int(tracker.get_slot("verification_failures") or 0) + 1
        text = (
            f"Sorry, I couldn't find order {numbers.show(number)} with that "
            "email address. Please check both: the order number in your confirmation email, "
            "and the address "
            "that email was sent to. If the number was wrong, just send me the right one."
        )
        if failures >= MAX_FRIENDLY_RETRIES:
            text += (
                ' If you no longer have access to it, say "talk to a human" and our team '
                "will verify you another way."
            )
        dispatcher.utter_message(text=text)
        return {"customer_email": None, "verification_failures": failures}


async def verified_order(action: UsesDeps, tracker: Tracker) -> OrderView | None:
    """The order this conversation verified (number + email), looked up afresh."""
    numbers = (await action.deps()).pack.order_numbers
    number = numbers.read(tracker.get_slot("verified_order"))
    email = tracker.get_slot("customer_email")
    if not (number and email):
        return None
    found = await action.call(lambda d: d.services.orders.lookup(number, email))
    return found.order


class ValidateOrderLookupForm(VerifiedOrderValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_order_lookup_form"


class ActionShowOrderStatus(UsesDeps, Action):
    """Report a verified order's status; forget the number so the next lookup asks again."""

    def name(self) -> str:
        return "action_show_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        order = await verified_order(self, tracker)
        if order is None:
            dispatcher.utter_message(text="Sorry, I couldn't verify that order. Let's try again.")
        else:
            shop = ShopFormat.of((await self.deps()).pack)
            dispatcher.utter_message(text=describe_order(order, shop))
            await answer_second_question(self, dispatcher, tracker)
        return [SlotSet("order_number", None), SlotSet("verified_order", None)]

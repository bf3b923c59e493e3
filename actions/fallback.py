"""Low-confidence fallback: a confident answer, a named product, then the knowledge base's
choices; a message about nothing the shop knows is declined as out of scope; otherwise the
two likeliest intents as buttons. A second miss in a row escalates."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import FALLBACK_INTENT, OUT_OF_SCOPE_RESPONSE, UsesDeps, customer_text, off_topic
from actions.handoff import escalate
from actions.knowledge import answer_or_clarify, offer_choices
from actions.products import ActionRecommendProducts, describe_product, refining
from bot import intents
from knowledge.answers import Decision

NOT_SUGGESTED = {
    FALLBACK_INTENT,
    intents.OUT_OF_SCOPE,
    intents.INFORM,
    intents.AFFIRM,
    intents.DENY,
    intents.STOP,
}

# Button titles a customer understands, one per intent worth suggesting.
INTENT_TITLES = {
    "greet": "Say hello",
    "goodbye": "End the chat",
    "thank_you": "Say thanks",
    "bot_challenge": "Ask who I am",
    "order_status": "Track my order",
    "cancel_order": "Cancel an order",
    "change_address": "Change a delivery address",
    "return_item": "Return an item",
    "refund_status": "Check a refund",
    "damaged_or_wrong_item": "Damaged or wrong item",
    "shipping_info": "Shipping costs and times",
    "payment_methods": "Payment methods",
    "billing_problem": "A billing problem",
    "request_invoice": "Get an invoice",
    "login_problem": "Trouble logging in",
    "reset_password": "Reset my password",
    "update_account": "Update my account",
    "delete_data": "Delete my data",
    "product_question": "A question about a product",
    "product_availability": "Is a product in stock?",
    "recommend_product": "Get a product recommendation",
    "compare_products": "Compare products",
    "warranty_claim": "Warranty claim",
    "complaint": "Make a complaint",
    "request_human": "Talk to a person",
    "ask_knowledge": "Ask about our store policies",
}


def consecutive_fallbacks(events: list[dict[str, Any]]) -> int:
    """How many of the latest user messages in a row fell below the confidence threshold."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


def likely_intents(ranking: list[dict[str, Any]], top: int = 2) -> list[str]:
    """The `top` most likely intents worth offering as buttons, best first."""
    names = [r.get("name") for r in ranking]
    return [n for n in names if n in INTENT_TITLES and n not in NOT_SUGGESTED][:top]


class ActionFallbackSuggest(UsesDeps, Action):
    def name(self) -> str:
        return "action_fallback_suggest"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if consecutive_fallbacks(tracker.events) >= 2:
            dispatcher.utter_message(text="I'm sorry, I keep misunderstanding you.")
            return await escalate(self, tracker, dispatcher, "bot_failed")
        budget = next(tracker.get_latest_entity_values("budget"), None)
        if budget is not None and refining(tracker):
            # "I've wide feet. Up to about 250 euro", right after boots were recommended.
            return await self.hand_over(ActionRecommendProducts, dispatcher, tracker, domain)
        # Unsure what the customer wants, but they may have asked a question the shop has
        # answered, or named a product ("my smart thermostat wants an update, how do I
        # install it?" is the first, though a soundbar's name shares a word with it).
        text = customer_text(tracker)
        reply = await self.call(lambda d: d.answerer.reply(text))
        product = None
        if reply.decision is not Decision.ANSWER:
            product = await self.call(lambda d: d.finder.by_name(text))
        if product is not None:
            dispatcher.utter_message(
                text=describe_product(product, (await self.deps()).finder.money)
            )
            if reply.decision is Decision.CLARIFY:  # or a question about it
                offer_choices(dispatcher, reply)
            return []
        answered, _ = await answer_or_clarify(self, dispatcher, text, reply=reply)
        if answered is not None:
            return answered
        ranking = tracker.latest_message.get("intent_ranking") or []
        if off_topic(tracker.latest_message, ranking):
            return [FollowupAction(OUT_OF_SCOPE_RESPONSE)]
        suggestions = likely_intents(ranking)
        dispatcher.utter_message(
            text="Sorry, I'm not sure I understood. Could you rephrase that? Or did you mean:"
            if suggestions
            else "Sorry, I'm not sure I understood. Could you rephrase that?",
            buttons=[{"title": INTENT_TITLES[n], "payload": f"/{n}"} for n in suggestions],
        )
        return []

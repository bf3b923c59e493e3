"""Before a task starts, the knowledge base has its say.

Two kinds of message look like a task but are questions the shop's help pages answer:

- The intent model is unsure ("Tracking claims the parcel was DELIVERED but my porch is
  EMPTY": order_status at 0.31) and the FAQ head is sure of one answer: the answer replaces
  the task. Where the customer named an order, the task still follows.
- A return request that asks whether ("...bit small on me. can i send em back"), or a return
  or order-status request that names no order ("An Post says left at the door, nothing
  here"): a confident answer comes first and the form then asks for the order. A return
  question the knowledge base is only close on, with no order named, gets the likeliest
  answers beside "start my return" instead of the form.

An unsure product question or recommendation that names no product, kind of product, order
or email has nothing to work on: the fallback takes it (choices, or a polite "not something I
can help with"). Otherwise it says nothing and the task goes ahead. It runs before the order
and return forms, product facts, recommendations and the out-of-scope reply
(data/stories/rules.yml).
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import UsesDeps, customer_text, intent_unsure, names_shop_things
from actions.fallback import ActionFallbackSuggest
from actions.knowledge import (
    LISTEN,
    PERMISSION,
    asks_question,
    clarify_buttons,
    decided,
    faq_slots,
    say_answer,
)
from bot import intents
from knowledge.answers import Decision, Reply

# Tasks that start a form asking for the order.
FORM_TASKS = {intents.RETURN_ITEM, intents.ORDER_STATUS}
# Tasks that need a product or a kind of product to work on.
NEEDS_A_PRODUCT = {"product_question", "product_availability", "recommend_product"}
START_RETURN = {"title": "No, start my return", "payload": f"/{intents.RETURN_ITEM}"}


class ActionKnowledgeFirst(UsesDeps, Action):
    def name(self) -> str:
        return "action_knowledge_first"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        typed = tracker.latest_message.get("text") or ""
        if typed.startswith("/"):
            return []  # a button chose the task
        question = customer_text(tracker)
        intent = tracker.latest_message.get("intent") or {}
        unsure = intent_unsure(tracker.latest_message)
        is_return = intent.get("name") == intents.RETURN_ITEM
        for_a_form = intent.get("name") in FORM_TASKS
        named_order = next(tracker.get_latest_entity_values("order_number"), None)
        asked = is_return and asks_question(question)
        if not (unsure or asked or (for_a_form and named_order is None)):
            return []
        reply: Reply = await self.call(lambda d: d.answerer.reply(question))
        candidates = [h.doc_id for h in reply.candidates]
        slots = faq_slots(question, candidates, candidates[:1], reply.similarity)
        if unsure and reply.sure:
            say_answer(dispatcher, reply.best, reply.version, feedback=named_order is None)
            return slots if named_order else [*slots, FollowupAction(LISTEN)]
        if (
            unsure
            and intent.get("name") in NEEDS_A_PRODUCT
            and not names_shop_things(tracker.latest_message)
        ):
            # "settle a bet: how many moons does jupiter have?", unsurely a product question:
            # nothing to look up or recommend, so not "we don't sell that one".
            return await self.hand_over(ActionFallbackSuggest, dispatcher, tracker, domain)
        if not for_a_form:
            return []
        if reply.decision is Decision.ANSWER and (asked or named_order is None):
            say_answer(dispatcher, reply.best, reply.version, feedback=False)
            return slots
        if not is_return:
            return []
        if (
            reply.decision is Decision.CLARIFY
            and named_order is None
            and PERMISSION.search(question)
        ):
            dispatcher.utter_message(
                text="Just to be sure, did you mean:",
                buttons=[*clarify_buttons(reply), START_RETURN],
                **decided(Decision.CLARIFY),
            )
            return [*faq_slots(question, candidates, [], reply.similarity), FollowupAction(LISTEN)]
        return []

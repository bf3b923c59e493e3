"""A detail given outside any form: "the smeg fab28", "I need new walking boots", an email.

The intent model reads a short message that names something as `inform`, the reply to a
question the bot asked. With no form asking, nothing says what to do with it, and the
dialogue model would improvise ("You're welcome!"). It is read for what it names instead:
a product is looked up, a kind of product is recommended, an order number or an email
starts the order lookup or the return, whichever the intent model ranks higher (either form
takes both from the conversation), and anything else is what the fallback is for.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import UsesDeps
from actions.fallback import ActionFallbackSuggest
from actions.products import ActionProductInfo, ActionRecommendProducts
from bot import intents

ORDER = "order"  # a form starts only as Rasa's next action: which one, see `order_form`
# What each kind of detail leads to, in this order.
ROUTES: tuple[tuple[str, type[UsesDeps] | str], ...] = (
    ("product", ActionProductInfo),
    ("order_number", ORDER),
    ("email", ORDER),
    ("product_category", ActionRecommendProducts),
)
OTHERWISE = ActionFallbackSuggest
FORMS = {intents.ORDER_STATUS: "order_lookup_form", intents.RETURN_ITEM: "return_form"}


def route(entities: list[dict]) -> type[UsesDeps] | str:
    """Where a detail naming `entities` (Rasa's entity dicts) leads: an action that answers
    in this turn, or ORDER (one of the order forms)."""
    named = {e.get("entity") for e in entities}
    return next((to for entity, to in ROUTES if entity in named), OTHERWISE)


def order_form(rankings: list[list[dict]]) -> str:
    """The order's form whose task the intent model ranks higher over the customer's latest
    messages (`rankings`, one per message): "101884 return pls" is a return, and so is a bare
    "TH-11603" after "I need to send back a head torch". The status lookup when neither
    ranks."""
    score = dict.fromkeys(FORMS, 0.0)
    for ranking in rankings:
        for r in ranking:
            if r.get("name") in score:
                score[r["name"]] += float(r.get("confidence") or 0.0)
    best = max(score, key=lambda name: score[name])
    return FORMS[best if score[best] > 0 else intents.ORDER_STATUS]


def latest_rankings(tracker: Tracker, messages: int = 3) -> list[list[dict]]:
    """The intent rankings of the customer's latest `messages` messages, latest first."""
    users = [e for e in reversed(tracker.events) if e.get("event") == "user"][:messages]
    return [(e.get("parse_data") or {}).get("intent_ranking") or [] for e in users]


class ActionReadDetail(UsesDeps, Action):
    def name(self) -> str:
        return "action_read_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        to = route(tracker.latest_message.get("entities") or [])
        if to == ORDER:
            return [FollowupAction(order_form(latest_rankings(tracker)))]
        return await self.hand_over(to, dispatcher, tracker, domain)

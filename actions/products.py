"""Product recommendations, comparisons and product facts from the catalogue index."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import UsesDeps, customer_text, intent_unsure
from actions.knowledge import answer_or_clarify, say_answer
from bot.shop.products import ProductMatch, alternatives_text
from bot.shop.recommend import Constraints


def _wanted(constraints: Constraints, money: Callable[[float], str]) -> str:
    words = [*constraints.attributes, (constraints.category or "product").replace("-", " ")]
    text = " ".join(words)
    if constraints.max_price is not None:
        text += f" under {money(constraints.max_price)}"
    return text


def describe_product(product: Mapping[str, Any], money: Callable[[float], str]) -> str:
    stock = (
        f"in stock ({product['stock']} left)" if product["stock"] > 0 else "out of stock right now"
    )
    specs = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in product["specs"].items())
    return (
        f"{product['name']} - {money(product['price'])}, rated {product['rating']}/5, {stock}.\n"
        f"{product['description']}\nSpecs: {specs}"
    )


# A recommendation's metadata (kept with the bot's message, like the FAQ's decision): the
# request its picks answer, so that "up to about 250 euro" next refines it.
RECOMMENDED_FOR = "recommended_for"
# Words that ask for other products than the one named ("something like the Cascada but
# cheaper", "the Keb or an alternative").
OTHERS_WANTED = re.compile(
    r"\b(?:like|similar|alternatives?|instead|cheaper|than|other|others|another|else|or|vs)\b",
    re.IGNORECASE,
)
REQUEST_CHARS = 600  # of a request refined turn after turn: the latest words count most


def refining(tracker: Tracker) -> str | None:
    """The request the bot's reply just before this message recommended for, if it was a
    recommendation: this message may add a budget or a wish to it."""
    seen_this = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_this:
                return None  # the customer spoke since: this message is not the answer to it
            seen_this = True
        elif event.get("event") == "bot" and seen_this:
            return (event.get("metadata") or {}).get(RECOMMENDED_FOR)
    return None


class ActionRecommendProducts(UsesDeps, Action):
    def name(self) -> str:
        return "action_recommend_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = customer_text(tracker)
        earlier = refining(tracker)
        if earlier and not (await self.call(lambda d: d.recommender.constraints(text))).category:
            # "up to about 250 euro" + "walking boots": what was just said first, so that its
            # budget wins over an earlier one ("under 300", then "actually 250 max").
            text = f"{text}. {earlier}"[:REQUEST_CHARS]
        if await self.call(lambda d: d.finder.compare(text)) is not None:
            # "Roomba j7+ or Qrevo S for a house with a dog?": advice between two named ones.
            return [FollowupAction("action_compare_products")]
        typed = customer_text(tracker)
        named = await self.call(lambda d: d.finder.by_name(typed))
        if named is not None and not OTHERS_WANTED.search(typed):
            # "paramo cascada trousers, what do they cost?": one product named, its facts.
            return await self.hand_over(ActionProductInfo, dispatcher, tracker, domain)
        email = tracker.get_slot("verified_customer")
        history = (
            await self.call(lambda d: d.services.orders.purchased_skus(email)) if email else []
        )
        wanted, picks = await self.call(lambda d: d.recommender.recommend(text, history))
        money = (await self.deps()).recommender.money
        if not picks:
            dispatcher.utter_message(
                text=f"I couldn't find anything in stock for {_wanted(wanted, money)}. Would a "
                "higher budget or a different type work? Tell me and I'll look again.",
                **{RECOMMENDED_FOR: text},
            )
            return []
        lines = [
            f"{i}. {p.name} - {money(p.price)} ({p.reason})" for i, p in enumerate(picks, start=1)
        ]
        dispatcher.utter_message(
            text=f"My top picks ({_wanted(wanted, money)}):\n" + "\n".join(lines),
            **{RECOMMENDED_FOR: text},
        )
        return []


class ActionCompareProducts(UsesDeps, Action):
    def name(self) -> str:
        return "action_compare_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = customer_text(tracker)
        comparison = await self.call(lambda d: d.finder.compare(text))
        if comparison is None:
            pair = await self.call(lambda d: d.finder.example_pair())
            example = f', e.g. "{pair[0]} vs {pair[1]}"' if pair else ""
            dispatcher.utter_message(
                text=f"Which two products should I compare? Name both{example}."
            )
            return []
        first, second = comparison.names
        rows = [f"- {spec}: {a} vs {b}" for spec, a, b in comparison.rows]
        dispatcher.utter_message(text=f"{first} vs {second}:\n" + "\n".join(rows))
        return []


class ActionProductInfo(UsesDeps, Action):
    """Facts and stock for the product a question is about."""

    def name(self) -> str:
        return "action_product_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        named = next(tracker.get_latest_entity_values("product"), None)
        text = customer_text(tracker)
        match = await self.call(lambda d: d.finder.find(text))
        if not match.by_name and named:  # the NLU's product entity, if it names one exactly
            by_entity = await self.call(lambda d: d.finder.by_name(named))
            match = ProductMatch(by_entity, by_name=True) if by_entity else match
        if not match.by_name:
            # "how do I clean the filter of my stick vac?" is a question the FAQs answer; when
            # no product is even close, the FAQs closest to it are offered too.
            nothing_close = match.product is None and not match.alternatives
            answered, _ = await answer_or_clarify(self, dispatcher, text, clarify=nothing_close)
            if answered is not None:
                return answered
            # "lookin for a new telly, smallish, 500 max": a kind of product the shop sells,
            # and no product of that kind named: what fits is a recommendation, not the
            # nearest description from another category.
            kind = (await self.call(lambda d: d.recommender.constraints(text))).category
            other_kind = match.product is not None and match.product["category"] != kind
            if kind and not match.unknown_name and (match.product is None or other_kind):
                return await self.hand_over(ActionRecommendProducts, dispatcher, tracker, domain)
        if not (match.by_name or match.unknown_name) and intent_unsure(tracker.latest_message):
            # "Do ye run anything like that?" (a map-reading course) at 0.36: no product named,
            # and the nearest description (a GPS watch), or "we don't sell that", would be a
            # guess on top of a guess.
            from actions.fallback import ActionFallbackSuggest  # which describes products

            return await self.hand_over(ActionFallbackSuggest, dispatcher, tracker, domain)
        money = (await self.deps()).finder.money
        if match.product is not None:
            dispatcher.utter_message(text=describe_product(match.product, money))
            if match.product["stock"] <= 0:
                similar = await self.call(lambda d: d.finder.in_stock_like(match.product))
                if similar:
                    dispatcher.utter_message(
                        text=f"In stock now: {alternatives_text(similar, money)}."
                    )
            if match.by_name:
                # A question about the product that the help pages answer ("is the Nuptse
                # safe to wash at home?", "a large on the rail in the shop today?").
                reply = await self.call(lambda d: d.answerer.reply(text))
                if reply.strong:
                    say_answer(dispatcher, reply.best, reply.version)
        elif match.not_sold:
            closest = alternatives_text(match.alternatives, money)
            dispatcher.utter_message(
                text="Sorry, we don't sell that one."
                + (f" The closest we have in stock: {closest}." if closest else "")
            )
        else:
            dispatcher.utter_message(text="Which product do you mean? Tell me its name.")
        return []

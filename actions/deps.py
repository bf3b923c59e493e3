"""What the actions talk to: one ActionDeps per action-server process.

Every action reaches its dependencies the same way, through `UsesDeps`: `await
self.call(lambda d: d.services.orders.lookup(n, email))` runs blocking work in a worker
thread, `await self.deps()` gives the object itself. Both use the ActionDeps handed to the
action's constructor (tests build their own) or, in the action server, the process's
(`current()`), opened on first use in a worker thread. Opening defers the heavy parts: MiniLM
and the knowledge index load on their first search, or in `warm_up()`, which the action
server runs in a thread at start so that the first customer does not wait for them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from rasa_sdk.events import FollowupAction

from bot import intents
from bot.pack import ShopFormat, ShopPack
from bot.pack.load import load_pack
from bot.runtime.settings import Settings
from bot.services import Services
from bot.shop.products import ProductFinder
from bot.shop.recommend import CoPurchase, Recommender
from knowledge.answers import FaqAnswerer, Thresholds
from knowledge.catalogue import load_categories, load_products, load_spec_words
from knowledge.embeddings import MiniLMEncoder
from knowledge.retrieval import KnowledgeBase
from knowledge.sources import ANSWERS, PRODUCTS

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ActionDeps:
    """Everything the actions call. The answerer, finder and recommender share `knowledge`
    (one index and one MiniLM per process)."""

    settings: Settings
    pack: ShopPack  # the shop served (CSBOT_SHOP): its wording, formats, order numbers
    services: Services
    knowledge: KnowledgeBase
    answerer: FaqAnswerer
    finder: ProductFinder
    recommender: Recommender

    @classmethod
    def open(cls, settings: Settings) -> ActionDeps:
        """Connect to the database, read the shop's pack and build its entity rules (spaCy:
        seconds); the index and MiniLM wait for their first use (`warm_up`)."""
        from bot.nlu.entity_rules import ShopEntityRecognizer  # spaCy: seconds to import

        services = Services.open(settings.database_url)
        pack = load_pack(settings.shop_dir)
        # The shop's own names say nothing about which answer fits ("does Trailhead ship to
        # Spain"): dropped from queries, as `csbot tune` does when it fits the thresholds.
        knowledge = KnowledgeBase(settings.index_dir, MiniLMEncoder(), pack.shop_names)
        recognizer = ShopEntityRecognizer(
            load_products(pack.catalogue),
            load_categories(pack.categories),
            order_numbers=pack.order_numbers,
        )
        spec_words, money = load_spec_words(pack.categories), ShopFormat.of(pack).money
        return cls(
            settings=settings,
            pack=pack,
            services=services,
            knowledge=knowledge,
            answerer=FaqAnswerer(knowledge, Thresholds.load()),
            finder=ProductFinder(knowledge, recognizer, spec_words=spec_words, money=money),
            recommender=Recommender(
                knowledge,
                recognizer,
                CoPurchase.from_baskets(services.orders.baskets()),
                spec_words=spec_words,
                money=money,
            ),
        )

    def warm_up(self) -> None:
        """Load the index's collections and MiniLM now: what the first FAQ answer or product
        search would otherwise wait for (seconds, in a customer's turn)."""
        for name in (ANSWERS, PRODUCTS):
            self.knowledge.collection(name)
        self.knowledge.encoder.encode(["warm up"])


_lock = threading.Lock()  # lru_cache would let two threads open the database at once
_opened: ActionDeps | None = None


def current() -> ActionDeps:
    """This process's ActionDeps, opened on first use. It blocks (database, spaCy), so call
    it in a worker thread, as `UsesDeps` does. A failed open is tried again next time."""
    global _opened
    with _lock:
        if _opened is None:
            _opened = ActionDeps.open(Settings.from_env())
        return _opened


def warm_up() -> None:
    """Open this process's ActionDeps and load MiniLM and the knowledge index (the action
    server runs this in a thread at start). A failure (say, no index built yet) is logged,
    not raised: each part is then loaded on first use, as without a warm-up."""
    try:
        current().warm_up()
    except Exception as exc:
        log.warning("warming up the actions failed; they load on first use instead: %r", exc)


async def off_loop(fn: Callable[[], T]) -> T:
    """Run blocking work (database, MiniLM encode, FAISS search, first-use loading) in a
    worker thread. Pass a closure, so lazily opened dependencies are opened there too."""
    return await asyncio.get_running_loop().run_in_executor(None, fn)


class UsesDeps:
    """Base of every action and form validator that calls something. Its dependencies are
    the ActionDeps given to the constructor (tests) or this process's (`current()`: rasa_sdk
    builds actions with no arguments), reached through `call` or `deps`. Not an Action
    itself, so rasa_sdk does not try to register it."""

    def __init__(self, deps: ActionDeps | None = None) -> None:
        self._given = deps

    def _deps(self) -> ActionDeps:
        return self._given if self._given is not None else current()

    async def deps(self) -> ActionDeps:
        """The dependencies, for what needs no worker thread (the pack's wording, a price
        format); the process's first use opens them in one."""
        if self._given is not None:
            return self._given
        return _opened if _opened is not None else await off_loop(current)

    async def hand_over(
        self, to: type[UsesDeps], dispatcher: Any, tracker: Any, domain: Any
    ) -> list[dict[str, Any]]:
        """Let another action (`to`, with these dependencies) answer this turn, and end the
        turn there. Not a FollowupAction: after an action reached that way, the dialogue
        model has never seen what comes next and guesses (a second reply, a clarification
        nobody asked for). A FollowupAction of the other action's own is kept."""
        events = await to(self._given).run(dispatcher, tracker, domain)  # type: ignore[attr-defined]
        if any(e.get("event") == "followup" for e in events):
            return events
        return [*events, FollowupAction("action_listen")]

    async def call(self, use: Callable[[ActionDeps], T]) -> T:
        """`await self.call(lambda d: d.services.orders.lookup(n, email))`: in a worker
        thread, so blocking work and the first-use opening stay off the event loop."""
        return await off_loop(lambda: use(self._deps()))


def customer_text(tracker: Any) -> str:
    """What the customer last typed. A button press (a "/intent{...}" payload) carries no
    words of its own, so the path it chose works on the message that led to the buttons."""
    latest = tracker.latest_message.get("text") or ""
    if not latest.startswith("/"):
        return latest
    for event in reversed(tracker.events):
        text = event.get("text") or "" if event.get("event") == "user" else ""
        if text and not text.startswith("/"):
            return text
    return ""


FALLBACK_INTENT = intents.FALLBACK
OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"
# Entities that tie a message to the shop ("two adults" is a quantity, and says nothing).
SHOP_ENTITIES = {"order_number", "email", "product", "product_category"}


# Below this the intent model's guess is unsure: it yields to an answer the FAQ head is sure
# of (actions/knowledge_first.py), and is no ground to tell a customer "we don't sell that".
# Over both demo shops' journeys, messages classified at 0.6-0.7 whose FAQ answer was sure
# were all questions that answer fitted.
INTENT_UNSURE = 0.7


def intent_unsure(message: dict[str, Any]) -> bool:
    return float((message.get("intent") or {}).get("confidence") or 0.0) < INTENT_UNSURE


def names_shop_things(message: dict[str, Any]) -> bool:
    """Does the message name an order, an email, a product or a kind of product?"""
    return bool({e.get("entity") for e in message.get("entities") or []} & SHOP_ENTITIES)


def off_topic(message: dict[str, Any], ranking: list[dict[str, Any]]) -> bool:
    """Typed, naming no order, product or email, and out_of_scope among the two likeliest
    intents: called after the knowledge base found nothing close, so not the shop's business."""
    typed = not (message.get("text") or "").startswith("/")
    likeliest = [r.get("name") for r in ranking if r.get("name") != FALLBACK_INTENT][:2]
    return typed and not names_shop_things(message) and intents.OUT_OF_SCOPE in likeliest

"""What the actions talk to, opened lazily once per action-server process.

Actions take these as constructor arguments too, so tests pass their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

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

if TYPE_CHECKING:
    from bot.nlu.entity_rules import ShopEntityRecognizer


@lru_cache(maxsize=1)
def default_pack() -> ShopPack:
    """The shop this action server serves (`CSBOT_SHOP`), validated once."""
    return load_pack(Settings.from_env().shop_dir)


@lru_cache(maxsize=1)
def default_services() -> Services:
    return Services.open(Settings.from_env().database_url)


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    pack = default_pack()
    return KnowledgeBase(
        Settings.from_env().index_dir, MiniLMEncoder(), shop_names=(pack.name, pack.short_name)
    )


@lru_cache(maxsize=1)
def default_answerer() -> FaqAnswerer:
    return FaqAnswerer(default_knowledge(), Thresholds.load())


@lru_cache(maxsize=1)
def default_recognizer() -> ShopEntityRecognizer:
    from bot.nlu.entity_rules import ShopEntityRecognizer  # spaCy: seconds to import

    settings = Settings.from_env()
    pack = load_pack(settings.shop_dir)
    return ShopEntityRecognizer(
        load_products(pack.catalogue),
        load_categories(pack.categories),
        order_number=pack.order_numbers.pattern,
    )


@lru_cache(maxsize=1)
def default_recommender() -> Recommender:
    baskets = default_services().orders.baskets()
    pack = load_pack(Settings.from_env().shop_dir)
    return Recommender(
        default_knowledge(),
        default_recognizer(),
        CoPurchase.from_baskets(baskets),
        spec_words=load_spec_words(pack.categories),
        money=ShopFormat.of(pack).money,
    )


@lru_cache(maxsize=1)
def default_finder() -> ProductFinder:
    pack = load_pack(Settings.from_env().shop_dir)
    return ProductFinder(
        default_knowledge(),
        default_recognizer(),
        spec_words=load_spec_words(pack.categories),
        money=ShopFormat.of(pack).money,
    )


T = TypeVar("T")


async def off_loop(fn: Callable[[], T]) -> T:
    """Run blocking work (database, MiniLM encode, FAISS search, first-use loading) in a
    worker thread. Pass a closure, so lazily opened dependencies are opened there too."""
    return await asyncio.get_running_loop().run_in_executor(None, fn)


class UsesServices:
    """Mixin for actions: the services passed in (tests) or opened once per process.

    Not an Action itself, so rasa_sdk does not try to register it.
    """

    def __init__(self, services: Services | None = None) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        return self._services or default_services()

    async def call(self, use: Callable[[Services], T]) -> T:
        """`await self.call(lambda s: s.orders.lookup(n, email))`: off the event loop."""
        return await off_loop(lambda: use(self.services))


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


def off_topic(message: dict[str, Any], ranking: list[dict[str, Any]]) -> bool:
    """Typed, naming no order, product or email, and out_of_scope among the two likeliest
    intents: called after the knowledge base found nothing close, so not the shop's business."""
    typed = not (message.get("text") or "").startswith("/")
    likeliest = [r.get("name") for r in ranking if r.get("name") != FALLBACK_INTENT][:2]
    named = {e.get("entity") for e in message.get("entities") or []} & SHOP_ENTITIES
    return typed and not named and intents.OUT_OF_SCOPE in likeliest

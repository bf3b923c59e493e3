"""What the actions talk to, opened lazily once per action-server process.

Actions take these as constructor arguments too, so tests pass their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from bot.entities import ShopEntityRecognizer
from bot.recommend import CoPurchase, Recommender
from bot.settings import Settings
from bot.shop import Shop
from knowledge.answers import FaqAnswerer, Thresholds
from knowledge.catalogue import load_categories, load_products
from knowledge.index import MiniLMEncoder
from knowledge.retrieval import KnowledgeBase


@lru_cache(maxsize=1)
def default_shop() -> Shop:
    return Shop.open(Settings.from_env().database_url)


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    return KnowledgeBase(Settings.from_env().index_dir, MiniLMEncoder())


@lru_cache(maxsize=1)
def default_answerer() -> FaqAnswerer:
    return FaqAnswerer(default_knowledge(), Thresholds.load())


@lru_cache(maxsize=1)
def default_recommender() -> Recommender:
    settings = Settings.from_env()
    recognizer = ShopEntityRecognizer(load_products(settings.catalogue_path), load_categories())
    baskets = default_shop().orders.baskets()
    return Recommender(default_knowledge(), recognizer, CoPurchase.from_baskets(baskets))


class UsesShop:
    """Mixin for actions: the shop services passed in (tests) or opened once per process.

    Not an Action itself, so rasa_sdk does not try to register it.
    """

    def __init__(self, shop: Shop | None = None) -> None:
        self._shop = shop

    @property
    def shop(self) -> Shop:
        return self._shop or default_shop()


async def off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """Encoding, search and database work are blocking: keep them off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

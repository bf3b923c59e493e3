"""The shop services the actions use, opened lazily once per action-server process."""

from __future__ import annotations

from functools import lru_cache

from bot.settings import Settings
from bot.shop import Shop


@lru_cache(maxsize=1)
def default_shop() -> Shop:
    return Shop.open(Settings.from_env().database_url)

"""Typed application keys, declared once: what the web app keeps for its lifetime, and where
it is set (the factory, or a `cleanup_ctx` step when the app starts).

The types of the keys whose modules read keys themselves (limits, the push notifier, health,
the gap page) are named for the type checker only, which keeps this module free of import
cycles."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from bot.pack.model import ShopPack
from bot.runtime.settings import Settings
from bot.services import Services
from bot.web.replicas import Replicas
from bot.workbench.reindex import Reindexer
from bot.workbench.retrain import Retrainer
from knowledge.embeddings import Encoder

if TYPE_CHECKING:
    from aiohttp_session import Middleware

    from bot.web.console.gaps import LastMining
    from bot.web.health import Cached
    from bot.web.limits import Limits
    from bot.web.notifier import Notifier

SETTINGS = web.AppKey("settings", Settings)
PACK = web.AppKey("pack", ShopPack)  # the shop served, validated when the app starts
SERVICES = web.AppKey("services", Services)  # at start-up, unless the factory was given them
REPLICAS = web.AppKey("replicas", Replicas)  # a RasaClient per Rasa replica (start-up)
CHAT_KEY = web.AppKey("chat_key", bytes)  # signs the customer's conversation cookie (start-up)
SESSIONS: web.AppKey[Middleware] = web.AppKey("sessions")  # the console's cookie (start-up)
REINDEX = web.AppKey("reindex", Reindexer)  # rebuilds the knowledge index after FAQ edits
ENCODER = web.AppKey("encoder", Encoder)  # MiniLM for the index rebuild, gap mining, retrain CV
RETRAIN = web.AppKey("retrain", Retrainer)  # the console's retrain job
MODEL_SWITCH = web.AppKey("model_switch", asyncio.Lock)  # one model change at a time
LIMITS: web.AppKey[Limits] = web.AppKey("limits")  # what one client may ask of the widget API
NOTIFIER: web.AppKey[Notifier] = web.AppKey("push_notifier")  # wakes streams with news
HEALTH: web.AppKey[Cached] = web.AppKey("health")  # /api/health's cached answer
LAST_MINING: web.AppKey[LastMining] = web.AppKey("gaps_last_mining")  # the gap page's last run

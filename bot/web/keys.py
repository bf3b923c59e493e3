"""Typed application keys, declared once."""

import asyncio

from aiohttp import web

from bot.runtime.settings import Settings
from bot.services import Services
from bot.web.replicas import Replicas
from bot.workbench.reindex import Reindexer
from bot.workbench.retrain import Retrainer
from knowledge.embeddings import Encoder

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
REPLICAS = web.AppKey("replicas", Replicas)  # a RasaClient per Rasa replica: every Rasa call
CHAT_KEY = web.AppKey("chat_key", bytes)  # signs the customer's conversation cookie
REINDEX = web.AppKey("reindex", Reindexer)  # rebuilds the knowledge index after FAQ edits
ENCODER = web.AppKey("encoder", Encoder)  # MiniLM for the index rebuild, gap mining, retrain CV
RETRAIN = web.AppKey("retrain", Retrainer)  # the console's retrain job
MODEL_SWITCH = web.AppKey("model_switch", asyncio.Lock)  # one model change at a time

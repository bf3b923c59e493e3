"""Typed application keys, declared once."""

import aiohttp
from aiohttp import web

from bot.runtime.settings import Settings
from bot.services import Services

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
SERVICES = web.AppKey("services", Services)

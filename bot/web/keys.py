"""Typed application keys, declared once."""

import aiohttp
from aiohttp import web

from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)

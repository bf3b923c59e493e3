"""Typed application keys, declared once."""

import aiohttp
from aiohttp import web

from bot.settings import Settings
from bot.shop import Shop

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
SHOP = web.AppKey("shop", Shop)

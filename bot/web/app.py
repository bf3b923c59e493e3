"""App factory for the customer widget and the agent console, shared by `csbot run` and tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.settings import Settings
from bot.shop import Shop
from bot.web import console, views
from bot.web.keys import HTTP, SETTINGS, SHOP
from bot.web.security import console_guard, secret_key, setup_sessions

HERE = Path(__file__).parent


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    """One client session for all calls to Rasa, closed on shutdown."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        app[HTTP] = session
        yield


def create_app(settings: Settings, shop: Shop | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[SHOP] = shop or Shop.open(settings.database_url)
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    key = secret_key(settings.project_dir / "var", os.environ.get("CSBOT_SECRET_KEY"))
    setup_sessions(app, key, secure=os.environ.get("CSBOT_SECURE_COOKIES") == "1")
    app.middlewares.append(console_guard)
    app.cleanup_ctx.append(_http_client)
    app.router.add_get("/", views.index)
    app.router.add_get("/healthz", views.health)
    app.router.add_post("/api/messages", views.send_message)
    app.router.add_get("/api/history", views.history)
    app.router.add_get("/api/updates", views.updates)
    console.add_routes(app)
    app.router.add_static("/static", HERE / "static")
    return app

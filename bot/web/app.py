"""App factory for the web widget, shared by `csbot run` and the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.settings import Settings
from bot.web import views
from bot.web.keys import HTTP, SETTINGS

HERE = Path(__file__).parent


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    """One client session for all calls to Rasa, closed on shutdown."""
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[HTTP] = session
        yield


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    app.cleanup_ctx.append(_http_client)
    app.router.add_get("/", views.index)
    app.router.add_get("/healthz", views.health)
    app.router.add_post("/api/messages", views.send_message)
    app.router.add_get("/api/history", views.history)
    app.router.add_static("/static", HERE / "static")
    return app

"""App factory for the customer widget and the agent console, shared by `csbot run` and tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.pack.load import load_pack
from bot.runtime.settings import Settings
from bot.runtime.tokens import rasa_token
from bot.services import Services
from bot.support.logins import ThrottlePolicy
from bot.web import channels, console, customer, health, push
from bot.web.identity import chat_key, customer_identity
from bot.web.keys import (
    CHAT_KEY,
    ENCODER,
    LIMITS,
    MODEL_SWITCH,
    PACK,
    REINDEX,
    REPLICAS,
    RETRAIN,
    SERVICES,
    SETTINGS,
)
from bot.web.limits import Limits, customer_limits
from bot.web.replicas import Replicas
from bot.web.security import console_guard, open_sessions, secret_key, setup_sessions
from bot.workbench.reindex import Reindexer, index_builder
from bot.workbench.retrain import Retrainer
from knowledge.embeddings import MiniLMEncoder

HERE = Path(__file__).parent


def _database(settings: Settings):
    """The app's own services (`cleanup_ctx`): opened when it starts, on a schema checked to
    be at head (`SchemaNotCurrent` fails the start, the database untouched), and their
    connections closed when it stops. Services passed to `create_app` are the caller's."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        services = await asyncio.to_thread(
            Services.open,
            settings.database_url,
            reopen_window=settings.reopen_window,
            login_policy=login_policy(settings),
        )
        app[SERVICES] = services
        try:
            yield
        finally:
            services.close()

    return ctx


async def _shop(app: web.Application) -> AsyncIterator[None]:
    """The shop pack served (`CSBOT_SHOP`), validated when the app starts: a broken pack
    fails the start with every problem (`PackInvalid`), never a half-served shop."""
    app[PACK] = await asyncio.to_thread(load_pack, app[SETTINGS].shop_dir)
    yield


async def _secrets(app: web.Application) -> AsyncIterator[None]:
    """The key that signs chat cookies and encrypts console sessions, and Rasa's token:
    configured, or read from var/ (generated there once, 0600, on first start). A key file
    that cannot be read or holds no key fails the start (`security.secret_key`)."""
    settings = app[SETTINGS]
    key = secret_key(settings.project_dir / "var", settings.secret_key)
    app[CHAT_KEY] = chat_key(key)
    open_sessions(app, key, secure=settings.secure_cookies)
    app[REPLICAS] = Replicas(
        settings.rasa_urls, rasa_token(settings), settings.rasa_timeout_s, settings.rasa_recheck_s
    )
    yield


async def _rasa_clients(app: web.Application) -> AsyncIterator[None]:
    """Bring Rasa replicas marked down back once they answer (`bot.web.replicas`); on
    shutdown, close the clients' sessions (each opens its own on its first call)."""
    task = asyncio.create_task(app[REPLICAS].keep_checking())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await app[REPLICAS].close()


def login_policy(settings: Settings) -> ThrottlePolicy:
    """The console's login throttle, from CSBOT_LOGIN_* (see README)."""
    return ThrottlePolicy(
        max_failures=settings.login_max_failures,
        max_failures_per_address=settings.login_max_failures_per_address,
        backoff=timedelta(seconds=settings.login_backoff_s),
        backoff_max=timedelta(seconds=settings.login_backoff_max_s),
        max_failures_per_account=settings.login_max_failures_per_account,
    )


def create_app(settings: Settings, services: Services | None = None) -> web.Application:
    """The web app for `settings`. Building it touches no database, file or network: what it
    opens (the database unless `services` are given, the secret key, Rasa's token, clients)
    opens in `cleanup_ctx` when it starts and closes when it stops, so tests and tools build
    it freely, and a database on another schema revision fails the start, not the import."""
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    if services is None:
        app.cleanup_ctx.append(_database(settings))
    else:
        app[SERVICES] = services
    app.cleanup_ctx.extend([_shop, _secrets, _rasa_clients, health.caching()])
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    app[ENCODER] = MiniLMEncoder()  # loads the model on first use, not here
    app[REINDEX] = Reindexer(index_builder(settings, app[ENCODER]))
    app[RETRAIN] = Retrainer(settings, encoder=lambda: app[ENCODER])
    app[MODEL_SWITCH] = asyncio.Lock()
    app[LIMITS] = Limits(settings)
    setup_sessions(app)
    app.middlewares.extend(
        [console_guard, customer.json_errors, customer_identity, customer_limits]
    )
    app.router.add_get("/", customer.index)
    app.router.add_get("/shop/logo", customer.logo)
    app.router.add_get("/healthz", customer.health)
    app.router.add_get("/api/health", health.readiness)
    app.router.add_post("/api/messages", customer.send_message)
    app.router.add_get("/api/history", customer.history)
    app.router.add_get("/api/updates", customer.updates)
    app.router.add_get("/api/stream", customer.stream)
    push.setup(app)
    console.add_routes(app)
    channels.add_routes(app)
    app.router.add_static("/static", HERE / "static")
    return app

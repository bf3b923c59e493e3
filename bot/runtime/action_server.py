"""`python -m bot.runtime.action_server`: rasa_sdk's action server as csbot runs it, bound to
the internal host (loopback by default) and refusing every call that lacks the shared
secret, which Rasa sends as `Authorization: Bearer <secret>` (see `write_endpoints`).

rasa_sdk 3.6 has no authentication of its own and listens on 0.0.0.0, so anyone on the
network could post a forged tracker to run an action (open tickets, overwrite a rating).

Once each worker listens it runs the actions package's `warm_up()` in a thread, so MiniLM and
the knowledge index are loaded before the first customer's turn needs them.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import importlib
import logging
import threading
import types
from collections.abc import Sequence

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.revisions import SchemaNotCurrent, require_head
from bot.runtime.settings import Settings
from bot.runtime.tokens import actions_secret

PUBLIC_PATHS = frozenset({"/health"})  # the readiness check; it tells nothing


def bearer(secret: str) -> str:
    """The Authorization header value Rasa sends and the action server expects."""
    return f"Bearer {secret}"


def create_app(secret: str, actions: str | types.ModuleType = "actions") -> Sanic:
    """rasa_sdk's app (no CORS: only Rasa calls it) with a request middleware that compares
    the Authorization header with the secret in constant time."""
    if not secret:
        raise ValueError("the action server needs a non-empty secret")
    app = create_sdk_app(actions, cors_origins=None)
    expected = bearer(secret).encode()

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in PUBLIC_PATHS:
            return None
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        if hmac.compare_digest(given, expected):
            return None
        return response.json({"error": "missing or wrong action server secret"}, status=401)

    return app


def warm_up_when_listening(app: Sanic, actions: str | types.ModuleType) -> None:
    """Run the actions package's `warm_up()`, if it has one, in a daemon thread once each
    worker process listens: /health answers at once, the heavy loading happens before the
    first call rather than in it, and a shutdown never waits for it."""
    package = importlib.import_module(actions) if isinstance(actions, str) else actions
    warm_up = getattr(package, "warm_up", None)
    if warm_up is None:
        return

    @app.listener("after_server_start")
    async def start_warming(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        threading.Thread(target=warm_up, name="warm-up", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description="Serve csbot's Rasa custom actions.")
    parser.add_argument("--actions", default="actions", help="package with the actions")
    parser.add_argument("--host", default=settings.internal_host)
    parser.add_argument("--port", type=int, default=settings.actions_port)
    args = parser.parse_args(argv)
    try:
        require_head(settings.database_url)  # before serving: actions would fail one by one
    except SchemaNotCurrent as exc:
        raise SystemExit(f"csbot's action server cannot start: {exc}") from None
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app = create_app(actions_secret(settings), args.actions)
    warm_up_when_listening(app, args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()

"""`python -m bot.web --port 8000`: serve the chat page."""

from __future__ import annotations

import argparse
import dataclasses

from aiohttp import web

from bot.runtime.revisions import SchemaNotCurrent, require_head
from bot.runtime.settings import Settings
from bot.web.app import create_app


def main() -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description="Serve the csbot chat page.")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.web_port)
    args = parser.parse_args()
    settings = dataclasses.replace(settings, host=args.host, web_port=args.port)
    try:
        # Checked here too, before aiohttp runs the app's start-up (which checks again, and
        # would report it under a traceback of its own shutdown).
        require_head(settings.database_url)
    except SchemaNotCurrent as exc:
        raise SystemExit(f"csbot's web app cannot start: {exc}") from None
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()

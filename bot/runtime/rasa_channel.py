"""Rasa's REST channel behind Rasa's API token (credentials.yml names this class).

Same name and URL as the built-in one (`/webhooks/rest/webhook`), but a call without
`?token=<Rasa's token>` is refused: otherwise anyone reaching Rasa's port could write in any
conversation and read the replies, which can include a verified customer's order.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.settings import Settings
from bot.runtime.tokens import rasa_token


class TokenRestInput(RestInput):
    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the REST channel needs a non-empty token")
        self.token = token

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        """The token Rasa's API uses: CSBOT_RASA_TOKEN, or var/rasa.token."""
        return cls(rasa_token(Settings.from_env()))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        expected = self.token.encode()

        @webhook.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            given = (request.args.get("token") or "").encode("utf-8", "replace")
            if hmac.compare_digest(given, expected):
                return None
            return response.json({"error": "missing or wrong token"}, status=401)

        return webhook

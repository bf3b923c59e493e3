"""The customer's conversation id, issued by the server in a signed cookie.

The browser never chooses its conversation id and its scripts cannot read it: the cookie is
HttpOnly, SameSite=Lax (Secure behind HTTPS) and holds the id with an HMAC of it, so nobody
can claim someone else's conversation by guessing or sending an id. Lax rather than Strict:
a customer who follows a link to the chat page still gets their conversation back, while
other sites' scripts and forms still cannot post in it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.keys import CHAT_KEY, SETTINGS

COOKIE = "csbot_chat"
MAX_AGE = 30 * 24 * 3600
CONVERSATION = "conversation_id"  # request key: the verified or newly issued id
CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{22}")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def chat_key(secret: bytes) -> bytes:
    """A key for chat cookies derived from the app's secret key, so one secret (var/secret.key
    or CSBOT_SECRET_KEY) covers both cookies and a console key never signs a chat cookie."""
    return hmac.new(secret, b"csbot customer conversation cookie", hashlib.sha256).digest()


def new_conversation_id() -> str:
    return secrets.token_urlsafe(16)


def sign(conversation_id: str, key: bytes) -> str:
    mac = hmac.new(key, conversation_id.encode(), hashlib.sha256).digest()
    return f"{conversation_id}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def verify(value: str | None, key: bytes) -> str | None:
    """The conversation id in a cookie value, or None unless it carries our signature."""
    if not value or len(value) > 200:
        return None
    conversation_id = value.partition(".")[0]
    if not CONVERSATION_ID.fullmatch(conversation_id):
        return None
    expected = sign(conversation_id, key).encode()
    valid = hmac.compare_digest(value.encode("utf-8", "replace"), expected)
    return conversation_id if valid else None


def _customer_path(path: str) -> bool:
    return path == "/" or path.startswith("/api/")


@web.middleware
async def customer_identity(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the chat page and the customer API the caller's conversation: the one in a
    valid cookie, else a new one whose cookie goes back with the response."""
    if not _customer_path(request.path):
        return await handler(request)
    key = request.app[CHAT_KEY]
    known = verify(request.cookies.get(COOKIE), key)
    request[CONVERSATION] = known or new_conversation_id()
    response = await handler(request)
    if known is None or request.path == "/":  # the page view also renews the expiry
        response.set_cookie(
            COOKIE,
            sign(request[CONVERSATION], key),
            max_age=MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.app[SETTINGS].secure_cookies or request.secure,
        )
    return response

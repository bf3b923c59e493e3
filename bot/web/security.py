"""Console sessions, login and role checks, and CSRF protection.

The encrypted, HttpOnly, SameSite=Strict cookie (aiohttp-session) carries the CSRF token and,
once logged in, the token of a server-side session (`bot.support.sessions`): the database
decides on every request whether it still logs anyone in, so logout and a password change
end it even in a copied cookie. Every state-changing console request must carry the CSRF
token (form field `csrf` or header X-CSRF-Token).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp_session import get_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet
from yarl import URL

from bot.runtime.private_files import create_private_once
from bot.runtime.settings import SettingsError
from bot.support.agents import AgentView
from bot.support.sessions import SESSION_MAX_AGE
from bot.web.keys import SERVICES, SESSIONS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC_CONSOLE_PATHS = {"/console/login"}
SESSION_KEY = "sid"  # the server-side session's token, inside the encrypted cookie
KEY_BYTES = 32  # what EncryptedCookieStorage (Fernet) takes


def secret_key(var_dir: Path, configured: str | None) -> bytes:
    """CSBOT_SECRET_KEY, or one generated once and kept in var/ so restarts keep sessions
    (0600 from its first byte). Fails closed: a key file that cannot be read, or that holds
    no 32-byte key, stops the web app's start (OSError, SettingsError) rather than letting it
    sign cookies with a key someone else could know or guess."""
    if configured:
        return _decoded(configured, "CSBOT_SECRET_KEY")
    path = var_dir / "secret.key"
    if not path.exists():
        create_private_once(path, Fernet.generate_key())  # 0600 from its first byte, whole
    return _decoded(path.read_text(encoding="ascii", errors="replace").strip(), str(path))


def _decoded(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise SettingsError(
            f"{where} holds no {KEY_BYTES}-byte urlsafe-base64 key: replace it (a new key ends "
            "every console session and chat cookie)"
        )
    return key


def setup_sessions(app: web.Application) -> None:
    """aiohttp-session's middleware, whose cookie storage is made when the app starts
    (`open_sessions`), once the key is read: the app factory reads no file."""

    @web.middleware
    async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await request.app[SESSIONS](request, handler)

    app.middlewares.append(sessions)


def open_sessions(app: web.Application, key: bytes, secure: bool) -> None:
    """The console's encrypted, HttpOnly, SameSite=Strict session cookie under `key`."""
    app[SESSIONS] = session_middleware(
        EncryptedCookieStorage(
            key,
            cookie_name="csbot_console",
            max_age=int(SESSION_MAX_AGE.total_seconds()),
            httponly=True,
            samesite="Strict",
            secure=secure,
        )
    )


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


async def session_token(request: web.Request) -> str | None:
    return (await get_session(request)).get(SESSION_KEY)


async def current_agent(request: web.Request) -> AgentView | None:
    """The agent whose live server-side session the cookie names, if any."""
    token = await session_token(request)
    if not token:
        return None
    return await asyncio.to_thread(request.app[SERVICES].sessions.agent_for, token)


@web.middleware
async def console_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No console page without login, no admin page without the admin role, no POST
    without the CSRF token."""
    path = request.path
    if not path.startswith("/console") or path in PUBLIC_CONSOLE_PATHS:
        if request.method == "POST" and path in PUBLIC_CONSOLE_PATHS:
            await _check_csrf(request)
        return await handler(request)
    agent = await current_agent(request)
    if agent is None:
        if path.startswith("/console/api/"):
            raise web.HTTPUnauthorized(text="log in first")
        raise web.HTTPFound(str(URL("/console/login").with_query(next=path)))
    if path.startswith("/console/admin") and not agent.is_admin:
        raise web.HTTPForbidden(text="admins only")
    if request.method == "POST":
        await _check_csrf(request)
    request["agent"] = agent
    await asyncio.to_thread(request.app[SERVICES].presence.seen, agent)
    return await handler(request)


async def _check_csrf(request: web.Request) -> None:
    expected = await csrf_token(request)
    given = request.headers.get("X-CSRF-Token")
    if given is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            given = (await request.post()).get("csrf")
        except ValueError:  # a malformed body (no multipart boundary, bad encoding)
            raise web.HTTPBadRequest(text="malformed form: reload the page") from None
    given_bytes = str(given or "").encode("utf-8", "replace")  # non-ASCII cannot be compared
    if not given or not hmac.compare_digest(given_bytes, expected.encode()):
        raise web.HTTPForbidden(text="missing or wrong CSRF token: reload the page")

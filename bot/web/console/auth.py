"""Console login, logout and password change.

Each attempt runs in a worker thread (throttle lookups, scrypt and the session write are all
blocking); a throttled attempt is a 429 with Retry-After and says how long to wait.
"""

from __future__ import annotations

import asyncio
import math

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.support.agents import AgentError
from bot.support.logins import LoggedIn, Throttled
from bot.web.console.common import context
from bot.web.customer import storable
from bot.web.keys import SERVICES
from bot.web.security import SESSION_KEY, session_token

LOGIN = "console_login.html"
PASSWORD = "console_password.html"


def _safe_next(value: object) -> str:
    target = str(value or "/console")
    return target if target.startswith("/console") and "//" not in target else "/console"


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def throttled_message(throttled: Throttled) -> str:
    return (
        "Too many failed logins for this account or from this address. "
        f"Try again in {_wait_text(throttled.seconds)}."
    )


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


async def _too_many(request: web.Request, throttled: Throttled, template: str, **values):
    """429 with Retry-After, as JSON for API clients and as the form page for browsers."""
    headers = {"Retry-After": str(throttled.seconds)}
    message = throttled_message(throttled)
    if _wants_json(request):
        body = {"error": message, "retry_after": throttled.seconds}
        return web.json_response(body, status=429, headers=headers)
    page = await context(request, error=message, **values)
    response = aiohttp_jinja2.render_template(template, request, page, status=429)
    response.headers.update(headers)
    return response


async def _start_session(request: web.Request, token: str) -> None:
    session = await new_session(request)  # a fresh cookie (and CSRF token) on login
    session[SESSION_KEY] = token


async def login_form(request: web.Request) -> web.Response:
    values = await context(request, error=None, next=_safe_next(request.query.get("next")))
    return aiohttp_jinja2.render_template(LOGIN, request, values)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    logins = request.app[SERVICES].logins
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(form.get("next"))
    result = None  # no account has a name PostgreSQL cannot even store (NUL)
    if storable(username):
        result = await asyncio.to_thread(logins.login, username, password, request.remote)
    if isinstance(result, Throttled):
        return await _too_many(request, result, LOGIN, next=target)
    if not isinstance(result, LoggedIn):
        if _wants_json(request):
            return web.json_response({"error": "wrong username or password"}, status=401)
        values = await context(request, error="Wrong username or password.", next=target)
        return aiohttp_jinja2.render_template(LOGIN, request, values, status=401)
    await _start_session(request, result.token)
    raise web.HTTPFound(target)


async def logout(request: web.Request) -> web.Response:
    """End the server-side session (a copy of the cookie is worthless from now on)."""
    token = await session_token(request)
    await asyncio.to_thread(request.app[SERVICES].logins.logout, request.get("agent"), token)
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/console/login")


async def password_form(request: web.Request) -> web.Response:
    values = await context(request, error=None, done=request.query.get("done") == "1")
    return aiohttp_jinja2.render_template(PASSWORD, request, values)


async def change_password(request: web.Request) -> web.Response:
    """Change one's own password; every session of the account ends, this browser gets a
    fresh one."""
    form = await request.post()
    current, new = str(form.get("current", "")), str(form.get("new", ""))
    if new != str(form.get("confirm", "")):
        values = await context(request, error="The new passwords do not match.", done=False)
        return aiohttp_jinja2.render_template(PASSWORD, request, values, status=400)
    logins, agent = request.app[SERVICES].logins, request["agent"]
    try:
        result = await asyncio.to_thread(
            logins.change_password, agent, current, new, request.remote
        )
    except AgentError as exc:
        values = await context(request, error=f"{str(exc).capitalize()}.", done=False)
        return aiohttp_jinja2.render_template(PASSWORD, request, values, status=400)
    if isinstance(result, Throttled):
        return await _too_many(request, result, PASSWORD, done=False)
    await _start_session(request, result.token)
    raise web.HTTPFound("/console/password?done=1")

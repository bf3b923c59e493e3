"""Console login and logout. Password checks (scrypt) run in a worker thread."""

from __future__ import annotations

import asyncio

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.web.console.common import context
from bot.web.customer import storable
from bot.web.keys import SERVICES


def _safe_next(value: object) -> str:
    target = str(value or "/console")
    return target if target.startswith("/console") and "//" not in target else "/console"


async def login_form(request: web.Request) -> web.Response:
    values = await context(request, error=None, next=_safe_next(request.query.get("next")))
    return aiohttp_jinja2.render_template("console_login.html", request, values)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    agents = request.app[SERVICES].agents
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    agent = None
    if storable(username):  # else no account has that name (and PostgreSQL refuses NUL)
        agent = await asyncio.to_thread(agents.authenticate, username, password)
    target = _safe_next(form.get("next"))
    if agent is None:
        values = await context(request, error="Wrong username or password.", next=target)
        return aiohttp_jinja2.render_template("console_login.html", request, values, status=401)
    session = await new_session(request)  # a fresh session id on login
    session["agent_id"] = agent.id
    raise web.HTTPFound(target)


async def logout(request: web.Request) -> web.Response:
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/console/login")

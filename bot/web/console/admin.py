"""Admin pages: metrics with a plot, the audit trail (the review screen is `review`).

Every query and the plot run in a worker thread; the event loop only renders templates.
"""

from __future__ import annotations

import asyncio

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from bot.conversations.metrics import AgentMetrics, BotMetrics
from bot.support.audit import ACTIONS
from bot.web.console.common import context, date_range, last_day, page_number
from bot.web.console.plots import metrics_png
from bot.web.keys import SERVICES

AUDIT_PER_PAGE = 50


def _figures(request: web.Request) -> tuple[list[AgentMetrics], BotMetrics]:
    start, end = date_range(request)
    analytics = request.app[SERVICES].analytics
    return analytics.agent_metrics(start, end), analytics.bot_metrics(start, end)


@aiohttp_jinja2.template("console_metrics.html")
async def metrics_page(request: web.Request) -> dict:
    start, end = date_range(request)
    agents, bot = await asyncio.to_thread(_figures, request)
    return await context(
        request,
        agents=agents,
        bot=bot,
        start=start,
        end=last_day(end),
        query=request.query_string,
    )


async def metrics_plot(request: web.Request) -> web.Response:
    """Intent-confidence histogram and mean CSAT per agent, as one PNG."""
    date_range(request)  # a bad date is a 400 here, not an error in the worker
    agents, bot = await asyncio.to_thread(_figures, request)
    png = await asyncio.to_thread(metrics_png, bot, agents)
    return web.Response(body=png, content_type="image/png")


def _audit_filters(request: web.Request) -> dict[str, str]:
    actor = request.query.get("actor", "").strip()
    action = request.query.get("action", "").strip()
    if action and action not in ACTIONS:
        raise web.HTTPBadRequest(text=f"action must be one of {', '.join(ACTIONS)}")
    if len(actor) > 120:
        raise web.HTTPBadRequest(text="actor is a username (120 characters at most)")
    return {k: v for k, v in (("actor", actor), ("action", action)) if v}


async def _audit_page(request: web.Request) -> tuple[dict[str, str], int, list, int]:
    filters, page = _audit_filters(request), page_number(request)
    entries, total = await asyncio.to_thread(
        request.app[SERVICES].audit.page, page, AUDIT_PER_PAGE, **filters
    )
    return filters, page, entries, total


@aiohttp_jinja2.template("console_audit.html")
async def audit(request: web.Request) -> dict:
    """Who did what and when: agents' ticket actions, logins, password and privacy actions."""
    filters, page, entries, total = await _audit_page(request)
    return await context(
        request,
        entries=entries,
        total=total,
        page=page,
        per_page=AUDIT_PER_PAGE,
        actions=ACTIONS,
        actor=filters.get("actor"),
        action=filters.get("action"),
        filter_query=URL.build(query=filters).query_string,
        query=request.query_string,
    )


async def audit_json(request: web.Request) -> web.Response:
    filters, page, entries, total = await _audit_page(request)
    return web.json_response(
        {
            "entries": [e.to_json() for e in entries],
            "total": total,
            "page": page,
            "per_page": AUDIT_PER_PAGE,
        }
    )

"""Admin analytics page: the bot's rates per day or week, the weakest intents, FAQ entries by
answers and "didn't help", agents' times from the handoff; each table as CSV, the plots as
PNGs. Every query and plot runs in a worker thread.

The page and the CSV are built from the same `Table`s, so an export holds the rows shown."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot import csv_cells
from bot.conversations.analytics import PERIODS, TOP, AnalyticsService, FaqUse, most_unhelpful
from bot.web.console import plots
from bot.web.console.common import context, date_range, last_day
from bot.web.keys import SERVICES

PAGE = "/console/admin/analytics"
CHARTS = ("rates", "intents", "faq")


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    title: str  # the page's header
    kind: str  # how the page shows it: text | intent | date | count | pct | confidence | minutes


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]


def _rates(analytics: AnalyticsService, start: datetime, end: datetime, period: str) -> Table:
    rows = analytics.rates(start, end, period)
    return Table(
        "rates",
        f"Rates per {period}",
        (
            Column(period, "Day" if period == "day" else "Week from", "date"),
            Column("conversations", "Conversations", "count"),
            Column("customer_messages", "Customer messages", "count"),
            Column("containment_rate", "Containment", "pct"),
            Column("handoff_rate", "Handoff", "pct"),
            Column("fallback_rate", "Fallback (of messages)", "pct"),
            Column("faq_answer_rate", "Given an FAQ answer", "pct"),
            Column("faq_answers", "FAQ answers", "count"),
            Column("faq_acceptance", "FAQ answers accepted", "pct"),
        ),
        [
            (
                r.first,
                r.conversations,
                r.customer_messages,
                r.containment_rate,
                r.handoff_rate,
                r.fallback_rate,
                r.faq_answer_rate,
                r.faq_answers,
                r.faq_acceptance,
            )
            for r in rows
        ],
    )


def _low_confidence(analytics: AnalyticsService, start: datetime, end: datetime) -> Table:
    rows = analytics.low_confidence_intents(start, end)
    return Table(
        "low_confidence",
        f"Intents with the lowest mean confidence (top {TOP})",
        (
            Column("intent", "Intent", "intent"),
            Column("messages", "Messages", "count"),
            Column("mean_confidence", "Mean confidence", "confidence"),
        ),
        [(r.intent, r.messages, r.mean_confidence) for r in rows],
    )


def _fallbacks(analytics: AnalyticsService, start: datetime, end: datetime) -> Table:
    rows = analytics.fallback_intents(start, end)
    return Table(
        "fallbacks",
        f"Intents with the most fallbacks (top {TOP})",
        (
            Column("top_ranked_intent", "Top-ranked intent of the fallback", "text"),
            Column("fallbacks", "Fallbacks", "count"),
            Column("mean_confidence", "Its mean confidence", "confidence"),
        ),
        [(r.intent, r.fallbacks, r.mean_confidence) for r in rows],
    )


FAQ_COLUMNS = (
    Column("entry", "FAQ entry", "text"),
    Column("answers", "Answers", "count"),
    Column("not_helpful", "Didn't help", "count"),
    Column("not_helpful_rate", "Didn't help (share)", "pct"),
)


def _faq_rows(uses: list[FaqUse]) -> list[tuple[Any, ...]]:
    return [(u.entry, u.answers, u.not_helpful, u.not_helpful_rate) for u in uses]


def _agents(analytics: AnalyticsService, start: datetime, end: datetime) -> Table:
    rows = analytics.agent_metrics(start, end)
    return Table(
        "agents",
        "Agents (times counted from the handoff)",
        (
            Column("agent", "Agent", "text"),
            Column("tickets_handled", "Tickets resolved", "count"),
            Column("first_response_s", "First response (median)", "minutes"),
            Column("handling_s", "Handling (median)", "minutes"),
            Column("resolution_rate", "Resolution", "pct"),
        ),
        [
            (a.agent, a.tickets_handled, a.first_response_s, a.handling_s, a.resolution_rate)
            for a in rows
        ],
    )


TABLES = ("rates", "low_confidence", "fallbacks", "faq_answered", "faq_not_helpful", "agents")


def tables(
    analytics: AnalyticsService,
    start: datetime,
    end: datetime,
    period: str,
    names: tuple[str, ...] = TABLES,
) -> dict[str, Table]:
    """The named tables of the range (FAQ use is read once for both FAQ tables)."""
    faq = {"faq_answered", "faq_not_helpful"} & {*names}
    uses = analytics.faq_use(start, end) if faq else []
    build = {
        "rates": lambda: _rates(analytics, start, end, period),
        "low_confidence": lambda: _low_confidence(analytics, start, end),
        "fallbacks": lambda: _fallbacks(analytics, start, end),
        "faq_answered": lambda: Table(
            "faq_answered",
            f"FAQ entries by answers (top {TOP})",
            FAQ_COLUMNS,
            _faq_rows(uses[:TOP]),
        ),
        "faq_not_helpful": lambda: Table(
            "faq_not_helpful",
            f'FAQ entries by "didn\'t help" (top {TOP})',
            FAQ_COLUMNS,
            _faq_rows(most_unhelpful(uses)),
        ),
        "agents": lambda: _agents(analytics, start, end),
    }
    return {name: build[name]() for name in names}


def _window(request: web.Request) -> tuple[datetime, datetime, str]:
    """[start, end) and the period from ?from=&to=&period=; bad values are a 400."""
    start, end = date_range(request)
    if start >= end:
        raise web.HTTPBadRequest(text="from must not be after to")
    period = request.query.get("period") or "day"
    if period not in PERIODS:
        raise web.HTTPBadRequest(text=f"period must be one of {', '.join(PERIODS)}")
    return start, end, period


@aiohttp_jinja2.template("console_analytics.html")
async def page(request: web.Request) -> dict:
    start, end, period = _window(request)
    found = await asyncio.to_thread(tables, request.app[SERVICES].analytics, start, end, period)
    return await context(
        request,
        tables=found,
        period=period,
        periods=PERIODS,
        start=start,
        end=last_day(end),
        query=request.query_string,
    )


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    return round(value, 4) if isinstance(value, float) else value


async def export(request: web.Request) -> web.Response:
    """One table of the page as CSV: ?table=<name>&from=&to=&period=."""
    start, end, period = _window(request)
    name = request.query.get("table", "")
    if name not in TABLES:
        raise web.HTTPBadRequest(text=f"table must be one of {', '.join(TABLES)}")
    analytics = request.app[SERVICES].analytics
    table = (await asyncio.to_thread(tables, analytics, start, end, period, (name,)))[name]
    out = io.StringIO()
    writer = csv_cells.Writer(out)  # customer text never runs as a formula
    writer.writerow([c.key for c in table.columns])
    writer.writerows([_csv_value(v) for v in row] for row in table.rows)
    filename = f"{name}-{start:%Y%m%d}-{last_day(end):%Y%m%d}.csv"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _chart(
    analytics: AnalyticsService, chart: str, start: datetime, end: datetime, period: str
) -> bytes:
    if chart == "rates":
        return plots.rates_png(analytics.rates(start, end, period), period)
    if chart == "intents":
        low = analytics.low_confidence_intents(start, end)
        fallen = analytics.fallback_intents(start, end)
        return plots.rankings_png(
            ("Lowest mean confidence", [r.intent for r in low], [r.mean_confidence for r in low]),
            ("Most fallbacks (top-ranked intent)", [r.intent for r in fallen],
             [r.fallbacks for r in fallen]),
        )  # fmt: skip
    uses = analytics.faq_use(start, end)
    unhelpful = most_unhelpful(uses)
    return plots.rankings_png(
        ("FAQ answers", [u.entry for u in uses[:TOP]], [u.answers for u in uses[:TOP]]),
        ('"Didn\'t help"', [u.entry for u in unhelpful], [u.not_helpful for u in unhelpful]),
    )


async def plot(request: web.Request) -> web.Response:
    start, end, period = _window(request)
    analytics = request.app[SERVICES].analytics
    chart = request.match_info["chart"]
    png = await asyncio.to_thread(_chart, analytics, chart, start, end, period)
    return web.Response(body=png, content_type="image/png")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get(PAGE, page)
    router.add_get(f"{PAGE}.csv", export)
    router.add_get(f"{PAGE}/{{chart:{'|'.join(CHARTS)}}}.png", plot)

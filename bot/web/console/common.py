"""What every console page shares: the template context, redirects that carry an error,
and query parameters parsed into clear 400s instead of 500s."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp import web
from yarl import URL

from bot.conversations.metrics import report_range
from bot.web.keys import PACK
from bot.web.numbers import query_number
from bot.web.security import csrf_token


async def context(request: web.Request, **values) -> dict:
    return {
        "shop_name": request.app[PACK].short_name,
        "agent": request.get("agent"),
        "csrf": await csrf_token(request),
        **values,
    }


def redirect(path: str, error: str | None = None) -> web.HTTPFound:
    """A redirect to a console page, with `error` shown there (query-encoded: '#', '&' and
    the like survive)."""
    url = URL(path)
    return web.HTTPFound(str(url.with_query(error=error) if error else url))


def page_number(request: web.Request) -> int:
    return query_number(request, "page", 1, lowest=1, highest=1_000_000)


def _date(value: str | None) -> date | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        raise web.HTTPBadRequest(text="dates look like 2026-11-25") from None


def query_date(request: web.Request, key: str) -> date | None:
    """An optional day from the query string (?from=2026-11-25); a malformed one is a 400."""
    return _date(request.query.get(key))


def date_range(request: web.Request) -> tuple[datetime, datetime]:
    """[start, end) from ?from=&to= (inclusive days); the report's default window."""
    return report_range(_date(request.query.get("from")), _date(request.query.get("to")))


def last_day(end: datetime) -> datetime:
    return end - timedelta(days=1)

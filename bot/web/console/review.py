"""Admin review screen: conversations filtered by outcome, intent, channel, agent, tag, last
activity and words; one conversation's timeline; tags; CSV/JSON export of a filtered set
(recorded in the audit trail). Everything is read through `Services.review` (a
`ReviewService`, or a test's fake) in worker threads."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Sequence
from datetime import datetime, timedelta

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from bot import csv_cells
from bot.conversations.review import (
    EXPORT_FIELDS,
    ExportedConversation,
    Outcome,
    ReviewError,
    ReviewFilter,
    TimelineMessage,
    csv_rows,
)
from bot.web.console.common import context, page_number, query_date
from bot.web.customer import storable
from bot.web.keys import REINDEX, SERVICES, SETTINGS
from bot.web.numbers import NotANumber, whole_number
from bot.workbench.options import choices

PAGE = "/console/admin/conversations"
CONVERSATIONS_PER_PAGE = 25
MESSAGES_PER_PAGE = 100
FILTER_KEYS = ("outcome", "intent", "channel", "agent", "tag", "from", "to", "q")
MAX_FIELD = 200


def review_filter(request: web.Request) -> ReviewFilter:
    """The filter from the query string; a malformed value is a 400 naming it."""
    query = request.query
    for key in FILTER_KEYS:
        if len(query.get(key, "")) > MAX_FIELD:
            raise web.HTTPBadRequest(text=f"{key} is at most {MAX_FIELD} characters")
    agent = query.get("agent", "").strip()
    try:
        agent_id = whole_number(agent) if agent else None
    except NotANumber:
        raise web.HTTPBadRequest(text="agent is an agent's id") from None
    first, last = query_date(request, "from"), query_date(request, "to")
    try:
        return ReviewFilter(
            outcome=query.get("outcome") or None,
            intent=query.get("intent") or None,
            channel=query.get("channel") or None,
            agent_id=agent_id,
            tag=query.get("tag", "").strip().lower() or None,
            active_from=datetime.combine(first, datetime.min.time()) if first else None,
            active_to=datetime.combine(last + timedelta(days=1), datetime.min.time())
            if last
            else None,
            text=query.get("q", ""),
        )
    except ReviewError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


def _filter_query(request: web.Request) -> dict[str, str]:
    return {k: request.query[k] for k in FILTER_KEYS if request.query.get(k)}


@aiohttp_jinja2.template("console_conversations.html")
async def conversations(request: web.Request) -> dict:
    f, page = review_filter(request), page_number(request)
    review = request.app[SERVICES].review
    found, options = await asyncio.gather(
        asyncio.to_thread(review.find, f, page, CONVERSATIONS_PER_PAGE),
        asyncio.to_thread(review.facets),
    )
    chosen = _filter_query(request)
    return await context(
        request,
        rows=found.rows,
        total=found.total,
        page=page,
        per_page=CONVERSATIONS_PER_PAGE,
        outcomes={o.value: o.label for o in Outcome},
        options=options,
        chosen=chosen,
        filter_query=URL.build(query=chosen).query_string,
    )


def conversation_id_of(request: web.Request) -> str:
    conversation_id = request.match_info["id"]
    if not storable(conversation_id):  # no conversation has such an id
        raise web.HTTPNotFound(text="no such conversation")
    return conversation_id


@aiohttp_jinja2.template("console_transcript.html")
async def transcript(request: web.Request) -> dict:
    conversation_id, page = conversation_id_of(request), page_number(request)
    found = await asyncio.to_thread(
        request.app[SERVICES].review.timeline, conversation_id, page, MESSAGES_PER_PAGE
    )
    return await context(
        request,
        conversation_id=conversation_id,
        timeline=found,
        teach=await asyncio.to_thread(choices, request.app[SETTINGS]),
        replies=agent_replies(found.messages),
        reindex=request.app[REINDEX],
        messages=found.messages,
        total=found.total,
        page=page,
        per_page=MESSAGES_PER_PAGE,
        error=request.query.get("error"),
        notice=request.query.get("notice"),
    )


def agent_replies(messages: Sequence[TimelineMessage]) -> dict[int, str]:
    """For each customer message, the next agent reply on the page: a new FAQ's draft."""
    replies: dict[int, str] = {}
    waiting: list[int] = []
    for m in messages:
        if m.sender == "customer":
            waiting.append(m.id)
        elif m.sender == "agent" and waiting:
            replies.update({i: m.text for i in waiting})
            waiting = []
    return replies


async def timeline_json(request: web.Request) -> web.Response:
    conversation_id, page = conversation_id_of(request), page_number(request)
    found = await asyncio.to_thread(
        request.app[SERVICES].review.timeline, conversation_id, page, MESSAGES_PER_PAGE
    )
    return web.json_response(
        {**found.to_json(), "page": page, "per_page": MESSAGES_PER_PAGE}, dumps=_dumps
    )


def _dumps(value: object) -> str:
    return json.dumps(value, default=str)


def back_to(conversation_id: str, **query: str) -> web.HTTPFound:
    url = URL(f"{PAGE}/{conversation_id}").with_query({k: v for k, v in query.items() if v})
    return web.HTTPFound(str(url))


async def add_tag(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    tag = str((await request.post()).get("tag", ""))
    try:
        await asyncio.to_thread(
            request.app[SERVICES].review.add_tag, conversation_id, tag, request["agent"].username
        )
    except ReviewError as exc:
        raise back_to(conversation_id, error=str(exc)) from None
    raise back_to(conversation_id)


async def remove_tag(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    tag = str((await request.post()).get("tag", ""))
    try:
        await asyncio.to_thread(request.app[SERVICES].review.remove_tag, conversation_id, tag)
    except ReviewError as exc:
        raise back_to(conversation_id, error=str(exc)) from None
    raise back_to(conversation_id)


def _csv(conversations: list[ExportedConversation]) -> str:
    out = io.StringIO()
    writer = csv_cells.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    writer.writerows(csv_rows(conversations))
    return out.getvalue()


async def export(request: web.Request) -> web.Response:
    """The filtered conversations with every message, as CSV (one row per message) or JSON;
    recorded in the audit trail with the filter and the counts."""
    kind = request.match_info["format"]
    f = review_filter(request)
    services = request.app[SERVICES]
    data = await asyncio.to_thread(services.review.export, f)
    detail = {
        "what": "conversations",
        "format": kind,
        "filter": _filter_query(request),
        "conversations": len(data),
        "messages": sum(len(c.messages) for c in data),
    }
    await asyncio.to_thread(services.audit.record, request["agent"], "export", detail=detail)
    if kind == "csv":
        body = _csv(data)
    else:
        body = json.dumps([c.to_json() for c in data], indent=2, default=str)
    stamp = datetime.utcnow().strftime("%Y%m%d-%H%M%S")
    return web.Response(
        text=body,
        content_type="text/csv" if kind == "csv" else "application/json",
        headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.{kind}"'},
    )


def add_routes(router: web.UrlDispatcher) -> None:
    one = f"{PAGE}/{{id}}"
    router.add_get(PAGE, conversations)
    router.add_get(f"{PAGE}.{{format:csv|json}}", export)
    router.add_get(f"{PAGE}/{{id}}/timeline.json", timeline_json)
    router.add_get(one, transcript)
    router.add_post(f"{one}/tags", add_tag)
    router.add_post(f"{one}/tags/remove", remove_tag)

"""The agent's ticket pages: queue, live ticket view, take, reply, correct, resolve, reassign.

Thin handlers: they parse the request, call a service in a worker thread or the ticket desk
(`bot.support.desk`: the ticket change, the audit entry and what the customer is told, in
order) and turn its refusals (TicketError, OutsideWindow, ChatUnavailable) into redirects
or JSON errors. The log is read through `Services.transcripts`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from bot.channels.windows import OutsideWindow, channel_name
from bot.pack.model import PRIORITIES
from bot.support.desk import ChatUnavailable
from bot.support.lifecycle import TicketError
from bot.support.models import Ticket
from bot.support.tickets import TicketService
from bot.web import push
from bot.web.console.chat import RasaChat
from bot.web.console.common import context, redirect
from bot.web.customer import clean_text, message_id, read_json
from bot.web.keys import SERVICES
from bot.web.notifier import TICKETS
from bot.web.numbers import NotANumber, path_id, whole_number
from bot.web.security import session_token

MAX_REPLY_CHARS = 2000


def _tickets(request: web.Request) -> TicketService:
    return request.app[SERVICES].tickets


def _ticket_path(ticket_id: int) -> str:
    return f"/console/tickets/{ticket_id}"


@aiohttp_jinja2.template("console_queue.html")
async def queue(request: web.Request) -> dict:
    tickets = await asyncio.to_thread(_tickets(request).queue, request["agent"])
    ids = [t.conversation_id for t in tickets]
    channels = await asyncio.to_thread(request.app[SERVICES].transcripts.channels_of, ids)
    names = {cid: channel_name(channels.get(cid)) for cid in ids}
    return await context(request, tickets=tickets, channels=names, now=datetime.utcnow())


def _queue_rows(tickets: list[Ticket]) -> list[dict]:
    """The queue as the page's script renders it (the channel is added separately)."""
    return [
        {
            "id": t.id,
            "priority": t.priority,
            "category": t.category,
            "queue": t.queue,
            "status": t.status,
            "conversation": t.conversation_id,
            "created": t.created_at.isoformat() + "Z",  # stored in UTC, naive
            "summary": t.summary.splitlines()[-1] if t.summary else "",
        }
        for t in tickets
    ]


async def _still_watching(request: web.Request) -> push.Beat:
    """What a console stream does at each heartbeat: the agent whose page it is counts as
    present (the queue and ticket pages send no other request for minutes, so without this
    they went "offline" two minutes into every five-minute stream), until their session
    ends (logout, password change), which ends the stream too."""
    services, agent = request.app[SERVICES], request["agent"]
    token = await session_token(request)

    def beat() -> bool:
        if services.sessions.agent_for(token) is None:
            return False
        services.presence.seen(agent)
        return True

    return beat


async def queue_stream(request: web.Request) -> web.StreamResponse:
    """The agent's queue as Server-Sent Events (`bot.web.push`): a `queue` event with every
    open ticket in the agent's queues whenever that list changes (a ticket opened, taken,
    reclassified, resolved), so the page updates live instead of reloading."""
    tickets, agent = _tickets(request), request["agent"]
    transcripts = request.app[SERVICES].transcripts
    shown: dict[str, list | None] = {"rows": None}

    def read(after: int) -> tuple[list[push.Event], int]:
        rows = _queue_rows(tickets.queue(agent))
        if rows == shown["rows"]:
            return [], after
        shown["rows"] = rows
        ids = [r["conversation"] for r in rows]
        channels = transcripts.channels_of(ids)  # only when the queue changed
        data = [{**r, "channel": channel_name(channels.get(r["conversation"]))} for r in rows]
        return [push.Event(data, name="queue")], after

    beat = await _still_watching(request)
    return await push.stream(request, 0, read, [], topic=TICKETS, beat=beat)


async def _ticket_or_404(request: web.Request) -> Ticket:
    ticket_id = path_id(request)
    try:
        return await asyncio.to_thread(_tickets(request).get, ticket_id, request["agent"])
    except TicketError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None


@aiohttp_jinja2.template("console_ticket.html")
async def ticket(request: web.Request) -> dict:
    found = await _ticket_or_404(request)
    agents = await asyncio.to_thread(request.app[SERVICES].agents.all)
    owner = next((a.name for a in agents if a.id == found.agent_id), None)
    transcripts = request.app[SERVICES].transcripts
    reach = await asyncio.to_thread(transcripts.customer_reach, found.conversation_id)
    return await context(
        request,
        ticket=found,
        owner=owner,
        channel=channel_name(reach.channel),
        agents=agents,
        categories=_tickets(request).ticket_settings.categories,  # the shop's, with descriptions
        priorities=PRIORITIES,
        error=request.query.get("error"),
    )


async def take(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    desk = request.app[SERVICES].desk
    try:
        taken = await desk.take(found, request["agent"], RasaChat(request))
    except TicketError as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    raise redirect(_ticket_path(found.id), taken.problem)  # why the customer was not told


async def reply(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    try:
        body = await read_json(request)
    except ValueError:
        return web.json_response({"error": 'send JSON: {"text": ...}'}, status=400)
    text = clean_text(str(body.get("text", "") if isinstance(body, dict) else ""))
    if not text or len(text) > MAX_REPLY_CHARS:
        return web.json_response({"error": f"1 to {MAX_REPLY_CHARS} characters"}, status=400)
    desk = request.app[SERVICES].desk
    try:
        await desk.reply(found, request["agent"], text, RasaChat(request))
    except (TicketError, OutsideWindow) as exc:
        return web.json_response({"error": str(exc)}, status=409)
    except ChatUnavailable as exc:
        return web.json_response({"error": str(exc)}, status=503)
    return web.json_response({"ok": True})


async def resolve(request: web.Request) -> web.Response:
    """Goodbye, the chat back to the bot, the ticket closed, a rating asked for (the desk);
    nothing changes if this agent does not hold it or Rasa is down."""
    found = await _ticket_or_404(request)
    desk = request.app[SERVICES].desk
    try:
        await desk.resolve(found, request["agent"], RasaChat(request))
    except (ChatUnavailable, TicketError) as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    raise redirect("/console")


async def correct(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    form = await request.post()
    category, priority = str(form.get("category")), str(form.get("priority"))
    desk = request.app[SERVICES].desk
    try:
        await desk.correct(found, request["agent"], category, priority)
    except TicketError as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    raise redirect(_ticket_path(found.id))


async def reassign(request: web.Request) -> web.Response:
    """Admins only (the guard checks the role too): hand the ticket to another agent."""
    found = await _ticket_or_404(request)
    form = await request.post()
    try:
        to_agent = whole_number(form.get("agent_id"))
    except NotANumber:
        raise redirect(_ticket_path(found.id), "pick an agent") from None
    try:
        await request.app[SERVICES].desk.reassign(found, request["agent"], to_agent)
    except TicketError as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    raise redirect(_ticket_path(found.id))


async def ticket_messages(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    try:
        after = message_id(request.query.get("after"), 0)
    except ValueError:
        return web.json_response({"error": "after must be a message id"}, status=400)
    transcripts = request.app[SERVICES].transcripts

    def read() -> dict:
        return {
            "messages": [
                m.to_json() for m in transcripts.messages_after(found.conversation_id, after)
            ],
            "status": transcripts.conversation_status(found.conversation_id),
        }

    return web.json_response(await asyncio.to_thread(read))


async def ticket_stream(request: web.Request) -> web.StreamResponse:
    """The ticket's transcript as Server-Sent Events (`bot.web.push`): each message with its
    id, and a `status` event whenever the conversation's status (bot, paused) changes."""
    found = await _ticket_or_404(request)
    try:
        after = message_id(push.resume_after(request), 0)
    except ValueError:
        return web.json_response({"error": "after must be a message id"}, status=400)
    transcripts, conversation = request.app[SERVICES].transcripts, found.conversation_id
    status = await asyncio.to_thread(transcripts.conversation_status, conversation)
    shown = {"status": status}

    def read(after: int) -> tuple[list[push.Event], int]:
        messages = transcripts.messages_after(conversation, after)
        events = [push.Event(m.to_json(), id=m.id) for m in messages]
        if messages:  # a status changes with a message (joined, left)
            now = transcripts.conversation_status(conversation)
            if now != shown["status"]:
                shown["status"] = now
                events.append(push.Event(now, name="status"))
        return events, max([after, *(m.id for m in messages)])

    first, beat = [push.Event(status, name="status")], await _still_watching(request)
    return await push.stream(request, after, read, first, topic=conversation, beat=beat)

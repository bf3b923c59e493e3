"""The agent's ticket pages: queue, live ticket view, take, reply, correct, resolve, reassign.

Thin handlers: the TicketService decides what is allowed (in a worker thread: it talks to
the database); Rasa's HTTP API carries agent messages and pause/resume into the
conversation, so the log and the widget see them. Each action that changed something is
written to the audit trail (`bot.support.audit`) for admins.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.channels.windows import OutsideWindow, agent_message_metadata, channel_name
from bot.support.classifier import CATEGORIES, PRIORITIES
from bot.support.lifecycle import TicketError
from bot.support.models import Ticket
from bot.web import push
from bot.web.console.common import context, redirect
from bot.web.customer import clean_text, message_id, read_json, to_rasa
from bot.web.keys import SERVICES
from bot.web.notifier import TICKETS
from bot.web.numbers import NotANumber, path_id, whole_number
from bot.web.rasa_client import RasaUnavailable
from bot.web.security import session_token

MAX_REPLY_CHARS = 2000
LISTEN = {"event": "action", "name": "action_listen"}
RATING = "action_ask_rating"  # run after a handoff is resolved
UNAVAILABLE = "The chat server did not answer; the customer was not told. Try again."


def _tickets(request: web.Request):
    return request.app[SERVICES].tickets


def _ticket_path(ticket_id: int) -> str:
    return f"/console/tickets/{ticket_id}"


async def _audit(
    request: web.Request, action: str, ticket: Ticket, detail: dict[str, Any] | None = None
) -> None:
    await asyncio.to_thread(
        request.app[SERVICES].audit.record,
        request["agent"],
        action,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        detail=detail,
    )


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
        categories=CATEGORIES,
        priorities=PRIORITIES,
        error=request.query.get("error"),
    )


async def _tell_customer(request: web.Request, conversation_id: str, events: list[dict]) -> None:
    """Into the conversation, and out on its channel (Messenger, Telegram) through Rasa."""
    await to_rasa(
        request,
        conversation_id,
        lambda rasa: rasa.append_events(conversation_id, events, deliver=True),
    )


async def _channel_metadata(request: web.Request, conversation_id: str) -> dict:
    """What the customer's platform needs on an agent's message now (Messenger's HUMAN_AGENT
    tag after 24 hours); OutsideWindow when it would not deliver it at all."""
    transcripts = request.app[SERVICES].transcripts
    reach = await asyncio.to_thread(transcripts.customer_reach, conversation_id)
    return agent_message_metadata(reach.channel, reach.last_customer_message_at, datetime.utcnow())


def _agent_says(request: web.Request, text: str, extra: dict | None = None) -> dict:
    agent = request["agent"]
    metadata = {"agent_id": agent.id, "agent_name": agent.name, **(extra or {})}
    return {"event": "bot", "text": text, "metadata": metadata}


async def take(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    agent = request["agent"]
    try:
        taken, joined = await asyncio.to_thread(_tickets(request).take, found.id, agent)
    except TicketError as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    if joined:
        await _audit(request, "take", found)
        joined_text = f"{agent.name} from the Kettle & Volt team has joined the chat."
        try:
            extra = await _channel_metadata(request, taken.conversation_id)
            await _tell_customer(
                request,
                taken.conversation_id,
                [{"event": "pause"}, _agent_says(request, joined_text, extra)],
            )
        except OutsideWindow as exc:  # the ticket is taken; the customer cannot be told
            await _tell_customer(request, taken.conversation_id, [{"event": "pause"}])
            raise redirect(_ticket_path(found.id), str(exc)) from None
        except RasaUnavailable:
            raise redirect(_ticket_path(found.id), UNAVAILABLE) from None
    raise redirect(_ticket_path(found.id))


async def reply(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    try:
        body = await read_json(request)
    except ValueError:
        return web.json_response({"error": 'send JSON: {"text": ...}'}, status=400)
    text = clean_text(str(body.get("text", "") if isinstance(body, dict) else ""))
    if not text or len(text) > MAX_REPLY_CHARS:
        return web.json_response({"error": f"1 to {MAX_REPLY_CHARS} characters"}, status=400)
    try:
        extra = await _channel_metadata(request, found.conversation_id)
        await asyncio.to_thread(_tickets(request).replied, found.id, request["agent"])
    except (TicketError, OutsideWindow) as exc:
        return web.json_response({"error": str(exc)}, status=409)
    try:
        await _tell_customer(request, found.conversation_id, [_agent_says(request, text, extra)])
    except RasaUnavailable:
        return web.json_response({"error": UNAVAILABLE}, status=503)
    await _audit(request, "reply", found, {"chars": len(text)})  # the text is in the log
    return web.json_response({"ok": True})


async def resolve(request: web.Request) -> web.Response:
    """Tell the customer, hand the chat back to the bot (which asks for a rating), then
    close the ticket; nothing changes if this agent does not hold it or Rasa is down."""
    found = await _ticket_or_404(request)
    tickets, agent = _tickets(request), request["agent"]
    try:
        await asyncio.to_thread(tickets.check_owner, found.id, agent)
        left = f"{agent.name} has marked this as solved and left the chat."
        try:
            said = [
                _agent_says(request, left, await _channel_metadata(request, found.conversation_id))
            ]
        except OutsideWindow:  # resolve anyway; the platform would refuse the goodbye
            said = []
        await _tell_customer(request, found.conversation_id, [*said, {"event": "resume"}])
        await asyncio.to_thread(tickets.resolve, found.id, agent)
        await _audit(request, "resolve", found)
        conversation = found.conversation_id
        await to_rasa(request, conversation, lambda rasa: rasa.execute_action(conversation, RATING))
        # An executed action is not followed by a listen; add it so the customer's answer
        # starts a normal turn that the rating rule recognises.
        await _tell_customer(request, found.conversation_id, [LISTEN])
    except RasaUnavailable:
        raise redirect(_ticket_path(found.id), UNAVAILABLE) from None
    except TicketError as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    raise redirect("/console")


async def correct(request: web.Request) -> web.Response:
    found = await _ticket_or_404(request)
    form = await request.post()
    category, priority = str(form.get("category")), str(form.get("priority"))
    try:
        await asyncio.to_thread(
            _tickets(request).correct, found.id, request["agent"], category, priority
        )
    except TicketError as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    before = {"category": found.category, "priority": found.priority}
    after = {"category": category, "priority": priority}
    await _audit(request, "correct", found, {"before": before, "after": after})
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
        await asyncio.to_thread(_tickets(request).reassign, found.id, request["agent"], to_agent)
    except TicketError as exc:
        raise redirect(_ticket_path(found.id), str(exc)) from None
    await _audit(request, "reassign", found, {"from": found.agent_id, "to": to_agent})
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

"""The customer's API behind the chat widget: validate input, call Rasa, turn failures into
clear JSON errors. Database reads run in a worker thread, never on the event loop."""

from __future__ import annotations

import asyncio
import re

import aiohttp_jinja2
from aiohttp import web

from bot import SHOP_NAME
from bot.conversations import transcripts
from bot.support.tickets import Reopened
from bot.web import rasa_client
from bot.web.keys import HTTP, SERVICES, SETTINGS

SENDER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_MESSAGE_CHARS = 2000
MAX_ID = 2**63 - 1  # the largest id a database column holds
BAD_SENDER = "sender must be 8-64 letters, digits, - or _"
BAD_BODY = 'Send JSON: {"sender": ..., "message": ...}'
UNAVAILABLE = "The assistant is unavailable right now. Please try again shortly."
RECONNECTING = "The assistant is reconnecting; your message will be sent as soon as it is back."


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _unavailable(exc: rasa_client.RasaUnavailable) -> web.Response:
    """503 with `resend`: true when Rasa is down or restarting (the message died with it),
    so the widget sends it again once Rasa is back; false when Rasa is up but slow or
    failing, and may still answer it: then the customer decides."""
    message = RECONNECTING if exc.down else UNAVAILABLE
    return web.json_response({"error": message, "resend": exc.down}, status=503)


def valid_sender(value: object) -> bool:
    return isinstance(value, str) and SENDER_ID.fullmatch(value) is not None


@aiohttp_jinja2.template("index.html")
async def index(request: web.Request) -> dict[str, str]:
    return {"shop_name": SHOP_NAME}


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _reopened_text(reopened: Reopened) -> str:
    if reopened.agent_name:
        return (
            f"I've reopened ticket #{reopened.ticket_id}; {reopened.agent_name} is back with "
            "you in this chat."
        )
    if reopened.agents_online:
        return (
            f"I've reopened ticket #{reopened.ticket_id}; a person from our team will join "
            "this chat shortly."
        )
    return (
        f"I've reopened ticket #{reopened.ticket_id}; our team will reply in this chat as "
        "soon as they are back. I'm happy to help meanwhile."
    )


async def _reopen_if_resolved(request: web.Request, sender: str, text: str) -> list[dict]:
    """Writing again soon after a resolved handoff reopens the ticket; when someone can take
    it the bot steps aside again. Returns what the customer is told."""
    services = request.app[SERVICES]
    reopened = await asyncio.to_thread(services.tickets.reopen_on_message, sender, text)
    if reopened is None:
        return []
    note = {"event": "bot", "text": _reopened_text(reopened)}
    events = [{"event": "pause"}, note] if reopened.agents_online else [note]
    settings = request.app[SETTINGS]
    await rasa_client.append_events(request.app[HTTP], settings.rasa_url, sender, events)
    return [{"from": "bot", "text": note["text"]}]


async def send_message(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, BAD_BODY)
    if not isinstance(body, dict):
        return _error(400, BAD_BODY)
    sender = body.get("sender")
    if not valid_sender(sender):
        return _error(400, BAD_SENDER)
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        return _error(400, "message must be non-empty text")
    if len(text) > MAX_MESSAGE_CHARS:
        return _error(413, f"message is longer than {MAX_MESSAGE_CHARS} characters")
    settings = request.app[SETTINGS]
    try:
        notes = await _reopen_if_resolved(request, sender, text)
        replies = await rasa_client.send(request.app[HTTP], settings.rasa_url, sender, text.strip())
    except rasa_client.RasaUnavailable as exc:
        return _unavailable(exc)
    return web.json_response({"messages": notes + replies})


async def history(request: web.Request) -> web.Response:
    sender = request.query.get("sender")
    if not valid_sender(sender):
        return _error(400, BAD_SENDER)
    settings = request.app[SETTINGS]
    try:
        messages = await rasa_client.history(request.app[HTTP], settings.rasa_url, sender)
    except rasa_client.RasaUnavailable:
        return _error(503, UNAVAILABLE)
    return web.json_response({"messages": messages})


def message_id(raw: str | None, default: int) -> int:
    """A message id from a query string; ValueError unless it is an integer a database holds."""
    if raw is None or raw == "":
        return default
    value = int(raw)
    if not -1 <= value <= MAX_ID:
        raise ValueError(raw)
    return value


async def updates(request: web.Request) -> web.Response:
    """What reached the conversation from outside the customer's own requests (an agent's
    messages, the rating prompt), after message id `after`; the widget polls this."""
    sender = request.query.get("sender")
    if not valid_sender(sender):
        return _error(400, BAD_SENDER)
    try:
        after = message_id(request.query.get("after"), -1)
    except ValueError:
        return _error(400, "after must be a message id")
    engine = request.app[SERVICES].engine
    if after < 0:  # first call: start from now
        last = await asyncio.to_thread(transcripts.last_message_id, engine, sender)
        return web.json_response({"messages": [], "last_id": last})
    messages, status = await asyncio.to_thread(_pushed, engine, sender, after)
    return web.json_response(
        {
            "messages": [
                {"from": m["from"], "text": m["text"], "agent": m["agent"], "buttons": m["buttons"]}
                for m in messages
            ],
            "last_id": max([after, *(m["id"] for m in messages)]),
            "status": status,
        }
    )


def _pushed(engine, sender: str, after: int) -> tuple[list[dict], str]:
    messages = transcripts.messages_after(engine, sender, after, pushed_only=True)
    return messages, transcripts.conversation_status(engine, sender)

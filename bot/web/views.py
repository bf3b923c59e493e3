"""HTTP handlers: validate input, call Rasa, turn failures into clear JSON errors."""

from __future__ import annotations

import re

import aiohttp_jinja2
from aiohttp import web

from bot import SHOP_NAME, transcripts
from bot.web import rasa_client
from bot.web.keys import HTTP, SETTINGS, SHOP

SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_MESSAGE_CHARS = 2000


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _valid_sender(value: object) -> bool:
    return isinstance(value, str) and bool(SENDER_ID.match(value))


BAD_SENDER = "sender must be 8-64 letters, digits, - or _"


@aiohttp_jinja2.template("index.html")
async def index(request: web.Request) -> dict[str, str]:
    return {"shop_name": SHOP_NAME}


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def send_message(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, 'Send JSON: {"sender": ..., "message": ...}')
    if not isinstance(body, dict):
        return _error(400, 'Send JSON: {"sender": ..., "message": ...}')
    sender = body.get("sender")
    if not _valid_sender(sender):
        return _error(400, BAD_SENDER)
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        return _error(400, "message must be non-empty text")
    if len(text) > MAX_MESSAGE_CHARS:
        return _error(413, f"message is longer than {MAX_MESSAGE_CHARS} characters")
    settings = request.app[SETTINGS]
    try:
        replies = await rasa_client.send(request.app[HTTP], settings.rasa_url, sender, text.strip())
    except rasa_client.RasaUnavailable:
        return _error(503, "The assistant is unavailable right now. Please try again shortly.")
    return web.json_response({"messages": replies})


async def history(request: web.Request) -> web.Response:
    sender = request.query.get("sender")
    if not _valid_sender(sender):
        return _error(400, BAD_SENDER)
    settings = request.app[SETTINGS]
    try:
        messages = await rasa_client.history(request.app[HTTP], settings.rasa_url, sender)
    except rasa_client.RasaUnavailable:
        return _error(503, "The assistant is unavailable right now. Please try again shortly.")
    return web.json_response({"messages": messages})


async def updates(request: web.Request) -> web.Response:
    """What reached the conversation from outside the customer's own requests (an agent's
    messages, the rating prompt), after message id `after`; the widget polls this."""
    sender = request.query.get("sender")
    if not _valid_sender(sender):
        return _error(400, BAD_SENDER)
    engine = request.app[SHOP].engine
    try:
        after = int(request.query.get("after", "-1"))
    except ValueError:
        return _error(400, "after must be a message id")
    if after < 0:  # first call: start from now
        return web.json_response(
            {"messages": [], "last_id": transcripts.last_message_id(engine, sender)}
        )
    messages = transcripts.messages_after(engine, sender, after, pushed_only=True)
    last = max([after, *(m["id"] for m in messages)])
    return web.json_response({
        "messages": [
            {"from": m["from"], "text": m["text"], "agent": m["agent"], "buttons": m["buttons"]}
            for m in messages
        ],
        "last_id": last,
        "status": transcripts.conversation_status(engine, sender),
    })  # fmt: skip

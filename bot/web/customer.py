"""The customer's API behind the chat widget: validate input, call Rasa, turn failures into
clear JSON errors. Database reads run in a worker thread, never on the event loop.

Whose conversation a request belongs to comes only from the signed cookie (`identity`);
a `sender` in the body or query is ignored. Typed text never reaches Rasa as intent syntax;
a button's payload does, and only if the bot offered that button since the customer last
wrote.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp_jinja2
from aiohttp import web

from bot.conversations.transcripts import FeedMessage, TranscriptService
from bot.outages import DatabaseUnavailable
from bot.privacy.redact import redact_at_edge
from bot.support.tickets import Reopened
from bot.web import push
from bot.web.identity import CONVERSATION, COOKIE, Handler, verify
from bot.web.keys import CHAT_KEY, PACK, REPLICAS, SERVICES
from bot.web.numbers import whole_number
from bot.web.rasa_client import RasaClient, RasaDown, RasaUnavailable, RasaUnreached, as_text

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2000
BAD_BODY = 'Send JSON: {"message": "..."} or, for a button, {"payload": "..."}'
EXPIRED = "That choice has expired: please type your answer instead."
UNAVAILABLE = "The assistant is unavailable right now. Please try again shortly."
# Characters no database column keeps (NUL in PostgreSQL text, unpaired surrogates in UTF-8)
# and other C0 controls; tab and newlines stay.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
RECONNECTING = "The assistant is reconnecting; your message will be sent as soon as it is back."
T = TypeVar("T")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /api/ every error is JSON with an `error` message: unknown paths, wrong
    methods, oversized bodies, and (logged) anything unexpected."""
    if not request.path.startswith("/api/"):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return web.json_response({"error": exc.reason}, status=exc.status, headers=headers)
    except Exception:
        log.exception("customer API: %s %s failed", request.method, request.path)
        return _error(500, "Something went wrong on our side. Please try again.")


async def to_rasa(
    request: web.Request, sender: str, use: Callable[[RasaClient], Awaitable[T]]
) -> T:
    """`await use(rasa)` on the conversation's Rasa replica (`bot.web.replicas`: another one
    if that one is down and never got the request)."""
    return await request.app[REPLICAS].call(sender, use)


def _unavailable(exc: RasaUnavailable) -> web.Response:
    """503 with `resend`: true when Rasa is down or restarting (RasaDown: the message died
    with it), so the widget sends it again once Rasa is back; false when Rasa is up but slow
    or failing, and may still answer it: then the customer decides."""
    down = isinstance(exc, RasaDown)
    return web.json_response(
        {"error": RECONNECTING if down else UNAVAILABLE, "resend": down}, status=503
    )


async def read_json(request: web.Request) -> object:
    """The request's JSON body; ValueError for anything else, including nesting too deep for
    the parser (a RecursionError otherwise). Only `application/json`: a cross-site form or
    `text/plain` post cannot send that without a CORS preflight, which this app never grants."""
    if request.content_type != "application/json":
        raise ValueError("not JSON")
    try:
        return await request.json()
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def storable(text: str) -> bool:
    """False for text a database would refuse (or that no stored id could match)."""
    return UNSTORABLE.search(text) is None


def clean_text(text: str) -> str:
    """The customer's text without characters that cannot be stored, trimmed."""
    return UNSTORABLE.sub("", text).strip()


async def index(request: web.Request) -> web.Response:
    """The chat page in the shop's own look: name, colours, logo, welcome and suggestions
    (the pack's `widget`; values validated when the pack loaded)."""
    pack = request.app[PACK]
    theme = pack.theme
    return aiohttp_jinja2.render_template(
        "index.html",
        request,
        {
            "shop_name": pack.name,
            "lang": pack.locale.split("-")[0],
            "theme": theme,
            "colours": "; ".join(f"--{k.replace('_', '-')}: {v}" for k, v in theme.colours.items()),
            "suggestions": json.dumps(list(theme.suggestions)),
        },
    )


async def logo(request: web.Request) -> web.FileResponse:
    """The pack's logo (the file `widget.logo` names inside the pack), or 404."""
    path = request.app[PACK].theme.logo
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


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


async def reopen_if_resolved(
    request: web.Request, sender: str, text: str, deliver: bool = False
) -> list[dict]:
    """Writing again soon after a resolved handoff reopens the ticket; when someone can take
    it the bot steps aside again. Returns what the customer is told; `deliver`: tell them on
    their messaging platform too (`bot.web.channels`)."""
    services = request.app[SERVICES]
    if not await asyncio.to_thread(services.tickets.would_reopen, sender, text):
        return []
    if not await request.app[REPLICAS].reachable(sender):
        # Reopen only when the pause can reach Rasa: the widget resends once Rasa is back.
        raise RasaDown("Rasa is not answering")
    reopened = await asyncio.to_thread(services.tickets.reopen_on_message, sender, text)
    if reopened is None:
        return []
    note = {"event": "bot", "text": _reopened_text(reopened)}
    events = [{"event": "pause"}, note] if reopened.agents_online else [note]
    await to_rasa(request, sender, lambda rasa: rasa.append_events(sender, events, deliver))
    return [{"from": "bot", "text": note["text"]}]


class BadMessage(ValueError):
    """The request does not carry a message we can send; `status` and the text say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _field(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not clean_text(value):
        raise BadMessage(400, f"{name} must be non-empty text")
    if len(value) > MAX_MESSAGE_CHARS:
        raise BadMessage(413, f"{name} is longer than {MAX_MESSAGE_CHARS} characters")
    return clean_text(value)


async def _what_to_send(request: web.Request, body: object, sender: str) -> str:
    """Typed text (card numbers and passwords redacted, guarded against intent syntax), or
    the payload of a button the bot offered since the customer last wrote."""
    if not isinstance(body, dict):
        raise BadMessage(400, BAD_BODY)
    if "payload" not in body:
        typed = await asyncio.to_thread(redact_at_edge, _field(body, "message"))
        return as_text(typed)
    payload = _field(body, "payload")
    offered = await to_rasa(request, sender, lambda rasa: rasa.offered(sender))
    if payload not in offered:
        raise BadMessage(409, EXPIRED)
    return payload


async def send_message(request: web.Request) -> web.Response:
    sender = request[CONVERSATION]
    try:
        body = await read_json(request)
    except ValueError:
        return _error(400, BAD_BODY)
    try:
        text = await _what_to_send(request, body, sender)
        try:
            notes = await reopen_if_resolved(request, sender, text)
        except DatabaseUnavailable as exc:
            # The database is down or restarting, and nothing reached Rasa yet.
            log.warning("database unavailable before sending a message: %s", exc.reason)
            raise RasaUnreached("database unavailable") from None
        replies = await to_rasa(request, sender, lambda rasa: rasa.send(sender, text))
    except BadMessage as exc:
        return _error(exc.status, str(exc))
    except RasaUnavailable as exc:
        return _unavailable(exc)
    return web.json_response({"messages": notes + replies})


async def history(request: web.Request) -> web.Response:
    sender = request[CONVERSATION]
    try:
        messages = await to_rasa(request, sender, lambda rasa: rasa.history(sender))
    except RasaUnavailable:
        return _error(503, UNAVAILABLE)
    return web.json_response({"messages": messages})


def message_id(raw: str | None, default: int) -> int:
    """A message id from a query string or Last-Event-ID (-1: from now on); NotANumber (a
    ValueError) unless it is ASCII digits a database holds (`bot.web.numbers`)."""
    if raw is None or raw == "":
        return default
    return -1 if raw == "-1" else whole_number(raw)


async def updates(request: web.Request) -> web.Response:
    """What reached the conversation from outside the customer's own requests (an agent's
    messages, the rating prompt), after message id `after`; the widget polls this."""
    sender = request[CONVERSATION]
    try:
        after = message_id(request.query.get("after"), -1)
    except ValueError:
        return _error(400, "after must be a message id")
    transcripts = request.app[SERVICES].transcripts
    if after < 0:  # first call: start from now
        last = await asyncio.to_thread(transcripts.last_message_id, sender)
        return web.json_response({"messages": [], "last_id": last})
    messages, status = await asyncio.to_thread(_pushed, transcripts, sender, after)
    return web.json_response(
        {
            "messages": [_shown(m) for m in messages],
            "last_id": max([after, *(m.id for m in messages)]),
            "status": status,
        }
    )


def _pushed(
    transcripts: TranscriptService, sender: str, after: int
) -> tuple[list[FeedMessage], str]:
    messages = transcripts.messages_after(sender, after, pushed_only=True)
    return messages, transcripts.conversation_status(sender)


def _shown(message: FeedMessage) -> dict:
    """What the widget gets of a logged message."""
    sent = message.to_json()
    return {key: sent[key] for key in ("from", "text", "agent", "buttons")}


async def stream(request: web.Request) -> web.StreamResponse:
    """The push version of `updates`: Server-Sent Events, resumable after a message id (see
    `bot.web.push`). Without a valid cookie there is no conversation to follow yet: 204,
    with a new cookie, and the browser's next request starts one."""
    if verify(request.cookies.get(COOKIE), request.app[CHAT_KEY]) is None:
        return web.Response(status=204)
    sender = request[CONVERSATION]
    try:
        after = message_id(push.resume_after(request), -1)
    except ValueError:
        return _error(400, "after must be a message id")
    transcripts = request.app[SERVICES].transcripts
    if after < 0:  # first connection: start from now
        after = await asyncio.to_thread(transcripts.last_message_id, sender)

    def read(after: int) -> tuple[list[push.Event], int]:
        messages = transcripts.messages_after(sender, after, pushed_only=True)
        events = [push.Event(_shown(m), id=m.id) for m in messages]
        return events, max([after, *(m.id for m in messages)])

    return await push.stream(request, after, read, [], topic=sender)

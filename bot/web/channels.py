"""The messaging platforms' webhooks, at the web app's public entry.

Meta and Telegram call `/webhooks/<channel>/webhook` here; the call is passed, byte for byte
(the signature covers the raw body), with only the platform's own signature headers, to
Rasa's channel of that name on the internal host, with Rasa's token added. Rasa keeps
listening on loopback only and its token never leaves the machine; the channel itself checks
the platform's signature or secret (`bot.channels`), so a forged call is refused (403) before
anything is stored. The body may be up to 1 MiB (the API's 64 KiB cap would break the
signature check of long or batched messages), read as a stream.

Before a genuine call (its signature or secret checked here too, with the same settings) goes
on, each message in it gets the widget's reopen rule (`customer.reopen_if_resolved`): a
customer writing again soon after a resolved handoff reopens the ticket, and the pause and the
note reach Rasa first, so the bot stays silent and the note goes out on the platform.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from aiohttp import web

from bot.channels.messenger_format import inbound_text
from bot.channels.signatures import same_secret, valid_hub_signature
from bot.channels.telegram_updates import update_text
from bot.web.customer import reopen_if_resolved, to_rasa
from bot.web.keys import SETTINGS
from bot.web.rasa_client import RasaUnavailable

log = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 1024 * 1024
# Per channel, the request headers Rasa's channel needs; nothing else is passed on.
PASSED_HEADERS = {
    "facebook": ("Content-Type", "X-Hub-Signature-256"),
    "telegram": ("Content-Type", "X-Telegram-Bot-Api-Secret-Token"),
}
SIGNATURE_HEADER, SECRET_HEADER = PASSED_HEADERS["facebook"][1], PASSED_HEADERS["telegram"][1]


async def _body(request: web.Request) -> bytes:
    """The raw body, up to MAX_WEBHOOK_BYTES (413 beyond)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_WEBHOOK_BYTES, size)
        chunks.append(chunk)
    return b"".join(chunks)


def _messenger_messages(payload: dict) -> Iterator[tuple[str, str]]:
    for entry in payload.get("entry") or []:
        for event in (entry or {}).get("messaging") or []:
            sender = ((event or {}).get("sender") or {}).get("id")
            text = inbound_text(event) if isinstance(event, dict) else None
            if isinstance(sender, str) and sender and text:
                yield sender, text


def genuine_messages(request: web.Request, channel: str, body: bytes) -> list[tuple[str, str]]:
    """(conversation, text) of each message in a call whose signature (Messenger) or secret
    (Telegram) is right; nothing for any other call, which Rasa's channel refuses anyway."""
    settings = request.app[SETTINGS]
    headers = request.headers
    if channel == "facebook":
        genuine = valid_hub_signature(
            settings.messenger_app_secret or "", body, headers.get(SIGNATURE_HEADER)
        )
    else:
        secret = settings.telegram_secret or ""
        genuine = bool(secret) and same_secret(headers.get(SECRET_HEADER), secret)
    try:
        payload = json.loads(body) if genuine else None
    except ValueError:
        return []
    if not isinstance(payload, dict):
        return []
    if channel == "facebook":
        return list(_messenger_messages(payload))
    said = update_text(payload)
    return [said[:2]] if said else []


async def forward(request: web.Request) -> web.Response:
    channel = request.match_info["channel"]
    if channel not in PASSED_HEADERS:
        raise web.HTTPNotFound(text=f"no channel {channel!r}")
    body = await _body(request) if request.method == "POST" else None
    headers = {h: request.headers[h] for h in PASSED_HEADERS[channel] if h in request.headers}
    params = [(k, v) for k, v in request.query.items() if k != "token"]
    messages = genuine_messages(request, channel, body) if body else []
    try:
        for sender, text in messages:
            await reopen_if_resolved(request, sender, text, deliver=True)
        # The first message's conversation picks the replica (any replica may serve any).
        sender = messages[0][0] if messages else ""
        path = f"/webhooks/{channel}/webhook"
        answer = await to_rasa(
            request, sender, lambda rasa: rasa.relay(request.method, path, params, body, headers)
        )
    except RasaUnavailable as exc:
        log.warning("webhook %s: Rasa did not answer (%s)", channel, exc)
        return web.Response(status=503, text="the assistant is unavailable, retry later")
    return web.Response(status=answer.status, body=answer.body, content_type=answer.content_type)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/webhooks/{channel}/webhook", forward)
    app.router.add_post("/webhooks/{channel}/webhook", forward)

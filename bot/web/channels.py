"""The messaging platforms' webhooks, at the web app's public entry.

Meta and Telegram call `/webhooks/<channel>/webhook` here; the call is passed, byte for byte
(the signature covers the raw body), with only the platform's own signature headers, to
Rasa's channel of that name on the internal host, with Rasa's token added. Rasa keeps
listening on loopback only and its token never leaves the machine; the channel itself checks
the platform's signature or secret (`bot.channels`), so a forged call is refused (403) before
anything is stored. The body may be up to 1 MiB (the API's 64 KiB cap would break the
signature check of long or batched messages), read as a stream.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web

from bot.web.keys import HTTP, RASA

log = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 1024 * 1024
# Per channel, the request headers Rasa's channel needs; nothing else is passed on.
PASSED_HEADERS = {
    "facebook": ("Content-Type", "X-Hub-Signature-256"),
    "telegram": ("Content-Type", "X-Telegram-Bot-Api-Secret-Token"),
}


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


async def forward(request: web.Request) -> web.Response:
    channel = request.match_info["channel"]
    if channel not in PASSED_HEADERS:
        raise web.HTTPNotFound(text=f"no channel {channel!r}")
    rasa = request.app[RASA]
    body = await _body(request) if request.method == "POST" else None
    headers = {h: request.headers[h] for h in PASSED_HEADERS[channel] if h in request.headers}
    params = [(k, v) for k, v in request.query.items() if k != "token"] + [("token", rasa.token)]
    url = f"{rasa.url}/webhooks/{channel}/webhook"
    try:
        async with request.app[HTTP].request(
            request.method, url, params=params, data=body, headers=headers
        ) as answer:
            content = await answer.read()
            return web.Response(
                status=answer.status, body=content, content_type=answer.content_type
            )
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("webhook %s: Rasa did not answer (%s)", channel, type(exc).__name__)
        return web.Response(status=503, text="the assistant is unavailable, retry later")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/webhooks/{channel}/webhook", forward)
    app.router.add_post("/webhooks/{channel}/webhook", forward)

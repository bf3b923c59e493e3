"""How each way of Rasa failing reaches the web app: as one of three typed errors, picked by
aiohttp's exception types and whether a connection was made (never by a message's wording),
which decide what the customer is told and whether another replica may take the message."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest
from aiohttp import web

from bot.web import create_app
from bot.web.customer import RECONNECTING, UNAVAILABLE
from bot.web.rasa_client import RasaClient, RasaDown, RasaUnavailable, RasaUnreached
from tests.conftest import RASA_TOKEN, web_settings

TELEGRAM_SECRET = "telegram-webhook-secret"


async def stand_in(aiohttp_server, handler, hits: list | None = None) -> str:
    """A Rasa whose REST webhook runs `handler` (each request counted in `hits`)."""

    async def webhook(request: web.Request) -> web.StreamResponse:
        (hits if hits is not None else []).append(request.query.get("token"))
        return await handler(request)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return str((await aiohttp_server(app)).make_url("")).rstrip("/")


async def failure(rasa: RasaClient) -> RasaUnavailable:
    try:
        with pytest.raises(RasaUnavailable) as raised:
            await rasa.send("conv-1", "hi")
    finally:
        await rasa.close()
    assert RASA_TOKEN not in str(raised.value) and RASA_TOKEN not in repr(rasa)
    return raised.value


async def test_nothing_listening_is_unreached(unused_tcp_port):
    error = await failure(RasaClient(f"http://127.0.0.1:{unused_tcp_port}", RASA_TOKEN))
    assert isinstance(error, RasaUnreached)  # another replica may take it at once


async def test_a_connection_never_accepted_in_time_is_unreached():
    """A listening socket whose backlog is full drops new connections' SYNs: the connect
    timeout fires before a byte is sent."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        queued = [socket.socket() for _ in range(3)]
        for sock in queued:
            sock.setblocking(False)
            try:
                sock.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
        await asyncio.sleep(0.1)
        try:
            rasa = RasaClient(f"http://127.0.0.1:{port}", RASA_TOKEN, 5.0, connect_timeout_s=0.3)
            error = await failure(rasa)
        finally:
            for sock in queued:
                sock.close()
    assert isinstance(error, RasaUnreached)


async def test_no_answer_in_time_may_still_be_handled(aiohttp_server):
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response([])

    hits: list = []
    url = await stand_in(aiohttp_server, hang, hits)
    error = await failure(RasaClient(url, RASA_TOKEN, timeout_s=0.3))
    assert type(error) is RasaUnavailable and hits == [RASA_TOKEN]  # it got there: not down


async def test_a_read_timeout_after_connecting_is_not_unreached(aiohttp_server):
    """aiohttp raises the same ServerTimeoutError for a read timeout as for a connect
    timeout; the connection having been made tells them apart."""

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response([])

    rasa = RasaClient(await stand_in(aiohttp_server, hang), RASA_TOKEN)
    rasa.timeout = aiohttp.ClientTimeout(total=5, sock_read=0.3)
    assert type(await failure(rasa)) is RasaUnavailable


async def test_a_dropped_connection_is_down_but_not_unreached(aiohttp_server):
    async def die(request: web.Request) -> web.Response:
        request.transport.close()  # what kill -9 does to the connection
        return web.json_response([])

    error = await failure(RasaClient(await stand_in(aiohttp_server, die), RASA_TOKEN))
    assert isinstance(error, RasaDown) and not isinstance(error, RasaUnreached)


@pytest.mark.parametrize("status", [500, 502, 401])
async def test_an_error_status_keeps_its_code(aiohttp_server, caplog, status):
    async def fail(request: web.Request) -> web.Response:
        return web.json_response({"error": "no"}, status=status)

    url = await stand_in(aiohttp_server, fail)
    with caplog.at_level(logging.ERROR, logger="bot.web.rasa_client"):
        error = await failure(RasaClient(url, RASA_TOKEN))
    assert type(error) is RasaUnavailable and error.status == status
    assert ("check CSBOT_RASA_TOKEN" in caplog.text) == (status == 401)


async def test_an_answer_that_is_not_json_is_unavailable(aiohttp_server):
    async def garbled(request: web.Request) -> web.Response:
        return web.Response(text="<html>proxy error</html>")

    error = await failure(RasaClient(await stand_in(aiohttp_server, garbled), RASA_TOKEN))
    assert type(error) is RasaUnavailable


async def test_the_session_is_opened_on_first_use_and_closed_once(aiohttp_server):
    async def echo(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([{"text": f"heard {body['message']}"}, {"text": ""}])

    rasa = RasaClient(await stand_in(aiohttp_server, echo), RASA_TOKEN)
    assert await rasa.send("conv-1", "hi") == [{"from": "bot", "text": "heard hi"}]
    await rasa.close()
    await rasa.close()
    assert await rasa.send("conv-1", "again") == [{"from": "bot", "text": "heard again"}]
    await rasa.close()


# --- what the customer and the messaging platforms see -------------------------------------


async def test_rasa_out_is_we_cant_reach_the_assistant_everywhere(
    aiohttp_client, unused_tcp_port, web_services, tmp_path
):
    """Rasa not running: the widget says it is reconnecting and resends by itself, its
    history says to try again shortly, and a platform's webhook gets a 503 to retry."""
    settings = web_settings(
        f"http://127.0.0.1:{unused_tcp_port}",
        tmp_path,
        telegram_token="123:abc",
        telegram_secret=TELEGRAM_SECRET,
    )
    client = await aiohttp_client(create_app(settings, web_services))

    sent = await client.post("/api/messages", json={"message": "where is my order?"})
    assert sent.status == 503
    assert await sent.json() == {"error": RECONNECTING, "resend": True}

    history = await client.get("/api/history")
    assert history.status == 503 and await history.json() == {"error": UNAVAILABLE}

    update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 42}, "text": "hi"}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    webhook = await client.post("/webhooks/telegram/webhook", json=update, headers=headers)
    assert webhook.status == 503 and "retry later" in await webhook.text()

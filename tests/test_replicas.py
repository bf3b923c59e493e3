"""The web app in front of several Rasa replicas (stand-in aiohttp servers that count what
reaches them): a conversation sticks to one, moves when it is down, comes back when it is
up; a request that may have reached Rasa is never sent to a second one."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from bot.web import create_app
from bot.web.replicas import Replicas
from tests.conftest import RASA_TOKEN, conversation_of, web_settings

TELEGRAM_SECRET = "telegram-webhook-secret"


class FakeReplica:
    """One stand-in Rasa on a fixed port that can be stopped (connections refused) and
    started again; `hang_s` makes its REST webhook answer late, `drop` close the connection
    (what kill -9 does) after reading the message."""

    def __init__(self, aiohttp_server, port: int, name: str) -> None:
        self.make, self.port, self.name = aiohttp_server, port, name
        self.received: list[tuple[str, str]] = []  # (path, conversation)
        self.hang_s = 0.0
        self.drop = False
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self.hello)
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_route("*", "/webhooks/{channel}/webhook", self.channel)
        app.router.add_get("/conversations/{sender}/tracker", self.tracker)
        self.server = await self.make(app, port=self.port)

    async def stop(self) -> None:
        await self.server.close()

    async def hello(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        assert request.query.get("token") == RASA_TOKEN
        body = await request.json()
        self.received.append((request.path, body["sender"]))
        if self.drop:
            request.transport.close()
        await asyncio.sleep(self.hang_s)
        return web.json_response([{"text": f"{self.name} heard: {body['message']}"}])

    async def channel(self, request: web.Request) -> web.Response:
        body = await request.read()
        sender = json.loads(body)["message"]["chat"]["id"] if body else ""
        self.received.append((request.path, str(sender)))
        return web.Response(text=f"{self.name} took it")

    async def tracker(self, request: web.Request) -> web.Response:
        return web.json_response({"events": []})


@pytest.fixture
async def replicas(aiohttp_server, unused_tcp_port_factory):
    started = [FakeReplica(aiohttp_server, unused_tcp_port_factory(), n) for n in ("a", "b")]
    for replica in started:
        await replica.start()
    return started


@pytest.fixture
def make_client(aiohttp_client, web_services, tmp_path, replicas):
    """A fresh widget client (its own conversation) on one web app over both replicas."""
    settings = web_settings(
        replicas[0].url,
        tmp_path,
        rasa_replica_urls=tuple(r.url for r in replicas),
        rasa_timeout_s=0.5,
        telegram_token="123:abc",
        telegram_secret=TELEGRAM_SECRET,
        rasa_recheck_s=0.1,
    )
    app = create_app(settings, web_services)
    clients: list = []

    async def make():
        # the first starts the app; each next one shares its server with a cookie jar of its own
        clients.append(await aiohttp_client(clients[0].server if clients else app))
        return clients[-1]

    return make


async def customers(make_client, count: int) -> list:
    made = [await make_client() for _ in range(count)]
    for client in made:
        await conversation_of(client)
    return made


def senders_of(replica: FakeReplica) -> set[str]:
    return {sender for _, sender in replica.received}


async def say(client, text: str = "hi"):
    return await client.post("/api/messages", json={"message": text})


async def test_each_conversation_sticks_to_one_replica_and_both_get_some(make_client, replicas):
    clients = await customers(make_client, 16)
    for turn in range(3):
        for client in clients:
            assert (await say(client, f"message {turn}")).status == 200
    a, b = senders_of(replicas[0]), senders_of(replicas[1])
    assert not a & b  # no conversation on both
    assert len(a | b) == 16 and a and b
    assert len(replicas[0].received) + len(replicas[1].received) == 48


async def test_a_replica_down_its_conversations_go_to_the_other_then_come_back(
    make_client, replicas
):
    a, b = replicas
    clients = await customers(make_client, 12)
    for client in clients:
        await say(client)
    on_a = senders_of(a)
    assert on_a
    await a.stop()
    before_b = len(b.received)
    for client in clients:
        response = await say(client, "still there?")
        assert response.status == 200
        assert (await response.json())["messages"][0]["text"].startswith("b heard")
    assert len(b.received) - before_b == 12  # every message once, none lost

    await a.start()
    await asyncio.sleep(0.5)  # the recheck (every 0.1 s here) finds it answering again
    a.received.clear()
    for client in clients:
        assert (await say(client, "back?")).status == 200
    assert senders_of(a) == on_a  # the same conversations as before, and only those


async def test_all_replicas_down_is_the_reconnecting_error(make_client, replicas):
    client = await make_client()
    for replica in replicas:
        await replica.stop()
    response = await say(client)
    body = await response.json()
    assert response.status == 503 and body["resend"] is True and "reconnecting" in body["error"]


async def test_a_read_timeout_is_not_sent_to_another_replica(make_client, replicas):
    client = await make_client()
    for replica in replicas:
        replica.hang_s = 2.0  # longer than the web app's 0.5 s
    response = await say(client)
    body = await response.json()
    assert response.status == 503 and body["resend"] is False  # the customer decides
    deliveries = replicas[0].received + replicas[1].received
    assert len(deliveries) == 1  # Rasa may still process it: exactly once


async def test_a_connection_dropped_after_sending_is_not_sent_to_another_replica(
    make_client, replicas
):
    client = await make_client()
    for replica in replicas:
        replica.drop = True
    response = await say(client)
    assert response.status == 503 and (await response.json())["resend"] is True
    assert len(replicas[0].received + replicas[1].received) == 1


async def test_a_channel_webhook_goes_to_a_replica_that_is_up(make_client, replicas):
    client = await make_client()
    update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 42}, "text": "hi"}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    first = await client.post("/webhooks/telegram/webhook", json=update, headers=headers)
    assert first.status == 200
    took = next(r for r in replicas if r.received)
    other = next(r for r in replicas if r is not took)
    await took.stop()
    again = await client.post("/webhooks/telegram/webhook", json=update, headers=headers)
    assert again.status == 200 and await again.text() == f"{other.name} took it"
    assert [s for _, s in took.received + other.received] == ["42", "42"]


def test_rendezvous_order_moves_only_the_down_replicas_conversations():
    urls = [f"http://10.0.0.{i}:5005" for i in range(1, 4)]
    replicas = Replicas(urls, "token")
    first = {c: replicas.order(c)[0].url for c in (f"conversation-{i}" for i in range(300))}
    assert set(first.values()) == set(urls)  # all three get conversations
    replicas.down.add(urls[0])
    after = {c: replicas.order(c)[0].url for c in first}
    moved = {c for c in first if first[c] != after[c]}
    assert moved == {c for c in first if first[c] == urls[0]}
    assert urls[0] not in after.values()

"""Card numbers, their expiry dates and security codes, IBANs and passwords never reach Rasa
(so never its tracker store's `events` table): the widget's text is redacted by the web app
before it calls Rasa, Messenger's and Telegram's by csbot's channels before Rasa's
`UserMessage`. Emails, phone numbers and order numbers reach it as typed: the bot looks
orders up by them."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from sanic import Sanic

from bot.channels.messenger import MessengerInput
from bot.channels.signatures import hub_signature
from bot.channels.telegram import TelegramInput
from bot.web import create_app
from tests.conftest import RASA_TOKEN, _free_port, conversation_of, web_settings
from tests.fake_platforms import BOT_TOKEN, PAGE_TOKEN, fake_bot_api_app, fake_graph_app

TYPED = (
    "card 4111 1111 1111 1111 exp 12/27 cvv 123, IBAN DE89 3704 0044 0532 0130 00, my password"
    " is Kettle2024! and pin 9876; order 100234, I'm emma.larsen@example.com, 503-413-7720"
)
REACHES_RASA = (
    "card [CARD] exp [EXPIRY] cvv [CVV], IBAN [IBAN], my password is [PASSWORD] and pin"
    " [PASSWORD]; order 100234, I'm emma.larsen@example.com, 503-413-7720"
)
LOOKUPS = "where is order #100234? my email is Emma.Larsen+shop@example.co.uk"
APP_SECRET, TELEGRAM_SECRET = "edge-app-secret", "edge_webhook-secret_9"


async def test_the_widget_sends_rasa_no_card_details_ibans_or_passwords(client, rasa):
    response = await client.post("/api/messages", json={"message": TYPED})
    assert response.status == 200
    assert rasa.received == [{"sender": await conversation_of(client), "message": REACHES_RASA}]


async def test_the_widget_sends_rasa_typed_emails_and_order_numbers_as_typed(client, rasa):
    for typed in (LOOKUPS, "100234", "emma.larsen@example.com", "/order_status 100234"):
        assert (await client.post("/api/messages", json={"message": typed})).status == 200
    assert [r["message"] for r in rasa.received] == [
        LOOKUPS,
        "100234",
        "emma.larsen@example.com",
        "\u200b/order_status 100234",  # typed intent syntax still guarded
    ]


async def _served(channel, prefix: str, heard: list, monkeypatch):
    """`channel` served by Sanic as Rasa serves it, with a bot that keeps what it is given."""

    async def bot(message) -> None:
        heard.append(message)

    monkeypatch.setattr(Sanic, "test_mode", True)  # lets Sanic start more than one app
    app = Sanic(f"rasa_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(bot), url_prefix=prefix)
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.after_start()
    return server, f"http://127.0.0.1:{port}"


async def _stop(server) -> None:
    await server.before_stop()
    await server.close()
    await server.after_stop()


async def _said(heard: list) -> list[str]:
    """What the bot was given, once it has been given something (turns may run after the
    platform's call is answered)."""
    for _ in range(200):
        if heard:
            break
        await asyncio.sleep(0.05)
    return [message.text for message in heard]


@pytest.fixture
def channel_env(monkeypatch, web_services):
    """What a channel reads from the environment when Rasa builds it from credentials.yml."""
    monkeypatch.setenv("CSBOT_RASA_TOKEN", RASA_TOKEN)
    monkeypatch.setenv("CSBOT_DATABASE_URL", str(web_services.engine.url))
    monkeypatch.delenv("CSBOT_PUBLIC_URL", raising=False)


@pytest.mark.parametrize("typed", [TYPED, LOOKUPS], ids=["secrets", "lookups"])
async def test_messenger_gives_rasa_no_card_details_ibans_or_passwords(
    aiohttp_client, aiohttp_server, channel_env, monkeypatch, web_services, tmp_path, typed
):
    graph = await aiohttp_server(fake_graph_app())
    credentials = {
        "verify": "edge-verify-token",
        "secret": APP_SECRET,
        "page-access-token": PAGE_TOKEN,
        "graph-url": str(graph.make_url("")).rstrip("/"),
    }
    heard: list = []
    server, url = await _served(
        MessengerInput.from_credentials(credentials), "/webhooks/facebook", heard, monkeypatch
    )
    try:
        public = await aiohttp_client(create_app(web_settings(url, tmp_path), web_services))
        event = {"sender": {"id": "2710039"}, "recipient": {"id": "PAGE"}, "timestamp": 1}
        event["message"] = {"mid": f"m_{uuid.uuid4().hex}", "text": typed}
        body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "messaging": [event]}]})
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": hub_signature(APP_SECRET, body.encode()),
        }
        answer = await public.post("/webhooks/facebook/webhook", data=body, headers=headers)
        assert answer.status == 200
        assert await _said(heard) == [REACHES_RASA if typed == TYPED else typed]
    finally:
        await _stop(server)


@pytest.mark.parametrize("typed", [TYPED, LOOKUPS], ids=["secrets", "lookups"])
async def test_telegram_gives_rasa_no_card_details_ibans_or_passwords(
    aiohttp_client, aiohttp_server, channel_env, monkeypatch, web_services, tmp_path, typed
):
    bot_api = await aiohttp_server(fake_bot_api_app())
    credentials = {
        "access_token": BOT_TOKEN,
        "secret_token": TELEGRAM_SECRET,
        "api_url": str(bot_api.make_url("")).rstrip("/"),
    }
    heard: list = []
    server, url = await _served(
        TelegramInput.from_credentials(credentials), "/webhooks/telegram", heard, monkeypatch
    )
    try:
        public = await aiohttp_client(create_app(web_settings(url, tmp_path), web_services))
        chat = {"id": 91827364, "type": "private"}
        update = {"update_id": 7, "message": {"message_id": 5, "chat": chat, "text": typed}}
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        answer = await public.post("/webhooks/telegram/webhook", json=update, headers=headers)
        assert answer.status == 200
        assert await _said(heard) == [REACHES_RASA if typed == TYPED else typed]
    finally:
        await _stop(server)

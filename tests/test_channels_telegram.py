"""Telegram: the web app's public webhook -> csbot's `telegram` channel as Rasa serves it ->
the bot -> a fake Bot API on loopback; the webhook secret on every update, buttons as an
inline keyboard within Telegram's limits."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sanic import Sanic

from bot.channels.deliveries import Deliveries
from bot.channels.telegram import TelegramInput, keyboard, update_text
from bot.web import create_app
from tests.conftest import RASA_TOKEN, _free_port, web_settings
from tests.fake_platforms import BOT_TOKEN, RECEIVED, REFUSED, WEBHOOKS, fake_bot_api_app

SECRET = "fake_webhook-secret_42"
CHAT = 91827364
FAQS = [
    {
        "title": "Can I return an opened blender?",
        "payload": '/ask_knowledge{"faq_id":"returns-opened-small-appliance-blender"}',
    },
    {"title": "5", "payload": '/rate{"rating":"5"}'},
]


def typed(text: str, update_id: int = 1) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 5,
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": CHAT},
            "date": 1,
            "text": text,
        },
    }


@pytest.fixture
async def bot_api(aiohttp_server):
    return await aiohttp_server(fake_bot_api_app())


@pytest.fixture
async def channel(bot_api, monkeypatch, web_services):
    """While `gate` is clear a turn waits before it answers."""
    heard: list = []
    gate = asyncio.Event()
    gate.set()

    async def bot(message) -> None:
        heard.append(message)
        await gate.wait()
        await message.output_channel.send_response(
            message.sender_id,
            {"text": f"You said: {message.text}", "buttons": [dict(b) for b in FAQS]},
        )

    api = str(bot_api.make_url("")).rstrip("/")
    channel = TelegramInput(
        BOT_TOKEN,
        SECRET,
        api,
        RASA_TOKEN,
        "https://shop.example/webhooks/telegram/webhook",
        deliveries=Deliveries(web_services.engine),
    )
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"rasa_{uuid.uuid4().hex}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/telegram")
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.after_start()
    channel.url, channel.heard, channel.gate = f"http://127.0.0.1:{port}", heard, gate
    yield channel
    gate.set()
    await server.before_stop()
    await server.close()
    await server.after_stop()


@pytest.fixture
async def public(aiohttp_client, channel, web_services, tmp_path):
    return await aiohttp_client(create_app(web_settings(channel.url, tmp_path), web_services))


async def post_update(public, update: dict, secret: str | None = SECRET):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return await public.post("/webhooks/telegram/webhook", json=update, headers=headers)


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def test_the_webhook_is_set_with_the_secret_once_rasa_serves(channel, bot_api):
    assert bot_api.app[WEBHOOKS] == [
        {
            "method": "setWebhook",
            "url": "https://shop.example/webhooks/telegram/webhook",
            "secret_token": SECRET,
        }
    ]


async def test_an_update_with_the_secret_reaches_the_bot_and_the_reply_has_a_keyboard(
    public, channel, bot_api
):
    assert (await post_update(public, typed("where is my order?"))).status == 200
    await channel.turns.idle()
    [message] = channel.heard
    assert (message.text, message.sender_id, message.input_channel) == (
        "where is my order?",
        str(CHAT),
        "telegram",
    )
    [sent] = bot_api.app[RECEIVED]
    assert sent["text"] == "You said: where is my order?" and str(sent["chat_id"]) == str(CHAT)
    rows = sent["reply_markup"]["inline_keyboard"]
    assert [r[0]["text"] for r in rows] == ["Can I return an opened blender?", "5"]
    assert rows[0][0]["callback_data"] == "Can I return an opened blender?"  # payload over 64 bytes
    assert rows[1][0]["callback_data"] == '/rate{"rating":"5"}'
    assert bot_api.app[REFUSED] == []


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_updates_without_the_right_secret_get_403_and_reach_nobody(
    public, channel, bot_api, secret
):
    assert (await post_update(public, typed("/request_human"), secret)).status == 403
    assert channel.heard == [] and bot_api.app[RECEIVED] == []


async def test_a_button_press_sends_its_payload_and_stops_the_spinner(public, channel, bot_api):
    query = {
        "update_id": 2,
        "callback_query": {
            "id": "cbq-1",
            "from": {"id": CHAT},
            "data": '/rate{"rating":"5"}',
            "message": {"message_id": 9, "chat": {"id": CHAT}, "date": 1},
        },
    }
    assert (await post_update(public, query)).status == 200
    await channel.turns.idle()
    assert channel.heard[0].text == '/rate{"rating":"5"}'
    assert bot_api.app[RECEIVED][0] == {
        "method": "answerCallbackQuery",
        "callback_query_id": "cbq-1",
    }


async def test_typed_intent_syntax_stays_text_and_long_replies_are_split(public, channel, bot_api):
    await post_update(public, typed("/request_human " + "z" * 5000))
    await channel.turns.idle()
    assert channel.heard[0].text.startswith("\u200b/request_human")
    texts = [m["text"] for m in bot_api.app[RECEIVED]]
    assert [len(t) for t in texts] == [25, 4096, 904]  # split at the space, then at 4096
    assert "".join(texts[1:]) == "z" * 5000 and bot_api.app[REFUSED] == []


async def test_a_redelivered_update_is_answered_again_but_handled_once(public, channel, bot_api):
    """Telegram sends an update again when our answer was slow or lost: the same
    `update_id` is one turn (one ticket, one return)."""
    update = typed("I want to return my kettle", update_id=7)
    assert (await post_update(public, update)).status == 200
    assert (await post_update(public, update)).status == 200
    await channel.turns.idle()
    assert [m.text for m in channel.heard] == ["I want to return my kettle"]
    assert [m["text"] for m in bot_api.app[RECEIVED]] == ["You said: I want to return my kettle"]


async def test_a_slow_turn_is_answered_at_once_and_the_next_update_waits_for_it(
    public, channel, bot_api
):
    channel.gate.clear()  # the bot takes its time over the first message
    first = await asyncio.wait_for(post_update(public, typed("where is my order?", 10)), 5)
    assert first.status == 200  # answered before the turn ends: Telegram has nothing to resend
    second = await asyncio.wait_for(post_update(public, typed("it is 100234", 11)), 5)
    assert second.status == 200
    assert "it is 100234" not in [m.text for m in channel.heard]  # not before the first
    assert bot_api.app[RECEIVED] == []
    channel.gate.set()
    await channel.turns.idle()
    assert [m["text"] for m in bot_api.app[RECEIVED]] == [
        "You said: where is my order?",
        "You said: it is 100234",
    ]


def test_keyboards_and_updates_without_text():
    assert keyboard([{"title": "Yes", "payload": "/affirm"}]) == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}]]
    }
    assert update_text({"update_id": 3, "edited_message": {"chat": {"id": 1}, "text": "x"}}) is None
    assert update_text({"update_id": 4, "message": {"chat": {"id": 1}, "sticker": {}}}) is None

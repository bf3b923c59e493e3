"""The web app in front of Rasa, against a stand-in Rasa HTTP server that records calls."""

from __future__ import annotations

import dataclasses

import pytest

from bot.runtime.settings import Settings
from bot.web import create_app

SENDER = "0c5c1f2e-visitor"


async def test_chat_page_has_the_widget(client):
    response = await client.get("/")
    page = await response.text()
    assert response.status == 200
    assert 'id="chat-input"' in page and "/static/chat.js" in page and "Kettle &amp; Volt" in page


async def test_message_goes_through_rasa_and_replies_come_back(client, rasa):
    response = await client.post("/api/messages", json={"sender": SENDER, "message": "  hi  "})
    assert response.status == 200
    assert rasa.received == [{"sender": SENDER, "message": "hi"}]
    assert (await response.json())["messages"] == [
        {"from": "bot", "text": "You said: hi"},
        {
            "from": "bot",
            "text": "Pick one",
            "buttons": [{"title": "Track my order", "payload": "/order_status"}],
        },
    ]


async def test_history_hides_intent_payloads(client):
    response = await client.get("/api/history", params={"sender": SENDER})
    assert (await response.json())["messages"] == [
        {"from": "user", "text": "where is my order?"},
        {"from": "bot", "text": "What's your order number?"},
    ]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"sender": "x", "message": "hi"}, 400, "sender must be"),
        ({"sender": SENDER, "message": "   "}, 400, "non-empty"),
        ({"sender": SENDER, "message": "a" * 2001}, 413, "longer than 2000"),
        ({"sender": SENDER}, 400, "non-empty"),
    ],
)
async def test_bad_input_gets_a_clear_error(client, rasa, body, status, error):
    response = await client.post("/api/messages", json=body)
    assert response.status == status
    assert error in (await response.json())["error"]
    assert rasa.received == []


async def test_rasa_down_is_a_503_with_a_human_message(
    aiohttp_client, unused_tcp_port, web_services, tmp_path
):
    settings = dataclasses.replace(
        Settings.from_env({}), rasa_url=f"http://127.0.0.1:{unused_tcp_port}", project_dir=tmp_path
    )
    client = await aiohttp_client(create_app(settings, web_services))
    response = await client.post("/api/messages", json={"sender": SENDER, "message": "hi"})
    assert response.status == 503
    assert "try again" in (await response.json())["error"]

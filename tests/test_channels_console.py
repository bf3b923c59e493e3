"""The console and `csbot run` with messaging channels: each conversation's channel shown,
Messenger's 24-hour / 7-day window applied to agents' messages, webhook URLs printed."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.channels.webhooks import webhook_urls
from bot.channels.windows import OutsideWindow, agent_message_metadata, channel_name
from bot.conversations.models import Conversation, LoggedEvent, Message
from bot.runtime.settings import Settings
from tests.test_console import PASSWORD, login

PSID = "4410029938475512"
NOW = datetime(2026, 11, 20, 12, 0)


def test_messenger_needs_the_human_agent_tag_after_24_hours_and_refuses_after_7_days():
    assert agent_message_metadata("facebook", NOW - timedelta(hours=23), NOW) == {}
    tagged = agent_message_metadata("facebook", NOW - timedelta(hours=25), NOW)
    assert tagged == {"messenger_tag": "HUMAN_AGENT"}
    assert agent_message_metadata("facebook", NOW - timedelta(days=6, hours=23), NOW) == tagged
    with pytest.raises(OutsideWindow, match="7 days"):
        agent_message_metadata("facebook", NOW - timedelta(days=7, minutes=1), NOW)
    assert agent_message_metadata("rest", NOW - timedelta(days=30), NOW) == {}
    assert agent_message_metadata("telegram", NOW - timedelta(days=30), NOW) == {}
    assert [channel_name(c) for c in ("facebook", "telegram", "rest", None)] == [
        "Messenger",
        "Telegram",
        "web",
        "web",
    ]


def test_csbot_run_prints_the_webhook_url_of_each_enabled_channel():
    env = {"CSBOT_PUBLIC_URL": "https://shop.example/", "CSBOT_TELEGRAM_TOKEN": "t"}
    assert webhook_urls(Settings.from_env(env)) == {}
    env |= {
        "CSBOT_MESSENGER_VERIFY_TOKEN": "v",
        "CSBOT_MESSENGER_APP_SECRET": "s",
        "CSBOT_MESSENGER_PAGE_TOKEN": "p",
    }
    assert webhook_urls(Settings.from_env(env)) == {
        "Messenger": "https://shop.example/webhooks/facebook/webhook"
    }
    env["CSBOT_TELEGRAM_SECRET"] = "x"
    assert webhook_urls(Settings.from_env(env))["Telegram"] == (
        "https://shop.example/webhooks/telegram/webhook"
    )


def messenger_conversation(services, customer_wrote_ago: timedelta) -> int:
    """A Messenger conversation in the log whose customer last wrote that long ago, with an
    open ticket; returns the ticket id."""
    when = datetime.utcnow() - customer_wrote_ago
    with Session(services.engine) as session, session.begin():
        session.add(
            Conversation(id=PSID, channel="facebook", started_at=when, last_activity_at=when)
        )
        event = LoggedEvent(
            conversation_id=PSID,
            seq=1,
            type="user",
            timestamp=when.timestamp(),
            digest="d1",
            payload={},
        )
        session.add(event)
        session.flush()
        session.add(
            Message(
                conversation_id=PSID,
                event_id=event.id,
                sender="customer",
                text="my parcel is late",
                created_at=when,
            )
        )
    return services.escalation.open(
        PSID, "customer_request", [("customer", "parcel late")]
    ).ticket_id


@pytest.fixture
def alex(web_services):
    return web_services.agents.create(
        "alex",
        "Alex",
        PASSWORD,
        skills=["delivery", "orders", "billing", "returns", "products", "care", "accounts"],
    )


async def test_the_console_shows_the_channel_and_tags_a_late_reply(
    client, rasa, alex, web_services
):
    ticket = messenger_conversation(web_services, timedelta(hours=30))
    token = await login(client, "alex")
    queue = await (await client.get("/console")).text()
    assert '<td class="channel">Messenger</td>' in queue
    page = await (await client.get(f"/console/tickets/{ticket}")).text()
    assert 'id="ticket-channel">Messenger<' in page
    await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    joined = rasa.received[-1]["events"][1]
    assert joined["metadata"]["messenger_tag"] == "HUMAN_AGENT"
    sent = await client.post(
        f"/console/api/tickets/{ticket}/reply",
        json={"text": "Sorry for the wait"},
        headers={"X-CSRF-Token": token},
    )
    assert sent.status == 200
    assert rasa.received[-1]["events"][0]["metadata"]["messenger_tag"] == "HUMAN_AGENT"


async def test_a_reply_messenger_would_refuse_is_refused_in_the_console(
    client, rasa, alex, web_services
):
    ticket = messenger_conversation(web_services, timedelta(days=8))
    token = await login(client, "alex")
    taken = await client.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    assert "7 days" in await taken.text()
    assert rasa.received[-1]["events"] == [{"event": "pause"}]  # taken, nothing sent
    before = len(rasa.received)
    sent = await client.post(
        f"/console/api/tickets/{ticket}/reply",
        json={"text": "hello?"},
        headers={"X-CSRF-Token": token},
    )
    assert sent.status == 409 and "7 days" in (await sent.json())["error"]
    assert len(rasa.received) == before
    assert web_services.tickets.latest(PSID).first_response_at is None


def test_settings_read_the_channel_variables():
    settings = Settings.from_env({"CSBOT_MESSENGER_GRAPH_URL": "http://127.0.0.1:9/v1/"})
    assert (
        settings.messenger_graph_url == "http://127.0.0.1:9/v1" and not settings.messenger_enabled
    )
    assert dataclasses.replace(
        settings, messenger_verify_token="v", messenger_app_secret="s", messenger_page_token="p"
    ).messenger_enabled

"""When a person may still write to a customer on a messaging platform.

Messenger lets a page answer within 24 hours of the customer's last message; after that a
person (not the bot) may still reply for 7 days with the `HUMAN_AGENT` message tag, and then
not at all until the customer writes again. The console applies this to every agent message
(joined, replies, left); the bot's automated messages (the rating prompt) are sent only as
normal responses, which Messenger refuses after 24 hours. The web widget and Telegram have no
window. Pure functions: the caller passes the time of the customer's last message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

MESSENGER = "facebook"
RESPONSE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
CHANNEL_NAMES = {"facebook": "Messenger", "telegram": "Telegram", "rest": "web", None: "web"}


class OutsideWindow(ValueError):
    """The platform will not deliver a reply now; the message says why, for the agent."""


def channel_name(channel: str | None) -> str:
    """How the console names a conversation's channel."""
    return CHANNEL_NAMES.get(channel, channel or "web")


def agent_message_metadata(
    channel: str | None, last_customer_at: datetime | None, now: datetime
) -> dict[str, Any]:
    """Extra metadata for an agent's message on this channel: the `HUMAN_AGENT` tag between
    24 hours and 7 days after the customer's last message on Messenger; OutsideWindow after."""
    if channel != MESSENGER or last_customer_at is None:
        return {}
    waited = now - last_customer_at
    if waited <= RESPONSE_WINDOW:
        return {}
    if waited <= HUMAN_AGENT_WINDOW:
        return {"messenger_tag": "HUMAN_AGENT"}
    raise OutsideWindow(
        f"Messenger delivers a person's reply only within 7 days of the customer's last "
        f"message; this customer last wrote {waited.days} days ago. They will see your reply "
        "only if they write again."
    )

"""Rasa's `events` table, the conversation log's source of truth, as csbot reads it.

Rasa's SQL tracker store commits a turn's events to `events` before the customer sees the
reply; the projector (`bot.conversations.projection`), the log's health
(`bot.conversations.health`) and the tracker store itself (`bot.conversations.tracker_store`)
all read or create it through the one definition here, so the three cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

# Rasa's `events` table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), read-only here.
# It is not one of csbot's models, so the migrations leave it alone. The tracker store
# creates it from this definition (the same columns and index as Rasa's) for one reason:
# AUTOINCREMENT, so SQLite never hands out the id of a deleted row again; the log reads
# rows after its cursor, and a reused id (after a privacy deletion) would never be logged.
TRACKER_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
    sqlite_autoincrement=True,
)


def tracker_event(sender_id: str, data: str) -> dict[str, Any]:
    """A tracker-store row as the event Rasa's broker published: `{"sender_id", **as_dict()}`
    (the row's `data` is `json.dumps(event.as_dict())`), so its digest is the same."""
    return {"sender_id": sender_id, **json.loads(data)}

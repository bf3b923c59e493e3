"""The review export: the filtered conversations with every message, as JSON or as CSV rows
(one per message). Messages are read in bounded batches of conversations, so an export of
10,000 conversations is 20 queries, not 10,000."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversations.models import Message
from bot.conversations.review.listing import ReviewRow
from bot.conversations.review.timeline import TimelineMessage, timeline_message
from bot.support.models import Agent

EXPORT_LIMIT = 10_000  # conversations in one export
BATCH = 500  # conversations per IN list
EXPORT_FIELDS = (
    "conversation_id",
    "channel",
    "status",
    "last_activity_at",
    "tags",
    "message_id",
    "from",
    "agent",
    "at",
    "text",
    "intent",
    "confidence",
    "action",
    "latency_ms",
    "faq_best_score",
    "faq_decision",
)
_MESSAGE_FIELDS = EXPORT_FIELDS[6:]  # taken from each message's JSON as they are


@dataclass(frozen=True)
class ExportedConversation:
    row: ReviewRow
    messages: tuple[TimelineMessage, ...]

    def to_json(self) -> dict[str, Any]:
        """The conversation in the JSON export (the list row, its messages last)."""
        r = self.row
        return {
            "id": r.id,
            "channel": r.channel,
            "status": r.status,
            "customer_email": r.customer_email,
            "started_at": r.started_at.isoformat(timespec="seconds"),
            "last_activity_at": r.last_activity_at.isoformat(timespec="seconds"),
            "handed_off": r.handed_off,
            "tags": list(r.tags),
            "messages": [m.to_json() for m in self.messages],
        }


def with_messages(session: Session, rows: Iterable[ReviewRow]) -> list[ExportedConversation]:
    """Each listed conversation with all of its messages, oldest first."""
    rows = list(rows)
    ids = [r.id for r in rows]
    messages: dict[str, list[TimelineMessage]] = defaultdict(list)
    for start in range(0, len(ids), BATCH):
        query = (
            select(Message, Agent.name)
            .outerjoin(Agent, Agent.id == Message.agent_id)
            .where(Message.conversation_id.in_(ids[start : start + BATCH]))
            .order_by(Message.id)
        )
        for m, name in session.execute(query):
            messages[m.conversation_id].append(timeline_message(m, name, None))
    return [ExportedConversation(r, tuple(messages.get(r.id, ()))) for r in rows]


def csv_rows(conversations: Iterable[ExportedConversation]) -> list[dict[str, Any]]:
    """One row per message, keyed by EXPORT_FIELDS."""
    found = []
    for c in conversations:
        conversation = c.to_json()
        for message in conversation["messages"]:
            found.append(
                {
                    "conversation_id": conversation["id"],
                    "channel": conversation["channel"],
                    "status": conversation["status"],
                    "last_activity_at": conversation["last_activity_at"],
                    "tags": ";".join(conversation["tags"]),
                    "message_id": message["id"],
                    **{k: message[k] for k in _MESSAGE_FIELDS},
                }
            )
    return found

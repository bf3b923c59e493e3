"""How tickets move: statuses, priority order, and the recorded timeline (which queue works
a category is the shop's: its pack's `tickets.yml`, `ShopPack.tickets`).

queued -> assigned -> resolved, and back to queued (or to the same agent) when the customer
writes again soon after. Every step is a TicketEvent: the agent metrics are computed from it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.pack.model import PRIORITIES
from bot.support.models import Ticket, TicketEvent

PRIORITY_RANK = {priority: rank for rank, priority in enumerate(reversed(PRIORITIES))}
OPEN = ("queued", "assigned")


class TicketEventKind(str, Enum):
    """A step on a ticket's timeline. Stored as its value (`ticket_events.kind` stays a plain
    string column), and a `str`, so code comparing a stored kind with "resolved" still works;
    the agent metrics are computed from these steps."""

    CREATED = "created"
    ASSIGNED = "assigned"
    REASSIGNED = "reassigned"
    REPLIED = "replied"
    CORRECTED = "corrected"
    RESOLVED = "resolved"
    REOPENED = "reopened"

    def __str__(self) -> str:  # templates and messages show the stored word
        return self.value


class TicketError(ValueError):
    """A ticket action that is not allowed; the message says why."""


def record_event(
    session: Session,
    ticket_id: int,
    kind: TicketEventKind,
    agent_id: int | None,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one step to the ticket's timeline (in the caller's transaction). The kind is
    checked here, so an unknown word never reaches the table the metrics read."""
    value = TicketEventKind(kind).value  # ValueError for a kind that is not one
    session.add(
        TicketEvent(
            ticket_id=ticket_id, kind=value, agent_id=agent_id, detail=detail, created_at=at
        )
    )


def latest_ticket(conversation_id: str) -> Select:
    """The conversation's most recent ticket, as a query for the caller's session."""
    return (
        select(Ticket)
        .where(Ticket.conversation_id == conversation_id)
        .order_by(Ticket.id.desc())
        .limit(1)
    )

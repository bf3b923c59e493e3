"""The retention purge's steps: which conversations are stale, erasing a batch of them as a
deletion would, and the rows of holdings that age out by themselves (`holdings.ages_out`).
`CustomerData.purge` runs them, one transaction per batch.

A conversation is stale when its last activity is older than the retention and no ticket of
it is still open; each batch re-reads that inside its own transaction, so a customer who
writes again while the purge runs keeps their conversation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.conversations.models import Conversation
from bot.privacy.customer_files import Files
from bot.privacy.deletion import Deletion, erase
from bot.privacy.footprint import holding_tables, of_conversations
from bot.support.lifecycle import OPEN
from bot.support.models import Ticket

PURGE_BATCH = 500  # conversations per transaction, so a large purge never holds long locks


@dataclass
class Purge:
    """What a retention purge deleted: conversations idle since before `cutoff`."""

    cutoff: datetime
    conversations: int = 0
    deleted: Counter = field(default_factory=Counter)
    redacted: Counter = field(default_factory=Counter)
    files: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "conversations": self.conversations,
            "deleted": dict(self.deleted),
            "redacted": dict(self.redacted),
            "files": dict(self.files),
        }

    def finish(self) -> Purge:
        """Drop zero counts and count the conversations deleted."""
        self.deleted, self.redacted, self.files = +self.deleted, +self.redacted, +self.files
        self.conversations = self.deleted["conversations"]
        return self


def stale(cutoff: datetime) -> Select:
    """Conversations idle since before `cutoff` without an open ticket, by id."""
    open_tickets = select(Ticket.conversation_id).where(Ticket.status.in_(OPEN))
    return (
        select(Conversation.id)
        .where(Conversation.last_activity_at < cutoff, Conversation.id.not_in(open_tickets))
        .order_by(Conversation.id)
    )


def batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purge_batch(session: Session, batch: list[str], files: Files | None, result: Purge) -> None:
    """Erase the conversations of `batch` that are still stale, in the caller's transaction."""
    still = list(session.execute(stale(result.cutoff).where(Conversation.id.in_(batch))).scalars())
    done = Deletion(None, still)
    erase(session, of_conversations(session, still), files, done)  # no new message: same keys
    result.deleted.update(done.deleted)
    result.redacted.update(done.redacted)
    result.files.update(done.files)


def purge_aged(session: Session, result: Purge) -> None:
    """Delete the rows of holdings that age out by themselves, older than the cutoff."""
    for holding, table in holding_tables(session.connection()):
        if holding.ages_out:
            old = delete(table).where(table.c[holding.ages_out] < result.cutoff)
            result.deleted[holding.key] += session.execute(old).rowcount

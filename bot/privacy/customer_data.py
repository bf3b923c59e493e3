"""Everything csbot holds about one customer: export it, delete it, and purge old chats.

A customer is found by email: their shop record and orders, and the conversations where they
verified that email (`conversations.customer_email`), plus any conversations named outright
(a deletion request from a chat where the email was not verified). From the conversations
follow their logged events, messages, tickets with their timelines, CSAT ratings, unanswered
questions, deletion requests and, when Rasa's SQL tracker store shares the database, its
`events` rows. Orders and returns are business records (invoices, warranty): their personal
fields are anonymised, not deleted.

Each function returns what it did, so the caller can report or audit it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, Table, delete, func, inspect, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.conversations.models import (
    Conversation,
    ConversationTag,
    DeadLetter,
    LoggedEvent,
    Message,
    UnansweredQuestion,
)
from bot.privacy.models import DeletionRequest
from bot.shop.models import Customer, Order, OrderItem, ReturnRequest
from bot.support.lifecycle import OPEN
from bot.support.models import CsatRating, Ticket, TicketEvent

TRACKER_TABLE = "events"  # Rasa's SQLTrackerStore, keyed by sender_id = conversation id
DELETED_NAME = "Deleted customer"
DELETED_ADDRESS = "(deleted at the customer's request)"
DELETED_REASON = "(deleted at the customer's request)"
PURGE_BATCH = 500  # conversations per transaction, so a large purge never holds long locks


def tracker_events(connection: Connection) -> Table | None:
    """Rasa's tracker-store table when it lives in this database, else None."""
    if not inspect(connection).has_table(TRACKER_TABLE):
        return None
    table = Table(TRACKER_TABLE, MetaData(), autoload_with=connection)
    return table if {"sender_id", "data"} <= set(table.c.keys()) else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {c.name: _plain(getattr(obj, c.key)) for c in obj.__table__.columns}


@dataclass(frozen=True)
class Footprint:
    """The keys of one customer's rows."""

    email: str
    customer_id: int | None
    order_ids: list[int]
    conversation_ids: list[str]
    ticket_ids: list[int]


def footprint(
    session: Session, email: str | None, conversation_ids: Collection[str] = ()
) -> Footprint:
    """The customer's rows by email (None: only the conversations named)."""
    email = (email or "").strip().lower()
    customer = (
        session.execute(
            select(Customer).where(func.lower(Customer.email) == email)
        ).scalar_one_or_none()
        if email
        else None
    )
    order_ids = (
        list(session.execute(select(Order.id).where(Order.customer_id == customer.id)).scalars())
        if customer
        else []
    )
    verified = select(Conversation.id).where(func.lower(Conversation.customer_email) == email)
    returned = select(ReturnRequest.conversation_id).where(
        ReturnRequest.order_id.in_(order_ids), ReturnRequest.conversation_id.is_not(None)
    )
    found = set(conversation_ids)
    if email:
        found |= {*session.execute(verified).scalars(), *session.execute(returned).scalars()}
    conversations = sorted(found)
    tickets = select(Ticket.id).where(Ticket.conversation_id.in_(conversations))
    return Footprint(
        email,
        customer.id if customer else None,
        order_ids,
        conversations,
        list(session.execute(tickets).scalars()),
    )


def _tracker_rows(connection: Connection, conversation_ids: list[str]) -> list[dict[str, Any]]:
    table = tracker_events(connection)
    if table is None:
        return []
    query = select(table).where(table.c.sender_id.in_(conversation_ids)).order_by(table.c.id)
    rows = []
    for row in connection.execute(query):
        data = dict(row._mapping)
        try:
            data["data"] = json.loads(data["data"]) if data.get("data") else None
        except ValueError:
            pass  # kept as stored
        rows.append({k: _plain(v) for k, v in data.items()})
    return rows


def export_customer(
    engine: Engine, email: str, conversation_ids: Collection[str] = (), now: datetime | None = None
) -> dict[str, Any]:
    """Every row about the customer, table by table, as JSON-ready data."""
    with Session(engine) as session:
        found = footprint(session, email, conversation_ids)
        conversations, tickets = found.conversation_ids, found.ticket_ids

        def rows(model: Any, *where: Any) -> list[dict[str, Any]]:
            query = select(model).where(*where).order_by(model.id)
            return [_row(r) for r in session.execute(query).scalars()]

        tables = {
            "customers": rows(Customer, Customer.id == found.customer_id),
            "orders": rows(Order, Order.id.in_(found.order_ids)),
            "order_items": rows(OrderItem, OrderItem.order_id.in_(found.order_ids)),
            "return_requests": rows(ReturnRequest, ReturnRequest.order_id.in_(found.order_ids)),
            "conversations": rows(Conversation, Conversation.id.in_(conversations)),
            "messages": rows(Message, Message.conversation_id.in_(conversations)),
            "logged_events": rows(LoggedEvent, LoggedEvent.conversation_id.in_(conversations)),
            "dead_letters": rows(DeadLetter, DeadLetter.conversation_id.in_(conversations)),
            "tickets": rows(Ticket, Ticket.id.in_(tickets)),
            "ticket_events": rows(TicketEvent, TicketEvent.ticket_id.in_(tickets)),
            "csat_ratings": rows(CsatRating, CsatRating.conversation_id.in_(conversations)),
            "unanswered_questions": rows(
                UnansweredQuestion, UnansweredQuestion.conversation_id.in_(conversations)
            ),
            "deletion_requests": rows(
                DeletionRequest,
                or_(
                    func.lower(DeletionRequest.email) == found.email,
                    DeletionRequest.conversation_id.in_(conversations),
                ),
            ),
        }
        tracker = _tracker_rows(session.connection(), conversations)
    return {
        "email": found.email,
        "exported_at": _plain(now or datetime.utcnow()),
        "tracker_store": tracker,
        "tables": tables,
    }


@dataclass
class Deletion:
    """What a deletion did: rows deleted and rows anonymised, per table."""

    email: str | None
    conversations: list[str] = field(default_factory=list)
    deleted: Counter = field(default_factory=Counter)
    anonymised: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "conversations": self.conversations,
            "deleted": dict(self.deleted),
            "anonymised": dict(self.anonymised),
        }


def _delete_conversations(session: Session, conversation_ids: list[str]) -> Counter:
    """Delete the conversations and every row that hangs off them (tickets included)."""
    counts: Counter = Counter()
    if not conversation_ids:
        return counts
    tickets = list(
        session.execute(
            select(Ticket.id).where(Ticket.conversation_id.in_(conversation_ids))
        ).scalars()
    )
    statements = [
        ("messages", delete(Message).where(Message.conversation_id.in_(conversation_ids))),
        (
            "dead_letters",
            delete(DeadLetter).where(DeadLetter.conversation_id.in_(conversation_ids)),
        ),
        (
            "logged_events",
            delete(LoggedEvent).where(LoggedEvent.conversation_id.in_(conversation_ids)),
        ),
        ("ticket_events", delete(TicketEvent).where(TicketEvent.ticket_id.in_(tickets))),
        (
            "csat_ratings",
            delete(CsatRating).where(
                or_(
                    CsatRating.conversation_id.in_(conversation_ids),
                    CsatRating.ticket_id.in_(tickets),
                )
            ),
        ),
        ("tickets", delete(Ticket).where(Ticket.id.in_(tickets))),
        (
            "unanswered_questions",
            delete(UnansweredQuestion).where(
                UnansweredQuestion.conversation_id.in_(conversation_ids)
            ),
        ),
        ("conversations", delete(Conversation).where(Conversation.id.in_(conversation_ids))),
    ]
    table = tracker_events(session.connection())
    if table is not None:
        statements.append(
            ("tracker_events", delete(table).where(table.c.sender_id.in_(conversation_ids)))
        )
    for name, statement in statements:
        counts[name] += session.execute(
            statement.execution_options(synchronize_session=False)
        ).rowcount
    tags = delete(ConversationTag).where(ConversationTag.conversation_id.in_(conversation_ids))
    if tagged := session.execute(tags).rowcount:  # reviewers' labels, counted when there were any
        counts["conversation_tags"] += tagged
    return counts


def _anonymise_customer(session: Session, found: Footprint) -> Counter:
    counts: Counter = Counter()
    if found.customer_id is not None:
        counts["customers"] = session.execute(
            update(Customer)
            .where(Customer.id == found.customer_id)
            .values(name=DELETED_NAME, email=f"deleted-{found.customer_id}@invalid")
        ).rowcount
    if found.order_ids:
        counts["orders"] = session.execute(
            update(Order)
            .where(Order.id.in_(found.order_ids))
            .values(shipping_address=DELETED_ADDRESS)
        ).rowcount
        counts["return_requests"] = session.execute(
            update(ReturnRequest)
            .where(ReturnRequest.order_id.in_(found.order_ids))
            .values(reason=DELETED_REASON, conversation_id=None)
        ).rowcount
    return +counts


def delete_in(
    session: Session, email: str | None, conversation_ids: Collection[str] = ()
) -> Deletion:
    """`delete_customer` inside the caller's transaction."""
    found = footprint(session, email, conversation_ids)
    deletion = Deletion(found.email or None, found.conversation_ids)
    deletion.deleted = +_delete_conversations(session, found.conversation_ids)
    deletion.anonymised = _anonymise_customer(session, found)
    return deletion


def delete_customer(
    engine: Engine, email: str | None, conversation_ids: Collection[str] = ()
) -> Deletion:
    """Delete the customer's conversations and everything from them, anonymise their shop
    record, orders and returns; one transaction. Deletion requests stay as the record."""
    with Session(engine) as session, session.begin():
        return delete_in(session, email, conversation_ids)


@dataclass
class Purge:
    """What a retention purge deleted: conversations idle since before `cutoff`."""

    cutoff: datetime
    conversations: int = 0
    deleted: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "conversations": self.conversations,
            "deleted": dict(self.deleted),
        }


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purge(engine: Engine, retention_days: float, now: datetime | None = None) -> Purge:
    """Delete conversations whose last activity is older than `retention_days`, with all
    their rows, except those with a ticket still open; also unanswered questions that old."""
    if retention_days <= 0:
        raise ValueError("retention_days must be above 0")
    cutoff = (now or datetime.utcnow()) - timedelta(days=retention_days)
    open_tickets = select(Ticket.conversation_id).where(Ticket.status.in_(OPEN))
    stale = (
        select(Conversation.id)
        .where(Conversation.last_activity_at < cutoff, Conversation.id.not_in(open_tickets))
        .order_by(Conversation.id)
    )
    with Session(engine) as session:
        ids = list(session.execute(stale).scalars())
    result = Purge(cutoff)
    for batch in _batches(ids, PURGE_BATCH):
        with Session(engine) as session, session.begin():
            still = stale.where(Conversation.id.in_(batch))  # no new message since
            result.deleted.update(
                _delete_conversations(session, list(session.execute(still).scalars()))
            )
    with Session(engine) as session, session.begin():
        old_questions = delete(UnansweredQuestion).where(UnansweredQuestion.created_at < cutoff)
        result.deleted["unanswered_questions"] += session.execute(old_questions).rowcount
    result.deleted = +result.deleted
    result.conversations = result.deleted["conversations"]
    return result


def audit_detail(email: str, deletion: Deletion | None = None) -> dict[str, Any]:
    """What the audit trail keeps of an export or a deletion: a digest of the email (so an
    admin can check "was this customer's data deleted?" without the trail keeping the
    address) and, for a deletion, the row counts."""
    detail: dict[str, Any] = {"customer": hashlib.sha256(email.lower().encode()).hexdigest()[:16]}
    if deletion is not None:
        detail.update(deleted=dict(deletion.deleted), anonymised=dict(deletion.anonymised))
    return detail

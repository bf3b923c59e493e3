"""Which rows are one customer's: their keys (`Footprint`), found from an email and the
conversations named, and the tables of `holdings.TABLES` those keys select rows of.

Export, deletion and the purge all start here, so they agree on what "the customer's data"
is: the list of tables is `holdings.TABLES` and nothing else.

A customer is found by email: their shop record and orders, and the conversations where they
verified that email (`conversations.customer_email`) or returned one of their orders, plus
any conversations named outright (a deletion request's own chat). Tickets follow from the
conversations.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import MetaData, Table, func, inspect, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.conversations.models import Conversation
from bot.privacy.holdings import TABLES, Key, TableHolding
from bot.schema import metadata
from bot.shop.models import Customer, Order, ReturnRequest
from bot.support.models import Ticket

TRACKER_TABLE = "events"  # Rasa's SQLTrackerStore, keyed by sender_id = conversation id


def tracker_events(connection: Connection) -> Table | None:
    """Rasa's tracker-store table when it lives in this database, else None."""
    if not inspect(connection).has_table(TRACKER_TABLE):
        return None
    table = Table(TRACKER_TABLE, MetaData(), autoload_with=connection)
    return table if {"sender_id", "data"} <= set(table.c.keys()) else None


def holding_tables(connection: Connection) -> list[tuple[TableHolding, Table]]:
    """The declared holdings with their tables, in `holdings.TABLES` order (parents first);
    Rasa's only when it shares the database."""
    tables = metadata().tables
    found = []
    for holding in TABLES:
        table = tracker_events(connection) if holding.rasa else tables[holding.table]
        if table is not None:
            found.append((holding, table))
    return found


def plain_value(value: Any) -> Any:
    """A column's value as JSON holds it (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Footprint:
    """The keys of one customer's rows."""

    email: str
    customer_id: int | None
    order_ids: list[int]
    conversation_ids: list[str]
    ticket_ids: list[int]

    def where(self, holding: TableHolding, table: Table) -> ColumnElement | None:
        """Which rows of `table` are the customer's (None: none can be)."""
        keys: dict[Key, list[Any]] = {
            Key.CUSTOMER: [self.customer_id] if self.customer_id is not None else [],
            Key.ORDER: self.order_ids,
            Key.CONVERSATION: self.conversation_ids,
            Key.TICKET: self.ticket_ids,
        }
        clauses = []
        for key, column in holding.links:
            if key is Key.EMAIL:
                if self.email:
                    clauses.append(func.lower(table.c[column]) == self.email)
            elif keys[key]:
                clauses.append(table.c[column].in_(keys[key]))
        return or_(*clauses) if clauses else None


def tickets_of(session: Session, conversation_ids: list[str]) -> list[int]:
    query = select(Ticket.id).where(Ticket.conversation_id.in_(conversation_ids))
    return list(session.execute(query).scalars()) if conversation_ids else []


def of_conversations(session: Session, conversation_ids: list[str]) -> Footprint:
    """The rows of those conversations only (the purge's: no customer, no orders)."""
    return Footprint("", None, [], conversation_ids, tickets_of(session, conversation_ids))


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
    return Footprint(
        email,
        customer.id if customer else None,
        order_ids,
        conversations,
        tickets_of(session, conversations),
    )

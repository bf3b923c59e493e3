"""Everything csbot holds about one customer: export it, delete it, and purge old chats.

What holds customer data, and what erasing it means, is declared once in `holdings`: the
tables (with how a row is tied to a customer) and the files written from customer text.
Export, deletion and the retention purge all walk that list, so they cannot drift apart.

A customer is found by email: their shop record and orders, and the conversations where they
verified that email (`conversations.customer_email`) or returned one of their orders, plus
any conversations named outright (a deletion request's own chat). Tickets follow from the
conversations. Each function returns what it did, so the caller can report or audit it.
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
from sqlalchemy.sql.elements import ColumnElement

from bot.conversations.models import Conversation, Message, UnansweredQuestion
from bot.privacy import customer_files
from bot.privacy.customer_files import CustomerText, Files
from bot.privacy.holdings import DELETED_TEXT, TABLES, Erase, Key, TableHolding
from bot.privacy.redact import redact
from bot.schema import metadata
from bot.shop.models import Customer, Order, ReturnRequest
from bot.support.lifecycle import OPEN
from bot.support.models import AuditEntry, Ticket
from bot.workbench.nlu_examples import plain

__all__ = [
    "Deletion",
    "Files",
    "Purge",
    "audit_detail",
    "delete_customer",
    "delete_in",
    "export_customer",
    "purge",
]

TRACKER_TABLE = "events"  # Rasa's SQLTrackerStore, keyed by sender_id = conversation id
PURGE_BATCH = 500  # conversations per transaction, so a large purge never holds long locks
TEACH = "teach"  # the audit action of the workbench's writes (bot.support.audit)
TAUGHT_FIELDS = ("example", "text", "texts")  # where a teach entry keeps what it wrote


def tracker_events(connection: Connection) -> Table | None:
    """Rasa's tracker-store table when it lives in this database, else None."""
    if not inspect(connection).has_table(TRACKER_TABLE):
        return None
    table = Table(TRACKER_TABLE, MetaData(), autoload_with=connection)
    return table if {"sender_id", "data"} <= set(table.c.keys()) else None


def _tables(connection: Connection) -> list[tuple[TableHolding, Table]]:
    """The declared holdings with their tables (Rasa's only when it shares the database)."""
    tables = metadata().tables
    found = []
    for holding in TABLES:
        table = tracker_events(connection) if holding.rasa else tables[holding.table]
        if table is not None:
            found.append((holding, table))
    return found


def _plain(value: Any) -> Any:
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


def _tickets(session: Session, conversation_ids: list[str]) -> list[int]:
    query = select(Ticket.id).where(Ticket.conversation_id.in_(conversation_ids))
    return list(session.execute(query).scalars()) if conversation_ids else []


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
        _tickets(session, conversations),
    )


# --- the customer's words copied into the audit trail and files ----------------------------


def _taught(detail: dict[str, Any] | None) -> list[str]:
    """What a teach entry says it wrote (an example, a phrasing, a new entry's texts)."""
    texts: list[str] = []
    for name in TAUGHT_FIELDS:
        value = (detail or {}).get(name)
        values = [value] if isinstance(value, str) else value or []
        texts += [v for v in values if isinstance(v, str)]
    return [t for t in texts if t != DELETED_TEXT]


def _said(session: Session, conversation_ids: list[str]) -> set[str]:
    """What the customer wrote in those conversations, normalised like taught texts."""
    said = select(Message.text).where(
        Message.conversation_id.in_(conversation_ids), Message.sender == "customer"
    )
    asked = select(UnansweredQuestion.text).where(
        UnansweredQuestion.conversation_id.in_(conversation_ids)
    )
    texts = [*session.execute(said).scalars(), *session.execute(asked).scalars()]
    return {plain(t) for t in texts if t}


@dataclass
class _Teaching:
    """Teach entries holding the customer's words: those from their conversations (all their
    texts are theirs) and the gap workbench's (no conversation: the texts they said)."""

    linked: list[AuditEntry]
    unlinked: list[tuple[AuditEntry, set[str]]]  # (entry, which of its texts are theirs)

    def texts(self) -> list[str]:
        texts = [t for entry in self.linked for t in _taught(entry.detail)]
        return texts + [t for _, theirs in self.unlinked for t in theirs]


def _teaching(session: Session, conversation_ids: list[str]) -> _Teaching:
    if not conversation_ids:
        return _Teaching([], [])
    query = select(AuditEntry).where(
        AuditEntry.action == TEACH,
        or_(AuditEntry.conversation_id.in_(conversation_ids), AuditEntry.conversation_id.is_(None)),
    )
    entries = list(session.execute(query.order_by(AuditEntry.id)).scalars())
    linked = [e for e in entries if e.conversation_id is not None]
    unlinked = [e for e in entries if e.conversation_id is None and _taught(e.detail)]
    said = _said(session, conversation_ids) if unlinked else set()
    matched = []
    for entry in unlinked:
        theirs = {t for t in _taught(entry.detail) if plain(t) in said}
        if theirs:
            matched.append((entry, theirs))
    return _Teaching(linked, matched)


def _customer_text(session: Session, found: Footprint, teaching: _Teaching) -> CustomerText:
    topics = select(Ticket.topic).where(Ticket.id.in_(found.ticket_ids))
    return CustomerText.of(
        found.conversation_ids,
        teaching.texts(),
        [redact(t) for t in session.execute(topics).scalars() if t],  # as corrections.csv has it
    )


def _without_their_words(detail: dict[str, Any], theirs: set[str] | None) -> dict[str, Any]:
    """A teach entry's detail with the customer's texts (None: all its texts) replaced."""

    def gone(text: Any) -> Any:
        theirs_or_all = isinstance(text, str) and (theirs is None or text in theirs)
        return DELETED_TEXT if theirs_or_all else text

    redacted = dict(detail)
    for name in TAUGHT_FIELDS:
        if isinstance(redacted.get(name), str):
            redacted[name] = gone(redacted[name])
        elif isinstance(redacted.get(name), list):
            redacted[name] = [gone(t) for t in redacted[name]]
    return redacted


def _redact_teaching(teaching: _Teaching) -> int:
    """Replace the customer's words in the teach entries; how many entries changed."""
    changed = 0
    for entry, theirs in [(e, None) for e in teaching.linked] + teaching.unlinked:
        redacted = _without_their_words(entry.detail or {}, theirs)
        if redacted != (entry.detail or {}):
            entry.detail = redacted
            changed += 1
    return changed


# --- export --------------------------------------------------------------------------------


def _export_rows(
    connection: Connection, holding: TableHolding, table: Table, found: Footprint
) -> list[dict[str, Any]]:
    where = found.where(holding, table)
    if where is None:
        return []
    order = list(table.primary_key.columns) or list(table.columns)[:1]
    rows = []
    for row in connection.execute(select(table).where(where).order_by(*order)):
        data = {k: _plain(v) for k, v in row._mapping.items()}
        if holding.rasa and isinstance(data.get("data"), str):
            try:
                data["data"] = json.loads(data["data"])
            except ValueError:
                pass  # kept as stored
        rows.append(data)
    return rows


def export_customer(
    engine: Engine,
    email: str,
    conversation_ids: Collection[str] = (),
    now: datetime | None = None,
    files: Files | None = None,
) -> dict[str, Any]:
    """Every row about the customer, table by table, and every line of a file that holds
    their words, as JSON-ready data."""
    with Session(engine) as session:
        found = footprint(session, email, conversation_ids)
        teaching = _teaching(session, found.conversation_ids)
        connection = session.connection()
        tables = {h.key: _export_rows(connection, h, t, found) for h, t in _tables(connection)}
        tables.setdefault("tracker_events", [])  # Rasa's tracker store lives elsewhere
        seen = {row["id"] for row in tables["audit_log"]}
        tables["audit_log"] += [
            {c.name: _plain(getattr(entry, c.key)) for c in AuditEntry.__table__.columns}
            for entry, _ in teaching.unlinked
            if entry.id not in seen
        ]
        text = _customer_text(session, found, teaching)
    return {
        "email": found.email,
        "exported_at": _plain(now or datetime.utcnow()),
        "tables": tables,
        "files": customer_files.find(files or Files(), text),
    }


# --- deletion and purge ----------------------------------------------------------------------


@dataclass
class Deletion:
    """What a deletion did: rows deleted, anonymised and redacted per table, and lines
    removed per kind of file."""

    email: str | None
    conversations: list[str] = field(default_factory=list)
    deleted: Counter = field(default_factory=Counter)
    anonymised: Counter = field(default_factory=Counter)
    redacted: Counter = field(default_factory=Counter)
    files: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "conversations": self.conversations,
            "deleted": dict(self.deleted),
            "anonymised": dict(self.anonymised),
            "redacted": dict(self.redacted),
            "files": dict(self.files),
        }


def _anonymise(session: Session, holding: TableHolding, table: Table, where: Any) -> int:
    assert holding.anonymise is not None, holding.table
    return session.execute(update(table).where(where).values(holding.anonymise(table))).rowcount


def _erase(session: Session, found: Footprint, files: Files | None, result: Deletion) -> None:
    """Erase what `found` covers, table by table as `holdings` says, children first, and the
    customer's lines in files (first: a failure there rolls the database back)."""
    teaching = _teaching(session, found.conversation_ids)
    if files is not None:
        result.files.update(customer_files.remove(files, _customer_text(session, found, teaching)))
    for holding, table in reversed(_tables(session.connection())):
        where = found.where(holding, table)
        if where is None or holding.erase is Erase.KEEP:
            continue
        if holding.erase is Erase.DELETE:
            statement = delete(table).where(where).execution_options(synchronize_session=False)
            result.deleted[holding.key] += session.execute(statement).rowcount
        elif holding.erase is Erase.ANONYMISE:
            result.anonymised[holding.key] += _anonymise(session, holding, table, where)
        elif holding.erase is Erase.REDACT:
            result.redacted[holding.key] += _redact_teaching(teaching)
    session.flush()


def delete_in(
    session: Session,
    email: str | None,
    conversation_ids: Collection[str] = (),
    files: Files | None = None,
) -> Deletion:
    """`delete_customer` inside the caller's transaction."""
    found = footprint(session, email, conversation_ids)
    deletion = Deletion(found.email or None, found.conversation_ids)
    _erase(session, found, files, deletion)
    deletion.deleted, deletion.anonymised = +deletion.deleted, +deletion.anonymised
    deletion.redacted, deletion.files = +deletion.redacted, +deletion.files
    return deletion


def delete_customer(
    engine: Engine,
    email: str | None,
    conversation_ids: Collection[str] = (),
    files: Files | None = None,
) -> Deletion:
    """Delete the customer's conversations and everything from them, anonymise their shop
    record, orders and returns, take their words out of the audit trail and the files that
    copied them; one transaction. Deletion requests stay as the record."""
    with Session(engine) as session, session.begin():
        return delete_in(session, email, conversation_ids, files)


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


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purge(
    engine: Engine, retention_days: float, now: datetime | None = None, files: Files | None = None
) -> Purge:
    """Delete conversations whose last activity is older than `retention_days`, with all
    their rows and copies, except those with a ticket still open; also the rows of holdings
    that age out by themselves (unanswered questions) that old."""
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
            still = list(session.execute(stale.where(Conversation.id.in_(batch))).scalars())
            found = Footprint("", None, [], still, _tickets(session, still))  # no new message
            done = Deletion(None, still)
            _erase(session, found, files, done)
            result.deleted.update(done.deleted)
            result.redacted.update(done.redacted)
            result.files.update(done.files)
    with Session(engine) as session, session.begin():
        for holding, table in _tables(session.connection()):
            if holding.ages_out:
                old = delete(table).where(table.c[holding.ages_out] < cutoff)
                result.deleted[holding.key] += session.execute(old).rowcount
    result.deleted, result.redacted, result.files = +result.deleted, +result.redacted, +result.files
    result.conversations = result.deleted["conversations"]
    return result


def audit_detail(email: str, deletion: Deletion | None = None) -> dict[str, Any]:
    """What the audit trail keeps of an export or a deletion: a digest of the email (so an
    admin can check "was this customer's data deleted?" without the trail keeping the
    address) and, for a deletion, the counts."""
    detail: dict[str, Any] = {"customer": hashlib.sha256(email.lower().encode()).hexdigest()[:16]}
    if deletion is not None:
        detail.update(
            deleted=dict(deletion.deleted),
            anonymised=dict(deletion.anonymised),
            redacted=dict(deletion.redacted),
            files=dict(deletion.files),
        )
    return detail

"""Delete one customer's data: their conversations and everything from them, their shop
record, orders and returns anonymised, their words taken out of the audit trail and out of the
files that copied them. What each table's rows get is `holdings.TABLES`' `Erase`.

`erase` is shared with the retention purge, and `delete_in` with a confirmed deletion request
(`requests`), so every way of deleting treats a table the same.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete, update
from sqlalchemy.orm import Session

from bot.privacy import customer_files
from bot.privacy.customer_files import Files
from bot.privacy.footprint import Footprint, footprint, holding_tables
from bot.privacy.holdings import Erase, TableHolding
from bot.privacy.taught import customer_text, redact_teaching, teaching


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


def erase(session: Session, found: Footprint, files: Files | None, result: Deletion) -> None:
    """Erase what `found` covers, table by table as `holdings` says, children first, and the
    customer's lines in files (first: a failure there rolls the database back)."""
    taught = teaching(session, found.conversation_ids)
    if files is not None:
        result.files.update(customer_files.remove(files, customer_text(session, found, taught)))
    for holding, table in reversed(holding_tables(session.connection())):
        where = found.where(holding, table)
        if where is None or holding.erase is Erase.KEEP:
            continue
        if holding.erase is Erase.DELETE:
            statement = delete(table).where(where).execution_options(synchronize_session=False)
            result.deleted[holding.key] += session.execute(statement).rowcount
        elif holding.erase is Erase.ANONYMISE:
            result.anonymised[holding.key] += _anonymise(session, holding, table, where)
        elif holding.erase is Erase.REDACT:
            result.redacted[holding.key] += redact_teaching(taught)
    session.flush()


def delete_in(
    session: Session,
    email: str | None,
    conversation_ids: Collection[str] = (),
    files: Files | None = None,
) -> Deletion:
    """Delete the customer's data (by email, and the conversations named) inside the caller's
    transaction. Deletion requests stay as the record."""
    found = footprint(session, email, conversation_ids)
    deletion = Deletion(found.email or None, found.conversation_ids)
    erase(session, found, files, deletion)
    deletion.deleted, deletion.anonymised = +deletion.deleted, +deletion.anonymised
    deletion.redacted, deletion.files = +deletion.redacted, +deletion.files
    return deletion


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

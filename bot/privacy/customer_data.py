"""Everything csbot holds about one customer, as a service: export it, delete it, and purge
old chats. The console's privacy page and `csbot privacy` call this, never the database.

What holds customer data, and what erasing it means, is declared once in `holdings`: the
tables (with how a row is tied to a customer) and the files written from customer text.
Export (`export`), deletion (`deletion`) and the retention purge (`purge`) all walk that list
through `footprint`, so they cannot drift apart. This class holds the engine and decides the
transactions: one read for an export, one transaction for a deletion, one per batch for the
purge. Each method returns what it did, so the caller can report or audit it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.privacy import purge as steps
from bot.privacy.customer_files import Files
from bot.privacy.deletion import Deletion, audit_detail, delete_in
from bot.privacy.export import CustomerExport, export_in
from bot.privacy.purge import Purge

__all__ = ["CustomerData", "CustomerExport", "Deletion", "Files", "Purge", "audit_detail"]


class CustomerData:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def export(
        self, email: str, conversation_ids: Collection[str] = (), files: Files | None = None
    ) -> CustomerExport:
        """Every row about the customer, table by table, and every line of a file that holds
        their words (`files`: where the installation keeps them), as JSON-ready data."""
        with Session(self._engine) as session:
            return export_in(session, email, conversation_ids, self._clock(), files)

    def delete(
        self,
        email: str | None,
        conversation_ids: Collection[str] = (),
        files: Files | None = None,
    ) -> Deletion:
        """Delete the customer's conversations and everything from them, anonymise their
        shop record, orders and returns, take their words out of the audit trail and the
        files that copied them; one transaction. Deletion requests stay as the record."""
        with Session(self._engine) as session, session.begin():
            return delete_in(session, email, conversation_ids, files)

    def purge(self, retention_days: float, files: Files | None = None) -> Purge:
        """Delete conversations whose last activity is older than `retention_days`, with all
        their rows and copies, except those with a ticket still open; also the rows of
        holdings that age out by themselves (unanswered questions) that old."""
        if retention_days <= 0:
            raise ValueError("retention_days must be above 0")
        result = Purge(self._clock() - timedelta(days=retention_days))
        with Session(self._engine) as session:
            ids = list(session.execute(steps.stale(result.cutoff)).scalars())
        for batch in steps.batches(ids, steps.PURGE_BATCH):
            with Session(self._engine) as session, session.begin():
                steps.purge_batch(session, batch, files, result)
        with Session(self._engine) as session, session.begin():
            steps.purge_aged(session, result)
        return result.finish()

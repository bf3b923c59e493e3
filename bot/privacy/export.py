"""Export one customer's data: every row of the tables `holdings.TABLES` lists that their keys
select, table by table, and every line of a file that copied their words, as JSON-ready data.

Walking the same list as the deletion (`footprint.holding_tables`) is what makes "export my
data" show everything "delete my data" would remove.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.privacy import customer_files
from bot.privacy.customer_files import Files
from bot.privacy.footprint import Footprint, footprint, holding_tables, plain_value
from bot.privacy.holdings import TableHolding
from bot.privacy.taught import customer_text, teaching
from bot.support.models import AuditEntry

CustomerExport = dict[str, Any]  # {"email", "exported_at", "tables": {...}, "files": {...}}


def _rows(
    connection: Connection, holding: TableHolding, table: Table, found: Footprint
) -> list[dict[str, Any]]:
    where = found.where(holding, table)
    if where is None:
        return []
    order = list(table.primary_key.columns) or list(table.columns)[:1]
    rows = []
    for row in connection.execute(select(table).where(where).order_by(*order)):
        data = {k: plain_value(v) for k, v in row._mapping.items()}
        if holding.rasa and isinstance(data.get("data"), str):
            try:
                data["data"] = json.loads(data["data"])
            except ValueError:
                pass  # kept as stored
        rows.append(data)
    return rows


def export_in(
    session: Session,
    email: str,
    conversation_ids: Collection[str],
    now: datetime,
    files: Files | None = None,
) -> CustomerExport:
    """Every row about the customer, table by table, and every line of a file that holds
    their words; read in the caller's session."""
    found = footprint(session, email, conversation_ids)
    taught = teaching(session, found.conversation_ids)
    connection = session.connection()
    tables = {h.key: _rows(connection, h, t, found) for h, t in holding_tables(connection)}
    tables.setdefault("tracker_events", [])  # Rasa's tracker store lives elsewhere
    seen = {row["id"] for row in tables["audit_log"]}
    tables["audit_log"] += [
        {c.name: plain_value(getattr(entry, c.key)) for c in AuditEntry.__table__.columns}
        for entry, _ in taught.unlinked
        if entry.id not in seen
    ]
    text = customer_text(session, found, taught)
    return {
        "email": found.email,
        "exported_at": plain_value(now),
        "tables": tables,
        "files": customer_files.find(files or Files(), text),
    }

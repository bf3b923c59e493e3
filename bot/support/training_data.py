"""Agents' label corrections as training data for the ticket classifier."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import csv_cells
from bot.pack.model import ShopPack
from bot.privacy.redact import redact
from bot.runtime.private_files import open_private
from bot.support.classifier import LabelledTicket, corrections_file
from bot.support.models import Ticket


def corrections(engine: Engine) -> list[LabelledTicket]:
    """Tickets whose category or priority an agent changed, with the text they were
    classified from (redacted again: tickets stored before redaction existed)."""
    query = select(Ticket).where(
        (Ticket.category != Ticket.predicted_category)
        | (Ticket.priority != Ticket.predicted_priority)
    )
    with Session(engine) as session:
        return [
            LabelledTicket(redact(t.topic), t.category, t.priority)
            for t in session.execute(query).scalars()
            if t.topic and t.topic.strip()
        ]


def export_corrections(engine: Engine, models_dir: Path, pack: ShopPack) -> int:
    """Write the corrections in the pack's categories where `training_tickets` reads them
    for that pack; return how many. (A database that served another pack before holds
    tickets in that pack's categories: those are not this shop's training data.)"""
    rows = [t for t in corrections(engine) if t.category in pack.tickets.names]
    path = corrections_file(models_dir, pack)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Customers' words (redacted): readable by the owner only.
    with open_private(path, newline="") as handle:
        writer = csv_cells.Writer(handle)  # admins open it in spreadsheets too
        writer.writerow(["text", "category", "priority"])
        writer.writerows((t.text, t.category, t.priority) for t in rows)
    return len(rows)

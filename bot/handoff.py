"""Requests for a human: recorded so staff can follow up (live handoff comes later)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import HandoffRequest


@dataclass(frozen=True)
class HandoffTicket:
    reference: str
    is_new: bool


class HandoffService:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def request(self, conversation_id: str, reason: str, last_message: str | None) -> HandoffTicket:
        """Open a request for this conversation, or return the one already open."""
        with Session(self._engine) as session, session.begin():
            existing = session.execute(
                select(HandoffRequest).where(
                    HandoffRequest.conversation_id == conversation_id,
                    HandoffRequest.status == "open",
                )
            ).scalar_one_or_none()
            if existing is not None:
                return HandoffTicket(f"HR-{existing.id:05d}", is_new=False)
            row = HandoffRequest(
                conversation_id=conversation_id,
                reason=reason,
                last_message=(last_message or "")[:2000],
                created_at=self._clock(),
            )
            session.add(row)
            session.flush()
            return HandoffTicket(f"HR-{row.id:05d}", is_new=True)

"""CSAT: the customer's 1-5 rating of the help they got, once per resolved ticket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.support.lifecycle import latest_ticket
from bot.support.models import CsatRating


class RatingRefused(ValueError):
    """Nothing to rate (no resolved ticket, or it was rated already), or not 1 to 5."""


class RatingService:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def rate(self, conversation_id: str, score: int) -> int:
        """Store the rating of the conversation's latest resolved ticket; return its id.
        A rating typed at any other time (`/rate{...}` by hand) is refused."""
        if not 1 <= score <= 5:
            raise RatingRefused("a rating is 1 to 5")
        with Session(self._engine) as session, session.begin():
            query = latest_ticket(conversation_id).with_for_update()
            ticket = session.execute(query).scalar_one_or_none()
            if ticket is None or ticket.status != "resolved":
                raise RatingRefused("there is no finished conversation with our team to rate")
            rated = select(CsatRating.id).where(CsatRating.ticket_id == ticket.id)
            if session.execute(rated).first():
                raise RatingRefused("this conversation with our team is already rated")
            session.add(
                CsatRating(
                    conversation_id=conversation_id,
                    ticket_id=ticket.id,
                    score=score,
                    created_at=self._clock(),
                )
            )
            return ticket.id

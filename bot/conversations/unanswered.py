"""Questions the bot could not answer, recorded so the shop can add FAQ entries for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.conversations.models import UnansweredQuestion
from bot.privacy.redact import redact


class UnansweredLog:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def record(
        self,
        text: str,
        best_score: float | None,
        best_doc: str | None,
        outcome: str,
        conversation_id: str | None = None,
        index_version: str | None = None,
    ) -> None:
        row = UnansweredQuestion(
            conversation_id=conversation_id,
            text=redact(text)[:2000],
            best_score=best_score,
            best_doc=best_doc,
            outcome=outcome,
            index_version=index_version,
            created_at=self._clock(),
        )
        with Session(self._engine) as session, session.begin():
            session.add(row)

    def recent(self, limit: int = 50) -> list[UnansweredQuestion]:
        query = (
            select(UnansweredQuestion).order_by(UnansweredQuestion.created_at.desc()).limit(limit)
        )
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.execute(query).scalars())

    def between(
        self, start: datetime, end: datetime, limit: int = 2000
    ) -> list[UnansweredQuestion]:
        """The newest `limit` questions asked in [start, end), newest first: what the FAQ-gap
        page mines."""
        query = (
            select(UnansweredQuestion)
            .where(UnansweredQuestion.created_at >= start, UnansweredQuestion.created_at < end)
            .order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc())
            .limit(limit)
        )
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.execute(query).scalars())

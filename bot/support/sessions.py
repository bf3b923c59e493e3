"""Server-side console sessions: what a console cookie is worth is decided here, not by the
cookie. The cookie carries a random token; the database holds its SHA-256 with the agent,
when it was opened and last used, and whether it was revoked (logout, password change). A
copied cookie therefore dies with its session, not when its own expiry comes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.support.agents import AgentView, view
from bot.support.models import Agent, ConsoleSession

SESSION_MAX_AGE = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=30)  # the console polls every second; write last_seen less often


def token_id(token: str) -> str:
    """What the database stores for a token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


class ConsoleSessions:
    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = datetime.utcnow,
        max_age: timedelta = SESSION_MAX_AGE,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.max_age = max_age

    def open(self, agent_id: int, address: str | None = None) -> str:
        """A new session for a logged-in agent; returns the token for the cookie. Sessions
        past their age are deleted here, so the table stays as small as the live ones."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            session.execute(
                delete(ConsoleSession).where(ConsoleSession.created_at < now - self.max_age)
            )
            session.add(
                ConsoleSession(
                    id=token_id(token),
                    agent_id=agent_id,
                    address=(address or "")[:64] or None,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return token

    def agent_for(self, token: str | None) -> AgentView | None:
        """The agent a cookie's token logs in, or None when the session is unknown, revoked
        or older than max_age."""
        if not token:
            return None
        now = self._clock()
        with Session(self._engine) as session:
            row = session.execute(
                select(ConsoleSession, Agent)
                .join(Agent, Agent.id == ConsoleSession.agent_id)
                .where(ConsoleSession.id == token_id(token))
            ).one_or_none()
            if row is None:
                return None
            found, agent = row
            if found.revoked_at is not None or now - found.created_at >= self.max_age:
                return None
            stale = now - found.last_seen_at >= TOUCH_EVERY
            agent_view = view(agent)
        if stale:
            self._touch(found.id, now)
        return agent_view

    def _touch(self, session_id: str, now: datetime) -> None:
        with Session(self._engine) as session, session.begin():
            session.execute(
                update(ConsoleSession)
                .where(ConsoleSession.id == session_id)
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )

    def revoke(self, token: str | None) -> bool:
        """End one session (logout); True when a live session was ended."""
        if not token:
            return False
        with Session(self._engine) as session, session.begin():
            return bool(
                session.execute(
                    update(ConsoleSession)
                    .where(
                        ConsoleSession.id == token_id(token), ConsoleSession.revoked_at.is_(None)
                    )
                    .values(revoked_at=self._clock())
                    .execution_options(synchronize_session=False)
                ).rowcount
            )

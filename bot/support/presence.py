"""Who is at the console: what "an agent is online" means for escalation and reopening.

An agent is online for ONLINE_WINDOW after their last console request or heartbeat of an
open console stream (the queue and ticket pages' only traffic while they are watched, every
CSBOT_STREAM_HEARTBEAT_S: keep that well under the window).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.support.agents import AgentView
from bot.support.models import Agent

ONLINE_WINDOW = timedelta(minutes=2)
SEEN_EVERY = timedelta(seconds=30)  # requests and heartbeats come often; write less often


class Presence:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._written: dict[int, datetime] = {}

    def seen(self, agent: AgentView) -> None:
        """Record that the agent is at the console (at most every SEEN_EVERY per agent)."""
        now = self._clock()
        if now - self._written.get(agent.id, datetime.min) < SEEN_EVERY:
            return
        with Session(self._engine) as session, session.begin():
            session.get(Agent, agent.id).last_seen_at = now
        self._written[agent.id] = now

    def online_count(self, session: Session) -> int:
        cutoff = self._clock() - ONLINE_WINDOW
        query = select(func.count(Agent.id)).where(Agent.last_seen_at >= cutoff)
        return session.execute(query).scalar_one()

    def is_online(self, session: Session, agent_id: int) -> bool:
        agent = session.get(Agent, agent_id)
        seen = agent.last_seen_at if agent else None
        return seen is not None and seen >= self._clock() - ONLINE_WINDOW

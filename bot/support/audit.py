"""The audit trail: who did what to which ticket or conversation, and when, for admins.

Agents' console actions (take, reply, resolve, correct, reassign), account events (login,
logout, password) and privacy requests (export, delete: call `record` from wherever they are
carried out) all land in one append-only table. Entries name the actor as a username (or
"cli:<user>" for an operator at the command line) as well as the agent id, and keep no
foreign key to tickets, so deleting a customer's data leaves the record that it was deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.support.agents import AgentView
from bot.support.models import AuditEntry

ACTIONS = (
    "take",
    "reply",
    "resolve",
    "correct",
    "reassign",
    "export",
    "delete",
    "login",
    "logout",
    "password",
    "teach",  # the review workbench wrote an NLU example, FAQ phrasing/entry or test story
    "model",  # a retrain started, a model activated, kept or rolled back (console model page)
)
Actor = AgentView | str  # an agent, or an operator named like "cli:root"


@dataclass(frozen=True)
class AuditRecord:
    id: int
    actor: str
    agent_id: int | None
    action: str
    ticket_id: int | None
    conversation_id: str | None
    detail: dict[str, Any] | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "actor": self.actor,
            "agent_id": self.agent_id,
            "action": self.action,
            "ticket_id": self.ticket_id,
            "conversation_id": self.conversation_id,
            "detail": self.detail,
            "at": self.created_at.isoformat(timespec="seconds") + "Z",
        }


def _entry(
    actor: Actor,
    action: str,
    at: datetime,
    ticket_id: int | None,
    conversation_id: str | None,
    detail: dict[str, Any] | None,
) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: one of {', '.join(ACTIONS)}")
    agent = actor if isinstance(actor, AgentView) else None
    name = agent.username if agent else str(actor)
    if not name:
        raise ValueError("an audit entry needs an actor")
    return AuditEntry(
        agent_id=agent.id if agent else None,
        actor=name[:120],
        action=action,
        ticket_id=ticket_id,
        conversation_id=conversation_id,
        detail=detail,
        created_at=at,
    )


def record_in(
    session: Session,
    actor: Actor,
    action: str,
    at: datetime,
    *,
    ticket_id: int | None = None,
    conversation_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an entry in the caller's transaction: the action and its record commit together."""
    session.add(_entry(actor, action, at, ticket_id, conversation_id, detail))


def record(
    engine: Engine,
    actor: Actor,
    action: str,
    *,
    ticket_id: int | None = None,
    conversation_id: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Record one action in its own transaction; returns the entry's id. This is the call
    for privacy export/delete: `record(engine, admin_or_"cli:user", "delete",
    conversation_id=..., detail={...})`. ValueError on an unknown action."""
    entry = _entry(actor, action, at or datetime.utcnow(), ticket_id, conversation_id, detail)
    with Session(engine) as session, session.begin():
        session.add(entry)
        session.flush()
        return entry.id


def _record_of(entry: AuditEntry) -> AuditRecord:
    return AuditRecord(
        entry.id,
        entry.actor,
        entry.agent_id,
        entry.action,
        entry.ticket_id,
        entry.conversation_id,
        entry.detail,
        entry.created_at,
    )


class AuditTrail:
    """The audit trail over one engine, with the services' clock."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        ticket_id: int | None = None,
        conversation_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        return record(
            self._engine,
            actor,
            action,
            ticket_id=ticket_id,
            conversation_id=conversation_id,
            detail=detail,
            at=self._clock(),
        )

    def page(
        self,
        page: int = 1,
        per_page: int = 50,
        *,
        actor: str | None = None,
        action: str | None = None,
        ticket_id: int | None = None,
    ) -> tuple[list[AuditRecord], int]:
        """Newest first, optionally one actor's, one action's or one ticket's; and the total."""
        conditions = []
        if actor:
            conditions.append(AuditEntry.actor == actor)
        if action:
            conditions.append(AuditEntry.action == action)
        if ticket_id is not None:
            conditions.append(AuditEntry.ticket_id == ticket_id)
        with Session(self._engine) as session:
            total = session.execute(
                select(func.count(AuditEntry.id)).where(*conditions)
            ).scalar_one()
            rows = session.execute(
                select(AuditEntry)
                .where(*conditions)
                .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).scalars()
            return [_record_of(r) for r in rows], total

"""Deletion requests: the bot files one when a customer asks for their data to be deleted;
an admin confirms it (which deletes) or rejects it.

A request from a chat where the customer verified their email (an order lookup) names that
email; otherwise it carries the email the customer typed, marked unverified, or none: the
admin checks who is asking before confirming, and a confirmed request without an email
deletes only that conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.privacy.customer_data import Deletion, delete_in
from bot.privacy.models import DeletionRequest
from bot.privacy.redact import redact
from bot.support.agents import AgentView

PENDING, DONE, REJECTED = "pending", "done", "rejected"


class PrivacyError(ValueError):
    """A request that cannot be decided (unknown, already decided, not an admin)."""


@dataclass(frozen=True)
class Filed:
    request_id: int
    is_new: bool  # False: this conversation already had a pending request
    email: str | None
    email_verified: bool


class DeletionRequests:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def file(
        self, conversation_id: str, email: str | None, email_verified: bool, text: str = ""
    ) -> Filed:
        """File a request, or return the conversation's pending one (taking an email it
        lacked, or a verified one over a typed one)."""
        email = email.strip().lower() if email else None
        with Session(self._engine) as session, session.begin():
            query = select(DeletionRequest).where(
                DeletionRequest.conversation_id == conversation_id,
                DeletionRequest.status == PENDING,
            )
            request = session.execute(query.with_for_update()).scalars().first()
            is_new = request is None
            if is_new:
                request = DeletionRequest(
                    conversation_id=conversation_id,
                    status=PENDING,
                    email_verified=False,
                    text=redact(text)[:2000],
                    created_at=self._clock(),
                )
                session.add(request)
            if email and (request.email is None or (email_verified and not request.email_verified)):
                request.email, request.email_verified = email, email_verified
            session.flush()
            return Filed(request.id, is_new, request.email, request.email_verified)

    def pending(self) -> list[DeletionRequest]:
        query = (
            select(DeletionRequest)
            .where(DeletionRequest.status == PENDING)
            .order_by(DeletionRequest.created_at, DeletionRequest.id)
        )
        with Session(self._engine, expire_on_commit=False) as session:
            return list(session.execute(query).scalars())

    def _decide(self, session: Session, request_id: int, admin: AgentView) -> DeletionRequest:
        if not admin.is_admin:
            raise PrivacyError("only an admin can decide a deletion request")
        request = session.get(DeletionRequest, request_id, with_for_update=True)
        if request is None:
            raise PrivacyError(f"there is no deletion request #{request_id}")
        if request.status != PENDING:
            raise PrivacyError(f"deletion request #{request_id} is already {request.status}")
        request.decided_at, request.decided_by = self._clock(), admin.id
        return request

    def confirm(self, request_id: int, admin: AgentView) -> Deletion:
        """Delete what the request covers (its email's data and its conversation) and mark
        it done with what was deleted; one transaction."""
        with Session(self._engine) as session, session.begin():
            request = self._decide(session, request_id, admin)
            deletion = delete_in(session, request.email, [request.conversation_id])
            request.status, request.outcome = DONE, deletion.as_dict()
            return deletion

    def reject(self, request_id: int, admin: AgentView) -> None:
        with Session(self._engine) as session, session.begin():
            self._decide(session, request_id, admin).status = REJECTED

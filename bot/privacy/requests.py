"""Deletion requests: the bot files one when a customer asks for their data to be deleted;
an admin confirms it (which deletes) or rejects it.

Who is asking decides what a confirmation may delete (`Verification`). A customer who looked
up an order in the chat (order number and email checked, the `verified_customer` slot) has
shown they own that email: confirming deletes everything for it. An email only typed in the
chat proves nothing (anyone can type "I'm emma.larsen@example.com"): the admin must record
how they checked who is asking before such a request deletes anything beyond its own
conversation, and the check is stored with the request and audited. Without that, or
without an email, a confirmation deletes only the conversation the request came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.privacy.customer_files import Files
from bot.privacy.deletion import Deletion, delete_in
from bot.privacy.models import DeletionRequest, Verification
from bot.privacy.redact import redact
from bot.support.agents import AgentView

PENDING, DONE, REJECTED = "pending", "done", "rejected"
MIN_IDENTITY_CHECK = 10  # characters: "ok" is not a record of how identity was checked


class PrivacyError(ValueError):
    """A request that cannot be decided (unknown, already decided, not an admin, an
    unverified email confirmed without saying how identity was checked)."""


class Scope(Enum):
    """What a confirmation deletes."""

    CUSTOMER = "customer"  # every conversation of the email; shop record and orders anonymised
    CONVERSATION = "conversation"  # only the conversation the request was filed from


@dataclass(frozen=True)
class Filed:
    request_id: int
    is_new: bool  # False: this conversation already had a pending request
    email: str | None
    verification: Verification


@dataclass(frozen=True)
class Confirmed:
    """What a confirmation did, and on what grounds (for the audit trail)."""

    request_id: int
    conversation_id: str
    scope: Scope
    verification: Verification
    identity_check: str | None
    deletion: Deletion


class DeletionRequests:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def file(
        self,
        conversation_id: str,
        text: str = "",
        *,
        verified_email: str | None = None,
        typed_email: str | None = None,
    ) -> Filed:
        """File a request, or return the conversation's pending one (taking an email it
        lacked, or a verified one over a typed one). `verified_email`: the email of an order
        the customer looked up in this conversation; `typed_email`: one they only wrote."""
        verified = verified_email.strip().lower() if verified_email else None
        email = verified or (typed_email.strip().lower() if typed_email else None)
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
            if email and (request.email is None or (verified and not request.email_verified)):
                request.email, request.email_verified = email, bool(verified)
            session.flush()
            return Filed(request.id, is_new, request.email, request.verification)

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

    def confirm(
        self,
        request_id: int,
        admin: AgentView,
        identity_check: str = "",
        scope: Scope = Scope.CUSTOMER,
        files: Files | None = None,
    ) -> Confirmed:
        """Delete what the request covers (and the customer's lines in `files`) and mark it
        done with what was deleted; one transaction. An email not verified in the chat needs
        `identity_check` (how the admin made sure the person asking owns it) for
        `Scope.CUSTOMER`; `Scope.CONVERSATION` deletes only the request's own conversation
        and needs none."""
        with Session(self._engine) as session, session.begin():
            request = self._decide(session, request_id, admin)
            if request.email is None:
                scope = Scope.CONVERSATION
            check = redact(" ".join(identity_check.split()))[:500] or None
            if scope is Scope.CUSTOMER and request.verification is Verification.NOT_VERIFIED:
                if check is None or len(check) < MIN_IDENTITY_CHECK:
                    raise PrivacyError(
                        f"{request.email} was typed in the chat, not verified: say how you "
                        "checked that the person asking owns it (for instance, they wrote "
                        "from that address) before deleting its data. Nothing was deleted."
                    )
                request.identity_check = check
            email = request.email if scope is Scope.CUSTOMER else None
            deletion = delete_in(session, email, [request.conversation_id], files)
            request.status = DONE
            request.outcome = {**deletion.as_dict(), "scope": scope.value}
            return Confirmed(
                request.id,
                request.conversation_id,
                scope,
                request.verification,
                request.identity_check,
                deletion,
            )

    def reject(self, request_id: int, admin: AgentView) -> None:
        with Session(self._engine) as session, session.begin():
            self._decide(session, request_id, admin).status = REJECTED

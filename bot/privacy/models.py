"""Deletion requests: what a customer asked the bot to delete, until an admin decides."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text

from bot.models_base import Base


class Verification(Enum):
    """How the request's email is known to be the asker's."""

    IN_CHAT = "in_chat"  # they looked up an order with it in the chat (order number + email)
    BY_ADMIN = "by_admin"  # typed in the chat; an admin checked who asked and recorded how
    NOT_VERIFIED = "not_verified"  # only typed in the chat: anyone can type an address
    NO_EMAIL = "no_email"  # the request covers its conversation only


class DeletionRequest(Base):
    """`email_verified`: the email was verified in the conversation (an order lookup), so the
    request is the customer's own; otherwise the admin checks who is asking before
    confirming, and says how in `identity_check`. A done request stays, with what was
    deleted, as the record of the erasure."""

    __tablename__ = "deletion_requests"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), nullable=False, index=True)  # no FK: deleted with it
    email = Column(String(254), index=True)
    email_verified = Column(Boolean, nullable=False, default=False)
    identity_check = Column(Text)  # how the admin checked an unverified email's owner
    text = Column(Text)  # what the customer wrote, personal data redacted
    status = Column(String(20), nullable=False, default="pending")  # pending | done | rejected
    created_at = Column(DateTime, nullable=False, index=True)
    decided_at = Column(DateTime)
    decided_by = Column(ForeignKey("agents.id"))
    outcome = Column(JSON)  # rows deleted and anonymised, per table, and the scope

    @property
    def verification(self) -> Verification:
        if not self.email:
            return Verification.NO_EMAIL
        if self.email_verified:
            return Verification.IN_CHAT
        return Verification.BY_ADMIN if self.identity_check else Verification.NOT_VERIFIED

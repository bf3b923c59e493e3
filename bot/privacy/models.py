"""Deletion requests: what a customer asked the bot to delete, until an admin decides."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text

from bot.runtime.database import Base


class DeletionRequest(Base):
    """`email_verified`: the email was verified in the conversation (an order lookup), so the
    request is the customer's own; otherwise the admin checks who is asking before
    confirming. A done request stays, with what was deleted, as the record of the erasure."""

    __tablename__ = "deletion_requests"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(100), nullable=False, index=True)  # no FK: deleted with it
    email = Column(String(254), index=True)
    email_verified = Column(Boolean, nullable=False, default=False)
    text = Column(Text)  # what the customer wrote, personal data redacted
    status = Column(String(20), nullable=False, default="pending")  # pending | done | rejected
    created_at = Column(DateTime, nullable=False, index=True)
    decided_at = Column(DateTime)
    decided_by = Column(ForeignKey("agents.id"))
    outcome = Column(JSON)  # rows deleted and anonymised, per table

"""The customer's words that left the conversation log: copied by the workbench into the
audit trail (a teach entry records what it wrote) and into files (`customer_files`).

An export shows them and a deletion takes them out, so both need the same answer to "which
teach entries hold this customer's words": those from their conversations (all their texts
are theirs) and the gap workbench's, which have no conversation (only the texts the customer
said are theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.conversations.models import Message, UnansweredQuestion
from bot.privacy.customer_files import CustomerText
from bot.privacy.footprint import Footprint
from bot.privacy.holdings import DELETED_TEXT
from bot.privacy.redact import redact
from bot.support.models import AuditEntry, Ticket
from bot.workbench.nlu_examples import plain

TEACH = "teach"  # the audit action of the workbench's writes (bot.support.audit)
TAUGHT_FIELDS = ("example", "text", "texts")  # where a teach entry keeps what it wrote


def _taught(detail: dict[str, Any] | None) -> list[str]:
    """What a teach entry says it wrote (an example, a phrasing, a new entry's texts)."""
    texts: list[str] = []
    for name in TAUGHT_FIELDS:
        value = (detail or {}).get(name)
        values = [value] if isinstance(value, str) else value or []
        texts += [v for v in values if isinstance(v, str)]
    return [t for t in texts if t != DELETED_TEXT]


def _said(session: Session, conversation_ids: list[str]) -> set[str]:
    """What the customer wrote in those conversations, normalised like taught texts."""
    said = select(Message.text).where(
        Message.conversation_id.in_(conversation_ids), Message.sender == "customer"
    )
    asked = select(UnansweredQuestion.text).where(
        UnansweredQuestion.conversation_id.in_(conversation_ids)
    )
    texts = [*session.execute(said).scalars(), *session.execute(asked).scalars()]
    return {plain(t) for t in texts if t}


@dataclass
class Teaching:
    """Teach entries holding the customer's words: those from their conversations (all their
    texts are theirs) and the gap workbench's (no conversation: the texts they said)."""

    linked: list[AuditEntry]
    unlinked: list[tuple[AuditEntry, set[str]]]  # (entry, which of its texts are theirs)

    def texts(self) -> list[str]:
        texts = [t for entry in self.linked for t in _taught(entry.detail)]
        return texts + [t for _, theirs in self.unlinked for t in theirs]


def teaching(session: Session, conversation_ids: list[str]) -> Teaching:
    if not conversation_ids:
        return Teaching([], [])
    query = select(AuditEntry).where(
        AuditEntry.action == TEACH,
        or_(AuditEntry.conversation_id.in_(conversation_ids), AuditEntry.conversation_id.is_(None)),
    )
    entries = list(session.execute(query.order_by(AuditEntry.id)).scalars())
    linked = [e for e in entries if e.conversation_id is not None]
    unlinked = [e for e in entries if e.conversation_id is None and _taught(e.detail)]
    said = _said(session, conversation_ids) if unlinked else set()
    matched = []
    for entry in unlinked:
        theirs = {t for t in _taught(entry.detail) if plain(t) in said}
        if theirs:
            matched.append((entry, theirs))
    return Teaching(linked, matched)


def customer_text(session: Session, found: Footprint, taught: Teaching) -> CustomerText:
    """What identifies the customer's lines in files: their conversations, the texts taught
    from them and their tickets' topics."""
    topics = select(Ticket.topic).where(Ticket.id.in_(found.ticket_ids))
    return CustomerText.of(
        found.conversation_ids,
        taught.texts(),
        [redact(t) for t in session.execute(topics).scalars() if t],  # as corrections.csv has it
    )


def _without_their_words(detail: dict[str, Any], theirs: set[str] | None) -> dict[str, Any]:
    """A teach entry's detail with the customer's texts (None: all its texts) replaced."""

    def gone(text: Any) -> Any:
        theirs_or_all = isinstance(text, str) and (theirs is None or text in theirs)
        return DELETED_TEXT if theirs_or_all else text

    redacted = dict(detail)
    for name in TAUGHT_FIELDS:
        if isinstance(redacted.get(name), str):
            redacted[name] = gone(redacted[name])
        elif isinstance(redacted.get(name), list):
            redacted[name] = [gone(t) for t in redacted[name]]
    return redacted


def redact_teaching(taught: Teaching) -> int:
    """Replace the customer's words in the teach entries; how many entries changed."""
    changed = 0
    for entry, theirs in [(e, None) for e in taught.linked] + taught.unlinked:
        redacted = _without_their_words(entry.detail or {}, theirs)
        if redacted != (entry.detail or {}):
            entry.detail = redacted
            changed += 1
    return changed

"""Reviewers' tags on conversations ("bug", "needs faq"): cleaned to one spelling, so the
list's tag filter finds every conversation a tag was meant for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.conversations.models import ConversationTag
from bot.conversations.review.filters import ReviewError

TAG_MAX = 40


def clean_tag(tag: str) -> str:
    """The tag as stored: words single-spaced, lower case; ReviewError if unusable."""
    cleaned = " ".join(str(tag).split()).lower()
    if not cleaned or len(cleaned) > TAG_MAX or not cleaned.isprintable():
        raise ReviewError(f"a tag is 1 to {TAG_MAX} printable characters")
    return cleaned


def new_tag(conversation_id: str, tag: str, actor: str, at: datetime) -> ConversationTag:
    """The row for a tag (cleaned; ReviewError before any write if it is unusable). Adding it
    twice breaks the table's unique constraint, which is how a second add is noticed even
    when two reviewers add it at once."""
    return ConversationTag(
        conversation_id=conversation_id, tag=clean_tag(tag), added_by=actor, created_at=at
    )


def remove_tag(session: Session, conversation_id: str, tag: str) -> bool:
    """Untag a conversation (in the caller's transaction); False if it had no such tag."""
    done = session.execute(
        delete(ConversationTag).where(
            ConversationTag.conversation_id == conversation_id,
            ConversationTag.tag == clean_tag(tag),
        )
    )
    return bool(done.rowcount)

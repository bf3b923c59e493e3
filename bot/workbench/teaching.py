"""One-click teaching from a reviewed conversation, as one workflow per button: read the
customer's message (or the whole conversation) from the log, write it where it teaches
(`nlu_examples`, `faq_entries`, `test_stories`), and record the write in the audit trail
(action "teach": who, when, what). The console's view only reads the form and words the
outcome; this is where the log is read and the audit written, so tests can call it directly.

Every audit entry of a write names the texts it copied from the customer (`example`, `text`,
`texts`): privacy export and deletion find a customer's words in the trail by those fields
(`bot.privacy.taught`). Folders come with each call: they are the settings', not the
database's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.conversations.models import LoggedEvent, Message
from bot.support.agents import AgentView
from bot.support.audit import Actor, AuditTrail
from bot.workbench import faq_entries, nlu_examples, test_stories
from bot.workbench.errors import TeachError
from bot.workbench.faq_entries import FaqResult
from bot.workbench.nlu_examples import NluResult

TEACH = "teach"  # the audit action of every write here (bot.support.audit.ACTIONS)
DEFAULT_TOPIC = "workbench"  # a new FAQ entry's topic when the admin names none


def parse_entities(raw: str) -> dict[str, str]:
    """`order_number=100234` lines (or comma-separated) into {entity: value}."""
    found: dict[str, str] = {}
    for part in raw.replace(",", "\n").splitlines():
        if not part.strip():
            continue
        entity, sep, value = part.partition("=")
        if not sep or not entity.strip() or not value.strip():
            raise TeachError("write entities as entity=value, one per line")
        found[entity.strip()] = value.strip()
    return found


def author(actor: Actor) -> str:
    """Who a written file says added it: the agent's username, or the operator's name."""
    return actor.username if isinstance(actor, AgentView) else actor


@dataclass(frozen=True)
class FaqDraft:
    """A new FAQ entry as the admin wrote it; an empty question is the customer's words."""

    faq_id: str
    topic: str
    question: str
    answer: str


class TeachingService:
    """The workbench's teach buttons over one engine (blocking: run them off the event loop)."""

    def __init__(
        self, engine: Engine, audit: AuditTrail, clock: Callable[[], datetime] = datetime.utcnow
    ) -> None:
        self._engine = engine
        self._audit = audit
        self._clock = clock

    def message_text(self, conversation_id: str, message_id: int) -> str:
        """The text of a customer message of this conversation; TeachError for any other."""
        query = select(Message.text).where(
            Message.id == message_id,
            Message.conversation_id == conversation_id,
            Message.sender == "customer",
        )
        with Session(self._engine) as session:
            text = session.execute(query).scalar()
        if not text:
            raise TeachError("that is not a customer message of this conversation")
        return text

    def _record(self, actor: Actor, conversation_id: str, detail: dict[str, Any]) -> None:
        self._audit.record(actor, TEACH, conversation_id=conversation_id, detail=detail)

    def teach_intent(
        self,
        actor: Actor,
        conversation_id: str,
        message_id: int,
        nlu_dir: Path,
        intent: str,
        entities: str = "",
    ) -> NluResult:
        """The message as an example of `intent` in data/nlu, its `entities` marked (the
        admin's `entity=value` lines, see `parse_entities`); audited when written."""
        text = self.message_text(conversation_id, message_id)
        marked = parse_entities(entities)
        result = nlu_examples.teach_intent(nlu_dir, text, intent, marked)
        if result.status == "added":
            detail = {"kind": "nlu", "intent": result.intent, "example": result.example}
            self._record(actor, conversation_id, {**detail, "file": result.file})
        return result

    def add_phrasing(
        self, actor: Actor, conversation_id: str, message_id: int, faq_dir: Path, faq_id: str
    ) -> FaqResult:
        """The message as one more way to ask FAQ `faq_id`; audited when written."""
        text = self.message_text(conversation_id, message_id)
        result = faq_entries.add_phrasing(faq_dir, faq_id, text)
        if result.status == "added":
            detail = {"kind": "faq_phrasing", "faq_id": result.faq_id, "text": result.text}
            self._record(actor, conversation_id, {**detail, "file": result.file})
        return result

    def new_faq(
        self,
        actor: Actor,
        conversation_id: str,
        message_id: int,
        faq_dir: Path,
        draft: FaqDraft,
    ) -> FaqResult:
        """A new FAQ entry from the message (its question unless the admin wrote one; then
        the message is its first phrasing), signed by the actor; audited when written."""
        text = self.message_text(conversation_id, message_id)
        question = draft.question.strip() or text
        answer = draft.answer.strip()
        if not answer:
            raise TeachError("write the answer (the agent's reply is a draft)")
        phrasings = [text] if text.strip() != question.strip() else []
        result = faq_entries.new_entry(
            faq_dir,
            draft.faq_id.strip(),
            draft.topic.strip() or DEFAULT_TOPIC,
            question,
            answer,
            phrasings,
            author(actor),
            self._clock(),
        )
        if result.status != "conflict":
            # The customer's words only: the admin's question is the shop's, and a deletion
            # of the customer must not take it.
            detail = {"kind": "faq_new", "faq_id": result.faq_id, "file": result.file}
            self._record(actor, conversation_id, {**detail, "texts": [text]})
        return result

    def logged_events(self, conversation_id: str) -> list[dict]:
        """The conversation's Rasa events as logged, in order."""
        query = (
            select(LoggedEvent.payload)
            .where(LoggedEvent.conversation_id == conversation_id)
            .order_by(LoggedEvent.seq)
        )
        with Session(self._engine) as session:
            payloads = session.execute(query).scalars().all()
        return [{k: v for k, v in p.items() if k != "sender_id"} for p in payloads]

    def save_story(self, actor: Actor, conversation_id: str, stories_dir: Path) -> str:
        """The conversation as a test story under tests/stories; returns its name (audited)."""
        events = self.logged_events(conversation_id)
        signed = author(actor)
        name = test_stories.save_story(events, stories_dir, conversation_id, signed, self._clock())
        self._record(actor, conversation_id, {"kind": "test_story", "story": name})
        return name

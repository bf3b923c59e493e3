"""The agent's ticket actions as whole workflows: the ticket change, the audit entry, what the
chat server is told (pause, resume, the rating prompt) and the words the customer reads.

These used to live in the console's view, which made the order of the steps (check, tell the
customer, then write) untestable without a browser and a Rasa stand-in. Here the chat server
is a `CustomerChat` passed to each call: the web app passes one bound to the conversation's
Rasa replica, a test passes a fake that records what it was told.

Each method is a coroutine: the database steps run in worker threads, the chat steps on the
caller's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from bot.channels.windows import OutsideWindow, agent_message_metadata
from bot.conversations.transcripts import TranscriptService
from bot.support.agents import AgentView
from bot.support.audit import AuditTrail
from bot.support.models import Ticket
from bot.support.tickets import TicketService

ChatEvent = dict[str, Any]  # a Rasa tracker event, as Rasa's HTTP API takes it
PAUSE: ChatEvent = {"event": "pause"}
RESUME: ChatEvent = {"event": "resume"}
# An executed action is not followed by a listen; adding it lets the customer's answer start
# a normal turn that the rating rule recognises.
LISTEN: ChatEvent = {"event": "action", "name": "action_listen"}
ASK_RATING = "action_ask_rating"


class ChatUnavailable(RuntimeError):
    """The chat server did not answer, so the customer was not told; the message is for the
    agent."""

    def __init__(
        self, message: str = "The chat server did not answer; the customer was not told. Try again."
    ) -> None:
        super().__init__(message)


class CustomerChat(Protocol):
    """How the desk reaches a conversation in the chat server. Both calls raise
    ChatUnavailable when it does not answer."""

    async def append(self, conversation_id: str, events: list[ChatEvent]) -> None:
        """Add events to the conversation and deliver any message on its channel."""

    async def run_action(self, conversation_id: str, action: str) -> None:
        """Have the bot run one of its actions in the conversation now."""


def joined_text(agent: AgentView, shop: str) -> str:
    return f"{agent.name} from the {shop} team has joined the chat."


def left_text(agent: AgentView) -> str:
    return f"{agent.name} has marked this as solved and left the chat."


class TakeOutcome(Enum):
    """What the customer heard when an agent took their ticket."""

    JOINED = "joined"  # the bot paused and the customer was told who joined
    ALREADY_YOURS = "already_yours"  # the agent held it already: nothing new to say
    PAUSED_UNTOLD = "paused_untold"  # the platform would not deliver the greeting now
    CHAT_DOWN = "chat_down"  # taken, but the chat server did not answer: bot not paused


@dataclass(frozen=True)
class Taken:
    ticket: Ticket
    outcome: TakeOutcome
    problem: str | None = None  # for the agent, when the customer was not told


@dataclass(frozen=True)
class Resolved:
    ticket: Ticket
    said_goodbye: bool  # False where the platform would not deliver it (resolved anyway)


class TicketDesk:
    def __init__(
        self,
        tickets: TicketService,
        transcripts: TranscriptService,
        audit: AuditTrail,
        clock: Callable[[], datetime] = datetime.utcnow,
        shop: str = "our",
    ) -> None:
        """`shop`: the shop's short name, in what the customer is told ("Sam from the
        Trailhead team has joined")."""
        self._shop = shop
        self._tickets = tickets
        self._transcripts = transcripts
        self._audit = audit
        self._clock = clock

    async def take(self, ticket: Ticket, agent: AgentView, chat: CustomerChat) -> Taken:
        """Take a queued ticket, pause the bot and tell the customer who joined. TicketError
        (nothing changed) when another agent has it or it is resolved; once taken, a chat
        that cannot be told is an outcome, not an error: the ticket stays the agent's."""
        taken, joined = await asyncio.to_thread(self._tickets.take, ticket.id, agent)
        if not joined:
            return Taken(taken, TakeOutcome.ALREADY_YOURS)
        await self._record(agent, "take", ticket)
        conversation = taken.conversation_id
        try:
            try:
                said = self._says(
                    agent, joined_text(agent, self._shop), await self._window(conversation)
                )
            except OutsideWindow as exc:
                await chat.append(conversation, [PAUSE])
                return Taken(taken, TakeOutcome.PAUSED_UNTOLD, str(exc))
            await chat.append(conversation, [PAUSE, said])
        except ChatUnavailable as exc:
            return Taken(taken, TakeOutcome.CHAT_DOWN, str(exc))
        return Taken(taken, TakeOutcome.JOINED)

    async def reply(
        self, ticket: Ticket, agent: AgentView, text: str, chat: CustomerChat
    ) -> Ticket:
        """Send the agent's message to the customer. TicketError unless the agent holds the
        ticket, OutsideWindow when the platform would not deliver it (nothing recorded
        then), ChatUnavailable when the chat server did not take it. The audit entry keeps
        the length only: the text is in the conversation log."""
        extra = await self._window(ticket.conversation_id)
        replied = await asyncio.to_thread(self._tickets.replied, ticket.id, agent)
        await chat.append(ticket.conversation_id, [self._says(agent, text, extra)])
        await self._record(agent, "reply", ticket, {"chars": len(text)})
        return replied

    async def resolve(self, ticket: Ticket, agent: AgentView, chat: CustomerChat) -> Resolved:
        """Say goodbye, hand the chat back to the bot, close the ticket, then have the bot
        ask for a rating. Nothing changes when the agent does not hold the ticket
        (TicketError) or the chat server is down before the ticket closes (ChatUnavailable);
        ChatUnavailable after it closed means only the rating prompt is missing."""
        conversation = ticket.conversation_id
        await asyncio.to_thread(self._tickets.check_owner, ticket.id, agent)
        try:
            said = [self._says(agent, left_text(agent), await self._window(conversation))]
        except OutsideWindow:  # resolve anyway; the platform would refuse the goodbye
            said = []
        await chat.append(conversation, [*said, RESUME])
        resolved = await asyncio.to_thread(self._tickets.resolve, ticket.id, agent)
        await self._record(agent, "resolve", ticket)
        await chat.run_action(conversation, ASK_RATING)
        await chat.append(conversation, [LISTEN])
        return Resolved(resolved, bool(said))

    async def correct(
        self, ticket: Ticket, agent: AgentView, category: str, priority: str
    ) -> Ticket:
        """Fix the classifier's labels (TicketError for unknown ones); audited with the labels
        the agent saw before and the new ones."""
        corrected = await asyncio.to_thread(
            self._tickets.correct, ticket.id, agent, category, priority
        )
        before = {"category": ticket.category, "priority": ticket.priority}
        after = {"category": category, "priority": priority}
        await self._record(agent, "correct", ticket, {"before": before, "after": after})
        return corrected

    async def reassign(self, ticket: Ticket, admin: AgentView, to_agent_id: int) -> Ticket:
        """An admin hands the ticket to another agent (TicketError for anyone else)."""
        moved = await asyncio.to_thread(self._tickets.reassign, ticket.id, admin, to_agent_id)
        await self._record(admin, "reassign", ticket, {"from": ticket.agent_id, "to": to_agent_id})
        return moved

    async def _window(self, conversation_id: str) -> dict[str, Any]:
        """What the customer's platform needs on an agent's message now (Messenger's
        HUMAN_AGENT tag after 24 hours); OutsideWindow when it would not deliver it at all."""
        reach = await asyncio.to_thread(self._transcripts.customer_reach, conversation_id)
        return agent_message_metadata(reach.channel, reach.last_customer_message_at, self._clock())

    @staticmethod
    def _says(agent: AgentView, text: str, extra: dict[str, Any]) -> ChatEvent:
        """An agent's message as a bot event that names the agent (the log and widget show
        who wrote it)."""
        metadata = {"agent_id": agent.id, "agent_name": agent.name, **extra}
        return {"event": "bot", "text": text, "metadata": metadata}

    async def _record(
        self,
        agent: AgentView,
        action: str,
        ticket: Ticket,
        detail: dict[str, Any] | None = None,
    ) -> None:
        await asyncio.to_thread(
            self._audit.record,
            agent,
            action,
            ticket_id=ticket.id,
            conversation_id=ticket.conversation_id,
            detail=detail,
        )

"""Human support: escalation to tickets, the agents who work them, and their ratings.

- `escalation`: open a classified ticket in the right queue and say where it stands.
- `tickets`: the agent's workflow (take, reply, correct, resolve, reassign, reopen).
- `desk`: those actions as the console runs them: the ticket change, the audit entry and
  what the customer is told through the chat server (a `CustomerChat` passed in).
- `lifecycle`: statuses, priorities and the recorded timeline (`TicketEventKind`); the
  categories and the queue of each are the shop's (`ShopPack.tickets`, from its pack).
- `presence`: who is at the console. `agents`: accounts, passwords, roles.
- `sessions`: server-side console sessions. `logins`: login throttling, login and password
  change. `audit`: the audit trail (`record` for anything worth an admin's eye).
- `ratings`: CSAT after a resolved ticket.
- `classifier` and `training_data`: the ticket classifier and agents' corrections.
"""

from bot.support.agents import AgentError, AgentService, AgentView
from bot.support.audit import AuditTrail, record
from bot.support.desk import (
    ChatUnavailable,
    CustomerChat,
    Resolved,
    Taken,
    TakeOutcome,
    TicketDesk,
)
from bot.support.escalation import EscalationService, Opened
from bot.support.lifecycle import TicketError, TicketEventKind
from bot.support.logins import Logins, ThrottlePolicy
from bot.support.presence import Presence
from bot.support.ratings import RatingRefused, RatingService
from bot.support.sessions import ConsoleSessions
from bot.support.tickets import Reopened, TicketService

__all__ = [
    "AgentError",
    "AgentService",
    "AgentView",
    "AuditTrail",
    "ChatUnavailable",
    "ConsoleSessions",
    "CustomerChat",
    "EscalationService",
    "Logins",
    "Opened",
    "Presence",
    "RatingRefused",
    "RatingService",
    "Reopened",
    "Resolved",
    "TakeOutcome",
    "Taken",
    "TicketDesk",
    "TicketError",
    "TicketEventKind",
    "ThrottlePolicy",
    "TicketService",
    "record",
]

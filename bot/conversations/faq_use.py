"""Which FAQ entries the bot answered with, and how often the customer said "that didn't help"
after each: the analytics page's two FAQ rankings.

An answer is counted as on the metrics page (`metrics.faq_outcomes`); which entry it gave is
read from the log, since a message keeps only its text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from bot.conversations.metrics import FAQ_ANSWER_ACTIONS, bot_messages, faq_outcomes
from bot.conversations.models import LoggedEvent, Message

TOP = 10  # rows in each ranking
SHOWN_SLOT = "faq_shown"  # the entries an FAQ action has shown, the latest last
EVENTS_AFTER_ANSWER = 8  # an FAQ action's slot events follow its message within these
UNKNOWN_ENTRY = "(unknown)"


@dataclass(frozen=True)
class FaqUse:
    entry: str  # the FAQ entry's id, e.g. "faq:returns-opened"
    answers: int
    not_helpful: int  # answers followed by "that didn't help"

    @property
    def not_helpful_rate(self) -> float:
        return self.not_helpful / self.answers


def _answered_entries(session: Session, start: datetime, end: datetime) -> dict[int, str]:
    """Which FAQ entry each FAQ-action message of the range answered, by message id.

    The action's `faq_shown` slot (the entries shown, the latest last) is logged right after
    its message; the message's own retrieval slots name the best candidate, which is the
    entry answered when no `faq_shown` follows (a log from before that slot was set)."""
    answer, after = aliased(LoggedEvent), aliased(LoggedEvent)
    query = (
        select(Message.id, Message.retrieval, after.type, after.payload)
        .join(answer, answer.id == Message.event_id)
        .outerjoin(
            after,
            and_(
                after.conversation_id == answer.conversation_id,
                after.seq > answer.seq,
                after.seq <= answer.seq + EVENTS_AFTER_ANSWER,
            ),
        )
        .where(
            Message.sender == "bot",
            Message.action.in_(FAQ_ANSWER_ACTIONS),
            Message.created_at >= start,
            Message.created_at < end,
        )
        .order_by(Message.id, after.seq)
    )
    entries: dict[int, str] = {}
    done: set[int] = set()  # messages whose slot events have ended
    for message_id, retrieval, kind, payload in session.execute(query):
        if message_id not in entries:
            candidates = (retrieval or {}).get("faq_candidates") or []
            entries[message_id] = candidates[0] if candidates else UNKNOWN_ENTRY
        if message_id in done or kind is None:
            continue
        if kind != "slot":
            done.add(message_id)
        elif payload.get("name") == SHOWN_SLOT and payload.get("value"):
            entries[message_id] = str(payload["value"][-1])
            done.add(message_id)
    return entries


def faq_use(session: Session, start: datetime, end: datetime) -> list[FaqUse]:
    """Every FAQ entry answered in the range with its answers and "didn't help"s, most
    answered first."""
    messages = bot_messages(session, start, end)
    entries = _answered_entries(session, start, end)
    answers: Counter[str] = Counter()
    unhelpful: Counter[str] = Counter()
    for message, accepted in faq_outcomes(messages):
        entry = entries.get(message.id, UNKNOWN_ENTRY)
        answers[entry] += 1
        unhelpful[entry] += not accepted
    rows = [FaqUse(entry, n, unhelpful[entry]) for entry, n in answers.items()]
    return sorted(rows, key=lambda r: (-r.answers, r.entry))


def most_unhelpful(uses: list[FaqUse], top: int = TOP) -> list[FaqUse]:
    """The entries most often followed by "that didn't help" (never-unhelpful ones left out)."""
    marked = [u for u in uses if u.not_helpful]
    return sorted(marked, key=lambda u: (-u.not_helpful, -u.not_helpful_rate, u.entry))[:top]

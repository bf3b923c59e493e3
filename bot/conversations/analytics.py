"""Analytics over a date range [start, end): the bot's rates per day or per week, the intents
the NLU is least sure of, the intents that end in a fallback, and the FAQ entries by answers
and by "that didn't help". Agents' times are `metrics.agent_metrics`.

A day's (or week's) rates are the metrics page's figures for that day: the messages and
handoffs of the range are read once and `metrics.bot_figures` is applied to each bucket.
Grouping by day happens in Python, so the queries are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from bot.conversations.metrics import (
    FALLBACK,
    FAQ_ANSWER_ACTIONS,
    bot_figures,
    bot_messages,
    faq_outcomes,
    handoffs,
)
from bot.conversations.models import LoggedEvent, Message

PERIODS = ("day", "week")
TOP = 10  # rows in each ranking
SHOWN_SLOT = "faq_shown"  # the entries an FAQ action has shown, the latest last
EVENTS_AFTER_ANSWER = 8  # an FAQ action's slot events follow its message within these
NO_INTENT = "(none ranked)"
UNKNOWN_ENTRY = "(unknown)"


@dataclass(frozen=True)
class Rates:
    """One day or week; `first` is its first day inside the range."""

    first: date
    conversations: int
    customer_messages: int
    containment_rate: float | None
    handoff_rate: float | None
    fallback_rate: float | None
    faq_answer_rate: float | None  # conversations given at least one FAQ answer
    faq_answers: int
    faq_acceptance: float | None


@dataclass(frozen=True)
class IntentConfidence:
    intent: str
    messages: int
    mean_confidence: float


@dataclass(frozen=True)
class FallbackIntent:
    intent: str  # the top-ranked intent of messages that became nlu_fallback
    fallbacks: int
    mean_confidence: float | None  # of that intent, on those messages


@dataclass(frozen=True)
class FaqUse:
    entry: str  # the FAQ entry's id, e.g. "faq:returns-opened"
    answers: int
    not_helpful: int  # answers followed by "that didn't help"

    @property
    def not_helpful_rate(self) -> float:
        return self.not_helpful / self.answers


def bucket_start(day: date, period: str, first: date) -> date:
    """The first day of `day`'s bucket: the day itself, or its week's Monday (not before
    `first`, the range's first day)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    if period == "day":
        return day
    return max(day - timedelta(days=day.weekday()), first)


def rates(engine: Engine, start: datetime, end: datetime, period: str = "day") -> list[Rates]:
    """The bot's rates per day or week, oldest first; buckets without conversations are left
    out (they have no rates)."""
    with Session(engine) as session:
        messages = bot_messages(session, start, end)
        tickets = handoffs(session, start, end)
    first = start.date()
    by_bucket: dict[date, list] = defaultdict(list)
    for m in messages:
        by_bucket[bucket_start(m.created_at.date(), period, first)].append(m)
    escalated: dict[date, set[str]] = defaultdict(set)
    for t in tickets:
        escalated[bucket_start(t.created_at.date(), period, first)].add(t.conversation_id)
    rows = []
    for day in sorted(by_bucket):
        bot = bot_figures(by_bucket[day], escalated[day])
        if bot.conversations:
            rows.append(
                Rates(
                    first=day,
                    conversations=bot.conversations,
                    customer_messages=bot.customer_messages,
                    containment_rate=bot.containment_rate,
                    handoff_rate=bot.handoff_rate,
                    fallback_rate=bot.fallback_rate,
                    faq_answer_rate=bot.faq_answer_rate,
                    faq_answers=bot.faq_answers,
                    faq_acceptance=bot.faq_acceptance,
                )
            )
    return rows


def _customer_in(start: datetime, end: datetime) -> Any:
    return and_(Message.sender == "customer", Message.created_at >= start, Message.created_at < end)


def low_confidence_intents(
    engine: Engine, start: datetime, end: datetime, top: int = TOP
) -> list[IntentConfidence]:
    """The intents with the lowest mean confidence on customer messages (nlu_fallback, whose
    confidence is the fallback threshold, is not one of them)."""
    average = func.avg(Message.confidence)
    query = (
        select(Message.intent, func.count(), average)
        .where(
            _customer_in(start, end),
            Message.intent.is_not(None),
            Message.intent != FALLBACK,
            Message.confidence.is_not(None),
        )
        .group_by(Message.intent)
        .order_by(average, Message.intent)
        .limit(top)
    )
    with Session(engine) as session:
        rows = session.execute(query).all()
    return [IntentConfidence(intent, count, float(avg)) for intent, count, avg in rows]


def _runner_up(payload: dict[str, Any] | None) -> tuple[str, float | None]:
    """The top-ranked intent other than nlu_fallback in a logged user event."""
    ranking = ((payload or {}).get("parse_data") or {}).get("intent_ranking") or []
    for r in ranking:
        if r.get("name") and r.get("name") != FALLBACK:
            return r["name"], r.get("confidence")
    return NO_INTENT, None


def fallback_intents(
    engine: Engine, start: datetime, end: datetime, top: int = TOP
) -> list[FallbackIntent]:
    """The intents most often ranked first on messages that became nlu_fallback (the message
    keeps only nlu_fallback; its logged event keeps the whole ranking)."""
    query = (
        select(LoggedEvent.payload)
        .join(Message, Message.event_id == LoggedEvent.id)
        .where(_customer_in(start, end), Message.intent == FALLBACK)
    )
    with Session(engine) as session:
        payloads = session.execute(query).scalars().all()
    confidences: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for payload in payloads:
        name, confidence = _runner_up(payload)
        counts[name] += 1
        if confidence is not None:
            confidences[name].append(confidence)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [
        FallbackIntent(name, n, mean(confidences[name]) if confidences[name] else None)
        for name, n in ranked
    ]


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


def faq_use(engine: Engine, start: datetime, end: datetime) -> list[FaqUse]:
    """Every FAQ entry answered in the range with its answers and "didn't help"s, most
    answered first; answers are counted as on the metrics page (`metrics.faq_outcomes`)."""
    with Session(engine) as session:
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

"""Analytics over a date range [start, end): the bot's rates per day or per week, the intents
the NLU is least sure of, the intents that end in a fallback, and the FAQ entries by answers
and by "that didn't help" (`faq_use`); agents' times and the bot's figures are `metrics`'.
`AnalyticsService` is how the console reads them all: one short session per figure.

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
from sqlalchemy.orm import Session

from bot.conversations import faq_use as faq
from bot.conversations import metrics
from bot.conversations.faq_use import TOP, FaqUse, most_unhelpful
from bot.conversations.metrics import (
    FALLBACK,
    AgentMetrics,
    BotMetrics,
    bot_figures,
    bot_messages,
    handoffs,
)
from bot.conversations.models import LoggedEvent, Message

__all__ = [
    "PERIODS",
    "TOP",
    "AnalyticsService",
    "FallbackIntent",
    "FaqUse",
    "IntentConfidence",
    "Rates",
    "bucket_start",
    "most_unhelpful",
]

PERIODS = ("day", "week")
NO_INTENT = "(none ranked)"


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


def bucket_start(day: date, period: str, first: date) -> date:
    """The first day of `day`'s bucket: the day itself, or its week's Monday (not before
    `first`, the range's first day)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    if period == "day":
        return day
    return max(day - timedelta(days=day.weekday()), first)


def rates(session: Session, start: datetime, end: datetime, period: str = "day") -> list[Rates]:
    """The bot's rates per day or week, oldest first; buckets without conversations are left
    out (they have no rates)."""
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
    session: Session, start: datetime, end: datetime, top: int = TOP
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
    session: Session, start: datetime, end: datetime, top: int = TOP
) -> list[FallbackIntent]:
    """The intents most often ranked first on messages that became nlu_fallback (the message
    keeps only nlu_fallback; its logged event keeps the whole ranking)."""
    query = (
        select(LoggedEvent.payload)
        .join(Message, Message.event_id == LoggedEvent.id)
        .where(_customer_in(start, end), Message.intent == FALLBACK)
    )
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


class AnalyticsService:
    """The admin's metrics and analytics pages' figures over one engine (blocking: run them
    off the event loop). Each method reads in one session, so a figure is consistent."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def agent_metrics(self, start: datetime, end: datetime) -> list[AgentMetrics]:
        """Every agent's times and rates, counted from the handoff (`metrics`)."""
        with Session(self._engine) as session:
            return metrics.agent_metrics(session, start, end)

    def bot_metrics(self, start: datetime, end: datetime) -> BotMetrics:
        """The bot's containment, handoff, fallback and FAQ figures (`metrics`)."""
        with Session(self._engine) as session:
            return metrics.bot_metrics(session, start, end)

    def rates(self, start: datetime, end: datetime, period: str = "day") -> list[Rates]:
        """The bot's rates per day or week (`period`, one of PERIODS), oldest first."""
        with Session(self._engine) as session:
            return rates(session, start, end, period)

    def low_confidence_intents(
        self, start: datetime, end: datetime, top: int = TOP
    ) -> list[IntentConfidence]:
        with Session(self._engine) as session:
            return low_confidence_intents(session, start, end, top)

    def fallback_intents(
        self, start: datetime, end: datetime, top: int = TOP
    ) -> list[FallbackIntent]:
        with Session(self._engine) as session:
            return fallback_intents(session, start, end, top)

    def faq_use(self, start: datetime, end: datetime) -> list[FaqUse]:
        """Every FAQ entry answered in the range, most answered first (`faq_use`)."""
        with Session(self._engine) as session:
            return faq.faq_use(session, start, end)

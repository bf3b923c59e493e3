"""Agent and bot evaluation from the conversation log, over a date range.

Agent clocks start at the handoff (ticket creation) and count only agent messages, so bot
time and bot messages never pollute agent metrics.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean, median

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import Agent, CsatRating, Message, Ticket

CONFIDENCE_BUCKETS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))


@dataclass(frozen=True)
class AgentMetrics:
    agent: str
    tickets_handled: int
    first_response_s: float | None  # median, from handoff to the agent's first message
    handling_s: float | None  # median, from taking the ticket to resolving it
    resolution_rate: float | None
    reopen_rate: float | None
    mean_csat: float | None
    ratings: int


@dataclass(frozen=True)
class BotMetrics:
    conversations: int
    customer_messages: int
    containment_rate: float | None
    handoff_rate: float | None
    fallback_rate: float | None
    faq_answers: int
    faq_acceptance: float | None
    mean_confidence: float | None
    confidence_histogram: dict[str, int]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _median_seconds(pairs) -> float | None:
    values = [(b - a).total_seconds() for a, b in pairs if a and b]
    return median(values) if values else None


def agent_metrics(engine: Engine, start: datetime, end: datetime) -> list[AgentMetrics]:
    with Session(engine) as session:
        agents = session.execute(select(Agent).order_by(Agent.name)).scalars().all()
        tickets = (
            session.execute(
                select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
            )
            .scalars()
            .all()
        )
        ratings = session.execute(
            select(CsatRating.ticket_id, CsatRating.score).where(
                CsatRating.created_at >= start, CsatRating.created_at < end
            )
        ).all()
    score_of = {ticket_id: score for ticket_id, score in ratings if ticket_id}
    rows = []
    for agent in agents:
        mine = [t for t in tickets if t.agent_id == agent.id]
        resolved = [t for t in mine if t.status == "resolved"]
        scores = [score_of[t.id] for t in mine if t.id in score_of]
        rows.append(AgentMetrics(
            agent=agent.name,
            tickets_handled=len(resolved),
            first_response_s=_median_seconds((t.created_at, t.first_response_at) for t in mine),
            handling_s=_median_seconds((t.assigned_at, t.resolved_at) for t in resolved),
            resolution_rate=_ratio(len(resolved), len(mine)),
            reopen_rate=_ratio(sum(t.reopened > 0 for t in resolved), len(resolved)),
            mean_csat=mean(scores) if scores else None,
            ratings=len(scores),
        ))  # fmt: skip
    return rows


def bot_metrics(engine: Engine, start: datetime, end: datetime) -> BotMetrics:
    with Session(engine) as session:
        messages = session.execute(
            select(Message.conversation_id, Message.sender, Message.intent, Message.confidence,
                   Message.action)
            .where(Message.created_at >= start, Message.created_at < end)
            .order_by(Message.id)
        ).all()  # fmt: skip
        escalated = set(
            session.execute(
                select(Ticket.conversation_id).where(
                    Ticket.created_at >= start, Ticket.created_at < end
                )
            ).scalars()
        )
    customer = [m for m in messages if m.sender == "customer"]
    conversations = {m.conversation_id for m in customer}
    handed = conversations & escalated
    confidences = [m.confidence for m in customer if m.confidence is not None]
    histogram = Counter()
    for value in confidences:
        low, high = next(b for b in CONFIDENCE_BUCKETS if b[0] <= value < b[1])
        histogram[f"{low:.1f}-{min(high, 1.0):.1f}"] += 1
    faq_answers = sum(m.sender == "bot" and m.action == "action_answer_faq" for m in messages)
    not_helpful = sum(m.intent == "faq_not_helpful" for m in customer)
    return BotMetrics(
        conversations=len(conversations),
        customer_messages=len(customer),
        containment_rate=_ratio(len(conversations - handed), len(conversations)),
        handoff_rate=_ratio(len(handed), len(conversations)),
        fallback_rate=_ratio(sum(m.intent == "nlu_fallback" for m in customer), len(customer)),
        faq_answers=faq_answers,
        faq_acceptance=_ratio(max(faq_answers - not_helpful, 0), faq_answers),
        mean_confidence=mean(confidences) if confidences else None,
        confidence_histogram={
            f"{a:.1f}-{min(b, 1.0):.1f}": histogram[f"{a:.1f}-{min(b, 1.0):.1f}"]
            for a, b in CONFIDENCE_BUCKETS
        },  # fmt: skip
    )


def format_report(
    agents: list[AgentMetrics], bot: BotMetrics, start: datetime, end: datetime
) -> str:
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.0%}"

    def secs(v: float | None) -> str:
        return "-" if v is None else f"{v / 60:.1f} min"

    last_day = end - timedelta(microseconds=1)  # `end` is exclusive
    lines = [f"csbot report {start:%Y-%m-%d} .. {last_day:%Y-%m-%d}", "", "Bot"]
    lines += [
        f"  conversations            {bot.conversations}",
        f"  customer messages        {bot.customer_messages}",
        f"  containment rate         {pct(bot.containment_rate)}",
        f"  handoff rate             {pct(bot.handoff_rate)}",
        f"  fallback rate            {pct(bot.fallback_rate)}",
        f"  FAQ answers / accepted   {bot.faq_answers} / {pct(bot.faq_acceptance)}",
        "  mean intent confidence   "
        + ("-" if bot.mean_confidence is None else f"{bot.mean_confidence:.2f}"),
        "  confidence histogram     "
        + ", ".join(f"{k}: {v}" for k, v in bot.confidence_histogram.items()),
        "",
        "Agents",
        f"  {'agent':<18}{'handled':>8}{'1st resp':>11}{'handling':>11}{'resolved':>10}"
        f"{'reopened':>10}{'CSAT':>10}",
    ]
    for a in agents:
        csat = "-" if a.mean_csat is None else f"{a.mean_csat:.1f} ({a.ratings})"
        lines.append(
            f"  {a.agent:<18}{a.tickets_handled:>8}{secs(a.first_response_s):>11}"
            f"{secs(a.handling_s):>11}{pct(a.resolution_rate):>10}{pct(a.reopen_rate):>10}"
            f"{csat:>10}"
        )
    return "\n".join(lines)

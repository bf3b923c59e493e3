"""Agent and bot evaluation over a date range [start, end).

Agent figures come from the ticket timeline (TicketEvent): who took, replied, resolved and
got a ticket back, and when. Clocks start at the handoff and count only agents' steps, so
bot time and bot messages never pollute agent metrics. Bot figures come from the messages
of the conversation log.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import mean, median

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from bot import intents
from bot.conversations.models import Message
from bot.support.models import Agent, CsatRating, Ticket, TicketEvent
from knowledge.decision import Decision

REPORT_DAYS = 30  # the default window of `csbot report` and the metrics page
CONFIDENCE_BUCKETS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))
FAQ_ANSWER_ACTIONS = ("action_answer_faq", "action_faq_not_helpful")
NOT_HELPFUL = intents.FAQ_NOT_HELPFUL
FALLBACK = intents.FALLBACK


def report_range(
    first: date | None = None, last: date | None = None, today: date | None = None
) -> tuple[datetime, datetime]:
    """[start, end) covering the days first..last; by default the REPORT_DAYS up to today."""
    last = last or today or datetime.utcnow().date()
    first = first or last - timedelta(days=REPORT_DAYS - 1)
    return datetime.combine(first, time()), datetime.combine(last + timedelta(days=1), time())


@dataclass(frozen=True)
class AgentMetrics:
    agent: str
    tickets_handled: int  # distinct tickets this agent resolved
    first_response_s: float | None  # median, handoff to first reply, on tickets they answered first
    handling_s: float | None  # median, from getting the ticket to resolving it
    resolution_rate: float | None  # tickets resolved / tickets held
    reopen_rate: float | None  # resolutions the customer reopened / resolutions
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
    faq_acceptance: float | None  # answers not followed by "that didn't help"
    faq_answer_rate: float | None  # conversations given at least one FAQ answer
    mean_confidence: float | None
    confidence_histogram: dict[str, int]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _median(values: list[float]) -> float | None:
    return median(values) if values else None


def _holder(event: TicketEvent) -> int | None:
    """The agent who holds the ticket after this event, if it hands the ticket to one."""
    detail = event.detail or {}
    if event.kind == "assigned":
        return event.agent_id
    if event.kind == "reassigned":
        return detail.get("to")
    if event.kind == "reopened" and detail.get("back_to_agent"):
        return detail.get("previous_agent")
    return None


def _timelines(session: Session, start: datetime, end: datetime) -> dict[int, list[TicketEvent]]:
    """Whole timelines of the tickets that had any step in the range, oldest step first."""
    touched = select(TicketEvent.ticket_id).where(
        TicketEvent.created_at >= start, TicketEvent.created_at < end
    )
    events = session.execute(
        select(TicketEvent)
        .where(TicketEvent.ticket_id.in_(touched))
        .order_by(TicketEvent.created_at, TicketEvent.id)
    ).scalars()
    timelines: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in events:
        timelines[event.ticket_id].append(event)
    return timelines


class _Tally:
    """One agent's figures, collected while walking the timelines."""

    def __init__(self) -> None:
        self.held: set[int] = set()
        self.resolved: set[int] = set()
        self.resolutions = 0
        self.reopened = 0
        self.first_responses: list[float] = []
        self.handling: list[float] = []
        self.scores: list[int] = []


def _walk(
    timeline: list[TicketEvent],
    created: datetime,
    start: datetime,
    end: datetime,
    tally: dict[int, _Tally],
) -> None:
    held_since: dict[int, datetime] = {}
    first_reply_seen = False
    for i, event in enumerate(timeline):
        in_range = start <= event.created_at < end
        holder = _holder(event)
        if holder is not None:
            held_since[holder] = event.created_at
            if in_range:
                tally[holder].held.add(event.ticket_id)
        if event.kind == "replied" and not first_reply_seen:
            first_reply_seen = True
            if in_range:
                seconds = (event.created_at - created).total_seconds()
                tally[event.agent_id].first_responses.append(seconds)
        if event.kind == "resolved" and in_range:
            mine = tally[event.agent_id]
            mine.held.add(event.ticket_id)
            mine.resolved.add(event.ticket_id)
            mine.resolutions += 1
            mine.reopened += any(e.kind == "reopened" for e in timeline[i + 1 :])
            since = held_since.get(event.agent_id)
            if since is not None:
                mine.handling.append((event.created_at - since).total_seconds())


def _resolver_at(timeline: list[TicketEvent], when: datetime) -> int | None:
    """Who resolved the ticket most recently before `when` (a rating rates them)."""
    resolved = [e for e in timeline if e.kind == "resolved" and e.created_at <= when]
    return resolved[-1].agent_id if resolved else None


def agent_metrics(session: Session, start: datetime, end: datetime) -> list[AgentMetrics]:
    """Every agent's figures over the range, by name (`AnalyticsService` opens the session)."""
    agents = session.execute(select(Agent).order_by(Agent.name)).scalars().all()
    timelines = _timelines(session, start, end)
    created = dict(
        session.execute(
            select(Ticket.id, Ticket.created_at).where(Ticket.id.in_(list(timelines)))
        ).all()
    )
    ratings = session.execute(
        select(CsatRating).where(CsatRating.created_at >= start, CsatRating.created_at < end)
    ).scalars()
    tally: dict[int, _Tally] = defaultdict(_Tally)
    for ticket_id, timeline in timelines.items():
        _walk(timeline, created[ticket_id], start, end, tally)
    for rating in ratings:
        agent_id = _resolver_at(timelines.get(rating.ticket_id, []), rating.created_at)
        if agent_id is not None:
            tally[agent_id].scores.append(rating.score)
    return [_agent_row(agent.name, tally[agent.id]) for agent in agents]


def _agent_row(name: str, t: _Tally) -> AgentMetrics:
    return AgentMetrics(
        agent=name,
        tickets_handled=len(t.resolved),
        first_response_s=_median(t.first_responses),
        handling_s=_median(t.handling),
        resolution_rate=_ratio(len(t.resolved), len(t.held)),
        reopen_rate=_ratio(t.reopened, t.resolutions),
        mean_csat=mean(t.scores) if t.scores else None,
        ratings=len(t.scores),
    )


def _histogram(confidences: list[float]) -> dict[str, int]:
    labels = [f"{low:.1f}-{min(high, 1.0):.1f}" for low, high in CONFIDENCE_BUCKETS]
    counts = Counter(
        labels[next(i for i, (low, high) in enumerate(CONFIDENCE_BUCKETS) if low <= c < high)]
        for c in confidences
    )
    return {label: counts[label] for label in labels}


def faq_outcomes(messages: list) -> list[tuple[Row, bool]]:
    """Each FAQ answer (a bot message an FAQ action logged as an answer) with whether
    it was accepted: it is, unless the customer's next message in that conversation is "that
    didn't help". `messages` in the order they were said."""
    outcomes: list[tuple[Row, bool]] = []
    pending: dict[str, int] = {}  # conversation -> index of the answer awaiting a reply
    for m in messages:
        if m.action in FAQ_ANSWER_ACTIONS and m.faq_decision is Decision.ANSWER:
            pending[m.conversation_id] = len(outcomes)
            outcomes.append((m, True))  # accepted until the customer says otherwise
        elif m.sender == "customer" and m.conversation_id in pending:
            i = pending.pop(m.conversation_id)
            outcomes[i] = (outcomes[i][0], m.intent != NOT_HELPFUL)
    return outcomes


def bot_messages(session: Session, start: datetime, end: datetime) -> list[Row]:
    """The messages bot figures are made of, in the order they were said."""
    return session.execute(
        select(
            Message.id,
            Message.conversation_id,
            Message.sender,
            Message.text,
            Message.intent,
            Message.confidence,
            Message.action,
            Message.faq_decision,
            Message.created_at,
        )
        .where(Message.created_at >= start, Message.created_at < end)
        .order_by(Message.id)
    ).all()


def handoffs(session: Session, start: datetime, end: datetime) -> list[Row]:
    """(conversation_id, created_at) of the tickets opened in the range."""
    return session.execute(
        select(Ticket.conversation_id, Ticket.created_at).where(
            Ticket.created_at >= start, Ticket.created_at < end
        )
    ).all()


def bot_metrics(session: Session, start: datetime, end: datetime) -> BotMetrics:
    """The bot's figures over the range (`AnalyticsService` opens the session)."""
    messages = bot_messages(session, start, end)
    escalated = {t.conversation_id for t in handoffs(session, start, end)}
    return bot_figures(messages, escalated)


def bot_figures(messages: list[Row], escalated: set[str]) -> BotMetrics:
    """The bot's figures over `messages` (from `bot_messages`), the conversations in
    `escalated` having been handed to a person in the same range."""
    customer = [m for m in messages if m.sender == "customer"]
    conversations = {m.conversation_id for m in customer}
    handed = conversations & escalated
    confidences = [m.confidence for m in customer if m.confidence is not None]
    answers = faq_outcomes(messages)
    answered = {m.conversation_id for m, _ in answers} & conversations
    return BotMetrics(
        conversations=len(conversations),
        customer_messages=len(customer),
        containment_rate=_ratio(len(conversations - handed), len(conversations)),
        handoff_rate=_ratio(len(handed), len(conversations)),
        fallback_rate=_ratio(sum(m.intent == FALLBACK for m in customer), len(customer)),
        faq_answers=len(answers),
        faq_acceptance=_ratio(sum(accepted for _, accepted in answers), len(answers)),
        faq_answer_rate=_ratio(len(answered), len(conversations)),
        mean_confidence=mean(confidences) if confidences else None,
        confidence_histogram=_histogram(confidences),
    )

"""Every figure of the report on a seeded log, each expected value worked out here from the
facts that were seeded (minutes after each handoff, who did what, what customers said)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

import pytest

from bot.conversations.analytics import AnalyticsService
from bot.conversations.log import ConversationLog
from bot.conversations.metrics import report_range
from tests.conftest import Clock, keyword_classifier, open_services

DAY = datetime(2026, 11, 16, 9, 0)
START, END = report_range(date(2026, 11, 1), date(2026, 11, 30))
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Step:
    minute: int  # after the ticket's handoff
    who: str  # alex | jordan | sam | customer
    does: str  # take | reply | resolve | reassign:<agent> | reopen | rate:<score>


# Four handoffs, an hour apart. Alex is offline when the customer of ticket b comes back.
TIMELINES = {
    "a": [
        Step(2, "alex", "take"),
        Step(5, "alex", "reply"),
        Step(20, "alex", "resolve"),
        Step(21, "customer", "rate:5"),
    ],
    "b": [
        Step(1, "alex", "take"),
        Step(3, "alex", "reply"),
        Step(10, "alex", "resolve"),
        Step(60, "customer", "reopen"),
        Step(61, "jordan", "take"),
        Step(62, "jordan", "reply"),
        Step(70, "jordan", "resolve"),
        Step(71, "customer", "rate:2"),
    ],
    "c": [
        Step(4, "jordan", "take"),
        Step(9, "jordan", "reply"),
        Step(15, "sam", "reassign:alex"),
        Step(25, "alex", "resolve"),
    ],
    "d": [Step(1, "jordan", "take")],
}


@pytest.fixture
def seeded(db_url):
    clock = Clock(DAY)
    services = open_services(db_url, clock=clock, classifier=keyword_classifier)
    team = {
        "alex": services.agents.create("alex", "Alex", PASSWORD, skills=["billing"]),
        "jordan": services.agents.create("jordan", "Jordan", PASSWORD, skills=["billing"]),
        "sam": services.agents.create("sam", "Sam", PASSWORD, role="admin"),
    }
    for hour, (conversation, steps) in enumerate(TIMELINES.items()):
        handoff = DAY + timedelta(hours=hour)
        clock.now = handoff
        lines = [("customer", "I was charged twice")]
        ticket_id = services.escalation.open(conversation, "customer_request", lines).ticket_id
        for step in steps:
            clock.now = handoff + timedelta(minutes=step.minute)
            _apply(services, team, conversation, ticket_id, step)
    _seed_messages(ConversationLog(services.engine))
    yield services
    services.engine.dispose()


def _apply(services, team, conversation: str, ticket_id: int, step: Step) -> None:
    action, _, argument = step.does.partition(":")
    tickets = services.tickets
    if action == "take":
        tickets.take(ticket_id, team[step.who])
    elif action == "reply":
        tickets.replied(ticket_id, team[step.who])
    elif action == "resolve":
        tickets.resolve(ticket_id, team[step.who])
    elif action == "reassign":
        tickets.reassign(ticket_id, team[step.who], team[argument].id)
    elif action == "reopen":
        assert tickets.reopen_on_message(conversation, "it happened again") is not None
    elif action == "rate":
        services.ratings.rate(conversation, int(argument))


def minutes(*values: float) -> float:
    return median(values) * 60


def test_agent_figures_come_from_the_ticket_timeline(seeded):
    rows = {row.agent: row for row in seeded.analytics.agent_metrics(START, END)}
    alex, jordan, sam = rows["Alex"], rows["Jordan"], rows["Sam"]

    # Alex resolved a, b (the first time) and c (after the reassignment): three tickets.
    assert alex.tickets_handled == 3 and alex.resolution_rate == 1.0
    # First responses: a at minute 5, b at minute 3; c's first reply was Jordan's.
    assert alex.first_response_s == minutes(5, 3)
    # Handling: a 2->20, b 1->10, c from the reassignment at 15 to 25.
    assert alex.handling_s == minutes(20 - 2, 10 - 1, 25 - 15)
    # One of Alex's three resolutions (b) was reopened by the customer.
    assert alex.reopen_rate == pytest.approx(1 / 3)
    # a was rated 5 after Alex resolved it; b's rating came after Jordan's resolution.
    assert (alex.mean_csat, alex.ratings) == (5, 1)

    # Jordan held b (after the reopen), c (until the reassignment) and d; resolved only b.
    assert jordan.tickets_handled == 1 and jordan.resolution_rate == pytest.approx(1 / 3)
    assert jordan.first_response_s == minutes(9)  # c; b's first reply was Alex's
    assert jordan.handling_s == minutes(70 - 61)
    assert jordan.reopen_rate == 0.0 and (jordan.mean_csat, jordan.ratings) == (2, 1)

    assert sam.tickets_handled == 0 and sam.resolution_rate is None
    assert sam.first_response_s is None and sam.reopen_rate is None and sam.mean_csat is None


def test_nothing_outside_the_range_counts(seeded):
    before = report_range(date(2026, 10, 1), date(2026, 10, 31))
    assert all(row.tickets_handled == 0 for row in seeded.analytics.agent_metrics(*before))
    assert seeded.analytics.bot_metrics(*before).conversations == 0


# Customer messages (intent, confidence) and what the bot did (action, the FAQ decision it
# logged), per conversation. a-d were handed off (above); e-g stayed with the bot.
ANSWER = "Opened items can be returned within 30 days.\n\nSource: FAQ 'returns-opened'"
CONVERSATIONS = {
    "a": [("customer", "charged twice", "billing_problem", 0.82)],
    "b": [("customer", "double charge", "billing_problem", 0.66)],
    "c": [("customer", "refund for a double charge", "billing_problem", 0.91)],
    "d": [("customer", "I want a person", "request_human", 0.97)],
    "e": [
        ("customer", "can I return an opened blender", "ask_knowledge", 0.58),
        ("bot", ANSWER, "action_answer_faq", "answer"),
        ("customer", "great, thanks", "thank_you", 0.99),
    ],
    "f": [
        ("customer", "return opened box?", "ask_knowledge", 0.61),
        ("bot", ANSWER, "action_answer_faq", "answer"),
        ("customer", "/faq_not_helpful", "faq_not_helpful", 1.0),
        (
            "bot",
            "Sorry about that. This may answer it instead:\n\n" + ANSWER,
            "action_faq_not_helpful",
            "answer",
        ),
        ("customer", "ok bye", "goodbye", 0.93),
    ],
    "g": [
        ("customer", "blorp zzz", "nlu_fallback", 0.31),
        ("bot", "Sorry, I'm not sure I understood.", "action_fallback_suggest", None),
    ],
}


def _seed_messages(log: ConversationLog, conversations=CONVERSATIONS) -> None:
    at = DAY.timestamp()
    for conversation, turns in conversations.items():
        for sender, text, name, confidence_or_decision in turns:
            at += 1
            if sender == "customer":
                intent = {"name": name, "confidence": confidence_or_decision}
                parse = {"intent": intent, "entities": []}
                log.write(
                    {
                        "event": "user",
                        "sender_id": conversation,
                        "timestamp": at,
                        "text": text,
                        "parse_data": parse,
                    }
                )
            else:
                log.write(
                    {"event": "action", "sender_id": conversation, "timestamp": at, "name": name}
                )
                said = {"event": "bot", "sender_id": conversation, "timestamp": at + 0.5}
                if confidence_or_decision:
                    said["metadata"] = {"faq_decision": confidence_or_decision}
                log.write({**said, "text": text})


def test_bot_figures_come_from_the_logged_messages(seeded):
    bot = seeded.analytics.bot_metrics(START, END)
    customer = [t for turns in CONVERSATIONS.values() for t in turns if t[0] == "customer"]
    confidences = [t[3] for t in customer]
    assert bot.conversations == len(CONVERSATIONS) == 7
    assert bot.customer_messages == len(customer) == 10
    assert bot.handoff_rate == pytest.approx(len(TIMELINES) / 7)
    assert bot.containment_rate == pytest.approx(3 / 7)  # e, f, g
    assert bot.fallback_rate == pytest.approx(1 / 10)  # g's one message
    # Three answers with a source: e's (thanked), f's first (not helpful), f's second (bye).
    assert (bot.faq_answers, bot.faq_acceptance) == (3, pytest.approx(2 / 3))
    assert bot.faq_answer_rate == pytest.approx(2 / 7)  # e and f were given one
    assert bot.mean_confidence == pytest.approx(sum(confidences) / len(confidences))
    assert bot.confidence_histogram == {
        "0.0-0.5": 1,  # 0.31
        "0.5-0.7": 3,  # 0.58 0.61 0.66
        "0.7-0.9": 1,  # 0.82
        "0.9-1.0": 5,  # 0.91 0.97 0.99 1.0 0.93
    }


def test_report_window_is_the_same_thirty_days_everywhere():
    start, end = report_range(today=date(2026, 11, 27))
    assert (start, end) == (datetime(2026, 10, 29), datetime(2026, 11, 28))
    assert (end - start).days == 30


def _reworded(text: str) -> str:
    return text.replace("\n\nSource: ", "\n\nFrom our help pages: ")


def test_rewording_the_answers_changes_no_faq_figure(seeded, tmp_path):
    """The figures follow the decision the FAQ actions logged, not the wording: a new label
    for the source changes nothing, and a reply that only looks like an answer is none."""
    reworded = {
        conversation: [(who, _reworded(text), name, x) for who, text, name, x in turns]
        for conversation, turns in CONVERSATIONS.items()
    }
    reworded["h"] = [
        ("customer", "what is a source", "ask_knowledge", 0.5),
        ("bot", "A place.\n\nSource: a dictionary", "action_answer_faq", None),
    ]
    other = open_services(f"sqlite:///{tmp_path / 'reworded.db'}", classifier=keyword_classifier)
    _seed_messages(ConversationLog(other.engine), reworded)
    before, after = (
        seeded.analytics.bot_metrics(START, END),
        AnalyticsService(other.engine).bot_metrics(START, END),
    )
    other.engine.dispose()
    assert (after.faq_answers, after.faq_acceptance) == (3, pytest.approx(2 / 3))
    assert (after.faq_answers, after.faq_acceptance) == (before.faq_answers, before.faq_acceptance)
    assert after.faq_answer_rate == pytest.approx(2 / 8)  # e and f of eight conversations

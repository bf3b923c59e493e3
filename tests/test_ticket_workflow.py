"""The agent's side of a ticket on SQLite and PostgreSQL: one owner at a time, checked on
every step; admins reassign on the record; a customer who writes again soon reopens it."""

from __future__ import annotations

import threading
from dataclasses import fields
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.support.lifecycle import TicketError
from bot.support.models import TicketEvent
from bot.support.ratings import RatingRefused
from bot.support.tickets import asks_for_more
from tests.conftest import Clock, open_services

PASSWORD = "correct horse battery"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def desk(db_url, clock):
    """Services over an empty database, with two billing agents and an admin."""
    from tests.conftest import keyword_classifier

    services = open_services(
        db_url, clock=clock, classifier=keyword_classifier, reopen_window=timedelta(hours=72)
    )
    agents = services.agents
    yield SimpleNamespace(
        **{f.name: getattr(services, f.name) for f in fields(services)},
        alex=agents.create("alex", "Alex", PASSWORD, skills=["billing"]),
        jordan=agents.create("jordan", "Jordan", PASSWORD, skills=["billing"]),
        sam=agents.create("sam", "Sam", PASSWORD, role="admin"),
    )
    services.engine.dispose()


def open_billing_ticket(desk, conversation="conv-1") -> int:
    lines = [("customer", "I was charged twice for my order")]
    return desk.escalation.open(conversation, "customer_request", lines).ticket_id


def events(desk, ticket_id: int) -> list[tuple[str, int | None]]:
    with Session(desk.engine) as session:
        rows = session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        ).scalars()
        return [(e.kind, e.agent_id) for e in rows]


def test_of_two_simultaneous_takes_exactly_one_wins(desk):
    ticket_id = open_billing_ticket(desk)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def take(agent):
        start.wait()
        try:
            outcomes[agent.username] = desk.tickets.take(ticket_id, agent)[1]
        except TicketError as exc:
            outcomes[agent.username] = exc

    threads = [threading.Thread(target=take, args=(a,)) for a in (desk.alex, desk.jordan)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, outcome in outcomes.items() if outcome is True]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, TicketError)]
    assert len(winners) == 1 and len(losers) == 1
    winner = desk.alex if winners == ["alex"] else desk.jordan
    assert str(losers[0]) == f"{winner.name} already took ticket #{ticket_id}"
    assert desk.tickets.latest("conv-1").agent_id == winner.id
    assert events(desk, ticket_id).count(("assigned", winner.id)) == 1


def test_another_agents_ticket_cannot_be_answered_resolved_or_taken(desk):
    ticket_id = open_billing_ticket(desk)
    desk.tickets.take(ticket_id, desk.alex)
    with pytest.raises(TicketError, match="already took"):
        desk.tickets.take(ticket_id, desk.jordan)
    with pytest.raises(TicketError, match="is Alex's; ask an admin to reassign it"):
        desk.tickets.replied(ticket_id, desk.jordan)
    with pytest.raises(TicketError, match="is Alex's"):
        desk.tickets.resolve(ticket_id, desk.jordan)
    assert desk.tickets.latest("conv-1").status == "assigned"
    desk.tickets.replied(ticket_id, desk.alex)
    assert desk.tickets.resolve(ticket_id, desk.alex).status == "resolved"


def test_a_queued_ticket_must_be_taken_before_reply_or_resolve(desk):
    ticket_id = open_billing_ticket(desk)
    for step in (desk.tickets.replied, desk.tickets.resolve):
        with pytest.raises(TicketError, match=f"take ticket #{ticket_id} first"):
            step(ticket_id, desk.alex)


def test_admin_reassigns_and_it_is_recorded(desk):
    ticket_id = open_billing_ticket(desk)
    desk.tickets.take(ticket_id, desk.alex)
    with pytest.raises(TicketError, match="only an admin"):
        desk.tickets.reassign(ticket_id, desk.jordan, desk.jordan.id)
    desk.tickets.reassign(ticket_id, desk.sam, desk.jordan.id)
    assert desk.tickets.latest("conv-1").agent_id == desk.jordan.id
    assert ("reassigned", desk.sam.id) in events(desk, ticket_id)
    with pytest.raises(TicketError, match="is Jordan's"):
        desk.tickets.replied(ticket_id, desk.alex)
    desk.tickets.replied(ticket_id, desk.jordan)


def resolved_by_alex(desk, clock) -> int:
    ticket_id = open_billing_ticket(desk)
    desk.tickets.take(ticket_id, desk.alex)
    desk.tickets.resolve(ticket_id, desk.alex)
    return ticket_id


def test_writing_again_soon_reopens_to_the_same_agent_when_online(desk, clock):
    ticket_id = resolved_by_alex(desk, clock)
    clock.now += timedelta(hours=2)
    desk.presence.seen(desk.alex)  # Alex is at the console when the customer writes
    reopened = desk.tickets.reopen_on_message("conv-1", "it charged me AGAIN today")
    assert (reopened.ticket_id, reopened.agent_name) == (ticket_id, "Alex")
    ticket = desk.tickets.latest("conv-1")
    assert (ticket.status, ticket.agent_id, ticket.reopened) == ("assigned", desk.alex.id, 1)
    assert events(desk, ticket_id)[-1] == ("reopened", None)


def test_with_the_agent_gone_a_reopened_ticket_waits_in_the_queue(desk, clock):
    resolved_by_alex(desk, clock)
    desk.presence.seen(desk.alex)
    clock.now += timedelta(hours=5)  # Alex's console went quiet long ago
    reopened = desk.tickets.reopen_on_message("conv-1", "still not refunded")
    assert reopened.agent_name is None and reopened.agents_online == 0
    ticket = desk.tickets.latest("conv-1")
    assert (ticket.status, ticket.agent_id) == ("queued", None)
    assert desk.tickets.take(ticket.id, desk.jordan)[1] is True


def test_courtesies_buttons_and_late_messages_do_not_reopen(desk, clock):
    resolved_by_alex(desk, clock)
    for text in ("thanks!", "Thank you, bye", "ok :)", '/rate{"rating":"5"}'):
        assert desk.tickets.reopen_on_message("conv-1", text) is None
    clock.now += timedelta(hours=73)
    assert desk.tickets.reopen_on_message("conv-1", "hello, the charge is back") is None
    assert desk.tickets.latest("conv-1").status == "resolved"


@pytest.mark.parametrize(
    "text, more",
    [
        ("thanks", False),
        ("cheers, have a nice day!", False),
        ("Thank you!! Bye :)", False),
        ("ok ok . . . thanks", False),
        ("thank you too", False),
        ("thank you for nothing", True),
        ("thanks, but it broke again", True),
        ("ok" + " ." * 12 + " so", True),  # 5.9 s with the nested pattern of b37860f
        ("ok" + " ." * 5000, True),  # a courtesy is short: over the cap it asks for more
        ("thanks 2", True),
    ],
)
def test_what_counts_as_asking_for_more(text, more):
    assert asks_for_more(text) is more


def test_a_rating_needs_a_resolved_ticket_and_counts_once(desk, clock):
    with pytest.raises(RatingRefused):
        desk.ratings.rate("conv-1", 1)  # typed by hand, nothing to rate
    ticket_id = open_billing_ticket(desk)
    with pytest.raises(RatingRefused):
        desk.ratings.rate("conv-1", 1)  # still open
    desk.tickets.take(ticket_id, desk.alex)
    desk.tickets.resolve(ticket_id, desk.alex)
    assert desk.ratings.rate("conv-1", 5) == ticket_id
    with pytest.raises(RatingRefused, match="already rated"):
        desk.ratings.rate("conv-1", 1)


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("if the $640 isn't back on my card by friday i'm doing a chargeback", "urgent"),
        ("I will report you to the Better Business Bureau and my lawyer", "urgent"),
        ("my parcel is late, where is it?", "normal"),
        ("I'd like to speak to Sue from the courier team", "normal"),
    ],
)
def test_a_threat_of_legal_action_makes_a_ticket_urgent(services, text, priority):
    opened = services.escalation.open("conv-legal", "customer_request", [("customer", text)])
    assert opened.priority == priority


def test_ticket_steps_are_stored_as_their_plain_word(desk):
    """The kinds are an Enum in code and the same words in the table the metrics read; a kind
    that is not one is refused before it is written."""
    from sqlalchemy import text

    from bot.support.lifecycle import TicketEventKind, record_event

    ticket_id = open_billing_ticket(desk)
    desk.tickets.take(ticket_id, desk.alex)
    with desk.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT kind FROM ticket_events WHERE ticket_id = :t ORDER BY id"),
            {"t": ticket_id},
        ).scalars()
        assert [(type(k), k) for k in stored] == [(str, "created"), (str, "assigned")]
    assert events(desk, ticket_id)[1] == (TicketEventKind.ASSIGNED, desk.alex.id)
    with Session(desk.engine) as session, pytest.raises(ValueError):
        record_event(session, ticket_id, "poked", None, desk.tickets.latest("conv-1").created_at)

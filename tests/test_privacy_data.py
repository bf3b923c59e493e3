"""One customer's data: exported from every table (and Rasa's tracker store), deleted (orders
and returns anonymised), purged after the retention period; deletion requests an admin
confirms. Other customers' rows are counted to show they survive."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.conversations.log import ConversationLog
from bot.conversations.models import Conversation, LoggedEvent, Message, UnansweredQuestion
from bot.privacy import deletion, purge
from bot.privacy.customer_data import CustomerData
from bot.privacy.holdings import TABLES, Erase
from bot.privacy.models import DeletionRequest, Verification
from bot.privacy.requests import PrivacyError
from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_DELIVERED
from bot.shop.models import Customer, Order, OrderItem, ReturnRequest
from bot.support.models import CsatRating, Ticket, TicketEvent
from tests.conftest import NOW

OTHER = "other-customer"
PASSWORD = "correct horse battery"
# Rasa 3.6's SQLTrackerStore table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
TRACKER = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def chat(services, sender: str, email: str | None, when: datetime, text: str = "hi") -> None:
    """A conversation in the log: a customer message, a bot reply and, when given, the
    verified email."""
    log = ConversationLog(services.engine)
    stamp = when.timestamp()
    events = [
        {"sender_id": sender, "event": "user", "text": text, "timestamp": stamp},
        {"sender_id": sender, "event": "bot", "text": "Hello!", "timestamp": stamp + 1},
    ]
    if email:
        slot = {"event": "slot", "name": "verified_customer", "value": email}
        events.append({"sender_id": sender, **slot, "timestamp": stamp + 2})
    for event in events:
        log.write(event)


def tracker_rows(services, *senders: str) -> None:
    with services.engine.begin() as connection:
        TRACKER.create(connection, checkfirst=True)
        for sender in senders:
            data = json.dumps({"event": "user", "text": f"hello from {sender}"})
            connection.execute(
                TRACKER.insert().values(
                    sender_id=sender, type_name="user", timestamp=1.0, data=data
                )
            )


@pytest.fixture
def other_email(services) -> str:
    with Session(services.engine) as session:
        return (
            session.execute(
                select(Customer.email).where(Customer.email != DEMO_EMAIL).order_by(Customer.id)
            )
            .scalars()
            .first()
        )


@pytest.fixture
def footprints(services, other_email):
    """Emma's data in every table, and another customer's beside it."""
    for sender, email in (("c-emma", DEMO_EMAIL), (OTHER, other_email)):
        chat(services, sender, email, NOW, text=f"where is my order, {sender}")
        opened = services.escalation.open(sender, "customer_request", [("customer", "help")])
        with Session(services.engine) as session, session.begin():
            session.add(
                CsatRating(
                    conversation_id=sender, ticket_id=opened.ticket_id, score=5, created_at=NOW
                )
            )
        services.unanswered.record(f"question from {sender}", 0.1, None, "escalated", sender)
    with Session(services.engine) as session, session.begin():  # a return from another chat
        item = (
            session.execute(select(OrderItem).where(OrderItem.order_id == DEMO_ORDER_DELIVERED))
            .scalars()
            .first()
        )
        session.add(
            ReturnRequest(
                rma="RMA-T-1",
                order_id=DEMO_ORDER_DELIVERED,
                order_item_id=item.id,
                reason="too loud, call me on 07911 123456",
                conversation_id="c-emma-return",
            )
        )
    chat(services, "c-emma-return", None, NOW)
    tracker_rows(services, "c-emma", "c-emma-return", OTHER)
    services.deletion_requests.file("c-emma", "delete my data", verified_email=DEMO_EMAIL)
    return other_email


def counts(services) -> dict[str, int]:
    models = {
        "conversations": Conversation,
        "messages": Message,
        "logged_events": LoggedEvent,
        "tickets": Ticket,
        "ticket_events": TicketEvent,
        "csat_ratings": CsatRating,
        "unanswered_questions": UnansweredQuestion,
    }
    with Session(services.engine) as session:
        found = {
            n: session.execute(select(func.count()).select_from(m)).scalar()
            for n, m in models.items()
        }
        if sa.inspect(session.connection()).has_table("events"):
            found["tracker_events"] = session.execute(
                select(func.count()).select_from(TRACKER)
            ).scalar()
        return found


def test_export_has_every_row_about_the_customer_and_nothing_else(services, footprints):
    data = services.customer_data.export("Emma.Larsen@Example.com")
    json.dumps(data)  # JSON-ready as it is
    tables = data["tables"]
    assert [c["email"] for c in tables["customers"]] == [DEMO_EMAIL]
    assert {o["id"] for o in tables["orders"]} >= {DEMO_ORDER_DELIVERED}
    assert {i["order_id"] for i in tables["order_items"]} == {o["id"] for o in tables["orders"]}
    assert [r["rma"] for r in tables["return_requests"]] == ["RMA-T-1"]
    assert {c["id"] for c in tables["conversations"]} == {"c-emma", "c-emma-return"}
    everything = json.dumps(tables)
    assert OTHER not in everything and footprints not in everything
    assert len(tables["messages"]) == 4 and len(tables["logged_events"]) == 5
    assert len(tables["tickets"]) == 1 and tables["ticket_events"]
    assert len(tables["csat_ratings"]) == 1 and len(tables["unanswered_questions"]) == 1
    assert [r["email"] for r in tables["deletion_requests"]] == [DEMO_EMAIL]
    tracker = tables["tracker_events"]
    assert {r["sender_id"] for r in tracker} == {"c-emma", "c-emma-return"}
    assert tracker[0]["data"]["text"] == "hello from c-emma"


def test_delete_removes_conversations_and_anonymises_orders_only_for_that_customer(
    services, footprints
):
    before = counts(services)
    done = services.customer_data.delete(DEMO_EMAIL)
    after = counts(services)
    assert done.conversations == ["c-emma", "c-emma-return"]
    assert done.deleted == {
        "conversations": 2,
        "messages": 4,
        "logged_events": 5,
        "tickets": 1,
        "ticket_events": 1,
        "csat_ratings": 1,
        "unanswered_questions": 1,
        "tracker_events": 2,
    }
    assert {k: before[k] - after[k] for k in before} == dict(done.deleted)
    assert after["conversations"] == 1 and after["tracker_events"] == 1  # the other customer's
    with Session(services.engine) as session:
        emma = session.get(Order, DEMO_ORDER_DELIVERED).customer
        orders = session.execute(select(Order).where(Order.customer_id == emma.id)).scalars().all()
        returned = session.execute(select(ReturnRequest)).scalar_one()
        other = session.execute(select(Customer).where(Customer.email == footprints)).scalar_one()
    assert emma.name == "Deleted customer" and DEMO_EMAIL not in emma.email
    assert orders and all(o.shipping_address.startswith("(deleted") for o in orders)
    assert returned.conversation_id is None and "07911" not in returned.reason
    assert other.name != "Deleted customer"
    assert done.anonymised == {"customers": 1, "orders": len(orders), "return_requests": 1}
    assert services.customer_data.export(DEMO_EMAIL)["tables"]["conversations"] == []


def test_what_the_export_shows_is_what_the_deletion_erases(services, footprints):
    """Export and deletion walk one list (`holdings.TABLES`): the admin who exported a
    customer's data sees, table by table, the rows the deletion then deletes or anonymises,
    and the ones kept on purpose stay."""
    exported = services.customer_data.export(DEMO_EMAIL)["tables"]
    done = services.customer_data.delete(DEMO_EMAIL)
    assert set(exported) == {h.key for h in TABLES}
    for holding in TABLES:
        shown = len(exported[holding.key])
        if holding.erase is Erase.DELETE:
            assert done.deleted.get(holding.key, 0) == shown, holding.key
        elif holding.erase is Erase.ANONYMISE:
            assert done.anonymised.get(holding.key, 0) == shown, holding.key
        elif holding.erase is Erase.REDACT:  # only the entries that copied their words change
            assert done.redacted.get(holding.key, 0) <= shown, holding.key
        else:
            assert holding.key not in {*done.deleted, *done.anonymised}, holding.key
    assert sum(done.deleted.values()) and sum(done.anonymised.values())


def test_without_a_tracker_store_export_and_delete_skip_it(services, other_email):
    chat(services, "c-emma", DEMO_EMAIL, NOW)
    assert services.customer_data.export(DEMO_EMAIL)["tables"]["tracker_events"] == []
    assert "tracker_events" not in services.customer_data.delete(DEMO_EMAIL).deleted


def test_a_failed_deletion_deletes_nothing(services, footprints, monkeypatch):
    def broken(session, holding, table, where):
        raise RuntimeError("disk full")

    before = counts(services)
    monkeypatch.setattr(deletion, "_anonymise", broken)
    with pytest.raises(RuntimeError):
        services.customer_data.delete(DEMO_EMAIL)
    assert counts(services) == before  # the deletes before the failure were rolled back


def test_purge_deletes_conversations_idle_past_retention_but_not_open_tickets(services):
    chat(services, "old", None, NOW - timedelta(days=400))
    chat(services, "old-open-ticket", None, NOW - timedelta(days=400))
    chat(services, "recent", None, NOW - timedelta(days=10))
    services.escalation.open("old-open-ticket", "customer_request", [("customer", "help")])
    services.unanswered.record("old question", 0.1, None, "escalated", None)
    with Session(services.engine) as session, session.begin():
        session.execute(sa.update(UnansweredQuestion).values(created_at=NOW - timedelta(days=400)))
    tracker_rows(services, "old", "recent")
    done = services.customer_data.purge(365)
    assert done.conversations == 1
    assert done.deleted == {
        "conversations": 1,
        "messages": 2,
        "logged_events": 2,
        "tracker_events": 1,
        "unanswered_questions": 1,
    }
    with Session(services.engine) as session:
        left = set(session.execute(select(Conversation.id)).scalars())
    assert left == {"old-open-ticket", "recent"}
    with pytest.raises(ValueError):
        services.customer_data.purge(0)


def test_deletion_requests_are_filed_once_per_conversation_and_confirmed_by_an_admin(services):
    alex = services.agents.create("alex", "Alex", PASSWORD)
    sam = services.agents.create("sam", "Sam", PASSWORD, role="admin")
    chat(services, "c-emma", DEMO_EMAIL, NOW)
    first = services.deletion_requests.file("c-emma", "delete my data, card 4111 1111 1111 1111")
    assert (first.is_new, first.email, first.verification) == (True, None, Verification.NO_EMAIL)
    again = services.deletion_requests.file("c-emma", "again", verified_email=DEMO_EMAIL)
    assert (again.request_id, again.is_new, again.email, again.verification) == (
        first.request_id,
        False,
        DEMO_EMAIL,
        Verification.IN_CHAT,
    )
    (pending,) = services.deletion_requests.pending()
    assert pending.text == "delete my data, card [CARD]"
    with pytest.raises(PrivacyError, match="only an admin"):
        services.deletion_requests.confirm(first.request_id, alex)
    assert counts(services)["conversations"] == 1
    done = services.deletion_requests.confirm(first.request_id, sam).deletion
    assert done.deleted["conversations"] == 1 and done.anonymised["customers"] == 1
    with Session(services.engine) as session:
        stored = session.get(DeletionRequest, first.request_id)
    assert (stored.status, stored.decided_by) == ("done", sam.id)
    assert stored.outcome == {**done.as_dict(), "scope": "customer"}
    assert services.deletion_requests.pending() == []
    with pytest.raises(PrivacyError, match="already done"):
        services.deletion_requests.confirm(first.request_id, sam)


def test_a_rejected_request_deletes_nothing(services):
    sam = services.agents.create("sam", "Sam", PASSWORD, role="admin")
    chat(services, "c-x", None, NOW)
    filed = services.deletion_requests.file(
        "c-x", "delete them", typed_email="someone@else.example"
    )
    services.deletion_requests.reject(filed.request_id, sam)
    assert counts(services)["conversations"] == 1
    with pytest.raises(PrivacyError, match="already rejected"):
        services.deletion_requests.reject(filed.request_id, sam)
    with pytest.raises(PrivacyError, match="no deletion request"):
        services.deletion_requests.confirm(999, sam)


def test_purge_spares_a_conversation_that_came_back_to_life_meanwhile(services, monkeypatch):
    chat(services, "old-a", None, NOW - timedelta(days=400))
    chat(services, "old-b", None, NOW - timedelta(days=400))
    batches = purge.batches

    def customer_writes_again(ids, size):
        chat(services, "old-b", None, NOW, text="I'm back")  # between the listing and the delete
        yield from batches(ids, size)

    monkeypatch.setattr(purge, "batches", customer_writes_again)
    done = services.customer_data.purge(365)
    assert done.conversations == 1
    with Session(services.engine) as session:
        assert set(session.execute(select(Conversation.id)).scalars()) == {"old-b"}


def test_a_deleted_conversation_never_hides_the_next_events_from_the_log(tmp_path):
    """SQLite would hand the deleted rows' ids out again; the log reads after its cursor."""
    from bot.conversations.projection import LogProjector
    from bot.runtime.database import create_schema, make_engine
    from tests.test_conversation_log import logged, rasa_events, tracker_rows

    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    create_schema(engine)
    tracker_rows(engine, rasa_events("ann") + rasa_events("bob"))
    projector = LogProjector(engine)
    assert projector.catch_up(timeout=20)
    CustomerData(engine).delete(None, ["bob"])  # bob's rows held the highest ids
    tracker_rows(engine, rasa_events("cy"))
    assert projector.catch_up(timeout=20)
    conversations = {conversation for conversation, _, _ in logged(engine)}
    assert conversations == {"ann", "cy"}
    assert len([row for row in logged(engine) if row[0] == "cy"]) == len(rasa_events("cy"))
    engine.dispose()


def test_dead_letters_keep_no_card_number_and_go_with_the_customer(tmp_path):
    from bot.conversations.models import DeadLetter
    from bot.conversations.projection import LogProjector
    from bot.runtime.database import create_schema, make_engine
    from tests.test_conversation_log import poison, tracker_rows

    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    create_schema(engine)
    bad = poison()
    bad["text"] = "my card is 4111 1111 1111 1111"
    tracker_rows(engine, [bad])
    assert LogProjector(engine).catch_up(timeout=20)
    with Session(engine) as session:
        (payload,) = session.execute(select(DeadLetter.payload)).scalars().all()
    assert "4111" not in payload and "[CARD]" in payload
    conversation = bad["sender_id"]
    assert len(CustomerData(engine).export("", [conversation])["tables"]["dead_letters"]) == 1
    assert CustomerData(engine).delete(None, [conversation]).deleted["dead_letters"] == 1
    engine.dispose()

"""Rasa keeps conversations in csbot's database: a new tracker store (a restarted Rasa) finds
them as they were, waits out outages instead of forgetting, and feeds the conversation log."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from rasa.core import lock_store
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.conversations.log import digest
from bot.conversations.models import LoggedEvent
from bot.conversations.tracker_events import TRACKER_EVENTS
from bot.conversations.tracker_store import DurableTrackerStore
from bot.runtime.database import include_name
from bot.runtime.revisions import migrate
from bot.schema import metadata


@pytest.fixture(scope="module")
def domain() -> Domain:
    """The part of csbot's domain these conversations use. (Rasa warns that slot auto-fill
    was removed whenever a domain has slots.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return Domain.from_dict(
            {
                "version": "3.1",
                "slots": {"order_number": {"type": "text", "mappings": [{"type": "from_text"}]}},
                "forms": {"order_lookup_form": {"required_slots": ["order_number"]}},
            }
        )


@pytest.fixture
def open_store(db_url, domain, monkeypatch):
    """Open tracker stores on one database, as successive Rasa processes would."""
    monkeypatch.setenv("CSBOT_DATABASE_URL", db_url)
    migrate(db_url)  # as `csbot migrate` would: Rasa only checks the schema
    opened: list[DurableTrackerStore] = []

    def open_one() -> DurableTrackerStore:
        store = DurableTrackerStore(domain=domain)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.projector.stop()
        store.engine.dispose()


def mid_form_and_paused(domain: Domain, sender: str) -> DialogueStateTracker:
    """A customer half-way through the order lookup, then handed to an agent."""
    events = [
        ActionExecuted("action_listen"),
        UserUttered("where is my order 100234?", {"name": "order_status", "confidence": 0.9}),
        ActionExecuted("order_lookup_form"),
        ActiveLoop("order_lookup_form"),
        SlotSet("order_number", "100234"),
        SlotSet("requested_slot", "customer_email"),
        BotUttered("What's the email address on the order?"),
        ActionExecuted("action_listen"),
        ConversationPaused(),
    ]
    return DialogueStateTracker.from_events(sender, events, slots=domain.slots)


def test_a_restarted_rasa_finds_the_conversation_where_it_was(open_store, domain):
    first = open_store()
    asyncio.run(first.save(mid_form_and_paused(domain, "c1")))
    restarted = open_store()  # a new process: nothing in memory
    tracker = asyncio.run(restarted.retrieve("c1"))
    assert tracker.active_loop_name == "order_lookup_form"
    assert tracker.get_slot("order_number") == "100234"
    assert tracker.get_slot("requested_slot") == "customer_email"
    assert tracker.is_paused()
    assert asyncio.run(restarted.keys()) == ["c1"]


def test_the_log_gets_the_same_events_with_the_brokers_digest(open_store, domain):
    store = open_store()
    tracker = mid_form_and_paused(domain, "c1")
    asyncio.run(store.save(tracker))
    assert store.projector.catch_up(timeout=20)
    with Session(store.engine) as session:
        digests = session.execute(select(LoggedEvent.digest).order_by(LoggedEvent.seq)).scalars()
        assert digests.all() == [digest({"sender_id": "c1", **e.as_dict()}) for e in tracker.events]


def test_saving_and_reading_wait_out_an_outage(open_store, domain):
    store = open_store()
    store.projector.stop()
    outage = {"left": 3}

    @event.listens_for(store.engine, "before_cursor_execute")
    def unavailable(conn, cursor, statement, parameters, context, executemany):
        if outage["left"] and "events" in statement:
            outage["left"] -= 1
            raise OperationalError(statement, parameters, Exception("database is locked"))

    asyncio.run(store.save(mid_form_and_paused(domain, "c1")))
    assert outage["left"] == 0
    outage["left"] = 3
    # Rasa's stock store would have raised: its FailSafe wrapper then keeps the turn in
    # memory only, or answers "no such conversation" and starts it afresh
    assert asyncio.run(store.retrieve("c1")).is_paused()
    assert outage["left"] == 0
    events = asyncio.run(store.retrieve("c1")).events
    assert len(events) == len(mid_form_and_paused(domain, "c1").events)  # stored once


class StalledDatabase:
    """A database that answers nothing about `events`: each try takes `try_s` on a fake
    clock, and the store's backoff sleeps on it too, so no test waits."""

    def __init__(self, store: DurableTrackerStore, try_s: float) -> None:
        self.now, self.tries = 0.0, 0
        store.monotonic = lambda: self.now
        store.sleep = self.sleep

        @event.listens_for(store.engine, "before_cursor_execute")
        def stalled(conn, cursor, statement, parameters, context, executemany):
            if "events" in statement:
                self.tries += 1
                self.now += try_s
                raise OperationalError(statement, parameters, Exception("database is locked"))

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("lifetime, try_s", [(60, 0.5), (60, 10.0), (15, 0.5), (15, 10.0)])
def test_a_turn_in_a_database_stall_gives_up_before_rasas_lock_on_it_expires(
    open_store, domain, monkeypatch, lifetime, try_s
):
    """Rasa reads and saves a conversation inside its lock on it (TICKET_LOCK_LIFETIME, 60 s
    by default, 15 s with replicas). Retrying past the lock's end let the customer's next
    message run beside the stalled turn, on the conversation as it was before it."""
    monkeypatch.setattr(lock_store, "LOCK_LIFETIME", lifetime)
    store = open_store()
    store.projector.stop()
    assert store.patience_s <= lifetime / 4  # a read's and a save's share (was 90 s)
    stall = StalledDatabase(store, try_s)
    with pytest.raises(OperationalError):
        asyncio.run(store.retrieve("c1"))
    read_s = stall.now
    with pytest.raises(OperationalError):
        asyncio.run(store.save(mid_form_and_paused(domain, "c1")))
    save_s = stall.now - read_s
    # Half the lifetime at most (the rest is the turn's own work), beyond the one try each
    # that no retry policy can shorten; and no retry that would not end within it.
    assert read_s + save_s <= max(lifetime / 2, 2 * try_s)
    if 2 * try_s < store.patience_s:
        assert stall.tries > 2  # a short stall is still waited out


def test_an_error_a_retry_cannot_fix_is_raised_at_once(open_store, domain):
    store = open_store()
    calls = {"n": 0}

    @event.listens_for(store.engine, "before_cursor_execute")
    def broken(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
            calls["n"] += 1
            raise IntegrityError(statement, parameters, Exception("constraint"))

    with pytest.raises(IntegrityError):
        asyncio.run(store.save(mid_form_and_paused(domain, "c1")))
    assert calls["n"] == 1


def test_rasas_table_and_csbots_share_the_database_without_clashing(open_store):
    store = open_store()
    assert "events" not in metadata().tables  # csbot has no table of that name
    rasa_columns = {c.name: str(c.type) for c in SQLTrackerStore.SQLEvent.__table__.columns}
    assert {c.name: str(c.type) for c in TRACKER_EVENTS.columns} == rasa_columns
    with store.engine.connect() as connection:
        assert connection.dialect.has_table(connection, "events")
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        assert compare_metadata(context, metadata()) == []  # migrations leave `events` alone


def test_replicas_starting_together_on_a_migrated_postgresql_database_all_create_events(postgres):
    """Each Rasa replica's tracker store creates Rasa's `events` table at start-up; on a
    database just migrated they start at the same moment, and none may fail for it."""
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from sqlalchemy import inspect

    from bot.runtime.database import make_engine

    name = postgres.create()
    migrate(postgres.url_of(name))
    engines = [make_engine(postgres.url_of(name)) for _ in range(3)]
    try:
        stores = [SimpleNamespace(engine=e, Base=SQLTrackerStore.Base) for e in engines]
        with ThreadPoolExecutor(len(stores)) as pool:
            list(pool.map(DurableTrackerStore._create_tables, stores))
        assert {"events", "log_cursors"} <= set(inspect(engines[0]).get_table_names())
    finally:
        for engine in engines:
            engine.dispose()
        postgres.drop(name)


def test_rasa_refuses_a_database_that_was_never_migrated_and_creates_nothing(
    db_url, domain, monkeypatch
):
    """Rasa checks the schema when its tracker store opens: on a fresh database it stops with
    the command to run instead of migrating it (or creating its own table beside nothing)."""
    from sqlalchemy import inspect

    from bot.runtime.database import make_engine
    from bot.runtime.revisions import SchemaNotCurrent, head_revision

    monkeypatch.setenv("CSBOT_DATABASE_URL", db_url)
    with pytest.raises(SchemaNotCurrent) as refused:
        DurableTrackerStore(domain=domain)
    assert f"is at revision none, csbot needs {head_revision()}: run `csbot migrate`" in str(
        refused.value
    )
    engine = make_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()

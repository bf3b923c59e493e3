"""The database away, as the services report it (`bot.outages.DatabaseUnavailable`) and as the
push streams then see it: the notifier wakes no one on a failed look and looks again. (The
widget's side, a message sent while the database is down, is in `test_web.py`.)"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.outages import DatabaseUnavailable, reported
from bot.runtime.database import make_engine
from bot.support.presence import Presence
from bot.support.tickets import TicketService
from bot.web.notifier import TICKETS, Notifier
from tests.packs import KV


def _failure(kind: type, message: str) -> Exception:
    return kind("SELECT ...", {"text": "my card is 4111 1111 1111 1111"}, Exception(message))


def test_only_failures_a_retry_can_fix_become_database_unavailable():
    with pytest.raises(DatabaseUnavailable) as caught, reported():
        raise _failure(OperationalError, "database is locked")
    assert caught.value.reason == "OperationalError"
    assert "4111" not in str(caught.value)  # the statement's values never reach a log
    with pytest.raises(IntegrityError), reported():  # a bug, not an outage: shown as one
        raise _failure(IntegrityError, "UNIQUE constraint failed")
    with pytest.raises(DatabaseUnavailable), reported(every_error=True):
        raise _failure(IntegrityError, "UNIQUE constraint failed")


def test_the_reopen_check_on_a_database_that_cannot_be_opened_says_unavailable(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'csbot.db'}")
    tickets = TicketService(engine, Presence(engine), KV.tickets)
    with pytest.raises(DatabaseUnavailable):
        tickets.would_reopen("conv-1", "it broke again")
    with pytest.raises(DatabaseUnavailable):
        tickets.reopen_on_message("conv-1", "it broke again")
    engine.dispose()


class Flaky:
    """The services' change feed, with the database switched off and on by the test."""

    def __init__(self, feed) -> None:
        self.feed, self.down = feed, False

    def since(self, seen):
        if self.down:
            raise DatabaseUnavailable("OperationalError")
        return self.feed.since(seen)


async def test_the_notifier_waits_out_an_outage_and_then_wakes_the_stream(web_services):
    feed = Flaky(web_services.changes)
    notifier = Notifier(feed, every_s=60)
    await notifier.check()  # marks where to start
    web_services.escalation.open("conv-1", "customer_request", [("customer", "help")])
    waiting = notifier.watch(TICKETS)
    feed.down = True
    await notifier.check()
    assert not waiting.is_set()  # a look that failed wakes no one
    feed.down = False
    await notifier.check()
    assert waiting.is_set()  # the next look sees the new ticket

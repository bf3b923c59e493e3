"""Each platform delivery is handled once, across restarts (the ids are in the database),
and the ids are kept a week, then pruned. The clock is the test's."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.deliveries import KEEP, Deliveries
from tests.conftest import Clock


def test_an_id_is_new_once_per_channel_even_after_a_restart(web_services):
    first = Deliveries(web_services.engine)
    assert first.first_time("facebook", "m_1") and not first.first_time("facebook", "m_1")
    assert first.first_time("telegram", "m_1")  # another platform's id space
    restarted = Deliveries(web_services.engine)
    assert not restarted.first_time("facebook", "m_1")


def test_a_very_long_id_is_kept_as_its_digest(web_services):
    deliveries = Deliveries(web_services.engine)
    long_id = "m_" + "x" * 500
    assert deliveries.first_time("facebook", long_id)
    assert not deliveries.first_time("facebook", long_id)


def test_ids_older_than_a_week_are_pruned(web_services):
    clock = Clock()
    deliveries = Deliveries(web_services.engine, clock)
    assert deliveries.first_time("telegram", "1")
    clock.now += KEEP + timedelta(hours=1)
    assert deliveries.first_time("telegram", "2")  # prunes as it records
    assert deliveries.first_time("telegram", "1")  # forgotten: far past any retry

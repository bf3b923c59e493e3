"""One ActionDeps per action-server process: opened once, on first use, off the event loop;
warmed up when the server starts without ever stopping it; and an action built with no
arguments, as rasa_sdk builds them, uses the process's."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

import pytest

import actions.deps as action_deps
from actions.deps import ActionDeps, current, warm_up
from actions.handoff import ActionSaveRating
from bot.runtime.database import create_schema, make_engine
from bot.runtime.settings import Settings
from knowledge.retrieval import KnowledgeBase
from tests.test_actions import deps, rating, run, texts


class Opens:
    """Stands in for ActionDeps.open in a fresh process: hands out `results` in turn (raising
    an exception instead of returning it) and records the thread of each call."""

    def __init__(self) -> None:
        self.results: list = []
        self.threads: list[int] = []

    def __call__(self, settings: Settings) -> ActionDeps:
        self.threads.append(threading.get_ident())
        time.sleep(0.05)  # long enough for other threads to pile up behind the first
        made = self.results.pop(0)
        if isinstance(made, Exception):
            raise made
        return made


@pytest.fixture
def opens(monkeypatch) -> Opens:
    monkeypatch.setattr(action_deps, "_opened", None)
    stand_in = Opens()
    monkeypatch.setattr(ActionDeps, "open", stand_in)
    return stand_in


def test_the_process_opens_its_deps_once_however_many_threads_ask(opens, services):
    opens.results.append(deps(services))
    got: list[ActionDeps] = []
    askers = [threading.Thread(target=lambda: got.append(current())) for _ in range(8)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert len(got) == 8 and all(d is got[0] for d in got)
    assert len(opens.threads) == 1


def test_an_open_that_failed_is_tried_again_next_time(opens, services):
    opens.results.extend([ConnectionError("database down"), deps(services)])
    with pytest.raises(ConnectionError):
        current()
    assert current().services is services


async def test_an_action_built_with_no_arguments_uses_the_process_deps_opened_off_the_loop(
    opens, services
):
    opens.results.append(deps(services))
    _, dispatcher = await run(ActionSaveRating(), rating("4"))  # as rasa_sdk builds it
    assert texts(dispatcher) == "Thanks! Is there anything I can help you with?"
    assert opens.threads != [threading.get_ident()]  # a worker thread, not the event loop


class Recording:
    """A knowledge base that records what was loaded."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.encoder = self

    def collection(self, name: str) -> None:
        self.loaded.append(name)

    def encode(self, texts: list[str]) -> None:
        self.loaded.append("MiniLM")


def test_warming_up_loads_both_collections_and_minilm(services):
    knowledge = Recording()
    dataclasses.replace(deps(services), knowledge=knowledge).warm_up()
    assert knowledge.loaded == ["answers", "products", "MiniLM"]


def test_a_warm_up_that_fails_is_logged_and_leaves_loading_to_first_use(
    opens, services, tmp_path, caplog
):
    """No index built yet: the server keeps running and the index loads when first asked."""
    unbuilt = KnowledgeBase(tmp_path, encoder=Recording())
    opens.results.append(dataclasses.replace(deps(services), knowledge=unbuilt))
    with caplog.at_level(logging.WARNING, logger="actions.deps"):
        warm_up()
    assert "load on first use" in caplog.text and "csbot knowledge build" in caplog.text
    assert current().services is services  # opened, and kept


def test_opening_wires_every_part_to_one_index_without_loading_it(tmp_path):
    """The real parts over a fresh database and the default shop pack: one knowledge base
    (and so one MiniLM) shared by the answerer, the finder and the recommender, one set of
    entity rules, and nothing of the index or MiniLM loaded yet (a fast test fails if it is)."""
    database = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = make_engine(database)
    create_schema(engine)  # `csbot migrate`'s step: opening never migrates
    engine.dispose()
    settings = dataclasses.replace(Settings.from_env({}), database_url=database)
    opened = ActionDeps.open(settings)
    try:
        assert opened.settings is settings
        knowledge = opened.knowledge
        assert opened.answerer.knowledge is knowledge
        assert opened.finder.knowledge is knowledge and opened.recommender.knowledge is knowledge
        assert opened.finder.recognizer is opened.recommender.recognizer
        assert opened.services.orders.lookup(100234, "nobody@example.com").order is None
    finally:
        opened.services.engine.dispose()

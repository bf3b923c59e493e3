"""A ticket is sorted in the served shop's categories and queues: Trailhead's customers' tickets
land in Trailhead's queues, an agent's correction must use Trailhead's categories, and a
classifier that answers outside them never puts a ticket in a queue nobody works."""

from __future__ import annotations

import pytest

from bot.support.classifier import Classification, ClassifierNotTrained
from bot.support.lifecycle import TicketError
from tests.conftest import KEYWORD_CATEGORIES, open_services
from tests.packs import KV, TRAILHEAD

ZIP = "the zip on my jacket broke after a week, order TH-10452"


def fixed(category: str, priority: str = "normal"):
    def classify(text: str) -> Classification:
        return Classification(category, priority, 0.9, 0.9)

    return classify


def not_trained(text: str) -> Classification:
    raise ClassifierNotTrained("no ticket classifier for trailhead")


@pytest.fixture
def trailhead_services(tmp_path):
    def make(classifier):
        services = open_services(
            f"sqlite:///{tmp_path / 'trailhead.db'}", classifier=classifier, pack=TRAILHEAD
        )
        opened.append(services)
        return services

    opened = []
    yield make
    for services in opened:
        services.close()


def test_a_trailhead_ticket_goes_to_the_queue_its_pack_names(trailhead_services):
    services = trailhead_services(fixed("damaged_faulty", "high"))
    opened = services.escalation.open("c-1", "customer_request", [("customer", ZIP)], ZIP)
    assert (opened.category, opened.queue, opened.priority) == ("damaged_faulty", "returns", "high")


def test_an_agent_corrects_into_trailhead_categories_only(trailhead_services):
    services = trailhead_services(fixed("damaged_faulty"))
    sam = services.agents.create("sam", "Sam", "correct horse battery", role="admin")
    opened = services.escalation.open("c-1", "customer_request", [("customer", ZIP)], ZIP)
    ticket = services.tickets.correct(opened.ticket_id, sam, "repairs_warranty", "normal")
    assert (ticket.category, ticket.queue) == ("repairs_warranty", "products")
    with pytest.raises(TicketError, match="unknown category"):
        services.tickets.correct(opened.ticket_id, sam, "installation", "normal")
    shown = services.tickets.ticket_settings.categories
    assert [c.slug for c in shown] == list(TRAILHEAD.tickets.names)


@pytest.mark.parametrize("classifier", [fixed("installation"), not_trained], ids=["kv", "none"])
def test_without_a_label_of_the_shop_the_ticket_is_triaged_by_hand(trailhead_services, classifier):
    """A stale or missing classifier: the pack's `unclassified` category and its queue."""
    services = trailhead_services(classifier)
    opened = services.escalation.open("c-1", "customer_request", [("customer", ZIP)], ZIP)
    assert (opened.category, opened.queue) == (TRAILHEAD.tickets.unclassified, "care")


def test_a_taken_over_account_is_urgent_in_the_shops_security_category(trailhead_services):
    services = trailhead_services(fixed("delivery"))
    escalation = services.escalation
    words = [("customer", "someone ordered a tent on my account, it wasn't me")]
    opened = escalation.open("c-1", "security", words, label=escalation.security)
    assert (opened.category, opened.queue, opened.priority) == ("account", "accounts", "urgent")


def test_the_tests_keyword_classifier_answers_in_the_test_shops_categories():
    """conftest's stand-in classifier labels tickets for Kettle & Volt, the pack the tests
    serve by default; a category renamed in its tickets.yml must be renamed there too."""
    assert {*KEYWORD_CATEGORIES.values(), "product_question"} <= set(KV.tickets.names)

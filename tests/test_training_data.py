"""Agents' corrections become classifier training data, with the text that was classified."""

from __future__ import annotations

import csv

from bot.support.classifier import corrections_file, load_labelled, training_tickets
from bot.support.training_data import corrections, export_corrections
from tests.packs import KV, TRAILHEAD


def test_only_corrected_tickets_are_exported_with_their_customer_text(services, tmp_path):
    sam = services.agents.create("sam", "Sam", "correct horse battery", role="admin")
    lines = [
        ("customer", "hi"),
        ("bot", "Hello! How can I help?"),
        ("customer", "the toaster I got sparks when I switch it on"),
    ]
    topic = "the toaster I got sparks when I switch it on"
    kept = services.escalation.open("conv-1", "customer_request", lines, topic)
    fixed = services.escalation.open("conv-2", "complaint", [("customer", "charged twice!")])
    services.tickets.correct(fixed.ticket_id, sam, "billing", "urgent")
    services.tickets.correct(kept.ticket_id, sam, kept.category, kept.priority)  # unchanged

    rows = corrections(services.engine)
    assert [(r.text, r.category, r.priority) for r in rows] == [
        ("charged twice!", "billing", "urgent")
    ]
    assert export_corrections(services.engine, tmp_path, KV) == 1
    exported = load_labelled(tmp_path / "tickets" / "corrections")
    assert exported == rows
    with corrections_file(tmp_path, KV).open() as handle:
        assert next(csv.reader(handle)) == ["text", "category", "priority"]
    # The shop's next training data has them; another shop's does not.
    assert training_tickets(KV, tmp_path)[-1] == rows[0]
    assert rows[0] not in training_tickets(TRAILHEAD, tmp_path)


def test_a_corrected_ticket_that_looks_like_a_formula_is_written_as_text(services, tmp_path):
    sam = services.agents.create("sam", "Sam", "correct horse battery", role="admin")
    formula = "=cmd|' /C calc'!A0 my refund"
    opened = services.escalation.open("conv-1", "complaint", [("customer", formula)], formula)
    services.tickets.correct(opened.ticket_id, sam, "billing", "urgent")
    export_corrections(services.engine, tmp_path, KV)
    with corrections_file(tmp_path, KV).open() as handle:
        assert list(csv.reader(handle))[1] == ["'" + formula, "billing", "urgent"]
    # The classifier still learns from what the customer wrote.
    assert [t.text for t in load_labelled(tmp_path / "tickets" / "corrections")] == [formula]


def test_corrections_in_categories_the_shop_no_longer_has_are_left_out(services, tmp_path):
    """A database that served another pack, or a category renamed since the export: the rows
    the shop cannot learn from are dropped, and its classifier still trains."""
    sam = services.agents.create("sam", "Sam", "correct horse battery", role="admin")
    opened = services.escalation.open("conv-1", "complaint", [("customer", "my card was charged")])
    services.tickets.correct(opened.ticket_id, sam, "billing", "urgent")
    other = services.escalation.open("conv-2", "complaint", [("customer", "installer late")])
    services.tickets.correct(other.ticket_id, sam, "installation", "high")  # a KV category
    assert export_corrections(services.engine, tmp_path, TRAILHEAD) == 1
    exported = load_labelled(corrections_file(tmp_path, TRAILHEAD).parent)
    assert [(t.category, t.priority) for t in exported] == [("billing", "urgent")]
    assert {t.category for t in training_tickets(TRAILHEAD, tmp_path)} == set(
        TRAILHEAD.tickets.names
    )

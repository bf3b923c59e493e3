"""Agents' corrections become classifier training data, with the text that was classified."""

from __future__ import annotations

import csv

from bot.support.classifier import load_labelled
from bot.support.training_data import corrections, export_corrections


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
    assert export_corrections(services.engine, tmp_path) == 1
    exported = load_labelled(tmp_path / "tickets" / "corrections")
    assert exported == rows
    with (tmp_path / "tickets" / "corrections" / "corrections.csv").open() as handle:
        assert next(csv.reader(handle)) == ["text", "category", "priority"]


def test_a_corrected_ticket_that_looks_like_a_formula_is_written_as_text(services, tmp_path):
    sam = services.agents.create("sam", "Sam", "correct horse battery", role="admin")
    formula = "=cmd|' /C calc'!A0 my refund"
    opened = services.escalation.open("conv-1", "complaint", [("customer", formula)], formula)
    services.tickets.correct(opened.ticket_id, sam, "billing", "urgent")
    export_corrections(services.engine, tmp_path)
    with (tmp_path / "tickets" / "corrections" / "corrections.csv").open() as handle:
        assert list(csv.reader(handle))[1] == ["'" + formula, "billing", "urgent"]
    # The classifier still learns from what the customer wrote.
    assert [t.text for t in load_labelled(tmp_path / "tickets" / "corrections")] == [formula]

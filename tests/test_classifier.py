"""The ticket classifier beats the TF-IDF + naive Bayes baseline on the held-out split."""

from __future__ import annotations

import pytest

from bot.support.classifier import (
    CATEGORIES,
    PRIORITIES,
    TicketClassifier,
    evaluate,
    load_labelled,
    split,
)


@pytest.fixture(scope="module")
def tickets():
    return load_labelled()


def test_shipped_training_data_covers_every_label(tickets):
    assert len(tickets) >= 800
    assert {t.category for t in tickets} == set(CATEGORIES)
    assert {t.priority for t in tickets} == set(PRIORITIES)


def test_beats_the_baseline_on_category_and_priority(encoder, tickets):
    scores = evaluate(encoder, tickets)
    for target in ("category", "priority"):
        assert scores[target]["csbot"] > scores[target]["baseline"] + 0.05, scores
    assert scores["category"]["csbot"] >= 0.65


def test_a_clear_safety_problem_is_urgent(encoder, tickets):
    train, _ = split(tickets)
    classifier = TicketClassifier(encoder).fit(train)
    label = classifier.predict(
        "the kettle I bought from you started sparking and there is a burning smell, my kid was next to it"
    )
    assert label.priority == "urgent"


def test_bad_label_names_file_and_line(tmp_path):
    (tmp_path / "t.csv").write_text("text,category,priority\nhello,shipping,low\n")
    with pytest.raises(ValueError, match=r"t\.csv, line 2: needs text, a category"):
        load_labelled(tmp_path)

"""Each shop's ticket classifier beats the TF-IDF + naive Bayes baseline on its held-out split,
in the categories its pack declares."""

from __future__ import annotations

import pytest

from bot.pack.model import PRIORITIES
from bot.pack.tickets import MIN_EXAMPLES, load_examples
from bot.support.classifier import (
    TicketClassifier,
    ensure_trained,
    evaluate,
    load_labelled,
    load_trained,
    split,
)
from tests.packs import KV, PACKS, TRAILHEAD


@pytest.fixture(scope="module")
def examples():
    return {pack.slug: load_examples(pack.tickets) for pack in PACKS}


@pytest.fixture(scope="module")
def trailhead_classifier(encoder, examples):
    train, _ = split(examples[TRAILHEAD.slug])
    return TicketClassifier(encoder).fit(train)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.slug)
def test_shipped_training_data_covers_every_label_of_its_pack(pack):
    tickets = load_examples(pack.tickets)
    assert {t.category for t in tickets} == set(pack.tickets.names)
    assert {t.priority for t in tickets} == set(PRIORITIES)
    assert min(sum(t.category == c for t in tickets) for c in pack.tickets.names) >= max(
        MIN_EXAMPLES, 25
    )


def test_kettle_and_volt_keeps_its_data_and_categories():
    assert len(load_examples(KV.tickets)) == 916
    assert "installation" in KV.tickets.names and KV.tickets.queue_of("installation") == "products"


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.slug)
def test_beats_the_baseline_on_category_and_priority(encoder, examples, pack):
    scores = evaluate(encoder, examples[pack.slug])
    for target in ("category", "priority"):
        assert scores[target]["csbot"] > scores[target]["baseline"] + 0.05, scores
    assert scores["category"]["csbot"] >= 0.65, scores


def test_a_clear_safety_problem_is_urgent(encoder, examples):
    train, _ = split(examples[KV.slug])
    classifier = TicketClassifier(encoder).fit(train)
    label = classifier.predict(
        "the kettle I bought from you started sparking and there is a burning smell, my kid was next to it"
    )
    assert label.priority == "urgent"


def test_a_broken_jacket_zip_is_a_trailhead_fault_for_its_team(trailhead_classifier):
    label = trailhead_classifier.predict("the zip on my jacket broke after a week, order TH-10452")
    assert label.category in {"damaged_faulty", "repairs_warranty"}, label
    assert TRAILHEAD.tickets.queue_of(label.category) in {"returns", "products"}


def test_a_trailhead_climbing_safety_fault_is_urgent(trailhead_classifier):
    label = trailhead_classifier.predict(
        "the belay device I got has a crack in it and I'm meant to be climbing at Ailladie tomorrow"
    )
    assert label.priority == "urgent", label


def test_each_pack_gets_its_own_saved_classifier(encoder, tmp_path):
    kv, trained = ensure_trained(KV, tmp_path, encoder)
    trailhead, _ = ensure_trained(TRAILHEAD, tmp_path, encoder)
    assert trained and len(list((tmp_path / "tickets").glob("classifier-*.pkl"))) == 2
    assert set(kv.models["category"].classes_) == set(KV.tickets.names)
    assert set(trailhead.models["category"].classes_) == set(TRAILHEAD.tickets.names)
    reloaded = load_trained(TRAILHEAD, tmp_path, encoder)
    assert set(reloaded.models["category"].classes_) == set(TRAILHEAD.tickets.names)
    assert ensure_trained(TRAILHEAD, tmp_path, encoder)[1] is False  # unchanged: not retrained


def test_bad_label_names_file_and_line(tmp_path):
    (tmp_path / "t.csv").write_text("text,category,priority\nhello,shipping,low\n")
    with pytest.raises(ValueError, match=r"t\.csv:2: category 'shipping' is not in tickets"):
        load_labelled(tmp_path, KV.tickets.names)

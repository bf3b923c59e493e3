"""The journey set: well formed, plentiful, and no journey message copies a training example."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

from evaluation.journeys import JOURNEY_DIR, KINDS, Journey, JourneyError, load_journeys
from evaluation.judge import PICK, PRODUCT_CARD, Played, Shop, amount, judge

NEAR_COPY = 0.9  # difflib ratio of normalised texts
ROOT = Path(__file__).resolve().parents[1]


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9@.]+", text.lower()))


def _training_examples() -> list[str]:
    examples = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            for line in (block.get("examples") or "").splitlines():
                text = re.sub(r"\[([^\]]+)\][({][^)}]*[)}]", r"\1", line.strip().removeprefix("- "))
                examples.append(_normalised(text))
    return [e for e in examples if e]


TRAILHEAD = JOURNEY_DIR / "trailhead"


def every_journey() -> list:
    """Kettle & Volt's set and every set of every other pack (its halves, fresh hold-outs)."""
    sets = [s for p in JOURNEY_DIR.iterdir() if p.is_dir() for s in p.iterdir() if s.is_dir()]
    return load_journeys() + [j for folder in sorted(sets) for j in load_journeys(folder)]


def test_at_least_150_journeys_over_every_kind():
    journeys = load_journeys()
    counts = Counter(j.kind for j in journeys)
    assert len(journeys) >= 150 and set(counts) == set(KINDS), counts


def test_trailhead_has_100_journeys_over_every_kind_in_both_halves():
    dev, test = load_journeys(TRAILHEAD / "dev"), load_journeys(TRAILHEAD / "test")
    assert len(dev) + len(test) >= 100
    for half in (dev, test):
        assert {j.kind for j in half} == set(KINDS)
    ids = [j.id for j in every_journey()]
    assert len(ids) == len(set(ids))


def test_the_judge_reads_each_shops_order_numbers_and_prices():
    assert Shop.order_pattern("TH-{number}").findall("Order TH-10452 (placed Monday") == ["10452"]
    assert Shop.order_pattern("#{number}").findall("Order #100234 (placed Monday") == ["100234"]
    assert (amount("1,299.00"), amount("1.299,00"), amount("45.00")) == (1299.0, 1299.0, 45.0)
    card = PRODUCT_CARD.search("MSR Hubba Hubba 2 Tent - €600.00, rated 4.6/5, in stock")
    assert card and card.groups() == ("MSR Hubba Hubba 2 Tent", "€600.00")


def test_no_journey_message_is_a_near_copy_of_a_training_example():
    examples = [(e, set(e.split())) for e in _training_examples()]
    copies = []
    for journey in every_journey():
        for turn in journey.turns:
            said = _normalised(turn)
            words = set(said.split())
            if len(words) < 3:  # "yes", an email, an order number
                continue
            for example, example_words in examples:
                if len(words & example_words) * 2 < len(words | example_words):
                    continue  # fewer than half the words shared: not a near copy
                matcher = SequenceMatcher(None, said, example, autojunk=False)
                if matcher.quick_ratio() >= NEAR_COPY and matcher.ratio() >= NEAR_COPY:
                    copies.append(f"{journey.id}: {turn!r} ~ {example!r}")
                    break
    assert not copies, "\n".join(copies)


def test_a_malformed_journey_names_its_file(tmp_path):
    (tmp_path / "bad.yml").write_text("journeys:\n  - id: x\n    kind: weather\n    turns: [hi]\n")
    with pytest.raises(JourneyError, match="bad.yml, journey x: kind must be one of"):
        load_journeys(tmp_path)


def test_the_judge_reads_which_faq_answered_from_the_metadata_not_the_wording():
    journey = Journey("j", "faq", ("can I pay later?",), {"faq": ["payment-klarna"]})
    shop = Shop({}, {})
    right = Played("c", [[{"text": "Yes, with Klarna."}]], sources=["faq:payment-klarna"])
    wrong = Played("c", [[{"text": "Cards."}]], sources=["policy:terms-of-sale#payment"])
    assert judge(journey, right, shop).outcome == "resolved"
    assert judge(journey, wrong, shop).outcome == "wrong"


def test_the_judge_reads_recommended_names_in_any_currency():
    text = "My top picks (tents):\n1. MSR Hubba Hubba 2 Tent - €600.00 (rated 4.6/5)\n"
    assert PICK.findall(text) == ["MSR Hubba Hubba 2 Tent"]

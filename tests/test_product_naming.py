"""When a message names a product the shop does not sell: brands are spotted by all their
words, and words that name nothing ("got", "on", "the") never make a product of a question."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.shop.products import ProductFinder
from knowledge.catalogue import load_products
from knowledge.sources import PRODUCTS, product_texts
from tests.packs import TRAILHEAD


class CatalogueOnly:
    """The product index's payload, without vectors: all name matching reads."""

    def __init__(self) -> None:
        _, payload = product_texts(load_products(TRAILHEAD.catalogue))
        self.payload = payload

    def collection(self, name: str) -> SimpleNamespace:
        assert name == PRODUCTS
        return SimpleNamespace(payload=self.payload)


@pytest.fixture(scope="module")
def finder() -> ProductFinder:
    return ProductFinder(CatalogueOnly(), recognizer=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "Herself wants to learn to read a map properly before we start on the Twelve Bens",
        "found mushrooms in the woods on the way down. are they safe to eat?",
        "got any recommendations for the weekend?",
    ],
)
def test_a_question_that_names_no_product_is_not_about_an_unsold_one(finder, text) -> None:
    """'on' and 'the' begin brands' names (On, The North Face): alone they are no brand."""
    assert not finder._names_a_product(text)


@pytest.mark.parametrize(
    "text",
    [
        "do you have the north face summit series jacket",  # a line the brand has, we don't
        "do you stock the Hyperlite Southwest",  # words the catalogue never uses
        "got any blenders",
    ],
)
def test_a_product_the_catalogue_lacks_is_named(finder, text) -> None:
    assert finder._names_a_product(text)

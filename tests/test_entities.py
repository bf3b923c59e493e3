import pytest

from bot.nlu.entity_rules import ShopEntityRecognizer
from tests.packs import KV


@pytest.fixture(scope="module")
def recognizer(products, categories):
    return ShopEntityRecognizer(products, categories, order_numbers=KV.order_numbers)


def found(recognizer, text):
    return {(e.entity, e.value) for e in recognizer.extract(text)}


def test_order_number_with_hash_and_email(recognizer):
    assert found(recognizer, "where is my order #100234? I'm Emma.Larsen@Example.com") == {
        ("order_number", "100234"),
        ("email", "emma.larsen@example.com"),
    }


def test_budget_and_category_from_a_recommendation_request(recognizer):
    assert found(recognizer, "recommend a quiet dishwasher under 600 dollars") == {
        ("product_category", "dishwasher"),
        ("budget", "600"),
    }
    assert ("budget", "600") in found(recognizer, "any robot vacuum below $600?")


def test_category_synonyms_map_to_the_catalogue_category(recognizer):
    assert ("product_category", "television") in found(recognizer, "I need a new telly")
    assert ("product_category", "refrigerator") in found(recognizer, "my fridge stopped cooling")


def test_product_by_model_code_gives_the_catalogue_name(recognizer, products):
    product = next(p for p in products if "WH-1000XM5" in p.name)
    assert ("product", product.name) in found(recognizer, "is the wh-1000xm5 good for flights?")


def test_quantity_but_not_durations_prices_or_order_numbers(recognizer):
    assert ("quantity", "2") in found(recognizer, "I ordered 2 kettles")
    assert ("quantity", "3") in found(recognizer, "can I get three of them")
    assert not {
        e for e in found(recognizer, "it arrived 3 days ago, order 104512") if e[0] == "quantity"
    }


@pytest.mark.parametrize(
    "text",
    ["a tent under €300", "something for 300 euros", "£300 max", "no more than 300 quid"],
)
def test_budgets_in_any_common_currency(recognizer, text: str) -> None:
    budgets = [e.value for e in recognizer.extract(text) if e.entity == "budget"]
    assert budgets == ["300"]


def test_order_numbers_follow_the_pack(products, categories) -> None:
    from tests.packs import TRAILHEAD

    other = ShopEntityRecognizer(products, categories, order_numbers=TRAILHEAD.order_numbers)
    assert ("order_number", "th-10452") in found(other, "where is th-10452 please")
    assert ("order_number", "th12128") in found(other, "The number is TH12128. When?")
    assert not {e for e in found(other, "where is 100234") if e[0] == "order_number"}


@pytest.mark.parametrize(
    "text", ["is it in stock?", "do you have a store in town", "hello there", "along the coast"]
)
def test_a_word_spelt_right_is_not_a_misspelt_category(recognizer, text: str) -> None:
    assert not [e for e in recognizer.extract(text) if e.entity == "product_category"]


def test_a_slip_in_a_category_word_is_still_understood(recognizer) -> None:
    assert ("product_category", "vacuum cleaner") in found(recognizer, "need a new vaccum")


def test_a_size_is_not_a_budget(recognizer) -> None:
    assert not [e for e in recognizer.extract("a pack around 30 litres") if e.entity == "budget"]
    assert [e.value for e in recognizer.extract("around 300 euros") if e.entity == "budget"] == [
        "300"
    ]


def test_bare_digits_after_order_are_the_shops_order_number(products, categories) -> None:
    from tests.packs import TRAILHEAD

    other = ShopEntityRecognizer(products, categories, order_numbers=TRAILHEAD.order_numbers)
    assert ("order_number", "10452") in found(other, "my order 10452 hasn't come")
    assert TRAILHEAD.order_numbers.read("10452") == 10452  # what the order form takes from it
    assert not {e for e in found(other, "I want 2 of them, order soon") if e[0] == "order_number"}
    assert not {e for e in found(other, "my order 104 is late") if e[0] == "order_number"}


@pytest.mark.parametrize("text", ["boots in size 43", "the 220 shade, eu 42", "size 10 please"])
def test_a_size_is_neither_a_quantity_nor_a_budget(recognizer, text: str) -> None:
    assert not [e for e in recognizer.extract(text) if e.entity in ("quantity", "budget")]


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("a rain jacket, can go to a hundred and fifty quid", "150"),
        ("walking poles under a hundred euro", "100"),
        ("twenty five quid tops", "25"),
        ("one hundred twenty dollars at most", "120"),
    ],
)
def test_budgets_spelled_out(recognizer, text: str, budget: str) -> None:
    found_here = [(e.entity, e.value) for e in recognizer.extract(text)]
    assert ("budget", budget) in found_here
    assert not [e for e in found_here if e[0] == "quantity"]


def test_a_few_spelled_out_is_a_quantity_not_a_budget(recognizer) -> None:
    assert found(recognizer, "i want two tents")
    assert not [e for e in found(recognizer, "i want two tents") if e[0] == "budget"]


def test_a_product_is_named_by_a_word_only_it_has() -> None:
    from bot.nlu.entity_rules import english_words
    from bot.nlu.product_names import own_words
    from knowledge.catalogue import load_categories, load_products
    from tests.packs import TRAILHEAD

    products = load_products(TRAILHEAD.catalogue)
    words = own_words(products, load_categories(TRAILHEAD.categories), english_words())
    assert words["xlite"] == "Therm-a-Rest NeoAir XLite NXT Sleeping Mat"
    assert "neoair" not in words  # shared by a product line: names none of them alone
    assert "atom" not in words and "therm-a-rest" not in words  # an English word, a brand
    other = ShopEntityRecognizer(
        products, load_categories(TRAILHEAD.categories), order_numbers=TRAILHEAD.order_numbers
    )
    assert {e.value for e in other.extract("xlite or xtherm, which is warmer?")} == {
        "Therm-a-Rest NeoAir XLite NXT Sleeping Mat",
        "Therm-a-Rest NeoAir XTherm NXT Sleeping Mat",
    }


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("is the paramo cascada ii trousers in stock", "Páramo Cascada II Trousers"),
        ("fjallraven keb trousers price?", "Fjällräven Keb Trousers"),
        ("FJALLRAVEN VARDAG PILE FLEECE", "Fjällräven Vardag Pile Fleece"),
        ("the Fjällräven Keb Trousers, typed with the accents", "Fjällräven Keb Trousers"),
        ("is the womens beta jacket available?", "Arc'teryx Women's Beta Jacket"),
        ("arcteryx women’s beta jacket", "Arc'teryx Women's Beta Jacket"),
        ("the inreach messenger", "Garmin inReach Messenger Satellite Communicator"),
    ],
)
def test_a_product_is_named_without_its_accents(text: str, name: str) -> None:
    """Customers on an English keyboard type "paramo" for "Páramo", and "womens" for
    "women's"."""
    from knowledge.catalogue import load_categories, load_products
    from tests.packs import TRAILHEAD

    products = load_products(TRAILHEAD.catalogue)
    other = ShopEntityRecognizer(
        products, load_categories(TRAILHEAD.categories), order_numbers=TRAILHEAD.order_numbers
    )
    assert ("product", name) in found(other, text)


@pytest.mark.parametrize(
    ("text", "budget"),
    [("merino base layer for winter, 100e max", "100"), ("a fleece, 80eur", "80")],
)
def test_a_currency_typed_onto_the_amount_is_a_budget(recognizer, text, budget) -> None:
    assert ("budget", budget) in found(recognizer, text)


def test_a_fitting_is_not_a_budget(recognizer) -> None:
    assert not [e for e in recognizer.extract("do they come in 2E width?") if e.entity == "budget"]


def test_a_name_without_its_brand_that_only_names_a_kind_is_no_product(recognizer) -> None:
    """ "Air Purifier" is what is left of the Mila Air Purifier without its brand: a kind."""
    said = found(recognizer, "which air purifier copes with a big open-plan living room?")
    assert not [e for e in said if e[0] == "product"]
    assert ("product", "Mila Air Purifier") in found(recognizer, "is the mila air purifier good")


def test_a_brand_said_with_a_possessive_still_names_its_product(recognizer) -> None:
    said = found(recognizer, "torn between samsung's 55in S90D and LG's 55in B4 oled")
    assert ("product", "Samsung 55-inch S90D OLED 4K TV") in said

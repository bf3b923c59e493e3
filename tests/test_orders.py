from bot.pack.formats import ShopFormat
from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_DELIVERED, DEMO_ORDER_IN_TRANSIT
from bot.shop.orders import (
    LookupOutcome,
    OrderLookup,
    OrderStatus,
    describe_order,
    parse_email,
)
from tests.packs import KV

KV_FORMAT = ShopFormat.of(KV)
parse_order_number = KV.order_numbers.parse


def test_order_numbers_and_emails_are_found_in_free_text():
    assert parse_order_number("where's order #100234 please") == 100234
    assert parse_order_number("my order is 1002345") is None
    assert parse_order_number("order 200234") is None
    assert parse_email("it's Emma.Larsen@Example.com.") == "emma.larsen@example.com"
    assert parse_email("emma at example dot com") is None


def test_lookup_needs_the_email_on_the_order(services):
    found = services.orders.lookup(DEMO_ORDER_IN_TRANSIT, "EMMA.LARSEN@example.com ")
    assert found.outcome is LookupOutcome.VERIFIED
    assert found.order.number == DEMO_ORDER_IN_TRANSIT


def test_a_wrong_email_and_a_number_that_does_not_exist_are_one_outcome(services):
    """Nothing tells a stranger whether an order number exists."""
    wrong_email = services.orders.lookup(DEMO_ORDER_IN_TRANSIT, "someone.else@gmail.com")
    no_such_order = services.orders.lookup(199999, DEMO_EMAIL)
    assert wrong_email == no_such_order == OrderLookup(LookupOutcome.NO_MATCH)
    assert not hasattr(services.orders, "exists")


def test_status_text_tells_tracking_and_eta(services):
    order = services.orders.lookup(DEMO_ORDER_IN_TRANSIT, DEMO_EMAIL).order
    assert order.status is OrderStatus.SHIPPED
    text = describe_order(order, KV_FORMAT)
    assert f"Order #{DEMO_ORDER_IN_TRANSIT}" in text
    assert order.tracking_number in text and order.carrier in text
    assert "Estimated delivery" in text
    assert order.items[0].name in text


def test_delivered_order_says_when(services):
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    assert "was delivered on" in describe_order(order, KV_FORMAT)

from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_DELIVERED, DEMO_ORDER_IN_TRANSIT
from bot.shop.orders import OrderStatus, describe_order, parse_email, parse_order_number


def test_order_numbers_and_emails_are_found_in_free_text():
    assert parse_order_number("where's order #100234 please") == 100234
    assert parse_order_number("my order is 1002345") is None
    assert parse_order_number("order 200234") is None
    assert parse_email("it's Emma.Larsen@Example.com.") == "emma.larsen@example.com"
    assert parse_email("emma at example dot com") is None


def test_lookup_needs_the_email_on_the_order(services):
    assert services.orders.exists(DEMO_ORDER_IN_TRANSIT)
    assert services.orders.lookup(DEMO_ORDER_IN_TRANSIT, "EMMA.LARSEN@example.com ") is not None
    assert services.orders.lookup(DEMO_ORDER_IN_TRANSIT, "someone.else@gmail.com") is None
    assert services.orders.lookup(199999, DEMO_EMAIL) is None


def test_status_text_tells_tracking_and_eta(services):
    order = services.orders.lookup(DEMO_ORDER_IN_TRANSIT, DEMO_EMAIL)
    assert order.status is OrderStatus.SHIPPED
    text = describe_order(order)
    assert f"Order #{DEMO_ORDER_IN_TRANSIT}" in text
    assert order.tracking_number in text and order.carrier in text
    assert "Estimated delivery" in text
    assert order.items[0].name in text


def test_delivered_order_says_when(services):
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL)
    assert "was delivered on" in describe_order(order)

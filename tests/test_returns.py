from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.pack.formats import ShopFormat
from bot.pack.model import ReturnPolicy, ReturnRule
from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_DELIVERED, DEMO_ORDER_IN_TRANSIT
from bot.shop.models import ReturnRequest
from bot.shop.returns import ReturnRefused, ReturnService, match_item
from tests.packs import TRAILHEAD


def test_item_is_matched_by_position_name_words_or_sku(services):
    items = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order.items
    assert match_item(items, "2") is items[1]
    assert match_item(items, items[0].sku.lower()) is items[0]
    assert match_item(items, f"the {items[1].name.split()[0]} one") in (items[1], None)
    assert match_item(items, "a lawnmower") is None


def test_return_is_authorised_and_stored(services):
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    item = services.returns.returnable_items(order)[0]
    rma = services.returns.authorise(order, item, "Arrived damaged", "conv-1")
    assert rma.rma == f"RMA-{DEMO_ORDER_DELIVERED}-{item.id}"
    with Session(services.engine) as session:
        row = session.execute(select(ReturnRequest)).scalar_one()
    assert (row.rma, row.order_item_id, row.reason, row.conversation_id) == (
        rma.rma,
        item.id,
        "Arrived damaged",
        "conv-1",
    )
    assert item not in services.returns.returnable_items(order)
    with pytest.raises(ReturnRefused, match="can't be returned again"):
        services.returns.authorise(order, item, "again", "conv-1")


def test_order_in_transit_cannot_be_returned_yet(services):
    order = services.orders.lookup(DEMO_ORDER_IN_TRANSIT, DEMO_EMAIL).order
    with pytest.raises(ReturnRefused, match="still on its way"):
        services.returns.returnable_items(order)


def test_reason_is_required(services):
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    with pytest.raises(ReturnRefused, match="why"):
        services.returns.authorise(order, order.items[0], " ", None)


def policy_for(services, categories: list[str], policy=TRAILHEAD.returns) -> ReturnService:
    """The demo order's items under Trailhead's policy, as if they were of `categories`."""
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    category_of = {i.sku: c for i, c in zip(order.items, categories, strict=False)}
    return ReturnService(
        services.engine,
        services.orders,
        policy,
        category_of,
        ShopFormat.of(TRAILHEAD),
        clock=lambda: order.delivered_at + timedelta(days=20),
    )


def test_a_category_never_returnable_is_refused_with_the_policys_reason(services):
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    final_sale = ReturnRule(frozenset({"clearance"}), 0, "Clearance items are final sale.")
    policy = ReturnPolicy(window_days=14, exceptions=(final_sale,))
    returns = policy_for(services, ["clearance"] * len(order.items), policy)
    with pytest.raises(ReturnRefused, match="Clearance items are final sale"):
        returns.returnable_items(order)


def test_a_longer_window_for_one_category_keeps_only_that_item(services):
    """Twenty days after delivery: past Trailhead's 14 days, inside the 30 for tents."""
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    assert len(order.items) >= 2
    returns = policy_for(services, ["tents"] + ["jackets"] * (len(order.items) - 1))
    assert returns.returnable_items(order) == [order.items[0]]
    with pytest.raises(ReturnRefused, match="can't be returned"):
        returns.authorise(order, order.items[1], "too small")
    rma = returns.authorise(order, order.items[0], "too small")
    assert rma.order_shown == f"TH-{DEMO_ORDER_DELIVERED}"
    assert "An Post" in rma.instructions


def test_an_unopened_only_category_carries_its_condition(services):
    order = services.orders.lookup(DEMO_ORDER_DELIVERED, DEMO_EMAIL).order
    returns = policy_for(services, ["socks"] * len(order.items))
    returns._clock = lambda: order.delivered_at + timedelta(days=2)
    rma = returns.authorise(order, order.items[0], "wrong size")
    assert rma.condition and "unopened" in rma.condition


def test_an_item_is_found_by_its_plural_or_without_the_little_words() -> None:
    from decimal import Decimal

    from bot.shop.orders import LineItem

    items = [
        LineItem(1, "TH-3001", "Salomon X Ultra 4 GTX Boot", 1, Decimal("160")),
        LineItem(2, "TH-3002", "Darn Tough Hiker Socks", 1, Decimal("26")),
    ]
    assert match_item(items, "the boots") is items[0]
    assert match_item(items, "the sock ones") is items[1]
    assert match_item(items, "the one") is None  # names neither

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_DELIVERED, DEMO_ORDER_IN_TRANSIT
from bot.shop.models import ReturnRequest
from bot.shop.returns import ReturnRefused, match_item


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

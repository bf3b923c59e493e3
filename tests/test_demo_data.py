from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.shop.demo_data import generate, seed
from bot.shop.models import Customer, Order
from tests.conftest import NOW


def test_demo_shop_is_plentiful_and_varied(services):
    with Session(services.engine) as session:
        customers = session.execute(select(func.count(Customer.id))).scalar_one()
        statuses = Counter(session.execute(select(Order.status)).scalars())
    assert customers == 400
    assert sum(statuses.values()) > 800
    assert {"processing", "shipped", "out_for_delivery", "delivered", "cancelled"} <= set(statuses)


def test_generation_is_deterministic(products):
    first = [(c.email, [o.id for o in c.orders]) for c in generate(products, NOW, customers=50)]
    again = [(c.email, [o.id for o in c.orders]) for c in generate(products, NOW, customers=50)]
    assert first == again


def test_seeding_twice_adds_nothing(services, products):
    assert seed(services.engine, products, now=NOW) == 0

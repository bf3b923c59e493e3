"""Deterministic demo customers and orders for any demo pack, from its `demo.yml`.

Orders are dated relative to "now" at seeding time, so a fresh demo always has parcels in
transit, recent deliveries that can be returned and old ones that cannot. The walkthrough
customer's fixed orders make the README's walkthrough reproducible.

The random numbers are drawn in one fixed order from the pack's seed: the same settings,
catalogue and "now" give the same shop. Changing the order of the draws (or what is drawn)
changes every shop's demo data, which evaluations outside csbot depend on; the Kettle & Volt
fingerprint in tests/test_demo_data.py guards it.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.letters import SPELLED
from bot.shop.demo_data.model import Carrier, Country, DemoSettings, Walkthrough
from bot.shop.models import Customer, Order, OrderItem
from bot.shop.orders import OrderStatus
from knowledge.catalogue import Product

# How a demo shop behaves, whichever shop it is.
ORDERS_PER_CUSTOMER = (1, 1, 2, 2, 3, 4)
ITEMS_PER_ORDER = (1, 1, 1, 2, 2, 3)
QUANTITIES = (1, 1, 1, 2)  # of an item priced at or under `single_over`
CUSTOMER_FOR_DAYS = (30, 900)
ORDER_AGE_HOURS = (2, 24 * 120)
COMPLEMENT_CHANCE = 0.8  # a basket's next item is a complement of its first, else anything
CANCELLED_SHARE = 0.04


def email_name(name: str) -> str:
    """A name as it is written in an email address: "Siobhán" -> "siobhan", "O'Brien" ->
    "obrien", "de Vries" -> "devries", "Seo-yeon" -> "seoyeon"."""
    plain = unicodedata.normalize("NFKD", name.translate(SPELLED))
    return "".join(c for c in plain.lower() if c.isascii() and c.isalnum())


def _address(rng: random.Random, country: Country) -> str:
    place = rng.choice([p for p in country.places for _ in range(p.share)])
    number = rng.randint(*country.house_numbers)
    street = rng.choice(place.streets)
    return country.address.format(
        number=number,
        street=street,
        district=place.district,
        city=place.city,
        region=place.region,
        postcode=place.postcode.draw(rng),
    )


def _lifecycle(
    rng: random.Random, order: Order, now: datetime, status: OrderStatus, demo: DemoSettings
) -> None:
    """Fill ship/delivery dates and tracking consistent with the status."""
    order.status = status.value
    placed = order.placed_at
    delivery = demo.delivery
    if status in (OrderStatus.PROCESSING, OrderStatus.CANCELLED):
        order.estimated_delivery = placed + timedelta(days=rng.randint(*delivery.estimate_days))
        return
    order.shipped_at = placed + timedelta(hours=rng.randint(*delivery.dispatch_hours))
    carrier: Carrier = rng.choice(demo.carriers)
    order.carrier = carrier.name
    order.tracking_number = carrier.tracking.draw(rng)
    order.estimated_delivery = order.shipped_at + timedelta(
        days=rng.randint(*delivery.transit_days)
    )
    if status is OrderStatus.DELIVERED:
        order.delivered_at = min(order.estimated_delivery, now - timedelta(hours=2))
    elif status is OrderStatus.OUT_FOR_DELIVERY:
        order.estimated_delivery = now.replace(hour=18, minute=0, second=0, microsecond=0)


def _status_for_age(rng: random.Random, age: timedelta) -> OrderStatus:
    if rng.random() < CANCELLED_SHARE:
        return OrderStatus.CANCELLED
    if age < timedelta(days=1):
        return OrderStatus.PROCESSING
    if age < timedelta(days=3):
        return rng.choice((OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.SHIPPED))
    if age < timedelta(days=6):
        return rng.choice(
            (OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED)
        )
    return OrderStatus.DELIVERED


def _basket(
    rng: random.Random, by_category: dict[str, list[Product]], count: int, demo: DemoSettings
) -> list[Product]:
    """A first product, then mostly complements of its category, sometimes anything."""
    first = rng.choice(rng.choice(list(by_category.values())))
    basket = [first]
    while len(basket) < count:
        related = demo.complements.get(first.category, ())
        category = (
            rng.choice(related)
            if related and rng.random() < COMPLEMENT_CHANCE
            else rng.choice(list(by_category))
        )
        pick = rng.choice(by_category[category])
        if pick not in basket:
            basket.append(pick)
    return basket


def _items(
    rng: random.Random, by_category: dict[str, list[Product]], count: int, demo: DemoSettings
) -> list[OrderItem]:
    return [
        OrderItem(
            sku=p.sku,
            name=p.name,
            quantity=1 if p.price > demo.single_over else rng.choice(QUANTITIES),
            unit_price_cents=round(p.price * 100),
        )
        for p in _basket(rng, by_category, count, demo)
    ]


def _walkthrough_orders(
    products: Sequence[Product], now: datetime, demo: DemoSettings, customer: Customer
) -> list[Order]:
    """The walkthrough's fixed orders, from their own random numbers."""
    walk: Walkthrough = demo.walkthrough
    rng = random.Random(walk.seed)
    orders = []
    for fixed in walk.orders:
        order = Order(
            id=fixed.number,
            customer=customer,
            placed_at=now - timedelta(days=fixed.days_ago, hours=3),
            shipping_address=walk.address,
            items=[
                OrderItem(sku=p.sku, name=p.name, quantity=1, unit_price_cents=round(p.price * 100))
                for p in (
                    next(p for p in products if p.category == category)
                    for category in fixed.categories
                )
            ],
        )
        _lifecycle(rng, order, now, fixed.status, demo)
        if fixed.status is OrderStatus.SHIPPED:
            order.estimated_delivery = now + timedelta(days=2)
        orders.append(order)
    return orders


def _check_catalogue(products: Sequence[Product], demo: DemoSettings) -> None:
    have = {p.category for p in products}
    wanted = {c for o in demo.walkthrough.orders for c in o.categories}
    wanted |= {c for related in demo.complements.values() for c in related}
    missing = sorted(wanted - have)
    if missing:
        raise ValueError(
            f"{demo.path}: the catalogue has no products of {', '.join(missing)}; "
            "demo.yml must name the categories of the catalogue it is seeded with"
        )


def generate(products: Sequence[Product], now: datetime, demo: DemoSettings) -> list[Customer]:
    """Build (unsaved) customers with their orders; the same inputs give the same shop."""
    _check_catalogue(products, demo)
    rng = random.Random(demo.seed)
    walk = demo.walkthrough
    guide = Customer(
        name=walk.name, email=walk.email, created_at=now - timedelta(days=walk.customer_for_days)
    )
    guide.orders = _walkthrough_orders(products, now, demo, guide)
    people, seen = [guide], {walk.email}
    reserved = {o.number for o in walk.orders}
    by_category: dict[str, list[Product]] = {}
    for product in products:
        by_category.setdefault(product.category, []).append(product)
    countries = [c for c in demo.countries for _ in range(c.share)]
    number = demo.first_number
    while len(people) < demo.customers:
        country = demo.countries[0] if len(demo.countries) == 1 else rng.choice(countries)
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        digits = rng.randint(1, 99)
        suffix = rng.choice(("", "", digits))  # a third of the emails end in a number
        domain = rng.choice(country.email_domains)
        email = f"{email_name(first)}.{email_name(last)}{suffix}@{domain}"
        if email in seen:
            continue
        seen.add(email)
        person = Customer(
            name=f"{first} {last}",
            email=email,
            created_at=now - timedelta(days=rng.randint(*CUSTOMER_FOR_DAYS)),
        )
        address = _address(rng, country)
        for _ in range(rng.choice(ORDERS_PER_CUSTOMER)):
            age = timedelta(hours=rng.randint(*ORDER_AGE_HOURS))
            count = rng.choice(ITEMS_PER_ORDER)
            order = Order(
                id=number,
                customer=person,
                placed_at=now - age,
                shipping_address=address,
                items=_items(rng, by_category, count, demo),
            )
            _lifecycle(rng, order, now, _status_for_age(rng, age), demo)
            number += rng.randint(*demo.number_step)
            while number in reserved:  # a walkthrough order's number is taken
                number += 1
        people.append(person)
    return people


def seed(
    engine: Engine, products: Sequence[Product], demo: DemoSettings, now: datetime | None = None
) -> int:
    """Fill an empty shop database; return how many customers were added (0 if not empty)."""
    with Session(engine) as session, session.begin():
        if session.execute(select(func.count(Customer.id))).scalar_one():
            return 0
        people = generate(products, now or datetime.utcnow(), demo)
        session.add_all(people)
    return len(people)

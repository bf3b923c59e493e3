"""Deterministic demo customers and orders for the Kettle & Volt shop.

Orders are dated relative to "now" at seeding time, so a fresh demo always has parcels in
transit, recent deliveries that can be returned and old ones that cannot. A few fixed records
make the README's walkthrough reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.shop.models import Customer, Order, OrderItem
from bot.shop.orders import OrderStatus
from bot.support.agents import PUBLISHED_DEMO_PASSWORD, AgentService, generate_password
from knowledge.catalogue import Product

DEMO_EMAIL = "emma.larsen@example.com"
DEMO_ORDER_IN_TRANSIT = 100234
DEMO_ORDER_DELIVERED = 100235
DEMO_ORDER_PROCESSING = 100236

FIRST_NAMES = (
    "Emma Liam Olivia Noah Ava Elijah Sophia James Isabella Lucas Mia Mason Amelia Ethan Harper "
    "Logan Evelyn Aiden Abigail Jackson Emily Sebastian Ella Mateo Chloe Henry Grace Owen Zoe "
    "Daniel Nora Samuel Hannah David Layla Joseph Riley Carter Aria Wyatt Lily John Aaliyah Jack "
    "Priya Rahul Mei Hiroshi Fatima Omar Sofia Diego Ingrid Lars Chiara Marco Aisha Kwame Nia "
    "Tomasz Agnieszka Yusuf Leila Mateus Camila Andrei Elena Jun Seo-yeon Arjun Ananya"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Kim Chen "
    "Okafor Kowalski Novak Rossi Larsen Haddad Mensah Silva Ivanova Tanaka Shah Costa Muller"
).split()
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "hotmail.com")
STREETS = (
    "Maple Ave Oak St Cedar Ln Pine Rd Elm St Birch Way Willow Dr Lakeview Blvd Hillcrest Rd "
    "Sunset Ave Park Pl River Rd Main St Church St Mill Ln Harbor Dr Spruce Ct Chestnut St"
).split(" ")
CITIES = (
    ("Portland", "OR", "97205"),
    ("Austin", "TX", "78704"),
    ("Columbus", "OH", "43215"),
    ("Denver", "CO", "80203"),
    ("Raleigh", "NC", "27601"),
    ("Madison", "WI", "53703"),
    ("Tucson", "AZ", "85701"),
    ("Boise", "ID", "83702"),
    ("Richmond", "VA", "23219"),
    ("Sacramento", "CA", "95814"),
    ("Burlington", "VT", "05401"),
    ("Omaha", "NE", "68102"),
)
CARRIERS = ("UPS", "FedEx", "USPS", "DHL")


def _street(rng: random.Random) -> str:
    names = [" ".join(STREETS[i : i + 2]) for i in range(0, len(STREETS) - 1, 2)]
    city, state, zip_code = rng.choice(CITIES)
    return f"{rng.randint(10, 9899)} {rng.choice(names)}, {city}, {state} {zip_code}"


def _tracking(rng: random.Random, carrier: str) -> str:
    if carrier == "UPS":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16))
    return "".join(rng.choice("0123456789") for _ in range(12 if carrier == "FedEx" else 20))


def _lifecycle(rng: random.Random, order: Order, now: datetime, status: OrderStatus) -> None:
    """Fill ship/delivery dates and tracking consistent with the status."""
    order.status = status.value
    placed = order.placed_at
    if status in (OrderStatus.PROCESSING, OrderStatus.CANCELLED):
        order.estimated_delivery = placed + timedelta(days=rng.randint(4, 7))
        return
    order.shipped_at = placed + timedelta(hours=rng.randint(8, 40))
    order.carrier = rng.choice(CARRIERS)
    order.tracking_number = _tracking(rng, order.carrier)
    order.estimated_delivery = order.shipped_at + timedelta(days=rng.randint(2, 5))
    if status is OrderStatus.DELIVERED:
        order.delivered_at = min(order.estimated_delivery, now - timedelta(hours=2))
    elif status is OrderStatus.OUT_FOR_DELIVERY:
        order.estimated_delivery = now.replace(hour=18, minute=0, second=0, microsecond=0)


def _status_for_age(rng: random.Random, age: timedelta) -> OrderStatus:
    if rng.random() < 0.04:
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


# What people buy together, so the demo orders carry real co-purchase signal.
COMPLEMENTS = {
    "coffee-machine": ("kettle", "toaster", "blender"),
    "kettle": ("toaster", "coffee-machine"),
    "toaster": ("kettle", "coffee-machine"),
    "blender": ("coffee-machine", "kettle"),
    "television": ("soundbar", "speaker", "smart-home"),
    "soundbar": ("television", "speaker"),
    "headphones": ("speaker",),
    "speaker": ("smart-home", "headphones"),
    "smart-home": ("speaker", "robot-vacuum"),
    "vacuum-cleaner": ("air-purifier", "robot-vacuum"),
    "robot-vacuum": ("smart-home", "air-purifier"),
    "air-purifier": ("vacuum-cleaner",),
    "washing-machine": ("dishwasher", "refrigerator"),
    "dishwasher": ("washing-machine", "microwave"),
    "refrigerator": ("microwave", "dishwasher"),
    "microwave": ("toaster", "kettle"),
}


def _basket(rng: random.Random, by_category: dict[str, list[Product]], count: int) -> list[Product]:
    """A first product, then mostly complements of its category, sometimes anything."""
    first = rng.choice(rng.choice(list(by_category.values())))
    basket = [first]
    while len(basket) < count:
        related = COMPLEMENTS.get(first.category, ())
        category = (
            rng.choice(related) if related and rng.random() < 0.8 else rng.choice(list(by_category))
        )
        pick = rng.choice(by_category[category])
        if pick not in basket:
            basket.append(pick)
    return basket


def _items(
    rng: random.Random, by_category: dict[str, list[Product]], count: int
) -> list[OrderItem]:
    return [
        OrderItem(
            sku=p.sku,
            name=p.name,
            quantity=1 if p.price > 150 else rng.choice((1, 1, 1, 2)),
            unit_price_cents=round(p.price * 100),
        )
        for p in _basket(rng, by_category, count)
    ]


def _first_in(products: Sequence[Product], category: str) -> Product:
    return next((p for p in products if p.category == category), products[0])


def _demo_orders(products: Sequence[Product], now: datetime, customer: Customer) -> list[Order]:
    """The walkthrough's fixed orders: one in transit, one delivered, one being prepared."""
    rng = random.Random(100234)
    specs = (
        (DEMO_ORDER_IN_TRANSIT, OrderStatus.SHIPPED, 2, ("coffee-machine",)),
        (DEMO_ORDER_DELIVERED, OrderStatus.DELIVERED, 9, ("blender", "kettle")),
        (DEMO_ORDER_PROCESSING, OrderStatus.PROCESSING, 0, ("headphones",)),
    )
    orders = []
    for number, status, age_days, categories in specs:
        order = Order(
            id=number,
            customer=customer,
            placed_at=now - timedelta(days=age_days, hours=3),
            shipping_address="48 Maple Ave, Portland, OR 97205",
            items=[
                OrderItem(sku=p.sku, name=p.name, quantity=1, unit_price_cents=round(p.price * 100))
                for p in (_first_in(products, c) for c in categories)
            ],
        )
        _lifecycle(rng, order, now, status)
        if status is OrderStatus.SHIPPED:
            order.estimated_delivery = now + timedelta(days=2)
        orders.append(order)
    return orders


def generate(
    products: Sequence[Product], now: datetime, customers: int = 400, seed: int = 7
) -> list[Customer]:
    """Build (unsaved) customers with their orders; the same inputs give the same shop."""
    rng = random.Random(seed)
    emma = Customer(name="Emma Larsen", email=DEMO_EMAIL, created_at=now - timedelta(days=400))
    emma.orders = _demo_orders(products, now, emma)
    people, seen = [emma], {DEMO_EMAIL}
    by_category: dict[str, list[Product]] = {}
    for product in products:
        by_category.setdefault(product.category, []).append(product)
    number = 100300
    while len(people) < customers:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}{rng.choice(('', '', rng.randint(1, 99)))}@{rng.choice(DOMAINS)}"
        email = email.lower().replace("-", "")
        if email in seen:
            continue
        seen.add(email)
        person = Customer(
            name=f"{first} {last}",
            email=email,
            created_at=now - timedelta(days=rng.randint(30, 900)),
        )
        address = _street(rng)
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            age = timedelta(hours=rng.randint(2, 24 * 120))
            order = Order(
                id=number,
                customer=person,
                placed_at=now - age,
                shipping_address=address,
                items=_items(rng, by_category, rng.choice((1, 1, 1, 2, 2, 3))),
            )
            _lifecycle(rng, order, now, _status_for_age(rng, age))
            number += rng.randint(1, 7)
        people.append(person)
    return people


def seed(engine: Engine, products: Sequence[Product], now: datetime | None = None) -> int:
    """Fill an empty shop database; return how many customers were added (0 if not empty)."""
    with Session(engine) as session, session.begin():
        if session.execute(select(func.count(Customer.id))).scalar_one():
            return 0
        people = generate(products, now or datetime.utcnow())
        session.add_all(people)
    return len(people)


DEMO_AGENTS = (
    (
        "alex",
        "Alex Rivera",
        "agent",
        ("orders", "returns", "billing", "accounts", "products", "care"),
    ),
    ("jordan", "Jordan Lee", "agent", ("orders", "returns")),
    ("sam", "Sam Okafor", "admin", ()),
)


@dataclass(frozen=True)
class NewPassword:
    """A console password to show the operator once; it is stored only as a hash."""

    username: str
    role: str
    password: str


def seed_agents(
    agents: AgentService, make_password: Callable[[], str] = generate_password
) -> list[NewPassword]:
    """Demo console accounts, each with its own random password, into a database with no
    accounts; nothing otherwise. The passwords are returned, never stored or logged."""
    if agents.all():
        return []
    created = []
    for username, name, role, skills in DEMO_AGENTS:
        password = make_password()
        agents.create(username, name, password, role=role, skills=skills)
        created.append(NewPassword(username, role, password))
    return created


def retire_published_password(
    agents: AgentService, make_password: Callable[[], str] = generate_password
) -> list[NewPassword]:
    """Demo accounts of an older database that still accept the password the README once
    published get a random one (their sessions end with it)."""
    renewed = []
    for username, _name, role, _skills in DEMO_AGENTS:
        if agents.authenticate(username, PUBLISHED_DEMO_PASSWORD) is None:
            continue
        password = make_password()
        agents.set_password(username, password)
        renewed.append(NewPassword(username, role, password))
    return renewed

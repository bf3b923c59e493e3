"""Read and validate a pack's `demo.yml`, reporting every problem with file and line.

Like `shop.yml` (bot/pack/load.py), the file is edited by hand, so every problem is listed at
once with the line to fix, and a broken file is refused rather than half used. Besides each
value on its own, the loader checks the file against the rest of the pack: categories are the
catalogue's, and every order number the generator can make fits the shop's order numbers.

This module reads each section of the file into the settings (`bot.shop.demo_data.model`);
the walking and line-keeping is `reader`'s, the value converters are `values`' and the
cross-checks against the pack are `checks`'.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from bot.pack.load import PackInvalid, load_pack
from bot.shop.demo_data.checks import check_categories, check_emails, check_numbers
from bot.shop.demo_data.model import (
    IN_TRANSIT,
    Carrier,
    Country,
    Delivery,
    DemoSettings,
    Place,
    Walkthrough,
    WalkthroughOrder,
)
from bot.shop.demo_data.reader import Reader, read_document
from bot.shop.demo_data.values import (
    address_format,
    between,
    domain,
    email,
    format_pattern,
    money,
    name,
    plain_text,
    plain_texts,
    status,
    whole,
)
from bot.shop.orders import OrderStatus
from knowledge.catalogue import load_products

DEMO_FILE = "demo.yml"
MAX_CUSTOMERS = 100_000


def _walkthrough(r: Reader, doc: CommentedMap) -> Walkthrough | None:
    raw = r.mapping(doc, "walkthrough", "walkthrough")
    if raw is None:
        return None
    orders, read = [], []
    listed = raw.get("orders")
    for i, item in enumerate(r.items(raw, "orders", lambda v: v)):
        if not isinstance(item, CommentedMap):
            r.problem(listed, i, "a walkthrough order must be a mapping (number, status, ...)")
            continue
        r.known(item, "walkthrough order")
        read.append(item)
        orders.append(
            WalkthroughOrder(
                number=r.get(item, "number", whole(1, 10**12)),
                status=r.get(item, "status", status),
                days_ago=r.get(item, "days_ago", whole(0, 3650)),
                categories=r.get(item, "categories", plain_texts),
            )
        )
    walk = Walkthrough(
        name=r.get(raw, "name", name),
        email=r.get(raw, "email", email),
        address=r.get(raw, "address", plain_text),
        customer_for_days=r.get(raw, "customer_for_days", whole(0, 3650)),
        seed=r.get(raw, "seed", whole(0, 2**63)),
        orders=tuple(orders),
    )
    statuses = {o.status for o in orders}
    for wanted, what in (
        (IN_TRANSIT, "in transit (shipped)"),
        ((OrderStatus.DELIVERED,), "delivered"),
        ((OrderStatus.PROCESSING,), "processing"),
    ):
        if listed and not statuses & set(wanted):
            r.problem(raw, "orders", f"the walkthrough needs an order that is {what}")
    numbers = [o.number for o in orders]
    for i, number in enumerate(numbers):
        if number is not None and number in numbers[:i]:
            r.problem(read[i], "number", f"order number {number} is listed twice")
    return walk


def _countries(r: Reader, doc: CommentedMap) -> list[Country]:
    countries = []
    listed = doc.get("countries")
    for i, raw in enumerate(r.items(doc, "countries", lambda v: v)):
        if not isinstance(raw, CommentedMap):
            r.problem(listed, i, "a country must be a mapping (name, first_names, ...)")
            continue
        r.known(raw, "country")
        address = r.get(raw, "address", address_format)
        streets = tuple(r.items(raw, "streets", plain_text, default=[]))
        places = []
        for j, place in enumerate(r.items(raw, "places", lambda v: v)):
            if not isinstance(place, CommentedMap):
                r.problem(raw["places"], j, "a place must be a mapping (city, postcode, ...)")
                continue
            r.known(place, "place")
            places.append(_place(r, place, streets, address))
        countries.append(
            Country(
                name=r.get(raw, "name", plain_text),
                first_names=tuple(r.items(raw, "first_names", name)),
                last_names=tuple(r.items(raw, "last_names", name)),
                email_domains=tuple(r.items(raw, "email_domains", domain)),
                address=address,
                house_numbers=r.get(raw, "house_numbers", between(1, 99_999)),
                places=tuple(places),
                share=r.get(raw, "share", whole(1, 1000), default=1),
            )
        )
    return countries


def _place(r: Reader, raw: CommentedMap, streets: tuple[str, ...], address: str | None) -> Place:
    place = Place(
        city=r.get(raw, "city", plain_text),
        postcode=r.get(raw, "postcode", format_pattern),
        streets=tuple(r.items(raw, "streets", plain_text, default=list(streets))),
        district=r.get(raw, "district", plain_text, default=""),
        region=r.get(raw, "region", plain_text, default=""),
        share=r.get(raw, "share", whole(1, 1000), default=1),
    )
    if not place.streets:
        r.problem(raw, None, "a place needs `streets` (its own or its country's)")
    for field in ("district", "region"):
        if address and f"{{{field}}}" in address and not getattr(place, field):
            r.problem(raw, None, f"the country's address names {{{field}}}: `{field}` is missing")
    return place


def _carriers(r: Reader, doc: CommentedMap) -> list[Carrier]:
    carriers = []
    listed = doc.get("carriers")
    for i, raw in enumerate(r.items(doc, "carriers", lambda v: v)):
        if not isinstance(raw, CommentedMap):
            r.problem(listed, i, "a carrier must be a mapping (name, tracking)")
            continue
        r.known(raw, "carrier")
        carriers.append(
            Carrier(r.get(raw, "name", plain_text), r.get(raw, "tracking", format_pattern))
        )
    return carriers


def _complements(r: Reader, doc: CommentedMap) -> dict[str, tuple[str, ...]]:
    raw = doc.get("complements")
    if raw is None:
        return {}
    if not isinstance(raw, CommentedMap):
        r.problem(doc, "complements", "`complements` must map a category to a list of categories")
        return {}
    return {str(category): r.get(raw, category, plain_texts) or () for category in raw}


def load_demo(root: Path) -> DemoSettings:
    """The demo shop of the pack in `root`, or PackInvalid listing every problem in its
    `demo.yml` (a broken shop.yml or catalogue raises its own loader's error)."""
    path = root / DEMO_FILE
    doc = read_document(path)
    order_numbers = load_pack(root).order_numbers
    have = {p.category for p in load_products(root / "products.csv")}
    r = Reader(path)
    r.known(doc, "top")
    numbering = r.mapping(doc, "order_numbers", "order_numbers")
    delivery = r.mapping(doc, "delivery", "delivery")
    demo = DemoSettings(
        path=path,
        seed=r.get(doc, "seed", whole(0, 2**63)),
        customers=r.get(doc, "customers", whole(1, MAX_CUSTOMERS)),
        walkthrough=_walkthrough(r, doc),
        first_number=r.get(numbering, "first", whole(1, 10**12)),
        number_step=r.get(numbering, "step", between(1, 1000)),
        order_numbers=order_numbers,
        single_over=r.get(doc, "single_quantity_over", money),
        complements=_complements(r, doc),
        carriers=tuple(_carriers(r, doc)),
        countries=tuple(_countries(r, doc)),
        delivery=Delivery(
            dispatch_hours=r.get(delivery, "dispatch_hours", between(0, 24 * 30)),
            transit_days=r.get(delivery, "transit_days", between(0, 90)),
            estimate_days=r.get(delivery, "estimate_days", between(0, 90)),
        ),
    )
    if not r.problems:  # the cross-checks need every value read
        check_categories(r, doc, demo, have)
        check_numbers(r, doc, demo)
        check_emails(r, doc, demo)
    if r.problems:
        raise PackInvalid(sorted(r.problems, key=lambda p: p.line))
    return demo

"""Read and validate a pack's `demo.yml`, reporting every problem with file and line.

Like `shop.yml` (bot/pack/load.py), the file is edited by hand, so every problem is listed at
once with the line to fix, and a broken file is refused rather than half used. Besides each
value on its own, the loader checks the file against the rest of the pack: categories are the
catalogue's, and every order number the generator can make fits the shop's order numbers.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from bot.pack.load import PackInvalid, PackProblem, load_pack
from bot.shop.demo_data.formats import Format
from bot.shop.demo_data.generator import ORDERS_PER_CUSTOMER, email_name
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
from bot.shop.orders import OrderStatus
from knowledge.catalogue import load_products

DEMO_FILE = "demo.yml"
MAX_CUSTOMERS = 100_000
EMAIL = re.compile(r"[a-z0-9][a-z0-9._+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
ADDRESS_FIELDS = {"number", "street", "district", "city", "region", "postcode"}
NEEDED_FIELDS = {"number", "street", "city"}
KEYS = {
    "top": {
        "seed",
        "customers",
        "walkthrough",
        "order_numbers",
        "single_quantity_over",
        "complements",
        "carriers",
        "delivery",
        "countries",
    },
    "walkthrough": {"name", "email", "address", "customer_for_days", "seed", "orders"},
    "walkthrough order": {"number", "status", "days_ago", "categories"},
    "order_numbers": {"first", "step"},
    "delivery": {"dispatch_hours", "transit_days", "estimate_days"},
    "carrier": {"name", "tracking"},
    "country": {
        "name",
        "share",
        "first_names",
        "last_names",
        "email_domains",
        "address",
        "house_numbers",
        "streets",
        "places",
    },
    "place": {"city", "district", "region", "postcode", "streets", "share"},
}


class _Reader:
    """Walks the parsed YAML, converting values and collecting problems with their lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[PackProblem] = []

    def line(self, node: Any, key: Any = None) -> int:
        """The 1-based line of `node[key]` (of `node` itself when key is None), 0 if unknown."""
        try:
            if isinstance(node, CommentedMap) and key in node:
                return node.lc.key(key)[0] + 1
            if isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                return node.lc.item(key)[0] + 1
            return node.lc.line + 1
        except (AttributeError, KeyError, TypeError):
            return 0

    def problem(self, node: Any, key: Any, message: str) -> None:
        self.problems.append(PackProblem(self.path, self.line(node, key), message))

    def get(self, node: Any, key: str, convert: Callable[[Any], Any], default: Any = ...) -> Any:
        """`node[key]` converted; a missing required key or a failed conversion is a problem."""
        if not isinstance(node, CommentedMap) or node.get(key) is None:
            if default is ...:
                self.problem(node, None, f"`{key}` is missing")
            return None if default is ... else default
        try:
            return convert(node[key])
        except (TypeError, ValueError, InvalidOperation) as exc:
            self.problem(node, key, f"`{key}`: {exc}")
            return None if default is ... else default

    def mapping(self, node: Any, key: str, what: str) -> CommentedMap | None:
        """`node[key]` when it is a mapping of known keys (unknown ones are problems)."""
        value = node.get(key) if isinstance(node, CommentedMap) else None
        if not isinstance(value, CommentedMap):
            self.problem(node, key, f"`{key}` must be a mapping of settings")
            return None
        self.known(value, what)
        return value

    def known(self, node: CommentedMap, what: str) -> None:
        for key in node:
            if key not in KEYS[what]:
                allowed = ", ".join(sorted(KEYS[what]))
                self.problem(node, key, f"`{key}` is not a {what} setting ({allowed})")

    def items(self, node: Any, key: str, convert: Callable[[Any], Any], default: Any = ...) -> list:
        """Every item of the list `node[key]`, converted; each failure is a problem on its own
        line. A missing list (with no default) or an empty one is a problem."""
        value = node.get(key) if isinstance(node, CommentedMap) else None
        if value is None and default is not ...:
            return default
        if not isinstance(value, CommentedSeq) or not value:
            self.problem(node, key, f"`{key}` must be a list of at least one item")
            return []
        converted = []
        for i, item in enumerate(value):
            try:
                converted.append(convert(item))
            except (TypeError, ValueError, InvalidOperation) as exc:
                self.problems.append(PackProblem(self.path, self.line(value, i), f"`{key}`: {exc}"))
        return converted


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{value!r} is not a whole number from {low} to {high}")
        return value

    return convert


def _between(low: int, high: int) -> Callable[[Any], tuple[int, int]]:
    """A range written [from, to]: both whole numbers within [low, high], from <= to."""

    def convert(value: Any) -> tuple[int, int]:
        whole = _whole(low, high)
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(f"must be a range [from, to] of whole numbers from {low} to {high}")
        first, last = whole(value[0]), whole(value[1])
        if first > last:
            raise ValueError(f"[{first}, {last}] goes backwards")
        return first, last

    return convert


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} must be non-empty text")
    return " ".join(value.split())


def _name(value: Any) -> str:
    text = _text(value)
    if not email_name(text):
        raise ValueError(f"{text!r} has no letters to write in an email address")
    return text


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a list of at least one item")
    return tuple(_text(v) for v in value)


def _email(value: Any) -> str:
    if not isinstance(value, str) or not EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an email address in lower case")
    return value


def _domain(value: Any) -> str:
    if not isinstance(value, str) or not DOMAIN.fullmatch(value):
        raise ValueError(f"{value!r} is not an email domain in lower case, e.g. gmail.com")
    return value


def _format(value: Any) -> Format:
    if not isinstance(value, str):
        raise ValueError(f'{value!r} must be in quotes ("05401", not 05401)')
    return Format.parse(value)


def _status(value: Any) -> OrderStatus:
    try:
        return OrderStatus(str(value))
    except ValueError:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise ValueError(f"{value!r} is not an order status ({allowed})") from None


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not an amount")
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} is not an amount of zero or more")
    return amount


def _address_format(value: Any) -> str:
    text = _text(value)
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    unknown = fields - ADDRESS_FIELDS
    if unknown or not NEEDED_FIELDS <= fields:
        raise ValueError(
            f"{text!r} may name {{{'}, {'.join(sorted(ADDRESS_FIELDS))}}} and must name "
            "{number}, {street} and {city}"
        )
    return text


def _walkthrough(r: _Reader, doc: CommentedMap) -> Walkthrough | None:
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
                number=r.get(item, "number", _whole(1, 10**12)),
                status=r.get(item, "status", _status),
                days_ago=r.get(item, "days_ago", _whole(0, 3650)),
                categories=r.get(item, "categories", _texts),
            )
        )
    walk = Walkthrough(
        name=r.get(raw, "name", _name),
        email=r.get(raw, "email", _email),
        address=r.get(raw, "address", _text),
        customer_for_days=r.get(raw, "customer_for_days", _whole(0, 3650)),
        seed=r.get(raw, "seed", _whole(0, 2**63)),
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


def _countries(r: _Reader, doc: CommentedMap) -> list[Country]:
    countries = []
    listed = doc.get("countries")
    for i, raw in enumerate(r.items(doc, "countries", lambda v: v)):
        if not isinstance(raw, CommentedMap):
            r.problem(listed, i, "a country must be a mapping (name, first_names, ...)")
            continue
        r.known(raw, "country")
        address = r.get(raw, "address", _address_format)
        streets = tuple(r.items(raw, "streets", _text, default=[]))
        places = []
        for j, place in enumerate(r.items(raw, "places", lambda v: v)):
            if not isinstance(place, CommentedMap):
                r.problem(raw["places"], j, "a place must be a mapping (city, postcode, ...)")
                continue
            r.known(place, "place")
            places.append(_place(r, place, streets, address))
        countries.append(
            Country(
                name=r.get(raw, "name", _text),
                first_names=tuple(r.items(raw, "first_names", _name)),
                last_names=tuple(r.items(raw, "last_names", _name)),
                email_domains=tuple(r.items(raw, "email_domains", _domain)),
                address=address,
                house_numbers=r.get(raw, "house_numbers", _between(1, 99_999)),
                places=tuple(places),
                share=r.get(raw, "share", _whole(1, 1000), default=1),
            )
        )
    return countries


def _place(r: _Reader, raw: CommentedMap, streets: tuple[str, ...], address: str | None) -> Place:
    place = Place(
        city=r.get(raw, "city", _text),
        postcode=r.get(raw, "postcode", _format),
        streets=tuple(r.items(raw, "streets", _text, default=list(streets))),
        district=r.get(raw, "district", _text, default=""),
        region=r.get(raw, "region", _text, default=""),
        share=r.get(raw, "share", _whole(1, 1000), default=1),
    )
    if not place.streets:
        r.problem(raw, None, "a place needs `streets` (its own or its country's)")
    for field in ("district", "region"):
        if address and f"{{{field}}}" in address and not getattr(place, field):
            r.problem(raw, None, f"the country's address names {{{field}}}: `{field}` is missing")
    return place


def _carriers(r: _Reader, doc: CommentedMap) -> list[Carrier]:
    carriers = []
    listed = doc.get("carriers")
    for i, raw in enumerate(r.items(doc, "carriers", lambda v: v)):
        if not isinstance(raw, CommentedMap):
            r.problem(listed, i, "a carrier must be a mapping (name, tracking)")
            continue
        r.known(raw, "carrier")
        carriers.append(Carrier(r.get(raw, "name", _text), r.get(raw, "tracking", _format)))
    return carriers


def _complements(r: _Reader, doc: CommentedMap) -> dict[str, tuple[str, ...]]:
    raw = doc.get("complements")
    if raw is None:
        return {}
    if not isinstance(raw, CommentedMap):
        r.problem(doc, "complements", "`complements` must map a category to a list of categories")
        return {}
    return {str(category): r.get(raw, category, _texts) or () for category in raw}


def _check_categories(r: _Reader, doc: CommentedMap, demo: DemoSettings, have: set[str]) -> None:
    """Every category named is one of the catalogue's."""

    def check(node: Any, key: Any, category: str) -> None:
        if category not in have:
            r.problem(node, key, f"no product in products.csv has category {category!r}")

    listed = (doc.get("walkthrough") or {}).get("orders") or []
    for raw, order in zip(listed, demo.walkthrough.orders, strict=True):
        for category in order.categories or ():
            check(raw, "categories", category)
    raw = doc.get("complements") or {}
    for category, related in demo.complements.items():
        for c in (category, *related):
            check(raw, category, c)


def _check_numbers(r: _Reader, doc: CommentedMap, demo: DemoSettings) -> None:
    """Every number the generator can make, and the walkthrough's, fits the shop's format."""
    shape = demo.order_numbers

    def fits(number: int) -> bool:
        return shape.parse(shape.show(number)) == number

    numbering = doc.get("order_numbers")
    listed = (doc.get("walkthrough") or {}).get("orders") or []
    for raw, order in zip(listed, demo.walkthrough.orders, strict=True):
        if order.number is not None and not fits(order.number):
            r.problem(raw, "number", f"{shape.show(order.number)} does not match {shape.pattern}")
    if not fits(demo.first_number):
        shown = shape.show(demo.first_number)
        r.problem(numbering, "first", f"{shown} does not match {shape.pattern}")
        return
    highest = (
        demo.first_number
        + (demo.customers - 1) * max(ORDERS_PER_CUSTOMER) * demo.number_step[1]
        + len(demo.walkthrough.orders)
    )
    if not fits(highest):
        r.problem(
            numbering,
            "first",
            f"{demo.customers} customers could take order numbers up to "
            f"{shape.show(highest)}, which does not match {shape.pattern}: start lower, take "
            "smaller steps or have fewer customers",
        )


def _check_emails(r: _Reader, doc: CommentedMap, demo: DemoSettings) -> None:
    """Enough different emails for every customer (the generator draws until it has them)."""
    room = sum(
        len({email_name(n) for n in c.first_names})
        * len({email_name(n) for n in c.last_names})
        * len(set(c.email_domains))
        * 100  # each name bare or with a number from 1 to 99
        for c in demo.countries
    )
    if room < 2 * demo.customers:
        r.problem(
            doc, "customers", f"too few names and email domains for {demo.customers} customers"
        )


def _read(path: Path) -> CommentedMap:
    try:
        doc = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        missing = PackProblem(path, 0, "no demo.yml: this pack has no demo shop")
        raise PackInvalid([missing]) from None
    except (YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise PackInvalid([PackProblem(path, line, f"not valid YAML: {exc}")]) from None
    if not isinstance(doc, CommentedMap):
        raise PackInvalid([PackProblem(path, 1, "demo.yml must be a mapping of settings")])
    return doc


def load_demo(root: Path) -> DemoSettings:
    """The demo shop of the pack in `root`, or PackInvalid listing every problem in its
    `demo.yml` (a broken shop.yml or catalogue raises its own loader's error)."""
    path = root / DEMO_FILE
    doc = _read(path)
    order_numbers = load_pack(root).order_numbers
    have = {p.category for p in load_products(root / "products.csv")}
    r = _Reader(path)
    r.known(doc, "top")
    numbering = r.mapping(doc, "order_numbers", "order_numbers")
    delivery = r.mapping(doc, "delivery", "delivery")
    demo = DemoSettings(
        path=path,
        seed=r.get(doc, "seed", _whole(0, 2**63)),
        customers=r.get(doc, "customers", _whole(1, MAX_CUSTOMERS)),
        walkthrough=_walkthrough(r, doc),
        first_number=r.get(numbering, "first", _whole(1, 10**12)),
        number_step=r.get(numbering, "step", _between(1, 1000)),
        order_numbers=order_numbers,
        single_over=r.get(doc, "single_quantity_over", _money),
        complements=_complements(r, doc),
        carriers=tuple(_carriers(r, doc)),
        countries=tuple(_countries(r, doc)),
        delivery=Delivery(
            dispatch_hours=r.get(delivery, "dispatch_hours", _between(0, 24 * 30)),
            transit_days=r.get(delivery, "transit_days", _between(0, 90)),
            estimate_days=r.get(delivery, "estimate_days", _between(0, 90)),
        ),
    )
    if not r.problems:  # the cross-checks need every value read
        _check_categories(r, doc, demo, have)
        _check_numbers(r, doc, demo)
        _check_emails(r, doc, demo)
    if r.problems:
        raise PackInvalid(sorted(r.problems, key=lambda p: p.line))
    return demo

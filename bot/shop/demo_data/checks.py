"""Checks of a read `demo.yml` against the rest of its pack and against what the generator
will make of it, run once every value has read cleanly.

A value can be fine on its own and still break the demo shop: a category no product has, an
order number the shop's own format cannot show, too few names for the customers asked for
(the generator would draw forever). Each is reported as a problem on the line to change.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap

from bot.shop.demo_data.generator import ORDERS_PER_CUSTOMER, email_name
from bot.shop.demo_data.model import DemoSettings
from bot.shop.demo_data.reader import Reader


def check_categories(r: Reader, doc: CommentedMap, demo: DemoSettings, have: set[str]) -> None:
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


def check_numbers(r: Reader, doc: CommentedMap, demo: DemoSettings) -> None:
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


def check_emails(r: Reader, doc: CommentedMap, demo: DemoSettings) -> None:
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

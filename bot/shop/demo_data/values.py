"""Converters from a `demo.yml` value to what the demo settings hold, or a ValueError that
says what is wrong with it in words the shop's editor understands.

Each takes the raw YAML value and returns the typed one (a whole number within bounds, a
range, tidied text, an email, an amount, a postcode format...); `Reader.get` and
`Reader.items` (`bot.shop.demo_data.reader`) turn the ValueError into a problem on the
value's line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bot.shop.demo_data.formats import Format
from bot.shop.demo_data.generator import email_name
from bot.shop.orders import OrderStatus

# Used with fullmatch; the lookbehind keeps a search from starting inside a run.
EMAIL = re.compile(r"(?<![a-z0-9._+-])[a-z0-9][a-z0-9._+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
DOMAIN = re.compile(r"(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+")
ADDRESS_FIELDS = {"number", "street", "district", "city", "region", "postcode"}
NEEDED_FIELDS = {"number", "street", "city"}


def whole(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{value!r} is not a whole number from {low} to {high}")
        return value

    return convert


def between(low: int, high: int) -> Callable[[Any], tuple[int, int]]:
    """A range written [from, to]: both whole numbers within [low, high], from <= to."""

    def convert(value: Any) -> tuple[int, int]:
        one = whole(low, high)
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(f"must be a range [from, to] of whole numbers from {low} to {high}")
        first, last = one(value[0]), one(value[1])
        if first > last:
            raise ValueError(f"[{first}, {last}] goes backwards")
        return first, last

    return convert


def plain_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} must be non-empty text")
    return " ".join(value.split())


def name(value: Any) -> str:
    text = plain_text(value)
    if not email_name(text):
        raise ValueError(f"{text!r} has no letters to write in an email address")
    return text


def plain_texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a list of at least one item")
    return tuple(plain_text(v) for v in value)


def email(value: Any) -> str:
    if not isinstance(value, str) or not EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an email address in lower case")
    return value


def domain(value: Any) -> str:
    if not isinstance(value, str) or not DOMAIN.fullmatch(value):
        raise ValueError(f"{value!r} is not an email domain in lower case, e.g. gmail.com")
    return value


def format_pattern(value: Any) -> Format:
    if not isinstance(value, str):
        raise ValueError(f'{value!r} must be in quotes ("05401", not 05401)')
    return Format.parse(value)


def status(value: Any) -> OrderStatus:
    try:
        return OrderStatus(str(value))
    except ValueError:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise ValueError(f"{value!r} is not an order status ({allowed})") from None


def money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not an amount")
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} is not an amount of zero or more")
    return amount


def address_format(value: Any) -> str:
    text = plain_text(value)
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

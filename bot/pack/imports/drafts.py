"""A product as read from an export, before csbot's own rules (categories, brand, rating, the
old catalogue's hand-written values) finish it: what each platform's reader returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

# Untracked inventory (Shopify's inventory tracker left empty, WooCommerce's stock not managed)
# means the shop sells the product without counting it: it is available, not out of stock.
# csbot's catalogue holds a count, so such a product gets this one: it reads as "in stock" to
# customers and ranks as well stocked in recommendations (which count stock up to 20). The
# owner can choose another with --untracked-stock.
UNTRACKED_STOCK = 100


@dataclass(frozen=True)
class ReadOptions:
    untracked_stock: int = UNTRACKED_STOCK
    today: date = field(default_factory=date.today)  # for WooCommerce's sale dates


@dataclass
class Draft:
    line: int  # where the product's (first) row starts in the export
    sku: str
    name: str
    brand: str
    categories: tuple[str, ...]  # the export's category names, most useful first
    price: float
    stock: int
    description: str
    specs: dict[str, str] = field(default_factory=dict)
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rating: float | None = None  # None: the export has none
    variants: int = 1  # rows folded into this product


NUMBER = re.compile(r"[-+]?[0-9][0-9.,' ]*")


def parse_price(text: str) -> float:
    """'19.99', '1,299.00', '19,99' (a localised WooCommerce export), '€ 45' -> a float;
    ValueError when there is no price."""
    found = NUMBER.search(text or "")
    if not found:
        raise ValueError(f"{text!r} is not a price")
    number = found.group().replace(" ", "").replace("'", "").rstrip(".,")
    if "," in number and "." in number:
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        number = number.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in number:
        whole, _, tail = number.rpartition(",")
        number = f"{whole.replace(',', '')}.{tail}" if len(tail) <= 2 else number.replace(",", "")
    value = float(number)
    if value < 0:
        raise ValueError(f"{text!r} is a negative price")
    return value


def parse_quantity(text: str) -> int:
    """'12', '12.0', '-3' -> an int (ValueError for anything else)."""
    return int(float(text.replace(",", "").strip()))


def option_name(name: str) -> str:
    return " ".join(re.sub(r"[:;|]", " ", name).split()).lower()


def option_value(value: str) -> str:
    """csbot's options column separates values with | and options with ;."""
    return " ".join(re.sub(r"(?<!\s)\s*[;|]\s*", " / ", value).split())


def spec_key(name: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))


def spec_value(value: str) -> str:
    return " ".join(value.replace(";", ",").replace("=", "-").split())


def add_option(options: dict[str, list[str]], name: str, value: str) -> None:
    name, value = option_name(name), option_value(value)
    if name and value and value not in options.setdefault(name, []):
        options[name].append(value)


def grams(value: str, unit: str) -> int | None:
    """A weight in grams from a value and its unit (g, kg, lb/lbs, oz); None if not one."""
    factor = {"g": 1, "kg": 1000, "lb": 453.592, "lbs": 453.592, "oz": 28.3495}.get(unit.lower())
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    return round(number * factor) if factor and number > 0 else None

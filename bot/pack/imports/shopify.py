"""Shopify's product CSV export (Products > Export in the Shopify admin), read into drafts.

Shopify renamed the export's columns in 2025; both sets are read. Each field below lists the
older header first, then the current one (help.shopify.com/en/manual/products/import-export/
using-csv; headers are compared without case, as several differ only by it):

    Handle / URL handle                 Title                 Body (HTML) / Description
    Vendor                              Type                  Product Category / Product category
    Published / Published on online store                     Status
    Option1 Name / Option1 name         Option1 Value / Option1 value (and 2, 3)
    Variant SKU / SKU                   Variant Price / Price
    Variant Grams / Weight value (grams)
    Variant Inventory Tracker / Inventory tracker
    Variant Inventory Qty / Inventory quantity
    Variant Inventory Policy / Continue selling when out of stock

A product's first row carries the product's fields and its first variant; later rows of the
same handle carry only variant columns (or only an image, and are passed over). The variants
fold into one csbot product: their options (size: S|M|L), the sum of their stock and the
lowest of their prices. A variant whose inventory tracker is empty is sold without being
counted: available, not out of stock (see drafts.UNTRACKED_STOCK). The product's sku is its
variant's SKU when it has one variant, else its handle (Shopify's own name for the product).
"""

from __future__ import annotations

import json

from bot.pack.imports.drafts import (
    Draft,
    ReadOptions,
    add_option,
    grams,
    parse_price,
    parse_quantity,
)
from bot.pack.imports.report import ImportReport
from bot.pack.imports.rows import Row, Sheet
from bot.pack.imports.text import html_to_text

HANDLE = ("Handle", "URL handle")
TITLE = ("Title",)
BODY = ("Body (HTML)", "Description")
VENDOR = ("Vendor",)
PRODUCT_CATEGORY = ("Product Category", "Product category")
TYPE = ("Type",)
PUBLISHED = ("Published", "Published on online store")
STATUS = ("Status",)
SKU = ("Variant SKU", "SKU")
PRICE = ("Variant Price", "Price")
GRAMS = ("Variant Grams", "Weight value (grams)")
TRACKER = ("Variant Inventory Tracker", "Inventory tracker")
QUANTITY = ("Variant Inventory Qty", "Inventory quantity")
POLICY = ("Variant Inventory Policy", "Continue selling when out of stock")
# A review app's rating metafield, when the shop exports metafields:
# "Product rating (product.metafields.reviews.rating)".
RATING = r".*\(product\.metafields\.reviews\.rating\)"
SKIPPED_STATUSES = {"draft": "a draft in Shopify", "archived": "archived in Shopify"}


def option_name(i: int) -> tuple[str, str]:
    return (f"Option{i} Name", f"Option{i} name")


def option_value(i: int) -> tuple[str, str]:
    return (f"Option{i} Value", f"Option{i} value")


VARIANT_FIELDS = SKU + PRICE + QUANTITY + option_value(1) + option_value(2) + option_value(3)


def detect(sheet: Sheet) -> bool:
    return sheet.has(*HANDLE) and sheet.has(*TITLE) and sheet.has(*PRICE)


def read(sheet: Sheet, report: ImportReport, options: ReadOptions) -> list[Draft]:
    groups: dict[str, list[Row]] = {}
    for row in sheet.rows:
        handle = row.get(*HANDLE)
        if not handle:
            report.skip(row.line, "no handle (Handle / URL handle is empty)")
            continue
        groups.setdefault(handle, []).append(row)
    if not sheet.has(*QUANTITY):
        report.note(
            0,
            "no inventory quantity column (a store with several locations exports "
            "none): every product read as available",
        )
    rating_columns = sheet.matching(RATING)
    drafts = []
    for handle, rows in groups.items():
        draft = _product(handle, rows, sheet, report, options, rating_columns)
        if draft is not None:
            drafts.append(draft)
    return drafts


def _product(
    handle: str,
    rows: list[Row],
    sheet: Sheet,
    report: ImportReport,
    options: ReadOptions,
    rating_columns: list[str],
) -> Draft | None:
    heads = [r for r in rows if r.get(*TITLE)]
    if not heads:
        for row in rows:
            report.skip(row.line, f"a row of {handle!r} but no product row (with a Title) for it")
        return None
    first = heads[0]
    for other in heads[1:]:
        report.skip(other.line, f"a second product row for {handle!r} (first on line {first.line})")
    rows = [r for r in rows if r is first or r not in heads]
    status = first.get(*STATUS).lower()
    if status in SKIPPED_STATUSES:
        report.skip(first.line, SKIPPED_STATUSES[status])
        return None
    if first.get(*PUBLISHED).lower() in ("false", "no", "0") and status in ("", "active"):
        report.skip(first.line, "not published on the online store")
        return None

    names = [first.get(*option_name(i)) for i in (1, 2, 3)]
    chosen: dict[str, list[str]] = {}
    prices: list[float] = []
    stock, untracked, skus, weight = 0, False, [], None
    for row in (r for r in rows if r.has_any(*VARIANT_FIELDS)):
        raw = row.get(*PRICE)
        try:
            price = parse_price(raw)
        except ValueError:
            report.skip(row.line, f"a variant without a valid price ({raw or 'empty'})")
            continue
        prices.append(price)
        skus.append(row.get(*SKU))
        values = [row.get(*option_value(i)) for i in (1, 2, 3)]
        for name, value in zip(names, values, strict=True):
            if name and value and (name.lower(), value.lower()) != ("title", "default title"):
                add_option(chosen, name, value)
        counted = _stock(row, sheet, report, options)
        if counted is None:
            untracked = True
        else:
            stock += counted
        weight = weight or grams(row.get(*GRAMS), "g")
    if not prices:
        report.skip(first.line, "no variant with a price")
        return None
    if untracked:
        stock = max(stock, options.untracked_stock)
    specs = {"weight_g": str(weight)} if weight else {}
    categories = [first.get(*TYPE), first.get(*PRODUCT_CATEGORY)]
    return Draft(
        line=first.line,
        sku=skus[0] if len(prices) == 1 and skus[0] else handle,
        name=first.get(*TITLE),
        brand=first.get(*VENDOR),
        categories=tuple(c for c in categories if c and not _is_id(c)),
        price=min(prices),
        stock=stock,
        description=html_to_text(first.get(*BODY)),
        specs=specs,
        options={k: tuple(v) for k, v in chosen.items()},
        rating=_rating(first, rating_columns),
        variants=len(prices),
    )


def _stock(row: Row, sheet: Sheet, report: ImportReport, options: ReadOptions) -> int | None:
    """A variant's count, or None when Shopify does not count it (sold as available)."""
    if sheet.has(*TRACKER) and not row.get(*TRACKER):
        return None
    if not sheet.has(*QUANTITY):
        return None
    raw = row.get(*QUANTITY)
    try:
        count = parse_quantity(raw) if raw else 0
    except ValueError:
        report.fix(row.line, f"inventory quantity {raw!r} is not a number: 0 used")
        return 0
    if count < 0:
        report.fix(row.line, "negative inventory (sold beyond stock) counted as 0")
        count = 0
    if count == 0 and row.get(*POLICY).lower() in ("continue", "true", "yes"):
        report.note(
            row.line,
            "out of stock but sold anyway in Shopify (continue selling when out of stock): "
            "csbot tells customers it is out of stock",
        )
    return count


def _is_id(category: str) -> bool:
    """Shopify's taxonomy written as an id ('gid://shopify/TaxonomyCategory/aa-1', '2271')."""
    return category.isdigit() or category.startswith("gid://")


def _rating(row: Row, columns: list[str]) -> float | None:
    """A review app's rating metafield: a number, or JSON {"value": "4.5", "scale_max": "5"}."""
    for column in columns:
        raw = row.cells.get(column, "")
        if not raw:
            continue
        try:
            data = json.loads(raw)
            if isinstance(data, dict):
                value = float(data["value"])
                scale = float(data.get("scale_max") or 5)
            else:
                value, scale = float(data), 5.0
        except (ValueError, KeyError, TypeError):
            continue
        if scale > 0 and 0 <= value <= scale:
            return round(value * 5 / scale, 1)
    return None

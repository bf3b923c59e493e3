"""WooCommerce's product CSV export (Products > Export, the exporter built in since 3.1), read
into drafts.

Columns as WooCommerce's exporter writes them (includes/export/class-wc-product-csv-exporter.php):
ID, Type, SKU, Name, Published (1 published, 0 private, -1 draft, 2 pending review), Short
description, Description (line breaks written as a literal \\n), Date sale price starts/ends,
In stock? (1, 0 or "backorder"), Stock (the count when stock is managed, empty when not,
"parent" on a variation its parent counts for), Weight (<unit>), Sale price, Regular price,
Categories ("Clothing > Jackets, Sale": paths split by ", ", a comma in a name written "\\,"),
Parent (the parent's SKU, or "id:<ID>"), Attribute N name / value(s) / visible / global.

Simple and external products become one product each; a variable product's variations fold
into it (their attribute values become its options, its price the lowest of theirs, its stock
their sum). A sale price counts while its dates, if any, include today. Grouped products are
only a list of other products, which are imported on their own.
"""

from __future__ import annotations

import re
from datetime import date

from bot.pack.imports.drafts import (
    Draft,
    ReadOptions,
    add_option,
    grams,
    parse_price,
    parse_quantity,
    spec_key,
    spec_value,
)
from bot.pack.imports.report import ImportReport
from bot.pack.imports.rows import Row, Sheet, split_escaped
from bot.pack.imports.text import html_to_text

ID, TYPE, SKU, NAME, PUBLISHED = "ID", "Type", "SKU", "Name", "Published"
SHORT, DESCRIPTION, CATEGORIES, PARENT = "Short description", "Description", "Categories", "Parent"
IN_STOCK, STOCK = "In stock?", "Stock"
REGULAR, SALE = "Regular price", "Sale price"
SALE_FROM, SALE_TO = "Date sale price starts", "Date sale price ends"
BRANDS = "Brands"  # written when the shop uses WooCommerce's brands
WEIGHT = r"weight \((\w+)\)"  # "Weight (kg)": the unit is the shop's setting
ATTRIBUTE = r"attribute (\d+) name"
PUBLISHED_STATES = {"0": "private in WooCommerce", "-1": "a draft in WooCommerce"}
PUBLISHED_STATES["2"] = "pending review in WooCommerce"


def detect(sheet: Sheet) -> bool:
    return all(sheet.has(c) for c in (TYPE, NAME, REGULAR)) and sheet.has(PARENT, IN_STOCK)


def _types(row: Row) -> set[str]:
    return {t.strip().lower() for t in row.get(TYPE).split(",") if t.strip()}


def read(sheet: Sheet, report: ImportReport, options: ReadOptions) -> list[Draft]:
    parents: dict[str, Row] = {}
    variations: dict[int, list[Row]] = {}
    for row in sheet.rows:
        if "variation" not in _types(row):
            if row.get(ID):
                parents[f"id:{row.get(ID)}"] = row
            if row.get(SKU):
                parents.setdefault(row.get(SKU), row)
    for row in sheet.rows:
        if "variation" in _types(row):
            parent = parents.get(row.get(PARENT))
            if parent is None:
                report.skip(row.line, f"a variation of {row.get(PARENT)!r}, not in the file")
                continue
            variations.setdefault(parent.line, []).append(row)
    reader = _Reader(sheet, report, options)
    drafts = []
    for row in sheet.rows:
        types = _types(row)
        if "variation" in types:
            continue
        if "grouped" in types:
            report.skip(row.line, "a grouped product (its products are imported on their own)")
            continue
        state = PUBLISHED_STATES.get(row.get(PUBLISHED))
        if state:
            report.skip(row.line, state)
            continue
        if "variable" in types:
            draft = reader.variable(row, variations.get(row.line, []))
        else:
            draft = reader.simple(row)
        if draft is not None:
            drafts.append(draft)
    return drafts


class _Reader:
    def __init__(self, sheet: Sheet, report: ImportReport, options: ReadOptions) -> None:
        self.sheet, self.report, self.options = sheet, report, options
        self.attributes = sorted(
            int(re.fullmatch(ATTRIBUTE, h).group(1)) for h in sheet.matching(ATTRIBUTE)
        )
        self.weights = [(h, re.fullmatch(WEIGHT, h).group(1)) for h in sheet.matching(WEIGHT)]

    def _attributes(self, row: Row) -> list[tuple[str, list[str]]]:
        found = []
        for n in self.attributes:
            name = row.get(f"Attribute {n} name")
            values = split_escaped(row.get(f"Attribute {n} value(s)"))
            if name:
                found.append((name, values))
        return found

    def _price(self, row: Row) -> float:
        """The price a customer pays today: the sale price while it runs, else the regular."""
        sale = row.get(SALE)
        if sale and self._sale_runs(row):
            return parse_price(sale)
        return parse_price(row.get(REGULAR))

    def _sale_runs(self, row: Row) -> bool:
        today = self.options.today
        start, end = _date(row.get(SALE_FROM)), _date(row.get(SALE_TO))
        return (start is None or start <= today) and (end is None or today <= end)

    def _stock(self, row: Row, parent_stock: int | None = None) -> int | None:
        """The count; None when WooCommerce does not count it and it is in stock (or on
        backorder, noted) -- available; 0 when not counted and marked out of stock."""
        raw, status = row.get(STOCK).lower(), row.get(IN_STOCK).lower()
        if raw == "parent":
            return parent_stock
        if raw:
            try:
                count = parse_quantity(raw)
            except ValueError:
                self.report.fix(row.line, f"stock {raw!r} is not a number: 0 used")
                return 0
            if count < 0:
                self.report.fix(row.line, "negative stock (sold beyond stock) counted as 0")
            return max(count, 0)
        if status == "backorder":
            self.report.note(
                row.line,
                "on backorder in WooCommerce: csbot tells customers it is out of stock",
            )
            return 0
        return 0 if status == "0" else None

    def _common(self, row: Row) -> dict:
        specs: dict[str, str] = {}
        for header, unit in self.weights:
            weight = grams(row.cells.get(header, ""), unit)
            if weight:
                specs["weight_g"] = str(weight)
        brand = split_escaped(row.get(BRANDS))
        description = row.get(SHORT) or row.get(DESCRIPTION)
        return {
            "line": row.line,
            "name": row.get(NAME),
            "brand": brand[0] if brand else "",
            "categories": _categories(row.get(CATEGORIES)),
            "description": html_to_text(description.replace("\\n", "\n")),
            "specs": specs,
        }

    def _specs(self, draft: Draft, attributes: list[tuple[str, list[str]]]) -> None:
        for name, values in attributes:
            if name.lower() == "brand" and values and not draft.brand:
                draft.brand = values[0]
            elif values and spec_key(name):
                draft.specs.setdefault(spec_key(name), spec_value(", ".join(values)))

    def simple(self, row: Row) -> Draft | None:
        try:
            price = self._price(row)
        except ValueError:
            self.report.skip(row.line, f"no valid price ({row.get(REGULAR) or 'empty'})")
            return None
        stock = self._stock(row)
        draft = Draft(
            **self._common(row),
            sku=row.get(SKU) or f"wc-{row.get(ID)}",
            price=price,
            stock=self.options.untracked_stock if stock is None else stock,
        )
        self._specs(draft, self._attributes(row))
        return draft

    def variable(self, row: Row, variations: list[Row]) -> Draft | None:
        own = self._attributes(row)
        parent_stock = self._stock(row)
        chosen: dict[str, list[str]] = {}
        used: set[str] = set()
        prices: list[float] = []
        stock, untracked, counted_parent = 0, False, False
        for variation in variations:
            if variation.get(PUBLISHED) in PUBLISHED_STATES:
                self.report.skip(variation.line, "a variation that is not enabled in WooCommerce")
                continue
            try:
                prices.append(self._price(variation))
            except ValueError:
                raw = variation.get(REGULAR) or "empty"
                self.report.skip(variation.line, f"a variation without a valid price ({raw})")
                continue
            for name, values in self._attributes(variation):
                used.add(name.lower())
                # an empty value is "any": every value the parent lists
                for value in values or next((v for n, v in own if n.lower() == name.lower()), []):
                    add_option(chosen, name, value)
            count = self._stock(variation, parent_stock)
            if variation.get(STOCK).lower() == "parent":
                counted_parent = True
            elif count is None:
                untracked = True
            else:
                stock += count
        if not prices:
            self.report.skip(row.line, "a variable product with no variation that has a price")
            return None
        if counted_parent:
            if parent_stock is None:
                untracked = True
            else:
                stock += parent_stock
        draft = Draft(
            **self._common(row),
            sku=row.get(SKU) or f"wc-{row.get(ID)}",
            price=min(prices),
            stock=max(stock, self.options.untracked_stock) if untracked else stock,
            options={k: tuple(v) for k, v in chosen.items()},
            variants=len(prices),
        )
        self._specs(draft, [(n, v) for n, v in own if n.lower() not in used])
        return draft


def _categories(raw: str) -> tuple[str, ...]:
    """The deepest category path first ('Clothing > Jackets' before 'Sale')."""
    paths = split_escaped(raw)
    return tuple(sorted(paths, key=lambda p: -p.count(">")))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None

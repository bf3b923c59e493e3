"""csbot's own products.csv (sku,name,brand,category,price,rating,stock,description,specs,
options), from another pack or a spreadsheet: each row checked as the catalogue loader checks
it, a bad row reported with its line and left out rather than failing the whole file."""

from __future__ import annotations

from bot.pack.imports.drafts import Draft, ReadOptions, parse_price
from bot.pack.imports.report import ImportReport
from bot.pack.imports.rows import Row, Sheet
from knowledge.catalogue import COLUMNS, parse_options, parse_specs

REQUIRED = ("sku", "name", "price", "stock")


def detect(sheet: Sheet) -> bool:
    return all(sheet.has(c) for c in COLUMNS)


def read(sheet: Sheet, report: ImportReport, options: ReadOptions) -> list[Draft]:
    drafts = []
    for row in sheet.rows:
        try:
            drafts.append(_draft(row))
        except ValueError as exc:
            report.skip(row.line, str(exc))
    return drafts


def _draft(row: Row) -> Draft:
    for column in REQUIRED:
        if not row.get(column):
            raise ValueError(f"{column} is empty")
    try:
        price, stock = parse_price(row.get("price")), int(row.get("stock"))
        rating = float(row.get("rating")) if row.get("rating") else None
    except ValueError:
        raise ValueError("price, rating or stock is not a number") from None
    if stock < 0 or (rating is not None and not 0 <= rating <= 5):
        raise ValueError("stock must be >= 0 and rating within 0..5")
    return Draft(
        line=row.line,
        sku=row.get("sku"),
        name=row.get("name"),
        brand=row.get("brand"),
        categories=(row.get("category"),) if row.get("category") else (),
        price=price,
        stock=stock,
        description=row.get("description"),
        specs=parse_specs(row.get("specs")),
        options=parse_options(row.get("options")),
        rating=rating,
    )

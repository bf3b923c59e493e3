"""`csbot import products`: a shop platform's product export becomes the pack's products.csv.

The export is read by its platform's reader (Shopify, WooCommerce or csbot's own format,
told apart by their headers), then csbot's rules finish each product:

- category: the export's name as a slug ("Coats & Jackets" -> coats-and-jackets; a path's last
  level), or what the owner's category map says;
- brand: the export's (Shopify's vendor); a product without one gets `brand` (by default the
  shop's short name from shop.yml: a shop's own label) and is reported;
- rating: the export's when it has one (a review app's metafield); else the rating the
  previous catalogue gave the same sku; else NEUTRAL_RATING, reported;
- specs: the previous catalogue's for the same sku (written by hand, for the spec words in
  categories.yml) with what the export adds (weight_g from a weight);
- description: plain text, cut to DESCRIPTION_LIMIT characters at a sentence.

The new catalogue is checked by csbot's own loader before it replaces the old one, which is
kept as products.csv.bak; when nothing can be imported nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

import yaml

from bot.pack.imports import own, shopify, woocommerce
from bot.pack.imports.categories import CategoryMap, add_categories
from bot.pack.imports.drafts import Draft, ReadOptions
from bot.pack.imports.files import replace_file
from bot.pack.imports.report import ImportFailed, ImportReport
from bot.pack.imports.rows import Sheet, read_sheet
from bot.pack.imports.text import shorten
from knowledge.catalogue import COLUMNS, CatalogueError, Product, load_categories, load_products

READERS: dict[str, ModuleType] = {"shopify": shopify, "woocommerce": woocommerce, "csbot": own}
FORMATS = ("auto", *READERS)
DESCRIPTION_LIMIT = 600  # characters: a few sentences, what a chat reply can quote
# A product the export gives no rating: the middle of the 1-5 scale review apps use, so it is
# neither favoured nor buried among rated ones. csbot quotes ratings to customers ("rated
# 3/5"), so the owner is told which products got it.
NEUTRAL_RATING = 3.0
CATALOGUE = "products.csv"


@dataclass(frozen=True)
class ProductImport:
    """One run of the import: what to read, into which pack, and the owner's choices."""

    source: Path
    pack: Path
    format: str = "auto"
    category_map: CategoryMap = field(default_factory=lambda: CategoryMap({}))
    brand: str | None = None  # for products without one; None: the shop's short name
    add_categories: bool = False
    dry_run: bool = False
    read_options: ReadOptions = field(default_factory=ReadOptions)


@dataclass
class ProductImportResult:
    report: ImportReport
    products: list[Product]
    new_categories: list[str]  # used by the products, not (yet) in categories.yml


def detect_format(sheet: Sheet) -> str:
    for name, reader in READERS.items():
        if reader.detect(sheet):
            return name
    raise ImportFailed(
        f"{sheet.path}: not a product export csbot knows (Shopify, WooCommerce or csbot's own "
        f"products.csv); its first columns are {', '.join(sheet.headers[:6])}"
    )


def import_products(request: ProductImport) -> ProductImportResult:
    """Read, finish and (unless a dry run) write the catalogue; ImportFailed when nothing
    could be imported or the result would not load (the old catalogue is then untouched)."""
    sheet = read_sheet(request.source)
    kind = detect_format(sheet) if request.format == "auto" else request.format
    if kind not in READERS:
        raise ImportFailed(f"unknown format {kind!r} (one of {', '.join(FORMATS)})")
    if not READERS[kind].detect(sheet):
        raise ImportFailed(f"{request.source}: does not look like a {kind} export")
    report = ImportReport(source=f"{request.source.name} ({kind})")
    drafts = READERS[kind].read(sheet, report, request.read_options)
    target = request.pack / CATALOGUE
    previous = _previous(target, report)
    brand = request.brand if request.brand is not None else _shop_name(request.pack)
    products = finish(drafts, report, request.category_map, brand, previous)
    report.variants_folded = sum(d.variants for d in drafts if d.variants > 1)
    if not products:
        raise ImportFailed(f"{request.source}: no product could be imported", report)
    declared = _declared(request.pack)
    new = sorted({p.category for p in products} - declared)
    if request.dry_run:
        report.dry_run, report.written = True, len(products)
        return ProductImportResult(report, products, new)
    try:
        backup = replace_file(target, render(products), load_products)
    except CatalogueError as exc:
        raise ImportFailed(f"the imported catalogue would not load: {exc}", report) from None
    report.written, report.target = len(products), str(target)
    report.backup = str(backup) if backup else ""
    if new and request.add_categories:
        try:
            added, refused = add_categories(request.pack / "categories.yml", new)
        except (CatalogueError, ImportFailed) as exc:  # the catalogue is written all the same
            report.remarks.append(f"categories.yml not changed: {exc}")
            added, refused = [], []
        if added:
            report.remarks.append(f"added to categories.yml: {', '.join(added)}")
        for why in refused:
            report.remarks.append(f"not added to categories.yml: {why}; add it by hand")
        new = [c for c in new if c not in added]
    return ProductImportResult(report, products, new)


def finish(
    drafts: Sequence[Draft],
    report: ImportReport,
    categories: CategoryMap,
    brand: str,
    previous: dict[str, Product],
) -> list[Product]:
    """csbot's products from the drafts, each fix and skip reported at the draft's line."""
    products: list[Product] = []
    seen: dict[str, int] = {}
    carried = 0
    for draft in drafts:
        if not draft.name:
            report.skip(draft.line, "no name")
            continue
        category, why = categories.resolve(draft.categories)
        if category is None:
            report.skip(draft.line, why)
            continue
        if draft.sku in seen:
            report.skip(draft.line, f"sku {draft.sku!r} again (first on line {seen[draft.sku]})")
            continue
        if not draft.brand:
            if not brand:
                report.skip(draft.line, "no brand (vendor); give one with --brand")
                continue
            report.fix(draft.line, f"no brand: {brand!r} used")
            draft = replace(draft, brand=brand)
        description = shorten(draft.description, DESCRIPTION_LIMIT)
        if description != " ".join(draft.description.split()):
            report.fix(draft.line, f"description cut to {DESCRIPTION_LIMIT} characters")
        old = previous.get(draft.sku)
        rating = draft.rating
        if rating is None and old is not None:
            rating = old.rating
        if rating is None:
            report.fix(draft.line, f"no rating: {NEUTRAL_RATING:.1f} used (neutral)")
            rating = NEUTRAL_RATING
        specs = {**draft.specs, **(old.specs if old else {})}
        carried += old is not None
        seen[draft.sku] = draft.line
        products.append(
            Product(
                sku=draft.sku,
                name=" ".join(draft.name.split()),
                brand=" ".join(draft.brand.split()),
                category=category,
                price=round(draft.price, 2),
                rating=rating,
                stock=draft.stock,
                description=description,
                specs=specs,
                options=draft.options,
            )
        )
    if carried:
        report.remarks.append(
            f"{carried} product(s) keep the rating and specs the previous catalogue gave their sku"
        )
    return products


def render(products: Sequence[Product]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, "options"])
    for p in products:
        writer.writerow(
            [
                p.sku,
                p.name,
                p.brand,
                p.category,
                f"{p.price:.2f}",
                f"{p.rating:g}",
                p.stock,
                p.description,
                "; ".join(f"{k}={v}" for k, v in p.specs.items()),
                "; ".join(f"{k}: {'|'.join(v)}" for k, v in p.options.items()),
            ]
        )
    return out.getvalue()


def _previous(path: Path, report: ImportReport) -> dict[str, Product]:
    if not path.exists():
        return {}
    try:
        return {p.sku: p for p in load_products(path)}
    except CatalogueError:
        report.remarks.append(
            "the previous catalogue does not load: no ratings or specs carried over from it"
        )
        return {}


def _declared(pack: Path) -> set[str]:
    try:
        return set(load_categories(pack / "categories.yml"))
    except CatalogueError:
        return set()


def _shop_name(pack: Path) -> str:
    """The shop's short name (else its name) from shop.yml, read leniently: the brand of
    products sold under the shop's own label."""
    try:
        data = yaml.safe_load((pack / "shop.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    if not isinstance(data, dict):
        return ""
    return str(data.get("short_name") or data.get("name") or "").strip()

"""Load the product catalogue (`products.csv`), validating every row.

A shop owner edits the CSV by hand, so a bad row must fail loudly with the file and line,
never be skipped silently.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.pack.locate import pack_dir
from knowledge.errors import KnowledgeError

COLUMNS = ("sku", "name", "brand", "category", "price", "rating", "stock", "description", "specs")


class CatalogueError(KnowledgeError):
    """A catalogue file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    brand: str
    category: str
    price: float
    rating: float
    stock: int
    description: str
    specs: dict[str, str] = field(default_factory=dict)
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)  # size: (S, M, L)

    @property
    def category_label(self) -> str:
        """Human wording of the category slug: 'coffee-machine' -> 'coffee machine'."""
        return self.category.replace("-", " ")


def parse_specs(raw: str) -> dict[str, str]:
    """'noise_db=44; width_cm=60' -> {'noise_db': '44', 'width_cm': '60'}."""
    specs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"spec {part!r} is not key=value")
        specs[key.strip()] = value.strip()
    return specs


def parse_options(raw: str) -> dict[str, tuple[str, ...]]:
    """'size: S|M|L; colour: Black|Moss' -> {'size': ('S', 'M', 'L'), 'colour': (...)}: the
    variants a customer picks from (the optional `options` column)."""
    options: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        name, sep, values = part.partition(":")
        choices = tuple(v.strip() for v in values.split("|") if v.strip())
        if not sep or not name.strip() or not choices:
            raise ValueError(f"option {part!r} is not name: a|b|c")
        options[name.strip().lower()] = choices
    return options


@dataclass(frozen=True)
class SpecWord:
    """A word customers use about a spec ("quiet", "lightweight"): which spec keys it means
    (the first a product has is compared) and which way is better."""

    word: str
    keys: tuple[str, ...]
    prefer: str  # "low", "high" or "yes"


PREFER = ("low", "high", "yes")


def load_spec_words(path: Path | None = None) -> dict[str, SpecWord]:
    """The `specs:` section of the pack's categories.yml (empty when it has none)."""
    path = Path(path) if path else pack_dir() / "categories.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot read spec words ({exc})") from None
    words: dict[str, SpecWord] = {}
    for word, raw in ((data.get("specs") or {}) if isinstance(data, dict) else {}).items():
        keys = raw.get("specs") if isinstance(raw, dict) else None
        prefer = raw.get("prefer") if isinstance(raw, dict) else None
        prefer = "yes" if prefer is True else prefer
        if not isinstance(keys, list) or not keys or prefer not in PREFER:
            raise CatalogueError(
                f'{path}: spec word {word!r} needs specs: [keys] and prefer: low, high or "yes"'
            )
        words[str(word).lower()] = SpecWord(str(word).lower(), tuple(map(str, keys)), prefer)
    return words


def _parse_row(row: dict[str, str]) -> Product:
    for column in ("sku", "name", "brand", "category"):
        if not (row.get(column) or "").strip():
            raise ValueError(f"{column} is empty")
    try:
        price = float(row["price"])
        rating = float(row["rating"])
        stock = int(row["stock"])
    except ValueError as exc:
        raise ValueError(f"price, rating or stock is not a number ({exc})") from None
    if price < 0 or stock < 0 or not 0 <= rating <= 5:
        raise ValueError("price and stock must be >= 0 and rating within 0..5")
    return Product(
        sku=row["sku"].strip(),
        name=row["name"].strip(),
        brand=row["brand"].strip(),
        category=row["category"].strip(),
        price=price,
        rating=rating,
        stock=stock,
        description=(row.get("description") or "").strip(),
        specs=parse_specs(row.get("specs") or ""),
        options=parse_options(row.get("options") or ""),
    )


def load_products(path: Path | None = None) -> list[Product]:
    """Read and validate the catalogue (default: the active shop pack's); raise
    CatalogueError naming file and line."""
    path = Path(path) if path else pack_dir() / "products.csv"
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read catalogue ({exc.strerror})") from None
    products: list[Product] = []
    seen: dict[str, int] = {}
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(f"{path}: missing column(s) {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            try:
                product = _parse_row(row)
            except ValueError as exc:
                raise CatalogueError(f"{path}, line {line}: {exc}") from None
            if product.sku in seen:
                raise CatalogueError(
                    f"{path}, line {line}: duplicate sku {product.sku} (first on line "
                    f"{seen[product.sku]})"
                )
            seen[product.sku] = line
            products.append(product)
    if not products:
        raise CatalogueError(f"{path}: the catalogue has no products")
    return products


def load_categories(path: Path | None = None) -> dict[str, list[str]]:
    """Category slug -> the words customers use for it (from the pack's categories.yml)."""
    path = Path(path) if path else pack_dir() / "categories.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot read categories ({exc})") from None
    categories = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(categories, dict) or not categories:
        raise CatalogueError(f"{path}: expected a non-empty 'categories:' mapping")
    result: dict[str, list[str]] = {}
    for slug, words in categories.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise CatalogueError(f"{path}: category {slug!r} needs a list of words")
        result[str(slug)] = [w.strip().lower() for w in words]
    return result

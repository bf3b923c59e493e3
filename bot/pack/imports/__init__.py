"""Imports into a shop pack from what a shop already has: `csbot import products` (a Shopify or
WooCommerce product export, or csbot's own products.csv) and `csbot import faq` (a help
centre's Markdown or HTML articles). Each replaces one file of the pack at once, after csbot's
own loader accepted the new content, keeps the old file as .bak, and reports every row or
article it skipped or fixed with its line or file.

- `products`: the catalogue import and csbot's rules for what exports leave out.
- `shopify`, `woocommerce`, `own`: one reader per export format (the columns each reads are
  listed in its docstring).
- `faq`: the help-centre import.
- `categories`: category maps and adding new categories to categories.yml.
- `text`, `rows`, `drafts`, `files`, `report`: plain text from HTML and Markdown, CSV rows with
  their lines, the product as read, atomic replacement, and the report printed.
"""

from bot.pack.imports.categories import CategoryMap
from bot.pack.imports.drafts import UNTRACKED_STOCK, ReadOptions
from bot.pack.imports.faq import FaqImport, import_faq
from bot.pack.imports.products import (
    FORMATS,
    NEUTRAL_RATING,
    ProductImport,
    ProductImportResult,
    import_products,
)
from bot.pack.imports.report import ImportFailed, ImportReport, Kind, Note

__all__ = [
    "FORMATS",
    "NEUTRAL_RATING",
    "UNTRACKED_STOCK",
    "CategoryMap",
    "FaqImport",
    "ImportFailed",
    "ImportReport",
    "Kind",
    "Note",
    "ProductImport",
    "ProductImportResult",
    "ReadOptions",
    "import_faq",
    "import_products",
]

"""The shop's knowledge: editable source files (CSV/YAML/Markdown) and their loaders."""

from knowledge.catalogue import CatalogueError, Product, load_categories, load_products

__all__ = ["CatalogueError", "Product", "load_categories", "load_products"]

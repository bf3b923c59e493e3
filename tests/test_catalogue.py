from pathlib import Path

import pytest

from knowledge.catalogue import COLUMNS, CatalogueError, load_categories, load_products


def test_shipped_catalogue_is_a_real_shop(products):
    assert len(products) >= 500
    assert len({p.sku for p in products}) == len(products)
    assert len({p.category for p in products}) >= 12
    assert all(p.price > 0 and p.description for p in products)


def test_every_product_category_has_customer_words(products, categories):
    assert {p.category for p in products} <= set(categories)


def _write(tmp_path: Path, rows: list[str], header: str = ",".join(COLUMNS)) -> Path:
    path = tmp_path / "products.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = 'KV-1,Acme Kettle,Acme,kettle,29.99,4.1,3,"Boils fast.",capacity_l=1.7'


def test_missing_column_is_named(tmp_path):
    path = _write(tmp_path, [GOOD], header="sku,name,brand,category,price,rating,stock,specs")
    with pytest.raises(CatalogueError, match=r"products\.csv: missing column\(s\) description"):
        load_products(path)


def test_duplicate_sku_names_both_lines(tmp_path):
    path = _write(tmp_path, [GOOD, GOOD.replace("Acme Kettle", "Acme Kettle 2")])
    with pytest.raises(CatalogueError, match=r"line 3: duplicate sku KV-1 \(first on line 2\)"):
        load_products(path)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (GOOD.replace("29.99", "cheap"), "not a number"),
        (GOOD.replace("Acme Kettle", ""), "name is empty"),
        (GOOD.replace("4.1", "7"), "rating within 0..5"),
        (GOOD.replace("capacity_l=1.7", "capacity"), "not key=value"),
    ],
)
def test_bad_row_gives_file_and_line(tmp_path, row, problem):
    path = _write(tmp_path, [GOOD.replace("KV-1", "KV-0"), row])
    with pytest.raises(CatalogueError, match=rf"products\.csv, line 3: .*{problem}"):
        load_products(path)


def test_categories_file_must_list_words(tmp_path):
    path = tmp_path / "categories.yml"
    path.write_text("categories:\n  kettle: kettle\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="category 'kettle' needs a list of words"):
        load_categories(path)

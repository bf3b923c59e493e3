"""`csbot import products`: what a shop owner sees after importing their platform's product
export into a pack -- a catalogue csbot loads, variants folded into products with their
options, untracked inventory still for sale, every skipped or fixed row named by its line, and
the old catalogue untouched when the import cannot be done."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.pack.check import check_pack
from bot.pack.imports import (
    NEUTRAL_RATING,
    UNTRACKED_STOCK,
    CategoryMap,
    ImportFailed,
    Kind,
    ProductImport,
    ReadOptions,
    import_products,
)
from bot.pack.imports.files import replace_file
from bot.pack.load import load_pack
from bot.pack.locate import SHOPS_DIR
from bot.runtime.cli import main
from knowledge.catalogue import load_categories, load_products

DATA = Path(__file__).parent / "data" / "imports"
OLDER = DATA / "shopify_products_older_headers.csv"
CURRENT = DATA / "shopify_products_2025_headers.csv"
WOO = DATA / "woocommerce_products.csv"
TODAY = ReadOptions(today=date(2026, 12, 1))


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOPS_DIR / "trailhead", root)
    return root


def run(source: Path, pack: Path, **options) -> tuple[dict, object]:
    result = import_products(ProductImport(source, pack, read_options=TODAY, **options))
    return {p.sku: p for p in load_products(pack / "products.csv")}, result.report


def lines(report, kind: Kind, reason: str) -> list[int]:
    return [n.line for n in report.of(kind) if reason in n.reason]


def test_an_older_shopify_export_becomes_a_catalogue_csbot_loads(pack: Path) -> None:
    before = (pack / "products.csv").read_bytes()
    products, report = run(OLDER, pack)

    assert set(products) == {"ridgeline-insulated-jacket", "LW-MCS", "ETM-350"}
    jacket = products["ridgeline-insulated-jacket"]  # four variant rows, one product
    assert jacket.options == {"size": ("S", "M", "L"), "colour": ("Black", "Moss")}
    assert (jacket.stock, jacket.price, jacket.brand) == (10, 189.0, "Northcol")
    assert jacket.category == "jackets"  # Shopify's Type, as a slug
    assert "<" not in jacket.description and "&amp;" not in jacket.description
    assert "warm on a damp summit & dries fast" in jacket.description
    assert "Two zipped hand pockets." in jacket.description  # list items kept as sentences
    assert products["LW-MCS"].options == {}  # "Title: Default Title" is no option
    assert report.variants_folded == 4 and report.written == 3

    mug = products["ETM-350"]  # inventory not tracked: for sale, not "out of stock"
    assert mug.stock == UNTRACKED_STOCK > 0
    assert mug.brand == load_pack(pack).short_name  # no vendor: the shop's own label
    assert lines(report, Kind.FIXED, "no brand") == [13]

    assert lines(report, Kind.SKIPPED, "a draft") == [14]
    assert lines(report, Kind.SKIPPED, "archived") == [15]
    assert lines(report, Kind.SKIPPED, "without a valid price (TBC)") == [16]
    assert lines(report, Kind.FIXED, "no rating") == [2, 12, 13]
    assert all(p.rating == NEUTRAL_RATING for p in products.values())
    assert (pack / "products.csv.bak").read_bytes() == before


def test_the_2025_shopify_headers_read_like_the_older_ones(pack: Path, tmp_path: Path) -> None:
    older = tmp_path / "older"
    shutil.copytree(pack, older)
    products, report = run(CURRENT, pack)
    before, _ = run(OLDER, older)

    assert products["ridgeline-insulated-jacket"] == before["ridgeline-insulated-jacket"]
    boot = products["fellstride-approach-boot"]
    assert boot.options == {"size": ("UK 7", "UK 8", "UK 9", "UK 10")}
    assert (boot.stock, boot.price, boot.category) == (6, 165.0, "hiking-boots")
    assert boot.rating == 4.4  # the review app's rating metafield
    assert boot.specs["weight_g"] == "1150"
    assert products["NC-WMC"].stock == UNTRACKED_STOCK  # empty inventory tracker
    assert lines(report, Kind.FIXED, "negative inventory") == [13]  # oversold: 0, not -2
    assert lines(report, Kind.NOTE, "continue selling when out of stock") == [14]
    assert lines(report, Kind.SKIPPED, "not published on the online store") == [17]
    assert lines(report, Kind.SKIPPED, "no handle") == [18]
    assert "staff-fleece" not in products


def test_a_woocommerce_variable_product_folds_its_variations(pack: Path) -> None:
    products, report = run(WOO, pack)

    trousers = products["FS-SST"]
    # the disabled Long/34 variation is left out; Waist 34 is offered by no other variation
    assert trousers.options == {"leg": ("Regular", "Long"), "waist": ("30", "32")}
    assert trousers.price == 85.0  # the running sale; the 2019 sale of R30 is over
    assert (trousers.stock, trousers.brand, trousers.category) == (10, "Fellstride", "trousers")
    assert trousers.specs == {"weight_g": "420", "material": "Nylon, elastane"}
    assert trousers.description == "Stretchy softshell trousers for scrambles and winter walks."

    gas = products["BZ-GAS230"]  # stock not managed, in stock; a localised price "7,50"
    assert (gas.stock, gas.price, gas.brand) == (UNTRACKED_STOCK, 7.5, "Blazeco")
    assert gas.category == "stoves-and-fuel" and gas.specs["thread"] == "EN417"
    assert "Collection in store only." in gas.description  # the export's "\n" is a break

    assert lines(report, Kind.SKIPPED, "not enabled") == [6]
    assert lines(report, Kind.SKIPPED, "a draft") == [8]
    assert lines(report, Kind.SKIPPED, "grouped") == [9]
    assert lines(report, Kind.SKIPPED, "no valid price") == [10]
    assert lines(report, Kind.SKIPPED, "'id:999', not in the file") == [11]


def test_the_cli_prints_the_summary_and_the_pack_check(pack: Path, capsys) -> None:
    assert main(["import", "products", str(WOO), "--pack", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "2 products written" in out and "3 variants folded" in out
    assert "a draft in WooCommerce (line 8)" in out
    assert "category 'stoves-and-fuel' is not in categories.yml" in out  # the pack check
    assert "new categories, not in categories.yml: stoves-and-fuel" in out


def test_a_category_map_merges_categories_and_add_categories_declares_new_ones(
    pack: Path, tmp_path: Path, capsys
) -> None:
    mapping = tmp_path / "map.yml"
    mapping.write_text("Stoves & Fuel: stoves\nCamp Kitchen: camp-cooking\nTrousers: ~\n")
    categories = (pack / "categories.yml").read_text()

    products, report = run(OLDER, pack, category_map=CategoryMap.load(mapping))
    assert products["ETM-350"].category == "camp-cooking"
    run(WOO, pack, category_map=CategoryMap.load(mapping))
    woo = {p.sku: p for p in load_products(pack / "products.csv")}
    assert woo["BZ-GAS230"].category == "stoves"
    assert "FS-SST" not in woo  # mapped to ~: left out

    assert main(["import", "products", str(OLDER), "--pack", str(pack), "--add-categories"]) == 0
    assert "added to categories.yml: camp-kitchen" in capsys.readouterr().out
    assert load_categories(pack / "categories.yml")["camp-kitchen"] == ["camp kitchen"]
    updated = (pack / "categories.yml").read_text()
    assert updated.startswith(categories.split("\n", 1)[0])  # comments kept
    assert "specs:" in updated and len(updated) > len(categories)
    assert not [p for p in check_pack(pack) if "not in categories.yml" in p.message]


def test_a_category_map_that_names_no_slug_is_refused(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yml"
    mapping.write_text("Rain Jackets: Rain Jackets\n")
    with pytest.raises(ImportFailed, match="not a category slug"):
        CategoryMap.load(mapping)


def test_ratings_and_specs_written_by_hand_survive_the_next_import(pack: Path) -> None:
    run(OLDER, pack)
    catalogue = pack / "products.csv"
    edited = catalogue.read_text().replace(
        "Merino Crew Socks,Loopwool,socks,18.50,3,40",
        "Merino Crew Socks,Loopwool,socks,18.50,4.7,40",
    )
    catalogue.write_text(edited.replace("weight_g=90,", "weight_g=90; merino_pct=80,"))
    products, report = run(OLDER, pack)
    assert products["LW-MCS"].rating == 4.7
    assert products["LW-MCS"].specs == {"weight_g": "90", "merino_pct": "80"}
    assert any("keep the rating and specs" in r for r in report.remarks)


def test_csbots_own_catalogue_is_validated_and_copied(pack: Path, tmp_path: Path) -> None:
    source = tmp_path / "products.csv"
    shutil.copyfile(SHOPS_DIR / "trailhead" / "products.csv", source)
    products, report = run(source, pack)
    assert list(products.values()) == load_products(SHOPS_DIR / "trailhead" / "products.csv")

    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[2]["rating"] = "nine"  # line 4
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    products, report = run(source, pack, format="csbot")
    assert lines(report, Kind.SKIPPED, "not a number") == [4]
    assert len(products) == len(rows) - 1 and rows[2]["sku"] not in products


def test_a_failed_import_leaves_the_old_catalogue_untouched(pack: Path, tmp_path: Path) -> None:
    catalogue = pack / "products.csv"
    before = catalogue.read_bytes()
    nothing = tmp_path / "drafts.csv"
    nothing.write_text(
        OLDER.read_text().splitlines()[0] + "\n" + OLDER.read_text().splitlines()[13] + "\n"
    )

    with pytest.raises(ImportFailed, match="no product could be imported") as failed:
        run(nothing, pack)
    assert lines(failed.value.report, Kind.SKIPPED, "a draft") == [2]
    assert main(["import", "products", str(nothing), "--pack", str(pack)]) == 1
    unknown = tmp_path / "orders.csv"
    unknown.write_text("Order,Email,Total\n1001,a@example.com,12.00\n")
    with pytest.raises(ImportFailed, match="not a product export csbot knows"):
        run(unknown, pack)
    with pytest.raises(ImportFailed, match="does not look like a woocommerce export"):
        run(OLDER, pack, format="woocommerce")
    import_products(ProductImport(OLDER, pack, dry_run=True))

    assert catalogue.read_bytes() == before
    assert sorted(p.name for p in pack.iterdir() if "products" in p.name) == ["products.csv"]


def test_a_catalogue_that_would_not_load_is_never_put_in_place(tmp_path: Path) -> None:
    target = tmp_path / "products.csv"
    target.write_text("the old catalogue\n")

    def refuse(path: Path) -> None:
        assert path.read_text() == "half a catalogue"  # written in full beside the old one
        raise ValueError("does not load")

    with pytest.raises(ValueError):
        replace_file(target, "half a catalogue", refuse)
    assert target.read_text() == "the old catalogue\n"
    assert [p.name for p in tmp_path.iterdir()] == ["products.csv"]  # no temporary file left

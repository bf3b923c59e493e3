"""`csbot init` starts a shop pack; `csbot check` says whether a pack is ready to serve;
`csbot import products|faq` fills one from a shop platform's export or a help centre."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bot.runtime.commands.spec import Command, arg
from bot.runtime.settings import Settings

IMPORT_FORMATS = ("auto", "shopify", "woocommerce", "csbot")


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Every problem of the pack, one per line as `file:line: what`; exit status 1 if any."""
    from bot.pack.check import check_pack

    root = Path(args.pack).resolve() if args.pack else settings.shop_dir
    problems = check_pack(root)
    for problem in problems:
        print(problem)
    print(f"{root}: " + (f"{len(problems)} problem(s)" if problems else "ready to serve"))
    return 1 if problems else 0


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    """Scaffold a pack in a new folder; say what to do next."""
    from bot.pack.scaffold import ScaffoldRefused, scaffold

    target = Path(args.folder).resolve()
    try:
        written = scaffold(target, args.name)
    except ScaffoldRefused as refused:
        print(f"csbot init: {refused}")
        return 1
    for path in written:
        print(f"  wrote {path}")
    print(
        f"A new shop pack for {args.name!r} is in {target}.\n"
        f"  1. Edit shop.yml, products.csv (or: csbot import products EXPORT.csv --pack {target}),"
        " categories.yml, faq/, policies/ and tickets.yml with tickets/.\n"
        f"  2. csbot check {target}\n"
        f"  3. CSBOT_SHOP={target} make run"
    )
    return 0


INIT = Command(
    "init",
    "start a shop pack in a new folder, every file commented (see docs/your-shop.md)",
    cmd_init,
    arguments=(
        arg("folder", help="where the pack goes (a new or empty folder)"),
        arg("--name", required=True, help="the shop's name as customers know it"),
    ),
)
CHECK = Command(
    "check",
    "check a shop pack (default: the one CSBOT_SHOP names): every problem with file and line",
    cmd_check,
    arguments=(arg("pack", nargs="?", help="the pack's folder (default: CSBOT_SHOP's)"),),
)


def _pack(settings: Settings, args: argparse.Namespace) -> Path:
    return Path(args.pack).resolve() if args.pack else settings.shop_dir


def _check_after_import(root: Path, new_categories: Sequence[str] = ()) -> None:
    """The pack check on the result, so what the import left to do is listed at once."""
    from bot.pack.check import check_pack

    problems = check_pack(root)
    for problem in problems:
        print(problem)
    if new_categories:
        print(
            f"new categories, not in categories.yml: {', '.join(new_categories)} "
            "(--add-categories declares them, with their own name as their only word)"
        )
    print(
        f"csbot check {root}: " + (f"{len(problems)} problem(s)" if problems else "ready to serve")
    )


def cmd_import_products(settings: Settings, args: argparse.Namespace) -> int:
    """Write the pack's products.csv from an export; print what was done and the pack check."""
    from bot.pack.imports import (
        CategoryMap,
        ImportFailed,
        ProductImport,
        ReadOptions,
        import_products,
    )

    root = _pack(settings, args)
    stock = {} if args.untracked_stock is None else {"untracked_stock": args.untracked_stock}
    try:
        result = import_products(
            ProductImport(
                source=Path(args.file),
                pack=root,
                format=args.format,
                category_map=CategoryMap.load(
                    Path(args.category_map) if args.category_map else None
                ),
                brand=args.brand,
                add_categories=args.add_categories,
                dry_run=args.dry_run,
                read_options=ReadOptions(**stock),
            )
        )
    except ImportFailed as failed:
        if failed.report is not None:
            print(failed.report.summary())
        print(f"csbot import products: {failed} (nothing written)")
        return 1
    print(result.report.summary())
    if not args.dry_run:
        _check_after_import(root, result.new_categories)
    return 0


def cmd_import_faq(settings: Settings, args: argparse.Namespace) -> int:
    """Write the pack's faq/imported.yml from help-centre articles; print what was done."""
    from bot.pack.imports import FaqImport, ImportFailed, import_faq

    root = _pack(settings, args)
    try:
        report = import_faq(
            FaqImport(Path(args.source), root, base_url=args.base_url, dry_run=args.dry_run)
        )
    except ImportFailed as failed:
        if failed.report is not None:
            print(failed.report.summary(what="articles"))
        print(f"csbot import faq: {failed} (nothing written)")
        return 1
    print(report.summary(what="articles"))
    if not args.dry_run:
        _check_after_import(root)
    return 0


PACK_ARGUMENT = arg("--pack", help="the pack's folder (default: CSBOT_SHOP's)")
DRY_RUN = arg("--dry-run", action="store_true", help="read and report, write nothing")
IMPORT = Command(
    "import",
    "fill a shop pack from a product export (Shopify, WooCommerce) or a help centre's articles",
    actions=(
        Command(
            "products",
            "products.csv from a product CSV export; the old one kept as products.csv.bak",
            cmd_import_products,
            arguments=(
                arg("file", help="the export (CSV)"),
                PACK_ARGUMENT,
                arg("--format", choices=IMPORT_FORMATS, default="auto", help="default: detected"),
                arg(
                    "--category-map",
                    metavar="MAP.yml",
                    help="YAML: the export's category name -> csbot category slug (~: leave out)",
                ),
                arg(
                    "--add-categories",
                    action="store_true",
                    help="declare new categories in categories.yml, their name as the only word",
                ),
                arg("--brand", help="for products without one (default: the shop's short name)"),
                arg(
                    "--untracked-stock",
                    type=int,
                    metavar="N",
                    help="stock given to products sold without counting (default: 100)",
                ),
                DRY_RUN,
            ),
        ),
        Command(
            "faq",
            "faq/imported.yml from help-centre articles (Markdown or HTML, one per file)",
            cmd_import_faq,
            arguments=(
                arg("source", help="a folder of articles, or one article"),
                PACK_ARGUMENT,
                arg(
                    "--base-url",
                    metavar="URL",
                    help="the articles' address is URL/<file name> when they name none",
                ),
                DRY_RUN,
            ),
        ),
    ),
)

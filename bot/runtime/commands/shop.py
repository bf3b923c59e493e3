"""`csbot init` starts a shop pack; `csbot check` says whether a pack is ready to serve."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.runtime.commands.spec import Command, arg
from bot.runtime.settings import Settings


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
        " categories.yml, faq/ and policies/.\n"
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

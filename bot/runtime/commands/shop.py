"""`csbot check`: is the shop pack csbot would serve (or the one named) ready to serve?"""

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


CHECK = Command(
    "check",
    "check a shop pack (default: the one CSBOT_SHOP names): every problem with file and line",
    cmd_check,
    arguments=(arg("pack", nargs="?", help="the pack's folder (default: CSBOT_SHOP's)"),),
)

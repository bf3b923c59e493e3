"""The `csbot` command: run, train, seed, shell and the admin tools. The Makefile calls these.

Each subcommand parses its arguments and calls a service; the work happens in the service.
The subcommands live in `bot.runtime.commands`, each with its arguments and handler.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.runtime import setup  # noqa: F401 (tests/test_processes.py patches cli.setup.prepare)
from bot.runtime.commands import COMMANDS
from bot.runtime.commands.agents import with_agents_action
from bot.runtime.revisions import SchemaNotCurrent
from bot.runtime.settings import Settings


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(prog="csbot", description="csbot: customer service for a shop.")
    subcommands = built.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_to(subcommands)
    return built


def main(argv: Sequence[str] | None = None) -> int:
    """Run the subcommand. A database on another schema revision is refused here, for every
    command alike, with the command that fixes it (exit status 1, nothing changed)."""
    args = parser().parse_args(with_agents_action(list(sys.argv[1:] if argv is None else argv)))
    try:
        return args.handler(Settings.from_env(), args)
    except SchemaNotCurrent as exc:
        print(f"csbot {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

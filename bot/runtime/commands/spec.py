"""A subcommand declared in one place: its name, help, arguments and handler together, so the
parser and the code that runs cannot drift apart. `bot.runtime.cli` builds the parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.runtime.settings import Settings

Handler = Callable[[Settings, argparse.Namespace], int]


@dataclass(frozen=True)
class Argument:
    """What `add_argument` takes, kept until the parser is built."""

    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)

    def add_to(self, parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
        parser.add_argument(*self.flags, **self.options)


@dataclass(frozen=True)
class OneOf:
    """Arguments of which at most one may be given."""

    arguments: tuple[Argument, ...]

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group()
        for argument in self.arguments:
            argument.add_to(group)


def arg(*flags: str, **options: Any) -> Argument:
    return Argument(flags, options)


def one_of(*arguments: Argument) -> OneOf:
    return OneOf(arguments)


@dataclass(frozen=True)
class Command:
    """A subcommand: either a handler, or `actions` (sub-subcommands, chosen as `action`)."""

    name: str
    help: str
    handler: Handler | None = None
    arguments: tuple[Argument | OneOf, ...] = ()
    actions: tuple[Command, ...] = ()

    def __post_init__(self) -> None:
        if (self.handler is None) == (not self.actions):
            raise ValueError(f"command {self.name!r} needs a handler or actions, not both")

    def add_to(self, subparsers: argparse._SubParsersAction) -> None:
        parser = subparsers.add_parser(self.name, help=self.help)
        for argument in self.arguments:
            argument.add_to(parser)
        if self.handler is not None:
            parser.set_defaults(handler=self.handler)
            return
        actions = parser.add_subparsers(dest="action", required=True)
        for action in self.actions:
            action.add_to(actions)

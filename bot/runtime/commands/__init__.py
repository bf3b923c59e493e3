"""The `csbot` subcommands, grouped by topic; each declares its arguments and its handler
together (`spec.Command`). `COMMANDS` is the order `csbot --help` lists them in."""

from bot.runtime.commands.agents import AGENTS
from bot.runtime.commands.privacy import PRIVACY
from bot.runtime.commands.reports import KNOWLEDGE, REPORT, TICKETS
from bot.runtime.commands.run import LOG_CONSUMER, RUN, SEED, SHELL, TRAIN
from bot.runtime.commands.shop import CHECK, IMPORT, INIT
from bot.runtime.commands.spec import Command
from bot.runtime.commands.status import MIGRATE, STATUS
from bot.runtime.commands.tune import TUNE

COMMANDS: tuple[Command, ...] = (
    RUN,
    INIT,
    CHECK,
    IMPORT,
    STATUS,
    MIGRATE,
    LOG_CONSUMER,
    TRAIN,
    SEED,
    SHELL,
    KNOWLEDGE,
    TUNE,
    AGENTS,
    TICKETS,
    PRIVACY,
    REPORT,
)

__all__ = ["COMMANDS", "Command"]

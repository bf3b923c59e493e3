"""`csbot agents add|passwd`: console accounts, with passwords never on the command line."""

from __future__ import annotations

import argparse
import sys

from bot.runtime.commands.db import open_database
from bot.runtime.commands.spec import Command, arg, one_of
from bot.runtime.settings import Settings


class _NoPasswordOption(argparse.Action):
    """`--password PW` is refused: a command line is visible to every user of the machine
    (`ps`, /proc) and stays in the shell's history."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.error(
            "--password is not accepted: a password on the command line is visible to every "
            "user of this machine (ps) and kept in shell history. Leave it out to be prompted, "
            "or use --generate, or --password-stdin (e.g. from a secrets manager's pipe)"
        )


def _new_password(args: argparse.Namespace, username: str) -> tuple[str, bool]:
    """--generate makes one (to be shown), --password-stdin reads one line, else the
    operator types it twice."""
    import getpass

    from bot.support.agents import generate_password

    if args.generate:
        return generate_password(), True
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValueError("no password on standard input")
        return password, False
    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the passwords do not match")
    return first, False


def operator() -> str:
    """Who ran the command, as the admins' audit trail names them."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _add(services, args: argparse.Namespace, password: str):
    """A skill is a queue of the served shop (its tickets.yml): a misspelt one would leave
    the agent with an empty queue, so it is refused with the shop's queues."""
    skills = [s.strip() for s in args.skills.split(",") if s.strip()]
    queues = services.tickets.ticket_settings.queues
    unknown = [s for s in skills if s not in queues]
    if unknown:
        raise ValueError(
            f"no queue {', '.join(unknown)} in this shop; its queues: {', '.join(queues)}"
        )
    agent = services.agents.create(
        args.username, args.name, password, role=args.role, skills=skills
    )
    print(f"Added {agent.role} {agent.username} ({agent.name}), queues: {', '.join(skills) or '-'}")
    return agent


def _passwd(services, args: argparse.Namespace, password: str):
    """A new password ends every console session of the account; the audit trail says who."""
    agent, ended = services.agents.set_password(args.username, password)
    detail = {"account": agent.username, "by": "operator", "sessions_ended": ended}
    services.audit.record(operator(), "password", detail=detail)
    print(f"New password set for {agent.username}; {ended} console session(s) ended.")
    return agent


def _account_command(change):
    def handler(settings: Settings, args: argparse.Namespace) -> int:
        from bot.services import Services
        from bot.support.agents import AgentError

        try:
            password, show = _new_password(args, args.username)
            with open_database(settings) as engine:
                agent = change(Services.from_engine(engine), args, password)
        except (AgentError, ValueError) as exc:
            print(f"Cannot {args.action} {args.username}: {exc}", file=sys.stderr)
            return 1
        if show:
            print(f"Password for {agent.username} (shown this once): {password}")
        return 0

    return handler


_PASSWORD = (  # the password is prompted for unless one of these is given
    one_of(
        arg("--generate", action="store_true", help="random password, shown once"),
        arg("--password-stdin", action="store_true", help="read the password from standard input"),
    ),
    arg("--password", nargs="?", action=_NoPasswordOption, help=argparse.SUPPRESS),
)
AGENTS = Command(
    "agents",
    "console accounts: add, passwd",
    actions=(
        Command(
            "add",
            "add a console account (`agents add` may be left out)",
            _account_command(_add),
            (
                arg("username"),
                arg("name"),
                arg("--role", choices=["agent", "admin"], default="agent"),
                arg("--skills", default="", help="queues, comma-separated (orders,billing)"),
                *_PASSWORD,
            ),
        ),
        Command(
            "passwd",
            "set a new password (prompted) and end the account's console sessions",
            _account_command(_passwd),
            (arg("username"), *_PASSWORD),
        ),
    ),
)


ACTIONS = tuple(action.name for action in AGENTS.actions)


def with_agents_action(argv: list[str]) -> list[str]:
    """`csbot agents USER "Name"` (the older form) means `csbot agents add USER "Name"`."""
    if len(argv) > 1 and argv[0] == "agents" and argv[1] not in ACTIONS:
        if not argv[1].startswith("-"):
            argv.insert(1, "add")
    return argv

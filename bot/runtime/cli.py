"""The `csbot` command: run, train, seed, shell and the admin tools. The Makefile calls these.

Each subcommand parses its arguments and calls a service; the work happens in the service.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime import setup
from bot.runtime.private_files import UMASK, write_private
from bot.runtime.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C so the child processes are stopped too."""
    raise KeyboardInterrupt


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.webhooks import channel_lines
    from bot.runtime.processes import StackError, Supervisor, scale_out, start_stack
    from bot.runtime.settings import SettingsError
    from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_IN_TRANSIT

    os.umask(UMASK)  # the database, logs, model and secrets it creates: the owner's only
    scale = {"rasa_replicas": args.rasa_replicas, "action_workers": args.action_workers}
    try:
        scale_out(settings, args.rasa_replicas, args.action_workers)  # before any training
    except SettingsError as exc:
        print(f"csbot could not start: {exc}", file=sys.stderr)
        return 2
    prepared = setup.prepare(settings)
    print("==> Starting Rasa, the action server and the web app (this takes ~30 s)...")
    logs = settings.project_dir / "var" / "logs"
    try:
        stack = start_stack(settings, prepared.model, log_dir=logs, **scale)
    except StackError as exc:
        print(f"csbot could not start: {exc}. See the logs in {logs}/", file=sys.stderr)
        return 1
    print(
        f"\n  Chat page:      {stack.web_url}\n"
        f"  Agent console:  {stack.web_url}console  (passwords: `csbot agents passwd USER`)\n"
        f"{_rasa_lines(stack.rasa_urls)}"
        f"  Action server:  {stack.actions_url}{_workers(args.action_workers)}\n"
        f"  Logs:           {logs}/\n"
        f"{channel_lines(settings)}\n"
        f'  Try: "where is my order {DEMO_ORDER_IN_TRANSIT}?" with the email {DEMO_EMAIL}\n'
        "  Press Ctrl-C to stop everything. A process that dies is restarted (see\n"
        f"  {logs}/runner.log).\n",
        flush=True,
    )
    setup.print_passwords(prepared.new_passwords)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        failed = Supervisor(stack).watch()
        print(f"{failed} keeps crashing (see {logs}/{failed}.log); stopping.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n==> Stopping...")
        return 0
    finally:
        stack.stop()


def _rasa_lines(urls: Sequence[str]) -> str:
    if len(urls) == 1:
        return f"  Rasa server:    {urls[0]}\n"
    return "".join(f"  Rasa replica {i}: {url}\n" for i, url in enumerate(urls, 1))


def _workers(count: int) -> str:
    return f" ({count} workers)" if count > 1 else ""


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Are the processes answering, is the conversation log caught up, any dead letters?
    Exit status 1 when something needs attention."""
    from sqlalchemy.engine import make_url

    from bot.conversations.log_consumer import log_status
    from bot.runtime.database import create_schema, make_engine
    from bot.runtime.processes import health_urls, lock_store_config, responding

    problems = []
    print(f"database      {make_url(settings.database_url).render_as_string(hide_password=True)}")
    for name, url in health_urls(settings).items():
        up = responding(url)
        problems += [] if up else [f"{name} is not answering"]
        print(f"{name:<13} {'up' if up else 'DOWN':<5} {url.split('?', 1)[0]}")  # no token
    lock = lock_store_config(settings.redis_url)
    where = f"redis {lock['url']}:{lock['port']} db {lock['db']}" if lock["type"] == "redis" else ""
    print(f"lock store    {where or 'in memory (one Rasa process)'}")
    engine = make_engine(settings.database_url)
    create_schema(engine)
    health = asyncio.run(log_status(engine, settings.rabbitmq_url, settings.rabbitmq_queue))
    engine.dispose()
    lag = f", oldest {health.oldest_backlog_s:.0f}s old" if health.oldest_backlog_s else ""
    if health.broker is None:
        where = f"up to tracker event {health.position}; backlog {health.backlog} events{lag}"
    else:
        where = _queue_line(settings.rabbitmq_queue, health.backlog, health.consumers)
    print(f"log           {where}; {health.dead_letters} dead letters")
    if health.latest_dead_letter:
        print(f"              latest dead letter: {health.latest_dead_letter}")
    problems += health.problems(settings.log_backlog_limit)
    print("status        " + ("; ".join(problems) if problems else "ok"))
    return 1 if problems else 0


def _queue_line(queue: str, waiting: int | None, consumers: int | None) -> str:
    if waiting is None:
        return f"from RabbitMQ queue {queue}: RabbitMQ not answering"
    return f"from RabbitMQ queue {queue}: {waiting} events waiting, {consumers} consumer(s)"


def cmd_log_consumer(settings: Settings, args: argparse.Namespace) -> int:
    """Write the conversation log from RabbitMQ until SIGTERM or Ctrl-C (the production
    profile; `csbot run` starts and supervises it when CSBOT_RABBITMQ_URL is set)."""
    import logging

    from bot.conversations.log_consumer import run_consumer
    from bot.runtime.database import create_schema, make_engine
    from bot.runtime.processes import event_broker_config
    from bot.runtime.settings import SettingsError

    if not settings.rabbitmq_url:
        print("csbot log-consumer needs CSBOT_RABBITMQ_URL (amqp://...)", file=sys.stderr)
        return 2
    try:
        event_broker_config(settings.rabbitmq_url, settings.rabbitmq_queue)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = make_engine(settings.database_url)
    create_schema(engine)
    counts = run_consumer(engine, settings.rabbitmq_url, settings.rabbitmq_queue)
    engine.dispose()
    print("log consumer stopped: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    print(f"Model: {setup.rasa_model(settings, force=args.force)}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    setup.print_passwords(setup.seed_demo(settings))
    return 0


def cmd_knowledge(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeError

    if args.action == "build":
        try:
            setup.build_knowledge(settings, force=args.force)
        except KnowledgeError as exc:
            print(f"Cannot build the knowledge index: {exc}", file=sys.stderr)
            return 1
        return 0
    from bot.services import Services

    rows = Services.open(settings.database_url).unanswered.recent(args.limit)
    print(f"{len(rows)} most recent questions without a good answer:")
    for row in rows:
        score = f"{row.best_score:.2f}" if row.best_score is not None else "  - "
        print(f"{row.created_at:%Y-%m-%d %H:%M}  {score}  {row.outcome:<11}  {row.text}")
    return 0


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


def _operator() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _agents_add(services, args: argparse.Namespace, password: str):
    skills = [s.strip() for s in args.skills.split(",") if s.strip()]
    agent = services.agents.create(
        args.username, args.name, password, role=args.role, skills=skills
    )
    print(f"Added {agent.role} {agent.username} ({agent.name}), queues: {', '.join(skills) or '-'}")
    return agent


def _agents_passwd(services, args: argparse.Namespace, password: str):
    """A new password ends every console session of the account; the audit trail says who."""
    agent, ended = services.agents.set_password(args.username, password)
    detail = {"account": agent.username, "by": "operator", "sessions_ended": ended}
    services.audit.record(_operator(), "password", detail=detail)
    print(f"New password set for {agent.username}; {ended} console session(s) ended.")
    return agent


def cmd_agents(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import Services
    from bot.support.agents import AgentError

    action = _agents_passwd if args.action == "passwd" else _agents_add
    try:
        password, show = _new_password(args, args.username)
        services = Services.open(settings.database_url)
        try:
            agent = action(services, args, password)
        finally:
            services.engine.dispose()
    except (AgentError, ValueError) as exc:
        print(f"Cannot {args.action} {args.username}: {exc}", file=sys.stderr)
        return 1
    if show:
        print(f"Password for {agent.username} (shown this once): {password}")
    return 0


def cmd_tickets(settings: Settings, args: argparse.Namespace) -> int:
    """Add agents' corrections to the classifier's data, retrain it, report macro-F1."""
    from bot.runtime.database import create_schema, make_engine
    from bot.support.classifier import evaluate, training_tickets
    from bot.support.training_data import export_corrections
    from knowledge.embeddings import MiniLMEncoder

    engine = make_engine(settings.database_url)
    create_schema(engine)
    corrected = export_corrections(engine, settings.models_dir)
    tickets = training_tickets(settings.models_dir)
    print(f"{len(tickets)} labelled tickets ({corrected} from agents' corrections)")
    for target, scores in evaluate(MiniLMEncoder(), tickets).items():
        print(
            f"  {target:<9} macro-F1  csbot {scores['csbot']:.3f}   "
            f"TF-IDF+NB baseline {scores['baseline']:.3f}"
        )
    setup.ticket_classifier(settings)
    print("The action server uses the retrained classifier from its next start.")
    return 0


def _audit(engine: Engine, action: str, detail: dict) -> None:
    """An operator's export or deletion at the command line, in the admins' audit trail."""
    from bot.support.audit import record

    record(engine, _operator(), action, detail=detail)


def _after_file_changes(files: dict[str, int]) -> None:
    """What an operator runs next when customer lines left files that feed other things."""
    if files.get("faq_phrasings"):
        print("FAQ phrasings changed: run `csbot knowledge build`.", file=sys.stderr)
    if files.get("ticket_corrections"):
        print("Corrections changed: run `csbot tickets retrain`.", file=sys.stderr)


def _privacy_export(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot.privacy.customer_data import Files, audit_detail, export_customer

    data = json.dumps(export_customer(engine, args.email, files=Files.of(settings)), indent=2)
    _audit(engine, "export", audit_detail(args.email))
    if not args.out:
        print(data)
        return 0
    write_private(args.out, data + "\n")  # one customer's personal data: its owner's only
    print(f"Wrote {args.email}'s data to {args.out}")
    return 0


def _privacy_delete(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot.privacy.customer_data import Files, audit_detail, delete_customer

    if not args.yes and input(f"Type {args.email} again to delete its data: ") != args.email:
        print("Nothing deleted.", file=sys.stderr)
        return 1
    deletion = delete_customer(engine, args.email, files=Files.of(settings))
    _audit(engine, "delete", audit_detail(args.email, deletion))
    print(json.dumps(deletion.as_dict(), indent=2))
    _after_file_changes(deletion.files)
    return 0


def _privacy_purge(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    import json

    from bot.privacy.customer_data import Files, purge

    done = purge(engine, args.days or settings.retention_days, files=Files.of(settings))
    print(json.dumps(done.as_dict(), indent=2))
    _after_file_changes(done.files)
    return 0


def _privacy_requests(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from bot.privacy.models import Verification
    from bot.privacy.requests import DeletionRequests

    for r in DeletionRequests(engine).pending():
        verified = r.verification is not Verification.NOT_VERIFIED
        who = f"{r.email} ({'verified' if verified else 'NOT verified'})" if r.email else "-"
        print(f"#{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.conversation_id}  {who}")
    return 0


PRIVACY_ACTIONS = {
    "export": _privacy_export,
    "delete": _privacy_delete,
    "purge": _privacy_purge,
    "requests": _privacy_requests,
}


def cmd_privacy(settings: Settings, args: argparse.Namespace) -> int:
    """Export or delete one customer's data, purge old conversations, list requests. The
    functions return what they did; this prints it."""
    from bot.runtime.database import create_schema, make_engine

    if args.action in ("export", "delete") and not args.email:
        print(f"csbot privacy {args.action} needs the customer's EMAIL", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return PRIVACY_ACTIONS[args.action](engine, settings, args)


def _day(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-25") from None


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.conversations.metrics import agent_metrics, bot_metrics, report_range
    from bot.conversations.report import format_report
    from bot.runtime.database import create_schema, make_engine

    first = args.start.date() if args.start else None
    start, end = report_range(first, args.to.date() if args.to else None)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    agents, bot = agent_metrics(engine, start, end), bot_metrics(engine, start, end)
    print(format_report(agents, bot, start, end))
    return 0


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    """Chat in the terminal: an action server in the background plus `rasa shell`, whose
    own server listens on loopback only."""
    from bot.runtime.processes import action_server_command, secret_environment, write_endpoints
    from bot.runtime.training import rasa_environment

    os.umask(UMASK)
    prepared = setup.prepare(settings)
    setup.print_passwords(prepared.new_passwords)
    model = prepared.model
    env = {**rasa_environment(), **secret_environment(settings)}
    actions = subprocess.Popen(
        action_server_command(settings),
        cwd=settings.project_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoints = str(write_endpoints(settings))
    try:
        return subprocess.call(
            [
                sys.executable,
                "-m",
                "rasa",
                "shell",
                "--model",
                str(model),
                "--endpoints",
                endpoints,
                "--interface",
                "127.0.0.1",
            ],
            cwd=settings.project_dir,
            env=env,
        )
    finally:
        actions.terminate()
        actions.wait()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csbot", description="Kettle & Volt support bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="train if stale, start everything, print the URLs")
    run.add_argument(
        "--rasa-replicas",
        type=int,
        default=1,
        help="Rasa processes on consecutive ports from CSBOT_RASA_PORT (more than one needs "
        "CSBOT_REDIS_URL and a PostgreSQL CSBOT_DATABASE_URL)",
    )
    run.add_argument(
        "--action-workers", type=int, default=1, help="Sanic worker processes of the action server"
    )
    commands.add_parser("status", help="processes, conversation log backlog and dead letters")
    commands.add_parser("log-consumer", help="write the conversation log from RabbitMQ")
    train = commands.add_parser("train", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true", help="train even if up to date")
    commands.add_parser("seed", help="create the demo shop database if it is empty")
    commands.add_parser("shell", help="chat with the bot in the terminal")
    knowledge = commands.add_parser("knowledge", help="FAQ/product index tools")
    knowledge.add_argument("action", choices=["build", "unanswered"])
    knowledge.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    knowledge.add_argument("--limit", type=int, default=50, help="rows for 'unanswered'")
    agents = commands.add_parser("agents", help="console accounts: add, passwd")
    actions = agents.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a console account (`agents add` may be left out)")
    add.add_argument("username")
    add.add_argument("name")
    add.add_argument("--role", choices=["agent", "admin"], default="agent")
    add.add_argument("--skills", default="", help="queues, comma-separated (orders,billing)")
    passwd = actions.add_parser(
        "passwd", help="set a new password (prompted) and end the account's console sessions"
    )
    passwd.add_argument("username")
    for account in (add, passwd):  # the password is prompted for unless one of these is given
        given = account.add_mutually_exclusive_group()
        given.add_argument("--generate", action="store_true", help="random password, shown once")
        given.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        account.add_argument(
            "--password", nargs="?", action=_NoPasswordOption, help=argparse.SUPPRESS
        )
    tickets = commands.add_parser("tickets", help="ticket classifier tools")
    tickets.add_argument("action", choices=["retrain"])
    privacy = commands.add_parser("privacy", help="export or delete a customer's data, purge")
    privacy.add_argument("action", choices=list(PRIVACY_ACTIONS))
    privacy.add_argument("email", nargs="?", help="the customer's email (export, delete)")
    privacy.add_argument("--out", type=Path, help="export: write the JSON here, not stdout")
    privacy.add_argument("--yes", action="store_true", help="delete without asking again")
    privacy.add_argument(
        "--days", type=float, help="purge: conversations idle longer (default CSBOT_RETENTION_DAYS)"
    )
    report = commands.add_parser("report", help="agent and bot metrics over a date range")
    report.add_argument(
        "--from", dest="start", type=_day, help="YYYY-MM-DD (default: 29 days before --to)"
    )
    report.add_argument("--to", type=_day, help="YYYY-MM-DD (default: today)")
    return parser


HANDLERS = {
    "agents": cmd_agents,
    "tickets": cmd_tickets,
    "privacy": cmd_privacy,
    "report": cmd_report,
    "run": cmd_run,
    "status": cmd_status,
    "log-consumer": cmd_log_consumer,
    "train": cmd_train,
    "seed": cmd_seed,
    "shell": cmd_shell,
    "knowledge": cmd_knowledge,
}


AGENT_ACTIONS = ("add", "passwd")


def _with_agents_action(argv: Sequence[str]) -> list[str]:
    """`csbot agents USER "Name"` (the older form) means `csbot agents add USER "Name"`."""
    argv = list(argv)
    if len(argv) > 1 and argv[0] == "agents" and argv[1] not in AGENT_ACTIONS:
        if not argv[1].startswith("-"):
            argv.insert(1, "add")
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(_with_agents_action(sys.argv[1:] if argv is None else argv))
    return HANDLERS[args.command](Settings.from_env(), args)


if __name__ == "__main__":
    sys.exit(main())

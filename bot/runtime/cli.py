"""The `csbot` command: run, train, seed, shell and the admin tools. The Makefile calls these.

Each subcommand parses its arguments and calls a service; the work happens in the service.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime

from bot.runtime import setup
from bot.runtime.settings import Settings


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C so the child processes are stopped too."""
    raise KeyboardInterrupt


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime.processes import StackError, Supervisor, start_stack
    from bot.shop.demo_data import DEMO_EMAIL, DEMO_ORDER_IN_TRANSIT

    model = setup.prepare(settings)
    print("==> Starting Rasa, the action server and the web app (this takes ~30 s)...")
    logs = settings.project_dir / "var" / "logs"
    try:
        stack = start_stack(settings, model, log_dir=logs)
    except StackError as exc:
        print(f"csbot could not start: {exc}. See the logs in {logs}/", file=sys.stderr)
        return 1
    print(
        f"\n  Chat page:      {stack.web_url}\n"
        f"  Agent console:  {stack.web_url}console  (alex/sam, see README)\n"
        f"  Rasa server:    {settings.rasa_url}\n"
        f"  Action server:  {stack.actions_url}\n"
        f"  Logs:           {logs}/\n\n"
        f'  Try: "where is my order {DEMO_ORDER_IN_TRANSIT}?" with the email {DEMO_EMAIL}\n'
        "  Press Ctrl-C to stop everything. A process that dies is restarted (see\n"
        f"  {logs}/runner.log).\n",
        flush=True,
    )
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


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Are the processes answering, is the conversation log caught up, any dead letters?
    Exit status 1 when something needs attention."""
    from sqlalchemy.engine import make_url

    from bot.conversations.projection import log_health
    from bot.runtime.database import create_schema, make_engine
    from bot.runtime.processes import health_urls, lock_store_config, responding

    problems = []
    print(f"database      {make_url(settings.database_url).render_as_string(hide_password=True)}")
    for name, url in health_urls(settings).items():
        up = responding(url)
        problems += [] if up else [f"{name} is not answering"]
        print(f"{name:<13} {'up' if up else 'DOWN':<5} {url}")
    lock = lock_store_config(settings.redis_url)
    where = f"redis {lock['url']}:{lock['port']} db {lock['db']}" if lock["type"] == "redis" else ""
    print(f"lock store    {where or 'in memory (one Rasa process)'}")
    engine = make_engine(settings.database_url)
    create_schema(engine)
    health = log_health(engine)
    engine.dispose()
    lag = f", oldest {health.oldest_backlog_s:.0f}s old" if health.oldest_backlog_s else ""
    print(
        f"log           up to tracker event {health.position}; backlog {health.backlog} "
        f"events{lag}; {health.dead_letters} dead letters"
    )
    if health.latest_dead_letter:
        print(f"              latest dead letter: {health.latest_dead_letter}")
    problems += health.problems(settings.log_backlog_limit)
    print("status        " + ("; ".join(problems) if problems else "ok"))
    return 1 if problems else 0


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    print(f"Model: {setup.rasa_model(settings, force=args.force)}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    setup.seed_demo(settings)
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


def cmd_agents(settings: Settings, args: argparse.Namespace) -> int:
    import getpass

    from bot.services import Services
    from bot.support.agents import AgentError

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    skills = [s.strip() for s in args.skills.split(",") if s.strip()]
    try:
        agent = Services.open(settings.database_url).agents.create(
            args.username, args.name, password, role=args.role, skills=skills
        )
    except AgentError as exc:
        print(f"Cannot add the agent: {exc}", file=sys.stderr)
        return 1
    print(f"Added {agent.role} {agent.username} ({agent.name}), queues: {', '.join(skills) or '-'}")
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
    """Chat in the terminal: an action server in the background plus `rasa shell`."""
    from bot.runtime.processes import action_server_command, write_endpoints
    from bot.runtime.training import rasa_environment

    model = setup.prepare(settings)
    env = rasa_environment()
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
    commands.add_parser("run", help="train if stale, start everything, print the URLs")
    commands.add_parser("status", help="processes, conversation log backlog and dead letters")
    train = commands.add_parser("train", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true", help="train even if up to date")
    commands.add_parser("seed", help="create the demo shop database if it is empty")
    commands.add_parser("shell", help="chat with the bot in the terminal")
    knowledge = commands.add_parser("knowledge", help="FAQ/product index tools")
    knowledge.add_argument("action", choices=["build", "unanswered"])
    knowledge.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    knowledge.add_argument("--limit", type=int, default=50, help="rows for 'unanswered'")
    agents = commands.add_parser("agents", help="add a console account")
    agents.add_argument("username")
    agents.add_argument("name")
    agents.add_argument("--role", choices=["agent", "admin"], default="agent")
    agents.add_argument("--skills", default="", help="queues, comma-separated (orders,billing)")
    agents.add_argument("--password", help="prompted for when left out")
    tickets = commands.add_parser("tickets", help="ticket classifier tools")
    tickets.add_argument("action", choices=["retrain"])
    report = commands.add_parser("report", help="agent and bot metrics over a date range")
    report.add_argument(
        "--from", dest="start", type=_day, help="YYYY-MM-DD (default: 29 days before --to)"
    )
    report.add_argument("--to", type=_day, help="YYYY-MM-DD (default: today)")
    return parser


HANDLERS = {
    "agents": cmd_agents,
    "tickets": cmd_tickets,
    "report": cmd_report,
    "run": cmd_run,
    "status": cmd_status,
    "train": cmd_train,
    "seed": cmd_seed,
    "shell": cmd_shell,
    "knowledge": cmd_knowledge,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return HANDLERS[args.command](Settings.from_env(), args)


if __name__ == "__main__":
    sys.exit(main())

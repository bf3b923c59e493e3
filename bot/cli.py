"""The `csbot` command: run, train, seed, shell. The Makefile targets call these."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Sequence
from datetime import date

from bot.settings import Settings

DEMO_PASSWORD = "kettle-volt-demo"


def _seed(settings: Settings) -> None:
    import os

    from bot.demo_data import seed, seed_agents
    from bot.shop import Shop
    from knowledge.catalogue import load_products

    shop = Shop.open(settings.database_url)
    added = seed(shop.engine, load_products(settings.catalogue_path))
    if added:
        print(f"==> Demo shop database created: {added} customers ({settings.database_url})")
    password = os.environ.get("CSBOT_DEMO_PASSWORD", DEMO_PASSWORD)
    agents = seed_agents(shop.agents, password)
    if agents:
        print(f"==> Demo console accounts {', '.join(agents)} (password: {password})")
    shop.engine.dispose()


def _build_knowledge(settings: Settings, force: bool = False) -> None:
    from knowledge.index import MiniLMEncoder
    from knowledge.sources import Sources, build_all

    sources = Sources(catalogue=settings.catalogue_path)
    for name, manifest in build_all(settings.index_dir, MiniLMEncoder(), sources, force).items():
        if manifest is None:
            print(f"==> Knowledge index '{name}' is up to date.")
        else:
            print(
                f"==> Built knowledge index '{name}': {manifest.count} texts, "
                f"{manifest.docs} entries, {manifest.index_type}, version {manifest.content_hash}"
            )


def _ticket_classifier() -> None:
    """Train (or load) the ticket classifier now rather than on the first escalation."""
    from bot.classifier import default_classifier

    print("==> Ticket classifier ready:", type(default_classifier()).__name__)


def _train(settings: Settings, force: bool = False):
    from bot.training import ensure_model

    return ensure_model(settings.project_dir, settings.models_dir, force=force)


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C so the child processes are stopped too."""
    raise KeyboardInterrupt


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo_data import DEMO_EMAIL, DEMO_ORDER_IN_TRANSIT
    from bot.stack import StackError, start_stack

    _seed(settings)
    _build_knowledge(settings)
    _ticket_classifier()
    model = _train(settings)
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
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        died = stack.wait()
        print(f"{died} stopped unexpectedly (see {logs}/{died}.log); stopping.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n==> Stopping...")
        return 0
    finally:
        stack.stop()


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    print(f"Model: {_train(settings, force=args.force)}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    _seed(settings)
    return 0


def cmd_knowledge(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeError

    if args.action == "build":
        try:
            _build_knowledge(settings, force=args.force)
        except KnowledgeError as exc:
            print(f"Cannot build the knowledge index: {exc}", file=sys.stderr)
            return 1
        return 0
    from bot.shop import Shop

    rows = Shop.open(settings.database_url).unanswered.recent(args.limit)
    print(f"{len(rows)} most recent questions without a good answer:")
    for row in rows:
        score = f"{row.best_score:.2f}" if row.best_score is not None else "  - "
        print(f"{row.created_at:%Y-%m-%d %H:%M}  {score}  {row.outcome:<11}  {row.text}")
    return 0


def cmd_agents(settings: Settings, args: argparse.Namespace) -> int:
    import getpass

    from bot.agents import AgentError
    from bot.shop import Shop

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    skills = [s.strip() for s in args.skills.split(",") if s.strip()]
    try:
        agent = Shop.open(settings.database_url).agents.create(
            args.username, args.name, password, role=args.role, skills=skills
        )
    except AgentError as exc:
        print(f"Cannot add the agent: {exc}", file=sys.stderr)
        return 1
    print(f"Added {agent.role} {agent.username} ({agent.name}), queues: {', '.join(skills) or '-'}")
    return 0


def cmd_tickets(settings: Settings, args: argparse.Namespace) -> int:
    """Retrain the ticket classifier with agents' corrections and report macro-F1."""
    import csv

    from bot.classifier import corrections_dir, evaluate, load_labelled
    from bot.shop import Shop
    from knowledge.index import MiniLMEncoder

    corrections = Shop.open(settings.database_url).tickets.corrections()
    folder = corrections_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "corrections.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category", "priority"])
        writer.writerows((t.text, t.category, t.priority) for t in corrections)
    tickets = load_labelled() + load_labelled(folder)
    print(f"{len(tickets)} labelled tickets ({len(corrections)} from agents' corrections)")
    for target, scores in evaluate(MiniLMEncoder(), tickets).items():
        print(f"  {target:<9} macro-F1  csbot {scores['csbot']:.3f}   "
              f"TF-IDF+NB baseline {scores['baseline']:.3f}")  # fmt: skip
    print("The action server trains the updated classifier on its next start.")
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta

    from bot.db import create_schema, make_engine
    from bot.metrics import agent_metrics, bot_metrics, format_report

    end = datetime.strptime(args.to, "%Y-%m-%d") + timedelta(days=1)
    start = datetime.strptime(args.start, "%Y-%m-%d") if args.start else end - timedelta(days=31)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    report = format_report(
        agent_metrics(engine, start, end), bot_metrics(engine, start, end), start, end
    )
    print(report)
    return 0


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    """Chat in the terminal: an action server in the background plus `rasa shell`."""
    from bot.stack import write_endpoints
    from bot.training import rasa_environment

    _seed(settings)
    _build_knowledge(settings)
    model = _train(settings)
    env = rasa_environment()
    actions = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
         "--port", str(settings.actions_port)],
        cwd=settings.project_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return subprocess.call(
            [sys.executable, "-m", "rasa", "shell", "--model", str(model),
             "--endpoints", str(write_endpoints(settings))],
            cwd=settings.project_dir, env=env,
        )  # fmt: skip
    finally:
        actions.terminate()
        actions.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="csbot", description="Kettle & Volt support bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="train if stale, start everything, print the URLs")
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
    agents.add_argument(
        "--skills", default="", help="queues, comma-separated (e.g. orders,billing)"
    )
    agents.add_argument("--password", help="prompted for when left out")
    tickets = commands.add_parser("tickets", help="ticket classifier tools")
    tickets.add_argument("action", choices=["retrain"])
    report = commands.add_parser("report", help="agent and bot metrics over a date range")
    report.add_argument("--from", dest="start", help="YYYY-MM-DD (default: 31 days before --to)")
    report.add_argument(
        "--to", default=date.today().isoformat(), help="YYYY-MM-DD (default: today)"
    )
    args = parser.parse_args(argv)
    handlers = {
        "agents": cmd_agents,
        "tickets": cmd_tickets,
        "report": cmd_report,
        "run": cmd_run,
        "train": cmd_train,
        "seed": cmd_seed,
        "shell": cmd_shell,
        "knowledge": cmd_knowledge,
    }
    return handlers[args.command](Settings.from_env(), args)


if __name__ == "__main__":
    sys.exit(main())

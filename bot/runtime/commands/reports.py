"""What the log and the agents taught: `csbot knowledge`, `csbot tickets retrain` and
`csbot report`."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.runtime import setup
from bot.runtime.commands.db import open_database
from bot.runtime.commands.spec import Command, arg
from bot.runtime.settings import Settings


def cmd_knowledge(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeError

    if args.action == "build":
        try:
            setup.build_knowledge(settings, force=args.force)
        except KnowledgeError as exc:
            print(f"Cannot build the knowledge index: {exc}", file=sys.stderr)
            return 1
        return 0
    from bot.conversations.unanswered import UnansweredLog

    with open_database(settings, read_only=True) as engine:
        rows = UnansweredLog(engine).recent(args.limit)
    print(f"{len(rows)} most recent questions without a good answer:")
    for row in rows:
        score = f"{row.best_score:.2f}" if row.best_score is not None else "  - "
        print(f"{row.created_at:%Y-%m-%d %H:%M}  {score}  {row.outcome:<11}  {row.text}")
    return 0


def cmd_tickets(settings: Settings, args: argparse.Namespace) -> int:
    """Add agents' corrections to the served shop's classifier data, retrain it, report
    macro-F1."""
    from bot.pack.load import load_pack
    from bot.support.classifier import evaluate, training_tickets
    from bot.support.training_data import export_corrections
    from knowledge.embeddings import MiniLMEncoder

    pack = load_pack(settings.shop_dir)
    with open_database(settings) as engine:
        corrected = export_corrections(engine, settings.models_dir, pack)
    tickets = training_tickets(pack, settings.models_dir)
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
    from bot.conversations.analytics import AnalyticsService
    from bot.conversations.metrics import report_range
    from bot.conversations.report import format_report

    first = args.start.date() if args.start else None
    start, end = report_range(first, args.to.date() if args.to else None)
    with open_database(settings, read_only=True) as engine:
        figures = AnalyticsService(engine)
        agents, bot = figures.agent_metrics(start, end), figures.bot_metrics(start, end)
    print(format_report(agents, bot, start, end))
    return 0


KNOWLEDGE = Command(
    "knowledge",
    "FAQ/product index tools",
    cmd_knowledge,
    (
        arg("action", choices=["build", "unanswered"]),
        arg("--force", action="store_true", help="rebuild even if unchanged"),
        arg("--limit", type=int, default=50, help="rows for 'unanswered'"),
    ),
)
TICKETS = Command(
    "tickets", "ticket classifier tools", cmd_tickets, (arg("action", choices=["retrain"]),)
)
REPORT = Command(
    "report",
    "agent and bot metrics over a date range",
    cmd_report,
    (
        arg("--from", dest="start", type=_day, help="YYYY-MM-DD (default: 29 days before --to)"),
        arg("--to", type=_day, help="YYYY-MM-DD (default: today)"),
    ),
)

"""`csbot status`, which only looks, and `csbot migrate`, the one command that changes the
schema of a production database on purpose."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.runtime.commands.db import read_only_database
from bot.runtime.commands.spec import Command
from bot.runtime.database import current_revision
from bot.runtime.revisions import SchemaNotCurrent, head_revision, migrate, shown
from bot.runtime.settings import Settings


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Are the processes answering, is the conversation log caught up, any dead letters?
    Exit status 1 when something needs attention. Reads the database, never writes it."""
    from bot.runtime.rasa_config import lock_store_config
    from bot.runtime.stack import responding
    from bot.runtime.topology import health_urls

    problems = []
    print(f"database      {shown(settings.database_url)}")
    for name, url in health_urls(settings).items():
        up = responding(url)
        problems += [] if up else [f"{name} is not answering"]
        print(f"{name:<13} {'up' if up else 'DOWN':<5} {url.split('?', 1)[0]}")  # no token
    lock = lock_store_config(settings.redis_url)
    where = f"redis {lock['url']}:{lock['port']} db {lock['db']}" if lock["type"] == "redis" else ""
    print(f"lock store    {where or 'in memory (one Rasa process)'}")
    problems += _log(settings)
    print("status        " + ("; ".join(problems) if problems else "ok"))
    return 1 if problems else 0


def _log(settings: Settings) -> list[str]:
    """Print the schema (when not current) and the log's lines; return their problems."""
    from bot.conversations.log_consumer import log_status

    with read_only_database(settings) as engine:
        try:
            revision, head = current_revision(engine), head_revision()
            if revision != head:
                print(f"schema        {SchemaNotCurrent(settings.database_url, revision, head)}")
            if revision is None:
                return ["the database has no schema"]
            problems = []
            if revision != head:
                problems.append(f"the schema is at revision {revision}, not {head}")
            queue = settings.rabbitmq_queue
            health = asyncio.run(log_status(engine, settings.rabbitmq_url, queue))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc.__class__.__name__).splitlines()[0]
            print(f"log           unknown: the database cannot be read ({reason})")
            return ["the database cannot be read"]
    lag = f", oldest {health.oldest_backlog_s:.0f}s old" if health.oldest_backlog_s else ""
    if health.broker is None:
        where = f"up to tracker event {health.position}; backlog {health.backlog} events{lag}"
    else:
        where = _queue_line(settings.rabbitmq_queue, health.backlog, health.consumers)
    print(f"log           {where}; {health.dead_letters} dead letters")
    if health.latest_dead_letter:
        print(f"              latest dead letter: {health.latest_dead_letter}")
    return problems + health.problems(settings.log_backlog_limit)


def _queue_line(queue: str, waiting: int | None, consumers: int | None) -> str:
    if waiting is None:
        return f"from RabbitMQ queue {queue}: RabbitMQ not answering"
    return f"from RabbitMQ queue {queue}: {waiting} events waiting, {consumers} consumer(s)"


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Bring CSBOT_DATABASE_URL's schema to this csbot's head revision, saying from what."""
    from alembic.util import CommandError

    print(f"database      {shown(settings.database_url)}")
    try:
        before, after = migrate(settings.database_url)
    except (CommandError, SQLAlchemyError) as exc:
        print(f"csbot migrate failed: {exc}", file=sys.stderr)
        return 1
    if before == after:
        print(f"revision      {after} (up to date)")
    else:
        print(f"revision      {before or 'none'} -> {after}")
    return 0


STATUS = Command("status", "processes, conversation log backlog and dead letters", cmd_status)
MIGRATE = Command(
    "migrate", "bring the database's schema up to date (Alembic), print the revisions", cmd_migrate
)

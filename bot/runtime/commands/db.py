"""How a command reaches the database: one engine per command, disposed when it ends, on a
schema checked to be at head first.

No command but `csbot migrate` (and `csbot run`, `shell` and `seed`, for the embedded SQLite
database only: `bot.runtime.setup.database`) changes a schema: a production database's
migrations are an explicit step. Commands that only look open it read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from bot.runtime.database import make_engine, read_only_engine
from bot.runtime.revisions import require_head
from bot.runtime.settings import Settings


@contextmanager
def open_database(settings: Settings, read_only: bool = False) -> Iterator[Engine]:
    """The command's engine on CSBOT_DATABASE_URL once its schema is found at head
    (`SchemaNotCurrent` otherwise, before any engine or file is made); `read_only` for
    commands that only look (reports, lists), so a bug in one cannot write."""
    require_head(settings.database_url)
    engine = (read_only_engine if read_only else make_engine)(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def read_only_database(settings: Settings) -> Iterator[Engine]:
    """A read-only engine whatever the schema: for `csbot status`, which reports an old or
    missing schema among the rest instead of refusing."""
    engine = read_only_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()

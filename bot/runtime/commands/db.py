"""How a command reaches the database: one engine per command, disposed when it ends.

Commands that write bring the schema up to date first (`csbot run` keeps doing so for the
embedded SQLite default). `csbot status` opens it read-only: looking must never change a
production database, whose migrations are an explicit step (`csbot migrate`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

from bot.runtime.database import create_schema, make_engine
from bot.runtime.settings import Settings


@contextmanager
def open_database(settings: Settings, migrate: bool = True) -> Iterator[Engine]:
    """The command's engine on CSBOT_DATABASE_URL, its schema at head unless `migrate` is
    False."""
    engine = make_engine(settings.database_url)
    try:
        if migrate:
            create_schema(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def read_only_database(settings: Settings) -> Iterator[Engine]:
    """An engine the database refuses writes from: SQLite opened with mode=ro (a missing file
    is an error, not a new database), PostgreSQL in read-only transactions."""
    engine = read_only_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def read_only_engine(url: str) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = quote(str(Path(parsed.database)))
        parsed = parsed.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"})
        return create_engine(parsed, future=True)
    if backend == "postgresql":
        options = {"options": "-c default_transaction_read_only=on"}
        return create_engine(parsed, future=True, connect_args=options)
    return create_engine(parsed, future=True)


def shown(url: str) -> str:
    """The URL as commands print it: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision; None for a database never migrated. Reads only."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The revision this code's migrations end at."""
    from alembic.script import ScriptDirectory

    from bot.runtime.database import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()

"""The database: the engine (read-write, or read-only for commands that only look), and the
Alembic migrations that build the schema. Whether a schema is current, and the one explicit
step that migrates it, are `bot.runtime.revisions`.

SQLAlchemy 1.4 in the 2.0 style (`future=True`, `select()`), so an upgrade to 2.0 is painless.
SQLite by default, PostgreSQL by setting CSBOT_DATABASE_URL. Each part of the product keeps
its own models on the one declarative base (`bot.models_base`); `bot.schema` gathers them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import QueuePool

from bot.runtime.private_files import private_file, tighten

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000  # Rasa, the actions and the web app write the same file
RASA_TABLES = {"events", "sqlite_sequence"}  # Rasa's tracker store (and SQLite's AUTOINCREMENT)
SEARCH_OBJECTS = ("messages_fts", "ix_messages_fts")  # full-text search, made by raw SQL


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: Rasa's tables are not csbot's to create or drop, and the full-text
    search objects (SQLite's FTS5 table and its shadows, PostgreSQL's expression index) are
    made by migration 0007 in SQL no model describes."""
    if type_ == "table" and name in RASA_TABLES:
        return False
    return not (name or "").startswith(SEARCH_OBJECTS)


def _tune_sqlite(dbapi_connection, _record) -> None:
    """Foreign keys on; WAL so readers never block the writer; wait for a busy writer
    instead of failing at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine (and the SQLite file, 0600, in a 0700 folder if it makes one); callers
    own and dispose it."""
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    connect_args: dict = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000} if sqlite else {}
    pooling: dict = {}
    if sqlite and parsed.database not in (None, "", ":memory:"):
        # Raw events, customers' messages, password hashes: the owner's only. SQLite gives
        # the -wal and -shm files it creates the database file's mode.
        database = Path(parsed.database)
        private_file(database)
        for sidecar in ("-wal", "-shm", "-journal"):
            tighten(database.with_name(database.name + sidecar))
        # Keep connections open, as SQLAlchemy 2.0 does for SQLite files: 1.4 opens (and
        # tunes) a new one per session, a sixth of Rasa's busy time under load (see
        # benchmarks/README.md). The pool hands each connection to one thread at a time.
        pooling = {"poolclass": QueuePool}
        connect_args["check_same_thread"] = False
    engine = create_engine(
        url, future=True, pool_pre_ping=True, connect_args=connect_args, **pooling
    )
    if sqlite:
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def read_only_engine(url: str) -> Engine:
    """An engine the database refuses writes from: SQLite opened with mode=ro (a missing file
    is an error, not a new database), PostgreSQL in read-only transactions. For commands and
    checks that must leave a database as they found it."""
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


def alembic_config(url: str | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def create_schema(engine: Engine) -> None:
    """Bring the schema up to date with the Alembic migrations (a no-op when current). The
    product calls it only through `revisions.migrate`; tests build scratch schemas with it."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision; None for a database never migrated. Reads only."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

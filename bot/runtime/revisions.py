"""Is a database's schema the one this code was written for?

Migrating is an explicit step: `csbot migrate`, or `csbot run`'s set-up of the embedded SQLite
database (`bot.runtime.setup.database`). Every other process (the web app, the action server,
Rasa's tracker store, the log consumer, the CLI's commands) only checks the revision before it
starts and refuses to run on any other, with the command that fixes it. A process that
migrated on start would change a production database as a side effect of a restart, let two
replicas race to do it, and run a schema older than the code's against a half-applied
upgrade; refusing leaves the database as it found it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bot.runtime.database import (
    alembic_config,
    create_schema,
    current_revision,
    make_engine,
    read_only_engine,
)


class SchemaNotCurrent(RuntimeError):
    """The database is not at this code's head revision: nothing was changed, and the
    message names the command to run."""

    def __init__(self, url: str, revision: str | None, head: str) -> None:
        self.revision, self.head = revision, head
        super().__init__(
            f"the database at {shown(url)} is at revision {revision or 'none'}, "
            f"csbot needs {head}: run `csbot migrate`"
        )


def shown(url: str) -> str:
    """The URL as messages print it: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def embedded(url: str) -> bool:
    """A SQLite file: this checkout's own database, which nobody else migrates."""
    return make_url(url).get_backend_name() == "sqlite"


def head_revision() -> str:
    """The revision this code's migrations end at."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def stored_revision(url: str) -> str | None:
    """The schema's revision, read over a read-only connection; None for a database never
    migrated, or a SQLite file that does not exist (which is left not existing)."""
    parsed = make_url(url)
    if embedded(url) and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            return None
    engine = read_only_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def require_head(url: str) -> str:
    """The head revision, once `url`'s schema is checked to be at it; SchemaNotCurrent
    otherwise, having written nothing. A database that cannot be reached raises SQLAlchemy's
    error as it is: that is an outage (Rasa's tracker store retries it), not an old schema."""
    head = head_revision()
    revision = stored_revision(url)
    if revision != head:
        raise SchemaNotCurrent(url, revision, head)
    return head


def migrate(url: str) -> tuple[str | None, str]:
    """Bring `url`'s schema to head with the Alembic migrations; the revisions before and
    after. Only `csbot migrate`, the embedded database's set-up and scratch databases (tests,
    benchmarks) call this."""
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        create_schema(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    assert after is not None
    return before, after

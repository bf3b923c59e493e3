"""Alembic environment: csbot's models, and the URL from the caller or CSBOT_DATABASE_URL."""

from alembic import context
from sqlalchemy import create_engine

from bot.runtime.database import include_name
from bot.runtime.settings import Settings
from bot.schema import metadata

config = context.config
target_metadata = metadata()


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if (
        connection is not None
    ):  # called from bot.runtime.database.create_schema with an open connection
        context.configure(
            connection=connection, target_metadata=target_metadata, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), future=True)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

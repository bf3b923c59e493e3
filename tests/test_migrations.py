"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.runtime.database import create_schema, include_name, make_engine
from bot.schema import metadata


def test_migrations_match_the_models(db_url):
    engine = make_engine(db_url)
    create_schema(engine)
    create_schema(engine)  # running it again is a no-op
    with engine.connect() as connection:
        assert (
            compare_metadata(
                MigrationContext.configure(connection, opts={"include_name": include_name}),
                metadata(),
            )
            == []
        )
    engine.dispose()

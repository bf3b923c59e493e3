"""review workbench: conversation tags, message negativity, intent index, full-text search

SQLite gets an FTS5 table over messages.text kept in step by triggers; PostgreSQL a GIN
index on the text's tsvector (the expression `bot.conversations.search` queries).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "text, content='messages', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, coalesce(new.text, '')); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) "
    "VALUES ('delete', old.id, coalesce(old.text, '')); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) "
    "VALUES ('delete', old.id, coalesce(old.text, '')); "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, coalesce(new.text, '')); END",
    "INSERT INTO messages_fts(rowid, text) SELECT id, coalesce(text, '') FROM messages",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS messages_fts_update",
    "DROP TRIGGER IF EXISTS messages_fts_delete",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "DROP TABLE IF EXISTS messages_fts",
]
POSTGRES_FTS = (
    "CREATE INDEX ix_messages_fts ON messages "
    "USING gin (to_tsvector('english', coalesce(text, '')))"
)


def upgrade() -> None:
    op.create_table(
        "conversation_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=100), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "tag"),
    )
    op.create_index(
        "ix_conversation_tags_conversation_id", "conversation_tags", ["conversation_id"]
    )
    op.create_index("ix_conversation_tags_tag", "conversation_tags", ["tag"])
    op.add_column("messages", sa.Column("negativity", sa.Float(), nullable=True))
    op.create_index("ix_messages_intent", "messages", ["intent"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(POSTGRES_FTS)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_messages_fts")
    op.drop_index("ix_messages_intent", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("negativity")
    op.drop_index("ix_conversation_tags_tag", table_name="conversation_tags")
    op.drop_index("ix_conversation_tags_conversation_id", table_name="conversation_tags")
    op.drop_table("conversation_tags")

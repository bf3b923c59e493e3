"""the conversation log projects Rasa's tracker store: its cursor and dead letters

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00

The log used to be fed by an in-memory queue behind Rasa's event broker; it is now derived
from Rasa's SQL tracker store (table `events`, created by Rasa, not by these migrations).
`log_cursors` holds how far it has got; `dead_letters` the events it could not store.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    cursors = op.create_table(
        "log_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(cursors, [{"name": "conversation_log", "position": 0}])
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id"),
    )
    op.create_index(
        op.f("ix_dead_letters_conversation_id"), "dead_letters", ["conversation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dead_letters_conversation_id"), table_name="dead_letters")
    op.drop_table("dead_letters")
    op.drop_table("log_cursors")

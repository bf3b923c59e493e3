"""deletion requests a customer files with the bot and an admin confirms

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deletion_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_deletion_requests_conversation_id", "deletion_requests", ["conversation_id"]
    )
    op.create_index("ix_deletion_requests_created_at", "deletion_requests", ["created_at"])
    op.create_index("ix_deletion_requests_email", "deletion_requests", ["email"])


def downgrade() -> None:
    op.drop_index("ix_deletion_requests_email", table_name="deletion_requests")
    op.drop_index("ix_deletion_requests_created_at", table_name="deletion_requests")
    op.drop_index("ix_deletion_requests_conversation_id", table_name="deletion_requests")
    op.drop_table("deletion_requests")

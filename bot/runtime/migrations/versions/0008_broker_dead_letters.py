"""dead letters from RabbitMQ: a message has no tracker-store id, and a poison one no sender

With CSBOT_RABBITMQ_URL set, `csbot log-consumer` writes the log from Rasa's event broker
and keeps a message it cannot store in `dead_letters` like the projector does; such a
message has no `events.id`, and one that is not a Rasa event may not name a conversation.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters") as batch:
        batch.alter_column("source_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("conversation_id", existing_type=sa.String(length=255), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM dead_letters WHERE source_id IS NULL OR conversation_id IS NULL")
    with op.batch_alter_table("dead_letters") as batch:
        batch.alter_column("conversation_id", existing_type=sa.String(length=255), nullable=False)
        batch.alter_column("source_id", existing_type=sa.Integer(), nullable=False)

"""tickets keep the text they were classified from

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:00:00

The classifier's training export used to parse the customer's lines back out of the
summary; the ticket now stores that text. Existing tickets get it from their summary once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

tickets = sa.table(
    "tickets",
    sa.column("id", sa.Integer),
    sa.column("summary", sa.Text),
    sa.column("topic", sa.Text),
)


def _customer_lines(summary: str) -> str:
    return " ".join(
        line.split(": ", 1)[1] for line in summary.splitlines() if line.startswith("Customer: ")
    )


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("topic", sa.Text(), nullable=True))
    connection = op.get_bind()
    for ticket_id, summary in connection.execute(sa.select(tickets.c.id, tickets.c.summary)):
        connection.execute(
            tickets.update()
            .where(tickets.c.id == ticket_id)
            .values(topic=_customer_lines(summary or "") or None)
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("topic")

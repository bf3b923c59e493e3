"""deletion requests: how an admin checked the identity behind an unverified email

A request whose email was only typed in the chat deletes that email's data only once an
admin has written down how they made sure the person asking owns it; kept with the request.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deletion_requests") as batch:
        batch.add_column(sa.Column("identity_check", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deletion_requests") as batch:
        batch.drop_column("identity_check")

"""messages.faq_decision: an FAQ action's decision stored with its message

The FAQ actions now send their decision (answer, clarify, escalate) as the bot message's
metadata and the log stores it here; review, metrics and analytics read this column. Rows
logged before have none, so they get it once from the rule that used to read it out of the
reply's wording, which lives only here from now on:
- an answer cites its source ("\\n\\nSource: ...");
- a "did you mean" offers `/ask_knowledge` buttons (and is followed by the retrieval slots);
- any other bot message followed by the retrieval slots was the knowledge base giving up.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00

"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
# The values of `bot.conversations.models.Decision` when this was written; a migration
# keeps its own copy, so a later change to the Enum cannot change what it did.
ANSWER, CLARIFY, ESCALATE = "answer", "clarify", "escalate"

messages = sa.table(
    "messages",
    sa.column("id", sa.Integer),
    sa.column("sender", sa.String),
    sa.column("text", sa.Text),
    sa.column("buttons", sa.JSON),
    sa.column("retrieval", sa.JSON),
    sa.column("faq_decision", sa.String),
)


def decision_from_text(text: str | None, buttons: Any, retrieval: Any) -> str | None:
    """The old rule: what an FAQ action decided, read from its message's wording."""
    if "\nSource: " in (text or ""):
        return ANSWER
    if not retrieval:
        return None
    payloads = [str(b.get("payload", "")) for b in buttons or [] if isinstance(b, dict)]
    if any(p.startswith("/ask_knowledge") for p in payloads):
        return CLARIFY
    return ESCALATE


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("faq_decision", sa.String(length=10), nullable=True))
    connection = op.get_bind()
    last = 0
    while True:  # in pages of ids, so a long log is never read into memory at once
        rows = connection.execute(
            sa.select(messages.c.id, messages.c.text, messages.c.buttons, messages.c.retrieval)
            .where(messages.c.sender == "bot", messages.c.id > last)
            .order_by(messages.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        found = [
            {"row_id": row.id, "decision": decision}
            for row in rows
            if (decision := decision_from_text(row.text, row.buttons, row.retrieval))
        ]
        if found:
            connection.execute(
                messages.update()
                .where(messages.c.id == sa.bindparam("row_id"))
                .values(faq_decision=sa.bindparam("decision")),
                found,
            )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("faq_decision")

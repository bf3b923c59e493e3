"""Full-text search over message text: SQLite's FTS5 table or PostgreSQL's tsvector index.

Both are built by migration 0007; `matching_messages` returns the SQL condition "this
message matches the words" in the form each database can answer from its index. The
reviewer types plain words: each becomes a quoted term (all must appear, stems match), so
FTS5's query syntax (NEAR, column filters, bare quotes) never reaches the parser.
"""

from __future__ import annotations

import re

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from bot.conversations.models import Message

WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12


def terms(query: str) -> list[str]:
    """The words of a search box, lower-cased, at most MAX_TERMS."""
    return [w.lower() for w in WORD.findall(query)][:MAX_TERMS]


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression that needs every word, or None if there are no words."""
    words = terms(query)
    return " ".join(f'"{w}"' for w in words) if words else None


def matching_messages(engine: Engine, query: str) -> ColumnElement | None:
    """A condition on `Message` true for messages holding every word of `query`; None when
    the query has no words (no filter)."""
    words = terms(query)
    if not words:
        return None
    if engine.dialect.name == "postgresql":
        document = func.to_tsvector(
            literal_column("'english'"), func.coalesce(Message.text, literal_column("''"))
        )
        wanted = func.plainto_tsquery(literal_column("'english'"), " ".join(words))
        return document.op("@@")(wanted)
    if engine.dialect.name == "sqlite":
        hits = (
            select(literal_column("rowid"))
            .select_from(text("messages_fts"))
            .where(text("messages_fts MATCH :fts_query").bindparams(fts_query=fts5_query(query)))
        )
        return Message.id.in_(hits)
    pattern = f"%{' '.join(words)}%"  # another database: a plain substring search
    return func.lower(Message.text).like(pattern)

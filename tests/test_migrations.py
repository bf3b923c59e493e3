"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.runtime.database import create_schema, include_name, make_engine
from bot.schema import metadata
from knowledge.decision import Decision


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


def test_0011_gives_old_bot_messages_their_faq_decision_once_from_the_text(tmp_path):
    """Messages logged before the FAQ actions sent their decision get it from the old text
    rule, once; what is logged after comes from the actions' metadata."""
    from alembic import command
    from sqlalchemy import JSON, column, insert, select, table

    from bot.conversations.models import Conversation, LoggedEvent, Message
    from bot.runtime.database import alembic_config

    old_messages = table(  # as 0010 left it: no faq_decision
        "messages",
        *(column(name) for name in ("id", "conversation_id", "event_id", "sender", "text")),
        *(column("buttons", JSON), column("retrieval", JSON), column("created_at")),
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
    at = datetime(2026, 11, 1)
    clarify = [{"title": "Klarna", "payload": '/ask_knowledge{"faq_id":"faq:klarna"}'}]
    old = [  # sender, text, buttons, retrieval
        ("bot", "Yes.\n\nSource: FAQ 'paypal', knowledge ab", None, {"faq_best_score": 0.9}),
        ("bot", "Sorry about that.\n\nNo.\n\nSource: FAQ 'x'", None, None),
        ("bot", "Just to be sure, did you mean:", clarify, {"faq_best_score": 0.5}),
        ("bot", "Our payment methods are ...", None, {"faq_best_score": 0.1}),
        ("bot", "Hi! How can I help?", None, None),
        ("customer", "where is the\nSource: x", None, None),
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(Conversation.__table__),
            [{"id": "c", "status": "bot", "started_at": at, "last_activity_at": at}],
        )
        for seq, (sender, text, buttons, retrieval) in enumerate(old, 1):
            connection.execute(
                insert(LoggedEvent.__table__).values(
                    id=seq, conversation_id="c", seq=seq, type="bot", timestamp=0.0,
                    digest=str(seq), payload={},
                )
            )  # fmt: skip
            connection.execute(
                insert(old_messages),
                [{"id": seq, "conversation_id": "c", "event_id": seq, "sender": sender,
                  "text": text, "buttons": buttons, "retrieval": retrieval, "created_at": at}],
            )  # fmt: skip
    create_schema(engine)
    create_schema(engine)  # once: a current schema is left alone
    with engine.connect() as connection:
        found = connection.execute(select(Message.faq_decision).order_by(Message.id)).scalars()
        assert list(found) == [
            Decision.ANSWER,
            Decision.ANSWER,
            Decision.CLARIFY,
            Decision.ESCALATE,
            None,
            None,
        ]
    engine.dispose()

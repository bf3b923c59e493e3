"""`make bench-load` says whether csbot's conversation log kept every customer message: a
check that could not see a loss or a duplicate would hide the regression it is there for."""

from __future__ import annotations

from benchmarks.load import log_completeness
from bot.conversations.log import ConversationLog
from bot.runtime.database import create_schema, make_engine

ORDER = "where is my order 100234? my email is emma@example.com"


def said(sender: str, texts: list[str]) -> list[dict]:
    """The user events Rasa stores for `texts`, one second apart."""
    return [
        {
            "sender_id": sender,
            "event": "user",
            "text": text,
            "timestamp": 1_780_000_000.0 + i,
            "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": []},
        }
        for i, text in enumerate(texts)
    ]


def test_the_log_check_finds_missing_duplicated_and_reordered_messages(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    engine = make_engine(url)
    create_schema(engine)
    log = ConversationLog(engine)
    logged = {
        "whole": ["hi there", ORDER, "thanks"],  # the email redacted by the log: still whole
        "lost": ["hi there"],
        "twice": ["hi there", "hi there", "thanks"],
        "swapped": ["thanks", "hi there"],
    }
    for sender, texts in logged.items():
        for event in said(sender, texts):
            assert log.write(event)
    engine.dispose()
    sent = {
        "whole": ["hi there", ORDER, "thanks"],
        "lost": ["hi there", "thanks"],
        "twice": ["hi there", "thanks"],
        "swapped": ["hi there", "thanks"],
    }
    check = log_completeness(url, sent, wait_s=0)
    assert (check.sent, check.logged) == (9, 9)
    assert (check.missing, check.duplicated, check.out_of_order) == (1, 1, 1)

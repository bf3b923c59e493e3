"""`make bench-load` says whether csbot's conversation log kept every customer message: a
check that could not see a loss or a duplicate would hide the regression it is there for."""

from __future__ import annotations

from benchmarks.load import Phase, Result, log_completeness, skip_reason, verdict
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


def phase(latency_s: float, rate: float) -> Phase:
    """A concurrent phase of 100 messages all taking `latency_s`, at `rate` messages/s."""
    return Phase(conversations=50, latencies=[latency_s] * 100, wall_s=100 / rate)


def result(name: str, replicas: int, latency_s: float, rate: float) -> Result:
    return Result(name, replicas, phase(latency_s, 1.0), phase(latency_s, rate), {}, {})


def test_the_verdict_says_which_targets_are_met_and_which_are_not():
    rows = [
        result("peer", 1, 1.0, 40.0),
        result("csbot, 1 Rasa", 1, 1.2, 34.0),  # p50 1.2x, 0.85x the throughput: both met
        result("csbot, 2 Rasa", 2, 2.5, 44.0),  # 1.1x the throughput (<1.2x), p99 2.5x
    ]
    lines = verdict(rows).splitlines()
    assert "csbot, 1 Rasa: p50 1.20x, target <= 1.3x, met" in lines[1]
    assert "csbot, 1 Rasa: messages/s 0.85x, target >= 0.8x, met" in lines[2]
    assert "csbot, 2 Rasa: messages/s 1.10x, target >= 1.2x, NOT met" in lines[3]
    assert "csbot, 2 Rasa: p99 2.50x, target < 2.0x, NOT met" in lines[5]


def test_a_second_replica_without_postgres_and_redis_is_skipped_with_the_reason():
    assert skip_reason(1, None, None) is None
    assert "CSBOT_REDIS_URL" in skip_reason(2, "postgresql://x/y", None)
    assert skip_reason(2, "postgresql://x/y", "redis://127.0.0.1:6379/0") is None

"""The `csbot` command's account and report subcommands, on a scratch database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.runtime.cli import main
from bot.services import Services


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CSBOT_DATABASE_URL", url)
    return url


def test_agents_add_creates_a_login(database, capsys):
    assert (
        main(
            [
                "agents",
                "robin",
                "Robin Hale",
                "--skills",
                "orders,care",
                "--password",
                "long enough pw",
            ]
        )
        == 0
    )
    assert "Added agent robin" in capsys.readouterr().out
    assert Services.open(database).agents.authenticate("robin", "long enough pw").skills == (
        "orders",
        "care",
    )
    assert main(["agents", "robin", "Robin", "--password", "long enough pw"]) == 1
    assert "username 'robin' is taken" in capsys.readouterr().err


def test_report_prints_bot_and_agent_sections(database, capsys):
    assert main(["report", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "csbot report 2026-11-01 .. 2026-11-30" in out
    assert "containment rate" in out and "Agents" in out


def test_report_defaults_to_the_same_thirty_days_as_the_console(database, capsys):
    from bot.conversations.metrics import report_range

    start, end = report_range()
    assert main(["report"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == f"csbot report {start:%Y-%m-%d} .. {end - timedelta(days=1):%Y-%m-%d}"


def test_report_refuses_a_malformed_date(database, capsys):
    with pytest.raises(SystemExit):
        main(["report", "--from", "27/11/2026"])
    assert "is not a date like 2026-11-25" in capsys.readouterr().err


def test_status_reports_processes_backlog_and_dead_letters(database, capsys, monkeypatch):
    from bot.conversations.projection import LogProjector
    from bot.runtime.database import make_engine
    from tests.test_conversation_log import poison, rasa_events, tracker_rows

    for name in ("CSBOT_WEB_PORT", "CSBOT_RASA_PORT", "CSBOT_ACTIONS_PORT"):
        monkeypatch.setenv(name, "9")  # nothing listens there
    monkeypatch.setenv("CSBOT_LOG_BACKLOG_LIMIT", "5")
    engine = make_engine(database)
    Services.open(database)
    tracker_rows(engine, [poison()])
    assert LogProjector(engine).catch_up(timeout=20)
    tracker_rows(engine, rasa_events("c1"))
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "rasa          DOWN  http://127.0.0.1:9/status" in out
    assert "lock store    in memory (one Rasa process)" in out
    assert "log           up to tracker event 1; backlog 8 events" in out
    assert "1 dead letters" in out
    assert "latest dead letter: event 1 (bot) of conversation poison: IntegrityError" in out
    assert "status        actions is not answering; rasa is not answering; web is not" in out
    assert "log backlog 8 events (limit 5)" in out
    engine.dispose()

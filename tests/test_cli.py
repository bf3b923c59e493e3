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

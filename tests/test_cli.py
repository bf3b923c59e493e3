"""The `csbot` command's account and report subcommands, on a scratch database."""

from __future__ import annotations

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

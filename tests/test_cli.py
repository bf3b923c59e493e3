"""The `csbot` command's account, report, status and migrate subcommands, on a scratch
database."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from bot.runtime.cli import main
from bot.runtime.revisions import head_revision, migrate
from bot.services import Services


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """CSBOT_DATABASE_URL naming a database nobody has migrated (no file yet)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CSBOT_DATABASE_URL", url)
    return url


@pytest.fixture
def database(fresh):
    """CSBOT_DATABASE_URL naming a database `csbot migrate` brought to head."""
    migrate(fresh)
    return fresh


def test_agents_add_creates_a_login(database, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pw\n"))
    added = ["agents", "robin", "Robin Hale", "--skills", "orders,care", "--password-stdin"]
    assert main(added) == 0
    assert "Added agent robin" in capsys.readouterr().out
    assert Services.open(database).agents.authenticate("robin", "long enough pw").skills == (
        "orders",
        "care",
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pw\n"))
    assert main(["agents", "robin", "Robin", "--password-stdin"]) == 1
    assert "username 'robin' is taken" in capsys.readouterr().err


def test_agents_add_refuses_a_skill_that_is_not_a_queue_of_the_shop(database, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pw\n"))
    added = ["agents", "robin", "Robin", "--skills", "orders,repairs", "--password-stdin"]
    assert main(added) == 1
    err = capsys.readouterr().err
    assert "no queue repairs in this shop; its queues: orders, returns" in err
    assert Services.open(database).agents.all() == []


@pytest.mark.parametrize(
    "argv",
    [
        ["agents", "add", "robin", "Robin", "--password", "long enough pw"],
        ["agents", "robin", "Robin", "--password=long enough pw"],
        ["agents", "passwd", "robin", "--password", "long enough pw"],
    ],
)
def test_a_password_on_the_command_line_is_refused(database, capsys, argv):
    """Every user of the machine sees a command line (ps)."""
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "--password is not accepted" in err and "visible to every user" in err
    assert "--password-stdin" in err
    assert Services.open(database).agents.authenticate("robin", "long enough pw") is None


def test_an_empty_standard_input_is_no_password(database, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["agents", "robin", "Robin", "--password-stdin"]) == 1
    assert "no password on standard input" in capsys.readouterr().err


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


@pytest.fixture
def robin(database):
    """An account with a known password and one live console session."""
    services = Services.open(database)
    services.agents.create("robin", "Robin Hale", "long enough pw")
    token = services.sessions.open(services.agents.authenticate("robin", "long enough pw").id)
    yield services, token
    services.engine.dispose()


def test_agents_passwd_generate_shows_a_new_password_once_and_ends_sessions(robin, capsys):
    services, token = robin
    assert main(["agents", "passwd", "robin", "--generate"]) == 0
    out = capsys.readouterr().out
    assert "New password set for robin; 1 console session(s) ended." in out
    password = re.search(r"Password for robin \(shown this once\): (\S+)", out).group(1)
    assert len(password) >= 16
    assert services.agents.authenticate("robin", password) is not None
    assert services.agents.authenticate("robin", "long enough pw") is None
    assert services.sessions.agent_for(token) is None
    (entry,), _ = services.audit.page(action="password")
    assert entry.actor.startswith("cli:") and entry.detail["account"] == "robin"


def test_agents_passwd_prompts_twice(robin, capsys, monkeypatch):
    services, token = robin
    typed = iter(["typed new secret", "typed new secret"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    assert main(["agents", "passwd", "robin"]) == 0
    assert "shown this once" not in capsys.readouterr().out  # the operator typed it
    assert services.agents.authenticate("robin", "typed new secret") is not None

    typed = iter(["one new secret", "another new secret"])
    assert main(["agents", "passwd", "robin"]) == 1
    assert "do not match" in capsys.readouterr().err
    assert services.agents.authenticate("robin", "typed new secret") is not None


def test_agents_passwd_of_an_unknown_account_fails_clearly(database, capsys):
    assert main(["agents", "passwd", "nobody", "--generate"]) == 1
    captured = capsys.readouterr()
    assert "there is no account 'nobody'" in captured.err
    assert "shown this once" not in captured.out


def test_agents_add_can_generate_the_password(database, capsys):
    assert main(["agents", "add", "kim", "Kim Park", "--role", "admin", "--generate"]) == 0
    password = re.search(r"Password for kim \(shown this once\): (\S+)", capsys.readouterr().out)
    assert Services.open(database).agents.authenticate("kim", password.group(1)).is_admin


def test_status_reports_processes_backlog_and_dead_letters(database, capsys, monkeypatch):
    from bot.conversations.projection import LogProjector
    from bot.runtime.database import make_engine
    from tests.test_conversation_log import poison, rasa_events, tracker_rows

    for name in ("CSBOT_WEB_PORT", "CSBOT_RASA_PORT", "CSBOT_ACTIONS_PORT"):
        monkeypatch.setenv(name, "9")  # nothing listens there
    monkeypatch.setenv("CSBOT_LOG_BACKLOG_LIMIT", "5")
    engine = make_engine(database)
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


def test_status_with_rabbitmq_reports_the_queue_not_a_cursor(fresh, capsys, monkeypatch):
    for name in ("CSBOT_WEB_PORT", "CSBOT_RASA_PORT", "CSBOT_ACTIONS_PORT"):
        monkeypatch.setenv(name, "9")  # nothing listens there
    monkeypatch.setenv("CSBOT_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:9/")
    assert main(["migrate"]) == 0
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "log           from RabbitMQ queue csbot_log: RabbitMQ not answering; 0 dead" in out
    assert "RabbitMQ is not answering (the log's queue is unknown)" in out


@pytest.mark.parametrize(
    ("url", "error"),
    [("", "needs CSBOT_RABBITMQ_URL"), ("rabbit://mq", "CSBOT_RABBITMQ_URL must look like")],
)
def test_log_consumer_refuses_to_start_without_a_good_rabbitmq_url(
    database, capsys, monkeypatch, url, error
):
    monkeypatch.setenv("CSBOT_RABBITMQ_URL", url)
    assert main(["log-consumer"]) == 2
    assert error in capsys.readouterr().err


def _tables(url: str) -> set[str]:
    from bot.runtime.database import make_engine

    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _nothing_listens(monkeypatch) -> None:
    for name in ("CSBOT_WEB_PORT", "CSBOT_RASA_PORT", "CSBOT_ACTIONS_PORT"):
        monkeypatch.setenv(name, "9")


def test_migrate_brings_a_fresh_database_to_head_and_says_from_what(fresh, capsys):
    head = head_revision()
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert f"database      {fresh}" in out
    assert f"revision      none -> {head}" in out
    assert {"alembic_version", "tickets", "dead_letters"} <= _tables(fresh)
    assert main(["migrate"]) == 0
    assert f"revision      {head} (up to date)" in capsys.readouterr().out


def test_migrate_upgrades_an_older_schema_from_its_revision(fresh, capsys):
    from bot.runtime.database import alembic_config

    command.upgrade(alembic_config(fresh), "0009")
    assert main(["migrate"]) == 0
    assert f"revision      0009 -> {head_revision()}" in capsys.readouterr().out
    assert "webhook_deliveries" in _tables(fresh)


def test_migrate_refuses_a_schema_newer_than_this_csbot(fresh, capsys):
    path = Path(fresh.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('9999')")
    assert main(["migrate"]) == 1
    assert "csbot migrate failed" in capsys.readouterr().err
    assert _tables(fresh) == {"alembic_version"}


def test_status_on_a_fresh_empty_database_creates_no_tables(fresh, capsys, monkeypatch):
    """Looking is not migrating: a production database changes only by `csbot migrate`."""
    _nothing_listens(monkeypatch)
    path = Path(fresh.removeprefix("sqlite:///"))
    path.touch()
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert (
        f"schema        the database at {fresh} is at revision none, csbot needs "
        f"{head_revision()}: run `csbot migrate`"
    ) in out
    assert "the database has no schema" in out
    assert path.stat().st_size == 0
    assert _tables(fresh) == set()


def test_status_creates_no_database_file(fresh, capsys, monkeypatch):
    _nothing_listens(monkeypatch)
    assert main(["status"]) == 1
    assert "the database cannot be read" in capsys.readouterr().out
    assert not Path(fresh.removeprefix("sqlite:///")).exists()


def test_status_reports_an_older_schema_and_leaves_it(fresh, capsys, monkeypatch):
    from bot.runtime.database import alembic_config

    _nothing_listens(monkeypatch)
    command.upgrade(alembic_config(fresh), "0009")
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert f"is at revision 0009, csbot needs {head_revision()}: run `csbot migrate`" in out
    assert f"the schema is at revision 0009, not {head_revision()}" in out
    assert "webhook_deliveries" not in _tables(fresh)


@pytest.mark.parametrize(
    "argv",
    [
        ["agents", "add", "robin", "Robin", "--generate"],
        ["report"],
        ["knowledge", "unanswered"],
        ["privacy", "requests"],
        ["privacy", "purge", "--days", "30"],
    ],
)
def test_a_command_on_an_unmigrated_database_refuses_and_changes_nothing(fresh, capsys, argv):
    """Only `csbot migrate` changes a schema: every other command names it and stops, with
    exit status 1, before making a database file or a table."""
    path = Path(fresh.removeprefix("sqlite:///"))
    path.touch()  # an empty database, as a new PostgreSQL database would be
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"csbot {argv[0]}: the database at {fresh} is at revision none, csbot needs "
        f"{head_revision()}: run `csbot migrate`\n"
    )
    assert "shown this once" not in captured.out
    assert path.stat().st_size == 0 and _tables(fresh) == set()


def test_a_command_on_an_older_schema_refuses_and_migrate_then_lets_it_run(fresh, capsys):
    from bot.runtime.database import alembic_config

    command.upgrade(alembic_config(fresh), "0009")
    assert main(["report"]) == 1
    assert f"is at revision 0009, csbot needs {head_revision()}" in capsys.readouterr().err
    assert "webhook_deliveries" not in _tables(fresh)
    assert main(["migrate"]) == 0
    assert main(["report"]) == 0
    assert "containment rate" in capsys.readouterr().out


def test_a_command_creates_no_database_file(fresh, capsys):
    assert main(["knowledge", "unanswered"]) == 1
    assert "is at revision none" in capsys.readouterr().err
    assert not Path(fresh.removeprefix("sqlite:///")).exists()


def test_read_only_commands_open_the_database_read_only(database, monkeypatch):
    """`csbot report`, `knowledge unanswered` and `privacy requests` only look: the database
    refuses a write from them (SQLite mode=ro)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from bot.runtime.commands import db
    from bot.runtime.settings import Settings

    with db.open_database(Settings.from_env(), read_only=True) as engine:
        with pytest.raises(OperationalError, match="readonly"), engine.begin() as connection:
            connection.execute(text("DELETE FROM tickets"))


def test_the_action_server_refuses_an_unmigrated_database(fresh):
    from bot.runtime import action_server

    with pytest.raises(SystemExit) as refused:
        action_server.main(["--port", "9"])
    assert str(refused.value) == (
        f"csbot's action server cannot start: the database at {fresh} is at revision none, "
        f"csbot needs {head_revision()}: run `csbot migrate`"
    )
    assert not Path(fresh.removeprefix("sqlite:///")).exists()


def test_csbot_seed_sets_up_the_embedded_database_itself(fresh, capsys, monkeypatch):
    """The embedded SQLite file is this checkout's own: `csbot run`, `shell` and `seed` bring
    it to head themselves (a database server's schema is only checked, see below)."""
    from bot.runtime import setup
    from bot.runtime.settings import Settings

    setup.database(Settings.from_env())
    assert f"revision none -> {head_revision()}" in capsys.readouterr().out
    setup.database(Settings.from_env())  # current: nothing to say
    assert capsys.readouterr().out == ""


def test_csbot_run_on_an_unmigrated_database_server_refuses_before_training(
    postgres, capsys, monkeypatch
):
    """A database server is its operator's: `csbot run` does not migrate it on the way up."""
    from bot.runtime import cli

    name = postgres.create()
    try:
        monkeypatch.setenv("CSBOT_DATABASE_URL", postgres.url_of(name))
        monkeypatch.setattr(cli.setup, "build_knowledge", lambda *a: pytest.fail("went on"))
        assert cli.main(["run"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"csbot run: the database at {postgres.url_of(name)} is at")
        assert err.endswith(
            f"is at revision none, csbot needs {head_revision()}: run `csbot migrate`\n"
        )
    finally:
        postgres.drop(name)


def test_the_refusal_names_the_database_without_its_password():
    from bot.runtime.revisions import SchemaNotCurrent

    refusal = SchemaNotCurrent("postgresql://csbot:s3cret@db/shop", "0009", "0011")
    assert str(refusal) == (
        "the database at postgresql://csbot:***@db/shop is at revision 0009, csbot needs 0011: "
        "run `csbot migrate`"
    )

"""Files holding secrets or customer data are their owner's only: the SQLite database (and
its -wal and -shm), the logs and their folder, the secret key and tokens, the endpoints
file, the classifier's corrections and a privacy export; created 0600 (folders 0700) from
the start, never written open and chmod'ed afterwards, whatever the umask."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.runtime.database import create_schema, make_engine
from bot.runtime.rasa_config import write_endpoints
from bot.runtime.settings import Settings
from bot.runtime.stack import Stack, _start
from bot.runtime.tokens import stored_secret
from bot.support.training_data import export_corrections
from bot.web.security import secret_key
from tests.packs import KV


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask most machines have (022): what `csbot` met before it set its own."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def no_chmod(monkeypatch):
    """A file made readable and then chmod'ed was everyone's in between: forbid the chmod
    (tightening a file from before stays possible, through `private_files.tighten`)."""

    def refused(*args, **kwargs):
        raise AssertionError("written with the default mode, then chmod'ed")

    monkeypatch.setattr(Path, "chmod", refused)


def test_the_database_and_its_wal_and_shm_are_the_owners_only(tmp_path):
    path = tmp_path / "var" / "csbot.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        create_schema(engine)
        with engine.begin() as connection:  # a write, so the -wal and -shm exist
            connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
            wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
            assert wal.exists() and shm.exists()
            assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        engine.dispose()
    assert mode(path.parent) == 0o700  # the folder it made


def test_a_database_from_before_is_tightened(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    path = folder / "csbot.db"
    make_engine(f"sqlite:///{path}").dispose()
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600
    assert mode(folder) == 0o755  # a folder it did not make is left alone


def test_the_secret_key_and_tokens_are_created_0600_not_chmod_ed(tmp_path, no_chmod):
    var = tmp_path / "var"
    key = secret_key(var, None)
    assert len(key) == 32 and mode(var / "secret.key") == 0o600
    assert secret_key(var, None) == key  # kept
    stored_secret(var, "rasa.token")
    assert mode(var / "rasa.token") == 0o600
    assert [p.name for p in var.iterdir() if p.name.startswith(".")] == []  # no temporaries


def test_the_endpoints_file_is_created_0600_not_chmod_ed(tmp_path, no_chmod):
    settings = dataclasses.replace(Settings.from_env({}), project_dir=tmp_path)
    assert mode(write_endpoints(settings)) == 0o600


def test_logs_their_folder_and_what_the_processes_create_are_private(tmp_path):
    logs = tmp_path / "var" / "logs"
    settings = dataclasses.replace(Settings.from_env({}), project_dir=tmp_path)
    made = tmp_path / "made-by-the-process.txt"
    command = [sys.executable, "-c", f"print('hello'); open({str(made)!r}, 'w').write('x')"]
    _start(command, settings, dict(os.environ), logs, "web").wait(30)
    Stack(settings, log_dir=logs).note("web started")
    assert mode(logs) == 0o700
    assert (mode(logs / "web.log"), mode(logs / "runner.log")) == (0o600, 0o600)
    assert (logs / "web.log").read_text() == "hello\n"
    assert mode(made) == 0o600  # the process's umask


def test_logs_and_their_folder_from_before_are_tightened(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o755)
    (logs / "runner.log").write_text("an old line\n")
    (logs / "runner.log").chmod(0o644)
    settings = dataclasses.replace(Settings.from_env({}), project_dir=tmp_path)
    Stack(settings, log_dir=logs).note("a new line")
    assert (mode(logs), mode(logs / "runner.log")) == (0o700, 0o600)
    assert (logs / "runner.log").read_text().startswith("an old line\n")


def test_the_classifiers_corrections_are_the_owners_only(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'csbot.db'}")
    try:
        create_schema(engine)
        export_corrections(engine, tmp_path / "models", KV)
    finally:
        engine.dispose()
    (csv,) = (tmp_path / "models").rglob("corrections-*.csv")
    assert mode(csv) == 0o600


def test_a_privacy_export_over_an_existing_file_is_the_owners_only(tmp_path, monkeypatch):
    from bot.runtime.cli import main

    monkeypatch.setenv("CSBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    out = tmp_path / "export.json"
    out.write_text("an older export\n")
    out.chmod(0o644)
    assert main(["privacy", "export", "someone@example.com", "--out", str(out)]) == 0
    assert mode(out) == 0o600 and "someone@example.com" in out.read_text()

"""The embedded SQLite database is shared by three processes: WAL and a busy timeout."""

from __future__ import annotations

import threading

from sqlalchemy import text

from bot.runtime.database import SQLITE_BUSY_TIMEOUT_MS, make_engine


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'csbot.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_a_writer_waits_for_another_processs_write_instead_of_failing(tmp_path):
    url = f"sqlite:///{tmp_path / 'csbot.db'}"
    first, second = make_engine(url), make_engine(url)  # two processes' engines
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    holding = threading.Event()

    def hold_the_write_lock() -> None:
        with first.begin() as connection:
            connection.execute(text("INSERT INTO notes VALUES ('first')"))
            holding.set()
            threading.Event().wait(0.5)  # a slow transaction elsewhere

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    holding.wait()
    with second.begin() as connection:  # without a busy timeout: "database is locked"
        connection.execute(text("INSERT INTO notes VALUES ('second')"))
    writer.join()
    with second.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 2
    first.dispose()
    second.dispose()

"""csbot's action server runs the actions package's warm_up() once it listens, in a thread:
/health answers at once and the first customer does not wait for MiniLM and the index."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.runtime.database import create_schema, make_engine

ROOT = Path(__file__).parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_action_server_warms_up_once_it_listens(tmp_path):
    """Over a package whose warm_up() only leaves its process id in a file."""
    port, marker = _free_port(), tmp_path / "warmed"
    database = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = make_engine(database)
    create_schema(engine)  # the server starts only on a current schema
    engine.dispose()
    env = {**os.environ, "CSBOT_ACTIONS_SECRET": "s3cret", "CSBOT_TEST_WARM_FILE": str(marker)}
    env["CSBOT_DATABASE_URL"] = database
    command = [sys.executable, "-m", "bot.runtime.action_server", "--actions", "tests.warm_actions"]
    log = (tmp_path / "actions.log").open("w")
    server = subprocess.Popen(
        [*command, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            alive = server.poll() is None and time.monotonic() < deadline
            assert alive, (tmp_path / "actions.log").read_text()[-3000:]
            time.sleep(0.1)
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).ok
        assert marker.read_text() == str(server.pid)  # by the server process itself
    finally:
        server.terminate()
        server.wait(15)
        log.close()

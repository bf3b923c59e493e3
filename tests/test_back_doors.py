"""Rasa and the action server are not back doors: they listen on loopback and refuse every
call without their token/secret; the secrets live in var/ (or the environment) and never on
a command line."""

from __future__ import annotations

import dataclasses
import os
import socket
import stat
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import requests
import yaml

from bot.runtime.rasa_config import write_endpoints
from bot.runtime.revisions import migrate
from bot.runtime.settings import Settings
from bot.runtime.tokens import actions_secret, rasa_token, stored_secret
from bot.runtime.topology import stack_commands

ROOT = Path(__file__).parents[1]


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"CSBOT_PROJECT_DIR": str(tmp_path), **env})


def test_secrets_are_generated_once_into_var_readable_by_the_owner_only(tmp_path):
    settings = _settings(tmp_path)
    token, secret = rasa_token(settings), actions_secret(settings)
    assert len(token) >= 40 and len(secret) >= 40 and token != secret
    assert rasa_token(settings) == token and actions_secret(settings) == secret  # kept
    for name in ("rasa.token", "actions.secret"):
        mode = stat.S_IMODE((tmp_path / "var" / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"
    (tmp_path / "var" / "rasa.token").unlink()  # rotation: delete and restart
    assert rasa_token(_settings(tmp_path)) != token


def test_the_environment_wins_over_var(tmp_path):
    settings = _settings(tmp_path, CSBOT_RASA_TOKEN="from-env", CSBOT_ACTIONS_SECRET="env-2")
    assert (rasa_token(settings), actions_secret(settings)) == ("from-env", "env-2")
    assert not (tmp_path / "var").exists()


def _race(var_dir: str) -> str:
    return stored_secret(Path(var_dir), "race.secret")


def test_processes_starting_together_agree_on_one_secret(tmp_path):
    with ProcessPoolExecutor(max_workers=6) as pool:
        seen = set(pool.map(_race, [str(tmp_path / "var")] * 24))
    assert len(seen) == 1
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["race.secret"]  # no temp files


def test_endpoints_carry_the_secret_by_reference_and_the_internal_host(tmp_path):
    settings = dataclasses.replace(_settings(tmp_path, CSBOT_HOST="0.0.0.0"), actions_port=5099)
    secret = actions_secret(settings)
    path = write_endpoints(settings)
    text = path.read_text()
    assert secret not in text
    action = yaml.safe_load(text)["action_endpoint"]
    assert action == {
        "url": "http://127.0.0.1:5099/webhook",
        "headers": {"Authorization": "Bearer ${CSBOT_ACTIONS_SECRET}"},
    }


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pykwalify, inside Rasa
def test_rasa_expands_the_secret_from_its_environment(tmp_path, monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("CSBOT_ACTIONS_SECRET", "s3cret")
    endpoint = read_endpoint_config(str(write_endpoints(_settings(tmp_path))), "action_endpoint")
    assert endpoint.headers == {"Authorization": "Bearer s3cret"}


def test_only_the_web_app_listens_on_the_public_host_and_no_secret_is_on_a_command_line(
    tmp_path,
):
    settings = _settings(tmp_path, CSBOT_HOST="0.0.0.0")
    token, secret = rasa_token(settings), actions_secret(settings)
    commands = stack_commands(settings, Path("model.tar.gz"), tmp_path / "endpoints.yml")
    for name, command in commands.items():
        assert token not in " ".join(command) and secret not in " ".join(command), name
    assert commands["rasa"][2:4] == ["bot.runtime.rasa_server", "run"]
    assert commands["rasa"][commands["rasa"].index("--interface") + 1] == "127.0.0.1"
    assert commands["actions"][2] == "bot.runtime.action_server"
    assert commands["actions"][commands["actions"].index("--host") + 1] == "127.0.0.1"
    assert commands["web"][commands["web"].index("--host") + 1] == "0.0.0.0"
    assert Settings.from_env({}).rasa_url == "http://127.0.0.1:5005"


def test_credentials_use_the_guarded_rest_channel():
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert list(credentials)[0] == "bot.runtime.rasa_channel.TokenRestInput"
    assert all(v is None for v in credentials.values())  # no secret in the file
    from bot.runtime.rasa_channel import TokenRestInput

    assert TokenRestInput.name() == "rest"  # same URL as before: /webhooks/rest/webhook


# --- the real processes ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The IPv4/IPv6 addresses with a socket listening on `port` (from /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@pytest.fixture
def action_server(tmp_path):
    """csbot's action server over the real actions package, on a free port."""
    port = _free_port()
    env = {**os.environ, "CSBOT_PROJECT_DIR": str(tmp_path), "CSBOT_ACTIONS_SECRET": "s3cret"}
    env["CSBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'shop.db'}"
    migrate(env["CSBOT_DATABASE_URL"])  # it starts only on a current schema
    log = (tmp_path / "actions.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.runtime.action_server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail((tmp_path / "actions.log").read_text()[-3000:])
        time.sleep(0.2)
    yield url, port
    proc.terminate()
    proc.wait(15)
    log.close()


CALL = {
    "next_action": "action_ask_rating",
    "sender_id": "someone-else",
    "tracker": {"sender_id": "someone-else", "slots": {}, "latest_message": {}, "events": []},
    "domain": {},
    "version": "3.6.2",
}


@pytest.mark.slow
def test_the_action_server_refuses_calls_without_the_secret(action_server):
    url, port = action_server
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
        refused = requests.post(f"{url}/webhook", json=CALL, headers=headers, timeout=10)
        assert refused.status_code == 401, headers
        assert requests.get(f"{url}/actions", headers=headers, timeout=10).status_code == 401
    good = {"Authorization": "Bearer s3cret"}
    names = [a["name"] for a in requests.get(f"{url}/actions", headers=good, timeout=10).json()]
    assert "action_ask_rating" in names
    ran = requests.post(f"{url}/webhook", json=CALL, headers=good, timeout=30)
    assert ran.status_code == 200 and "rate" in str(ran.json()["responses"])
    assert listening_addresses(port) == {"127.0.0.1"}


def test_rasa_refuses_every_api_call_and_the_rest_channel_without_the_token(stack):
    rasa, token = stack.settings.rasa_url, stack.settings.rasa_token
    sender = "victim-conversation"
    requests.post(
        f"{rasa}/webhooks/rest/webhook",
        json={"sender": sender, "message": "hi"},
        params={"token": token},
        timeout=60,
    ).raise_for_status()
    calls = [
        ("GET", f"/conversations/{sender}/tracker", None),
        ("POST", f"/conversations/{sender}/tracker/events", [{"event": "bot", "text": "pwned"}]),
        ("PUT", f"/conversations/{sender}/tracker/events", []),
        ("POST", f"/conversations/{sender}/execute", {"name": "action_ask_rating"}),
        ("POST", f"/conversations/{sender}/trigger_intent", {"name": "greet"}),
        ("POST", "/model/parse", {"text": "hi"}),
        ("DELETE", "/model", None),
        ("GET", "/status", None),
        ("POST", "/webhooks/rest/webhook", {"sender": sender, "message": "where is my order?"}),
    ]
    for params in ({}, {"token": "wrong"}, {"token": token[:-1]}):
        for method, path, body in calls:
            response = requests.request(method, rasa + path, json=body, params=params, timeout=30)
            assert response.status_code == 401, (method, path, params, response.text[:200])
    tracker = requests.get(
        f"{rasa}/conversations/{sender}/tracker", params={"token": token}, timeout=30
    ).json()
    assert "pwned" not in str(tracker["events"])
    assert requests.get(f"{rasa}/status", params={"token": token}, timeout=30).ok  # model kept
    port = int(rasa.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
    assert listening_addresses(stack.settings.actions_port) == {"127.0.0.1"}


def test_rasa_runs_actions_through_the_guarded_action_server(stack):
    """The refusals above do not stop the real conversation: Rasa sends the secret."""
    assert requests.post(stack.actions_url + "/webhook", json=CALL, timeout=30).status_code == 401
    reply = requests.post(
        f"{stack.settings.rasa_url}/webhooks/rest/webhook",
        json={"sender": "guarded-actions", "message": "can I return an opened blender?"},
        params={"token": stack.settings.rasa_token},
        timeout=60,
    ).json()
    assert "From our help pages" in " ".join(m.get("text") or "" for m in reply)  # a custom action

"""Which processes a running csbot has, where each listens, how each is started and how its
health is asked: decided from the settings alone, before anything starts (so `csbot run`
refuses a bad replica set-up before training, and `csbot status` asks the same URLs the
supervisor does)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.engine import make_url

from bot.runtime.settings import Settings, SettingsError
from bot.runtime.tokens import rasa_token


def stack_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def rasa_replicas(settings: Settings) -> dict[str, str]:
    """Each Rasa process's name and URL: "rasa", or "rasa-1", "rasa-2"... for replicas."""
    urls = settings.rasa_urls
    return {"rasa": urls[0]} if len(urls) == 1 else {f"rasa-{i}": u for i, u in enumerate(urls, 1)}


def health_urls(settings: Settings) -> dict[str, str]:
    """Each process's health check: what start-up, the supervisor and `csbot status` ask.
    Rasa's status needs its token; the action server's /health is open."""
    token = urlencode({"token": settings.rasa_token or rasa_token(settings)})
    return {
        "actions": f"{stack_url(settings.internal_host, settings.actions_port)}/health",
        **{name: f"{url}/status?{token}" for name, url in rasa_replicas(settings).items()},
        "web": f"{stack_url(settings.host, settings.web_port)}/healthz",
    }


def scale_out(settings: Settings, replicas: int, action_workers: int) -> Settings:
    """Settings for `replicas` Rasa processes on consecutive ports from CSBOT_RASA_PORT.
    Several replicas share conversations, so they need Redis for the lock store (one message
    per conversation at a time across processes) and a database server, not a SQLite file."""
    if replicas < 1 or action_workers < 1:
        raise SettingsError("--rasa-replicas and --action-workers must be at least 1")
    if replicas == 1:
        return dataclasses.replace(settings, rasa_replica_urls=())  # just the one it starts
    missing = []
    if not settings.redis_url:
        missing.append("CSBOT_REDIS_URL=redis://host:6379/0 (the shared lock store)")
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        missing.append("CSBOT_DATABASE_URL=postgresql://user:password@host/db (not SQLite)")
    if missing:
        raise SettingsError(f"--rasa-replicas {replicas} needs " + " and ".join(missing))
    ports = range(settings.rasa_port, settings.rasa_port + replicas)
    urls = tuple(stack_url(settings.internal_host, port) for port in ports)
    return dataclasses.replace(settings, rasa_url=urls[0], rasa_replica_urls=urls)


def replica_commands(commands: dict[str, list[str]], settings: Settings) -> dict[str, list]:
    """`commands` with Rasa's started once per replica, each on its own port."""
    replicas = rasa_replicas(settings)
    if len(replicas) == 1:
        return commands
    rasa = commands.pop("rasa")
    port = rasa.index("--port") + 1
    for name, url in replicas.items():
        commands[name] = [*rasa[:port], url.rsplit(":", 1)[1], *rasa[port + 1 :]]
    return commands


def action_server_command(settings: Settings) -> list[str]:
    """The action server serving `actions/` on the internal host, refusing calls without
    the shared secret (`bot.runtime.action_server`)."""
    module, host, port = "bot.runtime.action_server", settings.internal_host, settings.actions_port
    return [
        sys.executable,
        "-m",
        module,
        "--actions",
        "actions",
        "--host",
        host,
        "--port",
        str(port),
    ]


def log_consumer_command(settings: Settings) -> dict[str, list[str]]:
    """With RabbitMQ, the process that writes the conversation log (`csbot log-consumer`)."""
    if not settings.rabbitmq_url:
        return {}
    return {"log-consumer": [sys.executable, "-m", "bot.runtime.cli", "log-consumer"]}


def stack_commands(settings: Settings, model: Path, endpoints: Path) -> dict[str, list[str]]:
    """The command line of each process. Only the web app listens on `settings.host`;
    Rasa's token reaches it by environment (see `rasa_server`), never on a command line."""
    py, internal = sys.executable, settings.internal_host
    return {
        "actions": action_server_command(settings),
        "rasa": [
            *(py, "-m", "bot.runtime.rasa_server", "run", "--enable-api", "--model", str(model)),
            *("--endpoints", str(endpoints), "--credentials", "credentials.yml"),
            *("--interface", internal, "--port", str(settings.rasa_port)),
        ],
        "web": [py, "-m", "bot.web", "--host", settings.host, "--port", str(settings.web_port)],
        **log_consumer_command(settings),
    }

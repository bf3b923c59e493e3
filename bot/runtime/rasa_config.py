"""What Rasa is told about the stack it runs in: its endpoints file (the action server, the
tracker store, the event broker, the lock store), built from csbot's settings.

Kept apart from starting processes so that `csbot run`, `csbot shell`, `csbot log-consumer`
(which checks its RabbitMQ URL the way Rasa will read it) and the tests share one reading of
CSBOT_REDIS_URL and CSBOT_RABBITMQ_URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from bot.runtime.private_files import write_private
from bot.runtime.settings import Settings, SettingsError
from bot.runtime.tokens import ACTIONS_SECRET_ENV
from bot.runtime.topology import stack_url

TRACKER_STORE = "bot.conversations.tracker_store.DurableTrackerStore"


def lock_store_config(redis_url: str | None) -> dict:
    """Rasa's lock store: Redis from CSBOT_REDIS_URL (`redis://[:password@]host[:port][/db]`,
    `rediss://` for TLS), needed when several Rasa processes share conversations; else in
    memory, which is right for one Rasa process."""
    if not redis_url:
        return {"type": "in_memory"}
    parts = urlsplit(redis_url)
    try:
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError(redis_url)
        config: dict = {
            "type": "redis",
            "url": parts.hostname,
            "port": parts.port or 6379,
            "db": int(parts.path.strip("/") or 0),
            "use_ssl": parts.scheme == "rediss",
        }
    except ValueError:
        raise SettingsError(
            f"CSBOT_REDIS_URL must look like redis://host:6379/0, got {redis_url!r}"
        ) from None
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def event_broker_config(rabbitmq_url: str | None, queue: str) -> dict | None:
    """Rasa's Pika event broker from CSBOT_RABBITMQ_URL (`amqp://user:password@host:5672/vhost`,
    `amqps://` for TLS): Rasa publishes each new event, persistent, through a fanout exchange
    named like the queue (so two csbots on one vhost stay apart) to the durable `queue`, which
    `csbot log-consumer` writes into the conversation log. None without the URL: then the log
    is projected from the tracker store inside each Rasa process."""
    if not rabbitmq_url:
        return None
    parts = urlsplit(rabbitmq_url)
    try:
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname or not parts.username:
            raise ValueError(parts.scheme)
        port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    except ValueError:
        shown = rabbitmq_url.replace(f":{parts.password}@", ":***@") if parts.password else ""
        raise SettingsError(
            "CSBOT_RABBITMQ_URL must look like amqp://user:password@host:5672/vhost, "
            f"got {shown or rabbitmq_url!r}"
        ) from None
    return {
        "type": "pika",
        # Rasa adds the credentials to this URL; they stay percent-encoded, as in the URL.
        "url": f"{parts.scheme}://{parts.hostname}:{port}{parts.path}",
        "port": port,
        "username": parts.username,
        "password": parts.password or "",
        "queues": [queue],
        "exchange_name": queue,
    }


PACK_NLG = "bot.runtime.pack_nlg.PackResponses"


def write_endpoints(settings: Settings, folder: Path | None = None) -> Path:
    """Endpoints for this stack: its action server (with the secret's header; Rasa expands
    the variable from its environment), conversations kept in its database (which also feeds
    the conversation log, or with RabbitMQ its event broker does), and its lock store. The
    database URL is not written here: the tracker store reads CSBOT_DATABASE_URL."""
    path = (folder or settings.project_dir / "var") / f"endpoints-{settings.actions_port}.yml"
    action_url = f"{stack_url(settings.internal_host, settings.actions_port)}/webhook"
    endpoints: dict = {
        "action_endpoint": {
            "url": action_url,
            "headers": {"Authorization": f"Bearer ${{{ACTIONS_SECRET_ENV}}}"},
        },
        "tracker_store": {"type": TRACKER_STORE},
        "nlg": {"type": PACK_NLG},  # the served shop's wording of the fixed replies
    }
    rabbitmq = event_broker_config(settings.rabbitmq_url, settings.rabbitmq_queue)
    if rabbitmq:
        endpoints["event_broker"] = rabbitmq
    endpoints["lock_store"] = lock_store_config(settings.redis_url)
    # It may hold the Redis and RabbitMQ passwords: 0600 from the start, replaced whole.
    write_private(path, yaml.safe_dump(endpoints, sort_keys=False))
    return path

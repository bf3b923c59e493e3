"""The environment csbot's child processes start with: where the database, Rasa and the
knowledge live, the shared secrets, the limits and folders the web app reads, and how many
math threads each may use.

Settings reach the children by environment only, never on a command line (visible to every
user of the machine) or in a written file, and one place builds it so Rasa, the action
server, the web app and the log consumer agree.
"""

from __future__ import annotations

import math

from bot.runtime.settings import Settings
from bot.runtime.tokens import ACTIONS_SECRET_ENV, RASA_TOKEN_ENV, actions_secret, rasa_token
from bot.runtime.training import rasa_environment


def secret_environment(settings: Settings) -> dict[str, str]:
    """Rasa's token and the action server's secret for the child processes (taken from the
    settings or var/): by environment, never on a command line or in a written file."""
    return {RASA_TOKEN_ENV: rasa_token(settings), ACTIONS_SECRET_ENV: actions_secret(settings)}


def rabbitmq_environment(settings: Settings) -> dict[str, str]:
    """RabbitMQ for Rasa's tracker store (which then leaves the log to the consumer) and the
    consumer; nothing without it."""
    if not settings.rabbitmq_url:
        return {}
    return {
        "CSBOT_RABBITMQ_URL": settings.rabbitmq_url,
        "CSBOT_RABBITMQ_QUEUE": settings.rabbitmq_queue,
    }


def limits_environment(settings: Settings) -> dict[str, str]:
    """The widget API's limits as the web app reads them (`bot.web.limits`), so a harness
    that plays many customers from one address can raise them in its settings."""
    return {
        "CSBOT_MESSAGES_PER_MINUTE": str(settings.messages_per_minute),
        "CSBOT_MESSAGES_PER_MINUTE_PER_ADDRESS": str(settings.messages_per_minute_per_address),
        "CSBOT_POLLS_PER_MINUTE_PER_ADDRESS": str(settings.polls_per_minute_per_address),
        "CSBOT_STREAMS_PER_CONVERSATION": str(settings.streams_per_conversation),
        "CSBOT_STREAMS_PER_ADDRESS": str(settings.streams_per_address),
    }


def workbench_environment(settings: Settings) -> dict[str, str]:
    """The folders the console's review workbench writes to, as the web app reads them."""
    folders = {
        "CSBOT_NLU_DIR": settings.nlu_dir,
        "CSBOT_FAQ_DIR": settings.faq_dir,
        "CSBOT_TEST_STORIES_DIR": settings.test_stories_dir,
    }
    return {name: str(path) for name, path in folders.items() if path is not None}


def one_math_thread(env: dict[str, str]) -> dict[str, str]:
    """One math thread per process for ONNX Runtime's MiniLM and OpenMP unless
    OMP_NUM_THREADS says otherwise. MiniLM encodes one short message at a time; a thread per
    core in each of several busy processes makes them spin against each other (measured 10x
    slower under load, see benchmarks/README.md). Scale with processes (replicas), not
    threads. (TensorFlow's own pools are left as they are: one thread each made no
    difference there.)"""
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def stack_environment(settings: Settings, action_workers: int = 1) -> dict[str, str]:
    """Everything the processes of one stack share. `settings` already carries the token and
    secret (`secret_environment`) and its replica URLs (`topology.scale_out`)."""
    env = one_math_thread(rasa_environment())
    env.update(
        CSBOT_DATABASE_URL=settings.database_url,
        CSBOT_RASA_URL=settings.rasa_url,
        CSBOT_INDEX_DIR=str(settings.index_dir),
        CSBOT_SHOP=str(settings.shop_dir),
        CSBOT_INTERNAL_HOST=settings.internal_host,
        **rabbitmq_environment(settings),
        **workbench_environment(settings),
        **limits_environment(settings),
        **secret_environment(settings),
        CSBOT_RASA_URLS=",".join(settings.rasa_urls),
        ACTION_SERVER_SANIC_WORKERS=str(action_workers),
    )
    if len(settings.rasa_urls) > 1:
        # A replica killed mid-message leaves its conversation's lock in Redis until the lock
        # expires (Rasa's default: 60 s). Half the web app's wait for an answer lets the
        # customer's next message through on another replica before the web app gives up.
        lifetime = max(5, math.ceil(settings.rasa_timeout_s / 2))
        env.setdefault("TICKET_LOCK_LIFETIME", str(lifetime))
    return env

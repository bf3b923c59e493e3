"""Commands that prepare and start csbot: run, shell, train, seed, and the log consumer."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

from bot.runtime import setup
from bot.runtime.commands.db import open_database
from bot.runtime.commands.spec import Command, arg
from bot.runtime.private_files import UMASK
from bot.runtime.settings import Settings


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C so the child processes are stopped too."""
    raise KeyboardInterrupt


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.webhooks import channel_lines
    from bot.runtime.settings import SettingsError
    from bot.runtime.stack import StackError, start_stack
    from bot.runtime.supervisor import Supervisor
    from bot.runtime.topology import scale_out

    os.umask(UMASK)  # the database, logs, model and secrets it creates: the owner's only
    scale = {"rasa_replicas": args.rasa_replicas, "action_workers": args.action_workers}
    try:
        scale_out(settings, args.rasa_replicas, args.action_workers)  # before any training
    except SettingsError as exc:
        print(f"csbot could not start: {exc}", file=sys.stderr)
        return 2
    try:
        prepared = setup.prepare(settings, demo=args.demo)
    except setup.NoDemo as exc:
        print(f"csbot could not start: {exc}", file=sys.stderr)
        return 2
    print("==> Starting Rasa, the action server and the web app (this takes ~30 s)...")
    logs = settings.project_dir / "var" / "logs"
    try:
        stack = start_stack(settings, prepared.model, log_dir=logs, **scale)
    except StackError as exc:
        print(f"csbot could not start: {exc}. See the logs in {logs}/", file=sys.stderr)
        return 1
    print(
        f"\n  Chat page:      {stack.web_url}\n"
        f"  Agent console:  {stack.web_url}console  (passwords: `csbot agents passwd USER`)\n"
        f"{_rasa_lines(stack.rasa_urls)}"
        f"  Action server:  {stack.actions_url}{_workers(args.action_workers)}\n"
        f"  Logs:           {logs}/\n"
        f"{channel_lines(settings)}\n"
        f"{_walkthrough(settings)}"
        "  Press Ctrl-C to stop everything. A process that dies is restarted (see\n"
        f"  {logs}/runner.log).\n",
        flush=True,
    )
    setup.print_passwords(prepared.new_passwords)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        failed = Supervisor(stack).watch()
        print(f"{failed} keeps crashing (see {logs}/{failed}.log); stopping.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n==> Stopping...")
        return 0
    finally:
        stack.stop()


def _walkthrough(settings: Settings) -> str:
    """A demo shop's first thing to try: its walkthrough order, as the shop writes it."""
    from bot.pack.load import load_pack
    from bot.shop.demo_data import load_demo

    if not (settings.shop_dir / "demo.yml").is_file():
        return ""
    pack, walk = load_pack(settings.shop_dir), load_demo(settings.shop_dir).walkthrough
    number = pack.order_numbers.show(walk.in_transit)
    return f'  Try: "where is my order {number}?" with the email {walk.email}\n'


def _rasa_lines(urls: Sequence[str]) -> str:
    if len(urls) == 1:
        return f"  Rasa server:    {urls[0]}\n"
    return "".join(f"  Rasa replica {i}: {url}\n" for i, url in enumerate(urls, 1))


def _workers(count: int) -> str:
    return f" ({count} workers)" if count > 1 else ""


def cmd_log_consumer(settings: Settings, args: argparse.Namespace) -> int:
    """Write the conversation log from RabbitMQ until SIGTERM or Ctrl-C (the production
    profile; `csbot run` starts and supervises it when CSBOT_RABBITMQ_URL is set)."""
    import logging

    from bot.conversations.log_consumer import run_consumer
    from bot.runtime.rasa_config import event_broker_config
    from bot.runtime.settings import SettingsError

    if not settings.rabbitmq_url:
        print("csbot log-consumer needs CSBOT_RABBITMQ_URL (amqp://...)", file=sys.stderr)
        return 2
    try:
        event_broker_config(settings.rabbitmq_url, settings.rabbitmq_queue)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with open_database(settings) as engine:
        counts = run_consumer(engine, settings.rabbitmq_url, settings.rabbitmq_queue)
    print("log consumer stopped: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    print(f"Model: {setup.rasa_model(settings, force=args.force)}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    setup.database(settings)
    try:
        setup.print_passwords(setup.first_accounts(settings, demo=args.demo))
    except setup.NoDemo as exc:
        print(f"csbot seed: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    """Chat in the terminal: an action server in the background plus `rasa shell`, whose
    own server listens on loopback only."""
    from bot.runtime.environment import secret_environment
    from bot.runtime.rasa_config import write_endpoints
    from bot.runtime.topology import action_server_command
    from bot.runtime.training import rasa_environment

    os.umask(UMASK)
    prepared = setup.prepare(settings)
    setup.print_passwords(prepared.new_passwords)
    model = prepared.model
    env = {**rasa_environment(), **secret_environment(settings)}
    actions = subprocess.Popen(
        action_server_command(settings),
        cwd=settings.project_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoints = str(write_endpoints(settings))
    try:
        return subprocess.call(
            [
                sys.executable,
                "-m",
                "rasa",
                "shell",
                "--model",
                str(model),
                "--endpoints",
                endpoints,
                "--interface",
                "127.0.0.1",
            ],
            cwd=settings.project_dir,
            env=env,
        )
    finally:
        actions.terminate()
        actions.wait()


DEMO = arg(
    "--demo",
    action="store_true",
    help="seed the pack's demo customers into an empty database even if shop.yml does not say "
    "demo: true (a demo pack always gets them)",
)
RUN = Command(
    "run",
    "train if stale, start everything, print the URLs",
    cmd_run,
    (
        arg(
            "--rasa-replicas",
            type=int,
            default=1,
            help="Rasa processes on consecutive ports from CSBOT_RASA_PORT (more than one needs "
            "CSBOT_REDIS_URL and a PostgreSQL CSBOT_DATABASE_URL)",
        ),
        arg(
            "--action-workers",
            type=int,
            default=1,
            help="Sanic worker processes of the action server",
        ),
        DEMO,
    ),
)
LOG_CONSUMER = Command("log-consumer", "write the conversation log from RabbitMQ", cmd_log_consumer)
TRAIN = Command(
    "train",
    "train the Rasa model if its inputs changed",
    cmd_train,
    (arg("--force", action="store_true", help="train even if up to date"),),
)
SEED = Command(
    "seed",
    "an empty database's first accounts (one admin; a demo pack's demo shop and agents)",
    cmd_seed,
    (DEMO,),
)
SHELL = Command("shell", "chat with the bot in the terminal", cmd_shell)

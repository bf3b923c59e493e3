"""`python -m benchmarks.load` (`make bench-load`): csbot against a plain `rasa init` bot (the
peer), on the same machine in the same run, with the same customer messages.

The peer is Rasa's own starter project (`rasa/cli/initial_project`), trained once per Rasa
version and cached in CSBOT_MODELS_DIR. csbot runs the way `csbot run` starts it
(`start_stack`) over a freshly seeded demo shop in a scratch folder. Both are driven through
Rasa's REST channel (/webhooks/rest/webhook; csbot's needs its token), and csbot also through
its web app (/api/messages, the widget's path): first conversations one message at a time,
then many conversations at once. It prints p50/p95/p99 latency, messages/s and errors side by
side with the ratios to the peer, each process's memory, and whether csbot's conversation log
holds every customer message exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks import sampler
from bot.conversations.models import Message
from bot.privacy.redact import EMAIL_PATTERN
from bot.privacy.spans import EMAIL
from bot.runtime import setup
from bot.runtime.database import make_engine
from bot.runtime.revisions import migrate
from bot.runtime.settings import Settings
from bot.runtime.stack import Stack, responding, start_stack
from bot.runtime.topology import stack_url
from bot.runtime.training import rasa_environment
from bot.shop.models import Customer, Order
from bot.web.limits import ONE_ADDRESS_MANY_CUSTOMERS
from evaluation.__main__ import _free_port

# What customers write, in the order a conversation goes; {order} and {email} come from the
# seeded shop, so the order lookup finds a real order.
MESSAGES = (
    "hi there",
    "where is my order {order}? my email is {email}",
    "what is your return policy?",
    "can you recommend a kettle for a small kitchen?",
    "do you deliver on saturdays?",
    "I'd like to talk to a human please",
    "thanks for your help",
    "bye",
)
REQUEST_TIMEOUT_S = 120
LOG_WAIT_S = 90  # how long the conversation log may take to catch up after the load
STARTUP_TIMEOUT_S = 300


@dataclass
class Conversation:
    """One customer: the id Rasa knows them by, and (web app) the cookie that carries it."""

    index: int
    sender: str
    cookie: str | None = None


@dataclass
class Target:
    """Where a bot takes customer messages: Rasa REST webhooks (one URL per replica, each
    conversation kept on one replica) or csbot's web app."""

    name: str
    urls: tuple[str, ...]
    token: str | None = None
    web: bool = False
    replicas: int = 1
    pids: dict[str, int] = field(default_factory=dict)  # process name -> pid, for memory

    async def send(self, http: aiohttp.ClientSession, chat: Conversation, text: str) -> None:
        """Send one message and read the replies; raises on anything but 200."""
        if self.web:
            headers = {"Cookie": f"csbot_chat={chat.cookie}"} if chat.cookie else {}
            url, body = f"{self.urls[0]}/api/messages", {"message": text}
        else:
            headers, body = {}, {"sender": chat.sender, "message": text}
            url = f"{self.urls[chat.index % len(self.urls)]}/webhooks/rest/webhook"
        params = {"token": self.token} if self.token and not self.web else None
        async with http.post(url, json=body, params=params, headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            if self.web and chat.cookie is None:
                chat.cookie = response.cookies["csbot_chat"].value
                chat.sender = chat.cookie.partition(".")[0]


@dataclass
class Phase:
    """What one load phase measured."""

    conversations: int
    latencies: list[float] = field(default_factory=list)  # seconds, successful messages
    errors: Counter = field(default_factory=Counter)  # reason -> count
    wall_s: float = 0.0
    sent: dict[str, list[str]] = field(default_factory=dict)  # conversation id -> texts
    by_text: dict[str, list[float]] = field(default_factory=dict)  # text -> latencies

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall_s if self.wall_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _converse(
    http: aiohttp.ClientSession, target: Target, chat: Conversation, texts: list[str], out: Phase
) -> None:
    sent = []
    for text in texts:
        started = time.perf_counter()
        try:
            await target.send(http, chat, text)
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, KeyError) as exc:
            out.errors[str(exc) or type(exc).__name__] += 1
        else:
            out.latencies.append(elapsed := time.perf_counter() - started)
            out.by_text.setdefault(text, []).append(elapsed)
        sent.append(text)
    out.sent[chat.sender] = sent


async def drive(target: Target, conversations: int, texts: list[str], tag: str) -> Phase:
    """`conversations` customers at once, each sending `texts` one after another."""
    out = Phase(conversations)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=max(100, conversations))
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        chats = [
            Conversation(i, f"bench-{tag}-{i}-{uuid.uuid4().hex[:8]}") for i in range(conversations)
        ]
        started = time.perf_counter()
        await asyncio.gather(*(_converse(http, target, c, texts, out) for c in chats))
        out.wall_s = time.perf_counter() - started
    return out


def conversation_texts(messages: Sequence[str], turns: int) -> list[str]:
    """`turns` messages: the conversation's messages in order, from the start again if more."""
    return [messages[i % len(messages)] for i in range(turns)]


# --- the peer: Rasa's own starter bot -------------------------------------------------------


def peer_template() -> Path:
    import rasa.cli

    return Path(rasa.cli.__file__).parent / "initial_project"


def peer_model(models_dir: Path) -> Path:
    """The starter bot's model for the installed Rasa, trained on first use (a few minutes)."""
    import rasa

    model = models_dir / f"peer-rasa-init-{rasa.__version__}.tar.gz"
    if model.exists():
        return model
    print(f"==> Training the plain `rasa init` bot once (cached as {model})", flush=True)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="csbot-peer-") as tmp:
        project = Path(tmp) / "peer"
        shutil.copytree(peer_template(), project)
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--out", tmp, "--fixed-model-name", "peer"],
            cwd=project,
            env=rasa_environment(),
            check=True,
        )
        shutil.move(Path(tmp) / "peer.tar.gz", model)
    return model


def start_peer(settings: Settings, workdir: Path) -> Stack:
    """`rasa run --enable-api` on the starter project, REST channel, no token."""
    project = workdir / "peer"
    shutil.copytree(peer_template(), project)
    model = peer_model(settings.models_dir)
    port = _free_port()
    command = [sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(model)]
    command += ["--credentials", "credentials.yml", "--interface", "127.0.0.1"]
    command += ["--port", str(port)]
    peer = Stack(
        dataclasses.replace(settings, project_dir=project, rasa_url=stack_url("127.0.0.1", port)),
        commands={"rasa": command},
        checks={"rasa": f"{stack_url('127.0.0.1', port)}/status"},
        env=rasa_environment(),
        log_dir=workdir / "peer-logs",
    )
    peer.start("rasa")
    try:
        _wait_until_up(peer)
    except BaseException:
        peer.stop()
        raise
    return peer


def _wait_until_up(stack: Stack) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not all(responding(url) for url in stack.checks.values()):
        dead = [n for n, p in stack.processes.items() if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise SystemExit(f"{', '.join(dead) or 'the peer'} did not start: see {stack.log_dir}")
        time.sleep(1)


# --- csbot ---------------------------------------------------------------------------------


def start_csbot(
    base: Settings, workdir: Path, replicas: int, database_url: str | None = None
) -> Stack:
    """csbot's processes over a freshly seeded demo shop, the way `csbot run` starts them:
    in a scratch SQLite file, or in `database_url` (a scratch PostgreSQL database; with
    CSBOT_REDIS_URL and CSBOT_RABBITMQ_URL set, the production profile)."""
    setup.build_knowledge(base)
    setup.ticket_classifier(base)
    model = setup.rasa_model(base)
    settings = dataclasses.replace(
        base,
        **ONE_ADDRESS_MANY_CUSTOMERS,  # the load comes from this one address
        database_url=database_url or f"sqlite:///{workdir / 'shop.db'}",
        web_port=_free_port(),
        rasa_port=(rasa_port := _free_port()),
        actions_port=_free_port(),
        rasa_url=stack_url("127.0.0.1", rasa_port),
    )
    workdir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)  # a scratch database: its schema is the harness's to make
    setup.first_accounts(settings)
    return start_stack(settings, model, log_dir=workdir / "logs", rasa_replicas=replicas)


@contextlib.contextmanager
def scratch_database(server_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database on `server_url`'s server for the run, dropped after."""
    if not server_url:
        yield None
        return
    from tests.databases import PostgresServer

    server = PostgresServer(server_url)
    if server.unreachable:
        raise SystemExit(f"PostgreSQL at {server_url} is unreachable: {server.unreachable}")
    name = server.create()
    try:
        yield server.url_of(name)
    finally:
        server.drop(name)
        server.close()


def customer_messages(database_url: str) -> list[str]:
    """MESSAGES with a real order number and its customer's email from the seeded shop."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            number, email = session.execute(
                select(Order.id, Customer.email)
                .join(Customer, Customer.id == Order.customer_id)
                .order_by(Order.id)
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    return [m.format(order=number, email=email) for m in MESSAGES]


@dataclass
class LogCheck:
    sent: int
    logged: int
    missing: int
    duplicated: int
    out_of_order: int  # conversations whose logged messages are not the ones sent, in order


def _same(sent: str, logged: str) -> bool:
    """The logged text is the one sent, with any email redacted (bot.privacy.redact)."""
    return logged in (sent, EMAIL_PATTERN.sub(f"[{EMAIL}]", sent))


def log_completeness(
    database_url: str, sent: dict[str, list[str]], wait_s: float = LOG_WAIT_S
) -> LogCheck:
    """Compare the customer messages sent (each one tried) with those in csbot's
    conversation log, waiting up to `wait_s` for it to catch up (the log follows Rasa's
    events table)."""
    engine = make_engine(database_url)
    expected = sum(len(texts) for texts in sent.values())
    deadline = time.monotonic() + wait_s
    try:
        while True:
            with Session(engine) as session:
                rows = session.execute(
                    select(Message.conversation_id, Message.text)
                    .where(Message.sender == "customer", Message.conversation_id.in_(list(sent)))
                    .order_by(Message.id)
                ).all()
            if len(rows) >= expected or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        engine.dispose()
    logged: dict[str, list[str]] = {}
    for conversation, text in rows:
        logged.setdefault(conversation, []).append(text)
    missing = duplicated = disordered = 0
    for conversation, texts in sent.items():
        have = logged.get(conversation, [])
        missing += max(0, len(texts) - len(have))
        duplicated += max(0, len(have) - len(texts))
        disordered += len(have) == len(texts) and not all(map(_same, texts, have))
    return LogCheck(expected, len(rows), missing, duplicated, disordered)


# --- memory and the report -----------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (from /proc), in MiB."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(proc.name) == pid or _descends(int(proc.name), pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process and its children used so far, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and (int(proc.name) == pid or _descends(int(proc.name), pid)):
            try:
                fields = (proc / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _descends(pid: int, ancestor: int) -> bool:
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rpartition(")")[2].split()[1])
        if pid == ancestor:
            return True
    return False


@dataclass
class Result:
    target: str
    replicas: int
    sequential: Phase
    concurrent: Phase
    memory_mib: dict[str, float]
    cpu_s_per_message: dict[str, float]  # under the concurrent load
    log: LogCheck | None = None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def report(results: list[Result]) -> str:
    peer = results[0]
    conc = peer.concurrent.conversations
    lines = [
        f"| | sequential p50 | p95 | {conc} conversations: p50 | p95 | p99 | messages/s "
        "| errors | p50 / peer | p99 / peer | messages/s / peer |",
        "|---|" + "---|" * 11,
    ]
    for r in results:
        s, c = r.sequential, r.concurrent
        ratios = (
            c.percentile(50) / peer.concurrent.percentile(50),
            c.percentile(99) / peer.concurrent.percentile(99),
            c.rate / peer.concurrent.rate if peer.concurrent.rate else float("nan"),
        )
        errors = sum(s.errors.values()) + sum(c.errors.values())
        lines.append(
            f"| {r.target} | {_ms(s.percentile(50))} | {_ms(s.percentile(95))} "
            f"| {_ms(c.percentile(50))} | {_ms(c.percentile(95))} | {_ms(c.percentile(99))} "
            f"| {c.rate:.1f} | {errors} | {ratios[0]:.2f}x | {ratios[1]:.2f}x | {ratios[2]:.2f}x |"
        )
    lines.append("")
    for r in results:
        each = ", ".join(
            f"{text[:18]!r} {_ms(statistics.median(times))}"
            for text, times in r.sequential.by_text.items()
        )
        lines.append(f"one at a time, median per message, {r.target}: {each}")
        memory = ", ".join(f"{name} {mib:.0f} MiB" for name, mib in r.memory_mib.items())
        lines.append(f"memory after the load, {r.target}: {memory}")
        cpu = ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in r.cpu_s_per_message.items())
        lines.append(f"CPU time per message under load, {r.target}: {cpu}")
        for phase in (r.sequential, r.concurrent):
            if phase.errors:
                lines.append(f"errors, {r.target}: {dict(phase.errors)}")
        if r.log:
            g = r.log
            lines.append(
                f"conversation log, {r.target}: {g.logged} of {g.sent} customer messages "
                f"logged, {g.missing} missing, {g.duplicated} duplicated, "
                f"{g.out_of_order} conversations out of order"
            )
    return "\n".join(lines)


async def measure(
    target: Target,
    texts: list[str],
    args: argparse.Namespace,
    tag: str,
    database_url: str | None,
    recording: Path | None = None,
) -> Result:
    print(f"==> {target.name}: warm-up, then sequential and concurrent load", flush=True)
    await drive(target, 1, texts, f"{tag}-warm")
    if recording:
        recording.touch()
    sequential = await drive(target, 1, texts * args.sequential, f"{tag}-seq")
    turns = conversation_texts(texts, args.turns)
    cpu_before = {name: cpu_s(pid) for name, pid in target.pids.items()}
    concurrent = await drive(target, args.conversations, turns, f"{tag}-conc")
    handled = max(1, len(concurrent.latencies))
    cpu = {n: (cpu_s(p) - cpu_before[n]) / handled for n, p in target.pids.items()}
    if recording:
        recording.unlink()
    memory = {name: rss_mib(pid) for name, pid in target.pids.items()}
    log = None
    if database_url:
        log = log_completeness(database_url, {**sequential.sent, **concurrent.sent})
    return Result(target.name, target.replicas, sequential, concurrent, memory, cpu, log)


@contextlib.contextmanager
def sampling(folder: Path | None) -> Iterator[None]:
    """Processes started inside sample their stacks into `folder` (see benchmarks.sampler)."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", sampler.PROFILE_DIR_ENV)}
    site = sampler.sitecustomize(folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), saved["PYTHONPATH"]]))
    os.environ[sampler.PROFILE_DIR_ENV] = str(folder.resolve())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def replica_counts(value: str) -> list[int]:
    """`--replicas 1,2`: the csbot rows, one per Rasa replica count."""
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {value!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("replica counts must be at least 1")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--conversations", type=int, default=50, help="at once (default 50)")
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument(
        "--sequential", type=int, default=3, help="times the 8 messages are sent one by one"
    )
    parser.add_argument(
        "--replicas",
        type=replica_counts,
        default=[1, 2],
        help="csbot's Rasa replica counts, one csbot run each (default 1,2; above 1 needs "
        "--postgres and CSBOT_REDIS_URL, else that run is skipped and says so)",
    )
    parser.add_argument("--no-web", action="store_true", help="skip csbot's web app rows")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("CSBOT_BENCH_POSTGRES_URL"),
        help="run csbot on a scratch database on this PostgreSQL server (default "
        "$CSBOT_BENCH_POSTGRES_URL; with CSBOT_REDIS_URL and CSBOT_RABBITMQ_URL, the "
        "production profile)",
    )
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample csbot's processes' stacks into this folder during its load "
        "(python -m benchmarks.sampler FOLDER prints them)",
    )
    args = parser.parse_args(argv)
    if min(args.conversations, args.turns, args.sequential) < 1:
        parser.error("--conversations, --turns and --sequential must be at least 1")
    base = Settings.from_env()
    workdir = Path(tempfile.mkdtemp(prefix="csbot-load-"))
    print(f"==> Scratch folder and process logs: {workdir}", flush=True)
    return _run(args, base, workdir)


def skip_reason(replicas: int, postgres: str | None, redis: str | None) -> str | None:
    """Why csbot cannot run `replicas` Rasa processes here, or None."""
    if replicas > 1 and not (postgres and redis):
        return "more than one Rasa replica needs --postgres URL and CSBOT_REDIS_URL"
    return None


def _run(args: argparse.Namespace, base: Settings, workdir: Path) -> int:
    peer = start_peer(base, workdir)
    results, skipped = [], []
    try:
        texts = None
        peer_target = Target("plain `rasa init` bot", (peer.settings.rasa_url,), pids=_pids(peer))
        for replicas in args.replicas:
            reason = skip_reason(replicas, args.postgres, base.redis_url)
            if reason:
                skipped.append(f"csbot, {replicas} Rasa: skipped, {reason}")
                continue
            with scratch_database(args.postgres) as database_url:
                with sampling(args.profile):
                    csbot = start_csbot(base, workdir / f"r{replicas}", replicas, database_url)
                try:
                    texts = texts or customer_messages(csbot.settings.database_url)
                    if not results:
                        results.append(asyncio.run(measure(peer_target, texts, args, "peer", None)))
                    for target in _csbot_targets(csbot, replicas, args.no_web):
                        recording = args.profile / sampler.RECORDING if args.profile else None
                        tag = f"r{replicas}-{len(results)}"
                        database = csbot.settings.database_url
                        results.append(
                            asyncio.run(measure(target, texts, args, tag, database, recording))
                        )
                finally:
                    csbot.stop()
    finally:
        peer.stop()
    if texts:
        print(f"\nMessages per conversation: {texts}\n")
    if results:
        print(report(results))
        print("\n" + verdict(results))
    for line in skipped:
        print(line)
    if args.out:
        args.out.write_text(json.dumps([_summary(r) for r in results], indent=1))
    failed = any(r.log and (r.log.missing or r.log.duplicated) for r in results)
    return 1 if failed or not results else 0


def _csbot_targets(csbot: Stack, replicas: int, no_web: bool) -> list[Target]:
    """Rasa's REST webhooks (each conversation on one replica), then the web app."""
    targets = [
        Target(
            f"csbot, {replicas} Rasa (REST)",
            csbot.settings.rasa_urls,
            token=csbot.settings.rasa_token,
            replicas=replicas,
            pids=_pids(csbot),
        )
    ]
    if not no_web:
        web = stack_url(csbot.settings.host, csbot.settings.web_port)
        name = f"csbot, {replicas} Rasa (web app)"
        targets.append(Target(name, (web,), web=True, replicas=replicas, pids=_pids(csbot)))
    return targets


# Issue 11's targets against the peer, same machine, same run: (what, replicas, measure,
# comparison, bound). p50 and p99 are at the concurrent load.
TARGETS = (
    ("p50", 1, "p50", "<=", 1.3),
    ("messages/s", 1, "rate", ">=", 0.8),
    ("messages/s", 2, "rate", ">=", 1.2),
    ("p99", 1, "p99", "<", 2.0),
    ("p99", 2, "p99", "<", 2.0),
)


def verdict(results: list[Result]) -> str:
    """Each target against each csbot row it applies to: the ratio to the peer, met or not."""
    peer = results[0].concurrent
    figures = {
        "p50": lambda p: p.percentile(50),
        "p99": lambda p: p.percentile(99),
        "rate": lambda p: p.rate,
    }
    lines = ["Targets (ratio to the plain bot, same run):"]
    for what, replicas, key, comparison, bound in TARGETS:
        for r in results[1:]:
            if r.replicas != replicas:
                continue
            ratio = figures[key](r.concurrent) / figures[key](peer)
            met = {"<=": ratio <= bound, ">=": ratio >= bound, "<": ratio < bound}[comparison]
            state = "met" if met else "NOT met"
            target = f"target {comparison} {bound}x"
            lines.append(f"  {r.target}: {what} {ratio:.2f}x, {target}, {state}")
    if len(lines) == 1:
        lines.append("  no csbot row ran")
    return "\n".join(lines)


def _pids(stack: Stack) -> dict[str, int]:
    return {name: proc.pid for name, proc in stack.processes.items()}


def _summary(result: Result) -> dict:
    def phase(p: Phase) -> dict:
        return {
            "conversations": p.conversations,
            "messages": len(p.latencies),
            "errors": dict(p.errors),
            "p50_s": p.percentile(50),
            "p95_s": p.percentile(95),
            "p99_s": p.percentile(99),
            "messages_per_s": p.rate,
            "mean_s": statistics.fmean(p.latencies) if p.latencies else None,
            "median_s_by_message": {t: statistics.median(v) for t, v in p.by_text.items()},
        }

    return {
        "target": result.target,
        "replicas": result.replicas,
        "sequential": phase(result.sequential),
        "concurrent": phase(result.concurrent),
        "memory_mib": result.memory_mib,
        "cpu_s_per_message": result.cpu_s_per_message,
        "log": dataclasses.asdict(result.log) if result.log else None,
    }


if __name__ == "__main__":
    sys.exit(main())

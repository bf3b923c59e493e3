"""`python -m evaluation` (`make eval-journeys`): play every journey against a fresh stack and
print resolved / clarified / handed off / wrong per kind, and the overall rates.

The stack is the real one (`csbot run`'s start-up path) on free ports, over a freshly seeded
demo shop in a scratch folder, so every run starts from the same shop.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversations.models import FAQ_SOURCE
from bot.pack.load import load_pack
from bot.pack.locate import pack_dir
from bot.runtime import setup
from bot.runtime.database import make_engine
from bot.runtime.settings import Settings
from bot.runtime.stack import Stack, start_stack
from bot.runtime.topology import stack_url
from bot.shop.models import Order, OrderItem, ReturnRequest
from bot.support.models import Ticket
from bot.web.limits import ONE_ADDRESS_MANY_CUSTOMERS
from evaluation.journeys import JOURNEY_DIR, Journey, load_journeys
from evaluation.judge import OUTCOMES, OrderFacts, Played, Shop, Verdict, judge, summarise
from knowledge.catalogue import load_products

AUTOMATED = ("order_status", "returns", "faq", "recommendation", "product_facts")
# A checkout `--project` can play: one started by this one's `start_stack`.
STARTS_LIKE_THIS = "bot/runtime/action_server.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sender(journey: Journey) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]", "-", journey.id)[:40]
    return f"j-{slug}-{uuid.uuid4().hex[:8]}"


def _conversation(browser: requests.Session, sender: str) -> str:
    """The conversation the web app put the turns in: the one its cookie names (the id
    before the signature), or, for older checkouts that take a client-chosen id, `sender`."""
    cookie = browser.cookies.get("csbot_chat")
    return cookie.partition(".")[0] if cookie else sender


def play(journey: Journey, web_url: str, stack: Stack, engine) -> Played:
    """Send the customer's turns through the web app, as one browser, then read what
    happened."""
    browser = requests.Session()
    sender = _sender(journey)  # ignored by web apps that issue the id themselves
    replies = []
    for turn in journey.turns:
        response = browser.post(
            f"{web_url}/api/messages", json={"sender": sender, "message": turn}, timeout=120
        )
        response.raise_for_status()
        replies.append(response.json()["messages"])
    sender = _conversation(browser, sender)
    tracker = requests.get(
        f"{stack.settings.rasa_url}/conversations/{sender}/tracker",
        params={"token": stack.settings.rasa_token},
        timeout=60,
    ).json()
    events = tracker.get("events") or []
    actions = [e["name"] for e in events if e.get("event") == "action"]
    sources = [
        e["metadata"][FAQ_SOURCE]
        for e in events
        if e.get("event") == "bot" and FAQ_SOURCE in (e.get("metadata") or {})
    ]
    with Session(engine) as session:
        tickets = [
            {"queue": queue, "priority": priority, "category": category}
            for queue, priority, category in session.execute(
                select(Ticket.queue, Ticket.priority, Ticket.category)
                .where(Ticket.conversation_id == sender)
                .order_by(Ticket.id)
            )
        ]
        returns = session.execute(
            select(ReturnRequest.order_id, OrderItem.name)
            .join(OrderItem, OrderItem.id == ReturnRequest.order_item_id)
            .where(ReturnRequest.conversation_id == sender)
        ).all()
    return Played(sender, replies, actions, tickets, [tuple(r) for r in returns], sources)


def shop_facts(engine, settings: Settings) -> Shop:
    with Session(engine) as session:
        rows = session.execute(select(Order.id, Order.status, Order.tracking_number))
        orders = {n: OrderFacts(n, status, tracking) for n, status, tracking in rows}
    products = {
        p.name: {"category": p.category, "price": p.price, "stock": p.stock}
        for p in load_products(settings.catalogue_path)
    }
    shown_as = load_pack(settings.shop_dir).order_numbers.shown_as
    return Shop(orders, products, Shop.order_pattern(shown_as))


def journey_folder(shop_dir: Path, split: str) -> Path:
    """The served pack's journeys: `journeys/<pack>/<split>/` where the pack has a hold-out
    split (dev to work with, test looked at once at the end), else the top-level set
    (Kettle & Volt's own journeys)."""
    own = JOURNEY_DIR / shop_dir.name
    return own / split if own.is_dir() else JOURNEY_DIR


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "-"


def report(verdicts: list[tuple[Journey, Verdict]]) -> str:
    table = summarise(verdicts)
    lines = [f"| kind | journeys | {' | '.join(OUTCOMES)} |", "|---|---|" + "---|" * 4]
    for kind, row in table.items():
        counts = " | ".join(str(row[o]) for o in OUTCOMES)
        lines.append(f"| {kind} | {sum(row.values())} | {counts} |")

    def share(outcome: str, kinds: tuple[str, ...] | None = None) -> str:
        chosen = [v for j, v in verdicts if kinds is None or j.kind in kinds]
        return _pct(sum(v.outcome == outcome for v in chosen), len(chosen))

    fallbacks = _pct(sum(v.opening_fallback for _, v in verdicts), len(verdicts))
    lines += [
        "",
        f"automated resolution   {share('resolved', AUTOMATED)}",
        f"correct handoffs       {share('handed off', ('human',))}",
        f"declined well          {share('resolved', ('out_of_scope',))}",
        f"wrong                  {share('wrong')}",
        f"opening fallbacks      {fallbacks}",
    ]
    return "\n".join(lines)


def _foreign_project(
    base: Settings, project: Path, model: Path | None, workdir: Path
) -> tuple[Settings, Path]:
    """Settings for another checkout: its own knowledge sources, index and model."""
    from knowledge.embeddings import MiniLMEncoder
    from knowledge.sources import Sources, build_all

    if model is None:
        raise SystemExit("--project needs --model (train it in that checkout first)")
    project = project.resolve()
    if not (project / STARTS_LIKE_THIS).exists():
        raise SystemExit(
            f"--project plays checkouts that start the way this one does ({STARTS_LIKE_THIS}: "
            "Rasa and the action server behind their token and secret, the log kept from the "
            "tracker store); run an older checkout's journeys from a checkout of its time"
        )
    # that checkout's shop pack, or its knowledge/ folder if it predates packs
    pack = project / "shops" / pack_dir().name
    pack = pack if pack.is_dir() else project / "knowledge"
    sources = Sources.of_pack(pack)
    build_all(workdir / "index", MiniLMEncoder(), sources)
    settings = dataclasses.replace(
        base, project_dir=project, index_dir=workdir / "index", shop_dir=pack
    )
    return settings, model.resolve()


def _seed(settings: Settings) -> None:
    """The demo shop, seeded by the played checkout's own command (its own schema)."""
    env = {**os.environ, "CSBOT_DATABASE_URL": settings.database_url}
    env["CSBOT_SHOP"] = str(settings.shop_dir)
    subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "seed"],
        cwd=settings.project_dir,
        env=env,
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__)
    parser.add_argument("--journeys", type=Path, help="a folder of journeys (default: the pack's)")
    parser.add_argument(
        "--split", choices=("dev", "test"), default="dev", help="which half of a pack's hold-out"
    )
    parser.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    parser.add_argument("--out", type=Path, help="write every transcript and verdict as JSON")
    parser.add_argument(
        "--project",
        type=Path,
        help="play against another checkout of csbot (e.g. a worktree of an older commit), "
        "with the trained model given by --model",
    )
    parser.add_argument("--model", type=Path, help="the Rasa model for --project")
    args = parser.parse_args(argv)
    base = Settings.from_env()
    folder = args.journeys or journey_folder(base.shop_dir, args.split)
    journeys = [j for j in load_journeys(folder) if not args.kind or j.kind in args.kind]
    workdir = Path(tempfile.mkdtemp(prefix="csbot-journeys-"))
    if args.project:
        base, model = _foreign_project(base, args.project, args.model, workdir)
    else:
        setup.build_knowledge(base)
        setup.ticket_classifier(base)
        model = setup.rasa_model(base)
    settings = dataclasses.replace(
        base,
        **ONE_ADDRESS_MANY_CUSTOMERS,  # every journey's customer writes from here
        database_url=f"sqlite:///{workdir / 'shop.db'}",
        web_port=_free_port(),
        rasa_port=(rasa_port := _free_port()),
        actions_port=_free_port(),
        rasa_url=f"http://127.0.0.1:{rasa_port}",
    )
    _seed(settings)
    engine = make_engine(settings.database_url)
    print(f"==> Playing {len(journeys)} journeys (logs in {workdir / 'logs'})", flush=True)
    stack = start_stack(settings, model, log_dir=workdir / "logs")
    try:
        shop = shop_facts(engine, settings)
        web = stack_url(settings.host, settings.web_port)
        played = [(j, play(j, web, stack, engine)) for j in journeys]
    finally:
        stack.stop()
    verdicts = [(j, judge(j, p, shop)) for j, p in played]
    for journey, verdict in verdicts:
        if verdict.outcome != "resolved":
            print(f"  {verdict.outcome:<10} {journey.id}: {verdict.reason}")
    print("\n" + report(verdicts))
    if args.out:
        args.out.write_text(
            json.dumps(
                [
                    {
                        "journey": dataclasses.asdict(j),
                        "verdict": dataclasses.asdict(v),
                        "replies": p.replies,
                        "actions": p.actions,
                        "tickets": p.tickets,
                    }
                    for (j, p), (_, v) in zip(played, verdicts, strict=True)
                ],
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

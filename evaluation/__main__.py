"""`python -m evaluation` (`make eval-journeys`): play every journey against a fresh stack and
print resolved / clarified / handed off / wrong per kind, and the overall rates.

The stack is the real one (`csbot run`'s start-up path) on free ports, over a freshly seeded
demo shop in a scratch folder, so every run starts from the same shop.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import socket
import sys
import tempfile
import uuid
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.runtime import setup
from bot.runtime.processes import stack_url, start_stack
from bot.runtime.settings import Settings
from bot.services import Services
from bot.shop.demo_data import seed
from bot.shop.models import Order, OrderItem, ReturnRequest
from bot.support.models import Ticket
from evaluation.journeys import JOURNEY_DIR, Journey, load_journeys
from evaluation.judge import OUTCOMES, OrderFacts, Played, Shop, Verdict, judge, summarise
from knowledge.catalogue import load_products

AUTOMATED = ("order_status", "returns", "faq", "recommendation", "product_facts")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sender(journey: Journey) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]", "-", journey.id)[:40]
    return f"j-{slug}-{uuid.uuid4().hex[:8]}"


def play(journey: Journey, web_url: str, rasa_url: str, engine) -> Played:
    """Send the customer's turns through the web app, then read what happened."""
    sender = _sender(journey)
    replies = []
    for turn in journey.turns:
        response = requests.post(
            f"{web_url}/api/messages", json={"sender": sender, "message": turn}, timeout=120
        )
        response.raise_for_status()
        replies.append(response.json()["messages"])
    tracker = requests.get(f"{rasa_url}/conversations/{sender}/tracker", timeout=60).json()
    actions = [e["name"] for e in tracker.get("events") or [] if e.get("event") == "action"]
    with Session(engine) as session:
        tickets = [
            {"queue": t.queue, "priority": t.priority, "category": t.category}
            for t in session.execute(
                select(Ticket).where(Ticket.conversation_id == sender).order_by(Ticket.id)
            ).scalars()
        ]
        returns = session.execute(
            select(ReturnRequest.order_id, OrderItem.name)
            .join(OrderItem, OrderItem.id == ReturnRequest.order_item_id)
            .where(ReturnRequest.conversation_id == sender)
        ).all()
    return Played(sender, replies, actions, tickets, [tuple(r) for r in returns])


def shop_facts(engine, settings: Settings) -> Shop:
    with Session(engine) as session:
        orders = {
            o.id: OrderFacts(o.id, o.status, o.tracking_number)
            for o in session.execute(select(Order)).scalars()
        }
    products = {
        p.name: {"category": p.category, "price": p.price, "stock": p.stock}
        for p in load_products(settings.catalogue_path)
    }
    return Shop(orders, products)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__)
    parser.add_argument("--journeys", type=Path, default=JOURNEY_DIR)
    parser.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    parser.add_argument("--out", type=Path, help="write every transcript and verdict as JSON")
    args = parser.parse_args(argv)
    journeys = [j for j in load_journeys(args.journeys) if not args.kind or j.kind in args.kind]
    base = Settings.from_env()
    setup.build_knowledge(base)
    setup.ticket_classifier(base)
    model = setup.rasa_model(base)
    workdir = Path(tempfile.mkdtemp(prefix="csbot-journeys-"))
    settings = dataclasses.replace(
        base,
        database_url=f"sqlite:///{workdir / 'shop.db'}",
        web_port=_free_port(),
        rasa_port=(rasa_port := _free_port()),
        actions_port=_free_port(),
        rasa_url=f"http://127.0.0.1:{rasa_port}",
    )
    services = Services.open(settings.database_url)
    seed(services.engine, load_products(settings.catalogue_path))
    print(f"==> Playing {len(journeys)} journeys (logs in {workdir / 'logs'})", flush=True)
    stack = start_stack(settings, model, log_dir=workdir / "logs")
    try:
        shop = shop_facts(services.engine, settings)
        web = stack_url(settings.host, settings.web_port)
        played = [(j, play(j, web, settings.rasa_url, services.engine)) for j in journeys]
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

"""`csbot privacy`: export or delete one customer's data, purge old conversations, list the
deletion requests. The functions return what they did; this prints it and audits it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime.commands.agents import operator
from bot.runtime.commands.db import open_database
from bot.runtime.commands.spec import Command, arg
from bot.runtime.private_files import write_private
from bot.runtime.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services


def _audit(services: Services, action: str, detail: dict) -> None:
    """An operator's export or deletion at the command line, in the admins' audit trail."""
    services.audit.record(operator(), action, detail=detail)


def _after_file_changes(files: dict[str, int]) -> None:
    """What an operator runs next when customer lines left files that feed other things."""
    if files.get("faq_phrasings"):
        print("FAQ phrasings changed: run `csbot knowledge build`.", file=sys.stderr)
    if files.get("ticket_corrections"):
        print("Corrections changed: run `csbot tickets retrain`.", file=sys.stderr)


def _export(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    from bot.privacy.customer_data import Files, audit_detail

    exported = services.customer_data.export(args.email, files=Files.of(settings))
    data = json.dumps(exported, indent=2)
    _audit(services, "export", audit_detail(args.email))
    if not args.out:
        print(data)
        return 0
    write_private(args.out, data + "\n")  # one customer's personal data: its owner's only
    print(f"Wrote {args.email}'s data to {args.out}")
    return 0


def _delete(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    from bot.privacy.customer_data import Files, audit_detail

    if not args.yes and input(f"Type {args.email} again to delete its data: ") != args.email:
        print("Nothing deleted.", file=sys.stderr)
        return 1
    deletion = services.customer_data.delete(args.email, files=Files.of(settings))
    _audit(services, "delete", audit_detail(args.email, deletion))
    print(json.dumps(deletion.as_dict(), indent=2))
    _after_file_changes(deletion.files)
    return 0


def _purge(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    from bot.privacy.customer_data import Files

    retention = args.days or settings.retention_days
    done = services.customer_data.purge(retention, files=Files.of(settings))
    print(json.dumps(done.as_dict(), indent=2))
    _after_file_changes(done.files)
    return 0


def _requests(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    from bot.privacy.models import Verification

    for r in services.deletion_requests.pending():
        verified = r.verification is not Verification.NOT_VERIFIED
        who = f"{r.email} ({'verified' if verified else 'NOT verified'})" if r.email else "-"
        print(f"#{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.conversation_id}  {who}")
    return 0


ACTIONS = {"export": _export, "delete": _delete, "purge": _purge, "requests": _requests}


def cmd_privacy(settings: Settings, args: argparse.Namespace) -> int:
    if args.action in ("export", "delete") and not args.email:
        print(f"csbot privacy {args.action} needs the customer's EMAIL", file=sys.stderr)
        return 2
    from bot.services import Services

    with open_database(settings, read_only=args.action == "requests") as engine:
        return ACTIONS[args.action](Services.from_engine(engine), settings, args)


PRIVACY = Command(
    "privacy",
    "export or delete a customer's data, purge",
    cmd_privacy,
    (
        arg("action", choices=list(ACTIONS)),
        arg("email", nargs="?", help="the customer's email (export, delete)"),
        arg("--out", type=Path, help="export: write the JSON here, not stdout"),
        arg("--yes", action="store_true", help="delete without asking again"),
        arg(
            "--days",
            type=float,
            help="purge: conversations idle longer (default CSBOT_RETENTION_DAYS)",
        ),
    ),
)

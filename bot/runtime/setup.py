"""The set-up steps `csbot run` (and `csbot shell`) take before starting anything: each is
quick when its inputs have not changed since the last run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime.settings import Settings

if TYPE_CHECKING:
    from bot.shop.demo_data import NewPassword


@dataclass(frozen=True)
class Prepared:
    """What `prepare` made: the model to serve, and console passwords to show once."""

    model: Path
    new_passwords: list[NewPassword] = field(default_factory=list)


def database(settings: Settings) -> None:
    """The embedded SQLite database is brought to head here (`csbot run`, `shell`, `seed`): it
    is this checkout's own file, with nobody else to run `csbot migrate`. A database server's
    schema is its operator's explicit step (`csbot migrate`, perhaps after a backup); it is
    only checked, so `csbot run` refuses (`SchemaNotCurrent`) before training anything."""
    from bot.runtime.revisions import embedded, migrate, require_head

    if not embedded(settings.database_url):
        require_head(settings.database_url)
        return
    before, after = migrate(settings.database_url)
    if before != after:
        print(f"==> Database schema: revision {before or 'none'} -> {after}")


class NoDemo(Exception):
    """Demo data was asked for a pack that has none (no demo.yml); str(exc) says so."""


def first_accounts(settings: Settings, demo: bool = False) -> list[NewPassword]:
    """What an empty database gets on the first `csbot run` or `csbot seed`, and only then.

    A demo pack (`demo: true` in shop.yml), or any pack with `demo=True` (`--demo`), gets its
    demo customers and orders (its demo.yml) and the demo console accounts. Any other shop
    gets one admin account and no made-up customers: its real ones arrive by chat. Returns
    the accounts created (or taken off the published demo password) with their random
    passwords, for the caller to show once; they are written nowhere."""
    from bot.pack.load import load_pack
    from bot.services import Services
    from bot.shop.demo_data import (
        load_demo,
        retire_published_password,
        seed,
        seed_admin,
        seed_agents,
    )
    from knowledge.catalogue import load_products

    pack = load_pack(settings.shop_dir)
    demo = demo or pack.demo
    if demo and not (settings.shop_dir / "demo.yml").is_file():
        raise NoDemo(f"the shop pack {settings.shop_dir} has no demo.yml, so no demo data")
    services = Services.open(settings.database_url, pack=pack)
    try:
        if not demo:
            return seed_admin(services.agents)
        products = load_products(pack.catalogue)
        added = seed(services.engine, products, load_demo(settings.shop_dir))
        if added:
            print(f"==> Demo shop database created: {added} customers ({settings.database_url})")
        return seed_agents(services.agents) or retire_published_password(services.agents)
    finally:
        services.close()


def print_passwords(passwords: Sequence[NewPassword]) -> None:
    """Show new console passwords once, on the terminal only."""
    if not passwords:
        return
    print(
        "==> Console accounts and their passwords, shown this once (only their hashes are"
        " stored;\n    `csbot agents passwd USER --generate` sets a new one):"
    )
    for new in passwords:
        print(f"      {new.username:<10} {new.role:<6} {new.password}")
    print(flush=True)


def workbench_sources(settings: Settings):
    """The knowledge sources, with the FAQ folder the review workbench writes to."""
    from knowledge.sources import Sources

    sources = Sources.of_pack(settings.shop_dir)
    if settings.faq_dir is None:
        return sources
    return Sources(settings.faq_dir, sources.policy_dir, sources.catalogue)


def build_knowledge(settings: Settings, force: bool = False) -> None:
    """The FAISS indexes whose sources changed (KnowledgeError on a bad source file)."""
    from knowledge.embeddings import MiniLMEncoder
    from knowledge.sources import build_all

    sources = workbench_sources(settings)
    for name, manifest in build_all(settings.index_dir, MiniLMEncoder(), sources, force).items():
        if manifest is None:
            print(f"==> Knowledge index '{name}' is up to date.")
        else:
            print(
                f"==> Built knowledge index '{name}': {manifest.count} texts, "
                f"{manifest.docs} entries, {manifest.index_type}, version {manifest.content_hash}"
            )


def ticket_classifier(settings: Settings) -> None:
    """Train the served shop's ticket classifier now if its data changed, never on a
    customer's escalation."""
    from bot.pack.load import load_pack
    from bot.support.classifier import ensure_trained
    from knowledge.embeddings import MiniLMEncoder

    pack = load_pack(settings.shop_dir)
    _, trained = ensure_trained(pack, settings.models_dir, MiniLMEncoder())
    print(f"==> Ticket classifier for {pack.name}", "trained." if trained else "is up to date.")


def rasa_model(settings: Settings, force: bool = False) -> Path:
    """The model an admin activated or kept in the console while the training inputs are
    unchanged since; otherwise the model for the current inputs, trained if need be."""
    from bot.runtime.model_choice import chosen_model
    from bot.runtime.training import ensure_model, fingerprint, inputs_of

    inputs = inputs_of(settings)
    current = fingerprint(settings.project_dir, inputs)
    chosen = None if force else chosen_model(settings.models_dir, current)
    if chosen is not None:
        print(f"==> Serving {chosen.name}, the model chosen in the console.")
        return chosen
    return ensure_model(settings.project_dir, settings.models_dir, force=force, inputs=inputs)


def prepare(settings: Settings, demo: bool = False) -> Prepared:
    """Everything a running csbot needs: the Rasa model to serve, and the passwords of any
    console accounts just created (shown after the long steps, so they do not scroll away)."""
    database(settings)
    passwords = first_accounts(settings, demo)
    build_knowledge(settings)
    ticket_classifier(settings)
    return Prepared(rasa_model(settings), passwords)

"""The set-up steps `csbot run` (and `csbot shell`) take before starting anything: each is
quick when its inputs have not changed since the last run."""

from __future__ import annotations

import os
from pathlib import Path

from bot.runtime.settings import Settings

DEMO_PASSWORD = "kettle-volt-demo"


def seed_demo(settings: Settings) -> None:
    """The demo shop and console accounts, into an empty database only."""
    from bot.services import Services
    from bot.shop.demo_data import seed, seed_agents
    from knowledge.catalogue import load_products

    services = Services.open(settings.database_url)
    try:
        added = seed(services.engine, load_products(settings.catalogue_path))
        if added:
            print(f"==> Demo shop database created: {added} customers ({settings.database_url})")
        password = os.environ.get("CSBOT_DEMO_PASSWORD", DEMO_PASSWORD)
        agents = seed_agents(services.agents, password)
        if agents:
            print(f"==> Demo console accounts {', '.join(agents)} (password: {password})")
    finally:
        services.engine.dispose()


def build_knowledge(settings: Settings, force: bool = False) -> None:
    """The FAISS indexes whose sources changed (KnowledgeError on a bad source file)."""
    from knowledge.embeddings import MiniLMEncoder
    from knowledge.sources import Sources, build_all

    sources = Sources(catalogue=settings.catalogue_path)
    for name, manifest in build_all(settings.index_dir, MiniLMEncoder(), sources, force).items():
        if manifest is None:
            print(f"==> Knowledge index '{name}' is up to date.")
        else:
            print(
                f"==> Built knowledge index '{name}': {manifest.count} texts, "
                f"{manifest.docs} entries, {manifest.index_type}, version {manifest.content_hash}"
            )


def ticket_classifier(settings: Settings) -> None:
    """Train the ticket classifier now if its data changed, never on a customer's escalation."""
    from bot.support.classifier import ensure_trained
    from knowledge.embeddings import MiniLMEncoder

    _, trained = ensure_trained(settings.models_dir, MiniLMEncoder())
    print("==> Ticket classifier", "trained." if trained else "is up to date.")


def rasa_model(settings: Settings, force: bool = False) -> Path:
    from bot.runtime.training import ensure_model

    return ensure_model(settings.project_dir, settings.models_dir, force=force)


def prepare(settings: Settings) -> Path:
    """Everything a running csbot needs; returns the Rasa model to serve."""
    seed_demo(settings)
    build_knowledge(settings)
    ticket_classifier(settings)
    return rasa_model(settings)

"""Shared fixtures: a seeded demo shop on a temporary SQLite database, the real catalogue."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bot.demo_data import seed  # noqa: E402
from bot.shop import Shop  # noqa: E402
from knowledge.catalogue import Product, load_categories, load_products  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, 0)


@pytest.fixture(scope="session")
def products() -> list[Product]:
    return load_products()


@pytest.fixture(scope="session")
def categories() -> dict[str, list[str]]:
    return load_categories()


@pytest.fixture
def shop(tmp_path: Path, products: list[Product]) -> Shop:
    """A fresh demo shop seeded as of NOW, with return checks using the same clock."""
    opened = Shop.open(f"sqlite:///{tmp_path / 'shop.db'}")
    seed(opened.engine, products, now=NOW)
    shop = Shop.from_engine(opened.engine, clock=lambda: NOW)
    yield shop
    shop.engine.dispose()

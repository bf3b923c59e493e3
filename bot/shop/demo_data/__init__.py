"""Deterministic demo customers and orders for a demo pack, read from its `demo.yml`.

- `model`: the typed settings a `demo.yml` holds (`DemoSettings`, `Walkthrough`, ...).
- `load`: reading and validating `demo.yml`, every problem with file and line (`reader`: the
  walk that keeps lines, `values`: the value converters, `checks`: the cross-checks
  against the pack).
- `formats`: the format language for tracking numbers and postcodes (`1Z[0-9A-Z]{16}`).
- `generator`: the customers and orders (`generate`), and `seed` into an empty database.
- `agents`: the demo console accounts.

`DEMO_EMAIL`, `DEMO_ORDER_IN_TRANSIT`, `DEMO_ORDER_DELIVERED` and `DEMO_ORDER_PROCESSING` are
the walkthrough of the pack this process serves (`CSBOT_SHOP`, Kettle & Volt by default),
read from its demo.yml the first time one is asked for.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.pack.locate import pack_dir
from bot.shop.demo_data.agents import (
    DEMO_AGENTS,
    NewPassword,
    retire_published_password,
    seed_admin,
    seed_agents,
)
from bot.shop.demo_data.generator import generate, seed
from bot.shop.demo_data.load import DEMO_FILE, load_demo
from bot.shop.demo_data.model import DemoSettings, Walkthrough

__all__ = [
    "DEMO_AGENTS",
    "DEMO_EMAIL",
    "DEMO_FILE",
    "DEMO_ORDER_DELIVERED",
    "DEMO_ORDER_IN_TRANSIT",
    "DEMO_ORDER_PROCESSING",
    "DemoSettings",
    "NewPassword",
    "Walkthrough",
    "active_demo",
    "generate",
    "load_demo",
    "retire_published_password",
    "seed",
    "seed_admin",
    "seed_agents",
]


@cache
def _demo_of(root: Path) -> DemoSettings:
    return load_demo(root)


def active_demo() -> DemoSettings:
    """The demo settings of the pack this process serves, loaded once per pack."""
    return _demo_of(pack_dir())


_WALKTHROUGH = {
    "DEMO_EMAIL": lambda w: w.email,
    "DEMO_ORDER_IN_TRANSIT": lambda w: w.in_transit,
    "DEMO_ORDER_DELIVERED": lambda w: w.delivered,
    "DEMO_ORDER_PROCESSING": lambda w: w.processing,
}


def __getattr__(name: str) -> object:
    """The walkthrough's email and order numbers, read when first imported (not at import of
    this package, which reads no file)."""
    if name in _WALKTHROUGH:
        return _WALKTHROUGH[name](active_demo().walkthrough)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

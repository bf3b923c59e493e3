"""Console accounts on a first run: the demo ones (alex, jordan, sam) for a demo shop, one
admin for a real one; each with its own random password, shown once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.support.agents import PUBLISHED_DEMO_PASSWORD, AgentService, generate_password

DEMO_AGENTS = (
    (
        "alex",
        "Alex Rivera",
        "agent",
        ("orders", "returns", "billing", "accounts", "products", "care"),
    ),
    ("jordan", "Jordan Lee", "agent", ("orders", "returns")),
    ("sam", "Sam Okafor", "admin", ()),
)


@dataclass(frozen=True)
class NewPassword:
    """A console password to show the operator once; it is stored only as a hash."""

    username: str
    role: str
    password: str


FIRST_ADMIN = ("admin", "Administrator", "admin", ())


def seed_admin(
    agents: AgentService, make_password: Callable[[], str] = generate_password
) -> list[NewPassword]:
    """A real shop's first console account: one admin with a random password (shown once),
    into a database with no accounts; nothing otherwise. The admin adds the team's own."""
    if agents.all():
        return []
    username, name, role, skills = FIRST_ADMIN
    password = make_password()
    agents.create(username, name, password, role=role, skills=skills)
    return [NewPassword(username, role, password)]


def seed_agents(
    agents: AgentService, make_password: Callable[[], str] = generate_password
) -> list[NewPassword]:
    """Demo console accounts, each with its own random password, into a database with no
    accounts; nothing otherwise. The passwords are returned, never stored or logged."""
    if agents.all():
        return []
    created = []
    for username, name, role, skills in DEMO_AGENTS:
        password = make_password()
        agents.create(username, name, password, role=role, skills=skills)
        created.append(NewPassword(username, role, password))
    return created


def retire_published_password(
    agents: AgentService, make_password: Callable[[], str] = generate_password
) -> list[NewPassword]:
    """Demo accounts of an older database that still accept the password the README once
    published get a random one (their sessions end with it)."""
    renewed = []
    for username, _name, role, _skills in DEMO_AGENTS:
        if agents.authenticate(username, PUBLISHED_DEMO_PASSWORD) is None:
            continue
        password = make_password()
        agents.set_password(username, password)
        renewed.append(NewPassword(username, role, password))
    return renewed

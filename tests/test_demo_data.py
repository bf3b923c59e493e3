import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.runtime.cli import main
from bot.runtime.settings import Settings
from bot.runtime.setup import seed_demo
from bot.services import Services
from bot.shop.demo_data import DEMO_AGENTS, generate, seed
from bot.shop.models import Customer, Order
from bot.support.agents import PUBLISHED_DEMO_PASSWORD, AgentError, hash_password
from bot.support.models import Agent
from tests.conftest import NOW


def test_demo_shop_is_plentiful_and_varied(services):
    with Session(services.engine) as session:
        customers = session.execute(select(func.count(Customer.id))).scalar_one()
        statuses = Counter(session.execute(select(Order.status)).scalars())
    assert customers == 400
    assert sum(statuses.values()) > 800
    assert {"processing", "shipped", "out_for_delivery", "delivered", "cancelled"} <= set(statuses)


def test_generation_is_deterministic(products):
    first = [(c.email, [o.id for o in c.orders]) for c in generate(products, NOW, customers=50)]
    again = [(c.email, [o.id for o in c.orders]) for c in generate(products, NOW, customers=50)]
    assert first == again


def test_seeding_twice_adds_nothing(services, products):
    assert seed(services.engine, products, now=NOW) == 0


# --- console accounts: no shared default password ------------------------------------------

ACCOUNT_LINE = re.compile(r"^\s+(alex|jordan|sam)\s+(agent|admin)\s+(\S+)$", re.MULTILINE)


@pytest.fixture
def shop_copy(sqlite_template, tmp_path, monkeypatch) -> Path:
    """A seeded demo shop with no console accounts yet, as CSBOT_DATABASE_URL."""
    copy = tmp_path / "shop.db"
    shutil.copyfile(sqlite_template, copy)
    monkeypatch.setenv("CSBOT_DATABASE_URL", f"sqlite:///{copy}")
    return copy


def test_a_fresh_database_gets_random_passwords_shown_once(shop_copy, capsys):
    assert main(["seed"]) == 0
    accounts = ACCOUNT_LINE.findall(capsys.readouterr().out)
    assert [(user, role) for user, role, _ in accounts] == [
        ("alex", "agent"),
        ("jordan", "agent"),
        ("sam", "admin"),
    ]
    passwords = [password for *_, password in accounts]
    assert len(set(passwords)) == 3 and all(len(p) >= 16 for p in passwords)
    services = Services.open(f"sqlite:///{shop_copy}")
    for user, _, password in accounts:
        assert services.agents.authenticate(user, password).username == user
        assert services.agents.authenticate(user, PUBLISHED_DEMO_PASSWORD) is None
    services.engine.dispose()
    stored = b"".join(p.read_bytes() for p in shop_copy.parent.glob("shop.db*"))
    assert not any(p.encode() in stored for p in passwords)  # only their hashes

    assert main(["seed"]) == 0  # accounts exist: nothing new, nothing shown
    assert ACCOUNT_LINE.findall(capsys.readouterr().out) == []


def test_demo_accounts_left_on_the_published_password_get_a_random_one(shop_copy):
    services = Services.open(f"sqlite:///{shop_copy}")
    with Session(services.engine) as session, session.begin():
        for user, name, role, skills in DEMO_AGENTS:  # an older csbot seeded them like this
            hashed = hash_password(PUBLISHED_DEMO_PASSWORD)
            session.add(
                Agent(
                    username=user, name=name, password_hash=hashed, role=role, skills=list(skills)
                )
            )
    services.agents.create("robin", "Robin", "robin's own password")
    alex = services.agents.authenticate("alex", PUBLISHED_DEMO_PASSWORD)
    token = services.sessions.open(alex.id)

    renewed = seed_demo(Settings.from_env())

    assert [(n.username, n.role) for n in renewed] == [
        ("alex", "agent"),
        ("jordan", "agent"),
        ("sam", "admin"),
    ]
    for new in renewed:
        assert services.agents.authenticate(new.username, PUBLISHED_DEMO_PASSWORD) is None
        assert services.agents.authenticate(new.username, new.password) is not None
    assert services.sessions.agent_for(token) is None  # its sessions ended with it
    assert services.agents.authenticate("robin", "robin's own password") is not None
    assert seed_demo(Settings.from_env()) == []
    services.engine.dispose()


def test_the_published_password_is_refused_for_any_account(services):
    with pytest.raises(AgentError, match="published with the demo"):
        services.agents.create("robin", "Robin", PUBLISHED_DEMO_PASSWORD)
    services.agents.create("robin", "Robin", "a good password")
    with pytest.raises(AgentError, match="published with the demo"):
        services.agents.set_password("robin", PUBLISHED_DEMO_PASSWORD)

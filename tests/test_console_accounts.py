"""Console accounts: server-side sessions, login throttling, password changes, scrypt off the
event loop, and the admins' audit trail."""

from __future__ import annotations

import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from yarl import URL

from bot.runtime.settings import Settings
from bot.services import Services
from bot.support import agents as agents_module
from bot.support.audit import record
from bot.support.logins import LoggedIn, Refused, Throttled, ThrottlePolicy, pair_key
from bot.support.models import AuditEntry, ConsoleSession, LoginThrottle
from bot.web import create_app
from tests.conftest import Clock, keyword_classifier, open_services, web_settings

PASSWORD = "correct horse battery"
POLICY = ThrottlePolicy(
    max_failures=3,
    max_failures_per_address=6,
    backoff=timedelta(seconds=30),
    backoff_max=timedelta(seconds=120),
    max_failures_per_account=8,
)
COOKIE = "csbot_console"


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _desk(url: str, clock: Clock) -> Services:
    services = open_services(url, clock=clock, classifier=keyword_classifier, login_policy=POLICY)
    services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])
    services.agents.create("sam", "Sam", PASSWORD, role="admin")
    return services


@pytest.fixture
def desk(db_url, clock):
    """Accounts alex (agent) and sam (admin) with a known password, on SQLite and PostgreSQL."""
    services = _desk(db_url, clock)
    yield services
    services.engine.dispose()


@pytest.fixture
def web_desk(tmp_path, clock):
    services = _desk(f"sqlite:///{tmp_path / 'desk.db'}", clock)
    yield services
    services.engine.dispose()


@pytest.fixture
async def console(aiohttp_client, rasa, web_desk, tmp_path):
    settings = web_settings(str(rasa.make_url("")).rstrip("/"), tmp_path)
    return await aiohttp_client(create_app(settings, web_desk))


async def csrf_of(client, path: str = "/console/login") -> str:
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def try_login(client, username: str = "alex", password: str = PASSWORD, **headers):
    token = await csrf_of(client)
    return await client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf": token},
        headers=headers,
        allow_redirects=False,
    )


async def login(client, username: str = "alex", password: str = PASSWORD) -> str:
    response = await try_login(client, username, password)
    assert response.status == 302, await response.text()
    return await csrf_of(client, "/console")


def cookie_of(client) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == COOKIE)


def put_cookie(client, value: str) -> None:
    client.session.cookie_jar.update_cookies(
        {COOKIE: value}, response_url=URL(str(client.make_url("/")))
    )


async def is_logged_in(client) -> bool:
    response = await client.get("/console", allow_redirects=False)
    assert response.status in (200, 302)
    return response.status == 200


# --- sessions ----------------------------------------------------------------------------


async def test_a_copied_cookie_is_worthless_after_logout(console):
    token = await login(console)
    copied = cookie_of(console)
    await console.post("/console/logout", data={"csrf": token})
    assert not await is_logged_in(console)
    put_cookie(console, copied)  # someone replays the cookie they copied
    assert not await is_logged_in(console)
    polled = await console.get("/console/api/tickets/1/messages")
    assert polled.status == 401


async def test_a_password_set_by_the_operator_ends_live_sessions(console, web_desk):
    await login(console)
    assert await is_logged_in(console)
    _agent, ended = web_desk.agents.set_password("alex", "a brand new secret")
    assert ended == 1
    assert not await is_logged_in(console)
    assert (await try_login(console, password=PASSWORD)).status == 401
    await login(console, password="a brand new secret")
    assert await is_logged_in(console)


async def test_sessions_still_expire_after_twelve_hours(console, clock):
    await login(console)
    clock.now += timedelta(hours=11, minutes=59)
    assert await is_logged_in(console)
    clock.now += timedelta(minutes=1)
    assert not await is_logged_in(console)


def test_the_database_holds_only_a_hash_of_the_session_token(desk):
    alex = desk.agents.authenticate("alex", PASSWORD)
    token = desk.sessions.open(alex.id, "10.0.0.7")
    with Session(desk.engine) as session:
        ids = list(session.execute(select(ConsoleSession.id)).scalars())
    assert ids == [hashlib.sha256(token.encode()).hexdigest()] and token not in ids
    assert desk.sessions.agent_for(token) == alex
    assert desk.sessions.agent_for(token[:-1] + "x") is None


def test_last_seen_is_written_at_most_every_thirty_seconds(desk, clock):
    alex = desk.agents.authenticate("alex", PASSWORD)
    token = desk.sessions.open(alex.id)
    opened = clock.now

    def last_seen():
        with Session(desk.engine) as session:
            return session.execute(select(ConsoleSession.last_seen_at)).scalar_one()

    clock.now += timedelta(seconds=10)
    assert desk.sessions.agent_for(token) == alex and last_seen() == opened
    clock.now += timedelta(seconds=25)
    assert desk.sessions.agent_for(token) == alex and last_seen() == clock.now


# --- the agent's own password change -----------------------------------------------------


async def change(client, token: str, current: str, new: str, confirm: str | None = None):
    return await client.post(
        "/console/password",
        data={"csrf": token, "current": current, "new": new, "confirm": confirm or new},
        allow_redirects=False,
    )


async def test_changing_ones_password_ends_every_other_session(console, web_desk):
    token = await login(console)
    other_browser = cookie_of(console)
    changed = await change(console, token, PASSWORD, "my own new secret")
    assert changed.status == 302 and changed.headers["Location"] == "/console/password?done=1"
    assert "Password changed" in await (await console.get(changed.headers["Location"])).text()
    mine = cookie_of(console)
    assert await is_logged_in(console)  # this browser carries on with a fresh session
    put_cookie(console, other_browser)
    assert not await is_logged_in(console)
    put_cookie(console, mine)
    assert await is_logged_in(console)
    assert web_desk.agents.authenticate("alex", PASSWORD) is None
    assert web_desk.agents.authenticate("alex", "my own new secret") is not None


@pytest.mark.parametrize(
    ("current", "new", "confirm", "error"),
    [
        ("wrong one!", "my own new secret", None, "The current password is wrong."),
        (PASSWORD, "my own new secret", "something else", "The new passwords do not match."),
        (PASSWORD, "short", None, "Password must have at least 8 characters."),
        (PASSWORD, "kettle-volt-demo", None, "published with the demo"),
    ],
)
async def test_a_refused_password_change_changes_nothing(
    console, web_desk, current, new, confirm, error
):
    token = await login(console)
    refused = await change(console, token, current, new, confirm)
    assert refused.status == 400 and error in await refused.text()
    assert await is_logged_in(console)
    assert web_desk.agents.authenticate("alex", PASSWORD) is not None


async def test_guessing_the_current_password_with_a_stolen_session_is_throttled(console):
    token = await login(console)
    for _ in range(POLICY.max_failures - 1):
        assert (await change(console, token, "a guess!!", "my own new secret")).status == 400
    blocked = await change(console, token, "a guess!!", "my own new secret")
    assert blocked.status == 429 and blocked.headers["Retry-After"] == "30"
    right = await change(console, token, PASSWORD, "my own new secret")
    assert right.status == 429  # not even checked while blocked


# --- login throttling --------------------------------------------------------------------


def test_failures_earn_blocks_that_double_up_to_the_cap(desk, clock):
    logins = desk.logins
    assert logins.login("alex", "guess 1", "10.0.0.7") == Refused()
    assert logins.login("alex", "guess 2", "10.0.0.7") == Refused()
    assert logins.login("alex", "guess 3", "10.0.0.7") == Throttled(30)
    blocked = logins.login("alex", PASSWORD, "10.0.0.7")  # right password, same address
    assert isinstance(blocked, Throttled) and blocked.seconds == 30
    waits = []
    for _ in range(4):
        clock.now += timedelta(seconds=waits[-1] if waits else 30)
        waits.append(logins.login("alex", "another guess", "10.0.0.7").seconds)
    assert waits == [60, 120, 120, 120]
    clock.now += timedelta(seconds=120)
    assert isinstance(logins.login("alex", PASSWORD, "10.0.0.7"), LoggedIn)
    # Elsewhere the account has no count (this address still has 7 failures, across accounts).
    assert logins.login("alex", "typo", "10.0.0.8") == Refused()


def test_a_stranger_hammering_an_account_cannot_lock_its_owner_out(desk, clock):
    """User names are public: an attacker at one address guessing sam's password for as
    long as they like gets ever longer waits, while sam logs in from his own address, one
    he never used before, throughout."""
    logins, attacker, owner = desk.logins, "203.0.113.9", "10.0.0.8"
    results = [logins.login("sam", f"guess {n}", attacker) for n in range(POLICY.max_failures)]
    assert results[:-1] == [Refused()] * (POLICY.max_failures - 1)
    assert results[-1] == Throttled(30)
    assert isinstance(logins.login("sam", PASSWORD, owner), LoggedIn)
    waits = []
    for n in range(40):  # each guess as soon as the last block ends
        assert isinstance(logins.login("sam", f"early guess {n}", attacker), Throttled)
        clock.now += timedelta(seconds=waits[-1] if waits else 30)
        waits.append(logins.login("sam", f"guess {n}", attacker).seconds)
        if n % 10 == 9:  # sam, from wherever he is that day
            assert isinstance(logins.login("sam", PASSWORD, f"10.0.1.{n}"), LoggedIn)
    assert waits[:3] == [60, 120, 120] and set(waits[3:]) == {120}
    assert isinstance(logins.login("sam", PASSWORD, owner), LoggedIn)
    assert isinstance(logins.login("sam", "more guessing", attacker), Throttled)


def test_guessing_from_many_addresses_meets_the_overall_ceiling_but_not_the_owners_address(
    desk,
):
    logins = desk.logins
    assert isinstance(logins.login("sam", PASSWORD, "10.0.0.8"), LoggedIn)  # sam's usual one
    per_address = POLICY.max_failures - 1  # staying under each address's own limit
    for n in range(POLICY.max_failures_per_account - 1):
        assert logins.login("sam", "guess", f"198.51.100.{n // per_address}") == Refused()
    assert logins.login("sam", "guess", "198.51.100.200") == Throttled(30)
    assert isinstance(logins.login("sam", PASSWORD, "198.51.100.201"), Throttled)
    assert isinstance(logins.login("sam", PASSWORD, "10.0.0.8"), LoggedIn)


def test_spraying_many_accounts_from_one_address_blocks_the_address(desk):
    logins = desk.logins
    for n in range(POLICY.max_failures_per_address - 1):
        assert logins.login(f"user{n}", "password1", "10.0.0.9") == Refused()
    assert isinstance(logins.login("user99", "password1", "10.0.0.9"), Throttled)
    assert isinstance(logins.login("alex", PASSWORD, "10.0.0.9"), Throttled)
    assert isinstance(logins.login("alex", PASSWORD, "10.0.0.10"), LoggedIn)


def test_a_known_account_does_not_reset_a_sprayers_count(desk):
    logins = desk.logins
    for n in range(POLICY.max_failures_per_address - 2):
        assert logins.login(f"user{n}", "password1", "10.0.0.9") == Refused()
    assert isinstance(logins.login("alex", PASSWORD, "10.0.0.9"), LoggedIn)
    assert logins.login("user98", "password1", "10.0.0.9") == Refused()
    assert isinstance(logins.login("user99", "password1", "10.0.0.9"), Throttled)


def test_failures_are_forgotten_a_day_later(desk, clock):
    for _ in range(POLICY.max_failures - 1):
        assert desk.logins.login("alex", "guess", "10.0.0.7") == Refused()
    clock.now += POLICY.forget_after + timedelta(seconds=1)
    for _ in range(POLICY.max_failures - 1):
        assert desk.logins.login("alex", "guess", "10.0.0.7") == Refused()


def test_a_burst_of_parallel_guesses_gets_no_more_password_checks(desk, monkeypatch):
    """40 guesses at once on one account: only the free ones reach scrypt; every other
    one is refused unchecked, and the right password is blocked too afterwards."""
    checks = []
    real_check = agents_module.check_password

    def counting(password: str, stored: str) -> bool:
        checks.append(password)
        return real_check(password, stored)

    monkeypatch.setattr(agents_module, "check_password", counting)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda n: desk.logins.login("alex", f"guess {n}", "10.0.0.7"), range(40))
        )
    assert len(checks) == POLICY.max_failures
    assert sum(isinstance(r, Refused) for r in results) == POLICY.max_failures - 1
    assert sum(isinstance(r, Throttled) for r in results) == 40 - POLICY.max_failures + 1
    with Session(desk.engine) as session:
        key = pair_key("alex", "10.0.0.7")
        assert session.get(LoginThrottle, key).failures == POLICY.max_failures
    assert isinstance(desk.logins.login("alex", PASSWORD, "10.0.0.7"), Throttled)


async def test_a_throttled_login_is_a_429_with_retry_after(console, clock):
    for _ in range(POLICY.max_failures - 1):
        assert (await try_login(console, password="nope nope")).status == 401
    blocked = await try_login(console, password="nope nope")
    assert blocked.status == 429 and blocked.headers["Retry-After"] == "30"
    page = await blocked.text()
    assert "Too many failed logins for this account or from this address." in page
    assert "Try again in 30 seconds." in page and 'id="login"' in page  # the same form
    right = await try_login(console, password=PASSWORD, Accept="application/json")
    assert right.status == 429 and right.headers["Retry-After"] == "30"
    assert (await right.json())["retry_after"] == 30
    assert not await is_logged_in(console)
    clock.now += timedelta(seconds=30)
    await login(console)
    assert await is_logged_in(console)


def test_the_throttle_policy_comes_from_the_environment():
    from bot.web.app import login_policy

    settings = Settings.from_env(
        {
            "CSBOT_LOGIN_MAX_FAILURES": "4",
            "CSBOT_LOGIN_MAX_FAILURES_PER_ADDRESS": "12",
            "CSBOT_LOGIN_BACKOFF_S": "10",
            "CSBOT_LOGIN_BACKOFF_MAX_S": "600",
            "CSBOT_LOGIN_MAX_FAILURES_PER_ACCOUNT": "50",
        }
    )
    assert login_policy(settings) == ThrottlePolicy(
        4, 12, timedelta(seconds=10), timedelta(minutes=10), max_failures_per_account=50
    )
    assert login_policy(Settings.from_env({})) == ThrottlePolicy()


# --- scrypt off the event loop -----------------------------------------------------------


async def test_scrypt_never_runs_on_the_event_loop(console, monkeypatch):
    threads = []
    real_scrypt = hashlib.scrypt

    def recording(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", recording)
    assert (await try_login(console, password="wrong password")).status == 401
    token = await login(console)
    await change(console, token, PASSWORD, "my own new secret")
    assert len(threads) >= 4 and not any(threads)  # login x2, check + hash on the change


# --- audit trail ---------------------------------------------------------------------------


@pytest.fixture
def ticket(web_desk) -> int:
    opened = web_desk.escalation.open(
        "visitor-0007", "customer_request", [("customer", "charged twice!")]
    )
    return opened.ticket_id


async def audit_json(client, query: str = "") -> dict:
    response = await client.get(f"/console/admin/audit.json{query}")
    assert response.status == 200
    return await response.json()


async def test_agents_actions_are_in_the_audit_trail_for_admins(console, rasa, web_desk, ticket):
    token = await login(console, "alex")
    await console.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    await console.post(
        f"/console/api/tickets/{ticket}/reply",
        json={"text": "Looking into it"},
        headers={"X-CSRF-Token": token},
    )
    await console.post(
        f"/console/tickets/{ticket}/correct",
        data={"csrf": token, "category": "billing", "priority": "urgent"},
    )
    await console.post(f"/console/tickets/{ticket}/resolve", data={"csrf": token})
    for path in ("/console/admin/audit", "/console/admin/audit.json"):
        assert (await console.get(path, allow_redirects=False)).status == 403
    await console.post("/console/logout", data={"csrf": token})
    await login(console, "sam")

    entries = (await audit_json(console))["entries"]
    trail = [(e["actor"], e["action"], e["ticket_id"]) for e in reversed(entries)]
    assert trail == [
        ("alex", "login", None),
        ("alex", "take", ticket),
        ("alex", "reply", ticket),
        ("alex", "correct", ticket),
        ("alex", "resolve", ticket),
        ("alex", "logout", None),
        ("sam", "login", None),
    ]
    by_action = {e["action"]: e for e in entries}
    assert by_action["reply"]["detail"] == {"chars": len("Looking into it")}
    assert by_action["correct"]["detail"]["after"] == {"category": "billing", "priority": "urgent"}
    assert by_action["take"]["conversation_id"] == "visitor-0007"

    page = await (await console.get("/console/admin/audit?action=resolve")).text()
    assert f'href="/console/tickets/{ticket}"' in page and "alex" in page
    assert "<td>resolve</td>" in page and "<td>take</td>" not in page
    only_takes = await audit_json(console, "?action=take")
    assert [e["action"] for e in only_takes["entries"]] == ["take"]
    assert (await console.get("/console/admin/audit?action=hack")).status == 400


async def test_a_take_that_changed_nothing_is_not_recorded(console, rasa, ticket, web_desk):
    token = await login(console, "alex")
    await console.post(f"/console/tickets/{ticket}/take", data={"csrf": token})
    await console.post(f"/console/tickets/{ticket}/take", data={"csrf": token})  # already mine
    takes, total = web_desk.audit.page(action="take")
    assert total == 1 and takes[0].ticket_id == ticket


async def test_an_admins_reassign_is_recorded_with_from_and_to(console, rasa, web_desk, ticket):
    alex = web_desk.agents.authenticate("alex", PASSWORD)
    await login(console, "sam")
    token = await csrf_of(console, f"/console/tickets/{ticket}")
    await console.post(
        f"/console/tickets/{ticket}/reassign", data={"csrf": token, "agent_id": str(alex.id)}
    )
    entries, _ = web_desk.audit.page(action="reassign")
    assert [(e.actor, e.detail) for e in entries] == [("sam", {"from": None, "to": alex.id})]


def test_privacy_actions_are_recorded_through_record(desk):
    """`bot.support.audit.record` is what an export or delete calls: an operator or an
    admin, a conversation, no ticket needed (and no foreign key to outlive)."""
    sam = desk.agents.authenticate("sam", PASSWORD)
    record(desk.engine, sam, "export", conversation_id="visitor-0042", detail={"messages": 12})
    record(desk.engine, "cli:root", "delete", conversation_id="visitor-0042", ticket_id=999)
    entries, total = desk.audit.page()
    assert total == 2
    assert [(e.actor, e.agent_id, e.action) for e in entries] == [
        ("cli:root", None, "delete"),
        ("sam", sam.id, "export"),
    ]
    with pytest.raises(ValueError, match="unknown audit action 'erase'"):
        record(desk.engine, "cli:root", "erase")
    with Session(desk.engine) as session:
        assert len(session.execute(select(AuditEntry.id)).all()) == 2

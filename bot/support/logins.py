"""Console logins: throttled per account and per client address, and a server-side session
for each success.

A few failures are free (typos); after `max_failures` on one account (or
`max_failures_per_address` from one address, across accounts: password spraying) each further
failure blocks that key for `backoff` doubling every time, up to `backoff_max`. While a key
is blocked the password is not even checked, so guessing gains nothing and learns nothing.
A success clears the account's count; an address's count is forgotten `forget_after` its
last failure. Counts live in the database: every web process and a restart see them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.support.agents import AgentService, AgentView, WrongPassword
from bot.support.audit import AuditTrail
from bot.support.models import LoginThrottle
from bot.support.sessions import ConsoleSessions

MAX_KEY = 200


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed logins are free and how long the blocks after them last."""

    max_failures: int = 5
    max_failures_per_address: int = 20
    backoff: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.max_failures_per_address < 1:
            raise ValueError("the free failures must be at least 1")
        if self.backoff <= timedelta(0) or self.backoff_max < self.backoff:
            raise ValueError("backoff must be above 0 and backoff_max at least backoff")

    def block_for(self, failures: int, limit: int) -> timedelta | None:
        """The block the `failures`-th failure in a row earns (None while still free)."""
        if failures < limit:
            return None
        doublings = min(failures - limit, 32)  # 2**32 * backoff is past any cap
        return min(self.backoff * 2**doublings, self.backoff_max)


def user_key(username: str) -> str:
    return f"user:{username.strip().lower()}"[:MAX_KEY]


def address_key(address: str | None) -> str:
    return f"addr:{address or 'unknown'}"[:MAX_KEY]


class Throttle:
    """Failed-login counts and blocks, keyed by account and by address."""

    def __init__(
        self,
        engine: Engine,
        policy: ThrottlePolicy | None = None,
        clock: Callable[[], datetime] = datetime.utcnow,
    ) -> None:
        self._engine = engine
        self.policy = policy or ThrottlePolicy()
        self._clock = clock

    def retry_after(self, username: str, address: str | None) -> float | None:
        """Seconds until this account or this address may try again; None when free."""
        now = self._clock()
        with Session(self._engine) as session:
            blocks = [
                row.blocked_until
                for key in (user_key(username), address_key(address))
                if (row := session.get(LoginThrottle, key)) is not None
                and row.blocked_until is not None
                and row.blocked_until > now
            ]
        return max((b - now).total_seconds() for b in blocks) if blocks else None

    def failed(self, username: str, address: str | None) -> float | None:
        """Count a failure for both keys; returns the block it earned (seconds), if any."""
        now = self._clock()
        limits = {
            user_key(username): self.policy.max_failures,
            address_key(address): self.policy.max_failures_per_address,
        }
        for attempt in range(3):  # two first failures at once: one insert loses, retry
            try:
                with Session(self._engine) as session, session.begin():
                    session.execute(
                        delete(LoginThrottle).where(
                            LoginThrottle.last_failure_at < now - self.policy.forget_after
                        )
                    )
                    blocks = [
                        self._count(session, key, limit, now) for key, limit in limits.items()
                    ]
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        earned = [b for b in blocks if b is not None]
        return max(earned).total_seconds() if earned else None

    def _count(self, session: Session, key: str, limit: int, now: datetime) -> timedelta | None:
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0)
            session.add(row)
        row.failures += 1
        row.last_failure_at = now
        block = self.policy.block_for(row.failures, limit)
        row.blocked_until = now + block if block else None
        session.flush()
        return block

    def succeeded(self, username: str) -> None:
        """The account's password was right: its count starts again (the address's does
        not, or one known account would reset a sprayer's count)."""
        with Session(self._engine) as session, session.begin():
            session.execute(delete(LoginThrottle).where(LoginThrottle.key == user_key(username)))


@dataclass(frozen=True)
class LoggedIn:
    agent: AgentView
    token: str  # for the session cookie


@dataclass(frozen=True)
class Refused:
    """Wrong username or password; `retry_after` set when this failure earned a block."""

    retry_after: float | None = None


@dataclass(frozen=True)
class Throttled:
    retry_after: float

    @property
    def seconds(self) -> int:
        """Whole seconds for a Retry-After header (never 0: 0 means "now")."""
        return max(1, math.ceil(self.retry_after))


class Logins:
    """A console login attempt from start to end: throttle, password (scrypt), session,
    audit. Blocking throughout: the web app calls it in a worker thread."""

    def __init__(
        self,
        agents: AgentService,
        throttle: Throttle,
        sessions: ConsoleSessions,
        audit: AuditTrail,
    ) -> None:
        self._agents = agents
        self.throttle = throttle
        self._sessions = sessions
        self._audit = audit

    def login(
        self, username: str, password: str, address: str | None
    ) -> LoggedIn | Refused | Throttled:
        wait = self.throttle.retry_after(username, address)
        if wait is not None:
            return Throttled(wait)
        agent = self._agents.authenticate(username, password)
        if agent is None:
            earned = self.throttle.failed(username, address)
            return Throttled(earned) if earned is not None else Refused()
        self.throttle.succeeded(username)
        token = self._sessions.open(agent.id, address)
        self._audit.record(agent, "login", detail={"address": address})
        return LoggedIn(agent, token)

    def logout(self, agent: AgentView | None, token: str | None) -> None:
        if self._sessions.revoke(token) and agent is not None:
            self._audit.record(agent, "logout")

    def change_password(
        self, agent: AgentView, current: str, new: str, address: str | None
    ) -> LoggedIn | Throttled:
        """The agent's own password change: the current password is checked under the same
        throttle as a login (a stolen session must not become a guessing oracle); every
        session is revoked and a fresh one returned for this browser. AgentError when the
        current password is wrong or the new one too short."""
        wait = self.throttle.retry_after(agent.username, address)
        if wait is not None:
            return Throttled(wait)
        try:
            changed = self._agents.change_password(agent.id, current, new)
        except WrongPassword:
            earned = self.throttle.failed(agent.username, address)
            if earned is not None:
                return Throttled(earned)
            raise
        self._audit.record(changed, "password", detail={"by": "self"})
        return LoggedIn(changed, self._sessions.open(changed.id, address))

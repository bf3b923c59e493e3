"""Console logins: throttled per account and per client address, and a server-side session
for each success.

A few failures are free (typos). The `max_failures`-th failure in a row on one account (or
the `max_failures_per_address`-th from one address, across accounts: password spraying)
blocks that key for `backoff`, each further failure twice as long, up to `backoff_max`.
While a key is blocked the password is not even checked, so guessing gains nothing and
learns nothing. Every attempt is counted before its password is checked (and uncounted when
it was right), so a burst of parallel guesses gets no more checks than a patient guesser.
A success clears the account's count; any count is forgotten `forget_after` its last
failure. Counts live in the database: every web process and a restart see them.
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

from bot.support.agents import (
    AgentError,
    AgentService,
    AgentView,
    WrongPassword,
    check_new_password,
)
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


@dataclass(frozen=True)
class Attempt:
    """A login attempt let through and already counted as a failure: a burst of parallel
    guesses cannot all pass the check before any of them is counted."""

    username: str
    address: str | None
    at: datetime
    earned: float | None  # seconds of block this attempt earns if its password is wrong


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

    def _limits(self, username: str, address: str | None) -> dict[str, int]:
        return {
            user_key(username): self.policy.max_failures,
            address_key(address): self.policy.max_failures_per_address,
        }

    def begin(self, username: str, address: str | None) -> Attempt | Throttled:
        """Throttled while this account or address is blocked (nothing is counted then);
        otherwise the attempt is counted as a failure up front and let through."""
        now = self._clock()
        for retry in range(3):  # two first failures at once: one insert loses, retry
            try:
                return self._begin(username, address, now)
            except IntegrityError:
                if retry == 2:
                    raise
        raise AssertionError("unreachable")

    def _begin(self, username: str, address: str | None, now: datetime) -> Attempt | Throttled:
        forgotten = LoginThrottle.last_failure_at < now - self.policy.forget_after
        with Session(self._engine) as session, session.begin():
            # A write first: on SQLite it takes the write lock, so the read below is current.
            session.execute(delete(LoginThrottle).where(forgotten))
            limits = self._limits(username, address)
            rows = {key: session.get(LoginThrottle, key, with_for_update=True) for key in limits}
            blocked = [r.blocked_until for r in rows.values() if r and r.blocked_until]
            if blocked and max(blocked) > now:
                return Throttled((max(blocked) - now).total_seconds())
            earned = []
            for key, limit in limits.items():
                row = rows[key] or LoginThrottle(key=key, failures=0)
                session.add(row)
                row.failures += 1
                row.last_failure_at = now
                block = self.policy.block_for(row.failures, limit)
                row.blocked_until = now + block if block else None
                if block:
                    earned.append(block.total_seconds())
        return Attempt(username, address, now, max(earned) if earned else None)

    def passed(self, attempt: Attempt) -> None:
        """The password was right: the account's count starts again, and the address keeps
        its count less this attempt (else one known account would reset a sprayer's
        count), losing only a block that this attempt itself set."""
        limits = self._limits(attempt.username, attempt.address)
        user, address = list(limits)
        with Session(self._engine) as session, session.begin():
            session.execute(delete(LoginThrottle).where(LoginThrottle.key == user))
            row = session.get(LoginThrottle, address, with_for_update=True)
            if row is None:
                return
            row.failures = max(row.failures - 1, 0)
            if row.last_failure_at == attempt.at or row.failures < limits[address]:
                row.blocked_until = None


@dataclass(frozen=True)
class LoggedIn:
    agent: AgentView
    token: str  # for the session cookie


@dataclass(frozen=True)
class Refused:
    """Wrong username or password (and no block earned yet)."""


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
        attempt = self.throttle.begin(username, address)
        if isinstance(attempt, Throttled):
            return attempt
        agent = self._agents.authenticate(username, password)
        if agent is None:
            return Throttled(attempt.earned) if attempt.earned is not None else Refused()
        self.throttle.passed(attempt)
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
        current password is wrong or the new one unacceptable."""
        check_new_password(new)  # a too-short new password is no failed guess
        attempt = self.throttle.begin(agent.username, address)
        if isinstance(attempt, Throttled):
            return attempt
        try:
            changed = self._agents.change_password(agent.id, current, new)
        except WrongPassword:
            if attempt.earned is not None:
                return Throttled(attempt.earned)
            raise
        except AgentError:
            self.throttle.passed(attempt)  # the current password was right
            raise
        self.throttle.passed(attempt)
        self._audit.record(changed, "password", detail={"by": "self"})
        return LoggedIn(changed, self._sessions.open(changed.id, address))

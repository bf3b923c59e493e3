"""Console logins: throttled per (account, client address), per address and per account, and
a server-side session for each success.

A few failures are free (typos). Three counts, each blocking for `backoff` once its limit is
reached, each further failure twice as long, up to `backoff_max`:

- the account from one address (`max_failures`): a guesser at one address is slowed down
  without touching the account's owner elsewhere (user names are public: a count per
  account alone let anyone lock the only admin out for as long as they kept trying);
- one address across accounts (`max_failures_per_address`): password spraying;
- the account across addresses (`max_failures_per_account`, the overall ceiling): guessing
  from many addresses. It stops only addresses that have not logged in to the account
  within `remember_known` (a device-cookie scheme's idea, by address), so its owner at a
  usual address still gets in while strangers are held back.

While a key is blocked the password is not even checked, so guessing gains nothing and
learns nothing. Every attempt is counted before its password is checked (and uncounted when
it was right), so a burst of parallel guesses gets no more checks than a patient guesser.
A success clears its (account, address) count; any count is forgotten `forget_after` its
last failure. Counts live in the database: every web process and a restart see them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.support.addresses import client_key
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

    max_failures: int = 5  # per account from one address
    max_failures_per_address: int = 20  # per address, across accounts
    backoff: timedelta = timedelta(seconds=30)
    backoff_max: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)
    max_failures_per_account: int = 100  # per account, across addresses it is unknown at
    remember_known: timedelta = timedelta(days=30)  # an address's last login, per account

    def __post_init__(self) -> None:
        free = (self.max_failures, self.max_failures_per_address, self.max_failures_per_account)
        if min(free) < 1:
            raise ValueError("the free failures must be at least 1")
        if self.backoff <= timedelta(0) or self.backoff_max < self.backoff:
            raise ValueError("backoff must be above 0 and backoff_max at least backoff")

    def block_for(self, failures: int, limit: int) -> timedelta | None:
        """The block the `failures`-th failure in a row earns (None while still free)."""
        if failures < limit:
            return None
        doublings = min(failures - limit, 32)  # 2**32 * backoff is past any cap
        return min(self.backoff * 2**doublings, self.backoff_max)


def _user(username: str) -> str:
    return username.strip().lower()


def user_key(username: str) -> str:
    """The account's count across addresses (the overall ceiling)."""
    return f"user:{_user(username)}"[:MAX_KEY]


def address_key(address: str | None) -> str:
    return f"addr:{client_key(address)}"[:MAX_KEY]


def pair_key(username: str, address: str | None) -> str:
    """The account from one address. The address comes first: a cut-off key only ever
    merges user names longer than any account's."""
    return f"pair:{client_key(address)}|{_user(username)}"[:MAX_KEY]


def known_key(username: str, address: str | None) -> str:
    """A row saying this address logged in to this account (when: `last_failure_at`)."""
    return f"known:{client_key(address)}|{_user(username)}"[:MAX_KEY]


@dataclass(frozen=True)
class Attempt:
    """A login attempt let through and already counted as a failure: a burst of parallel
    guesses cannot all pass the check before any of them is counted."""

    username: str
    address: str | None
    at: datetime
    earned: float | None  # seconds of block this attempt earns if its password is wrong
    keys: tuple[str, ...] = ()  # the counts it was added to


class Throttle:
    """Failed-login counts and blocks, keyed by (account, address), address and account;
    plus the addresses each account logged in from."""

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
            pair_key(username, address): self.policy.max_failures,
            address_key(address): self.policy.max_failures_per_address,
            user_key(username): self.policy.max_failures_per_account,
        }

    def begin(self, username: str, address: str | None) -> Attempt | Throttled:
        """Throttled while a count this attempt is held to is blocked (nothing is counted
        then); otherwise the attempt is counted as a failure up front and let through."""
        now = self._clock()
        for retry in range(3):  # two first failures at once: one insert loses, retry
            try:
                return self._begin(username, address, now)
            except IntegrityError:
                if retry == 2:
                    raise
        raise AssertionError("unreachable")

    def _forget(self, session: Session, now: datetime) -> None:
        known = LoginThrottle.key.startswith("known:")
        session.execute(
            delete(LoginThrottle)
            .where(
                or_(
                    and_(~known, LoginThrottle.last_failure_at < now - self.policy.forget_after),
                    and_(known, LoginThrottle.last_failure_at < now - self.policy.remember_known),
                )
            )
            .execution_options(synchronize_session=False)  # nothing loaded yet to update
        )

    def _begin(self, username: str, address: str | None, now: datetime) -> Attempt | Throttled:
        with Session(self._engine) as session, session.begin():
            # A write first: on SQLite it takes the write lock, so the read below is current.
            self._forget(session, now)
            limits = self._limits(username, address)
            pair, _, account = limits
            rows = {key: session.get(LoginThrottle, key, with_for_update=True) for key in limits}
            if session.get(LoginThrottle, known_key(username, address)) is not None:
                del limits[account], rows[account]  # the overall ceiling spares its owner
            blocked = [r.blocked_until for r in rows.values() if r and r.blocked_until]
            if blocked and max(blocked) > now:
                return Throttled((max(blocked) - now).total_seconds())
            if rows[pair] and rows[pair].failures >= self.policy.max_failures and account in rows:
                # One address adds only its free failures to the account's overall count:
                # reaching that ceiling takes many addresses, not one patient one.
                del limits[account], rows[account]
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
        return Attempt(username, address, now, max(earned) if earned else None, tuple(limits))

    def passed(self, attempt: Attempt) -> None:
        """The password was right: the (account, address) count starts again; the address's
        and the account's keep their counts less this attempt (else one known account would
        reset a sprayer's count, and the owner's login a botnet's), losing only a block that
        this attempt itself set. The address is remembered as the account's."""
        for retry in range(3):  # two first logins from one address at once: retry the insert
            try:
                return self._passed(attempt)
            except IntegrityError:
                if retry == 2:
                    raise

    def _passed(self, attempt: Attempt) -> None:
        pair = pair_key(attempt.username, attempt.address)
        limits = {
            address_key(attempt.address): self.policy.max_failures_per_address,
            user_key(attempt.username): self.policy.max_failures_per_account,
        }
        with Session(self._engine) as session, session.begin():
            session.execute(delete(LoginThrottle).where(LoginThrottle.key == pair))
            for key, limit in limits.items():
                row = session.get(LoginThrottle, key, with_for_update=True)
                if row is None or key not in attempt.keys:
                    continue
                row.failures = max(row.failures - 1, 0)
                if row.last_failure_at == attempt.at or row.failures < limit:
                    row.blocked_until = None
            known = known_key(attempt.username, attempt.address)
            row = session.get(LoginThrottle, known, with_for_update=True)
            if row is None:
                session.add(LoginThrottle(key=known, failures=0, last_failure_at=attempt.at))
            else:
                row.last_failure_at = attempt.at


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

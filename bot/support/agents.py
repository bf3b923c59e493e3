"""Agent accounts: scrypt-hashed passwords, roles (agent/admin), skills (queues).

There is no shared default password: new accounts get one from `generate_password()` (or the
operator's), shown once and stored only as its scrypt hash. Setting a password revokes every
console session of that account in the same commit.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.support.models import Agent, ConsoleSession

ROLES = ("agent", "admin")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8
# The one password all demo accounts shared before; it was published, so it is refused.
PUBLISHED_DEMO_PASSWORD = "kettle-volt-demo"
GENERATED_PASSWORD_BYTES = 12  # 16 URL-safe characters, 96 bits


class AgentError(ValueError):
    """Bad account data; the message says what to fix."""


class WrongPassword(AgentError):
    """The current password given to prove who is changing it is wrong."""


@dataclass(frozen=True)
class AgentView:
    id: int
    username: str
    name: str
    role: str
    skills: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, key = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **SCRYPT)
    return hmac.compare_digest(candidate.hex(), key)


def generate_password() -> str:
    """A random password for a new or reset account (never a shared default)."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def check_new_password(password: str) -> None:
    """AgentError unless the password is long enough and not the published demo one."""
    if len(password) < MIN_PASSWORD:
        raise AgentError(f"password must have at least {MIN_PASSWORD} characters")
    if password == PUBLISHED_DEMO_PASSWORD:
        raise AgentError("that password was published with the demo; pick another")


def view(agent: Agent) -> AgentView:
    """The read-only view of an account that the rest of the product passes around."""
    return AgentView(agent.id, agent.username, agent.name, agent.role, tuple(agent.skills or ()))


def revoke_all(session: Session, agent_id: int, now: datetime) -> int:
    """Revoke every live console session of one agent, in the caller's transaction (so a
    password change and the revocation commit together)."""
    return session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.agent_id == agent_id, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


@functools.lru_cache(maxsize=1)
def _equaliser_hash() -> str:
    """One scrypt hash to check unknown usernames against (hashed once, not per attempt)."""
    return hash_password(secrets.token_urlsafe(16))


class AgentService:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = datetime.utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def create(
        self,
        username: str,
        name: str,
        password: str,
        role: str = "agent",
        skills: Sequence[str] = (),
    ) -> AgentView:
        if role not in ROLES:
            raise AgentError(f"role must be one of {', '.join(ROLES)}")
        check_new_password(password)
        if not username.strip() or not name.strip():
            raise AgentError("username and name are required")
        agent = Agent(
            username=username.strip().lower(),
            name=name.strip(),
            password_hash=hash_password(password),
            role=role,
            skills=list(skills),
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(agent)
                session.flush()
                return view(agent)
        except IntegrityError:
            raise AgentError(f"username {username!r} is taken") from None

    def authenticate(self, username: str, password: str) -> AgentView | None:
        with Session(self._engine) as session:
            agent = session.execute(
                select(Agent).where(Agent.username == username.strip().lower())
            ).scalar_one_or_none()
            if agent is None:  # as slow as a wrong password: no telling which names exist
                check_password(password, _equaliser_hash())
                return None
            return view(agent) if check_password(password, agent.password_hash) else None

    def get(self, agent_id: int) -> AgentView | None:
        with Session(self._engine) as session:
            agent = session.get(Agent, agent_id)
            return view(agent) if agent else None

    def all(self) -> list[AgentView]:
        with Session(self._engine) as session:
            return [view(a) for a in session.execute(select(Agent).order_by(Agent.name)).scalars()]

    def set_password(self, username: str, password: str) -> tuple[AgentView, int]:
        """An operator sets a new password (`csbot agents passwd`); every console session of
        the account is revoked with it. Returns the account and how many sessions ended."""
        check_new_password(password)
        hashed = hash_password(password)  # before the transaction: scrypt is slow
        with Session(self._engine) as session, session.begin():
            agent = session.execute(
                select(Agent).where(Agent.username == username.strip().lower())
            ).scalar_one_or_none()
            if agent is None:
                raise AgentError(f"there is no account {username!r}")
            agent.password_hash = hashed
            ended = revoke_all(session, agent.id, self._clock())
            return view(agent), ended

    def change_password(self, agent_id: int, current: str, new: str) -> AgentView:
        """An agent changes their own password, proving the current one; all their sessions,
        this one included, are revoked (the caller opens a fresh one)."""
        with Session(self._engine) as session:
            agent = session.get(Agent, agent_id)
            stored = agent.password_hash if agent else ""
        if agent is None or not check_password(current, stored):
            raise WrongPassword("the current password is wrong")
        check_new_password(new)
        if current == new:
            raise AgentError("the new password must differ from the current one")
        hashed = hash_password(new)
        with Session(self._engine) as session, session.begin():
            agent = session.get(Agent, agent_id, with_for_update=True)
            if agent.password_hash != stored:
                raise AgentError("the password was changed meanwhile; log in again")
            agent.password_hash = hashed
            revoke_all(session, agent.id, self._clock())
            return view(agent)

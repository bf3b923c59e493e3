"""Agent accounts: scrypt-hashed passwords, roles (agent/admin), skills (queues)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.support.models import Agent

ROLES = ("agent", "admin")
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8


class AgentError(ValueError):
    """Bad account data; the message says what to fix."""


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


def _view(agent: Agent) -> AgentView:
    return AgentView(agent.id, agent.username, agent.name, agent.role, tuple(agent.skills or ()))


class AgentService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

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
        if len(password) < MIN_PASSWORD:
            raise AgentError(f"password must have at least {MIN_PASSWORD} characters")
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
                return _view(agent)
        except IntegrityError:
            raise AgentError(f"username {username!r} is taken") from None

    def authenticate(self, username: str, password: str) -> AgentView | None:
        with Session(self._engine) as session:
            agent = session.execute(
                select(Agent).where(Agent.username == username.strip().lower())
            ).scalar_one_or_none()
            if agent is None:
                check_password(password, hash_password("timing-equaliser"))
                return None
            return _view(agent) if check_password(password, agent.password_hash) else None

    def get(self, agent_id: int) -> AgentView | None:
        with Session(self._engine) as session:
            agent = session.get(Agent, agent_id)
            return _view(agent) if agent else None

    def all(self) -> list[AgentView]:
        with Session(self._engine) as session:
            return [_view(a) for a in session.execute(select(Agent).order_by(Agent.name)).scalars()]

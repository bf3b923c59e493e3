"""The shared secrets between csbot's own processes: Rasa's HTTP API token (the web app and
the CLI send it) and the action server's secret (Rasa sends it).

Each comes from its environment variable, or is generated once into var/ (mode 0600) so
every process of a checkout and every restart agree without configuration. Deleting the file
and restarting rotates it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.runtime.private_files import create_private_once
from bot.runtime.settings import Settings, SettingsError

RASA_TOKEN_FILE = "rasa.token"
ACTIONS_SECRET_FILE = "actions.secret"
RASA_TOKEN_ENV = "CSBOT_RASA_TOKEN"
ACTIONS_SECRET_ENV = "CSBOT_ACTIONS_SECRET"


def stored_secret(var_dir: Path, name: str, configured: str | None = None) -> str:
    """`configured`, else the secret in `var_dir/name`, created on first use (0600 from the
    start). Two processes starting together agree: the file appears whole and the loser of
    the race reads the winner's (`create_private_once`)."""
    if configured:
        return configured
    path = var_dir / name
    if not path.exists():
        create_private_once(path, secrets.token_urlsafe(32))
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise SettingsError(f"{path} is empty: delete it to generate a new secret")
    return value


def rasa_token(settings: Settings) -> str:
    """What Rasa's HTTP API and REST channel require (`?token=`)."""
    return stored_secret(settings.project_dir / "var", RASA_TOKEN_FILE, settings.rasa_token)


def actions_secret(settings: Settings) -> str:
    """What the action server requires from Rasa (an `Authorization: Bearer` header)."""
    return stored_secret(settings.project_dir / "var", ACTIONS_SECRET_FILE, settings.actions_secret)

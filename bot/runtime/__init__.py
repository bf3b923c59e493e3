"""Running csbot: settings, the database engine and migrations, training, the process runner
and the `csbot` command line."""

from bot.runtime.settings import Settings, SettingsError

__all__ = ["Settings", "SettingsError"]

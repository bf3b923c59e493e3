"""Rasa custom actions for csbot: thin classes over the services in `bot/`.

`rasa run actions --actions actions` imports every module of this package and registers the
Action subclasses it finds. Each action reaches what it calls through one ActionDeps
(`actions.deps`); `warm_up()` loads its heavy parts, which csbot's action server runs when it
starts (`bot.runtime.action_server`).
"""

from actions.deps import ActionDeps, UsesDeps, current, warm_up

__all__ = ["ActionDeps", "UsesDeps", "current", "warm_up"]

"""Rasa custom actions for csbot: thin classes over the services in `bot/`.

`rasa run actions --actions actions` imports every module of this package and registers the
Action subclasses it finds.
"""

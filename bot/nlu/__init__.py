"""Rasa graph components for csbot's NLU pipeline (referenced by module path in config.yml)."""

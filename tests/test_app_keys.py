"""The web app's typed keys are declared once, in bot/web/keys.py: a key declared beside its
type elsewhere is a second place to look, and an easy import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_app_key_is_declared_in_bot_web_keys():
    elsewhere = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path == ROOT / "bot" / "web" / "keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "AppKey":
                elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert elsewhere == [], f"declare these in bot/web/keys.py: {elsewhere}"

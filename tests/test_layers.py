"""The layers import downwards only: a part's models know SQLAlchemy, the declarative base
(`bot.models_base`) and shared vocabularies without dependencies (`knowledge.decision`), never
the runtime layer above them (engines, migrations, settings) nor a service."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"bot", "actions", "knowledge"}
BELOW_MODELS = {"bot.models_base", "knowledge.decision"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_models_import_only_sqlalchemy_and_the_base():
    models = sorted(ROOT.glob("bot/*/models.py"))
    assert len(models) >= 5
    for path in models:
        ours = {m for m in _imports(path) if m.split(".")[0] in PROJECT}
        assert ours <= BELOW_MODELS, f"{path.relative_to(ROOT)} imports {ours}"


def test_what_models_import_imports_nothing_of_csbot():
    for module in BELOW_MODELS:
        path = ROOT / (module.replace(".", "/") + ".py")
        assert not {m for m in _imports(path) if m.split(".")[0] in PROJECT}, module

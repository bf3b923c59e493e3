"""The layers import downwards only: a part's models know SQLAlchemy and the declarative base
(`bot.models_base`), never the runtime layer above them (engines, migrations, settings)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
        ours = {m for m in _imports(path) if m.split(".")[0] == "bot"}
        assert ours <= {"bot.models_base"}, f"{path.relative_to(ROOT)} imports {ours}"


def test_the_base_imports_nothing_of_csbot():
    assert not {m for m in _imports(ROOT / "bot/models_base.py") if m.startswith("bot")}

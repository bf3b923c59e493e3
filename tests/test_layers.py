"""The layers import downwards only: a part's models know SQLAlchemy, the declarative base
(`bot.models_base`) and shared vocabularies without dependencies (`knowledge.decision`), never
the runtime layer above them (engines, migrations, settings) nor a service; the web app and
the actions reach the database only through the services (`bot.services.Services`), so a
test can hand them fakes and no query hides in a view."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"bot", "actions", "knowledge"}
BELOW_MODELS = {"bot.models_base", "knowledge.decision"}
ABOVE_SERVICES = ("bot/web", "actions")  # what browsers, platforms and Rasa call


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


def database_reach(source: str) -> list[str]:
    """Where a module reaches the database by itself: an import of SQLAlchemy (anywhere,
    type-checking blocks and functions included) or an attribute named `engine`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Attribute) and node.attr == "engine":
            found.append(f"line {node.lineno}: .engine")
            continue
        else:
            continue
        found += [
            f"line {node.lineno}: imports {n}" for n in names if n.split(".")[0] == "sqlalchemy"
        ]
    return found


def test_the_web_app_and_the_actions_reach_the_database_only_through_services():
    modules = [p for folder in ABOVE_SERVICES for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(modules) >= 30
    reaching = {
        str(path.relative_to(ROOT)): found
        for path in modules
        if (found := database_reach(path.read_text(encoding="utf-8")))
    }
    assert not reaching, (
        "call a service of bot.services.Services instead (add a method where none fits, "
        f"and raise bot.outages.DatabaseUnavailable for an outage): {reaching}"
    )


def test_the_scan_sees_each_way_to_reach_the_database():
    for source in (
        "import sqlalchemy",
        "import sqlalchemy.orm as orm",
        "from sqlalchemy import select",
        "from sqlalchemy.exc import SQLAlchemyError",
        "def f():\n    from sqlalchemy.orm import Session",
        "engine = request.app[SERVICES].engine",
        "app[SERVICES].engine.dispose()",
    ):
        assert database_reach(source), source
    for source in ("from bot.services import Services", "services.analytics.rates(a, b)"):
        assert not database_reach(source), source

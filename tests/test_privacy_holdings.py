"""`bot.privacy.holdings` covers every table and every file writer: a new table, or a new
module that writes files, fails here until it says whether it holds customer data (and then
export, deletion and the purge handle it) or why not."""

from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa

from bot.privacy import customer_files, holdings
from bot.privacy.holdings import FILES, NOT_CUSTOMER_DATA, OTHER_WRITERS, TABLES, Erase
from bot.runtime.database import RASA_TABLES
from bot.runtime.settings import PROJECT_ROOT
from bot.schema import metadata

SOURCES = ("bot", "actions", "knowledge")  # what runs in production, over customer data
# Calls that write a file: open(..., "w"/"a"/"x"), Path.write_text/write_bytes, os.open,
# csv writers, json.dump, shutil copies and moves, pickle/numpy/faiss savers, the workbench's
# atomic writer and the private-file helpers (bot.runtime.private_files).
WRITING_CALLS = {
    "write_text",
    "write_bytes",
    "write_atomic",
    "write_private",
    "open_private",
    "create_private_once",
    "writer",
    "DictWriter",
    "Writer",
    "dump",
    "copytree",
    "copy",
    "copyfile",
    "copy2",
    "move",
    "write_index",
    "savez",
    "save",
    "fdopen",
}
WRITE_MODES = ("w", "a", "x")


def _writes(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in WRITING_CALLS:
        return True
    if name == "open":  # open(path, "w"), path.open("a"), os.open(path, os.O_WRONLY ...)
        modes = [a.value for a in call.args if isinstance(a, ast.Constant)]
        modes += [k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)]
        flags = ast.dump(call)
        return any(isinstance(m, str) and m.startswith(WRITE_MODES) for m in modes) or (
            "O_WRONLY" in flags or "O_RDWR" in flags
        )
    return False


def file_writers() -> set[str]:
    """Every production module with a call that writes a file."""
    found = set()
    for package in SOURCES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(isinstance(n, ast.Call) and _writes(n) for n in ast.walk(tree)):
                module = path.relative_to(PROJECT_ROOT).with_suffix("")
                found.add(".".join(module.parts))
    return found


def test_every_table_holds_customer_data_or_says_why_not():
    declared = [h.table for h in TABLES]
    assert len(declared) == len(set(declared))
    assert not set(declared) & set(NOT_CUSTOMER_DATA)
    tables = set(metadata().tables)
    missing = tables - set(declared) - set(NOT_CUSTOMER_DATA)
    assert not missing, (
        f"say in bot/privacy/holdings.py whether these hold customer data: {missing}"
    )
    assert set(declared) - tables == {"events"}  # Rasa's tracker store, not csbot's model
    assert "events" in RASA_TABLES
    assert all(reason.strip() for reason in NOT_CUSTOMER_DATA.values())


def test_every_declared_link_names_a_real_column():
    tables = metadata().tables
    for holding in TABLES:
        assert holding.links and holding.why.strip(), holding.table
        if holding.rasa:
            continue
        table = tables[holding.table]
        for _, column in holding.links:
            assert column in table.c, f"{holding.table}.{column}"
        if holding.ages_out:
            assert isinstance(table.c[holding.ages_out].type, sa.DateTime)
        assert (holding.anonymise is not None) == (holding.erase is Erase.ANONYMISE)
        if holding.anonymise:
            assert set(holding.anonymise(table)) <= set(table.c.keys())


def test_every_module_that_writes_files_is_declared():
    writers = file_writers()
    declared = {h.writer for h in FILES} | set(OTHER_WRITERS)
    undeclared = writers - declared
    assert not undeclared, (
        "these modules write files: add each to bot/privacy/holdings.py, as the writer of a "
        f"FileHolding (customer text) or in OTHER_WRITERS with the reason: {undeclared}"
    )
    assert declared - writers == set(), "declared writers that write no file any more"
    assert all(reason.strip() for reason in OTHER_WRITERS.values())


def test_the_scan_sees_a_new_writer(tmp_path):
    """The test above is only as good as its scan: it notices the usual ways to write."""
    for source in (
        'open(p, "w")',
        'p.open("a", encoding="utf-8")',
        "p.write_text(t)",
        "csv.writer(h)",
        "json.dump(d, h)",
        "os.open(p, os.O_WRONLY | os.O_CREAT)",
    ):
        assert _writes(ast.parse(source).body[0].value), source
    assert not _writes(ast.parse("p.open(encoding='utf-8')").body[0].value)
    assert not _writes(ast.parse("open(p)").body[0].value)


def test_every_file_holding_is_handled_where_settings_put_it():
    assert {h.name for h in FILES} == set(customer_files.HANDLERS)
    assert len({h.name for h in FILES}) == len(FILES)
    fields = set(customer_files.Files.__dataclass_fields__)
    assert {h.folder for h in FILES} <= fields
    assert holdings.__doc__ and "NOT_CUSTOMER_DATA" in holdings.__doc__


def test_every_writer_module_exists():
    for module in {h.writer for h in FILES} | set(OTHER_WRITERS):
        assert Path(PROJECT_ROOT, *module.split(".")).with_suffix(".py").exists(), module

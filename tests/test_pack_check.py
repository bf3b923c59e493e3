"""`csbot check`: a pack with problems in several files gets all of them, each with its file
(and line where the loader knows it); a good pack is ready to serve."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.pack.check import check_pack
from bot.pack.locate import SHOPS_DIR
from bot.runtime.cli import main


def test_both_demo_packs_are_ready_to_serve(capsys) -> None:
    for pack in ("kettle-and-volt", "trailhead"):
        assert check_pack(SHOPS_DIR / pack) == []
    assert main(["check", str(SHOPS_DIR / "trailhead")]) == 0
    assert "ready to serve" in capsys.readouterr().out


def test_every_problem_in_every_file_is_listed(tmp_path: Path, capsys) -> None:
    root = tmp_path / "shop"
    shutil.copytree(SHOPS_DIR / "trailhead", root)
    csv = (root / "products.csv").read_text().splitlines()
    csv[5] = csv[5].replace(",jackets,", ",kayaks,", 1)  # a category nobody declared
    csv[9] = csv[9].replace(",4.", ",nine.", 1)  # a rating that is not a number
    (root / "products.csv").write_text("\n".join(csv) + "\n")
    categories = (root / "categories.yml").read_text()
    (root / "categories.yml").write_text(
        categories + "  roomy-ish: {specs: [no_such_spec], prefer: high}\n"
    )
    (root / "shop.yml").write_text(
        (root / "shop.yml").read_text().replace("currency: EUR", "currency: EURO")
    )
    responses = (root / "responses.yml").read_text()
    (root / "responses.yml").write_text(
        responses.replace("source: faq:payment-methods", "source: faq:no-such-entry")
    )
    shutil.rmtree(root / "policies")

    problems = [str(p) for p in check_pack(root)]

    assert any("shop.yml:" in p and "EURO" in p for p in problems)
    assert any("products.csv:10:" in p and "not a number" in p for p in problems)
    assert any("no policies/ folder" in p for p in problems)
    assert any("no_such_spec" in p for p in problems)
    assert any("'kayaks' is not in categories.yml" in p for p in problems)
    assert any("responses.yml:" in p and "'faq:no-such-entry'" in p for p in problems)
    assert main(["check", str(root)]) == 1
    assert f"{len(problems)} problem(s)" in capsys.readouterr().out


def test_init_scaffolds_a_commented_pack_that_is_ready_to_serve(tmp_path: Path, capsys) -> None:
    target = tmp_path / "harbour"
    assert main(["init", str(target), "--name", "Harbour Leather Co"]) == 0
    assert check_pack(target) == []
    shop = (target / "shop.yml").read_text()
    assert "name: Harbour Leather Co" in shop and "# " in shop  # named, and commented
    assert f"csbot check {target}" in capsys.readouterr().out
    # a second init into the same folder changes nothing
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert main(["init", str(target), "--name", "Other"]) == 1
    assert before == {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}


def test_init_refuses_a_name_that_would_break_the_yaml(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "x"), "--name", 'Bob\'s "Best": #1']) == 1
    assert not (tmp_path / "x").exists()

"""A pack's ticket categories, queues and labelled tickets: what an owner sees when they get
them wrong (`csbot check`, each problem with file and line), what a pack without them gets
(csbot's shop-neutral defaults), and what a new pack starts with (`csbot init`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.pack.check import check_pack
from bot.pack.load import PackInvalid, load_pack
from bot.pack.locate import SHOPS_DIR
from bot.pack.scaffold import TEMPLATE
from bot.pack.tickets import DEFAULTS, MIN_EXAMPLES, load_examples
from bot.runtime.cli import main
from tests.packs import KV, TRAILHEAD


@pytest.fixture
def trailhead(tmp_path: Path) -> Path:
    root = tmp_path / "trailhead"
    shutil.copytree(SHOPS_DIR / "trailhead", root)
    return root


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in check_pack(root)]


def test_each_demo_pack_has_its_own_categories_and_queues() -> None:
    assert KV.tickets.source == SHOPS_DIR / "kettle-and-volt" / "tickets.yml"
    assert {"installation", "returns_refunds"} <= set(KV.tickets.names)
    assert {"sizing_fit", "repairs_warranty", "returns_exchanges"} <= set(TRAILHEAD.tickets.names)
    assert "installation" not in TRAILHEAD.tickets.names
    assert TRAILHEAD.tickets.queue_of("sizing_fit") == "products"
    assert TRAILHEAD.tickets.queue_of("damaged_faulty") == "returns"
    described = {c.slug: c.description for c in TRAILHEAD.tickets.categories}
    assert "Repair Bench" in described["repairs_warranty"]


def test_a_pack_without_tickets_yml_gets_the_shop_neutral_defaults(trailhead: Path) -> None:
    (trailhead / "tickets.yml").unlink()
    shutil.rmtree(trailhead / "tickets")
    tickets = load_pack(trailhead).tickets
    assert tickets.source == DEFAULTS / "tickets.yml"
    assert "installation" not in tickets.names and "sizing_fit" not in tickets.names
    assert {"delivery", "returns_refunds", "billing", "account", "complaint"} <= set(tickets.names)
    assert (tickets.unclassified, tickets.security) == ("complaint", "account")
    examples = load_examples(tickets)
    assert len(examples) >= 250 and {t.category for t in examples} == set(tickets.names)
    assert problems_of(trailhead) == []


def test_csbot_check_names_the_file_and_line_of_a_ticket_with_an_unknown_category(
    trailhead: Path, capsys
) -> None:
    csv = trailhead / "tickets" / "labelled_tickets.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "the installer never turned up for my dishwasher,installation,high")
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert main(["check", str(trailhead)]) == 1
    out = capsys.readouterr().out
    assert f"{csv}:6: category 'installation' is not in tickets.yml" in out


def test_queue_mistakes_are_listed_with_their_lines(trailhead: Path) -> None:
    (trailhead / "tickets.yml").write_text(
        "queues:\n"
        "  orders: [delivery, order_changes]\n"
        "  returns: [returns_exchanges, damaged_faulty, delivery]\n"
        "  products: [sizing_fit, product_question, repairs_warranty]\n"
        "  billing: [billing]\n"
        "  accounts: [account]\n"
        "  care: []\n"
        "categories:\n"
        "  kayaking: Boats and paddles\n"
        "unclassified: complaint\n"
    )
    with pytest.raises(PackInvalid) as invalid:
        load_pack(trailhead)
    found = [str(p) for p in invalid.value.problems]
    yml = trailhead / "tickets.yml"
    assert f"{yml}:3: category 'delivery' is in queues 'orders' and 'returns'" in "\n".join(found)
    assert f"{yml}:7: queue 'care' has no category" in found
    assert f"{yml}:9: category 'kayaking' is in no queue" in found
    assert any(p.startswith(f"{yml}:10: `unclassified`: 'complaint' is in no queue") for p in found)
    assert problems_of(trailhead) == found  # csbot check lists the same, once


def test_a_category_with_too_few_examples_to_learn_from(trailhead: Path) -> None:
    yml = trailhead / "tickets.yml"
    yml.write_text(yml.read_text().replace("[account]", "[account, gift_cards]"))
    csv = trailhead / "tickets" / "more.csv"
    csv.write_text("text,category,priority\nmy gift card shows zero,gift_cards,normal\n")
    assert problems_of(trailhead) == [
        f"{trailhead / 'tickets'}:0: category 'gift_cards' has 1 labelled ticket(s); the "
        f"classifier needs at least {MIN_EXAMPLES} (25+ is better)"
    ]


def test_labelled_tickets_without_tickets_yml_are_reported_not_silently_ignored(
    trailhead: Path,
) -> None:
    (trailhead / "tickets.yml").unlink()
    assert problems_of(trailhead) == [
        f"{trailhead / 'tickets'}:0: labelled tickets but no tickets.yml: add one that names "
        "their categories (csbot init writes an example), or csbot ignores them"
    ]


def test_csbot_init_writes_the_default_categories_and_their_examples(tmp_path: Path) -> None:
    target = tmp_path / "harbour"
    assert main(["init", str(target), "--name", "Harbour Leather Co"]) == 0
    assert (target / "tickets.yml").read_text() == (TEMPLATE / "tickets.yml").read_text()
    assert (target / "tickets" / "labelled_tickets.csv").is_file()
    tickets = load_pack(target).tickets
    assert tickets.source == target / "tickets.yml"
    assert tickets.names == load_pack(TEMPLATE).tickets.names
    assert check_pack(target) == []

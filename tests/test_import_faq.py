"""`csbot import faq`: a help centre's articles become FAQ entries csbot loads, each keeping
its article's address, which customers then see as the answer's source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from actions.knowledge import answer_text
from bot.pack.check import check_pack
from bot.pack.imports import FaqImport, ImportFailed, Kind, import_faq
from bot.pack.locate import SHOPS_DIR
from bot.runtime.cli import main
from knowledge.errors import KnowledgeError
from knowledge.faq import load_faq_file, load_faqs
from knowledge.retrieval import Hit
from knowledge.sources import answer_texts

DATA = Path(__file__).parent / "data" / "imports"
MARKDOWN = DATA / "helpcentre_markdown"
HTML = DATA / "helpcentre_html"
BASE = "https://help.example.com/articles"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOPS_DIR / "trailhead", root)
    return root


def imported(pack: Path) -> dict:
    return {e.id: e for e in load_faq_file(pack / "faq" / "imported.yml")}


def test_a_markdown_help_centre_becomes_faq_entries_with_their_urls(pack: Path) -> None:
    report = import_faq(FaqImport(MARKDOWN, pack, base_url=BASE + "/"))
    entries = imported(pack)

    assert set(entries) == {
        "how-do-i-return-an-item",
        "refund-timing",
        "delivery",
        "click-and-collect",
    }
    returns = entries["how-do-i-return-an-item"]
    assert (returns.topic, returns.question) == ("returns", "How do I return an item?")
    assert returns.url == "https://help.example.com/returns/how-do-i-return-an-item"  # front matter
    assert returns.phrasings == ("send something back", "start a return")
    # the text before the first subheading, without Markdown's marks
    assert returns.answer.startswith("You can return most items within 30 days of delivery")
    assert not any(mark in returns.answer for mark in ("**", "](", "#", "- The order"))
    assert entries["refund-timing"].url == f"{BASE}/refund-timing"  # --base-url + the file's slug
    assert entries["refund-timing"].answer.count(". ") <= 2  # three sentences at most
    assert len(entries["refund-timing"].answer) <= 600
    assert entries["delivery"].question == "Delivery to Northern Ireland and Great Britain"
    assert entries["click-and-collect"].answer.startswith("Choose Click & Collect at checkout")
    assert "|" not in entries["click-and-collect"].answer  # the table is not prose

    assert [(n.file, n.kind) for n in report.notes] == [("drafts/coming-soon.md", Kind.SKIPPED)]
    every = load_faqs(pack / "faq")  # the pack's own entries and the imported ones together
    assert len(every) == len(load_faqs(SHOPS_DIR / "trailhead" / "faq")) + 4
    assert check_pack(pack) == []


def test_an_html_help_centre_keeps_the_article_and_drops_the_page_around_it(pack: Path) -> None:
    report = import_faq(FaqImport(HTML, pack))
    entries = imported(pack)

    password = entries["reset-your-password"]
    assert password.question == "How do I reset my password?"  # the <h1>
    assert password.url == "https://help.example.com/hc/en-ie/articles/360001-reset-your-password"
    assert password.answer.startswith("On the sign-in page choose Forgot password?")
    assert "We\u2019ll send you a link" in password.answer  # entities decoded
    for chrome in ("Help Centre", "Privacy", "Related articles", "dataLayer", "sans-serif"):
        assert chrome not in password.answer
    cancel = entries["cancel-an-order"]
    assert cancel.question == "Can I cancel my order?"  # <title> without the site's name
    assert "Help Centre / Orders" not in cancel.answer  # the breadcrumbs
    assert cancel.url is None
    assert [n.file for n in report.of(Kind.NOTE)] == ["orders/cancel-an-order.htm"]


def test_customers_see_the_article_as_the_source(pack: Path) -> None:
    import_faq(FaqImport(MARKDOWN, pack, base_url=BASE))
    texts, payload = answer_texts(load_faqs(pack / "faq"), [])
    refund = payload["faq:refund-timing"]
    assert refund["url"] == f"{BASE}/refund-timing"
    assert "url" not in payload["faq:payment-methods"]  # hand-written entries: as before

    shown = answer_text(Hit("faq:refund-timing", 0.9, refund))
    assert shown.endswith(
        f"\n\nFrom our help pages: When will I get my refund? ({BASE}/refund-timing)"
    )
    assert "FAQ '" not in shown and "imported.yml" not in shown
    own = answer_text(Hit("faq:payment-methods", 0.9, payload["faq:payment-methods"]))
    assert "From our help pages: " in own and "payment-methods" not in own


def test_a_faq_url_must_be_an_address(tmp_path: Path) -> None:
    path = tmp_path / "faq.yml"
    entry = {"id": "x", "topic": "t", "question": "Q?", "answer": "A.", "url": "help/returns"}
    path.write_text(yaml.safe_dump({"faqs": [entry]}))
    with pytest.raises(KnowledgeError, match=r"entry 1 \(x\): url must be an http\(s\) address"):
        load_faq_file(path)


def test_a_reimport_keeps_phrasings_taught_since_and_ids_stay_unique(
    pack: Path, tmp_path: Path
) -> None:
    import_faq(FaqImport(MARKDOWN, pack, base_url=BASE))
    target = pack / "faq" / "imported.yml"
    data = yaml.safe_load(target.read_text())
    data["faqs"][3]["phrasings"].append("how long do refunds take")  # taught from the console
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    clash = tmp_path / "centre" / "payments"
    clash.mkdir(parents=True)
    (clash / "payment-methods.md").write_text("# How can I pay?\n\nBy card or PayPal.\n")
    shutil.copytree(MARKDOWN, tmp_path / "centre", dirs_exist_ok=True)

    report = import_faq(FaqImport(tmp_path / "centre", pack, base_url=BASE))
    entries = imported(pack)
    assert "how long do refunds take" in entries["refund-timing"].phrasings
    # payment-methods is one of the pack's own ids: the article's topic tells them apart
    assert entries["payments-payment-methods"].question == "How can I pay?"
    assert [n.reason for n in report.of(Kind.FIXED)] == [
        "id 'payment-methods' is taken: 'payments-payment-methods' used"
    ]
    assert (pack / "faq" / "imported.yml.bak").exists()
    load_faqs(pack / "faq")


def test_nothing_to_import_writes_nothing(pack: Path, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an article")
    with pytest.raises(ImportFailed, match="no article could be imported"):
        import_faq(FaqImport(empty, pack))
    assert main(["import", "faq", str(empty), "--pack", str(pack)]) == 1
    assert "nothing written" in capsys.readouterr().out
    with pytest.raises(ImportFailed, match="not an http"):
        import_faq(FaqImport(MARKDOWN, pack, base_url="help.example.com"))
    assert not (pack / "faq" / "imported.yml").exists()

    assert main(["import", "faq", str(HTML), "--pack", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "2 articles written" in out and "ready to serve" in out

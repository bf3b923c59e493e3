"""A shop that is in neither demo pack, set up as its owner would: `csbot init`, its own
catalogue, FAQ and facts written into the pack, then csbot started on it with no code
edited. Its customers get its answers, its products at its prices, in its currency."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import requests

from bot.pack.check import check_pack
from bot.pack.load import load_pack
from bot.runtime.cli import main
from bot.runtime.settings import Settings
from bot.web.limits import ONE_ADDRESS_MANY_CUSTOMERS
from knowledge.sources import Sources, build_all
from tests.conftest import _free_port, open_services

pytestmark = pytest.mark.slow

PRODUCTS = """\
sku,name,brand,category,price,rating,stock,description,specs,options
LL-101,Leaf & Ladle Darjeeling First Flush,Leaf & Ladle,loose-leaf-tea,14.50,4.7,40,"A spring-picked Darjeeling from the Castleton estate: bright, floral and best without milk.",caffeine=medium; origin=India; weight_g=100,size: 50g|100g|250g
LL-102,Leaf & Ladle Jasmine Silver Needle,Leaf & Ladle,loose-leaf-tea,22.00,4.8,12,"White tea buds scented with fresh jasmine flowers over six nights; delicate and sweet.",caffeine=low; origin=China; weight_g=50,size: 25g|50g
LL-103,Leaf & Ladle Rooibos Vanilla,Leaf & Ladle,loose-leaf-tea,8.95,4.4,0,"Caffeine-free South African rooibos with real vanilla pieces; good with milk at bedtime.",caffeine=none; origin=South Africa; weight_g=100,
LL-201,Hario Cha Cha Kyusu Teapot 700ml,Hario,teaware,24.00,4.6,18,"A heat-resistant glass teapot with a fine built-in strainer, easy to clean.",capacity_ml=700; material=glass,
LL-202,Kinto Kronos Double Wall Tea Glass,Kinto,teaware,16.00,4.3,25,"Double-walled glass keeps tea hot and your fingers cool; sold singly.",capacity_ml=250; material=glass,
LL-203,Leaf & Ladle Bamboo Tea Scoop,Leaf & Ladle,teaware,6.50,4.1,60,"Measures one cup's worth of leaves; carved from a single piece of bamboo.",material=bamboo,
"""
CATEGORIES = """\
categories:
  loose-leaf-tea: [tea, teas, loose leaf, loose leaf tea, loose-leaf tea]
  teaware: [teapot, teapots, tea glass, teaware, scoop]
specs:
  caffeine free: {specs: [caffeine], prefer: low}
  big: {specs: [capacity_ml], prefer: high}
"""
FAQ = """\
faqs:
  - id: storing-loose-leaf
    topic: care
    question: How should I store loose-leaf tea?
    phrasings:
      - how do i keep my tea fresh
      - best way to store loose tea
      - does tea go stale if i leave the bag open
      - where should I keep the tea so it lasts
    heldout:
      - keeping loose leaves fresh at home
    answer: >-
      Keep loose-leaf tea in an airtight tin, away from light, heat and strong smells such as
      coffee or spices. Stored that way most teas stay at their best for six to twelve months.
  - id: gift-wrapping
    topic: orders
    question: Do you offer gift wrapping?
    phrasings:
      - can you gift wrap my order
      - is gift wrap available
      - i want it wrapped as a present
      - can you send it as a gift with a note
    heldout:
      - wrap it as a present please
    answer: >-
      Yes: tick "gift wrap" at checkout and we wrap every item in recycled paper with a
      handwritten note of your choice, for 2.50 per order.
"""


@pytest.fixture(scope="module")
def tea_shop(tmp_path_factory) -> Path:
    """The owner's steps: init, then their own files (no code, no csbot checkout edited)."""
    pack = tmp_path_factory.mktemp("owner") / "leaf-and-ladle"
    assert main(["init", str(pack), "--name", "Leaf and Ladle Tea Co"]) == 0
    (pack / "products.csv").write_text(PRODUCTS)
    (pack / "categories.yml").write_text(CATEGORIES)
    (pack / "faq" / "shop.yml").write_text(FAQ)
    shop = (pack / "shop.yml").read_text()
    (pack / "shop.yml").write_text(shop.replace('example: "#1042"', 'example: "#2051"'))
    assert check_pack(pack) == []
    return pack


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def owners_files(tea_shop) -> list[str]:
    """What the owner's pack holds before csbot runs on it."""
    return files_in(tea_shop)


@pytest.fixture(scope="module")
def tea_stack(tea_shop, owners_files, trained_model, encoder, tmp_path_factory):
    from bot.runtime.stack import start_stack

    workdir = tmp_path_factory.mktemp("tea-stack")
    build_all(workdir / "index", encoder, Sources.of_pack(tea_shop))
    rasa_port = _free_port()
    settings = dataclasses.replace(
        Settings.from_env({}),
        **ONE_ADDRESS_MANY_CUSTOMERS,
        shop_dir=tea_shop,
        faq_dir=tea_shop / "faq",
        database_url=f"sqlite:///{workdir / 'shop.db'}",
        index_dir=workdir / "index",
        web_port=_free_port(),
        rasa_port=rasa_port,
        actions_port=_free_port(),
        rasa_url=f"http://127.0.0.1:{rasa_port}",
    )
    services = open_services(settings.database_url, pack=load_pack(tea_shop))
    running = start_stack(settings, trained_model, log_dir=workdir / "logs")
    yield running
    running.stop()
    services.close()


def ask(stack, text: str) -> str:
    browser = requests.Session()
    reply = browser.post(f"{stack.web_url}api/messages", json={"message": text}, timeout=120)
    reply.raise_for_status()
    return "\n".join(m.get("text") or "" for m in reply.json()["messages"])


def test_the_page_is_the_tea_shops(tea_stack):
    page = requests.get(tea_stack.web_url, timeout=30).text
    assert "Leaf and Ladle Tea Co" in page and "Kettle" not in page


def test_its_faq_answers_with_its_own_source(tea_stack):
    reply = ask(tea_stack, "how should I store loose leaf tea so it stays fresh?")
    assert "airtight tin" in reply
    assert "From our help pages: How should I store loose-leaf tea?" in reply


def test_its_products_at_its_prices_in_its_currency(tea_stack):
    reply = ask(tea_stack, "how much is the Jasmine Silver Needle?")
    assert "Leaf & Ladle Jasmine Silver Needle - £22.00" in reply
    assert "$" not in reply


def test_nothing_of_the_demo_shops_leaks_in(tea_stack):
    for text in ("hi", "can I return something?", "do you sell teapots?"):
        reply = ask(tea_stack, text)
        assert "Kettle" not in reply and "Trailhead" not in reply, (text, reply)


def test_the_pack_stays_the_owners(tea_shop, owners_files, tea_stack):
    """Running csbot wrote nothing into the owner's pack (the index lives elsewhere)."""
    assert files_in(tea_shop) == owners_files
    assert {"shop.yml", "products.csv", "categories.yml", "faq/shop.yml"} <= set(owners_files)

"""Shop packs: both demo packs load; a broken `shop.yml` is refused with every problem and its
line; money, dates and order numbers come out as each shop writes them."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.pack import PackInvalid, ShopFormat, load_pack
from bot.pack.locate import DEFAULT_SHOP, SHOPS_DIR, pack_dir
from tests.packs import KV, TRAILHEAD


def test_the_demo_packs_load_with_their_own_facts() -> None:
    assert (KV.name, KV.currency, KV.returns.window_days) == ("Kettle & Volt", "USD", 30)
    assert (TRAILHEAD.currency, TRAILHEAD.returns.window_days) == ("EUR", 14)
    assert TRAILHEAD.returns.window_for("climbing", "Petzl Corax Harness") == 0
    assert TRAILHEAD.returns.window_for("tents") == 30
    assert TRAILHEAD.returns.window_for("jackets") == 14
    assert TRAILHEAD.hours.on(date(2026, 12, 25)) is None  # Christmas Day
    assert TRAILHEAD.hours.on(date(2026, 12, 7)) is not None  # a Monday
    assert TRAILHEAD.theme.logo is not None and TRAILHEAD.theme.logo.is_file()


def test_each_shop_writes_money_dates_and_order_numbers_its_way() -> None:
    us, ie = ShopFormat.of(KV), ShopFormat.of(TRAILHEAD)
    assert (us.money(1299), ie.money(1299)) == ("$1,299.00", "€1,299.00")
    assert (us.day(date(2026, 12, 7)), ie.day(date(2026, 12, 7))) == (
        "Monday, December 7",
        "Monday 7 December",
    )
    assert (us.order(100234), ie.order(10452)) == ("#100234", "TH-10452")
    # The hours a customer is told when nobody is online, from shop.yml's business_hours.
    assert (
        us.hours(KV.hours) == "Mon-Fri 8:00\u202fAM-8:00\u202fPM, Sat 9:00\u202fAM-5:00\u202fPM ET"
    )
    assert ie.hours(TRAILHEAD.hours) == "Mon-Fri 09:00-17:30, Sat 10:00-14:00 Ireland Time"


@pytest.mark.parametrize(
    ("pack", "text", "number"),
    [
        (KV, "where is #100234??", 100234),
        (KV, "order 1002345 please", None),  # seven digits: not an order number
        (TRAILHEAD, "it's th-10452, bought a tent", 10452),
        (TRAILHEAD, "order 10452", None),  # digits alone are not this shop's order number
        (TRAILHEAD, "the number is TH12128, when does it come", 12128),  # no hyphen
        (TRAILHEAD, "my order th 12868", 12868),
    ],
)
def test_order_numbers_are_found_by_the_packs_pattern(pack, text: str, number) -> None:
    assert pack.order_numbers.parse(text) == number


def broken_copy(tmp_path: Path, replace: dict[str, str]) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOPS_DIR / "trailhead", root)
    text = (root / "shop.yml").read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    (root / "shop.yml").write_text(text)
    return root


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    root = broken_copy(
        tmp_path,
        {
            "currency: EUR": "currency: EURO",
            "time_zone: Europe/Dublin": "time_zone: Europe/Galway",
            'monday: "09:00-17:30"': 'monday: "17:30-09:00"',
            "window_days: 14 ": "window_days: fourteen ",
            'primary: "#2f5d50"': 'primary: "green; background: url(x)"',
        },
    )
    with pytest.raises(PackInvalid) as refused:
        load_pack(root)
    problems = refused.value.problems
    lines = (root / "shop.yml").read_text().splitlines()
    assert len(problems) == 5
    for problem, word in zip(
        problems, ["EURO", "Galway", "17:30-09:00", "fourteen", "url(x)"], strict=True
    ):
        assert word in lines[problem.line - 1], (problem, word)


@pytest.mark.parametrize(
    "pattern", ["(TH-[0-9]+)+", "TH-[0-9]*", "(a|aa){5}", "TH-[0-9]{5}|.*", "x" * 101]
)
def test_order_number_patterns_cannot_backtrack(tmp_path: Path, pattern: str) -> None:
    root = broken_copy(tmp_path, {'pattern: "TH-[0-9]{5}"': f"pattern: {pattern!r}"})
    with pytest.raises(PackInvalid, match="pattern"):
        load_pack(root)


def test_a_folder_without_shop_yml_is_not_a_pack(tmp_path: Path) -> None:
    with pytest.raises(PackInvalid, match="no shop.yml"):
        load_pack(tmp_path)


def test_csbot_shop_names_a_pack_or_a_path(tmp_path: Path) -> None:
    assert pack_dir({}) == SHOPS_DIR / DEFAULT_SHOP
    assert pack_dir({"CSBOT_SHOP": "trailhead"}) == SHOPS_DIR / "trailhead"
    assert pack_dir({"CSBOT_SHOP": str(tmp_path)}) == tmp_path.resolve()


@pytest.mark.parametrize(
    ("pack", "text", "number"),
    [
        (TRAILHEAD, "10452", 10452),
        (TRAILHEAD, "12", None),
        (KV, "100234", 100234),
        (KV, "99", None),
    ],
)
def test_bare_digits_are_read_when_they_make_the_shops_number(pack, text: str, number) -> None:
    assert pack.order_numbers.read(text) == number


def test_a_return_rule_can_cover_part_of_a_category() -> None:
    """Trailhead's climbing rule is for safety gear; the climbing shoes keep 14 days."""
    returns = TRAILHEAD.returns
    assert returns.window_for("climbing", "Petzl Corax Harness") == 0
    assert returns.window_for("climbing", "Scarpa Veloce Climbing Shoe") == 14
    assert returns.window_for("stoves", "MSR IsoPro 450g Canister") == 0
    rule = returns.rule_for("stoves", "MSR PocketRocket 2 Stove")
    assert rule is not None and rule.unopened_only and rule.window_days == 14


def test_each_shop_has_its_own_index() -> None:
    """Two shops served from one checkout (in turn or at once) never answer from each other's
    FAQ or catalogue."""
    from bot.runtime.settings import Settings

    kv, th = Settings.from_env({}), Settings.from_env({"CSBOT_SHOP": "trailhead"})
    assert kv.index_dir != th.index_dir and th.index_dir.name == "trailhead"
    assert Settings.from_env({"CSBOT_INDEX_DIR": "/srv/index"}).index_dir == Path("/srv/index")

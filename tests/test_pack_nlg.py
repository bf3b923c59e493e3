"""Rasa's fixed replies in the served shop's words: the pack's responses.yml over the
domain's shop-neutral defaults, placeholders filled from shop.yml, kept when Rasa loads
another model."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.pack.locate import PROJECT_ROOT, SHOPS_DIR
from bot.pack.responses import ResponsesInvalid, load_responses
from bot.pack.scaffold import scaffold
from bot.runtime.pack_nlg import PackResponses
from bot.runtime.rasa_config import PACK_NLG


def _domain() -> Domain:
    with warnings.catch_warnings():  # Rasa's notes on its own slot features, at load
        warnings.simplefilter("ignore", UserWarning)
        return Domain.load(str(PROJECT_ROOT / "domain.yml"))


DOMAIN = _domain()


async def reply(pack: Path, name: str, monkeypatch) -> str:
    monkeypatch.setenv("CSBOT_SHOP", str(pack))
    nlg = PackResponses(domain=DOMAIN)
    tracker = DialogueStateTracker.from_events("c", [], slots=DOMAIN.slots)
    return (await nlg.generate(name, tracker, "rest"))["text"]


async def test_each_shop_greets_in_its_own_words(monkeypatch) -> None:
    kv = await reply(SHOPS_DIR / "kettle-and-volt", "utter_greet", monkeypatch)
    th = await reply(SHOPS_DIR / "trailhead", "utter_greet", monkeypatch)
    assert kv.startswith("Hi, welcome to Kettle & Volt!")
    assert "Trailhead" in th and "Kettle" not in th


async def test_a_new_shop_gets_neutral_defaults_filled_from_its_pack(tmp_path, monkeypatch):
    pack = tmp_path / "shop"
    scaffold(pack, "Harbour Leather Co")
    (pack / "responses.yml").unlink()  # no wording of its own: the domain's defaults
    greet = await reply(pack, "utter_greet", monkeypatch)
    shipping = await reply(pack, "utter_shipping_info", monkeypatch)
    bot = await reply(pack, "utter_iamabot", monkeypatch)
    assert greet.startswith("Hi, welcome to Harbour Leather Co!")
    assert "United Kingdom: 2-4 days, £3.95 (free over £50.00)." in shipping
    assert "{" not in greet + shipping + bot and "Kettle" not in greet + shipping + bot


async def test_the_packs_wording_survives_a_model_load(monkeypatch) -> None:
    """Rasa resets `responses` to the new model's domain on every load."""
    monkeypatch.setenv("CSBOT_SHOP", str(SHOPS_DIR / "trailhead"))
    nlg = PackResponses(domain=None)  # as Rasa builds it before the first model
    nlg.responses = DOMAIN.responses  # Agent.load_model
    tracker = DialogueStateTracker.from_events("c", [], slots=DOMAIN.slots)
    assert "Trailhead" in (await nlg.generate("utter_greet", tracker, "rest"))["text"]


def test_no_default_names_a_shop() -> None:
    """The domain's own texts are every shop's defaults: no shop's facts in them."""
    texts = " ".join(v["text"] for vs in DOMAIN.responses.values() for v in vs if "text" in v)
    for fact in ("Kettle", "Volt", "Trailhead", "$", "€", "100234", "1-800"):
        assert fact not in texts, fact


async def test_a_replys_source_is_csbots_not_sent_to_rasa(monkeypatch) -> None:
    monkeypatch.setenv("CSBOT_SHOP", str(SHOPS_DIR / "trailhead"))
    variations = PackResponses(domain=DOMAIN).responses["utter_damaged_or_wrong_item"]
    assert variations and all("source" not in v for v in variations)


def test_a_typo_in_a_packs_response_name_is_refused(tmp_path) -> None:
    path = tmp_path / "responses.yml"
    path.write_text('responses:\n  utter_gret:\n    - text: "Hi"\n')
    with pytest.raises(ResponsesInvalid, match="utter_gret"):
        load_responses(path, set(DOMAIN.responses))


def test_rasa_is_told_to_use_it() -> None:
    assert PACK_NLG == f"{PackResponses.__module__}.{PackResponses.__name__}"

"""Rasa's fixed replies in the served shop's words: the pack's `responses.yml` over the
domain's defaults, with `{shop_name}`-style placeholders filled from `shop.yml`.

Rasa loads this as its natural-language generator (`nlg: type:` in the endpoints file csbot
writes), in its own process: no network hop per reply. The domain's responses stay the
defaults every shop gets and hold no shop's facts; a pack overrides a response by name. A
change of pack or of its wording needs a restart, never a retrain (the model does not know
the texts).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.pack.load import load_pack
from bot.pack.locate import pack_dir
from bot.pack.responses import RESPONSES_FILE, load_responses, pack_values, without_sources


class PackResponses(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator over the domain's responses with the pack's on top.

    Rasa sets `responses` to the domain's each time it loads a model (`Agent.load_model`), so
    the pack's overrides are applied in the setter, not once."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        pack = load_pack(pack_dir())
        self._overrides = without_sources(load_responses(pack.root / RESPONSES_FILE))
        self.values = pack_values(pack)
        super().__init__(dict(domain.responses) if domain is not None else {})

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, defaults: dict[str, list[dict[str, Any]]]) -> None:
        self._responses = {**defaults, **self._overrides}

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """As Rasa's, with the pack's values where no slot of that name is set."""
        filled = tracker.current_slot_values()
        values = {**self.values, **{k: v for k, v in filled.items() if v is not None}}
        return self.generate_from_slots(utter_action, values, output_channel, **kwargs)

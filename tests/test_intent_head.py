"""The MiniLM intent head: trained on a few examples per intent, it understands new wording."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_head import MiniLMIntentClassifier
from bot.nlu.minilm_featurizer import MiniLMFeaturizer

pytestmark = pytest.mark.slow  # loads MiniLM

EXAMPLES = {
    "order_status": ["where is my order", "has my parcel shipped", "track my package"],
    "return_item": ["I want to send this back", "return the blender", "start a return"],
    "greet": ["hello", "hi there", "good morning"],
}


def _featurize(messages: list[Message]) -> None:
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    context = ExecutionContext(None, node_name="minilm")
    MiniLMFeaturizer.create(MiniLMFeaturizer.get_default_config(), None, None, context).process(
        messages
    )


def test_trained_head_classifies_unseen_wording_and_survives_a_reload(tmp_path):
    examples = [
        Message(data={TEXT: text, INTENT: intent})
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    _featurize(examples)
    storage, resource = LocalModelStorage(tmp_path), Resource("intent_head")
    context = ExecutionContext(None, node_name="intent_head")
    config = MiniLMIntentClassifier.get_default_config()
    MiniLMIntentClassifier.create(config, storage, resource, context).train(TrainingData(examples))
    loaded = MiniLMIntentClassifier.load(config, storage, resource, context)
    asked = [Message(data={TEXT: t}) for t in ("wheres my stuff??", "i'd like to return my kettle")]
    _featurize(asked)
    loaded.process(asked)
    assert [m.get(INTENT)["name"] for m in asked] == ["order_status", "return_item"]
    ranking = asked[0].get(INTENT_RANKING_KEY)
    assert len(ranking) == 3 and sum(r["confidence"] for r in ranking) == pytest.approx(1.0)

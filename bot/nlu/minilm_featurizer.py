"""Dense MiniLM features for DIET, next to the sparse count-vector features.

Each Rasa token gets the mean of the transformer's word-piece vectors that overlap its
characters (sequence features); the message gets the normalised sentence embedding
(sentence feature).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.embeddings import EMBEDDING_DIM, load_encoder


def align_to_tokens(
    spans: list[tuple[int, int]], offsets: np.ndarray, vectors: np.ndarray
) -> np.ndarray:
    """Average the word-piece vectors overlapping each (start, end) character span.

    `offsets` holds each word piece's character span; special tokens have (0, 0). A span
    with no word piece (cut off by truncation) gets zeros.
    """
    out = np.zeros((len(spans), vectors.shape[-1]), dtype=np.float32)
    real = offsets[:, 1] > offsets[:, 0]
    for i, (start, end) in enumerate(spans):
        hit = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
        if hit.any():
            out[i] = vectors[hit].mean(axis=0)
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64, "max_length": 128}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config["batch_size"]) <= 0 or int(config["max_length"]) <= 8:
            raise ValueError("MiniLMFeaturizer needs batch_size > 0 and max_length > 8")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        return cls(execution_context.node_name, config)

    def _featurize(self, messages: list[Message]) -> None:
        embedded = load_encoder().embed(
            [m.get(TEXT) for m in messages], max_length=int(self._config["max_length"])
        )
        for i, message in enumerate(messages):
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            spans = [(t.start, t.end) for t in tokens]
            sequence = align_to_tokens(spans, embedded.offsets[i], embedded.pieces[i])
            if not len(sequence):
                sequence = np.zeros((1, EMBEDDING_DIM), dtype=np.float32)
            sentence = embedded.sentences[i : i + 1]
            self.add_features_to_message(sequence, sentence, TEXT, message)

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        size = int(self._config["batch_size"])
        for start in range(0, len(with_text), size):
            self._featurize(with_text[start : start + size])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

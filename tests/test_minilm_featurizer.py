import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.minilm_featurizer import MiniLMFeaturizer, align_to_tokens
from knowledge.embeddings import EMBEDDING_DIM


def test_word_pieces_are_averaged_per_token():
    offsets = np.array([[0, 0], [0, 3], [3, 6], [7, 10], [0, 0]])  # [CLS] un ##do it [SEP]
    vectors = np.arange(10, dtype=np.float32).reshape(5, 2)
    out = align_to_tokens([(0, 6), (7, 10), (11, 14)], offsets, vectors)
    assert out.tolist() == [[3.0, 4.0], [6.0, 7.0], [0.0, 0.0]]


def _featurized(text: str) -> Message:
    message = Message(data={TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer = MiniLMFeaturizer.create(
        MiniLMFeaturizer.get_default_config(), None, None, ExecutionContext(None, node_name="mini")
    )
    featurizer.process([message])
    return message


@pytest.mark.slow  # loads MiniLM
def test_messages_get_token_and_sentence_features_that_mean_something():
    message = _featurized("where is my parcel")
    sequence, sentence = message.get_dense_features(TEXT, [])
    assert sequence.features.shape == (len(message.get(TOKENS_NAMES[TEXT])), EMBEDDING_DIM)
    assert sentence.features.shape == (1, EMBEDDING_DIM)

    def sentence_of(text):
        return _featurized(text).get_dense_features(TEXT, [])[1].features[0]

    parcel, order, kettle = (
        sentence_of(t) for t in ("where is my parcel", "track my order", "descale a kettle")
    )
    assert parcel @ order > parcel @ kettle

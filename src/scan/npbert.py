"""The default encoder's forward pass in plain numpy: multilingual-e5-small without torch.

The converted model folder (see `scan.e5convert`) is a BERT checkpoint in safetensors. This module
memory-maps it (nothing is copied, so loading takes milliseconds), tokenises with `tokenizers`, and
runs the same float32 computation as transformers' BertModel followed by sentence-transformers'
mean pooling and normalisation: embeddings + LayerNorm, 12 layers of masked self-attention and an
exact (erf) GELU feed-forward, each with a residual LayerNorm. Its vectors agree with the
sentence-transformers vectors to a cosine of 0.99999 or better (tests/test_npbert.py), so an index
built either way is searched by the other.

Sequences are never padded: the tokens of a batch are packed into one matrix for the dense layers
(large, efficient matrix products) and only attention runs per sequence. Long texts are truncated
at the model's 512 tokens, as sentence-transformers does.
"""

from __future__ import annotations

import json
import math
import mmap
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from scan.errors import ScanError

TOKENS_PER_BATCH = 4096  # packed tokens per forward pass: bounds memory, keeps the products large
_GELU_ROWS = 256  # rows of the feed-forward activation per GELU chunk (stays in the CPU cache)

# erf(x) = 1 - (a1 t + ... + a5 t^5) exp(-x^2), t = 1 / (1 + p x), x >= 0; |error| <= 1.5e-7
# (Abramowitz & Stegun 7.1.26), which is float32's own resolution near 1.
_P = np.float32(0.3275911)
_A = [np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Memory-map a safetensors file of float32 tensors: {name: read-only array}, no copy."""
    try:
        with open(path, "rb") as f:
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise ScanError(
            f"cannot read the model file {path}: {exc}", "delete the folder; scan converts it again"
        ) from None
    try:
        (size,) = np.frombuffer(buf, dtype="<u8", count=1)
        header = json.loads(bytes(buf[8 : 8 + int(size)]))
    except (ValueError, json.JSONDecodeError):
        raise ScanError(f"{path} is not a safetensors file", "delete the folder; scan converts it again") from None
    base = 8 + int(size)
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise ScanError(
                f"{path}: tensor {name} is {meta['dtype']}, not F32", "delete the folder; scan converts it again"
            )
        start, end = meta["data_offsets"]
        out[name] = np.frombuffer(buf, dtype="<f4", count=(end - start) // 4, offset=base + start).reshape(
            meta["shape"]
        )
    return out


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    var = np.mean(np.square(x), axis=-1, keepdims=True)
    x *= 1.0 / np.sqrt(var + np.float32(eps))
    x *= weight
    x += bias
    return x


def gelu_(h: np.ndarray) -> np.ndarray:
    """Exact GELU, x * (1 + erf(x / sqrt(2))) / 2, in place, chunked to stay in the cache.

    >>> [round(float(v), 5) for v in gelu_(np.array([-3.0, -1.0, 0.0, 0.5, 2.0], dtype=np.float32))]
    [-0.00405, -0.15866, 0.0, 0.34573, 1.9545]
    """
    flat = h.reshape(-1, h.shape[-1]) if h.ndim > 1 else h.reshape(1, -1)
    for i in range(0, len(flat), _GELU_ROWS):
        x = flat[i : i + _GELU_ROWS]
        a = np.abs(x)
        t = a * np.float32(_P / math.sqrt(2))  # p * |x| / sqrt(2)
        t += 1
        np.reciprocal(t, out=t)
        poly = t * _A[0]
        for c in _A[1:]:
            poly += c
            poly *= t
        e = np.square(a)
        e *= np.float32(-0.5)
        np.exp(e, out=e)
        poly *= e  # 1 - erf(|x| / sqrt(2))
        poly *= a
        poly *= np.float32(0.5)  # |x| * Phi(-|x|)
        # x * Phi(x) = max(x, 0) - |x| * Phi(-|x|), for either sign of x
        np.maximum(x, 0, out=x)
        x -= poly
    return h


class _RustTokenizer:
    """Any tokenizer.json, through the `tokenizers` package (about a second to load a large vocabulary)."""

    def __init__(self, folder: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.no_padding()

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]


class NumpyBert:
    """A BERT encoder with mean pooling, computed in numpy from a safetensors checkpoint."""

    def __init__(self, folder: Path) -> None:
        try:
            config = json.loads((folder / "config.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ScanError(
                f"cannot read {folder / 'config.json'}: {exc}", "delete the folder; scan converts it again"
            ) from None
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
            raise ScanError(f"{folder}: not a model the numpy runtime knows", "use sentence-transformers for it")
        max_len = int(config["max_position_embeddings"])
        st_config = folder / "sentence_bert_config.json"
        if st_config.exists():
            max_len = min(max_len, int(json.loads(st_config.read_text()).get("max_seq_length") or max_len))
        self.max_length = max_len
        self.folder = folder
        self.w = read_safetensors(folder / "model.safetensors")
        from scan.unigram import UnigramTokenizer

        try:
            self.tokenizer: UnigramTokenizer | _RustTokenizer = UnigramTokenizer.from_folder(folder, max_len)
        except (OSError, ValueError, KeyError):  # not the shape scan.unigram reproduces
            self.tokenizer = _RustTokenizer(folder, max_len)
        self._qkv: list[tuple[np.ndarray, np.ndarray]] = []
        self._lock = threading.Lock()

    def _fused_qkv(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """One (3h, h) matrix for the query, key and value projections of layer i (one product, not three)."""
        with self._lock:  # workers share the model
            while len(self._qkv) <= i:
                p = f"encoder.layer.{len(self._qkv)}.attention.self."
                w = np.concatenate([self.w[p + n + ".weight"] for n in ("query", "key", "value")])
                b = np.concatenate([self.w[p + n + ".bias"] for n in ("query", "key", "value")])
                self._qkv.append((w, b))
            return self._qkv[i]

    def token_ids(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [np.asarray(ids, dtype=np.int64) for ids in self.tokenizer.encode_batch(texts)]

    def embed_ids(self, seqs: Sequence[np.ndarray]) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors of token-id sequences (one packed forward pass)."""
        x, starts, lens = self.hidden_states(seqs)
        pooled = np.add.reduceat(x, starts, axis=0) / lens[:, None].astype(np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32)

    def embed_ids_spans(
        self, seqs: Sequence[np.ndarray], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed_ids(seqs)`, and for each sequence the pooled vector of each of its token ranges
        [a, b) (late chunking, see `scan.latechunk`)."""
        x, starts, lens = self.hidden_states(seqs)
        pooled = np.add.reduceat(x, starts, axis=0) / lens[:, None].astype(np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors = (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32)
        return vectors, [pool_ranges(x[s : s + n], r) for s, n, r in zip(starts, lens, spans)]

    def hidden_states(self, seqs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The last hidden states of token-id sequences, packed: (states, first row of each, lengths)."""
        w, h, eps = self.w, self.hidden, self.eps
        lens = np.array([len(s) for s in seqs])
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        ids = np.concatenate(seqs)
        positions = np.concatenate([np.arange(n) for n in lens])
        x = w["embeddings.word_embeddings.weight"][ids]
        x += w["embeddings.position_embeddings.weight"][positions]
        x += w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        heads, d = self.heads, h // self.heads
        scale = np.float32(1 / math.sqrt(d))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            wqkv, bqkv = self._fused_qkv(i)
            qkv = x @ wqkv.T
            qkv += bqkv
            ctx = np.empty_like(x)
            for s, n in zip(starts, lens):
                block = qkv[s : s + n].reshape(n, 3, heads, d)
                q = block[:, 0].transpose(1, 0, 2)  # (heads, n, d)
                k = block[:, 1].transpose(1, 2, 0)  # (heads, d, n)
                v = block[:, 2].transpose(1, 0, 2)
                scores = np.matmul(q, k)
                scores *= scale
                scores -= scores.max(axis=-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(axis=-1, keepdims=True)
                ctx[s : s + n] = np.matmul(scores, v).transpose(1, 0, 2).reshape(n, h)
            a = ctx @ w[p + "attention.output.dense.weight"].T
            a += w[p + "attention.output.dense.bias"]
            a += x
            x = _layer_norm(
                a, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps
            )
            inter = x @ w[p + "intermediate.dense.weight"].T
            inter += w[p + "intermediate.dense.bias"]
            gelu_(inter)
            o = inter @ w[p + "output.dense.weight"].T
            o += w[p + "output.dense.bias"]
            o += x
            x = _layer_norm(o, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        return x, starts, lens

    def encode(
        self,
        texts: Sequence[str],
        workers: int | None = None,
        progress=None,
        forward=None,
        spans: Sequence[Sequence[tuple[int, int]]] | None = None,
    ):
        """Vectors of `texts` in their order. Texts are sorted by length and packed into batches of
        about TOKENS_PER_BATCH tokens, which `workers` threads (default: scan.threads) encode in parallel
        with `forward` (default: this module's float32 `embed_ids`).

        With `spans` (token ranges [a, b) per text), returns (vectors, a list with each text's array of
        range vectors): the ranges pooled from the text's own forward pass (`scan.latechunk`)."""
        from scan.threads import threads

        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        parts: list[np.ndarray] = [np.zeros((0, self.hidden), dtype=np.float32)] * len(texts)
        if not len(texts):
            return out if spans is None else (out, parts)
        seqs = self.token_ids(texts)
        workers = max(1, workers or threads())
        total = sum(len(s) for s in seqs)
        budget = max(256, min(TOKENS_PER_BATCH, -(-total // workers)))  # at least one batch per worker
        order = sorted(range(len(seqs)), key=lambda j: len(seqs[j]))
        batches: list[list[int]] = [[]]
        size = 0
        for j in order:
            if batches[-1] and size + len(seqs[j]) > budget:
                batches.append([])
                size = 0
            batches[-1].append(j)
            size += len(seqs[j])

        embed = forward or self.embed_ids
        embed_spans = self.embed_ids_spans if forward is None else getattr(forward, "embed_spans", None)

        def run(batch: list[int]) -> int:
            if spans is None:
                out[batch] = embed([seqs[b] for b in batch])
                return len(batch)
            vectors, pooled = embed_spans([seqs[b] for b in batch], [spans[b] for b in batch])
            out[batch] = vectors
            for b, part in zip(batch, pooled):
                parts[b] = part
            return len(batch)

        if workers == 1 or len(batches) == 1:
            for batch in batches:
                n = run(batch)
                if progress:
                    progress(n)
            return out if spans is None else (out, parts)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(workers, len(batches)), thread_name_prefix="scan-encode") as pool:
            for n in pool.map(run, batches):
                if progress:
                    progress(n)
        return out if spans is None else (out, parts)


def pool_ranges(states: np.ndarray, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean of `states[a:b]` for each range, L2-normalised: (len(ranges), hidden) float32."""
    out = np.zeros((len(ranges), states.shape[1]), dtype=np.float32)
    for i, (a, b) in enumerate(ranges):
        out[i] = states[a:b].mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, np.float32(1e-12))

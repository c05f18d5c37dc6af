"""Batch encoding of the default model in bfloat16 on CPUs with matrix units (AMX, AVX-512 BF16).

Passages are encoded at ingest and for classification in batches of thousands of tokens. On a CPU
with AMX (Intel Sapphire Rapids and later) torch multiplies bfloat16 matrices about eight times
faster than float32, so this runtime runs the dense layers and attention of `scan.npbert`'s model in
bfloat16 (inputs rounded to bfloat16, products accumulated in float32, as `torch.autocast` does),
and keeps embeddings, LayerNorm, residuals, pooling and normalisation in float32. Its vectors agree
with the float32 ones to a cosine of 0.9999 or better (tests/test_bf16bert.py); the evaluation
figures in the README were measured on an index built this way.

Queries stay on the float32 numpy path (`scan.npbert`): one short text gains nothing here, and the
query path must not import torch. The choice is `SCAN_PRECISION`: `auto` (default: bfloat16 where
the CPU has the instructions and torch is installed, else float32), `bf16` or `fp32`.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from scan.npbert import NumpyBert
from scan.packedlinear import Linear

ENV = "SCAN_PRECISION"
_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_has_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AMX or AVX-512 BF16)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return any(f in flags for f in _CPU_FLAGS)
    return False


def batch_precision() -> str:
    """`bf16` or `fp32`: what batch encoding of the default model uses here ($SCAN_PRECISION, default auto)."""
    choice = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if choice == "fp32":
        return "fp32"
    if choice not in ("auto", "bf16"):
        from scan.errors import ScanError

        raise ScanError(f"{ENV}={choice!r} is not a precision scan knows", f"set {ENV} to auto, bf16 or fp32")
    try:
        import importlib.util

        has_torch = importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        has_torch = False
    if choice == "bf16":
        if not has_torch:
            from scan.errors import ScanError

            raise ScanError(f"{ENV}=bf16 needs torch, which is not installed", f"install torch or set {ENV}=fp32")
        return "bf16"
    return "bf16" if has_torch and cpu_has_bf16() else "fp32"


class Bf16Forward:
    """The forward pass of a `NumpyBert` (its weights, shapes and tokens) in torch with bfloat16 products."""

    def __init__(self, model: NumpyBert) -> None:
        import torch

        self._torch = torch
        self.w = model.w
        self.hidden, self.heads, self.layers, self.eps = model.hidden, model.heads, model.layers, model.eps
        self._lock = threading.Lock()
        self._layers: list[tuple] = []

    def _tensor(self, name: str, bf16: bool = False):
        x = self._torch.from_numpy(np.array(self.w[name]))  # a copy: the memory map is read-only
        return x.to(self._torch.bfloat16) if bf16 else x

    def _layer(self, i: int) -> tuple:
        """Layer i's matrices in bfloat16 (query, key and value fused into one) and its float32 vectors,
        converted once and kept."""
        with self._lock:
            while len(self._layers) <= i:
                torch, w, t = self._torch, self.w, self._tensor
                p = f"encoder.layer.{len(self._layers)}."
                a = p + "attention.self."

                qkv_w = torch.from_numpy(np.concatenate([w[a + n + ".weight"] for n in ("query", "key", "value")]))
                qkv_b = torch.from_numpy(np.concatenate([w[a + n + ".bias"] for n in ("query", "key", "value")]))
                self._layers.append(
                    (
                        Linear.make(torch, qkv_w.to(torch.bfloat16), qkv_b.to(torch.bfloat16)),
                        Linear.make(torch, t(p + "attention.output.dense.weight", True)),
                        t(p + "attention.output.dense.bias"),
                        t(p + "attention.output.LayerNorm.weight"),
                        t(p + "attention.output.LayerNorm.bias"),
                        Linear.make(
                            torch,
                            t(p + "intermediate.dense.weight", True),
                            t(p + "intermediate.dense.bias", True),
                            True,
                        ),  # with the GELU
                        Linear.make(torch, t(p + "output.dense.weight", True)),
                        t(p + "output.dense.bias"),
                        t(p + "output.LayerNorm.weight"),
                        t(p + "output.LayerNorm.bias"),
                    )
                )
            return self._layers[i]

    def __call__(self, seqs: Sequence[np.ndarray]) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors of token-id sequences, padded to the longest in the batch
        (batches are sorted by length, so there is little padding) with padding masked out."""
        return self.embed_spans(seqs, None)[0]

    def embed_spans(
        self, seqs: Sequence[np.ndarray], spans: Sequence[Sequence[tuple[int, int]]] | None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The vectors of `__call__`, and for each sequence the pooled vector of each of its token
        ranges [a, b) (late chunking, see `scan.latechunk`)."""
        from scan.npbert import pool_ranges

        torch = self._torch
        F = torch.nn.functional
        bf16 = torch.bfloat16
        w, h, heads, eps = self.w, self.hidden, self.heads, self.eps
        d = h // heads
        n, longest = len(seqs), max(len(s) for s in seqs)
        ids = np.zeros((n, longest), dtype=np.int64)
        mask = np.zeros((n, longest), dtype=bool)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = True
        x = w["embeddings.word_embeddings.weight"][ids]  # gathered in numpy: the table is never copied
        x += w["embeddings.position_embeddings.weight"][:longest]
        x += w["embeddings.token_type_embeddings.weight"][0]
        with torch.inference_mode():
            keep = torch.from_numpy(mask)
            ln_w = torch.from_numpy(np.array(w["embeddings.LayerNorm.weight"]))
            ln_b = torch.from_numpy(np.array(w["embeddings.LayerNorm.bias"]))
            x = F.layer_norm(torch.from_numpy(x), (h,), ln_w, ln_b, eps)
            attn_mask = keep[:, None, None, :]  # padding keys get no attention
            scale = 1 / math.sqrt(d)
            rows = n * longest
            for i in range(self.layers):
                qkv_lin, ao_lin, ao_b, a_ln_w, a_ln_b, in_lin, out_lin, out_b, o_ln_w, o_ln_b = self._layer(i)
                qkv = qkv_lin(x.to(bf16).view(rows, h)).view(n, longest, 3, heads, d)
                q, k, v = (qkv[:, :, j].transpose(1, 2) for j in range(3))  # (n, heads, longest, d)
                ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, scale=scale)
                ctx = ctx.transpose(1, 2).reshape(rows, h)
                a = ao_lin(ctx).float().view(n, longest, h)
                a += ao_b
                a += x
                x = F.layer_norm(a, (h,), a_ln_w, a_ln_b, eps)
                inter = in_lin(x.to(bf16).view(rows, h))  # GELU fused in
                o = out_lin(inter).float().view(n, longest, h)
                o += out_b
                o += x
                x = F.layer_norm(o, (h,), o_ln_w, o_ln_b, eps)
            weights = keep.unsqueeze(-1).float()
            pooled = (x * weights).sum(1) / weights.sum(1)
            pooled = F.normalize(pooled, dim=1)
            states = x.numpy()
            parts = [pool_ranges(states[i], r) for i, r in enumerate(spans)] if spans is not None else []
        return pooled.numpy().astype(np.float32), parts

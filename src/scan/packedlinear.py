"""bfloat16 dense layers with their weights packed once for oneDNN, and GELU fused into the product.

`torch.nn.functional.linear` on bfloat16 CPU tensors reorders the weight into oneDNN's blocked
layout for the matrix units (AMX) on every call, and GELU is a second pass over the largest
activation of a BERT layer. torch's own oneDNN operators (the ones its compiler emits,
`torch.ops.mkldnn._reorder_linear_weight` and `_linear_pointwise`) take a weight reordered once and
fuse the GELU into the product: on this project's 2-core AMX machine the four products of an e5
layer took about 20 % less CPU time (bench numbers in the README, "Fast paths"). The products are
bit-identical to `F.linear`; the fused GELU is applied before the result is rounded to bfloat16,
so it differs from `gelu(linear(x))` by bfloat16 rounding only.

Those operators are internal to torch: `Linear.make` checks once that they exist and give
`F.linear`'s result on a small product, and otherwise every layer uses `F.linear` (+ `F.gelu`).
"""

from __future__ import annotations

import threading

_checked: dict[str, bool] = {}
_lock = threading.Lock()


def available(torch) -> bool:
    """Whether torch's packed oneDNN linear works here (checked once per process on a small product)."""
    with _lock:
        if "ok" not in _checked:
            _checked["ok"] = _check(torch)
        return _checked["ok"]


def _check(torch) -> bool:
    ops = getattr(torch.ops, "mkldnn", None)
    try:
        if ops is None or not torch.backends.mkldnn.is_available():
            return False
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(37, 64, generator=gen).to(torch.bfloat16)
        w = torch.randn(96, 64, generator=gen).to(torch.bfloat16)
        b = torch.randn(96, generator=gen).to(torch.bfloat16)
        packed = ops._reorder_linear_weight(w, 37)
        plain = torch.nn.functional.linear(x, w, b)
        fused = ops._linear_pointwise(x, packed, b, "gelu", [], "none")
        same = torch.equal(ops._linear_pointwise(x, packed, b, "none", [], ""), plain)
        close = torch.allclose(fused.float(), torch.nn.functional.gelu(plain.float()), atol=0.05, rtol=0.02)
        return bool(same and close)
    except (RuntimeError, AttributeError, TypeError, NotImplementedError):
        return False


class Linear:
    """`y = x @ weight.T + bias` on 2-D bfloat16 `x`, optionally followed by exact (erf) GELU."""

    def __init__(self, torch, weight, bias, gelu: bool, packed: bool, rows: int = 4096) -> None:
        self._torch = torch
        self.bias = bias
        self.gelu = gelu
        self.packed = packed
        self.weight = torch.ops.mkldnn._reorder_linear_weight(weight, rows) if packed else weight

    @classmethod
    def make(cls, torch, weight, bias=None, gelu: bool = False) -> Linear:
        """The packed operator where it works (see `available`), else F.linear."""
        return cls(torch, weight, bias, gelu, available(torch))

    def __call__(self, x):
        if self.packed:
            if self.gelu:
                return self._torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "gelu", [], "none")
            return self._torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "none", [], "")
        y = self._torch.nn.functional.linear(x, self.weight, self.bias)
        return self._torch.nn.functional.gelu(y) if self.gelu else y

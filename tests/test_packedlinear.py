"""Packed oneDNN dense layers (scan.packedlinear): the product of F.linear, GELU fused within
bfloat16 rounding, any number of rows, and the plain path where the operators are missing."""

import pytest

from scan import packedlinear
from scan.packedlinear import Linear

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _weights(rows: int = 53):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(rows, 48, generator=gen).to(torch.bfloat16)
    w = (torch.randn(80, 48, generator=gen) * 0.2).to(torch.bfloat16)
    b = torch.randn(80, generator=gen).to(torch.bfloat16)
    return x, w, b


def test_packed_products_equal_f_linear_for_any_rows_and_gelu_is_within_rounding():
    if not packedlinear.available(torch):
        pytest.skip("torch has no packed oneDNN linear here")
    for rows in (1, 7, 53, 300):
        x, w, b = _weights(rows)
        plain = F.linear(x, w, b)
        assert torch.equal(Linear.make(torch, w, b)(x), plain)
        assert torch.equal(Linear.make(torch, w)(x), F.linear(x, w))  # no bias
        fused = Linear.make(torch, w, b, gelu=True)(x).float()
        torch.testing.assert_close(fused, F.gelu(plain.float()), atol=0.05, rtol=0.02)


def test_without_the_operators_every_layer_is_f_linear(monkeypatch):
    monkeypatch.setattr(packedlinear, "_checked", {"ok": False})
    x, w, b = _weights()
    layer = Linear.make(torch, w, b, gelu=True)
    assert not layer.packed
    assert torch.equal(layer(x), F.gelu(F.linear(x, w, b)))


def test_the_check_refuses_a_torch_without_mkldnn_operators():
    class NoOps:
        class ops:
            pass

    assert packedlinear._check(NoOps) is False

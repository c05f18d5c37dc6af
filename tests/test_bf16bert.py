"""Batch encoding in bfloat16 (scan.bf16bert): the same vectors as the float32 runtime, to a cosine of
0.9999, and the choice of precision."""

import numpy as np
import pytest
from test_npbert import _texts, _tiny_bert

from scan import bf16bert
from scan.bf16bert import Bf16Forward, batch_precision, cpu_has_bf16
from scan.errors import ScanError
from scan.npbert import NumpyBert, read_safetensors


def _tiny(tmp_path) -> NumpyBert:
    _tiny_bert(tmp_path)
    bert = NumpyBert.__new__(NumpyBert)
    bert.hidden, bert.heads, bert.layers, bert.eps = 48, 4, 3, 1e-12
    bert.w = read_safetensors(tmp_path / "model.safetensors")
    bert._qkv, bert._lock = [], __import__("threading").Lock()
    return bert


def test_bf16_forward_agrees_with_float32_and_ignores_padding(tmp_path):
    bert = _tiny(tmp_path)
    forward = Bf16Forward(bert)
    rng = np.random.default_rng(2)
    seqs = [rng.integers(0, 97, n) for n in (1, 5, 17, 40, 3)]
    exact = bert.embed_ids(seqs)
    together = forward(seqs)  # padded to 40 tokens in one batch
    assert together.dtype == np.float32 and together.shape == exact.shape
    assert (together * exact).sum(axis=1).min() > 0.999
    alone = np.vstack([forward([s]) for s in seqs])  # no padding at all
    np.testing.assert_allclose(together, alone, atol=2e-3)


def test_cpu_flags_decide_whether_bf16_is_hardware(tmp_path):
    amx = tmp_path / "amx"
    amx.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f amx_bf16 amx_tile\n")
    plain = tmp_path / "plain"
    plain.write_text("processor\t: 0\nflags\t\t: fpu sse avx2\n")
    assert cpu_has_bf16(amx) and not cpu_has_bf16(plain)
    assert not cpu_has_bf16(tmp_path / "missing")


def test_precision_setting(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv("SCAN_PRECISION", "fp32")
    assert batch_precision() == "fp32"
    monkeypatch.setenv("SCAN_PRECISION", "bf16")
    assert batch_precision() == "bf16"
    monkeypatch.setenv("SCAN_PRECISION", "auto")
    monkeypatch.setattr(bf16bert, "cpu_has_bf16", lambda: False)
    assert batch_precision() == "fp32"  # no hardware bfloat16: float32, never a slow emulation
    monkeypatch.setattr(bf16bert, "cpu_has_bf16", lambda: True)
    assert batch_precision() == "bf16"
    monkeypatch.setenv("SCAN_PRECISION", "half")
    with pytest.raises(ScanError) as err:
        batch_precision()
    assert "SCAN_PRECISION" in err.value.message and "fp32" in err.value.hint


@pytest.mark.model
def test_bf16_batches_of_the_default_model_match_float32(e5):
    texts = ["passage: " + t for t in _texts()[:60]]
    exact = e5.model.encode(texts)
    fast = e5.model.encode(texts, forward=Bf16Forward(e5.model))
    assert (exact * fast).sum(axis=1).min() >= 0.9999

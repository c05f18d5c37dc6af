"""The numpy runtime of the default encoder (scan.npbert, scan.unigram) against the reference
implementations it replaces: transformers' BertModel and the `tokenizers` package."""

import math

import numpy as np
import pytest
from conftest import ROOT

from scan.npbert import NumpyBert, gelu_, read_safetensors


def test_gelu_matches_the_exact_erf_form():
    x = np.linspace(-12, 12, 100_000, dtype=np.float32)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    got = gelu_(x.reshape(1000, -1).copy()).reshape(-1)
    assert np.abs(got - exact).max() < 1e-6


def test_safetensors_are_memory_mapped_not_copied(tmp_path):
    from safetensors.numpy import save_file

    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(4, dtype=np.float32)}
    save_file(tensors, str(tmp_path / "m.safetensors"))
    loaded = read_safetensors(tmp_path / "m.safetensors")
    assert set(loaded) == {"a", "b"}
    np.testing.assert_array_equal(loaded["a"], tensors["a"])
    assert not loaded["a"].flags.owndata and not loaded["a"].flags.writeable


def test_a_file_that_is_not_safetensors_is_refused_with_the_fix(tmp_path):
    from scan.errors import ScanError

    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00nope!")
    with pytest.raises(ScanError) as err:
        read_safetensors(bad)
    assert "model.safetensors" in err.value.message and "converts it again" in err.value.hint


def _tiny_bert(tmp_path):
    """A small randomly initialised BertModel saved as scan's converter saves the real one."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from safetensors.numpy import save_file

    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=97,
        hidden_size=48,
        num_hidden_layers=3,
        num_attention_heads=4,
        intermediate_size=96,
        max_position_embeddings=64,
        layer_norm_eps=1e-12,
        hidden_act="gelu",
    )
    model = transformers.BertModel(config, add_pooling_layer=False).eval()
    with torch.no_grad():  # random LayerNorm weights too, so that they are really applied
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.add_(torch.randn_like(p) * 0.2)
    save_file(
        {k: v.numpy() for k, v in model.state_dict().items() if v.dtype == torch.float32},
        str(tmp_path / "model.safetensors"),
    )
    (tmp_path / "config.json").write_text(config.to_json_string())
    return torch, model


def test_numpy_forward_pass_equals_transformers_bert_with_mean_pooling(tmp_path):
    torch, model = _tiny_bert(tmp_path)
    bert = NumpyBert.__new__(NumpyBert)  # the forward pass alone, no tokenizer needed
    bert.hidden, bert.heads, bert.layers, bert.eps = 48, 4, 3, 1e-12
    bert.w = read_safetensors(tmp_path / "model.safetensors")
    bert._qkv, bert._lock = [], __import__("threading").Lock()
    rng = np.random.default_rng(1)
    seqs = [rng.integers(0, 97, n) for n in (1, 5, 17, 40, 3)]
    ours = bert.embed_ids(seqs)
    for seq, vec in zip(seqs, ours):
        with torch.no_grad():
            out = model(input_ids=torch.tensor(seq)[None], attention_mask=torch.ones(1, len(seq), dtype=torch.long))
        ref = out.last_hidden_state[0].mean(0).numpy()
        ref /= np.linalg.norm(ref)
        assert float(vec @ ref) > 0.99999
        np.testing.assert_allclose(vec, ref, atol=2e-5)


# ---- the real default model -----------------------------------------------------------------
def _texts() -> list[str]:
    from scan.parse import read_document
    from scan.split import SplitSettings, split_document

    doc = read_document(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md")
    texts = [p.text for p in split_document(doc, SplitSettings())]
    odd = [
        "",
        " ",
        "▁▁a",
        "  två  mellanslag\n och\tflikar ",
        "😀 ñ ß İ ﬁ ① Ⅻ ㎏",
        "<unk> <s>",
        "あ中文кириллица",
        doc.text,
    ]
    return texts + odd


@pytest.mark.model
def test_python_tokenizer_gives_the_ids_of_the_tokenizers_package(e5):
    from scan.npbert import _RustTokenizer
    from scan.unigram import UnigramTokenizer

    folder = e5.model.folder
    ours = UnigramTokenizer.from_folder(folder, 512)
    reference = _RustTokenizer(folder, 512)
    texts = _texts()
    analysis = texts[-1]
    texts += ["passage: " + t for t in texts] + ["query: " + t for t in texts]
    assert ours.encode_batch(texts) == reference.encode_batch(texts)
    assert len(ours.encode(analysis)) == 512  # the whole analysis, truncated as sentence-transformers does


@pytest.mark.model
def test_numpy_runtime_vectors_equal_sentence_transformers(e5, monkeypatch):
    """An index built by either runtime is searched by the other: same vectors, same encoder name."""
    from scan.embed import load_encoder

    assert type(e5).__name__ == "NumpyE5Encoder"
    monkeypatch.setenv("SCAN_RUNTIME", "torch")
    reference = load_encoder(cache_dir=e5.model.folder.parent.parent)
    assert reference.name == e5.name
    texts = _texts()[::2]
    cosines = (e5.encode_passages(texts) * reference.encode_passages(texts)).sum(axis=1)
    assert cosines.min() >= 0.9999
    queries = ["tillit", "Hur påverkar distansarbete kommunens rekrytering?", "Kalix"]
    assert (e5.encode_queries(queries) * reference.encode_queries(queries)).sum(axis=1).min() >= 0.9999


@pytest.mark.model
def test_parallel_workers_give_the_same_vectors_as_one(e5):
    texts = _texts()[:40]
    one = e5.model.encode(["passage: " + t for t in texts], workers=1)
    two = e5.model.encode(["passage: " + t for t in texts], workers=2)
    np.testing.assert_allclose(one, two, atol=1e-6)

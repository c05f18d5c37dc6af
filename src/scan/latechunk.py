"""Late chunking: a quote unit's vector pooled from its passage's own forward pass.

Günther et al. (2024), "Late Chunking: Contextual Chunk Embeddings Using Long-Context Embedding
Models": run the encoder once over the whole text, then mean-pool the last hidden states of each
chunk's tokens. E5 pools by the mean and normalises, so a quote unit (scan.sentences) inside a
passage gets the mean of its tokens' states from the passage's pass, normalised; no second
encoder pass over the sentences.

Characters map to tokens through the tokenizer's offsets (`UnigramTokenizer.token_spans`): the
tokens a unit takes are those whose characters overlap it (a token "▁Word" starts at the space
before the word). The "passage: " prefix is part of the text the encoder sees, so spans are moved
past it. A unit gets no range (and is encoded on its own by the caller) when its passage's text
cannot be mapped, when no token falls inside it, or when it reaches past the tokens the model
reads (512 with the prefix).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def token_ranges(
    token_spans: Sequence[tuple[int, int]], char_spans: Sequence[tuple[int, int]]
) -> list[tuple[int, int] | None]:
    """For each character span [a, b) of the text, the token range [first, last + 1) of the tokens
    that overlap it, or None. `token_spans` are those of `UnigramTokenizer.token_spans`: <s> first,
    </s> last, both empty and never taken.

    >>> spans = [(0, 0), (0, 4), (4, 9), (9, 14), (14, 14)]  # <s> "▁Det" " regnar" "▁idag" </s>
    >>> token_ranges(spans, [(0, 9), (10, 14), (14, 20)])
    [(1, 3), (3, 4), None]
    """
    inner = token_spans[1:-1]
    starts = np.array([s for s, _ in inner], dtype=np.int64)
    ends = np.array([e for _, e in inner], dtype=np.int64)
    covered = int(ends.max()) if len(ends) else 0  # the text's last character the model still reads
    out: list[tuple[int, int] | None] = []
    for a, b in char_spans:
        if b <= a or b > covered:
            out.append(None)
            continue
        hit = np.nonzero((starts < b) & (ends > a))[0]
        out.append((int(hit[0]) + 1, int(hit[-1]) + 2) if len(hit) else None)
    return out


def encode_with_units(
    model, texts: Sequence[str], units: Sequence[Sequence[tuple[int, int]]], prefix: str, forward=None, progress=None
) -> tuple[np.ndarray, list[list[np.ndarray | None]]] | None:
    """Vectors of `prefix + text` for each text (as `model.encode` gives them), and for each text the
    vector of each of its unit spans (characters of the text, without the prefix), pooled from the
    same forward pass; None for a unit that cannot be pooled. Returns None when `model`'s
    tokenizer gives no offsets (late chunking does not apply; encode the units on their own)."""
    tokenizer = getattr(model, "tokenizer", None)
    if not hasattr(tokenizer, "token_spans"):
        return None
    full = [prefix + t for t in texts]
    ranges: list[list[tuple[int, int] | None]] = []
    for text, spans in zip(full, units):
        token_spans = tokenizer.token_spans(text) if spans else None
        if token_spans is None or len(token_spans) != len(tokenizer.encode(text)):
            ranges.append([None] * len(spans))
            continue
        ranges.append(token_ranges(token_spans, [(a + len(prefix), b + len(prefix)) for a, b in spans]))
    wanted = [[r for r in rs if r is not None] for rs in ranges]
    vectors, pooled = model.encode(full, progress=progress, forward=forward, spans=wanted)
    out: list[list[np.ndarray | None]] = []
    for rs, part in zip(ranges, pooled):
        rows = iter(part)
        out.append([None if r is None else next(rows) for r in rs])
    return vectors, out

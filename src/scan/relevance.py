"""One meaningful scale for search hits: a calibrated relevance from 0 to 100.

A hit's relevance is a logistic model's estimate, in per cent, of the chance that the passage
answers the query. Its features are the passage's plain cosine to the query, its score by meaning
freed of the language bias (scan.crosslingual), how far that score lies below the query's best,
and how well the passage matches the query's words (BM25, relative to the query's best). The model was fitted on the labelled dev queries of
eval/mixed.toml (a hit is relevant when it lies in a chapter of the analysis, or a document, that
answers the need; every hit of an off-topic query is not) by `python bench/mixed_remedies.py
--fit`, and is stored here as plain constants.

The model belongs to an encoder (its scores have their own scale): an index built with another
encoder gets relevance None on every hit, and no floor.

A query whose best hit stays under `FLOOR` has nothing in the library that answers it: the CLI
and the web page say "Inga träffar som svarar mot frågan" and show the closest passages only as
near-misses, under their own heading. Keyword search (exact words, tables, boilerplate) has no
relevance scale: its hits have relevance None and no floor applies.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    weights: tuple[float, ...]  # cosine, score by meaning, gap to the query's best, keyword match (0..1)
    bias: float


# encoder name part -> model; fitted by `python bench/mixed_remedies.py --fit` on the dev half of eval/mixed.toml
MODELS: dict[str, Model] = {
    "multilingual-e5-small": Model((8.454, 10.944, 0.841, 0.892), -10.836),
}
FLOOR = 50.0  # relevance a hit must reach to count as an answer (more likely than not); chosen on the dev half:
# the best sum of off-topic queries answered "no hits" (94 %) and needs whose right hit stays above it (94 %);
# 40: 83 % + 94 %, 30: 61 % + 100 %

NO_HITS = "Inga träffar som svarar mot frågan"
NEAR_MISSES = "Närmaste träffar under relevansgränsen"


def features(cosine: float, score: float, best: float, bm25: float, top_bm25: float) -> tuple[float, ...]:
    """The model's inputs for one hit: its plain cosine, its dense score, its gap to the best, and
    its BM25 relative to the query's best BM25 (0 when it shares no word with the query)."""
    return cosine, score, best - score, (bm25 / top_bm25 if top_bm25 > 0 else 0.0)


def model_for(encoder_name: str) -> Model | None:
    return next((m for part, m in MODELS.items() if part in encoder_name), None)


def probability(model: Model, x: tuple[float, ...]) -> float:
    z = model.bias + sum(w * v for w, v in zip(model.weights, x))
    return 100.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def rate(
    ranked: list[tuple[int, float]],
    dense: list[tuple[int, float]],
    keyword: list[tuple[int, float]],
    mode: str,
    scores: dict[int, float] | None = None,
    encoder_name: str = "",
    cosine_of: Callable[[int], float] | None = None,
) -> dict[int, float]:
    """Passage id -> relevance (0-100) for the ranked hits of a dense or hybrid search ({} where
    there is no model for the encoder, and for keyword search).

    `scores` gives the dense score of passages that are not in `dense` (keyword-only candidates),
    `cosine_of` a passage's plain cosine (default: its score).
    """
    model = model_for(encoder_name)
    if mode == "keyword" or not dense or model is None:
        return {}
    cos = dict(dense) | (scores or {})
    best = dense[0][1]
    bm25 = dict(keyword)
    top_bm25 = max(bm25.values(), default=0.0)
    out = {}
    for pid, score in ranked:
        dense_score = cos.get(pid, score)
        plain = cosine_of(pid) if cosine_of else dense_score
        out[pid] = probability(model, features(plain, dense_score, best, bm25.get(pid, 0.0), top_bm25))
    return out


def above_floor(relevance: float | None) -> bool:
    return relevance is None or relevance >= FLOOR

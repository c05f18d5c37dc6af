"""The order in which a search's hits are shown: by the relevance shown next to them.

A search ranks its candidates by `score` (scan.search: the cosine, a keyword bonus, the demotion of
candidates rated under relevance.DEMOTE) and cuts them to k. A reader sees each hit's calibrated
relevance (scan.relevance) beside its number, so the k hits are then listed by that relevance,
best first, and numbered 1, 2, 3 … from the top: a hit shown "relevans 56" never stands above one
shown "relevans 68". The answers (relevance.split_hits) are then the first hits and the
near-misses the rest, each list in the order of the numbers shown, and the numbering runs on from
the answers into the near-misses. The order only changes *within* the k hits: which passages are
shown is still decided by the search's order, so recall@5 of a 5-hit search cannot change.

Measured on the dev halves before choosing (README, "Relevance"; bench/shown_order.py): ordering
by relevance gave the right passage at 1 as often as the earlier display (answers in the search's
order, near-misses by relevance) or more often: eval/search.toml hybrid R@1 0.80 -> 0.85, and over
the three library setups of eval/mixed.toml chapter@1 109 -> 108, answer@1 142 -> 143 of 186
queries (Swedish better, English a little worse).

Hits without relevance (keyword search; an encoder without a relevance model) keep the search's
order. Each hit keeps its place in the search's order as `search_rank` (the order of `score`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from scan.types import Hit


def in_shown_order(hits: Sequence[Hit]) -> list[Hit]:
    """`hits` (one search's, in its rank order) ordered by relevance, best first, the search's order
    breaking ties and keeping hits without relevance in place; renumbered 1..n from the top, each
    with its `search_rank`. Idempotent: hits already in shown order come back unchanged."""
    ordered = sorted(hits, key=lambda h: (-(math.inf if h.relevance is None else h.relevance), _search_rank(h)))
    return [replace(h, rank=i, search_rank=_search_rank(h)) for i, h in enumerate(ordered, start=1)]


def _search_rank(hit: Hit) -> int:
    return hit.rank if hit.search_rank is None else hit.search_rank

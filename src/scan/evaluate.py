"""Search evaluation on a labelled query set: recall@1, recall@5 and MRR.

A query is answered at rank r when the r-th hit's passage contains the query's `expect`
phrase (compared with whitespace folded). Recall@k is the share of queries answered within the
first k hits; MRR is the mean of 1/r (0 when not answered in the first 10).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from scan.embed import Encoder
from scan.errors import ScanError
from scan.search import Mode, search
from scan.store import Index

DEPTH = 10


@dataclass(frozen=True)
class Query:
    q: str
    expect: tuple[str, ...]  # any of these phrases marks a passage as answering the query
    kind: str = "paraphrase"
    split: str = "test"


@dataclass
class SearchResult:
    mode: str
    n: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    by_split: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "n": self.n,
            "recall@1": round(self.recall_at_1, 4),
            "recall@5": round(self.recall_at_5, 4),
            "mrr": round(self.mrr, 4),
            "by_split": self.by_split,
            "by_kind": self.by_kind,
        }


def default_query_file() -> Path:
    return Path("eval/search.toml")


def load_queries(path: Path) -> list[Query]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScanError(f"{path}: no such query file", "run from the project folder, or pass --queries FILE") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScanError(f"{path}: not valid TOML ({exc})", "fix the line it names") from None
    try:
        return [
            Query(**{**item, "expect": tuple([item["expect"]] if isinstance(item["expect"], str) else item["expect"])})
            for item in data["query"]
        ]
    except (KeyError, TypeError) as exc:
        raise ScanError(f"{path}: each [[query]] needs q and expect ({exc})", "see eval/search.toml") from None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def first_relevant_rank(texts: list[str], expect: tuple[str, ...]) -> int | None:
    needles = [_fold(e) for e in expect]
    for rank, text in enumerate(texts, start=1):
        folded = _fold(text)
        if any(n in folded for n in needles):
            return rank
    return None


def _metrics(ranks: list[int | None]) -> tuple[float, float, float]:
    n = len(ranks) or 1
    r1 = sum(1 for r in ranks if r == 1) / n
    r5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1 / r for r in ranks if r is not None) / n
    return r1, r5, mrr


def evaluate_search(index: Index, encoder: Encoder | None, queries: list[Query], mode: Mode) -> SearchResult:
    ranks: list[int | None] = []
    misses = []
    by_kind: dict[str, list[int | None]] = {}
    by_split: dict[str, list[int | None]] = {}
    for query in queries:
        hits = search(index, encoder, query.q, k=DEPTH, mode=mode)
        rank = first_relevant_rank([h.passage.text for h in hits], query.expect)
        ranks.append(rank)
        by_kind.setdefault(query.kind, []).append(rank)
        by_split.setdefault(query.split, []).append(rank)
        if rank is None or rank > 5:
            misses.append(f"{query.q!r} (rank {rank or '>10'})")
    r1, r5, mrr = _metrics(ranks)
    return SearchResult(mode, len(queries), r1, r5, mrr, _grouped(by_kind), _grouped(by_split), misses)


def _grouped(groups: dict[str, list[int | None]]) -> dict[str, dict[str, float]]:
    out = {}
    for name, ranks in sorted(groups.items()):
        r1, r5, mrr = _metrics(ranks)
        out[name] = {"n": len(ranks), "recall@1": round(r1, 4), "recall@5": round(r5, 4), "mrr": round(mrr, 4)}
    return out

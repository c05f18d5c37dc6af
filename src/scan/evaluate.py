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


# ---- quotes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    claim: str
    support: tuple[str, ...]
    split: str = "test"


@dataclass
class QuoteResult:
    n: int
    precision_at_3: float
    recall_at_10: float
    by_split: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "precision@3": round(self.precision_at_3, 4),
            "recall@10": round(self.recall_at_10, 4),
            "by_split": self.by_split,
        }


def default_claims_file() -> Path:
    return Path("eval/quotes.toml")


def load_claims(path: Path) -> list[Claim]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return [Claim(c["claim"], tuple(c["support"]), c.get("split", "test")) for c in data["claim"]]
    except FileNotFoundError:
        raise ScanError(f"{path}: no such claims file", "run from the project folder, or pass --claims FILE") from None
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ScanError(f"{path}: each [[claim]] needs claim and support ({exc})", "see eval/quotes.toml") from None


def score_quotes(quote_texts: list[str], support: tuple[str, ...]) -> tuple[float, float]:
    """(precision@3, recall@10) of one ranked list of quotes."""
    needles = [_fold(s) for s in support]
    folded = [_fold(t) for t in quote_texts]
    top3 = folded[:3]
    precision = sum(1 for t in top3 if any(n in t for n in needles)) / 3
    recall = sum(1 for n in needles if any(n in t for t in folded[:10])) / len(needles)
    return precision, recall


def evaluate_quotes(index: Index, encoder: Encoder, claims: list[Claim]) -> QuoteResult:
    from scan.quotes import find_quotes

    groups: dict[str, list[tuple[float, float]]] = {}
    for claim in claims:
        quotes = find_quotes(index, encoder, claim.claim, k=10)
        groups.setdefault(claim.split, []).append(score_quotes([q.text for q in quotes], claim.support))
    every = [pr for group in groups.values() for pr in group]

    def mean(pairs, i):
        return sum(p[i] for p in pairs) / (len(pairs) or 1)

    by_split = {
        name: {"n": len(pairs), "precision@3": round(mean(pairs, 0), 4), "recall@10": round(mean(pairs, 1), 4)}
        for name, pairs in sorted(groups.items())
    }
    return QuoteResult(len(every), mean(every, 0), mean(every, 1), by_split)

"""Search evaluation on a labelled query set: recall@1, recall@5 and MRR.

A query is answered at rank r when the r-th hit shown (a 10-hit search in the order a reader sees
it: scan.shown) has a passage that contains the query's `expect` phrase (compared with whitespace
folded). Recall@k is the share of queries answered within the
first k hits; MRR is the mean of 1/r (0 when not answered in the first 10).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from scan.embed import Encoder
from scan.errors import ScanError
from scan.search import Mode, search
from scan.shown import in_shown_order
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
    from scan.config import project_file

    return project_file("eval/search.toml")


def read_query_file(path: Path) -> dict:
    """A labelled query file's TOML, or one clear error naming it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScanError(f"{path}: no such query file", "run from the project folder, or pass --queries FILE") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScanError(f"{path}: not valid TOML ({exc})", "fix the line it names") from None
    return data


def load_queries(path: Path) -> list[Query]:
    data = read_query_file(path)
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
        hits = in_shown_order(search(index, encoder, query.q, k=DEPTH, mode=mode))  # as a reader sees them
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
    from scan.config import project_file

    return project_file("eval/quotes.toml")


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


# ---- trend classification --------------------------------------------------------------------
@dataclass
class ClassifyResult:
    name: str
    n: int
    accuracy: float
    macro_f1: float  # over the trends
    none_f1: float | None  # None where the set has no "none" texts and none were predicted
    ece: float  # expected calibration error of the predicted class's probability, 10 bins
    reliability: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "set": self.name,
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "none_f1": None if self.none_f1 is None else round(self.none_f1, 4),
            "ece": round(self.ece, 4),
            "reliability": self.reliability,
        }


def _f1(gold: list[int], pred: list[int], cls: int) -> float | None:
    tp = sum(1 for g, p in zip(gold, pred) if g == cls and p == cls)
    fp = sum(1 for g, p in zip(gold, pred) if g != cls and p == cls)
    fn = sum(1 for g, p in zip(gold, pred) if g == cls and p != cls)
    if tp + fp + fn == 0:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def classification_metrics(name: str, gold: list[int], probs, classes: tuple[int, ...], trend_ids) -> ClassifyResult:
    import numpy as np

    probs = np.asarray(probs)
    pred = [classes[i] for i in probs.argmax(axis=1)]
    conf = probs.max(axis=1)
    correct = np.array([g == p for g, p in zip(gold, pred)])
    f1s = [f for t in trend_ids if (f := _f1(gold, pred, t)) is not None]
    from scan.classify_eval import calibration  # equal-width bins of the top score (its BINS = 10)

    ece, bins = calibration(conf, correct)
    return ClassifyResult(
        name,
        len(gold),
        float(correct.mean()),
        sum(f1s) / len(f1s) if f1s else 0.0,
        _f1(gold, pred, 0),
        float(ece),
        bins,
    )


def load_labelled_texts(path: Path) -> list[tuple[str, int, str]]:
    """(text, label, split) from eval/classify.toml; label 0 means no trend."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return [
            (t["text"], 0 if t["label"] == "none" else int(t["label"]), t.get("split", "test")) for t in data["text"]
        ]
    except FileNotFoundError:
        raise ScanError(f"{path}: no such file", "run from the project folder, or pass --queries FILE") from None
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ScanError(f"{path}: each [[text]] needs text and label ({exc})", "see eval/classify.toml") from None


def evaluate_classification(index: Index, encoder: Encoder, taxonomy, labelled: list[tuple[str, int, str]]):
    """Held-out corpus passages (5-fold cross-validation, no-trend texts in the folds too), and the
    labelled texts of other publishers (model trained on everything), by split."""
    from scan import trends
    from scan.classify_heldout import heldout_probabilities

    data = trends.training_set(index, encoder, taxonomy, trends.load_background())
    trend_ids = [t.id for t in taxonomy.trends]
    classes = (trends.NONE, *trend_ids)
    probs, gold, folds = heldout_probabilities(data, taxonomy, seed=1)
    results = [
        classification_metrics(f"corpus passages, held out ({folds}-fold CV)", gold.tolist(), probs, classes, trend_ids)
    ]
    model = trends.fit(data, taxonomy)
    vectors = encoder.encode_passages([t for t, _, _ in labelled])
    p = model.proba(vectors, [t for t, _, _ in labelled])
    for split in sorted({s for _, _, s in labelled}):
        rows = [i for i, (_, _, s) in enumerate(labelled) if s == split]
        results.append(
            classification_metrics(
                f"other publishers' texts, {split}", [labelled[i][1] for i in rows], p[rows], classes, trend_ids
            )
        )
    return results

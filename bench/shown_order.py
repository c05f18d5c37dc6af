"""Ranking quality in three orders of the same hits: the search's own order (rank), the order the
CLI and web page showed before 2026-11-28 (answers in rank order, then near-misses by relevance),
and the order by relevance (answers by relevance, then near-misses by relevance: the same as all
hits by relevance, since every answer is rated above every near-miss).

    python bench/shown_order.py --index CORPUS_INDEX --mixed D1 --mixed D2 --mixed D3

CORPUS_INDEX: `scan ingest corpus --index DIR` (eval/search.toml: R@1, R@5, MRR, hybrid and
dense, per split); each D: an index built by `scan eval mixed ... --index D` (eval/mixed.toml:
chapter@1 and answer@1 per language and split). Each query is searched once; the orders are
applied to the same hits. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from scan import evalmixed, relevance  # noqa: E402
from scan import evaluate as ev  # noqa: E402
from scan.embed import load_encoder  # noqa: E402
from scan.search import search  # noqa: E402
from scan.store import Index  # noqa: E402


def rank_order(hits):
    return list(hits)


def shown_before(hits):
    answers, near = relevance.split_hits(hits)
    return sorted(answers, key=lambda h: h.rank) + near


def by_relevance(hits):
    return sorted(hits, key=lambda h: (-(h.relevance if h.relevance is not None else 101.0), h.rank))


ORDERS = {"rank": rank_order, "shown_before": shown_before, "relevance": by_relevance}


def corpus_figures(index: Index, encoder) -> dict:
    """R@1, R@5 and MRR of the first hits shown, for a result of 5 hits (the CLI's default -k) and of
    10 (the web page's default; what `scan eval` searches), per split."""
    queries = ev.load_queries(ev.default_query_file())
    out: dict = {}
    for mode in ("hybrid", "dense"):
        found = [(q, search(index, encoder, q.q, k=ev.DEPTH, mode=mode)) for q in queries]
        for k in (5, ev.DEPTH):
            for name, order in ORDERS.items():
                ranks: dict[str, list] = {"all": [], "dev": [], "test": []}
                for q, hits in found:
                    r = ev.first_relevant_rank([h.passage.text for h in order(hits[:k])], q.expect)
                    ranks["all"].append(r)
                    ranks[q.split].append(r)
                out.setdefault(mode, {}).setdefault(f"k={k}", {})[name] = {
                    split: dict(zip(("R@1", "R@5", "MRR"), (round(x, 3) for x in ev._metrics(rs))))
                    for split, rs in ranks.items()
                }
            out[mode][f"k={k}"]["answers_reordered"] = sum(_answers_reordered(hits[:k]) for _, hits in found)
    return out


def _answers_reordered(hits) -> bool:
    answers = relevance.split_hits(hits)[0]
    return [h.rank for h in answers] != [h.rank for h in by_relevance(answers)]


def mixed_figures(index: Index, encoder) -> dict:
    needs, off = evalmixed.load_mixed(evalmixed.default_mixed_file())
    cache: dict[str, list] = {}

    def hits_of(q: str):
        if q not in cache:
            cache[q] = search(index, encoder, q, k=evalmixed.TOP)
        return cache[q]

    out: dict = {}
    for name, order in ORDERS.items():
        result = evalmixed.evaluate_mixed(
            index, lambda q, order=order: order(hits_of(q)), needs, off, relevance.FLOOR, relevance.GAP
        )
        out[name] = {
            f"{lang} {split}": {k: m[k] for k in ("chapter@1", "answer@1", "chapter@5")}
            for lang, splits in result["languages"].items()
            for split, m in splits.items()
        }
    out["answers_reordered"] = sum(_answers_reordered(hits) for hits in cache.values())
    out["queries"] = len(cache)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="index of corpus/ (eval/search.toml)")
    parser.add_argument("--mixed", type=Path, action="append", default=[], help="a scan eval mixed index")
    args = parser.parse_args()
    encoder = load_encoder()
    result: dict = {}
    if args.index:
        index = Index.open(args.index)
        result["search"] = corpus_figures(index, encoder)
        index.close()
    for path in args.mixed:
        index = Index.open(path)
        result[f"mixed {path}"] = mixed_figures(index, encoder)
        index.close()
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

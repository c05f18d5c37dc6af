"""How the cross-lingual remedy, the passage-kind filter and the relevance model were chosen.

Runs the mixed-library evaluation (scan.evalmixed) for every remedy of scan.crosslingual, with and
without the passage-kind filter, and prints the figures per language and split. Choices are made
on the dev half only; the test half is printed for the README.

    scan eval mixed --index /tmp/mixed-idx          # builds the library index once
    python bench/mixed_remedies.py --index /tmp/mixed-idx [--split dev] [--fit]

`--fit` fits the relevance model (scan.relevance) on the dev queries' hits with the chosen remedy
and prints its constants and the floor that separates the off-topic queries on dev.
"""

from __future__ import annotations

import argparse
import json
import math
from functools import cache
from pathlib import Path

import numpy as np

from scan import crosslingual, evalmixed, kinds, relevance
from scan.search import search
from scan.session import open_index


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=Path("/tmp/mixed-idx"))
    parser.add_argument("--queries", type=Path, default=None)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--query-vectors", type=Path, default=None, help="npz cache of query vectors (t, v)")
    args = parser.parse_args()
    index, encoder = open_index(args.index, None)
    needs, off = evalmixed.load_mixed(args.queries or evalmixed.default_mixed_file())

    known = {}
    if args.query_vectors and args.query_vectors.exists():
        stored = np.load(args.query_vectors, allow_pickle=True)
        known = {str(t): v for t, v in zip(stored["t"], stored["v"])}

    @cache
    def vector(q: str):
        return known[q][None, :] if q in known else encoder.encode_queries([q])

    class Cached:
        name, dimension = encoder.name, encoder.dimension

        def encode_queries(self, texts):
            return np.vstack([vector(t) for t in texts])

    cached = Cached()
    if args.fit:
        fit(index, cached, needs, off, args.mode)
        return
    print("remedy     kinds   lang split  n  off@5 offans tab@5  ch@1  ch@5 doc@5 ans@5")
    for method in crosslingual.METHODS:
        for kind_set, label in ((frozenset(kinds.KINDS), "all"), (None, "ranked")):

            def run(q, method=method, kind_set=kind_set):
                return search(index, cached, q, k=10, mode=args.mode, passage_kinds=kind_set, method=method)

            floor = relevance.FLOOR if method == crosslingual.DEFAULT_METHOD else None
            result = evalmixed.evaluate_mixed(index, run, needs, off, floor)
            for lang, splits in result["languages"].items():
                for split, m in splits.items():
                    if split not in args.split.split(","):
                        continue

                    def f(v):
                        return "  -  " if v is None else f"{v:.3f}"

                    print(
                        f"{method:10s} {label:7s} {lang:4s} {split:5s} {m['n']:2d}  {f(m['offtopic@5'])} "
                        f"{f(m['offtopic_answers'])} {f(m['table@5'])} {f(m['chapter@1'])} {f(m['chapter@5'])} "
                        f"{f(m['doc@5'])} {f(m['answer@5'])}"
                    )


def fit(index, encoder, needs, off, mode: str) -> None:
    """Fit the relevance model on the dev hits; print constants and the floor."""
    from sklearn.linear_model import LogisticRegression

    analysis = evalmixed.analysis_ids(index)
    rows: dict[str, list] = {"dev": [], "test": []}
    best_of: dict[str, list] = {"dev": [], "test": []}  # (best relevance-features, is off-topic query)
    items = [(n.split, getattr(n, lang), n) for n in needs for lang in evalmixed.LANGUAGES]
    items += [(o.split, getattr(o, lang), None) for o in off for lang in evalmixed.LANGUAGES]
    captured: list = []
    original = relevance.rate

    def capture(ranked, dense, keyword, mode, scores=None, encoder_name="", cosine_of=None):
        cos = dict(dense) | (scores or {})
        best = dense[0][1] if dense else 0.0
        bm = dict(keyword)
        top = max(bm.values(), default=0.0)
        captured.append(
            {pid: relevance.features(cosine_of(pid), cos.get(pid, s), best, bm.get(pid, 0.0), top) for pid, s in ranked}
        )
        return original(ranked, dense, keyword, mode, scores, encoder_name, cosine_of)

    relevance.rate = capture
    try:
        for split, query, need in items:
            hits = search(index, encoder, query, k=10, mode=mode)
            feats = captured.pop()
            labels = []
            for h, f in zip(hits, feats.values()):  # hits come in the order of the ranked ids
                good = need is not None and (
                    (
                        h.doc_id in analysis
                        and any(
                            evalmixed._fold(x) in {evalmixed._fold(c) for c in need.chapters} for x in h.passage.heading
                        )
                    )
                    or h.doc_id in need.docs
                )
                rows.setdefault(split, []).append((f, int(good)))
                labels.append(good)
            if hits:
                best_of.setdefault(split, []).append((next(iter(feats.values())), need is None, any(labels[:5])))
    finally:
        relevance.rate = original
    x = np.array([f for f, _ in rows["dev"]])
    y = np.array([g for _, g in rows["dev"]])
    model = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    weights = tuple(round(float(w), 3) for w in model.coef_[0])
    bias = round(float(model.intercept_[0]), 3)
    print(json.dumps({"WEIGHTS": weights, "BIAS": bias, "n_dev_hits": len(y), "positives": int(y.sum())}))

    def prob(f):
        z = bias + sum(w * v for w, v in zip(weights, f))
        return 100 / (1 + math.exp(-z))

    for split in ("dev", "test"):
        data = rows.get(split, [])
        if not data:
            continue
        p = np.array([prob(f) for f, _ in data]) / 100
        g = np.array([lab for _, lab in data])
        brier = float(((p - g) ** 2).mean())
        bins = np.clip((p * 10).astype(int), 0, 9)
        ece = sum(
            abs(p[bins == b].mean() - g[bins == b].mean()) * (bins == b).mean() for b in range(10) if (bins == b).any()
        )
        print(f"{split}: hits={len(g)} relevant={g.mean():.3f} brier={brier:.3f} ECE={ece:.3f}")
    for floor in (10, 15, 20, 25, 30, 35, 40, 50):
        for split in ("dev", "test"):
            best = best_of.get(split, [])
            off_q = [prob(f) for f, is_off, _ in best if is_off]
            need_q = [(prob(f), ok) for f, is_off, ok in best if not is_off]
            refused = sum(p < floor for p in off_q) / (len(off_q) or 1)
            kept = sum(p >= floor for p, _ in need_q) / (len(need_q) or 1)
            kept_ok = sum(p >= floor for p, ok in need_q if ok) / (sum(ok for _, ok in need_q) or 1)
            print(
                f"floor {floor:3d} {split}: off-topic refused {refused:.2f}  needs kept {kept:.2f}  "
                f"needs with a right hit kept {kept_ok:.2f}"
            )


if __name__ == "__main__":
    main()

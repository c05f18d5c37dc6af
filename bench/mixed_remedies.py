"""How the cross-lingual remedy, the passage-kind filter and the relevance model were chosen.

Runs the mixed-library evaluation (scan.evalmixed) for every remedy of scan.crosslingual, with and
without the passage-kind filter, and prints the figures per language and split. Choices are made
on the dev half only; the test half is printed for the README.

    scan eval mixed --index /tmp/mixed-idx          # builds the library index once
    scan eval mixed --library corpus --index /tmp/corpus-only-idx   # the shipped corpus alone
    python bench/mixed_remedies.py --index /tmp/mixed-idx [--split dev]
    python bench/mixed_remedies.py --fit --index /tmp/mixed-idx --index /tmp/corpus-only-idx

`--fit` fits the relevance model (scan.relevance) on the dev queries' hits in every given library
(one scale for all of them) and prints its constants, its calibration and, per floor, the share of
off-topic queries refused and of needs answered in each library and language.
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from pathlib import Path

import numpy as np

from scan import crosslingual, evalmixed, kinds, relevance
from scan.search import search
from scan.session import open_index


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, action="append", help="library index (repeat with --fit: one per setup)")
    parser.add_argument("--queries", type=Path, default=None)
    parser.add_argument("--split", default="dev", help="splits to print, e.g. dev,test (the fit uses dev only)")
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--query-vectors", type=Path, default=None, help="npz cache of query vectors (t, v)")
    args = parser.parse_args()
    paths = args.index or [Path("/tmp/mixed-idx")]
    index, encoder = open_index(paths[0], None)
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
        setups = [(paths[0].name, index, cached)] + [(p.name, open_index(p, None)[0], cached) for p in paths[1:]]
        fit(setups, needs, off, args.mode, args.split.split(","))
        return
    print("remedy     kinds   lang split  n  off@5 offans tab@5  ch@1  ch@5 doc@5 ans@5")
    for method in crosslingual.METHODS:
        for kind_set, label in ((frozenset(kinds.KINDS), "all"), (None, "ranked")):

            def run(q, method=method, kind_set=kind_set):
                return search(index, cached, q, k=10, mode=args.mode, passage_kinds=kind_set, method=method)

            floor = relevance.FLOOR if method == crosslingual.DEFAULT_METHOD else None
            result = evalmixed.evaluate_mixed(index, run, needs, off, floor, relevance.GAP)
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


def fit(setups: list[tuple[str, object, object]], needs, off, mode: str, splits: list[str]) -> None:
    """Fit the relevance model on the rated candidates (the RATE_POOL best, as search rates them) of
    the dev queries of every (name, index, encoder) setup; print its constants, its calibration and,
    per floor, what it refuses and keeps in each setup."""
    from sklearn.linear_model import LogisticRegression

    rows: list[tuple[str, str, str, tuple, int]] = []  # (setup, split, language, features, relevant)
    best_of: list[tuple[str, str, str, tuple, bool, bool]] = []  # setup, split, language, top-5 features, off?, right?
    captured: list = []
    original = relevance.hit_features

    def capture(ids, encoder, query, query_vector, passages, vectors, bm25=None):
        out = original(ids, encoder, query, query_vector, passages, vectors, bm25)
        captured.append((out, passages))
        return out

    relevance.hit_features = capture
    try:
        for name, index, encoder in setups:
            analysis = evalmixed.analysis_ids(index)
            items = [(n.split, lang, getattr(n, lang), n) for n in needs for lang in evalmixed.LANGUAGES]
            items += [(o.split, lang, getattr(o, lang), None) for o in off for lang in evalmixed.LANGUAGES]
            for split, lang, query, need in items:
                hits = search(index, encoder, query, k=relevance.RATE_POOL, mode=mode)
                feats, passages = captured.pop()  # passage id -> features, for every rated candidate

                def good(p, need=need, analysis=analysis) -> bool:
                    return need is not None and (
                        (
                            p.doc_id in analysis
                            and any(
                                evalmixed._fold(x) in {evalmixed._fold(c) for c in need.chapters} for x in p.heading
                            )
                        )
                        or p.doc_id in need.docs
                    )

                for pid, f in feats.items():
                    rows.append((name, split, lang, f, int(good(passages[pid]))))
                pid_of = {(p.doc_id, p.seq): pid for pid, p in passages.items()}
                top = [pid_of[(h.doc_id, h.passage.seq)] for h in hits[: evalmixed.TOP]]
                shown = [(feats[pid], good(passages[pid])) for pid in top if pid in feats]
                if shown:
                    best_of.append(
                        (name, split, lang, tuple(f for f, _ in shown), need is None, any(g for _, g in shown))
                    )
    finally:
        relevance.hit_features = original
    dev = [(f, g) for _, split, _, f, g in rows if split == "dev"]
    x = np.array([f for f, _ in dev])
    y = np.array([g for _, g in dev])
    model = LogisticRegression(C=10.0, max_iter=5000).fit(x, y)
    fitted = relevance.Model(tuple(round(float(w), 3) for w in model.coef_[0]), round(float(model.intercept_[0]), 3))
    print(
        json.dumps(
            {
                "FEATURES": relevance.FEATURES,
                "WEIGHTS": fitted.weights,
                "BIAS": fitted.bias,
                "n_dev_hits": len(y),
                "positives": int(y.sum()),
            }
        )
    )

    for split in splits:
        data = [(f, g) for _, s, _, f, g in rows if s == split]
        if not data:
            continue
        p = np.array([relevance.probability(fitted, f) for f, _ in data]) / 100
        g = np.array([lab for _, lab in data])
        brier = float(((p - g) ** 2).mean())
        bins = np.clip((p * 10).astype(int), 0, 9)
        ece = sum(
            abs(p[bins == b].mean() - g[bins == b].mean()) * (bins == b).mean() for b in range(10) if (bins == b).any()
        )
        print(f"{split}: hits={len(g)} relevant={g.mean():.3f} brier={brier:.3f} ECE={ece:.3f}")
    names = [name for name, _, _ in setups]
    for floor in (20, 30, 40, 50, 60):
        for split in splits:
            parts = []
            for name in names:
                for lang in evalmixed.LANGUAGES:
                    best = [b for b in best_of if b[0] == name and b[1] == split and b[2] == lang]
                    off_q = [
                        max(relevance.probability(fitted, f) for f in fs) for _, _, _, fs, is_off, _ in best if is_off
                    ]
                    need_q = [
                        (max(relevance.probability(fitted, f) for f in fs), ok)
                        for _, _, _, fs, is_off, ok in best
                        if not is_off
                    ]
                    refused = sum(p < floor for p in off_q) / (len(off_q) or 1)
                    kept = sum(p >= floor for p, _ in need_q) / (len(need_q) or 1)
                    parts.append(f"{name}/{lang} refused {refused:.2f} answered {kept:.2f}")
            print(f"floor {floor:3d} {split}: " + " | ".join(parts))


if __name__ == "__main__":
    main()

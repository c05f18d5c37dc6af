"""Measure a relevance model for plain-cosine scoring (a one-language library): a study, not used yet.

A library in one language (the shipped corpus alone, say) is ranked by the plain cosine: no
language bias is removed (scan.crosslingual), so the model fitted on `balance` scores does not
apply there (every hit came out at about 99). This fits the same four features on such a library,
on the DEV needs and off-topic queries of eval/mixed.toml (a hit is relevant when its chapter of
the analysis answers the need; every hit of an off-topic query is not), and prints the constants
and the answered / no-answer shares on dev and test. Findings: README, "Mixed library", known limit.

    scan eval mixed --library corpus --pdfs /nonexistent --index /tmp/evm   # builds the index
    python bench/fit_plain_relevance.py --index /tmp/evm
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import numpy as np

from scan import relevance
from scan.session import open_index

ROOT = Path(__file__).resolve().parent.parent


def hit_features(index, encoder, query: str) -> list[tuple[tuple[float, ...], str]]:
    """(features, chapter) of the query's top five hybrid candidates, scored by the plain cosine."""
    vector = encoder.encode_queries([query])[0]
    dense = index.dense(vector, 30)
    keyword = index.keyword(query, 30)
    cos = dict(dense) | index.cosines(vector, [pid for pid, _ in keyword if pid not in dict(dense)])
    top_bm25 = max((s for _, s in keyword), default=0.0)
    bm25 = dict(keyword)
    fused = {pid: c + 0.02 * bm25.get(pid, 0.0) / (top_bm25 or 1.0) for pid, c in cos.items()}
    ranked = sorted(fused, key=lambda pid: -fused[pid])[:5]
    best = dense[0][1]
    rows = index.passages(ranked)
    return [
        (relevance.features(cos[pid], cos[pid], best, bm25.get(pid, 0.0), top_bm25), rows[pid][0].heading_path.split(" > ")[0])
        for pid in ranked
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=Path("/tmp/evm"))
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    index, encoder = open_index(args.index, None)
    data = tomllib.loads((ROOT / "eval" / "mixed.toml").read_text(encoding="utf-8"))
    rows = {"dev": [], "test": []}
    for need in data["need"]:
        for lang in ("sv", "en"):
            rows[need["split"]].append(
                ("need", [(f, chapter in need["chapters"]) for f, chapter in hit_features(index, encoder, need[lang])])
            )
    for off in data["offtopic"]:
        for lang in ("sv", "en"):
            rows[off["split"]].append(("off", [(f, False) for f, _ in hit_features(index, encoder, off[lang])]))
    x = np.array([f for _, hits in rows["dev"] for f, _ in hits])
    y = np.array([label for _, hits in rows["dev"] for _, label in hits])
    model = LogisticRegression(C=1000.0, max_iter=5000).fit(x, y)
    fitted = relevance.Model(tuple(round(float(w), 3) for w in model.coef_[0]), round(float(model.intercept_[0]), 3))
    print("PLAIN model:", fitted)
    for split in ("dev", "test"):
        needs = [hits for kind, hits in rows[split] if kind == "need"]
        offs = [hits for kind, hits in rows[split] if kind == "off"]
        for floor in (30.0, 40.0, 50.0):
            answered = np.mean([any(relevance.probability(fitted, f) >= floor for f, _ in h) for h in needs])
            right = np.mean([any(relevance.probability(fitted, f) >= floor and ok for f, ok in h) for h in needs])
            silent = np.mean([all(relevance.probability(fitted, f) < floor for f, _ in h) for h in offs])
            print(f"{split} floor {floor:.0f}: needs answered {answered:.2f}, with a right chapter {right:.2f}, "
                  f"off-topic queries with no answer {silent:.2f}")


if __name__ == "__main__":
    main()

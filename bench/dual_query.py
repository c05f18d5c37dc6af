"""A Swedish query vector for English queries (scan.dualquery), measured on the mixed-library
evaluation (issue 9, item 2; README "A Swedish query vector for an English query").

Each index is one that `scan eval mixed` built and kept (--index DIR); this script only searches it,
with every query's vector computed once per run:

    python bench/dual_query.py --index MIXED --index CORPUS_PDFS --index CORPUS_ALONE

A variant is `base` (search as shipped), `SOURCE:ALPHA` with SOURCE one of `gl` (the glossary's
first Swedish word per entry, encoded as a query), `gla` (every Swedish word of the entries), `glr`
(`gl` plus the query's untranslated words), and ALPHA the Swedish vector's share of a Swedish
passage's score, or `max` for the larger of the two scores; `shift:ALPHA` (the English vector moved
by the mean Swedish - English difference of the parallel pairs) and `proc:LAMBDA:ALPHA` (orthogonal
Procrustes shrunk toward the identity by LAMBDA), both fitted on scan.dualquery.parallel_pairs (the
glossary's pairs and the trend names, never an evaluation query). `oracle:ALPHA` uses the need's own
Swedish wording from the evaluation file as the Swedish vector: a perfect translation, the upper
bound of the whole idea (a measurement only; it reads the evaluation file, so it can never ship).
A variant ending in `+r` also rates a Swedish hit of an English query as a hit of the Swedish text
(the pseudo-query or the oracle's twin: its features as for that query, same language); without it
the relevance model rates every hit with the English query, as shipped.

Only English queries are searched again per variant: a Swedish query takes the shipped path (its
hits are those of `base`); `--check-swedish` searches every Swedish query again under each variant and
reports any hit, score or relevance that differs. The dev half is printed unless `--split test`.
`--latency` times English queries with and without the first variant (vectors of the queries
computed beforehand, but not those of the pseudo-queries: their encoding is the cost).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from scan import crosslingual, dualquery, evalmixed, relevance
from scan.search import search
from scan.session import open_index

VARIANTS = ("base", "gl:0.5", "gl:max", "gla:0.5", "glr:0.5", "shift:0.5", "proc:0.5:0.5")
SOURCES = {"gl": "glossary", "gla": "glossary-all", "glr": "glossary+rest"}
_shipped_vector = dualquery.swedish_vector
TWIN: dict[str, str] = {}  # English wording -> the need's own Swedish wording (the `oracle` variant only)


def _oracle(encoder, query, query_vector, source=None):
    """The need's own Swedish wording as the Swedish vector: a perfect translation, an upper bound
    of what any Swedish vector can do (measured, never a method: it reads the evaluation file)."""
    twin = TWIN.get(query)
    return None if twin is None else np.asarray(encoder.encode_queries([twin])[0], dtype=np.float32)


class CachedEncoder:
    """The index's encoder, each text encoded once per run (`fresh`: texts encoded every time)."""

    def __init__(self, encoder) -> None:
        self.encoder, self.name, self.dimension = encoder, encoder.name, encoder.dimension
        self.cache: dict[str, np.ndarray] = {}
        self.fresh: set[str] = set()

    def encode_queries(self, texts):
        out = []
        for t in texts:
            if t in self.fresh:
                out.append(self.encoder.encode_queries([t])[0])
            else:
                out.append(self.cache.setdefault(t, self.encoder.encode_queries([t])[0]))
        return np.vstack(out)


_shipped_features = relevance.hit_features


def _twin_text(query: str) -> str:
    if dualquery.swedish_vector is _oracle:
        return TWIN.get(query, "")
    return dualquery.pseudo_query(query, dualquery.SOURCE) if dualquery.SOURCE not in ("", "map") else ""


def _rated_in_swedish(ids, encoder, query, query_vector, passages, vectors, bm25=None):
    """Relevance variant (`+r`): a Swedish passage of an English query gets the features it would
    get for the Swedish text of the query (the pseudo-query, or the oracle's twin): same-language."""
    feats = _shipped_features(ids, encoder, query, query_vector, passages, vectors, bm25)
    twin = _twin_text(query) if crosslingual.query_language(query) == "en" else ""
    if not twin:
        return feats
    twin_feats = _shipped_features(ids, encoder, twin, encoder.encode_queries([twin])[0], passages, vectors, bm25)
    return {pid: twin_feats[pid] if passages[pid].language == "sv" else x for pid, x in feats.items()}


def _set(variant: str, encoder, maps: dict) -> None:
    dualquery.SOURCE, dualquery.MAP, dualquery.COMBINE, dualquery.ALPHA = "", None, "mix", 0.5
    dualquery.swedish_vector = _shipped_vector
    relevance.hit_features = _shipped_features
    if variant == "base":
        return
    if variant.endswith("+r"):
        relevance.hit_features = _rated_in_swedish
        variant = variant[:-2]
    bits = variant.split(":")
    mix = bits[-1]
    if bits[0] in SOURCES:
        dualquery.SOURCE = SOURCES[bits[0]]
    elif bits[0] == "oracle":
        dualquery.swedish_vector = _oracle
    elif bits[0] in ("shift", "proc"):
        key = (bits[0], float(bits[1]) if bits[0] == "proc" else 0.0)
        if key not in maps:
            maps[key] = dualquery.fit_map(encoder, "shift" if bits[0] == "shift" else "procrustes", key[1])
        dualquery.SOURCE, dualquery.MAP = "map", maps[key]
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    if mix == "max":
        dualquery.COMBINE = "max"
    else:
        dualquery.ALPHA = float(mix)


def _key(hits) -> list[tuple]:
    return [(h.passage.doc_id, h.passage.seq, round(h.score, 6), h.relevance) for h in hits]


def figures(index_dir: Path, variants: list[str], split: str, check: bool) -> None:
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    needs, off = evalmixed.load_mixed(evalmixed.default_mixed_file())
    needs = [n for n in needs if n.split == split]
    off = [o for o in off if o.split == split]
    swedish = {n.sv for n in needs} | {o.sv for o in off}
    TWIN.update({n.en: n.sv for n in needs} | {o.en: o.sv for o in off})
    maps: dict = {}
    _set("base", cached, maps)
    sv_hits = {q: search(index, cached, q, k=5) for q in sorted(swedish)}

    def run(q: str):
        return sv_hits[q] if q in swedish else search(index, cached, q, k=5)

    for variant in variants:
        _set(variant, cached, maps)
        r = evalmixed.evaluate_mixed(index, run, needs, off, relevance.FLOOR, relevance.GAP)
        for lang in ("sv", "en"):
            m = r["languages"][lang][split]
            o = m["offtopic_queries"]
            print(
                f"{index_dir.name:8s} {split} {variant:14s} {lang} off@5 {100 * m['offtopic@5']:5.1f}"
                f" offans {100 * (m['offtopic_answers'] or 0):4.1f} ch1 {100 * m['chapter@1']:5.1f}"
                f" ch5 {100 * m['chapter@5']:5.1f} doc5 {100 * (m['doc@5'] or 0):5.1f}"
                f" answered {100 * m['above_floor']:5.1f} refused {100 * o['no_hits']:5.1f}",
                flush=True,
            )
        if check and variant != "base":
            changed = [q for q in sorted(swedish) if _key(search(index, cached, q, k=5)) != _key(sv_hits[q])]
            print(f"{index_dir.name:8s} {split} {variant:14s} Swedish queries with other hits: {len(changed)}")
    _set("base", cached, maps)
    index.close()


def latency(index_dir: Path, variant: str, rounds: int) -> None:
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    queries = [n.en for n in needs if n.split == "dev"][:8]
    maps: dict = {}
    _set(variant, cached, maps)
    cached.fresh = {dualquery.pseudo_query(q, dualquery.SOURCE) for q in queries} - {""}
    for q in queries:
        search(index, cached, q)  # encode the queries once, read the vectors once
    times: dict[str, list[float]] = {"base": [], variant: []}
    for _ in range(rounds):
        for v in ("base", variant):
            _set(v, cached, maps)
            start = time.perf_counter()
            for q in queries:
                search(index, cached, q)
            times[v].append((time.perf_counter() - start) / len(queries) * 1000)
    _set("base", cached, maps)
    before, after = statistics.median(times["base"]), statistics.median(times[variant])
    print(
        f"{index_dir.name}: {len(queries)} English queries, their vectors computed beforehand, median of {rounds}"
        f" rounds: {before:.1f} ms as shipped, {after:.1f} ms with {variant} (ratio {after / before:.2f})"
    )
    index.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, action="append", required=True)
    parser.add_argument("--variant", action="append", help=f"default: {' '.join(VARIANTS)}")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--check-swedish", action="store_true")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for index_dir in args.index:
        if args.latency:
            latency(index_dir, (args.variant or ["gl:0.5"])[0], args.rounds)
        else:
            figures(index_dir, args.variant or list(VARIANTS), args.split, args.check_swedish)


if __name__ == "__main__":
    main()

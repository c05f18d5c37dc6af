"""Section-level evidence for ranking English queries in a mixed library (issue 9, item 2; README
"Mixed library", "Section evidence: tried, not shipped").

The answering Swedish chapter of the analysis has several passages and a heading on the need's theme;
a neighbouring-theme English document often has one passage that comes close. This bench adds, for
English queries only and before the top 5 is cut, a bonus to every passage from its SECTION:

- `sec:G:M:W`: W x the mean of the M best (balanced, centred) scores of the section's passages
  (a chapter that answers has several passages close);
- `head:G:W`: W x the query's centred cosine to the section's heading text (the headings of the
  index encoded once per run as passages, each centred on the mean heading vector of its language;
  the query centred as search centres it);
- `mean:G:W`: W x the query's centred cosine to the section's mean (centred) passage vector;
- `base`: search as shipped; variants may be joined by `+`.

G is the section: `top` (doc id + first heading: a chapter of the analysis, a whole short English
document), `two` (first two headings) or `path` (the full heading path). Swedish queries are searched
as shipped (the bonus is never applied to them), so their hits cannot change. The figures are those
of bench/glossary_bridge.py (evalmixed.evaluate_mixed at the shipped FLOOR and GAP), dev half unless
`--split test`:

    python bench/section_evidence.py --index /tmp/ix/mixed --index /tmp/ix/probe --index /tmp/ix/one \
        [--variant sec:top:3:0.2 ...] [--latency]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from glossary_bridge import CachedEncoder  # noqa: E402

from scan import crosslingual, evalmixed, relevance  # noqa: E402
from scan.search import search  # noqa: E402
from scan.session import open_index  # noqa: E402

VARIANTS = (
    "base",
    "sec:top:3:0.1",
    "sec:top:3:0.2",
    "sec:top:3:0.4",
    "sec:two:2:0.2",
    "sec:path:2:0.2",
    "mean:top:0.2",
    "head:top:0.1",
    "head:path:0.1",
    "head:top:0.2",
)
_original = crosslingual.dense_candidates


class Sections:
    """The sections of an index: passage id -> section number, the sections' heading texts, languages."""

    def __init__(self, index, encoder) -> None:
        rows = index.db.execute("SELECT id, doc_id, heading, language FROM passages ORDER BY id").fetchall()
        self.index, self.encoder = index, encoder
        self.rows = [(int(r[0]), r[1], tuple(json.loads(r[2])), r[3]) for r in rows]
        self.groups: dict[str, dict[int, int]] = {}
        self.keys: dict[str, list[tuple]] = {}
        self.heads: dict[str, np.ndarray] = {}
        self.head_lang: dict[str, list[str]] = {}

    def group(self, kind: str) -> dict[int, int]:
        if kind not in self.groups:
            depth = {"top": 1, "two": 2, "path": 99}[kind]
            number: dict[tuple, int] = {}
            of: dict[int, int] = {}
            langs: dict[int, list[str]] = {}
            for pid, doc, heading, lang in self.rows:
                key = (doc, heading[:depth])
                g = number.setdefault(key, len(number))
                of[pid] = g
                langs.setdefault(g, []).append(lang)
            self.groups[kind] = of
            self.keys[kind] = list(number)
            self.head_lang[kind] = [max(set(v), key=v.count) for _, v in sorted(langs.items())]
        return self.groups[kind]

    def heading_vectors(self, kind: str) -> np.ndarray:
        """The sections' heading texts encoded as passages, centred on their language's mean heading."""
        if kind not in self.heads:
            self.group(kind)
            texts = [(" > ".join(h) if h else doc) for doc, h in self.keys[kind]]
            start = time.perf_counter()
            vecs = np.asarray(self.encoder.encode_passages(texts), dtype=np.float32)
            print(f"  ({len(texts)} {kind} headings encoded in {time.perf_counter() - start:.1f} s)", file=sys.stderr)
            langs = np.array(self.head_lang[kind], dtype=object)
            for lang in ("sv", "en"):
                rows = langs == lang
                if int(rows.sum()) >= 5:
                    vecs[rows] -= vecs[rows].mean(axis=0)
            self.heads[kind] = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        return self.heads[kind]


def _parts(variant: str) -> list[list[str]]:
    return [p.split(":") for p in variant.split("+") if p != "base"]


def patched(sections: Sections, variant: str):
    """crosslingual.dense_candidates with the variant's section bonus for English queries."""
    parts = _parts(variant)

    def dense_candidates(
        index, query_vector, query, k, allowed, method=crosslingual.DEFAULT_METHOD, language=None, encoder=None
    ):
        lang = language or crosslingual.query_language(query)
        if not parts or lang != "en":
            return _original(index, query_vector, query, k, allowed, method, language, encoder)
        ranked, score_of, plain = _original(index, query_vector, query, len(index), allowed, method, language, encoder)
        s = dict(ranked)
        bonus = dict.fromkeys(s, 0.0)
        space = crosslingual.passage_space(index)
        for part in parts:
            kind = part[1]
            of = sections.group(kind)
            if part[0] == "sec":
                m, w = int(part[2]), float(part[3])
                members: dict[int, list[float]] = {}
                for pid, score in s.items():
                    members.setdefault(of[pid], []).append(score)
                best = {g: float(np.mean(sorted(v, reverse=True)[:m])) for g, v in members.items()}
                for pid in s:
                    bonus[pid] += w * best[of[pid]]
                continue
            w = float(part[2])
            neutral = None
            if encoder is not None:
                from scan.reference import reference_means

                neutral = reference_means(encoder)
            q_mean = crosslingual.query_mean(space, lang, neutral) if len(space.means) >= 2 else None
            q = query_vector - q_mean if q_mean is not None else query_vector
            q = q / (np.linalg.norm(q) or 1.0)
            if part[0] == "head":
                cos = sections.heading_vectors(kind) @ q
            else:  # mean: the section's mean centred passage vector
                crosslingual.scores(space, query_vector, lang, method, None, neutral)  # fills space.centred
                vecs = space.centred if space.centred is not None else space.matrix
                sums: dict[int, np.ndarray] = {}
                for pid in s:
                    g = of[pid]
                    sums[g] = sums.get(g, 0) + vecs[space.row_of[pid]]
                cos = {g: float(v @ q / (np.linalg.norm(v) or 1.0)) for g, v in sums.items()}
            for pid in s:
                bonus[pid] += w * float(cos[of[pid]])
        fused = sorted(((pid, s[pid] + bonus[pid]) for pid in s), key=lambda item: -item[1])[:k]

        def score(pid: int) -> float:
            return score_of(pid) + bonus.get(pid, 0.0)

        return fused, score, plain

    return dense_candidates


def figures(index_dir: Path, variants: list[str], split: str) -> None:
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    sections = Sections(index, encoder)
    needs, off = evalmixed.load_mixed(evalmixed.default_mixed_file())
    needs = [n for n in needs if n.split == split]
    off = [o for o in off if o.split == split]
    baseline: dict[str, list[str]] = {}
    for variant in variants:
        crosslingual.dense_candidates = patched(sections, variant)
        got: dict[str, list[str]] = {}

        def run(q: str, got: dict[str, list[str]] = got) -> list:
            hits = search(index, cached, q, k=5)
            got[q] = [f"{h.passage.doc_id}#{h.passage.seq}" for h in hits]
            return hits

        try:
            r = evalmixed.evaluate_mixed(index, run, needs, off, relevance.FLOOR, relevance.GAP)
        finally:
            crosslingual.dense_candidates = _original
        if not baseline:
            baseline = got
        sv_changed = [q for q in [n.sv for n in needs] + [o.sv for o in off] if got[q] != baseline.get(q)]
        for lang in ("sv", "en"):
            m = r["languages"][lang][split]
            o = m["offtopic_queries"]
            print(
                f"{index_dir.name:6s} {split} {variant:22s} {lang} offans {100 * (m['offtopic_answers'] or 0):4.1f}"
                f" ch1 {100 * m['chapter@1']:5.1f} ch5 {100 * m['chapter@5']:5.1f} ans5 {100 * m['answer@5']:5.1f}"
                f" answered {100 * m['above_floor']:5.1f} refused {100 * o['no_hits']:5.1f}"
                + (f"  Swedish-worded queries with other hits: {sv_changed}" if lang == "sv" else ""),
                flush=True,
            )
    index.close()


def diagnose(index_dir: Path, split: str) -> None:
    """Per English need: does the section signal put a right chapter above the best off-topic document?

    For each signal, the best value over the right chapters' sections against the best value over the
    sections of off-topic documents (outside the analysis, the need's docs and ontopic), and the same
    for the passage score alone; counts of needs where the right side wins."""
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    sections = Sections(index, encoder)
    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    analysis = evalmixed.analysis_ids(index)
    info = {pid: (doc, heading) for pid, doc, heading, _ in sections.rows}
    space = crosslingual.passage_space(index)
    from scan.reference import reference_means

    neutral = reference_means(encoder)
    signals = ("passage", "sec:top:3", "sec:path:2", "head:top", "head:path")
    wins = dict.fromkeys(signals, 0)
    counted = 0
    for need in (n for n in needs if n.split == split):
        chapters = {evalmixed._fold(c) for c in need.chapters}
        qv = cached.encode_queries([need.en])[0]
        ranked, _, _ = _original(index, qv, need.en, len(index), None, crosslingual.DEFAULT_METHOD, "en", cached)
        s = dict(ranked)
        right = {
            pid for pid in s if info[pid][0] in analysis and any(evalmixed._fold(x) in chapters for x in info[pid][1])
        }
        off = {pid for pid in s if info[pid][0] not in analysis and info[pid][0] not in need.docs + need.ontopic}
        if not right or not off:
            continue
        counted += 1
        q_mean = crosslingual.query_mean(space, "en", neutral)
        q = qv - q_mean if q_mean is not None else qv
        q = q / (np.linalg.norm(q) or 1.0)
        for signal in signals:
            if signal == "passage":
                value = s
            elif signal.startswith("sec"):
                _, kind, m = signal.split(":")
                of = sections.group(kind)
                members: dict[int, list[float]] = {}
                for pid, score in s.items():
                    members.setdefault(of[pid], []).append(score)
                best = {g: float(np.mean(sorted(v, reverse=True)[: int(m)])) for g, v in members.items()}
                value = {pid: best[of[pid]] for pid in s}
            else:
                kind = signal.split(":")[1]
                cos = sections.heading_vectors(kind) @ q
                of = sections.group(kind)
                value = {pid: float(cos[of[pid]]) for pid in s}
            wins[signal] += max(value[p] for p in right) > max(value[p] for p in off)
    print(f"{index_dir.name} {split}: English needs with a right chapter and an off-topic document: {counted}")
    for signal in signals:
        print(f"  {signal:11s} right chapter above the best off-topic document in {wins[signal]:2d} of {counted}")
    index.close()


def latency(index_dir: Path, variant: str, rounds: int) -> None:
    index, encoder = open_index(index_dir, None)
    cached = CachedEncoder(encoder)
    sections = Sections(index, encoder)
    needs, _ = evalmixed.load_mixed(evalmixed.default_mixed_file())
    queries = [n.en for n in needs if n.split == "dev"][:8]
    with_bonus = patched(sections, variant)
    for fn in (_original, with_bonus):
        crosslingual.dense_candidates = fn
        for q in queries:
            search(index, cached, q)
    times: dict[str, list[float]] = {"base": [], variant: []}
    for _ in range(rounds):
        for name, fn in (("base", _original), (variant, with_bonus)):
            crosslingual.dense_candidates = fn
            start = time.perf_counter()
            for q in queries:
                search(index, cached, q)
            times[name].append((time.perf_counter() - start) / len(queries) * 1000)
    crosslingual.dense_candidates = _original
    before, after = statistics.median(times["base"]), statistics.median(times[variant])
    print(
        f"{index_dir.name}: {variant}: {before:.1f} ms -> {after:.1f} ms per English query (ratio {after / before:.2f})"
    )
    index.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, action="append", required=True)
    parser.add_argument("--variant", action="append", help=f"default: {' '.join(VARIANTS)}")
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--diagnose", action="store_true", help="per English need: which signal separates")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.diagnose:
        for index_dir in args.index:
            diagnose(index_dir, args.split)
        return
    variants = args.variant or list(VARIANTS)
    if variants[0] != "base":
        variants = ["base", *variants]  # the first run is the baseline the Swedish hits are compared with
    for index_dir in args.index:
        if args.latency:
            for variant in variants[1:]:
                latency(index_dir, variant, args.rounds)
        else:
            figures(index_dir, variants, args.split)


if __name__ == "__main__":
    main()

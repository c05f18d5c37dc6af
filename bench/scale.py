"""Benchmark: search at scale (100k passages through the whole index; 1M vectors for the approximate
index), each figure beside a baseline measured in the same run.

    python bench/scale.py                     # 100k passages (default), writes bench/results/scale.json
    python bench/scale.py --size 1000000      # + the approximate index at 1M vectors (builds take minutes)

Realistic vectors, not uniform random ones: a few thousand real passages and sentences (the
shipped corpus and, if present, ../shared/pdfs) are encoded once with the default e5 encoder and
cached in /tmp; every synthetic passage is then a real vector mixed with a near neighbour and a
real difference vector, re-normalised, so the index keeps the clusters and the anisotropy of e5
space. Synthetic passage texts are the base passage's text plus a sentence of the neighbour, so
keyword statistics follow the real vocabulary. Queries are real queries encoded with e5.

Search times exclude query encoding (the query vectors are computed beforehand): they measure
the index, which is what grows with the corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import QUERIES as RUN_QUERIES  # noqa: E402
from run import percentiles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED_PDFS = ROOT.parent / "shared" / "pdfs"
CACHE = Path(os.environ.get("SCAN_SCALE_CACHE", Path(tempfile.gettempdir()) / "scan-scale"))
PER_DOC = 100  # synthetic passages per synthetic document
QUERIES = [  # bench/run.py's queries, and four more on the themes of the shared PDFs
    *RUN_QUERIES,
    "kompetensförsörjning inom äldreomsorgen",
    "utsläpp av växthusgaser från transporter",
    "energieffektivisering i kommunens fastigheter",
    "demografisk förändring och fler äldre",
]


def vm_hwm_mb() -> float:
    """Peak resident memory of this process so far (VmHWM)."""
    status = Path("/proc/self/status").read_text()
    return round(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024, 1)


def vm_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return round(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024, 1)


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


# ---- realistic vectors ---------------------------------------------------------------------------
def base_set(limit: int = 4000) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, their e5 passage vectors, e5 vectors of QUERIES): encoded once, cached in /tmp."""
    from scan.parse import read_document
    from scan.split import sentence_spans, split_document

    files = sorted((ROOT / "corpus").glob("*.md")) + sorted(SHARED_PDFS.glob("*.pdf"))
    key = hashlib.sha256("".join(f"{f.name}:{f.stat().st_size}" for f in files).encode() + str(limit).encode())
    cached = CACHE / f"base-{key.hexdigest()[:12]}.npz"
    if cached.exists():
        data = np.load(cached, allow_pickle=False)
        return [str(t) for t in data["texts"]], data["vectors"], data["queries"]
    texts: list[str] = []
    for f in files:
        for p in split_document(read_document(f)):
            texts.append(p.text)
            for a, b in sentence_spans(p.text):
                if len(p.text[a:b]) >= 60:
                    texts.append(p.text[a:b])
    texts = list(dict.fromkeys(t for t in texts if t.strip()))[:limit]
    from scan.embed import load_encoder

    encoder = load_encoder()
    log(f"encoding {len(texts)} real passages and sentences once with {encoder.name} (cached in {CACHE}) ...")
    start = time.perf_counter()
    vectors = encoder.encode_passages(texts, 32).astype(np.float32)
    queries = encoder.encode_queries(QUERIES).astype(np.float32)
    log(f"  {time.perf_counter() - start:.0f} s")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cached, texts=np.array(texts), vectors=vectors, queries=queries)
    return texts, vectors, queries


def neighbours(base: np.ndarray, k: int = 10) -> np.ndarray:
    sims = base @ base.T
    np.fill_diagonal(sims, -1)
    return np.argsort(-sims, axis=1)[:, :k]


def synthetic(base: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n unit vectors near real ones: (vectors, index of the base vector, index of the neighbour mixed in).

    v = normalise(x_i + a (x_j - x_i) + s (x_k - x_l)): x_j one of x_i's ten nearest neighbours,
    a ~ U(0, 0.5), x_k - x_l a difference of two random real vectors (noise inside e5's own subspace),
    s ~ U(0.1, 0.35)."""
    rng = np.random.default_rng(seed)
    near = neighbours(base)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    origin = rng.integers(0, len(base), n)
    mixed = near[origin, rng.integers(0, near.shape[1], n)]
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        i, j = origin[lo:hi], mixed[lo:hi]
        a = rng.uniform(0, 0.5, (hi - lo, 1)).astype(np.float32)
        s = rng.uniform(0.1, 0.35, (hi - lo, 1)).astype(np.float32)
        k, m = rng.integers(0, len(base), hi - lo), rng.integers(0, len(base), hi - lo)
        v = base[i] + a * (base[j] - base[i]) + s * (base[k] - base[m])
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[lo:hi] = v
    return out, origin, mixed


def synthetic_texts(texts: list[str], origin: np.ndarray, mixed: np.ndarray) -> list[str]:
    """Each synthetic passage: its base text plus the first sentence of the neighbour mixed in."""
    first = [re.split(r"(?<=[.!?])\s", t, maxsplit=1)[0] for t in texts]
    return [f"{texts[i]} {first[j]}" for i, j in zip(origin.tolist(), mixed.tolist())]


# ---- 100k: the whole index, through scan.search ---------------------------------------------------
class Precomputed:
    """An encoder whose query vectors were computed beforehand: search times exclude encoding."""

    def __init__(self, name: str, dimension: int, queries: dict[str, np.ndarray]) -> None:
        self.name, self.dimension, self.queries = name, dimension, queries

    def encode_queries(self, texts):
        return np.vstack([self.queries[t] for t in texts])

    def encode_passages(self, texts, batch_size: int = 32):
        raise NotImplementedError


PUBLISHERS = [f"Myndighet {c}" for c in "ABCDEFGHIJ"]


def build_index(path: Path, n: int, texts: list[str], base: np.ndarray) -> dict:
    """A synthetic index of n passages (documents of PER_DOC passages) written by scan's own writer."""
    from scan.classify import language
    from scan.kinds import passage_kind
    from scan.store import IndexWriter
    from scan.types import Document, Passage, Section

    vectors, origin, mixed = synthetic(base, n, seed=1)
    passage_texts = synthetic_texts(texts, origin, mixed)
    # each synthetic passage has the kind and language of its real base text: a library with tables and
    # boilerplate (which the default kind filter leaves out) in Swedish and English (the language remedy)
    base_kind = [passage_kind(t) for t in texts]
    base_language = [{"other": "sv"}.get(lang, lang) for lang in map(language, texts)]
    start = time.perf_counter()
    with IndexWriter(path, "bench-e5-synthetic", base.shape[1], {"bench": n}, rebuild=True) as writer:
        for d, lo in enumerate(range(0, n, PER_DOC)):
            chunk = passage_texts[lo : lo + PER_DOC]
            text = "\n\n".join(chunk)
            offsets = np.cumsum([0] + [len(t) + 2 for t in chunk])
            doc = Document(
                doc_id=f"doc-{d:05d}",
                path=f"/bench/doc-{d:05d}.txt",
                title=f"Rapport {d}",
                text=text,
                sections=(Section(0, len(text), ("Rapport",)),),
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                kind="text",
                metadata={"publisher": PUBLISHERS[d % len(PUBLISHERS)], "year": 2015 + d % 10},
            )
            passages = [
                Passage(
                    doc.doc_id,
                    s,
                    t,
                    int(offsets[s]),
                    int(offsets[s]) + len(t),
                    ("Rapport",),
                    kind=base_kind[origin[lo + s]],
                    language=base_language[origin[lo + s]],
                )
                for s, t in enumerate(chunk)
            ]
            writer.add(doc, passages, vectors[lo : lo + PER_DOC])
        added = time.perf_counter() - start
        start = time.perf_counter()
        writer.commit()
    return {"write_s": round(added, 1), "commit_s": round(time.perf_counter() - start, 1)}


def legacy_index(index):
    """The same index searched the way scan did before (bench baseline): filters by reconstructing
    every allowed vector, keywords scored by FTS5 for every matching passage (under a filter: FTS5's
    scores masked, as scan does below bm25.ARRAYS_FROM passages; FTS5 with a ``rowid IN`` list of the
    allowed passages, what scan did before, would take minutes per query here)."""

    class Legacy(type(index)):
        def dense(self, query, k, allowed=None):
            if allowed is not None:
                scored = sorted(self.cosines(query, allowed).items(), key=lambda item: -item[1])
                return scored[:k]
            scores, ids = self.vectors.search(np.ascontiguousarray(query.reshape(1, -1)), min(k, len(self)))
            return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    legacy = Legacy(index.root, index.generation, index.manifest, index.vectors, index.db)
    legacy._postings = False
    return legacy


def timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def run_index(n: int, reps: int) -> dict:
    import faiss

    from scan import ann
    from scan.search import search
    from scan.store import FORMAT, Index
    from scan.types import Filters

    texts, base, query_vectors = base_set()
    path = CACHE / f"index-{n}-f{FORMAT}-kinds"  # (passages with kinds and languages)
    built = None
    try:
        index = Index.open(path)
        assert len(index) == n
    except Exception:
        log(f"writing a synthetic index of {n} passages to {path} ...")
        built = build_index(path, n, texts, base)
        index = Index.open(path)
    encoder = Precomputed(index.encoder_name, base.shape[1], dict(zip(QUERIES, query_vectors)))
    legacy = legacy_index(index)
    doc = Filters(doc_ids=("doc-00042",))
    publisher = Filters(publisher=PUBLISHERS[3])
    cases = {
        "hybrid": ("hybrid", None),
        "dense": ("dense", None),
        "keyword": ("keyword", None),
        "hybrid, --doc filter (0.1%)": ("hybrid", doc),
        "hybrid, --publisher filter (10%)": ("hybrid", publisher),
        "dense, --doc filter (0.1%)": ("dense", doc),
    }
    rows: dict[str, dict] = {}
    same = True
    for name, (mode, filters) in cases.items():
        new, old = [], []
        # the old keyword search under a 10% filter takes many seconds: fewer queries, timed once
        slow = filters is not None and mode != "dense"
        for q in QUERIES[:3] if slow else QUERIES:
            a = search(index, encoder, q, k=10, mode=mode, filters=filters)  # warm
            new += timed(lambda q=q, m=mode, f=filters: search(index, encoder, q, k=10, mode=m, filters=f), reps)
            faiss.omp_set_num_threads(os.cpu_count() or 1)  # before: FAISS's default, all cores
            start = time.perf_counter()
            b = search(legacy, encoder, q, k=10, mode=mode, filters=filters)
            first = time.perf_counter() - start
            old += (
                [first]
                if slow
                else timed(lambda q=q, m=mode, f=filters: search(legacy, encoder, q, k=10, mode=m, filters=f), reps)
            )
            ann.set_threads()
            same &= [h.passage.seq for h in a] == [h.passage.seq for h in b] and all(
                h.doc_id == g.doc_id and abs(h.score - g.score) < 1e-5 for h, g in zip(a, b)
            )
        rows[name] = {"scan": percentiles(new), "before (baseline)": percentiles(old)}
        log(f"  {name}: {rows[name]}")
    # the floor: FAISS alone, exact, one and two threads
    x = np.ascontiguousarray(query_vectors)
    floor = {}
    for threads in (1, 2):
        faiss.omp_set_num_threads(threads)
        floor[f"{threads} thread{'s' if threads > 1 else ''}"] = percentiles(
            [t for q in x for t in timed(lambda q=q: index.vectors.search(q.reshape(1, -1), 50), reps)]
        )
    ann.set_threads()
    import search_stages  # where the time of one search goes (shares of the whole, this run)

    stages = {
        name: search_stages.measure(path, n, mode, f, max(1, reps // 2))
        for name, (mode, f) in search_stages.CASES.items()
    }
    return {
        "passages": n,
        "build": built,
        "stages": stages,
        "identical_to_before": same,
        "search_ms": rows,
        "faiss_flat_alone_k50": floor,
        "index_on_disk_mb": round(index.size_on_disk() / 2**20, 1),
        "vector_index": index.manifest["vector_index"],
        "keyword_arrays": index.manifest["keyword_arrays"],
    }


# ---- 1M: the approximate vector index alone ----------------------------------------------------------
def recall_at(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    return float(
        np.mean([len(set(f[:k]) & set(t[:k]) - {-1}) / max(1, len(set(t[:k]) - {-1})) for f, t in zip(found, truth)])
    )


def run_approximate(n: int, reps: int, hnsw: bool) -> dict:
    """Recall@10 against exact search, latency, build time and memory of the approximate index at n vectors."""
    import faiss

    from scan import ann

    _, base, real_queries = base_set()
    start = time.perf_counter()
    cached = CACHE / f"vectors-{n}-{hashlib.sha256(base.tobytes()).hexdigest()[:12]}.npy"
    if cached.exists():
        vectors = np.load(cached)
    else:
        vectors, _, _ = synthetic(base, n, seed=1)
        np.save(cached, vectors)
    ids = np.arange(1, n + 1, dtype=np.int64)
    held_out, _, _ = synthetic(base, 200, seed=2)  # queries: new passages near real ones, not in the index
    queries = np.vstack([real_queries, held_out]).astype(np.float32)
    log(f"{n} synthetic vectors in {time.perf_counter() - start:.0f} s; RSS {vm_rss_mb()} MB")
    ann.set_threads()
    exact = ann.new_exact(base.shape[1])
    exact.add_with_ids(vectors, ids)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    _, truth = exact.search(queries, 10)  # ground truth, batched
    ten = np.sort(np.random.default_rng(3).choice(ids, n // 10, replace=False))
    one = np.sort(np.random.default_rng(4).choice(ids, n // 100, replace=False))
    truth_ten = np.vstack([[i for i, _ in ann.search(exact, q, 10, ten.tolist())] for q in queries])
    truth_one = np.vstack([[i for i, _ in ann.search(exact, q, 10, one.tolist())] for q in queries])
    ann.set_threads()
    flat_lat = [t for q in queries[:50] for t in timed(lambda q=q: exact.search(q.reshape(1, -1), 10), 1)]

    faiss.omp_set_num_threads(2)
    flat_two = [t for q in queries[:50] for t in timed(lambda q=q: exact.search(q.reshape(1, -1), 10), 1)]
    ann.set_threads()
    exact.reset()  # free its memory

    def measure(name: str, search) -> dict:
        def top(q, allowed):  # padded with -1: a filtered HNSW search can return fewer than 10
            ids = [i for i, _ in search(q, 10, allowed)]
            return ids + [-1] * (10 - len(ids))

        found = np.vstack([top(q, None) for q in queries])
        f_ten = np.vstack([top(q, ten.tolist()) for q in queries])
        f_one = np.vstack([top(q, one.tolist()) for q in queries])
        lat = [t for q in queries for t in timed(lambda q=q: search(q, 10, None), reps)]
        sel_lat = [t for q in queries[:50] for t in timed(lambda q=q: search(q, 10, ten.tolist()), 1)]
        one_lat = [t for q in queries[:50] for t in timed(lambda q=q: search(q, 10, one.tolist()), 1)]
        return {
            "recall@10": round(recall_at(found, truth), 4),
            "recall@10, filter 10%": round(recall_at(f_ten, truth_ten), 4),
            "recall@10, filter 1%": round(recall_at(f_one, truth_one), 4),
            "search": percentiles(lat),
            "search, filter 10%": percentiles(sel_lat),
            "search, filter 1%": percentiles(one_lat),
        }

    rss = vm_rss_mb()
    start = time.perf_counter()
    ivf = ann.build_approximate(vectors, ids)
    out: dict = {"vectors": n, "queries": len(queries), "dimension": base.shape[1]}
    out["exact flat (baseline)"] = {
        "search, 1 thread": percentiles(flat_lat),
        "search, 2 threads": percentiles(flat_two),
    }
    out["IVFFlat"] = {
        "params": ann.describe(ivf, n),
        "build_s": round(time.perf_counter() - start, 1),
        "index_mb": round(len(faiss.serialize_index(ivf)) / 2**20, 1),
        "rss_growth_mb": round(vm_rss_mb() - rss, 1),
    }
    out["IVFFlat"] |= measure("IVFFlat", lambda q, k, allowed: ann.search(ivf, q, k, allowed))
    log(f"  IVFFlat: {out['IVFFlat']}")
    sweep = {}
    for nprobe in sorted({ivf.nlist // 128, ivf.nlist // 64, ivf.nlist // 32, ivf.nlist // 16} - {0}):
        params = faiss.SearchParametersIVF(nprobe=nprobe)
        found = np.vstack([ivf.search(q.reshape(1, -1), 10, params=params)[1] for q in queries])
        lat = [t for q in queries for t in timed(lambda q=q, p=params: ivf.search(q.reshape(1, -1), 10, params=p), 1)]
        sweep[str(nprobe)] = {"recall@10": round(recall_at(found, truth), 4), "search": percentiles(lat)}
    out["IVFFlat"]["nprobe_sweep"] = sweep
    log(f"  IVFFlat nprobe sweep: {sweep}")
    ivf.reset()
    if hnsw:
        rss = vm_rss_mb()
        start = time.perf_counter()
        index = faiss.IndexHNSWFlat(base.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        index.add(vectors)  # ids are positions: id - 1
        ann.set_threads()
        build = time.perf_counter() - start

        def hnsw_search(q, k, allowed, ef=64):
            sel = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64) - 1) if allowed is not None else None
            params = (
                faiss.SearchParametersHNSW(efSearch=ef, sel=sel) if sel else faiss.SearchParametersHNSW(efSearch=ef)
            )
            scores, found = index.search(q.reshape(1, -1), k, params=params)
            return [(int(i) + 1, float(s)) for i, s in zip(found[0], scores[0]) if i >= 0]

        out["HNSWFlat"] = {
            "params": {"M": 32, "efConstruction": 40, "efSearch": 64},
            "build_s": round(build, 1),
            "index_mb": round(len(faiss.serialize_index(index)) / 2**20, 1),
            "rss_growth_mb": round(vm_rss_mb() - rss, 1),
        } | measure("HNSWFlat", hnsw_search)
        log(f"  HNSWFlat: {out['HNSWFlat']}")
    return out


# ---- main ---------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="passages in the whole-index run (default 100000)")
    parser.add_argument(
        "--ann-size", type=int, default=0, help="vectors for the approximate-index run (e.g. 1000000; 0: skip)"
    )
    parser.add_argument("--hnsw", action="store_true", help="also build and measure HNSW in the approximate run")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each query")
    args = parser.parse_args()
    out = ROOT / "bench" / "results" / "scale.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results["machine"] = {"cpus": os.cpu_count(), "load_average": list(os.getloadavg())}
    if args.size:
        results[f"index_{args.size}"] = run_index(args.size, args.reps) | {"process_peak_mb": vm_hwm_mb()}
    if args.ann_size:
        results[f"approximate_{args.ann_size}"] = run_approximate(args.ann_size, args.reps, args.hnsw) | {
            "process_peak_mb": vm_hwm_mb()
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(render(results))


def render(r: dict) -> str:
    """The README tables."""
    lines = []
    for key in sorted(k for k in r if k.startswith("index_")):
        x = r[key]
        flat = x["faiss_flat_alone_k50"]["1 thread"]["p50_ms"]
        lines += [
            f"| {x['passages']:,} passages, search p50 / p95 (ms) | scan | before (same run) | before / scan |",
            "|---|---|---|---|",
        ]
        for name, row in x["search_ms"].items():
            new, old = row["scan"], row["before (baseline)"]
            lines.append(
                f"| {name} | {new['p50_ms']} / {new['p95_ms']} | {old['p50_ms']} / {old['p95_ms']} "
                f"| {old['p50_ms'] / new['p50_ms']:.1f}× |"
            )
        two = x["faiss_flat_alone_k50"]["2 threads"]["p50_ms"]
        lines.append(f"| FAISS exact flat alone (k=50), 1 thread / 2 threads | {flat} | {two} | {two / flat:.1f}× |")
        lines.append("")
        lines.append(
            f"Identical hits to before: {x['identical_to_before']}; index on disk {x['index_on_disk_mb']} MB "
            f"(vectors {x['vector_index']['type']}, keyword arrays {x['keyword_arrays']})."
        )
        lines.append("")
        if "stages" in x:  # bench/search_stages.py: share of each stage in the mean time of one search
            cases = list(x["stages"])
            lines += ["| stage: share of one search | " + " | ".join(cases) + " |", "|---|" + "---|" * len(cases)]
            for stage in next(iter(x["stages"].values())):
                cells = [x["stages"][c][stage].get("share") for c in cases]
                if stage == "total":
                    lines.append(
                        "| total p50 (ms) | " + " | ".join(str(x["stages"][c][stage]["p50_ms"]) for c in cases) + " |"
                    )
                else:
                    lines.append(f"| {stage} | " + " | ".join(f"{v:.0%}" for v in cells) + " |")
            lines.append("")
    for key in sorted(k for k in r if k.startswith("approximate_")):
        x = r[key]
        kinds = [k for k in ("IVFFlat", "HNSWFlat") if k in x]
        base = x["exact flat (baseline)"]
        lines += [
            f"| {x['vectors']:,} vectors × {x['dimension']} | " + " | ".join(kinds) + " | exact flat (baseline) |",
            "|---|" + "---|" * (len(kinds) + 1),
            "| parameters | "
            + " | ".join(
                ", ".join(
                    f"{k} {v}"
                    for k, v in x[k]["params"].items()
                    if k in ("nlist", "nprobe", "M", "efConstruction", "efSearch")
                )
                for k in kinds
            )
            + " | – |",
            "| recall@10 (vs exact) | " + " | ".join(str(x[k]["recall@10"]) for k in kinds) + " | 1 |",
            "| recall@10, filter 10% / 1% | "
            + " | ".join(f"{x[k]['recall@10, filter 10%']} / {x[k]['recall@10, filter 1%']}" for k in kinds)
            + " | 1 / 1 |",
            "| search p50 / p95 (ms) | "
            + " | ".join(f"{x[k]['search']['p50_ms']} / {x[k]['search']['p95_ms']}" for k in kinds)
            + f" | {base['search, 1 thread']['p50_ms']} / {base['search, 1 thread']['p95_ms']} (1 thread) |",
            "| search with a 10% / 1% filter, p50 (ms) | "
            + " | ".join(
                f"{x[k]['search, filter 10%']['p50_ms']} / {x[k]['search, filter 1%']['p50_ms']}" for k in kinds
            )
            + " | – |",
            "| build (s) | " + " | ".join(str(x[k]["build_s"]) for k in kinds) + " | – |",
            "| index size (MB) | "
            + " | ".join(str(x[k]["index_mb"]) for k in kinds)
            + f" | {round(x['vectors'] * x['dimension'] * 4 / 2**20 + x['vectors'] * 8 / 2**20, 1)} |",
            "",
        ]
        lines.insert(
            -1,
            f"| peak memory of the whole benchmark process (VmHWM, MB) | {x.get('process_peak_mb')} |"
            + " – |" * len(kinds),
        )
    lines.append(f"Load average during the run: {r['machine']['load_average']}.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Benchmark: ingest throughput, search latency and peak memory, each beside a baseline
measured in the same run (the machines are shared and noisy: compare ratios, not seconds).

    python bench/run.py            # prints a Markdown table, writes bench/results/latest.json

- ingest: the shipped corpus with the default encoder, against the same pipeline with the
  `hash` encoder (parse + split + store without a model), so the ratio is the model's cost.
- quotes: latency of `find_quotes` (k=5), against hybrid search latency; and the cost of the
  quote units' vectors at ingest, against encoding the passages.
- search: end-to-end hybrid/dense/keyword query latency over the corpus index, against
  brute-force numpy over the same vectors; plus FAISS vs numpy at 100,000 random vectors.
- classify: 10-page documents (30,000 characters of the analysis) per second, against the same
  pipeline with the `hash` encoder.
- memory: peak RSS of an ingest and of a search in fresh processes, against a process that
  only loads the encoder; and of classifying a 300-page document against a 10-page one.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "Hur påverkar distansarbete kommunens rekrytering?",
    "tillit och socialt kapital",
    "välfärdsbrottslighet och otillåten påverkan",
    "klimatanpassning av infrastruktur",
    "How does digitalisation change municipal services?",
    "statlig styrning genom riktade statsbidrag",
    "segregation bland barn i utsatta hushåll",
    "Kalix",
]


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}


def search_latencies(index, encoder, rounds: int) -> dict[str, dict[str, float]]:
    """p50/p95 of each search mode over QUERIES, beside the baseline: encode the query and take the
    top five of a numpy product over all vectors (then read those passages)."""
    from scan.search import search

    ids = [r[0] for r in index.db.execute("SELECT id FROM passages ORDER BY id")]
    matrix = np.vstack([index.vectors.reconstruct(i) for i in ids])
    lat: dict[str, list[float]] = {m: [] for m in ("hybrid", "dense", "keyword", "numpy brute force (baseline)")}
    for _ in range(rounds):
        for q in QUERIES:
            for mode in ("hybrid", "dense", "keyword"):
                start = time.perf_counter()
                search(index, encoder, q, k=5, mode=mode)
                lat[mode].append(time.perf_counter() - start)
            start = time.perf_counter()
            v = encoder.encode_queries([q])[0]
            top = np.argsort(-(matrix @ v))[:5]
            index.passages([ids[i] for i in top])
            lat["numpy brute force (baseline)"].append(time.perf_counter() - start)
    return {m: percentiles(s) for m, s in lat.items()}


def peak_rss_mb(code: str, env: dict[str, str]) -> float:
    """Peak resident memory of a fresh Python process running `code`.

    Read from VmHWM in /proc/self/status, which belongs to the process's own address space.
    (getrusage's ru_maxrss is not usable here: on Linux it survives exec, so a child started from
    this benchmark would report the benchmark's own peak.)"""
    wrapper = code + (
        "\nimport re; print('PEAK', re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, env=env, check=True)
    kb = int(next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("PEAK")))
    return round(kb / 1024, 1)


def main() -> None:
    from scan.embed import load_encoder
    from scan.ingest import ingest
    from scan.store import Index

    cache = Path(os.environ.get("SCAN_CACHE", Path(tempfile.gettempdir()) / "scan-bench-cache"))
    env = os.environ | {"SCAN_CACHE": str(cache)}
    os.environ["SCAN_CACHE"] = str(cache)
    results: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    work = Path(tempfile.mkdtemp(prefix="scan-bench-"))

    # ---- ingest throughput ----------------------------------------------------------------
    e5 = load_encoder()  # converts into the cache once; not timed
    hashed = load_encoder("hash")
    e5.encode_passages(["uppvärmning"])  # warm up
    timings = {}
    for name, enc in (("hash (baseline)", hashed), ("default e5", e5)):
        start = time.perf_counter()
        report = ingest([ROOT / "corpus"], work / name.split()[0], enc)
        timings[name] = (time.perf_counter() - start, report.passages)
    base_s, n = timings["hash (baseline)"]
    e5_s, _ = timings["default e5"]
    results["ingest"] = {
        "passages": n,
        "default_passages_per_s": round(n / e5_s, 1),
        "baseline_passages_per_s": round(n / base_s, 1),
        "default_over_baseline_time": round(e5_s / base_s, 1),
    }
    # the share of ingest that the quote units (sentence vectors, for quotes) cost
    built = Index.open(work / "default")
    passage_texts = [r[0] for r in built.db.execute("SELECT text FROM passages ORDER BY id")]
    unit_texts = [r[0] for r in built.db.execute("SELECT text FROM sentences ORDER BY id")]
    built.close()
    start = time.perf_counter()
    e5.encode_passages(passage_texts)
    passages_s = time.perf_counter() - start
    start = time.perf_counter()
    e5.encode_passages(unit_texts)
    units_s = time.perf_counter() - start
    results["ingest"] |= {
        "quote_units": len(unit_texts),
        "units_over_passages_encode_time": round(units_s / passages_s, 2),
    }

    # ---- search latency -------------------------------------------------------------------
    index = Index.open(work / "default")
    results["search_corpus"] = search_latencies(index, e5, rounds=5)

    from scan.quotes import find_quotes

    claims = [q for q in QUERIES if len(q.split()) >= 3]
    q_lat = []
    for _ in range(3):
        for claim in claims:
            start = time.perf_counter()
            find_quotes(index, e5, claim, k=5)
            q_lat.append(time.perf_counter() - start)
    results["quotes_corpus"] = {"quotes": percentiles(q_lat)}

    import faiss

    rng = np.random.default_rng(0)
    big = rng.standard_normal((100_000, 384)).astype(np.float32)
    big /= np.linalg.norm(big, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(384)
    flat.add(big)
    queries = big[rng.integers(0, len(big), 50)] + 0.01
    f_lat, n_lat = [], []
    for q in queries:
        start = time.perf_counter()
        flat.search(q.reshape(1, -1), 10)
        f_lat.append(time.perf_counter() - start)
        start = time.perf_counter()
        np.argpartition(-(big @ q), 10)[:10]
        n_lat.append(time.perf_counter() - start)
    results["search_100k_vectors"] = {
        "faiss flat": percentiles(f_lat),
        "numpy brute force (baseline)": percentiles(n_lat),
    }

    # ---- classification ------------------------------------------------------------------
    from scan.classify import classify_document
    from scan.parse import read_document
    from scan.taxonomy import load_taxonomy
    from scan.trends import load_or_train

    taxonomy = load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml")
    analysis = read_document(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md").text
    ten_pages = work / "ten-pages.txt"  # about 10 printed pages: 30,000 characters of the analysis
    ten_pages.write_text(analysis[:30_000], encoding="utf-8")
    long_doc = work / "three-hundred-pages.txt"
    long_doc.write_text((analysis[:30_000] + "\n\n") * 30, encoding="utf-8")
    timings = {}
    for name, enc, idx_dir in (("hash (baseline)", hashed, work / "hash"), ("default e5", e5, work / "default")):
        idx = Index.open(idx_dir)
        model = load_or_train(idx, enc, taxonomy)
        doc = read_document(ten_pages)
        start = time.perf_counter()
        for _ in range(3):
            classify_document(doc, model, enc, taxonomy)
        timings[name] = 3 / (time.perf_counter() - start)
    results["classify"] = {
        "default_docs_per_s": round(timings["default e5"], 3),
        "baseline_docs_per_s": round(timings["hash (baseline)"], 2),
    }
    classify_code = (
        "from pathlib import Path; from scan.embed import load_encoder; from scan.store import Index; "
        "from scan.taxonomy import load_taxonomy; from scan.trends import load_or_train; "
        "from scan.classify import classify_document; from scan.parse import read_document; "
        f"i = Index.open(Path({str(work / 'default')!r})); e = load_encoder(); "
        f"t = load_taxonomy(Path({str(ROOT / 'corpus' / 'trends' / 'vff4.toml')!r})); m = load_or_train(i, e, t); "
        "classify_document(read_document(Path({path!r})), m, e, t)"
    )

    # ---- peak memory ----------------------------------------------------------------------
    load_only = "from scan.embed import load_encoder; load_encoder().encode_queries(['x'])"
    ingest_code = (
        "from pathlib import Path; from scan.embed import load_encoder; from scan.ingest import ingest; "
        f"ingest([Path({str(ROOT / 'corpus')!r})], Path({str(work / 'mem')!r}), load_encoder())"
    )
    search_code = (
        "from pathlib import Path; from scan.embed import load_encoder; from scan.store import Index; "
        "from scan.search import search; "
        f"search(Index.open(Path({str(work / 'default')!r})), load_encoder(), 'tillit', k=5)"
    )
    base = peak_rss_mb(load_only, env)
    results["memory_peak_mb"] = {
        "load encoder only (baseline)": base,
        "ingest corpus": peak_rss_mb(ingest_code, env),
        "one search": peak_rss_mb(search_code, env),
        "classify 10 pages": peak_rss_mb(classify_code.format(path=str(ten_pages)), env),
        "classify 300 pages": peak_rss_mb(classify_code.format(path=str(long_doc)), env),
    }

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(render(results))


def render(r: dict) -> str:
    i = r["ingest"]
    lines = [
        "| measure | scan | baseline (same run) | ratio |",
        "|---|---|---|---|",
        f"| ingest, passages/s ({i['passages']} passages) | {i['default_passages_per_s']} (default e5) "
        f"| {i['baseline_passages_per_s']} (hash encoder: parse+split+store only) "
        f"| model makes ingest {i['default_over_baseline_time']}× slower |",
        f"| ingest, encoding the {i['quote_units']} quote units (sentences) | "
        f"{i['units_over_passages_encode_time']}× the passages' encoding time | encoding the {i['passages']} passages "
        f"| {i['units_over_passages_encode_time']}× |",
    ]
    s = r["search_corpus"]
    base = s["numpy brute force (baseline)"]
    for mode in ("hybrid", "dense", "keyword"):
        lines.append(
            f"| search latency, {mode}, p50 / p95 | {s[mode]['p50_ms']} / {s[mode]['p95_ms']} ms "
            f"| {base['p50_ms']} / {base['p95_ms']} ms (encode + numpy brute force) "
            f"| {s[mode]['p50_ms'] / base['p50_ms']:.2f}× |"
        )
    q = r["quotes_corpus"]["quotes"]
    h = s["hybrid"]
    lines.append(
        f"| quotes latency, p50 / p95 | {q['p50_ms']} / {q['p95_ms']} ms | {h['p50_ms']} / {h['p95_ms']} ms (hybrid search) "
        f"| {q['p50_ms'] / h['p50_ms']:.1f}× |"
    )
    b = r["search_100k_vectors"]
    lines.append(
        f"| vector search alone, 100k vectors, p50 / p95 | {b['faiss flat']['p50_ms']} / {b['faiss flat']['p95_ms']} ms "
        f"| {b['numpy brute force (baseline)']['p50_ms']} / {b['numpy brute force (baseline)']['p95_ms']} ms (numpy) "
        f"| {b['faiss flat']['p50_ms'] / b['numpy brute force (baseline)']['p50_ms']:.2f}× |"
    )
    m = r["memory_peak_mb"]
    mb = m["load encoder only (baseline)"]
    lines.append(
        f"| peak memory, ingest | {m['ingest corpus']} MB | {mb} MB (load encoder only) | {m['ingest corpus'] / mb:.2f}× |"
    )
    c = r["classify"]
    lines.append(
        f"| classification, 10-page documents/s | {c['default_docs_per_s']} (default e5) "
        f"| {c['baseline_docs_per_s']} (hash encoder: split + score only) "
        f"| model makes it {c['baseline_docs_per_s'] / c['default_docs_per_s']:.0f}× slower |"
    )
    lines.append(
        f"| peak memory, classify 300 pages | {m['classify 300 pages']} MB | {m['classify 10 pages']} MB "
        f"(classify 10 pages) | {m['classify 300 pages'] / m['classify 10 pages']:.2f}× |"
    )
    lines.append(
        f"| peak memory, one search | {m['one search']} MB | {mb} MB (load encoder only) | {m['one search'] / mb:.2f}× |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Where the time of one search goes: the stages of `scan.search.search`, timed with perf_counter
around each (filters, vector search, keyword search, relevance, passage rows, citations; fusion
and the rest is the remainder), as shares of the whole, on bench/scale.py's synthetic index.

    python bench/search_stages.py                                 # 100k passages, this checkout
    python bench/search_stages.py --baseline-src /work/main/src   # and another source tree, same run

With `--baseline-src` both trees are measured in child processes taking turns (rounds), so that
both see the same load; shares and ratios within one run are what to read on a busy machine.
Query vectors are computed beforehand (as in bench/scale.py); query encoding with the default
encoder is measured separately (`--encode`), one query at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

STAGES = {  # stage -> the functions it times (those a source tree lacks are skipped)
    "filters (kind mask, --doc/--publisher ids)": ("index.filter_ids", "index.kind_mask", "index.ids_of_kinds"),
    "vector search (scores by meaning)": ("crosslingual.dense_candidates",),
    "keyword search (BM25)": ("index.keyword",),
    "relevance": ("relevance.rate",),
    "passage rows (SQLite)": ("index.passages",),
    "citations (SQLite)": ("index.cites",),
}
REST = "fusion and the rest"


def instrument(index) -> tuple[dict[str, float], list]:
    """Wrap the stages' functions to add their time to a dict; returns (times, undo actions)."""
    from scan import crosslingual, relevance

    owners = {"index": index, "crosslingual": crosslingual, "relevance": relevance}
    times = dict.fromkeys(STAGES, 0.0)
    undo = []
    for stage, names in STAGES.items():
        for name in names:
            owner_name, attr = name.split(".")
            owner = owners[owner_name]
            if not hasattr(owner, attr):
                continue
            original = getattr(owner, attr)

            def timed(*args, _f=original, _stage=stage, **kwargs):
                start = time.perf_counter()
                try:
                    return _f(*args, **kwargs)
                finally:
                    times[_stage] += time.perf_counter() - start

            setattr(owner, attr, timed)
            undo.append((owner, attr, original, owner_name == "index"))
    return times, undo


def restore(undo) -> None:
    for owner, attr, original, on_instance in undo:
        if on_instance:
            delattr(owner, attr)
        else:
            setattr(owner, attr, original)


def measure(index_path: Path, n: int, mode: str, filters: str | None, reps: int) -> dict:
    """Stage times (ms per search, median over searches) and shares of the total, for one mode."""
    import scale

    from scan.search import search
    from scan.store import Index
    from scan.types import Filters

    _, base, query_vectors = scale.base_set()
    index = Index.open(index_path)
    encoder = scale.Precomputed(index.encoder_name, base.shape[1], dict(zip(scale.QUERIES, query_vectors)))
    chosen = {
        None: None,
        "doc": Filters(doc_ids=("doc-00042",)),
        "publisher": Filters(publisher=scale.PUBLISHERS[3]),
    }[filters]
    for q in scale.QUERIES:  # warm: vectors, kinds and languages read once per opened index
        search(index, encoder, q, k=10, mode=mode, filters=chosen)
    rows: dict[str, list[float]] = {stage: [] for stage in [*STAGES, REST, "total"]}
    for _ in range(reps):
        for q in scale.QUERIES:
            times, undo = instrument(index)
            start = time.perf_counter()
            search(index, encoder, q, k=10, mode=mode, filters=chosen)
            total = time.perf_counter() - start
            restore(undo)
            for stage, t in times.items():
                rows[stage].append(t)
            rows[REST].append(total - sum(times.values()))
            rows["total"].append(total)
    total = float(np.median(rows["total"]))
    out = {}
    for stage, values in rows.items():
        mean = float(np.mean(values))
        out[stage] = {"p50_ms": round(float(np.median(values)) * 1000, 2), "mean_ms": round(mean * 1000, 2)}
    mean_total = float(np.mean(rows["total"]))
    for stage in [*STAGES, REST]:
        out[stage]["share"] = round(float(np.mean(rows[stage])) / mean_total, 3) if mean_total else 0.0
    out["total"]["p50_ms"] = round(total * 1000, 2)
    return out


def encoding(reps: int) -> dict:
    """Query encoding with the default encoder, one query at a time (ms)."""
    import scale
    from run import percentiles

    from scan.embed import load_encoder

    encoder = load_encoder()
    encoder.encode_queries([scale.QUERIES[0]])  # warm
    lat = []
    for _ in range(reps):
        for q in scale.QUERIES:
            start = time.perf_counter()
            encoder.encode_queries([q])
            lat.append(time.perf_counter() - start)
    return {"encoder": encoder.name} | percentiles(lat)


CASES = {"hybrid": ("hybrid", None), "dense": ("dense", None), "keyword": ("keyword", None)}
CASES |= {"hybrid, --publisher filter (10%)": ("hybrid", "publisher"), "hybrid, --doc filter": ("hybrid", "doc")}


def child(index_path: Path, n: int, reps: int) -> dict:
    from scan import ann

    ann.set_threads()
    return {name: measure(index_path, n, mode, filters, reps) for name, (mode, filters) in CASES.items()}


def index_path(n: int) -> Path:
    """bench/scale.py's cached synthetic index of n passages (built here if missing)."""
    import scale

    from scan.store import FORMAT, Index

    path = scale.CACHE / f"index-{n}-f{FORMAT}-kinds"
    try:
        if len(Index.open(path)) == n:
            return path
    except Exception:
        pass
    texts, base, _ = scale.base_set()
    scale.log(f"writing a synthetic index of {n} passages to {path} ...")
    scale.build_index(path, n, texts, base)
    return path


def run(n: int, reps: int, rounds: int, baseline_src: str | None, encode: bool) -> dict:
    """Stage shares of this checkout (and of `baseline_src`), child processes taking turns."""
    index_path(n)  # built once here, not in each child
    trees = {"scan": str(Path(__file__).resolve().parent.parent / "src")}
    if baseline_src:
        trees["baseline"] = str(Path(baseline_src).resolve())
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(rounds):
        for name, src in trees.items():
            env = os.environ | {"PYTHONPATH": src}
            done = subprocess.run(
                [sys.executable, __file__, "--child", "--size", str(n), "--reps", str(reps)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            runs[name].append(json.loads(done.stdout))
    out: dict = {"passages": n, "rounds": rounds, "source": trees}
    for name, results in runs.items():  # per case and stage: the median over rounds
        out[name] = {
            case: {
                stage: {
                    key: float(np.median([r[case][stage][key] for r in results])) for key in results[0][case][stage]
                }
                for stage in results[0][case]
            }
            for case in results[0]
        }
    if encode:
        out["query encoding (default encoder, 1 query)"] = encoding(reps)
    return out


def render(r: dict) -> str:
    names = [name for name in ("scan", "baseline") if name in r]
    lines = []
    for case in r["scan"]:
        head = " | ".join(f"{name}: ms (share)" for name in names)
        lines += [f"| {r['passages']:,} passages, {case}: stage | {head} |", "|---|" + "---|" * len(names)]
        for stage in [*STAGES, REST, "total"]:
            cells = []
            for name in names:
                row = r[name][case][stage]
                share = f" ({row['share']:.0%})" if "share" in row else ""
                cells.append(f"{row['mean_ms' if 'share' in row else 'p50_ms']:.1f}{share}")
            lines.append(f"| {stage} | " + " | ".join(cells) + " |")
        if "baseline" in r:
            ratio = r["baseline"][case]["total"]["p50_ms"] / r["scan"][case]["total"]["p50_ms"]
            lines.append(f"| baseline / scan (total p50) | {ratio:.1f}× |" + " |" * (len(names) - 1))
        lines.append("")
    if "query encoding (default encoder, 1 query)" in r:
        e = r["query encoding (default encoder, 1 query)"]
        lines.append(f"Query encoding ({e['encoder']}), one query: p50 {e['p50_ms']} ms, p95 {e['p95_ms']} ms.")
    lines.append("Stage rows: mean ms per search (share of the mean total); total: p50 ms.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each query per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (each tree measured once per round)")
    parser.add_argument("--baseline-src", help="another source tree to measure in the same run (e.g. main's src)")
    parser.add_argument("--encode", action="store_true", help="also time query encoding with the default encoder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(index_path(args.size), args.size, args.reps)))
        return
    results = run(args.size, args.reps, args.rounds, args.baseline_src, args.encode)
    results["load_average"] = list(os.getloadavg())
    out = Path(__file__).resolve().parent / "results" / "search_stages.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(render(results))


if __name__ == "__main__":
    main()

"""Benchmark of the fast paths (issue 11), each figure beside a baseline measured in the same run.

    python bench/fast.py                  # all parts; prints Markdown, writes bench/results/fast.json
    python bench/fast.py startup threads  # some parts only

- startup: `scan search`, `scan quotes` and `scan info` in fresh processes against a bare
  `python -c pass` (medians of RUNS), and the top of `python -X importtime` for `scan search`.
- threads: one query encoding and one batch of passages with 1 and 2 threads, on an idle
  machine and with a CPU burner process on every core (the "busy" case, stopped afterwards).
- ingest: passages/s of `scan ingest` of the analysis + the six PDFs in ../shared/pdfs (the
  analysis alone when they are absent), against the same command of the baseline commit
  (BASELINE_REF, checked out into a temp folder; it encodes through sentence-transformers), with
  how the quote units got their vectors (encoded on their own, a whole passage's, pooled from the
  passage by late chunking: SCAN_LATE_CHUNKING=1, off by default).
- classify: a 10-page report (30,000 characters of the analysis) warm, against the baseline's
  encoder in the same process (SCAN_RUNTIME=torch: sentence-transformers); and loading the
  stored trend model, with whether scikit-learn got imported.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_PDFS = next(
    (p for p in (ROOT.parent / "shared" / "pdfs", ROOT.parent.parent / "shared" / "pdfs") if p.is_dir()),
    ROOT.parent / "shared" / "pdfs",
)  # ../shared/pdfs beside the checkout (or beside its worktree folder)
BASELINE_REF = os.environ.get("BASELINE_REF", "861935a")  # main before the numpy runtime
RUNS = int(os.environ.get("RUNS", "5"))
INGEST_ROUNDS = int(os.environ.get("INGEST_ROUNDS", "2"))
ANALYSIS = ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md"


def run(cmd: list[str], env: dict[str, str], **kw) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


def env_with(src: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SCAN_THREADS", "SCAN_RUNTIME", "SCAN_PRECISION")}
    return env | {"PYTHONPATH": str(src)} | extra


def build_index(work: Path) -> Path:
    index = work / "index"
    if not index.exists():
        subprocess.run(
            [sys.executable, "-m", "scan", "ingest", str(ROOT / "corpus"), "--index", str(index), "--no-progress"],
            env=env_with(ROOT / "src"),
            check=True,
        )
    return index


def startup(work: Path) -> dict:
    index = build_index(work)
    env = env_with(ROOT / "src")
    commands = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "scan info": [sys.executable, "-m", "scan", "info", "--index", str(index)],
        "scan search": [sys.executable, "-m", "scan", "search", "tillit och socialt kapital", "--index", str(index)],
        "scan quotes": [
            sys.executable,
            "-m",
            "scan",
            "quotes",
            "Tilliten mellan människor påverkar ekonomin",
            "--index",
            str(index),
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(RUNS):  # interleaved, so that load changes hit all alike
        for name, cmd in commands.items():
            times[name].append(run(cmd, env))
    base = statistics.median(times["python -c pass (baseline)"])
    out = {
        name: {"median_s": round(statistics.median(t), 3), "over_python": round(statistics.median(t) / base, 1)}
        for name, t in times.items()
    }
    heavy = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; sys.argv = ['scan', 'search', 'tillit', '--index', sys.argv[1]]\n"
                "import scan.cli\ntry: scan.cli.main()\nexcept SystemExit: pass\n"
                "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', 'transformers', "
                "'sklearn', 'scipy', 'spacy', 'tokenizers'}), file=sys.stderr)",
                str(index),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        .stderr.strip()
        .splitlines()[-1]
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scan", "search", "tillit", "--index", str(index)],
        env=env,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            if cumulative.isdigit() and not name.startswith(" "):
                rows.append((int(cumulative), name))
    top = [{"module": n.strip(), "cumulative_ms": round(us / 1000, 1)} for us, n in sorted(rows, reverse=True)[:12]]
    return {"commands": out, "heavy_modules_imported_by_search": heavy, "importtime_top": top}


BURN = "import time, sys\nend = time.time() + float(sys.argv[1])\nwhile time.time() < end: pass\n"


def threads(work: Path) -> dict:
    code = (
        "import os, sys, time, statistics\n"
        "from scan.embed import load_encoder\n"
        "e = load_encoder()\n"
        "texts = [p for p in open(sys.argv[1], encoding='utf-8').read().split('\\n\\n') if len(p) > 200][:24]\n"
        "e.encode_queries(['uppvärmning']); e.encode_passages(texts[:4])\n"
        "q = []\n"
        "for _ in range(10):\n"
        "    s = time.perf_counter(); e.encode_queries(['Hur påverkar distansarbete kommunens rekrytering?']); "
        "q.append(time.perf_counter() - s)\n"
        "s = time.perf_counter(); e.encode_passages(texts); b = time.perf_counter() - s\n"
        "print(round(statistics.median(q) * 1000, 1), round(len(texts) / b, 1))\n"
    )
    out = {}
    cpus = len(os.sched_getaffinity(0))
    for load in ("idle", "busy"):
        for n in (1, 2):
            burners = []
            if load == "busy":
                burners = [subprocess.Popen([sys.executable, "-c", BURN, "120"]) for _ in range(cpus)]
            try:
                for runtime in ("numpy", "torch"):
                    extra = {"SCAN_THREADS": str(n), "SCAN_RUNTIME": runtime}
                    if runtime == "numpy":  # the per-operation alternative: n BLAS threads, one worker
                        variants = {
                            "workers": extra,
                            "blas threads": extra | {"OPENBLAS_NUM_THREADS": str(n), "SCAN_THREADS": "1"},
                        }
                    else:
                        variants = {"torch threads": extra}
                    for how, env in variants.items():
                        res = subprocess.run(
                            [sys.executable, "-c", code, str(ANALYSIS)],
                            env=env_with(ROOT / "src", **env),
                            capture_output=True,
                            text=True,
                            check=True,
                        ).stdout.split()
                        out[f"{load}, {n} thread(s), {runtime} ({how})"] = {
                            "query_ms_p50": float(res[0]),
                            "passages_per_s": float(res[1]),
                        }
            finally:
                for b in burners:
                    b.kill()
                    b.wait()
    return out


def ingest(work: Path) -> dict:
    corpus = work / "ingest-set"
    corpus.mkdir(exist_ok=True)
    files = [ANALYSIS] + (sorted(SHARED_PDFS.glob("*.pdf")) if SHARED_PDFS.is_dir() else [])
    for f in files:
        if not (corpus / f.name).exists():
            (corpus / f.name).symlink_to(f)
    old = work / "baseline"
    if not old.exists():
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BASELINE_REF, "src"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    variants = (
        (f"baseline ({BASELINE_REF}, sentence-transformers)", old / "src", {}),
        ("scan", ROOT / "src", {}),
        ("scan, float32 (SCAN_PRECISION=fp32)", ROOT / "src", {"SCAN_PRECISION": "fp32"}),
        ("scan, late chunking (SCAN_LATE_CHUNKING=1)", ROOT / "src", {"SCAN_LATE_CHUNKING": "1"}),
    )
    times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in variants}  # user + system seconds of the process
    counts: dict[str, int] = {}
    units: dict[str, str] = {}  # how the quote units got their vectors (scan -v logs it)
    for _ in range(INGEST_ROUNDS):  # interleaved rounds: a burst of load hits every variant alike
        for i, (name, src, extra) in enumerate(variants):
            target = work / f"ingest-{i}"
            cmd = [sys.executable, "-m", "scan", "-v", "ingest", str(corpus), "--index", str(target), "--rebuild"]
            begin, used = time.perf_counter(), _children_cpu()
            proc = subprocess.run(cmd, env=env_with(src, **extra), capture_output=True, text=True, check=True)
            times[name].append(time.perf_counter() - begin)
            cpu[name].append(_children_cpu() - used)
            counts[name] = int(re.search(r"(\d+) passages embedded", proc.stderr).group(1))
            found = re.search(r"quote units: (.*)", proc.stderr)
            units[name] = found.group(1) if found else "every sentence encoded on its own (no count logged)"
    out: dict = {}
    for name, _, _ in variants:
        seconds = statistics.median(times[name])
        out[name] = {
            "seconds": round(seconds, 1),
            "passages": counts[name],
            "passages_per_s": round(counts[name] / seconds, 2),
            "cpu_s": round(statistics.median(cpu[name]), 1),
            "quote_units": units[name],
        }
    names = list(out)
    out["speed-up"] = round(out[names[1]]["passages_per_s"] / out[names[0]]["passages_per_s"], 2)
    out["speed-up, float32"] = round(out[names[2]]["passages_per_s"] / out[names[0]]["passages_per_s"], 2)
    out["speed-up, late chunking"] = round(out[names[3]]["passages_per_s"] / out[names[0]]["passages_per_s"], 2)
    out["cpu speed-up"] = round(out[names[0]]["cpu_s"] / out[names[1]]["cpu_s"], 2)
    out["rounds"] = INGEST_ROUNDS
    return out


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def classify(work: Path) -> dict:
    index = build_index(work)
    code = (
        "import sys, time, statistics, os\n"
        "from pathlib import Path\n"
        "from scan.store import Index\n"
        "from scan.taxonomy import load_taxonomy\n"
        "from scan.embed import load_encoder\n"
        "from scan.trends import load_or_train\n"
        "from scan.classify import classify_document\n"
        "from scan.parse import read_document\n"
        "index = Index.open(Path(sys.argv[1])); taxonomy = load_taxonomy(Path(sys.argv[2]))\n"
        "e = load_encoder(); load_or_train(index, e, taxonomy)\n"
        "s = time.perf_counter(); m = load_or_train(index, e, taxonomy); load_ms = (time.perf_counter() - s) * 1000\n"
        "doc = read_document(Path(sys.argv[3]))\n"
        "classify_document(doc, m, e, taxonomy)\n"
        "t = []\n"
        "for _ in range(3):\n"
        "    s = time.perf_counter(); classify_document(doc, m, e, taxonomy); t.append(time.perf_counter() - s)\n"
        "print(round(statistics.median(t), 3), round(load_ms, 2))\n"
    )
    ten = work / "ten-pages.txt"
    ten.write_text(ANALYSIS.read_text(encoding="utf-8")[:30_000], encoding="utf-8")
    # a fresh process that never trains: the model file exists after the first call above
    out = {}
    runs = (
        ("scan (batches in bfloat16 where the CPU has it)", {"SCAN_RUNTIME": "numpy", "SCAN_PRECISION": "auto"}),
        ("scan, float32 numpy (SCAN_PRECISION=fp32)", {"SCAN_RUNTIME": "numpy", "SCAN_PRECISION": "fp32"}),
        ("baseline (sentence-transformers)", {"SCAN_RUNTIME": "torch"}),
    )
    for name, settings in runs:
        res = subprocess.run(
            [sys.executable, "-c", code, str(index), str(ROOT / "corpus" / "trends" / "vff4.toml"), str(ten)],
            env=env_with(ROOT / "src", **settings),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.split()
        out[name] = {"ten_pages_s": float(res[0]), "trend_model_load_warm_ms": float(res[1])}
    load_code = (  # a fresh process, the model file exists: what every classify pays
        "import sys, time\nfrom pathlib import Path\nfrom scan.store import Index\n"
        "from scan.taxonomy import load_taxonomy\nfrom scan.embed import load_encoder\n"
        "from scan.trends import load_or_train\n"
        "index = Index.open(Path(sys.argv[1])); taxonomy = load_taxonomy(Path(sys.argv[2])); e = load_encoder()\n"
        "s = time.perf_counter(); load_or_train(index, e, taxonomy)\n"
        "print(round((time.perf_counter() - s) * 1000, 2), 'sklearn' in sys.modules, 'scipy' in sys.modules)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", load_code, str(index), str(ROOT / "corpus" / "trends" / "vff4.toml")],
        env=env_with(ROOT / "src"),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    out["trend model load, fresh process"] = {"ms": float(res[0]), "sklearn_imported": res[1], "scipy_imported": res[2]}
    return out


def main() -> None:
    parts = sys.argv[1:] or ["startup", "threads", "ingest", "classify"]
    work = Path(os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="scan-fast-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}}
    for part in parts:
        results[part] = globals()[part](work)
        print(f"## {part}\n```\n{json.dumps(results[part], indent=1, ensure_ascii=False)}\n```", flush=True)
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "fast.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(old | results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

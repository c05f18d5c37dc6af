"""Load test of `scan serve`: concurrent searches alone, and while a long classification runs.

    python bench/load.py                      # hash-encoder index of the shipped corpus, ~2 min
    python bench/load.py --index index/       # an index you built (its own encoder)

Loopback only (the server listens on 127.0.0.1 on a free port, in this process), every phase
capped in requests and seconds, and it stops by itself. Three phases, the same searches each:

1. baseline: `--concurrency` clients searching, nothing else running;
2. job: the same while the page classifies a long report (the analysis repeated to
   `--report-kb`) as a job in its worker process, which is how `scan serve` runs it;
3. thread: the same while the same report is classified in a thread of the server process, under
   the lock the requests shared (how the page ran classification before jobs);
4. thread without the lock: the same, to see what the GIL alone costs (would threads suffice?).

Prints p50/p95/max latency, errors and searches per second per phase, and writes
bench/results/load.json. Compare the phases' ratios, not the seconds: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "Hur påverkar distansarbete kommunens rekrytering?",
    "tillit och socialt kapital",
    "välfärdsbrottslighet och otillåten påverkan",
    "klimatanpassning av infrastruktur",
    "statlig styrning genom riktade statsbidrag",
    "segregation bland barn i utsatta hushåll",
]


def summary(latencies: list[float], errors: int, seconds: float) -> dict[str, float | int]:
    ms = sorted(x * 1000 for x in latencies)
    if not ms:
        return {"requests": 0, "errors": errors}
    return {
        "requests": len(ms),
        "errors": errors,
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
        "max_ms": round(ms[-1], 1),
        "per_s": round(len(ms) / seconds, 1),
    }


def searches(base: str, concurrency: int, max_requests: int, max_seconds: float, keep_going=lambda: True):
    """`concurrency` clients searching until `max_requests`, `max_seconds` or keep_going() is False."""
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    counter = iter(range(max_requests))

    def client(n: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30) as http:
            for i in counter:
                if time.monotonic() > deadline or not keep_going():
                    return
                start = time.perf_counter()
                try:
                    r = http.get("/sok", params={"q": QUERIES[(i + n) % len(QUERIES)]})
                    ok = r.status_code == 200 and 'class="hit"' in r.text
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - start)
                    errors += not ok

    start = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, range(concurrency)))
    return summary(latencies, errors, time.monotonic() - start)


def report_text(kb: int) -> str:
    analysis = (ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md").read_text(encoding="utf-8")
    return (analysis * (1 + kb * 1024 // len(analysis)))[: kb * 1024]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an index to serve (default: the corpus with the hash encoder)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300, help="searches per phase, at most")
    parser.add_argument("--seconds", type=float, default=60, help="seconds per phase, at most")
    parser.add_argument("--report-kb", type=int, default=200, help="size of the report classified")
    args = parser.parse_args()

    import uvicorn

    from scan.web import Scanner, create_app

    tmp = Path(tempfile.mkdtemp(prefix="scan-load-"))
    try:
        index_dir = args.index
        if index_dir is None:
            from scan.embed import HashEncoder
            from scan.ingest import ingest

            index_dir = tmp / "idx"
            ingest([ROOT / "corpus"], index_dir, HashEncoder(256))
        scanner = Scanner(index_dir)
        app = create_app(index_dir, scanner=scanner, job_wait=0)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        jobs = app.state.jobs
        results: dict[str, object] = {}
        text = report_text(args.report_kb)
        print(f"serving {index_dir} ({len(scanner.index)} passages) at {base}", file=sys.stderr)

        # warm both sides: the worker's model, and the server's first search
        warm = jobs.submit("warm-up", *_upload(tmp, "Kommunen måste rekrytera fler undersköterskor."))
        _wait(lambda: not warm.active, 900)
        searches(base, 1, 5, 30)

        results["baseline"] = searches(base, args.concurrency, args.requests, args.seconds)
        print("baseline", results["baseline"], file=sys.stderr)

        import httpx

        started = time.monotonic()
        r = httpx.post(base + "/klassificera", data={"text": text}, timeout=60, follow_redirects=True)
        job = jobs.get(str(r.url).rsplit("/", 1)[1])
        _wait(lambda: job.state == "running", 60)
        results["job"] = searches(base, args.concurrency, args.requests, args.seconds, lambda: job.active)
        _wait(lambda: not job.active, 900)
        results["job"]["classification_s"] = round(time.monotonic() - started, 1)
        results["job"]["classification_state"] = job.state
        print("during a job", results["job"], file=sys.stderr)

        path = tmp / "report.txt"
        path.write_text(text, encoding="utf-8")
        scanner.model  # noqa: B018 - trained or loaded before the clock starts
        for phase, locked in [("thread", True), ("thread_nolock", False)]:
            results[phase] = _during_a_thread(base, args, scanner, path, locked)
            print(phase, results[phase], file=sys.stderr)

        server.should_exit = True
        thread.join(timeout=10)
        jobs.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    base_p50 = results["baseline"].get("p50_ms") or 1
    print("\n| phase | searches | errors | p50 ms | p95 ms | max ms | searches/s | p50 ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for phase, label in [
        ("baseline", "searches alone"),
        ("job", "during a classification job (worker process)"),
        ("thread", "during a classification in a server thread, under the shared lock (before jobs)"),
        ("thread_nolock", "during a classification in a server thread, no lock (the GIL alone)"),
    ]:
        s = results[phase]
        ratio = round((s.get("p50_ms") or 0) / base_p50, 2)
        print(
            f"| {label} | {s['requests']} | {s['errors']} | {s.get('p50_ms')} | {s.get('p95_ms')} | "
            f"{s.get('max_ms')} | {s.get('per_s')} | {ratio}× |"
        )
    out = {
        "command": " ".join(["python", "bench/load.py", *sys.argv[1:]]),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "concurrency": args.concurrency,
        "report_kb": args.report_kb,
        "results": results,
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "load.json").write_text(json.dumps(out, indent=2) + "\n")


def _during_a_thread(base: str, args, scanner, path: Path, locked: bool) -> dict:
    """Searches while the report is classified in a thread of the server's process."""
    import contextlib

    from scan.classify import classify_document
    from scan.parse import read_document

    done = threading.Event()
    clock: dict[str, float] = {}

    def classify() -> None:
        clock["start"] = time.monotonic()
        try:
            with scanner.lock if locked else contextlib.nullcontext():
                classify_document(read_document(path), scanner.model, scanner.encoder, scanner.taxonomy)
        finally:
            clock["end"] = time.monotonic()
            done.set()

    threading.Thread(target=classify, daemon=True).start()
    result = searches(base, args.concurrency, args.requests, args.seconds, lambda: not done.is_set())
    done.wait(900)
    result["classification_s"] = round(clock["end"] - clock["start"], 1)
    return result


def _upload(root: Path, text: str) -> tuple[Path, Path]:
    folder = Path(tempfile.mkdtemp(prefix="scan-upload-", dir=root))
    (folder / "upload.txt").write_text(text, encoding="utf-8")
    return folder, folder / "upload.txt"


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


if __name__ == "__main__":
    main()

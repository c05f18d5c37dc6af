"""Slow work for the web page, off the request path.

Classification runs as a job in ONE worker process of its own (it loads the index, encoder and
trend model once, like the server). A process, not a thread: parsing and splitting are Python
code that holds the GIL, which would stall every search in the server for as long as a report is
read; and only a process can be stopped when a job passes its time limit, or when a hostile file
makes it grow. The cost is memory: the worker holds a second copy of the encoder.

- `Jobs.submit` puts a job in a bounded queue and returns at once; when the queue is full it
  raises `Busy` (the page answers 503 in Swedish with Retry-After).
- The worker reports progress (pages and passages done), which the page polls.
- A job over its time limit is stopped by killing the worker; the next job starts a fresh one.
- Quotes are short and run in the server's threads, behind a `Gate` that bounds how many wait.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import queue
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scan.websecurity import Busy

logger = logging.getLogger(__name__)

TIME_LIMIT = 300.0  # seconds a classification may take
START_LIMIT = 900.0  # seconds the worker may take to load the model (the first run may train the trend model)
MAX_WAITING = 4  # jobs queued behind the running one
KEEP = 30 * 60  # seconds a finished job's result stays available
TASK = "scan.webjobs:classify_upload"
CLOSING = ("scan stängs av", "försök igen när scan har startats igen")
PRELOAD = ["scan.webjobs", "scan.session", "scan.classify", "scan.trends", "scan.parse", "scan.taxonomy"]


@dataclass
class Job:
    id: str
    title: str
    folder: Path  # the temporary folder holding the upload; removed when the job ends
    path: Path
    text: str = ""  # pasted text, shown again in the form
    state: str = "queued"  # queued, running, done, failed
    phase: str = ""
    done: int = 0
    total: int = 0
    page: int | None = None
    pages: int | None = None
    result: Any = None
    error: tuple[str, str] | None = None
    status: int = 200  # the HTTP status of the finished job's page
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def message(self, ahead: int = 0) -> str:
        """Where the job is, in Swedish: "sida 3 av 12 (96 av 380 textavsnitt)"."""
        if self.state == "queued":
            return "i kö" + (f", {ahead} före" if ahead else "")
        if self.state == "done":
            return "klar"
        if self.state == "failed":
            return self.error[0] if self.error else "misslyckades"
        if self.total:
            from scan.numbers import integer

            passages = f"{integer(self.done)} av {integer(self.total)} textavsnitt"
            if self.page and self.pages:
                return f"sida {integer(self.page)} av {integer(self.pages)} ({passages})"
            return passages
        return self.phase or "startar"


class Jobs:
    """A bounded queue of classification jobs, run one at a time in a worker process."""

    def __init__(
        self,
        index_dir: Path,
        trends_file: Path | None = None,
        time_limit: float = TIME_LIMIT,
        max_waiting: int = MAX_WAITING,
        task: str = TASK,
        start_limit: float = START_LIMIT,
    ):
        self.index_dir, self.trends_file = Path(index_dir), trends_file
        self.time_limit, self.start_limit, self.task = time_limit, start_limit, task
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=max_waiting)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn = None
        self._closed = False
        self._warm = False
        self.loading = False  # the worker is starting: loading the index, encoder and trend model
        self._worker_lock = threading.Lock()  # close() may stop the worker while the dispatcher starts one

    # ---- the server's side ------------------------------------------------------------------
    def submit(self, title: str, folder: Path, path: Path) -> Job:
        """Queue a classification of `path` (in `folder`, which the job removes when it ends)."""
        job = Job(secrets.token_urlsafe(16), title, folder, path)
        with self._lock:
            self._prune()
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                raise Busy(retry_after=30) from None
            self._jobs[job.id] = job
            self._start_thread()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def describe(self, job: Job) -> str:
        """The job's progress in Swedish, with its place in the queue and whether the model is loading."""
        if job.state != "queued":
            return job.message()
        text = job.message(self.ahead(job))
        return text + " (klassificeringen förbereds)" if self.loading else text

    def ahead(self, job: Job) -> int:
        """How many jobs will run before this queued one."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.active and j.created < job.created)

    def start(self) -> None:
        """Start the worker now (it loads the model), rather than with the first job."""
        self._warm = True
        self._start_thread()

    def close(self) -> None:
        self._closed = True
        while True:  # jobs still waiting will not run
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._finish(job, "failed", error=CLOSING, status=503)
        self._queue.put_nowait(None)
        self._stop_worker()

    def _start_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="scan-jobs", daemon=True)
            self._thread.start()

    def _prune(self) -> None:
        now = time.monotonic()
        for job_id, job in list(self._jobs.items()):
            if job.finished is not None and now - job.finished > KEEP:
                del self._jobs[job_id]

    # ---- the dispatcher thread ----------------------------------------------------------------
    def _run(self) -> None:
        if self._warm:
            try:
                self._ensure_worker(None)
            except _Failed as exc:
                if not self._closed:  # stopped by close() (Ctrl-C soon after the start) is no failure
                    logger.error("the classification worker did not start: %s", exc.error[0])
        while not self._closed:
            job = self._queue.get()
            if job is None:
                break
            try:
                self._execute(job)
            except Exception:  # never let the dispatcher die
                logger.exception("job %s failed", job.id)
                self._finish(job, "failed", error=("något gick fel i scan; felet är loggat på servern", ""), status=500)

    def _execute(self, job: Job) -> None:
        job.state, job.phase = "running", "startar"
        try:
            self._ensure_worker(job)
        except _Failed as exc:
            self._finish(job, "failed", error=exc.error, status=exc.status)
            return
        job.phase = "läser filen"
        self._conn.send((job.id, str(job.path), job.title))
        deadline = time.monotonic() + self.time_limit
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._stop_worker()
                minutes = self.time_limit / 60
                limit = f"{minutes:.0f} minuter" if minutes >= 2 else f"{self.time_limit:.0f} sekunder"
                self._finish(
                    job,
                    "failed",
                    error=(
                        f"klassificeringen tog längre än {limit} och avbröts",
                        "dela upp rapporten, eller klassificera den med kommandot scan classify",
                    ),
                    status=503,
                )
                return
            try:
                message = self._conn.recv() if self._conn.poll(min(remaining, 0.5)) else None
            except (EOFError, OSError):
                message = ("died",)
            if message is None:
                if self._process is not None and self._process.is_alive():
                    continue
                message = ("died",)
            kind = message[0]
            if kind == "progress":
                _, job.phase, job.done, job.total, job.page, job.pages = message
            elif kind == "done":
                self._finish(job, "done", result=message[1])
                return
            elif kind == "error":
                self._finish(job, "failed", error=(message[1], message[2]), status=message[3])
                return
            else:  # the worker died: out of memory, killed
                self._stop_worker()
                self._finish(
                    job,
                    "failed",
                    error=(
                        "klassificeringen avbröts (filen krävde för mycket av servern)",
                        "dela upp rapporten, eller klassificera den med kommandot scan classify",
                    ),
                    status=500,
                )
                return

    def _finish(self, job: Job, state: str, result=None, error=None, status: int = 200) -> None:
        shutil.rmtree(job.folder, ignore_errors=True)  # first: a job seen finished has left no upload behind
        job.result, job.error, job.status = result, error, status
        job.finished = time.monotonic()
        job.state = state  # last: a reader that sees "done" sees the result

    def _ensure_worker(self, job: Job | None) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._stop_worker()
        if job is not None:
            job.phase = "förbereder klassificeringen"
        # A fork server (a clean process that has imported scan once) forks each worker: never a fork
        # of the server, whose torch threads may be running, and a restart does not import again.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=_worker_main,
            args=(child, str(self.index_dir), str(self.trends_file) if self.trends_file else None, self.task),
            name="scan-classify",
            daemon=True,
        )
        with self._worker_lock:
            if self._closed:
                parent.close()
                child.close()
                raise _Failed(CLOSING, 503)
            process.start()
            self._process, self._conn = process, parent
        child.close()
        self.loading = True
        try:
            message = parent.recv() if parent.poll(self.start_limit) else None
        except (EOFError, OSError):  # it died, or close() stopped it
            message = ("fatal", "klassificeringen kunde inte starta; felet är loggat på servern", "")
        finally:
            self.loading = False
        if message is None:
            self._stop_worker()
            raise _Failed(("klassificeringen kunde inte starta (förberedelserna tog för lång tid)", ""), 503)
        if message[0] != "ready":
            self._stop_worker()
            raise _Failed((message[1], message[2]), 500)

    def _stop_worker(self) -> None:
        with self._worker_lock:
            process, self._process = self._process, None
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
        if process is not None:
            process.join(timeout=0.5 if conn is not None else 0)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        if conn is not None:
            conn.close()


class _Failed(Exception):
    def __init__(self, error: tuple[str, str], status: int):
        super().__init__(error[0])
        self.error, self.status = error, status


class Gate:
    """At most `limit` requests at a time through a slow path; others wait up to `wait` seconds,
    then get Busy (503)."""

    def __init__(self, limit: int = 4, wait: float = 10.0):
        self._slots = threading.BoundedSemaphore(limit)
        self.wait = wait

    @contextmanager
    def enter(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait):
            raise Busy(retry_after=10)
        try:
            yield
        finally:
            self._slots.release()


# ---- the worker process -------------------------------------------------------------------------
class _Worker:
    """What the worker process holds: the live index, its encoder, the taxonomy and the trend model."""

    def __init__(self, index_dir: Path, trends_file: Path | None):
        from scan.session import open_index
        from scan.taxonomy import load_taxonomy
        from scan.webindex import LiveIndex

        index, self.encoder = open_index(index_dir)
        self.live = LiveIndex(index_dir, index)
        self.taxonomy = load_taxonomy(trends_file)
        self._model: tuple[Path, Any] | None = None

    @property
    def index(self):
        return self.live.get()

    @property
    def model(self):
        index = self.index
        if self._model is None or self._model[0] != index.generation:  # a newer index may train another
            from scan.trends import load_or_train

            self._model = (index.generation, load_or_train(index, self.encoder, self.taxonomy))
        return self._model[1]


def classify_upload(worker: _Worker, path: Path, title: str, report: Callable[..., None]):
    """Read and classify one uploaded file, reporting pages and passages done."""
    from scan.classify import classify_document
    from scan.context import link_evidence
    from scan.parse import read_document
    from scan.split import split_document

    report("läser filen", 0, 0, None, None)
    doc = read_document(path)
    report("delar upp texten", 0, 0, None, None)
    passages = split_document(doc)  # classify_document splits the same way: this gives the totals
    pages = max((p.page or 0 for p in passages), default=0) or None
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        report("klassificerar", done, len(passages), passages[done - 1].page if pages else None, pages)

    report("klassificerar", 0, len(passages), passages[0].page if pages and passages else None, pages)
    result = classify_document(doc, worker.model, worker.encoder, worker.taxonomy, progress=step)
    result.title, result.path = title, title
    link_evidence(worker.index, result, doc.sha256)  # an upload that is in the index: evidence links there
    result.warnings = [w.replace(str(path), title) for w in result.warnings]
    return result


def _worker_main(conn, index_dir: str, trends_file: str | None, task: str) -> None:
    from scan.errors import ScanError

    logging.basicConfig(level=logging.WARNING, format="scan-classify: %(message)s")
    try:
        os.nice(5)  # searches in the server come first on a busy machine
    except OSError:
        pass
    try:
        module, _, name = task.partition(":")
        run = getattr(importlib.import_module(module), name)
        worker = _Worker(Path(index_dir), Path(trends_file) if trends_file else None)
        worker.model  # noqa: B018 - load (or train) it now, not in the first job
    except ScanError as exc:
        from scan.web import swedish

        conn.send(("fatal", *swedish(exc)))
        return
    except Exception:
        logging.exception("the classification worker could not start")
        conn.send(("fatal", "klassificeringen kunde inte starta; felet är loggat på servern", ""))
        return
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job_id, path, title = message

        def report(phase, done, total, page, pages):
            conn.send(("progress", phase, done, total, page, pages))

        try:
            conn.send(("done", run(worker, Path(path), title, report)))
        except ScanError as exc:
            import re

            from scan.web import swedish

            text, hint = swedish(exc)
            text = re.sub(r"\S*scan-upload-[^/]+/upload\.\w+:? ?", "", text)  # never show server paths
            conn.send(("error", text, hint, 400))
        except Exception:
            logging.exception("classification of %s failed", title)
            conn.send(("error", "något gick fel i scan; felet är loggat på servern", "", 500))

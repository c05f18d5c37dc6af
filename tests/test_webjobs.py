"""Slow work off the request path: classification jobs in a worker process, a bounded queue,
a time limit, progress; and the server picking up a newer index without a restart."""

import gc
import re
import shutil
import threading
import time
import weakref

import pytest
import webslow
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.web import create_app
from scan.webjobs import Gate, Jobs
from scan.websecurity import Busy

TAXONOMY = FIXTURES / "mini-trends.toml"
SLOW = "LÅNGSAM. Kommunen måste rekrytera fler undersköterskor och lärare."
FAST = "Kommunen måste rekrytera fler undersköterskor och lärare."


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("jobs")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    return root / "idx"


@pytest.fixture(scope="module")
def warm_jobs(index_dir):
    """A worker with the slow test task, started (model loaded) before the tests time anything."""
    jobs = Jobs(index_dir, TAXONOMY, task="webslow:slow_classify", time_limit=120)
    job = jobs.submit("warm-up", *_upload(index_dir.parent, FAST))
    _wait(lambda: not job.active, 300)
    assert job.state == "done", job.error
    yield jobs
    jobs.close()


def _upload(root, text):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="scan-upload-", dir=root))
    path = folder / "upload.txt"
    path.write_text(text, encoding="utf-8")
    return folder, path


def _wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def _job_url(response) -> str:
    return re.search(r"/klassificera/jobb/[\w-]+", str(response.url)).group(0)


def test_searches_answer_within_a_second_while_a_long_classification_runs(index_dir, warm_jobs):
    client = TestClient(create_app(index_dir, TAXONOMY, jobs=warm_jobs, job_wait=0), raise_server_exceptions=False)
    baseline = []  # the same search with no job running: how fast this machine answers now
    for _ in range(5):
        start = time.perf_counter()
        assert client.get("/sok", params={"q": "rekrytera undersköterskor"}).status_code == 200
        baseline.append(time.perf_counter() - start)
    r = client.post("/klassificera", data={"text": SLOW})
    assert r.status_code == 200 and 'id="job"' in r.text and "Klassificerar Inklistrad text" in r.text
    url = _job_url(r)
    job = warm_jobs.get(url.rsplit("/", 1)[1])
    assert _wait(lambda: job.state == "running", 30)
    timings, messages = [], set()
    while job.active:
        start = time.perf_counter()
        hit = client.get("/sok", params={"q": "rekrytera undersköterskor"})
        timings.append(time.perf_counter() - start)
        assert hit.status_code == 200 and 'class="hit"' in hit.text
        messages.add(client.get(url + "/status").json()["message"])
        time.sleep(0.05)
    # searches answered one after another while the job ran: none waited for it to finish
    assert len(timings) >= 10, "the classification ended before the searches could be timed"
    # a search that waited for the job would take seconds (it holds its process for STEPS × 0.25 s); the bound
    # is relative to the searches just before the job, so a loaded machine does not fail it, and stays under
    # half the job's length, so a search that waits for the job does
    bound = min(webslow.STEPS * 0.25 / 2, max(1.0, 5 * max(baseline)))
    assert max(timings) < bound, f"slowest search {max(timings):.2f} s during a classification (bound {bound:.2f} s)"
    assert any(re.fullmatch(r"sida \d+ av 24 \(\d+ av 24 textavsnitt\)", m) for m in messages), messages
    r = client.get(url)
    assert r.status_code == 200 and "Huvudtrend: <strong>1. Kompetensförsörjning</strong>" in r.text
    assert 'id="job"' not in r.text


def test_the_running_job_page_works_without_javascript(index_dir, warm_jobs):
    client = TestClient(create_app(index_dir, TAXONOMY, jobs=warm_jobs, job_wait=0), raise_server_exceptions=False)
    r = client.post("/klassificera", data={"text": SLOW})
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in r.text
    assert re.search(r"<button type=\"submit\" disabled>Klassificera</button>", r.text)  # no second press
    assert "<progress" in r.text
    job = warm_jobs.get(_job_url(r).rsplit("/", 1)[1])
    assert _wait(lambda: not job.active, 60)
    r = client.get(_job_url(r))
    assert "refresh" not in r.text and 'id="trendprofil"' in r.text


def test_a_full_queue_gets_a_swedish_busy_page(index_dir, warm_jobs, tmp_path):
    jobs = Jobs(index_dir, TAXONOMY, task="webslow:slow_classify", max_waiting=1)
    client = TestClient(create_app(index_dir, TAXONOMY, jobs=jobs, job_wait=0), raise_server_exceptions=False)
    try:
        first = client.post("/klassificera", data={"text": SLOW})
        running = jobs.get(_job_url(first).rsplit("/", 1)[1])
        assert _wait(lambda: running.state == "running", 60)
        second = client.post("/klassificera", data={"text": SLOW})
        assert second.status_code == 200 and "i kö" in second.text
        third = client.post("/klassificera", data={"text": SLOW})
        assert third.status_code == 503 and third.headers["retry-after"] == "30"
        assert "scan är upptaget" in third.text and 'lang="sv"' in third.text and '"detail"' not in third.text
    finally:
        jobs.close()


def test_a_job_over_its_time_limit_is_stopped_and_the_next_one_runs(index_dir, tmp_path):
    jobs = Jobs(index_dir, TAXONOMY, task="webslow:slow_classify", time_limit=2)
    try:
        slow = jobs.submit("lång.txt", *_upload(tmp_path, SLOW))
        assert _wait(lambda: not slow.active, 300)
        assert slow.state == "failed" and slow.status == 503
        assert slow.error[0] == "klassificeringen tog längre än 2 sekunder och avbröts"
        assert not slow.folder.exists()  # the upload is removed
        jobs.time_limit = 120  # room for a busy test machine
        fast = jobs.submit("kort.txt", *_upload(tmp_path, FAST))
        assert _wait(lambda: not fast.active, 300)
        assert fast.state == "done" and fast.result.label == 1, fast.error
    finally:
        jobs.close()


def test_bad_input_in_a_job_is_a_swedish_error_on_the_job_page(index_dir, warm_jobs):
    client = TestClient(create_app(index_dir, TAXONOMY, jobs=warm_jobs), raise_server_exceptions=False)
    r = client.post("/klassificera", files={"file": ("trasig.pdf", b"%PDF-1.4 nothing more", "application/pdf")})
    for _ in range(600):
        if 'id="job"' not in r.text:
            break
        time.sleep(0.1)
        r = client.get(str(r.url))
    assert r.status_code == 400 and "PDF-filen går inte att läsa" in r.text and "/tmp/" not in r.text


def test_an_unknown_job_is_a_swedish_404(index_dir, warm_jobs):
    client = TestClient(create_app(index_dir, TAXONOMY, jobs=warm_jobs), raise_server_exceptions=False)
    r = client.get("/klassificera/jobb/finns-inte")
    assert r.status_code == 404 and "klassificeringen finns inte" in r.text and 'lang="sv"' in r.text
    r = client.get("/klassificera/jobb/finns-inte/status")
    assert r.status_code == 404 and r.json()["message"] == "klassificeringen finns inte (längre)"


def test_the_gate_lets_a_bounded_number_through_and_then_says_busy():
    gate = Gate(limit=1, wait=0.1)
    with gate.enter():
        with pytest.raises(Busy):
            with gate.enter():
                pass
    with gate.enter():  # free again
        pass


def test_serve_picks_up_a_newer_index_without_a_restart(mini, tmp_path):
    ingest([mini], tmp_path / "idx", HashEncoder(256))
    app = create_app(tmp_path / "idx", TAXONOMY)
    client = TestClient(app, raise_server_exceptions=False)
    try:
        r = client.get("/sok", params={"q": "vindkraftverk"})
        assert r.status_code == 200 and "Vindkraft i Testby" not in r.text
        scanner_index = weakref.ref(_scanner(app).index)
        (mini / "vind.md").write_text(
            "# Vindkraft i Testby\n\nKommunen planerar tre nya vindkraftverk vid kusten.\n", encoding="utf-8"
        )
        ingest([mini], tmp_path / "idx", HashEncoder(256))
        r = client.get("/sok", params={"q": "vindkraftverk"})
        assert r.status_code == 200 and "Vindkraft i Testby" in r.text
        assert "Vindkraft i Testby" in client.get("/kallor").text
        gc.collect()
        assert scanner_index() is None  # the old generation was let go (and its database closed)
    finally:
        app.state.jobs.close()


def _scanner(app):
    """The Scanner the app's routes share (found through a route's closure)."""
    from scan.web import Scanner

    for route in app.routes:
        for cell in getattr(getattr(route, "endpoint", None), "__closure__", None) or ():
            if isinstance(cell.cell_contents, Scanner):
                return cell.cell_contents
    raise AssertionError("no Scanner")


def test_a_newer_index_that_cannot_be_opened_is_skipped_and_the_old_one_kept(mini, tmp_path):
    ingest([mini], tmp_path / "idx", HashEncoder(256))
    app = create_app(tmp_path / "idx", TAXONOMY)
    client = TestClient(app, raise_server_exceptions=False)
    try:
        (tmp_path / "idx" / "gen-999999").mkdir()  # CURRENT points at a generation with nothing in it
        (tmp_path / "idx" / "CURRENT").write_text("gen-999999\n")
        r = client.get("/sok", params={"q": "rekrytera undersköterskor"})
        assert r.status_code == 200 and 'class="hit"' in r.text
    finally:
        app.state.jobs.close()


def test_searches_while_a_job_runs_do_not_share_a_thread_with_it(index_dir, warm_jobs):
    """The worker is its own process: the server's threads never run the classification."""
    names = {t.name for t in threading.enumerate()}
    assert "scan-jobs" in names  # the dispatcher only waits on a pipe
    assert warm_jobs._process is not None and warm_jobs._process.pid != __import__("os").getpid()


def test_a_job_queued_while_the_worker_starts_says_the_model_is_loading(index_dir, tmp_path):
    jobs = Jobs(index_dir, TAXONOMY, task="webslowstart:classify_upload")  # its worker takes 2 s to start
    try:
        jobs.start()  # as `scan serve` does: the worker loads the model at once
        assert _wait(lambda: jobs.loading, 60)
        job = jobs.submit("rapport.txt", *_upload(tmp_path, FAST))
        assert jobs.describe(job) == "i kö (klassificeringen förbereds)"
        assert _wait(lambda: not job.active, 300) and job.state == "done"
        assert jobs.describe(job) == "klar"
    finally:
        jobs.close()


def test_a_job_page_never_shows_a_result_beside_the_progress(index_dir, warm_jobs, tmp_path):
    """The dispatcher sets a job's result just before its state; a page rendered in between shows the
    progress only (a loaded machine once showed the chart under "Klassificerar …")."""
    from scan.webjobs import Job

    client = TestClient(create_app(index_dir, TAXONOMY, jobs=warm_jobs, job_wait=0), raise_server_exceptions=False)
    done = warm_jobs.submit("kort.txt", *_upload(tmp_path, FAST))
    assert _wait(lambda: not done.active, 300) and done.state == "done", done.error
    between = Job("mellan-resultat-och-tillstand", "kort.txt", tmp_path / "x", tmp_path / "x" / "upload.txt")
    between.state, between.result = "running", done.result  # as _finish leaves it for a moment
    warm_jobs._jobs[between.id] = between
    r = client.get(f"/klassificera/jobb/{between.id}")
    assert r.status_code == 200 and 'id="job"' in r.text and 'id="trendprofil"' not in r.text
    between.state = "done"
    r = client.get(f"/klassificera/jobb/{between.id}")
    assert 'id="job"' not in r.text and 'id="trendprofil"' in r.text

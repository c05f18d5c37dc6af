"""scan fetch against a local HTTP server on 127.0.0.1 that the tests start."""

import http.server
import json
import threading
import time

import pytest
from click.testing import CliRunner
from pdfgen import make_pdf

from scan.cli import main
from scan.fetch import fetch_sources

ETAG = '"v1"'
PDF = make_pdf([["Vägval för framtiden. " * 40], ["Trender för kommuner och regioner. " * 40]])


class Handler(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[float, str, str]] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.requests.append((time.monotonic(), self.path, self.headers.get("Range", "")))
        if self.path == "/rapport.pdf":
            start = 0
            if_range = self.headers.get("If-Range")
            if (rng := self.headers.get("Range")) and if_range in (None, ETAG):
                start = int(rng.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(PDF) - 1}/{len(PDF)}")
            else:
                self.send_response(200)
            body = PDF[start:]
            self.send_header("Content-Type", "application/pdf")
            self.send_header("ETag", ETAG)
        elif self.path == "/moved.pdf":
            self.send_response(200)
            body = b"<html><body>Sidan har flyttat</body></html>"
            self.send_header("Content-Type", "text/html; charset=utf-8")
        elif self.path == "/sida.html":
            self.send_response(200)
            body = b"<html><head><title>Styra med Agenda 2030</title></head><body><p>Text.</p></body></html>"
            self.send_header("Content-Type", "text/html; charset=utf-8")
        elif self.path == "/slow.pdf":
            time.sleep(1.5)
            self.send_response(200)
            body = PDF
            self.send_header("Content-Type", "application/pdf")
        else:
            self.send_response(404)
            body = b"not found"
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def sources(tmp_path, server):
    folder = tmp_path / "corpus"
    folder.mkdir()
    entries = [
        ("vff4", "/rapport.pdf"),
        ("flyttad", "/moved.pdf"),
        ("saknas", "/saknas.pdf"),
        ("agenda", "/sida.html"),
        ("utan-url", None),
    ]
    text = ""
    for source_id, path in entries:
        url = f"{server}{path}" if path else ""
        text += (
            f'[[source]]\nid = "{source_id}"\ntitle = "{source_id}"\npublisher = "SKR"\nyear = 2022\nurl = "{url}"\n\n'
        )
    (folder / "sources.toml").write_text(text, encoding="utf-8")
    return folder / "sources.toml"


def test_fetch_saves_files_records_checksums_and_reports_each_failure(sources, tmp_path):
    dest = tmp_path / "corpus" / "sources"
    results = {r.source_id: r for r in fetch_sources(sources, dest, delay=0)}
    assert results["vff4"].status == "fetched" and (dest / "vff4.pdf").read_bytes() == PDF
    assert results["agenda"].status == "fetched" and (dest / "agenda.html").exists()
    assert (
        results["flyttad"].status == "failed" and "not a PDF: the server sent text/html" in results["flyttad"].message
    )
    assert results["saknas"].status == "failed" and "HTTP 404" in results["saknas"].message
    assert results["utan-url"].status == "skipped"
    manifest = json.loads((dest / "fetched.json").read_text())
    assert set(manifest) == {"vff4", "agenda"}
    import hashlib

    assert manifest["vff4"]["sha256"] == hashlib.sha256(PDF).hexdigest() and manifest["vff4"]["bytes"] == len(PDF)
    assert not (dest / "flyttad.pdf").exists() and not (dest / "saknas.pdf").exists()  # nothing half-written
    assert list((dest / ".partial").iterdir()) == []


def test_a_second_run_skips_what_is_fetched(sources, tmp_path):
    dest = tmp_path / "corpus" / "sources"
    list(fetch_sources(sources, dest, delay=0, only=["vff4"]))
    Handler.requests.clear()
    results = list(fetch_sources(sources, dest, delay=0, only=["vff4"]))
    assert results[0].status == "unchanged" and Handler.requests == []


def test_an_interrupted_download_resumes_with_a_range_request(sources, tmp_path):
    dest = tmp_path / "corpus" / "sources"
    (dest / ".partial").mkdir(parents=True)
    (dest / ".partial" / "vff4.part").write_bytes(PDF[:500])
    url = sources.read_text().split('url = "')[1].split('"')[0]  # the first source's
    (dest / ".partial" / "vff4.json").write_text(json.dumps({"url": url, "etag": ETAG, "total": len(PDF)}))
    Handler.requests.clear()
    result = next(fetch_sources(sources, dest, delay=0, only=["vff4"]))
    assert result.status == "fetched" and (dest / "vff4.pdf").read_bytes() == PDF
    assert Handler.requests[0][2] == "bytes=500-"


def test_requests_to_one_host_are_spaced_by_the_delay(sources, tmp_path):
    delay = 0.4
    Handler.requests.clear()
    list(fetch_sources(sources, tmp_path / "out", delay=delay))
    times = [t for t, _, _ in Handler.requests]
    assert len(times) == 4
    gaps = [b - a for a, b in zip(times, times[1:])]
    # The fetcher sends `delay` apart by its own clock; the server sees arrivals, which a loaded machine
    # delays, and one late arrival shortens the next gap (seen: 0.61 s then 0.18 s). So the whole span is
    # bounded (three delays, less half a delay of lateness) and each gap loosely; requests sent without
    # waiting (a few ms apart) fail both.
    assert times[-1] - times[0] >= 3 * delay - delay / 2, gaps
    assert min(gaps) >= delay / 4, gaps


def test_a_timeout_is_reported_and_the_rest_goes_on(tmp_path, server):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "sources.toml").write_text(
        f'[[source]]\nid = "slow"\ntitle = "s"\nurl = "{server}/slow.pdf"\n\n'
        f'[[source]]\nid = "ok"\ntitle = "o"\nurl = "{server}/rapport.pdf"\n',
        encoding="utf-8",
    )
    results = {r.source_id: r for r in fetch_sources(folder / "sources.toml", folder / "out", delay=0, timeout=0.5)}
    assert results["slow"].status == "failed" and "timed out after 0.5 s" in results["slow"].message
    assert results["ok"].status == "fetched"


def test_fetched_files_are_ingested_with_their_source_metadata(sources, tmp_path):
    from scan.embed import HashEncoder
    from scan.ingest import ingest
    from scan.store import Index

    list(fetch_sources(sources, tmp_path / "corpus" / "sources", delay=0, only=["vff4"]))
    ingest([tmp_path / "corpus"], tmp_path / "idx", HashEncoder(64))
    doc = next(d for d in Index.open(tmp_path / "idx").documents() if d.doc_id == "sources/vff4.pdf")
    assert doc.metadata["publisher"] == "SKR" and doc.metadata["year"] == 2022


def test_cli_fetch_summary_and_exit_code(sources, tmp_path):
    result = CliRunner().invoke(
        main, ["fetch", "--sources", str(sources), "--dest", str(tmp_path / "d"), "--delay", "0"]
    )
    assert result.exit_code == 1
    assert "Fetched vff4" in result.stderr and "Failed saknas: HTTP 404" in result.stderr
    assert "2 fetched, 0 unchanged, 1 skipped, 2 failed" in result.stderr
    result = CliRunner().invoke(main, ["fetch", "--sources", str(sources), "--only", "nope"])
    assert result.exit_code == 1 and "valid ids: vff4, flyttad" in result.stderr

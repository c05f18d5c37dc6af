"""scan fetch against a hostile or broken server on 127.0.0.1: it never writes outside its
destination, never stores a cut, padded or spliced download as complete, resumes only what belongs
to the same URL and version, and gives up on slow or oversized downloads. Every case is bounded
(small bodies, sub-second drips, limits of a few seconds)."""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path

import pytest
from pdfgen import make_pdf

from scan.errors import ScanError
from scan.fetch import fetch_sources
from scan.sources import load_sources, safe_name

PDF = make_pdf([["Välfärdens finansiering. " * 60], ["Kompetensförsörjning i kommunerna. " * 60]])
ETAG = '"pdf-v2"'
HTML = b"<html><head><title>Sida</title></head><body><p>Text om tillit.</p></body></html>"


class Handler(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[str, str, str]] = []  # (path, Range, If-Range)

    def log_message(self, *args):
        pass

    def _send(self, code: int, body: bytes, ctype: str = "application/pdf", length: int | None = -1, **headers):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(len(body) if length == -1 else length))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        rng, if_range = self.headers.get("Range", ""), self.headers.get("If-Range", "")
        Handler.requests.append((self.path, rng, if_range))
        start = int(rng.removeprefix("bytes=").split("-")[0]) if rng else 0
        if self.path == "/ok.pdf":  # honours Range when If-Range matches its ETag
            if rng and if_range == ETAG:
                self._send(206, PDF[start:], ETag=ETAG, Content_Range=f"bytes {start}-{len(PDF) - 1}/{len(PDF)}")
            else:
                self._send(200, PDF, ETag=ETAG)
        elif self.path == "/cut-no-length.pdf":  # close-delimited body, cut half-way
            self._send(200, PDF[: len(PDF) // 2], length=None)
        elif self.path == "/short-length.pdf":  # Content-Length smaller than the body
            self._send(200, PDF, length=len(PDF) // 2)
        elif self.path == "/long-length.pdf":  # Content-Length larger than the body: connection closes early
            self._send(200, PDF[: len(PDF) // 2], length=len(PDF), ETag=ETAG)
        elif self.path == "/wrong-range.pdf":  # answers a Range request with the wrong Content-Range
            if rng:
                self._send(206, PDF, ETag=ETAG, Content_Range=f"bytes 0-{len(PDF) - 1}/{len(PDF)}")
            else:
                self._send(200, PDF, ETag=ETAG)
        elif self.path == "/drip.pdf":  # one byte every 0.4 s
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            for i in range(40):  # bounded: at most 16 s even if nobody hangs up
                try:
                    self.wfile.write(PDF[i : i + 1])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return
                time.sleep(0.4)
        elif self.path == "/big.pdf":  # announces 3 MB
            self._send(200, b"%PDF-" + b"0" * 3_000_000)
        elif self.path == "/big-no-length.pdf":  # 3 MB without a length
            self._send(200, b"%PDF-" + b"0" * 3_000_000, length=None)
        elif self.path == "/page.html":
            self._send(200, HTML, "text/html", length=None)
        elif self.path == "/cut-page.html":
            self._send(200, HTML[:40], "text/html", length=None)
        else:
            self._send(404, b"not found", "text/plain")


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def write_sources(folder: Path, entries: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(
        f'[[source]]\nid = {json.dumps(source_id)}\ntitle = "T"\npublisher = "SKR"\nyear = 2022\n'
        f"url = {json.dumps(url)}\n\n"
        for source_id, url in entries.items()
    )
    (folder / "sources.toml").write_text(text, encoding="utf-8")
    return folder / "sources.toml"


def fetch(sources: Path, dest: Path, **kw) -> dict:
    return {r.source_id: r for r in fetch_sources(sources, dest, delay=0, timeout=kw.pop("timeout", 5), **kw)}


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


# ---- never outside the destination ----------------------------------------------------------
def test_keys_are_sanitised_so_nothing_lands_outside_dest(server, tmp_path):
    absolute = str(tmp_path / "abs" / "x")
    keys = ["../../outside/escaped", absolute, "..", ".hidden", "a/b\\c"]
    sources = write_sources(tmp_path / "work" / "corpus", {k: f"{server}/ok.pdf" for k in keys})
    dest = tmp_path / "work" / "corpus" / "sources"
    results = fetch(sources, dest)
    assert all(r.status == "fetched" for r in results.values()), results
    for key in keys:
        path = Path(results[key].path)
        assert path.parent == dest and path.name == f"{safe_name(key)}.pdf" and not path.name.startswith(".")
        assert path.read_bytes() == PDF
    outside = files_under(tmp_path) - {f"work/corpus/{p}" for p in files_under(tmp_path / "work" / "corpus")}
    assert outside == set(), outside
    assert not (tmp_path / "abs").exists() and not (tmp_path / "outside").exists()
    # ingest finds the source's metadata under the sanitised name
    meta = load_sources(tmp_path / "work" / "corpus").document_metadata(f"sources/{safe_name(keys[0])}.pdf")
    assert meta["publisher"] == "SKR" and meta["year"] == 2022


def test_links_in_the_destination_are_replaced_never_written_through(server, tmp_path):
    sources = write_sources(tmp_path / "c", {"vff4": f"{server}/ok.pdf"})
    dest = tmp_path / "c" / "sources"
    (dest / ".partial").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for link in (dest / "vff4.pdf", dest / "fetched.json", dest / "fetched.json.tmp", dest / ".partial" / "vff4.part"):
        link.symlink_to(victim)
    assert fetch(sources, dest)["vff4"].status == "fetched"
    assert victim.read_text() == "keep me"
    assert not (dest / "vff4.pdf").is_symlink() and (dest / "vff4.pdf").read_bytes() == PDF
    assert not (dest / "fetched.json").is_symlink()


def test_a_partial_folder_that_is_a_link_is_refused(server, tmp_path):
    sources = write_sources(tmp_path / "c", {"vff4": f"{server}/ok.pdf"})
    dest = tmp_path / "c" / "sources"
    dest.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (dest / ".partial").symlink_to(elsewhere)
    with pytest.raises(ScanError, match="is a link or a file"):
        fetch(sources, dest)
    assert list(elsewhere.iterdir()) == []


# ---- complete only when complete ------------------------------------------------------------
@pytest.mark.parametrize(
    "path, reason",
    [
        ("/cut-no-length.pdf", "a cut-off PDF"),
        ("/short-length.pdf", "a cut-off PDF"),
        ("/long-length.pdf", "could not fetch"),
        ("/cut-page.html", "the server gave no length"),
    ],
)
def test_a_cut_download_is_never_stored_as_complete(path, reason, server, tmp_path):
    sources = write_sources(tmp_path / "c", {"doc": f"{server}{path}"})
    dest = tmp_path / "c" / "sources"
    for _ in range(2):  # and the next run does not call it "unchanged"
        result = fetch(sources, dest)["doc"]
        assert result.status == "failed" and reason in result.message, result.message
        assert not (dest / "doc.pdf").exists() and not (dest / "doc.html").exists()
        assert not (dest / "fetched.json").exists()


def test_a_whole_page_without_a_length_is_fetched(server, tmp_path):
    sources = write_sources(tmp_path / "c", {"sida": f"{server}/page.html"})
    result = fetch(sources, tmp_path / "c" / "sources")["sida"]
    assert result.status == "fetched" and Path(result.path).read_bytes() == HTML


# ---- resuming -------------------------------------------------------------------------------
def _partial(dest: Path, name: str, data: bytes, **state) -> None:
    (dest / ".partial").mkdir(parents=True, exist_ok=True)
    (dest / ".partial" / f"{name}.part").write_bytes(data)
    if state:
        (dest / ".partial" / f"{name}.json").write_text(json.dumps(state))


def test_a_partial_of_the_same_url_and_version_is_resumed(server, tmp_path):
    url = f"{server}/ok.pdf"
    sources = write_sources(tmp_path / "c", {"vff4": url})
    dest = tmp_path / "c" / "sources"
    _partial(dest, "vff4", PDF[:700], url=url, etag=ETAG, total=len(PDF))
    Handler.requests.clear()
    result = fetch(sources, dest)["vff4"]
    assert result.status == "fetched" and (dest / "vff4.pdf").read_bytes() == PDF
    assert Handler.requests == [("/ok.pdf", "bytes=700-", ETAG)]


@pytest.mark.parametrize(
    "state",
    [
        {"url": "http://127.0.0.1:1/other.pdf", "etag": ETAG, "total": len(PDF)},  # another URL's partial
        {},  # no record of its URL
        {"url": "SAME", "etag": "", "last_modified": ""},  # no validator to check the version
    ],
)
def test_a_stale_partial_is_discarded_not_spliced(state, server, tmp_path):
    url = f"{server}/ok.pdf"
    sources = write_sources(tmp_path / "c", {"vff4": url})
    dest = tmp_path / "c" / "sources"
    if state.get("url") == "SAME":
        state["url"] = url
    _partial(dest, "vff4", b"%PDF-1.4 another document entirely " * 30, **state)
    Handler.requests.clear()
    result = fetch(sources, dest)["vff4"]
    assert result.status == "fetched" and (dest / "vff4.pdf").read_bytes() == PDF
    assert Handler.requests == [("/ok.pdf", "", "")]


def test_a_changed_document_is_fetched_whole(server, tmp_path):
    url = f"{server}/ok.pdf"
    sources = write_sources(tmp_path / "c", {"vff4": url})
    dest = tmp_path / "c" / "sources"
    _partial(dest, "vff4", b"%PDF-1.4 the old version " * 30, url=url, etag='"old"', total=9999)
    Handler.requests.clear()
    result = fetch(sources, dest)["vff4"]
    assert result.status == "fetched" and (dest / "vff4.pdf").read_bytes() == PDF
    assert Handler.requests == [("/ok.pdf", "bytes=750-", '"old"')]  # asked; the server sent it whole


def test_a_206_with_the_wrong_content_range_is_not_appended(server, tmp_path):
    url = f"{server}/wrong-range.pdf"
    sources = write_sources(tmp_path / "c", {"doc": url})
    dest = tmp_path / "c" / "sources"
    _partial(dest, "doc", PDF[:600], url=url, etag=ETAG, total=len(PDF))
    Handler.requests.clear()
    result = fetch(sources, dest)["doc"]
    assert result.status == "fetched" and (dest / "doc.pdf").read_bytes() == PDF
    assert [r[1] for r in Handler.requests] == ["bytes=600-", ""]  # refused the 206, fetched afresh


# ---- limits ---------------------------------------------------------------------------------
def test_a_slow_drip_hits_the_overall_time_limit(server, tmp_path):
    sources = write_sources(tmp_path / "c", {"drip": f"{server}/drip.pdf", "vff4": f"{server}/ok.pdf"})
    started = time.monotonic()
    results = fetch(sources, tmp_path / "c" / "sources", timeout=3, max_seconds=1.5)
    assert time.monotonic() - started < 6
    assert results["drip"].status == "failed" and "took longer than 1.5 s" in results["drip"].message
    assert results["vff4"].status == "fetched"


@pytest.mark.parametrize("path", ["/big.pdf", "/big-no-length.pdf"])
def test_a_source_over_the_size_limit_is_refused(path, server, tmp_path):
    sources = write_sources(tmp_path / "c", {"big": f"{server}{path}"})
    dest = tmp_path / "c" / "sources"
    result = fetch(sources, dest, max_bytes=1024 * 1024)["big"]
    assert result.status == "failed" and "over the limit of 1 MB per source" in result.message
    assert files_under(dest) == set()

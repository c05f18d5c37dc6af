"""The web page's guards: security headers and CSP, Swedish error pages, uploads cut off at the limit."""

import base64
import hashlib
import re

import anyio
import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.web import create_app

TAXONOMY = FIXTURES / "mini-trends.toml"


@pytest.fixture
def app(mini, tmp_path):
    ingest([mini], tmp_path / "idx", HashEncoder(256))
    return create_app(tmp_path / "idx", TAXONOMY, max_upload_mb=1)


@pytest.fixture
def client(app):
    return TestClient(app, raise_server_exceptions=False)


def _csp(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in (p.strip() for p in policy.split(";")) if part}


def _assert_guarded(response):
    h = response.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    csp = _csp(response)
    assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'none'" and csp["form-action"] == "'self'"
    assert "unsafe-inline" not in csp["script-src"] and "'self'" not in csp["script-src"]


def test_every_response_carries_the_security_headers(client, monkeypatch):
    for path in ("/sok?q=tillit", "/klassificera", "/citat", "/kallor", "/finns-inte", "/sok?k=abc"):
        _assert_guarded(client.get(path))
    _assert_guarded(client.get("/", follow_redirects=False))
    _assert_guarded(client.post("/sok"))

    def boom(*args, **kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr("scan.crosslingual.dense_candidates", boom)
    r = client.get("/sok", params={"q": "tillit"})
    assert r.status_code == 500
    _assert_guarded(r)


def test_the_inline_script_is_allowed_by_its_hash_and_nothing_else(client):
    r = client.get("/citat", params={"claim": "kommunen har svårt att rekrytera undersköterskor"})
    scripts = re.findall(r"<script>(.*?)</script>", r.text, flags=re.S)
    assert len(scripts) == 1 and "copy-md" in scripts[0]
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert _csp(r)["script-src"] == f"'sha256-{digest}'"
    assert " on" + "click=" not in r.text and "javascript:" not in r.text  # no inline handlers the CSP would block


@pytest.mark.parametrize(
    "method, path, status, words",
    [
        ("get", "/finns-inte", 404, "det finns ingen sida med den adressen"),
        ("post", "/sok", 405, "tar inte emot den sortens begäran"),
        ("delete", "/klassificera", 405, "tar inte emot den sortens begäran"),
        ("get", "/sok?q=tillit&k=abc", 422, "värdet för ”k” måste vara ett heltal"),
    ],
)
def test_error_statuses_are_swedish_pages_not_json(client, method, path, status, words):
    r = getattr(client, method)(path)
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert words in r.text and 'lang="sv"' in r.text and 'role="alert"' in r.text
    assert '"detail"' not in r.text and "Not Found" not in r.text and "Input should be" not in r.text
    if status == 405:
        assert "GET" in r.headers["allow"]


def test_an_unexpected_error_is_a_swedish_500_page(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr("scan.store.Index.documents", boom)
    r = client.get("/kallor")
    assert r.status_code == 500 and "något gick fel i scan" in r.text and 'lang="sv"' in r.text
    assert "internal detail" not in r.text and "Traceback" not in r.text


def test_an_upload_over_the_limit_with_content_length_is_a_swedish_413(client):
    r = client.post("/klassificera", files={"file": ("stor.txt", b"Kommunen rekryterar. " * 60_000, "text/plain")})
    assert r.status_code == 413 and "större än 1 MB" in r.text and 'lang="sv"' in r.text


def _drive(app, scope, chunks):
    """Run the ASGI app on one request whose body comes from `chunks`; count what it pulled."""
    pulled = 0
    sent: list[dict] = []
    it = iter(chunks)

    async def receive():
        nonlocal pulled
        try:
            chunk = next(it)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    anyio.run(app, scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
    return status, body, pulled


def test_a_chunked_upload_is_refused_once_past_the_limit_without_reading_it_all(app):
    boundary = "scanboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="stor.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    chunk = b"Kommunen rekryterar. " * 3000  # 63 kB
    total = 50 * 1024 * 1024  # 50 MB offered, no Content-Length

    def body():
        yield head
        for _ in range(total // len(chunk)):
            yield chunk

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/klassificera",
        "raw_path": b"/klassificera",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    status, text, pulled = _drive(app, scope, body())
    assert status == 413 and "större än 1 MB" in text
    assert pulled < 1024 * 1024 + 64 * 1024 + 2 * len(chunk)  # stopped at the limit, not at 50 MB


def test_a_real_server_cuts_off_a_huge_chunked_upload(app):
    """Over a socket: the client's 200 MB stop going through soon after the limit (the 413 closes the connection)."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    sent, answer = 0, b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(
                b"POST /klassificera HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=xx\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            part = b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
            piece = b"a" * 65536
            try:
                conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                while sent < 200 * 1024 * 1024:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                    sent += len(piece)
            except OSError:  # reset by the server: it stopped reading
                pass
            try:
                answer = conn.recv(64)
            except OSError:
                pass
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert sent < 50 * 1024 * 1024, f"the server took {sent // 2**20} MB of a 1 MB limit"
    assert not answer or answer.startswith(b"HTTP/1.1 413")

"""What the browser tests share: Debian's chromium driven by Playwright, and a live scan server.

Each browser test file builds its own small index and app, then `live_server(app)` runs it on a free
port in a thread and `launch_browser()` gives one headless chromium for the module.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("chromium"), reason="chromium is not installed (apt-get install chromium)"),
]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve `app` on a free local port for the duration of the block; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@contextmanager
def mini_server(root: Path, add: Callable[[Path], None] | None = None, jobs: bool = True) -> Iterator[str]:
    """The mini fixture corpus copied into `root`, plus what `add(corpus)` writes there, ingested
    with the hash encoder into `root/idx` and served live (classification jobs through the slow
    test task when `jobs`); yields the base URL."""
    from conftest import FIXTURES

    from scan.embed import HashEncoder
    from scan.ingest import ingest
    from scan.web import create_app
    from scan.webjobs import Jobs

    corpus = root / "mini"
    shutil.copytree(FIXTURES / "mini", corpus)
    if add is not None:
        add(corpus)
    ingest([corpus], root / "idx", HashEncoder(256))
    taxonomy = FIXTURES / "mini-trends.toml"
    extra = {"jobs": Jobs(root / "idx", taxonomy, task="webslow:slow_classify")} if jobs else {}
    with live_server(create_app(root / "idx", taxonomy, **extra)) as base:
        yield base


def launch_browser():
    """A headless chromium for a module-scoped fixture (`yield from launch_browser()`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()

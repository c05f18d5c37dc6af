"""The support marks of one claim as every surface shows them: `scan quotes --json`, the text of
`scan quotes`, `/api/quotes` and the `/citat` page, over a small index of one Markdown document
built with the test-only hash encoder. Used by the tests that check the surfaces agree."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

WORDS = {"supports": "stöder", "mentions": "nämner", "counters": "kan motsäga"}


@dataclass
class Shown:
    marks: dict[str, str]  # quote text -> mark, from `scan quotes --json`
    text: str  # stdout of `scan quotes` (text)
    stderr: str  # stderr of `scan quotes` (text): the summary line
    api: dict[str, str]  # quote text -> mark, from /api/quotes
    page: str  # the /citat page

    def block(self, word: str) -> str:
        """The quote of the text output that contains `word`."""
        return next(b for b in self.text.split("\n\n") if word in b)

    def article(self, word: str) -> str:
        """The quote of the page that contains `word`."""
        return next(a for a in re.split(r'<article class="quote">', self.page)[1:] if word in a)


def shown_everywhere(tmp_path: Path, monkeypatch, name: str, doc: str, claim: str, k: int = 3) -> Shown:
    from click.testing import CliRunner
    from conftest import FIXTURES
    from fastapi.testclient import TestClient

    from scan.cli import main
    from scan.web import create_app

    monkeypatch.setenv("SCAN_MODEL", "hash")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / name).write_text(doc, encoding="utf-8")
    idx = tmp_path / "idx"
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(tmp_path / "docs"), "--index", str(idx)]).exit_code == 0
    out = runner.invoke(main, ["quotes", claim, "--index", str(idx), "--json", "-k", str(k)])
    assert out.exit_code == 0, out.output
    marks = {q["text"]: q["support"] for q in map(json.loads, out.stdout.splitlines())}
    shown = runner.invoke(main, ["quotes", claim, "--index", str(idx), "-k", str(k)])
    assert shown.exit_code == 0, shown.output
    app = create_app(idx, FIXTURES / "mini-trends.toml")
    try:
        client = TestClient(app)
        api = client.get("/api/quotes", params={"claim": claim, "k": k}).json()
        page = client.get("/citat", params={"claim": claim}).text
    finally:
        app.state.jobs.close()
    return Shown(marks, shown.stdout, shown.stderr, {q["text"]: q["support"] for q in api["quotes"]}, page)

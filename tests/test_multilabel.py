"""A report on several trends: the CLI text, --json, the HTML report and the web page list the
same trends, each with its evidence."""

from __future__ import annotations

import json
import re
import time

from click.testing import CliRunner
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.cli import main

TAXONOMY = FIXTURES / "mini-trends.toml"
SKILLS = "Kommunen måste rekrytera undersköterskor och lärare och utbilda medarbetare. "
TRUST = "Tilliten mellan människor minskar och segregationen ökar bland unga. "
REPORT = f"# Rapport\n\n## Personal\n\n{SKILLS * 12}\n\n## Samhället\n\n{TRUST * 12}\n"


def test_cli_json_report_and_web_page_list_the_same_trends_with_evidence(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    runner = CliRunner()
    idx = str(tmp_path / "idx")
    runner.invoke(main, ["ingest", str(mini), "--index", idx], catch_exceptions=False)
    path = tmp_path / "rapport.md"
    path.write_text(REPORT, encoding="utf-8")
    html_path = tmp_path / "rapport.html"
    args = ["classify", str(path), "--trends", str(TAXONOMY), "--index", idx]
    data = json.loads(runner.invoke(main, [*args, "--json", "--report", str(html_path)]).stdout.splitlines()[0])
    text = runner.invoke(main, args, catch_exceptions=False).stdout
    labels = data["labels"]
    assert labels == [1, 2] or labels == [2, 1]
    assert all(data["evidence"][str(t)] for t in labels) and 0 < data["confidence"] <= 1
    assert set(data["presence"]) == {"1", "2"}
    # CLI text: the listed trends are starred, each has its evidence line
    assert {int(m) for m in re.findall(r"^  \* +(\d+) ", text, re.M)} == set(labels)
    assert all(f"evidence for {t} (" in text for t in labels)
    html = html_path.read_text(encoding="utf-8")
    assert {int(m) for m in re.findall(r"Belägg för (\d+)\.", html)} == set(labels)
    assert "säkerhet" in html and "Talar också om" in html

    from scan.web import create_app

    app = create_app(tmp_path / "idx", TAXONOMY)
    try:
        client = TestClient(app, raise_server_exceptions=False)
        r = client.post("/klassificera", data={"text": path.read_text(encoding="utf-8")})
        deadline = time.monotonic() + 120
        while 'id="job"' in r.text and time.monotonic() < deadline:
            time.sleep(0.1)
            r = client.get(str(r.url))
        assert r.status_code == 200
        assert {int(m) for m in re.findall(r"Belägg för (\d+)\.", r.text)} == set(labels)
        # the verdict agrees: a main trend, or (two equal halves) no single main trend and the larger
        if data["several"]:
            assert "Ingen enskild huvudtrend" in r.text and "Ingen enskild huvudtrend" in html
            main_trend = re.search(r"Störst andel: (\d+)\.", r.text)
            assert f"no single main trend (largest: {data['label']}." in text
        else:
            main_trend = re.search(r"Huvudtrend: <strong>(\d+)\.", r.text)
            assert f"label: {data['label']}." in text
        assert main_trend and int(main_trend.group(1)) == data["label"]
        assert r.text.count("<blockquote>") >= len(labels)
    finally:
        app.state.jobs.close()

"""What a new user's probe of scan found (notes: probe.md): one test per fix."""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.embed import HashEncoder
from scan.errors import ScanError
from scan.ingest import ingest
from scan.types import Filters


def test_kind_filter_takes_the_kind_scan_info_shows_and_lists_it_when_refused(index):
    """`scan info` shows a document's file format as its kind ([pdf, …]); --kind takes that as well as
    the document type from sources.toml, and a refusal lists both."""
    docs = {d.doc_id: d for d in index.documents()}
    assert {d.kind for d in docs.values()} == {"markdown", "text"}

    def chosen(kind: str) -> set[str]:
        ids = ",".join(map(str, index.filter_ids(Filters(kind=kind))))
        return {row[0] for row in index.db.execute(f"SELECT DISTINCT doc_id FROM passages WHERE id IN ({ids})")}

    assert chosen("text") == {"parkering.txt"}
    assert chosen("Markdown") == {"analys.md"}  # as info shows it, in any case
    assert chosen("analysis") == {"analys.md"}  # the type from sources.toml
    with pytest.raises(ScanError) as refused:
        index.filter_ids(Filters(kind="pdf"))
    assert refused.value.hint == "valid values: analysis, markdown, notice, text"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from scan.web import create_app

    root = tmp_path_factory.mktemp("probe")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", FIXTURES / "mini-trends.toml")
    yield TestClient(app, raise_server_exceptions=False)
    app.state.jobs.close()


def test_the_sources_page_gives_each_document_kind_in_swedish(client):
    kallor = client.get("/kallor").text
    assert "<td>analys</td>" in kallor and "<td>meddelande</td>" in kallor
    assert "<td>analysis</td>" not in kallor and "<td>notice</td>" not in kallor

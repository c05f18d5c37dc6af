"""The web's context pages (scan.webdocs): the document page, the original file, Fler liknande, and
the links to them from hits, quotes, evidence and Källor."""

import re
import shutil
import time
from html import unescape

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient
from pdfgen import write_pdf

from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.web import create_app

TAXONOMY = FIXTURES / "mini-trends.toml"
FILLER = [f"Mening {i} om kommunens planering av vatten och vägar." for i in range(6)]
PDF_PAGES = [
    ["Förord och innehåll.", *FILLER],
    ["Klimatanpassning av vägar och dagvatten i kommunen.", *FILLER],
    ["Slutord om planen.", *FILLER],
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("webdocs")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    write_pdf(root / "mini" / "plan.pdf", PDF_PAGES, page_labels_start=12)
    (root / "mini" / "sida.html").write_text(
        "<html><head><title>Sida</title><script>alert(1)</script></head><body><p>Kommunen planerar nya "
        "cykelvägar längs ån.</p></body></html>",
        encoding="utf-8",
    )
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", TAXONOMY, max_upload_mb=1)
    yield app, root
    app.state.jobs.close()


@pytest.fixture
def client(served):
    return TestClient(served[0], raise_server_exceptions=False)


def links(html: str, cls: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a class="{cls}" href="([^"]+)"', html)]


def test_document_page_shows_text_headings_pages_and_the_marked_passage(client):
    r = client.get("/dokument/analys.md", params={"passage": 1})
    assert r.status_code == 200
    html = r.text
    assert "<h1>Omvärldsanalys för Testby</h1>" in html and "Testby kommun · 2024" in html
    assert '<div class="page-marker" id="s-4">s. 4</div>' in html and "<h2>Kompetensförsörjning</h2>" in html
    assert "<h3>Digitalisering i vården</h3>" in html
    assert all(f'<span id="p-{n}"></span>' in html for n in range(5))
    marked = re.findall(r'<mark class="current">(.*?)</mark>', html, re.S)
    assert marked[0].startswith("Kommunen har svårt att rekrytera") and marked[-1].endswith("vid intervjuer.")
    assert '<span id="p-1"></span><mark class="current">' in html  # the anchor the link scrolls to
    assert "Markerat stycke:</strong> Omvärldsanalys för Testby · Testby kommun · 2024 · s. 4–5" in html
    plain = client.get("/dokument/analys.md").text
    assert "<mark" not in plain.split("<article")[1] and "Markerat stycke" not in plain


def test_document_page_marks_a_quote_exactly(client):
    r = client.get("/dokument/analys.md", params={"passage": 1, "start": 97, "end": 183})
    marked = re.findall(r'<mark class="current">(.*?)</mark>', r.text, re.S)
    assert marked == ["Kommunen har svårt att rekrytera undersköterskor och lärare, t.ex. till äldreomsorgen."]


def test_unknown_documents_and_passages_get_swedish_404s(client):
    r = client.get("/dokument/saknas.md")
    assert r.status_code == 404 and "det finns inget dokument ”saknas.md” i indexet" in r.text
    r = client.get("/dokument/analys.md", params={"passage": "99"})
    assert r.status_code == 200 and "Markerat stycke" not in r.text  # a stale link still shows the document
    r = client.get("/liknande", params={"doc": "analys.md", "passage": "99"})
    assert r.status_code == 404 and "har inget stycke 99" in r.text
    for address in ("/dokument", "/dokument/"):  # no id: the list of documents
        r = client.get(address, follow_redirects=False)
        assert r.status_code == 307 and r.headers["location"] == "/kallor"


def test_original_files_with_their_content_type(client, served):
    root = served[1]
    r = client.get("/dokument/analys.md/fil")
    assert r.status_code == 200 and r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.content == (root / "mini" / "analys.md").read_bytes()
    assert r.headers["content-disposition"].startswith("inline")
    r = client.get("/dokument/plan.pdf/fil")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    r = client.get("/dokument/sida.html/fil")  # a stored web page is shown sandboxed: its scripts never run here
    assert r.status_code == 200 and r.headers["content-security-policy"].startswith("sandbox")


@pytest.mark.parametrize(
    "address",
    [
        "/dokument/../../../../etc/passwd/fil",
        "/dokument/..%2F..%2F..%2F..%2Fetc%2Fpasswd/fil",
        "/dokument/%2Fetc%2Fpasswd/fil",
        "/dokument//etc/passwd/fil",
        "/dokument/mini/analys.md/fil",
        "/dokument/analys.md/../sources.toml/fil",
        "/dokument/sources.toml/fil",
        "/dokument/analys.md/fil/fil",
    ],
)
def test_only_indexed_files_are_served(client, address):
    r = client.get(address)
    assert r.status_code == 404, address
    assert "root:" not in r.text and "[documents" not in r.text and "# Omvärldsanalys" not in r.text


def test_pdf_hits_link_to_their_page_in_the_file(client):
    r = client.get("/sok", params={"q": "planering av vatten och vägar", "k": 20})
    pdf_links = [h for h in links(r.text, "to-file") if h.startswith("/dokument/plan.pdf/fil")]
    assert pdf_links and all(re.fullmatch(r"/dokument/plan\.pdf/fil#page=[123]", h) for h in pdf_links)
    page = client.get("/dokument/plan.pdf", params={"passage": 1})
    assert '<a class="to-file" href="/dokument/plan.pdf/fil#page=2">Öppna PDF:en på sidan</a>' in page.text
    assert '<a href="/dokument/plan.pdf/fil#page=2">s. 13</a>' in page.text  # page markers open the PDF there


def test_hits_quotes_and_sources_link_to_the_document_page(client):
    r = client.get("/sok", params={"q": "rekrytera undersköterskor"})
    docs = links(r.text, "to-document")
    assert "/dokument/analys.md?passage=1#p-1" in docs
    assert "/liknande?doc=analys.md&passage=1" in links(r.text, "to-similar")
    assert len(docs) == r.text.count('class="hit"')
    r = client.get("/citat", params={"claim": "kommunen har svårt att rekrytera undersköterskor"})
    quotes = links(r.text, "to-document")
    assert quotes and len(quotes) == r.text.count('class="quote"')
    first = re.match(r"/dokument/analys\.md\?passage=(\d+)&start=(\d+)&end=(\d+)#p-\1$", quotes[0])
    assert first, quotes[0]
    page = client.get(quotes[0].split("#")[0])
    quote = unescape(re.search(r"<blockquote>”(.*?)”</blockquote>", r.text, re.S).group(1))
    assert unescape(re.findall(r'<mark class="current">(.*?)</mark>', page.text, re.S)[0]) == quote
    r = client.get("/kallor")
    assert '<a href="/dokument/analys.md">Omvärldsanalys för Testby</a>' in r.text
    assert '<a href="/dokument/plan.pdf">' in r.text


def test_more_like_this_page(client):
    r = client.get("/liknande", params={"doc": "analys.md", "passage": 2})
    assert r.status_code == 200 and "<h1>Fler liknande</h1>" in r.text
    assert "Välfärdsteknik och robotar" in r.text.split("<h2>")[0]  # the passage it started from
    shown = links(r.text.split("<h2>")[1], "to-document")
    assert shown and not {"/dokument/analys.md?passage=1#p-1", "/dokument/analys.md?passage=2#p-2"} & set(shown)
    assert "/dokument/analys.md?passage=3#p-3" not in shown  # the neighbours are left out
    scores = [float(s.replace(",", ".")) for s in re.findall(r"likhet (-?\d+,\d+)", r.text)]
    assert scores == sorted(scores, reverse=True) and len(scores) == len(shown)


def test_missing_and_changed_files_get_a_swedish_message_not_a_500(client, served):
    root = served[1]
    original = (root / "mini" / "parkering.txt").read_bytes()
    try:
        (root / "mini" / "parkering.txt").unlink()
        r = client.get("/dokument/parkering.txt/fil")
        assert r.status_code == 404 and "finns inte längre där den låg när den lästes in" in r.text
        assert "scan ingest" in r.text
        (root / "mini" / "parkering.txt").write_bytes(original + b"\nNy rad.\n")
        r = client.get("/dokument/parkering.txt/fil")
        assert r.status_code == 409 and "har ändrats sedan den lästes in" in r.text
        assert "Parkeringsavgifter" in client.get("/dokument/parkering.txt").text  # the text is still there
    finally:
        (root / "mini" / "parkering.txt").write_bytes(original)
    assert client.get("/dokument/parkering.txt/fil").status_code == 200


def test_evidence_of_an_indexed_file_links_to_its_passages(client, served):
    data = (served[1] / "mini" / "analys.md").read_bytes()
    r = client.post("/klassificera", files={"file": ("analys.md", data, "text/markdown")})
    deadline = time.monotonic() + 120
    while 'id="job"' in r.text and time.monotonic() < deadline:
        time.sleep(0.1)
        r = client.get(str(r.url))
    assert r.status_code == 200 and "Belägg för" in r.text
    evidence = links(r.text, "to-document")
    assert evidence and all(
        re.match(r"/dokument/analys\.md\?passage=\d+&start=\d+&end=\d+#p-\d+$", h) for h in evidence
    )
    other = client.post("/klassificera", data={"text": "Kommunen har svårt att rekrytera undersköterskor och lärare."})
    while 'id="job"' in other.text and time.monotonic() < deadline:
        time.sleep(0.1)
        other = client.get(str(other.url))
    assert "Belägg för" in other.text and not links(other.text, "to-document")  # pasted text: nothing to link to


def test_a_long_document_renders_whole_with_every_anchor(tmp_path):
    folder = tmp_path / "lang"
    folder.mkdir()
    chapters = []
    for c in range(150):
        paragraphs = "\n\n".join(
            f"Stycke {c}-{i}: kommunen arbetar med omställning, kompetens och klimat i avsnitt {c}. " * 4
            for i in range(8)
        )
        chapters.append(f"## Kapitel {c}\n\n{paragraphs}")
    (folder / "lang.md").write_text("# Lång rapport\n\n" + "\n\n".join(chapters), encoding="utf-8")
    ingest([folder], tmp_path / "idx", HashEncoder(64))
    app = create_app(tmp_path / "idx", TAXONOMY)
    try:
        client = TestClient(app)
        from scan.store import Index

        index = Index.open(tmp_path / "idx")
        n = index.document("lang.md").passages
        last = index.passages_of("lang.md", n - 1, n - 1)[0][1]
        index.close()
        r = client.get("/dokument/lang.md", params={"passage": n - 1})
        assert r.status_code == 200 and n > 500
        assert len(re.findall(r'<span id="p-\d+"></span>', r.text)) == n
        assert len(re.findall(r"<h[23]>Kapitel \d+</h[23]>", r.text)) == 150
        marked = re.findall(r'<mark class="current">(.*?)</mark>', r.text, re.S)
        assert " ".join(" ".join(marked).split()) == " ".join(last.text.split())
    finally:
        app.state.jobs.close()


def test_document_ids_with_folders_spaces_and_swedish_letters(tmp_path):
    from urllib.parse import unquote

    folder = tmp_path / "bib"
    (folder / "rapporter 2024").mkdir(parents=True)
    (folder / "rapporter 2024" / "Klimatplan för Åre #2.md").write_text(
        "# Klimatplan för Åre\n\nKommunen minskar utsläppen från transporter och bygger fler laddstolpar.\n",
        encoding="utf-8",
    )
    ingest([folder], tmp_path / "idx", HashEncoder(64))
    app = create_app(tmp_path / "idx", TAXONOMY)
    try:
        client = TestClient(app)
        r = client.get("/sok", params={"q": "utsläpp transporter laddstolpar"})
        doc_link = links(r.text, "to-document")[0]
        assert doc_link.startswith("/dokument/rapporter%202024/Klimatplan%20f%C3%B6r%20%C3%85re%20%232.md?passage=0")
        page = client.get(doc_link.split("#")[0])
        assert page.status_code == 200 and "<h1>Klimatplan för Åre</h1>" in page.text
        file_link = re.search(r'<a class="to-file" href="([^"#]+)"', page.text).group(1)
        assert unquote(file_link) == "/dokument/rapporter 2024/Klimatplan för Åre #2.md/fil"
        assert client.get(file_link).content.startswith(b"# Klimatplan")
        similar = links(r.text, "to-similar")[0]
        assert client.get(similar).status_code == 200
    finally:
        app.state.jobs.close()


def test_a_quote_on_a_later_page_than_its_passage_opens_the_pdf_at_its_own_page(client):
    from scan.store import Index

    index = Index.open(client.app.state.jobs.index_dir)
    try:
        passage = next(p for _, p in index.passages_of("plan.pdf") if p.page_end and p.page_end > p.page)
        start = next(s for s, _, _, page in index.sections_of("plan.pdf") if page == passage.page_end)
    finally:
        index.close()
    assert passage.start < start < passage.end  # a stretch of the passage on its next page
    r = client.get("/dokument/plan.pdf", params={"passage": passage.seq, "start": start, "end": start + 6})
    assert "Markerat citat:" in r.text
    physical = passage.physical_page + passage.page_end - passage.page
    assert f'<a class="to-file" href="/dokument/plan.pdf/fil#page={physical}">Öppna PDF:en på sidan</a>' in r.text
    r = client.get("/dokument/plan.pdf", params={"passage": passage.seq})
    assert "Markerat stycke:" in r.text
    assert f'href="/dokument/plan.pdf/fil#page={passage.physical_page}">Öppna PDF:en på sidan' in r.text

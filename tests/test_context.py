"""Context for a finding (scan.context, scan.docview) and `scan show`: on the mini corpus with the hash encoder."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from pdfgen import write_pdf

from scan import context, docview
from scan.cli import main
from scan.embed import HashEncoder
from scan.errors import ScanError
from scan.ingest import ingest
from scan.store import Index

TABLE_DOC = """# Budget

Kommunens budget för äldreomsorgen ökar nästa år, och fler undersköterskor anställs.

| Post | 2024 | 2025 |
|------|------|------|
| Äldreomsorg | 100 | 120 |
| Skola | 200 | 210 |
| Undersköterskor | 40 | 55 |

Rekryteringen av undersköterskor till äldreomsorgen är svår i hela regionen.
"""


FILLER = [f"Mening {i} om kommunens planering av vatten och vägar." for i in range(6)]
PDF_PAGES = [
    ["Förord och innehåll.", *FILLER],
    ["Klimatanpassning av vägar och dagvatten i kommunen.", *FILLER],
    ["Slutord om planen.", *FILLER],
]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


# ---- ids -------------------------------------------------------------------------------------
def test_resolve_documents_passages_and_unknown_ids(index):
    doc = context.resolve(index, "analys.md")
    assert (doc.doc.doc_id, doc.seq, doc.passage_id) == ("analys.md", None, None)
    passage = context.resolve(index, " analys.md#3 ")
    assert (passage.doc.title, passage.seq, passage.passage_id) == ("Omvärldsanalys för Testby", 3, "analys.md#3")
    with pytest.raises(ScanError, match="no passage 99 .*numbered 0 to 4"):
        context.resolve(index, "analys.md#99")
    with pytest.raises(ScanError, match="no document or passage 'saknas.md#1'"):
        context.resolve(index, "saknas.md#1")
    with pytest.raises(ScanError, match="no document or passage"):
        context.resolve(index, "analys.md#x")


def test_passage_ids_from_search_and_quotes_resolve_to_their_passage(index, encoder):
    from scan.quotes import find_quotes
    from scan.search import search

    hit = search(index, encoder, "rekrytera undersköterskor", k=1)[0]
    target = context.resolve(index, hit.to_json()["passage_id"])
    assert index.passages_of(target.doc.doc_id, target.seq, target.seq)[0][1] == hit.passage
    quote = find_quotes(index, encoder, "kommunen har svårt att rekrytera undersköterskor", k=1)[0]
    target = context.resolve(index, quote.to_json()["passage_id"])
    p = index.passages_of(target.doc.doc_id, target.seq, target.seq)[0][1]
    assert p.start <= quote.citation.start < quote.citation.end <= p.end  # the quote lies in that passage


# ---- neighbours and outline --------------------------------------------------------------------
def test_passage_context_gives_the_neighbours_in_order(index):
    seqs = lambda ident, n: [p.seq for p in context.passage_context(index, context.resolve(index, ident), n)]  # noqa: E731
    assert seqs("analys.md#2", 1) == [1, 2, 3]
    assert seqs("analys.md#0", 1) == [0, 1]  # no passage before the first
    assert seqs("analys.md#4", 2) == [2, 3, 4]
    assert seqs("analys.md#2", 0) == [2]
    with pytest.raises(ScanError, match="--context must be 0 or more"):
        seqs("analys.md#2", -1)


def test_outline_lists_sections_with_page_and_first_passage(index):
    out = context.outline(index, "analys.md")
    assert [(" > ".join(s["heading"]), s["page"], s["passage"]) for s in out] == [
        ("Inledning", 3, 0),
        ("Kompetensförsörjning", 4, 1),  # one section, though a page break splits it (s. 4-5)
        ("Kompetensförsörjning > Digitalisering i vården", 5, 2),
        ("Så kan Testby möta kompetensbehovet > Samverka med skolan", 5, 3),
        ("Tillit och samverkan", 6, 4),
    ]


# ---- the layout of a document ------------------------------------------------------------------
def test_layout_shows_all_text_headings_pages_and_one_anchor_per_passage(index):
    text = index.document_text("analys.md")
    blocks = docview.layout(index, "analys.md")
    shown = " ".join("".join(s.text for s in b.segments) for b in blocks)
    assert shown.split() == text.split()  # every word of the stored text, in order
    assert [b.page for b in blocks if b.kind == "page"] == [3, 4, 5, 6]
    assert [(b.level, b.text) for b in blocks if b.kind == "heading"][:3] == [
        (1, "Inledning"),
        (1, "Kompetensförsörjning"),
        (2, "Digitalisering i vården"),
    ]
    anchors = [a for b in blocks for s in b.segments for a in s.anchors]
    assert anchors == list(range(5))
    for b in blocks:  # each anchor stands where its passage starts
        for s in b.segments:
            for a in s.anchors:
                passage = index.passages_of("analys.md", a, a)[0][1]
                assert passage.text.startswith(s.text.strip()[:20])
    assert not any(s.marked for b in blocks for s in b.segments)


def test_layout_marks_exactly_the_given_stretch_across_a_page_break(index):
    passage = index.passages_of("analys.md", 1, 1)[0][1]  # runs from s. 4 onto s. 5
    blocks = docview.layout(index, "analys.md", (passage.start, passage.end))
    marked = [s.text for b in blocks for s in b.segments if s.marked]
    assert len(marked) == 2 and " ".join(" ".join(marked).split()) == " ".join(passage.text.split())
    quote = (passage.start + 10, passage.start + 40)  # a stretch inside a paragraph
    blocks = docview.layout(index, "analys.md", quote)
    assert [s.text for b in blocks for s in b.segments if s.marked] == [
        index.document_text("analys.md")[quote[0] : quote[1]]
    ]
    text = docview.as_text(docview.layout(index, "analys.md"))
    assert "[s. 4]\n\n## Kompetensförsörjning\n\nKommunen har svårt" in text and "### Digitalisering i vården" in text


# ---- more like this ------------------------------------------------------------------------------
def test_similar_uses_the_stored_vectors_and_leaves_out_the_passage_and_its_neighbours(index):
    target = context.resolve(index, "analys.md#2")
    hits = context.similar(index, target, k=10)
    got = [(h.doc_id, h.passage.seq) for h in hits]
    assert got and ("analys.md", 2) not in got and ("analys.md", 1) not in got and ("analys.md", 3) not in got
    assert len(got) == len(set(got)) == 3  # 6 passages, less the passage and its 2 neighbours
    ids = {(p.doc_id, p.seq): pid for d in index.documents() for pid, p in index.passages_of(d.doc_id)}
    source = index.vector(ids[("analys.md", 2)])
    for h in hits:  # scores are the cosines of the stored vectors (one language: no remedy applies)
        assert h.score == pytest.approx(float(index.vector(ids[(h.doc_id, h.passage.seq)]) @ source), abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    with_neighbours = [(h.doc_id, h.passage.seq) for h in context.similar(index, target, k=10, neighbours=0)]
    assert ("analys.md", 1) in with_neighbours and ("analys.md", 3) in with_neighbours
    assert ("analys.md", 2) not in with_neighbours
    assert len(context.similar(index, target, k=1)) == 1


def test_similar_refuses_a_document_and_bad_numbers(index):
    with pytest.raises(ScanError, match="is a document"):
        context.similar(index, context.resolve(index, "analys.md"))
    with pytest.raises(ScanError, match="-k must be at least 1"):
        context.similar(index, context.resolve(index, "analys.md#1"), k=0)


def test_similar_searches_the_passage_kinds_that_search_by_meaning_does(mini, tmp_path, encoder):
    (mini / "budget.md").write_text(TABLE_DOC, encoding="utf-8")
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    kinds_of = {(d.doc_id, p.seq): p.kind for d in index.documents() for _, p in index.passages_of(d.doc_id)}
    assert "table" in kinds_of.values()
    target = context.resolve(index, "analys.md#1")
    default = context.similar(index, target, k=50)
    assert default and all(h.passage.kind != "table" for h in default)
    every = context.similar(index, target, k=50, passage_kinds=frozenset(kinds_of.values()))
    assert any(h.passage.kind == "table" for h in every)
    index.close()


# ---- evidence of a classified file that is in the index ----------------------------------------
def test_link_evidence_points_at_the_indexed_passage_only_for_the_same_file(index, mini):
    from scan.classify import Classification, Evidence
    from scan.parse import read_document
    from scan.split import split_document

    doc = read_document(mini / "analys.md")
    p = split_document(doc)[1]
    evidence = {1: [Evidence(1, 0.9, p.text, p.page, p.heading_path, p.start, p.end)]}
    result = Classification(doc.path, doc.title, 1, [1], {1: 0.9}, 0.1, evidence, 5, "sv")
    context.link_evidence(index, result, doc.sha256)
    e = result.evidence[1][0]
    assert e.passage_id == "analys.md#1" and e.to_json()["passage_id"] == "analys.md#1"
    other = Classification(doc.path, doc.title, 1, [1], {1: 0.9}, 0.1, {1: [replace(e, doc_id=None, seq=None)]}, 5, "")
    context.link_evidence(index, other, "0" * 64)  # a file that is not in the index: no link
    assert other.evidence[1][0].passage_id is None


# ---- the original file --------------------------------------------------------------------------
def test_original_file_only_while_it_holds_what_was_read(index, mini, tmp_path):
    doc = index.document("analys.md")
    assert context.original_file(index, doc) == mini / "analys.md"
    assert context.content_type(mini / "analys.md").startswith("text/plain")
    moved = tmp_path / "elsewhere.md"
    shutil.move(mini / "analys.md", moved)
    with pytest.raises(context.FileGone, match="no longer at") as gone:
        context.original_file(index, doc)
    assert gone.value.reason == "missing"
    (mini / "analys.md").write_text(moved.read_text(encoding="utf-8") + "\nÄndrad.\n", encoding="utf-8")
    with pytest.raises(context.FileGone, match="has changed since it was read") as changed:
        context.original_file(index, doc)
    assert changed.value.reason == "changed"


def test_a_relative_stored_path_is_taken_from_the_given_folder(mini, tmp_path, encoder, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ingest([mini.relative_to(tmp_path)], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    doc = index.document("parkering.txt")
    assert doc.path == "mini/parkering.txt"
    assert context.original_file(index, doc) == tmp_path / "mini" / "parkering.txt"
    monkeypatch.chdir(mini)
    with pytest.raises(context.FileGone):
        context.original_file(index, doc)
    assert context.original_file(index, doc, base=tmp_path).read_bytes() == (mini / "parkering.txt").read_bytes()
    index.close()


def test_pdf_passages_open_at_their_page_in_the_file(tmp_path, encoder):
    folder = tmp_path / "pdf"
    folder.mkdir()
    write_pdf(folder / "plan.pdf", PDF_PAGES, page_labels_start=12)
    ingest([folder], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    doc = index.document("plan.pdf")
    passage = next(p for _, p in index.passages_of("plan.pdf") if p.page == 13)  # printed 13, in the file 2
    assert passage.physical_page == 2
    assert context.file_url_page(doc, passage) == 2
    assert context.physical_pages(index, "plan.pdf")[13] == 2
    assert context.content_type(context.original_file(index, doc)) == "application/pdf"
    from scan.quotes import find_quotes

    quotes = find_quotes(index, encoder, "kommunens planering av vatten och vägar", k=8)
    assert {q.citation.page for q in quotes} >= {12, 13}
    assert all(q.citation.physical_page == q.citation.page - 11 for q in quotes)  # each on its own page
    shown = run("show", f"plan.pdf#{passage.seq}", "--index", tmp_path / "idx").stdout
    assert shown.splitlines()[1].endswith("plan.pdf, page 2 in the file")
    index.close()


# ---- scan show ---------------------------------------------------------------------------------
def test_show_a_passage_with_its_neighbours(index):
    result = run("show", "analys.md#2", "--index", index.root)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == (
        "Omvärldsanalys för Testby · Testby kommun · 2024 · s. 5 · Kompetensförsörjning > Digitalisering i vården"
    )
    assert "   #1  s. 4 · Kompetensförsörjning" in out and ">> #2  s. 5" in out and "   #3  s. 5" in out
    assert "#0" not in out and "#4" not in out
    assert out.splitlines()[1] == f"passage analys.md#2 of 5 · {index.document('analys.md').path}"
    assert out.index("#1") < out.index(">> #2") < out.index("#3")
    alone = run("show", "analys.md#2", "--context", "0", "--index", index.root).stdout
    assert ">> #2" in alone and "#1 " not in alone and "#3 " not in alone


def test_show_json_schema_for_a_passage_and_a_document(index):
    out = json.loads(run("show", "analys.md#0", "--json", "--index", index.root).stdout)
    assert out["type"] == "passage" and out["passage_id"] == "analys.md#0"
    assert (out["title"], out["publisher"], out["year"], out["page"], out["heading"]) == (
        "Omvärldsanalys för Testby",
        "Testby kommun",
        2024,
        3,
        "Inledning",
    )
    assert [(c["passage_id"], c["target"]) for c in out["context"]] == [("analys.md#0", True), ("analys.md#1", False)]
    assert out["text"] == index.document_text("analys.md")[out["start"] : out["end"]]
    assert out["path"] == index.document("analys.md").path
    doc = json.loads(run("show", "analys.md", "--json", "--index", index.root).stdout)
    assert doc["type"] == "document" and doc["passages"] == 5 and "text" not in doc
    assert doc["sections"][1] == {"heading": "Kompetensförsörjning", "page": 4, "passage_id": "analys.md#1"}
    full = json.loads(run("show", "parkering.txt", "--json", "--full", "--index", index.root).stdout)
    assert full["text"] == index.document_text("parkering.txt") and full["publisher"] == "Testby gatukontor"


def test_show_a_document_and_its_full_text(index):
    out = run("show", "analys.md", "--index", index.root).stdout
    assert out.startswith("Omvärldsanalys för Testby\n") and "  publisher: Testby kommun" in out
    assert "s. 4     Kompetensförsörjning  analys.md#1" in out
    full = run("show", "analys.md", "--full", "--index", index.root).stdout
    assert full.startswith("[s. 3]\n\n## Inledning\n\nTestby kommun gör")
    assert "Tilliten mellan människor minskar" in full


def test_show_unknown_ids_fail_with_error_and_fix(index):
    for ident in ("saknas.md", "analys.md#17", "#1", ""):
        result = run("show", ident, "--index", index.root)
        assert result.exit_code == 1, ident
        assert result.stderr.startswith("Error: ") and "\n  Fix: " in result.stderr and "Traceback" not in result.output
    result = run("show", "analys.md", "--index", index.root / "saknas")
    assert result.exit_code == 1 and "Error: no index at" in result.stderr


def test_show_similar_in_text_and_json(index):
    lines = run("show", "analys.md#2", "--similar", "-k", "2", "--json", "--index", index.root).stdout.splitlines()
    hits = [json.loads(line) for line in lines]
    assert len(hits) == 2 and all(h["similar_to"] == "analys.md#2" for h in hits)
    assert not {h["passage_id"] for h in hits} & {"analys.md#1", "analys.md#2", "analys.md#3"}
    assert hits[0]["score"] >= hits[1]["score"] and hits[0]["rank"] == 1
    text = run("show", "analys.md#2", "--similar", "-k", "1", "--index", index.root).stdout
    assert text.startswith("1. ") and hits[0]["title"] in text
    result = run("show", "analys.md", "--similar", "--index", index.root)
    assert result.exit_code == 1 and "is a document" in result.stderr
    scores = [h["score"] for h in hits]
    assert np.all(np.diff(scores) <= 0)


def test_classify_evidence_of_an_indexed_file_has_passage_ids_and_the_report_links_the_file(mini, tmp_path):
    from conftest import FIXTURES

    ingest([mini], tmp_path / "idx", HashEncoder(256))
    report = tmp_path / "rapport.html"
    args = ["classify", mini / "analys.md", "--json", "--trends", FIXTURES / "mini-trends.toml"]
    result = run(*args, "--report", report, "--index", tmp_path / "idx")
    assert result.exit_code == 0, result.output
    evidence = [e for items in json.loads(result.stdout)["evidence"].values() for e in items]
    assert evidence and all(e["passage_id"] and e["passage_id"].startswith("analys.md#") for e in evidence)
    for e in evidence:  # each id names the passage the evidence text came from
        shown = json.loads(run("show", e["passage_id"], "--json", "--index", tmp_path / "idx").stdout)
        assert " ".join(e["text"].split()) in " ".join(shown["text"].split())
    html = report.read_text(encoding="utf-8")
    assert f'href="{(mini / "analys.md").resolve().as_uri()}"' in html
    other = tmp_path / "annan.txt"  # a file that is not in the index: no passage ids
    other.write_text("Kommunen måste rekrytera undersköterskor och lärare.\n", encoding="utf-8")
    result = run("classify", other, "--json", "--trends", FIXTURES / "mini-trends.toml", "--index", tmp_path / "idx")
    evidence = [e for items in json.loads(result.stdout)["evidence"].values() for e in items]
    assert evidence and all(e["passage_id"] is None for e in evidence)


def test_report_links_a_pdf_at_its_page(tmp_path):
    from scan.report import file_link

    pdf = write_pdf(tmp_path / "plan.pdf", PDF_PAGES)
    assert file_link(str(pdf), 2) == pdf.resolve().as_uri() + "#page=2"
    assert file_link(str(tmp_path / "borta.pdf"), 2) == ""  # no file, no link


def test_similar_on_an_approximate_vector_index(tmp_path, encoder, monkeypatch):
    from scan import ann

    monkeypatch.setattr(ann, "APPROX_FROM", 50)
    monkeypatch.setattr(ann, "EXACT_AGAIN_BELOW", 20)
    monkeypatch.setattr(ann, "NPROBE_SHARE", 1.0)  # every group probed: the approximate index answers exactly
    folder = tmp_path / "bib"
    folder.mkdir()
    topics = ["vatten", "skola", "vård", "trafik", "bostäder", "klimat", "kultur", "idrott"]
    for d in range(8):
        body = "\n\n".join(
            f"## Del {i}\n\nKommunen utvecklar {topics[(d + i) % 8]} i stadsdel {i} under år {2020 + d}."
            for i in range(8)
        )
        (folder / f"dok{d}.md").write_text(f"# Dokument {d}\n\n{body}\n", encoding="utf-8")
    ingest([folder], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    assert index.manifest["vector_index"]["type"] == "IVFFlat" and len(index) >= 50
    target = context.resolve(index, "dok3.md#4")
    hits = context.similar(index, target, k=5)
    ids = {(p.doc_id, p.seq): pid for d in index.documents() for pid, p in index.passages_of(d.doc_id)}
    source = index.vector(ids[("dok3.md", 4)])
    kinds_of = {(p.doc_id, p.seq): p.kind for d in index.documents() for _, p in index.passages_of(d.doc_id)}
    others = [
        key for key in ids if not (key[0] == "dok3.md" and abs(key[1] - 4) <= 1) and kinds_of[key] in ("prose", "list")
    ]
    exact = {key: float(index.vector(ids[key]) @ source) for key in others}
    got = [(h.doc_id, h.passage.seq) for h in hits]
    assert len(got) == 5 and set(got) <= set(others)  # (the hash encoder ties: compare scores, not order)
    assert np.allclose([h.score for h in hits], sorted(exact.values(), reverse=True)[:5], atol=1e-5)
    assert np.allclose([h.score for h in hits], [exact[key] for key in got], atol=1e-5)
    index.close()

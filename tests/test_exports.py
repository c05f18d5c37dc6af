"""Exports of hits, quotes and classifications (scan.exports): the CLI's --output files read back
with openpyxl and python-docx, on the mini corpus with the hash encoder."""

import csv
import io
import json

import docx
import openpyxl
from click.testing import CliRunner
from conftest import FIXTURES

from scan.cli import main
from scan.exports import Entry, Table, citation, docx_bytes, xlsx_bytes

TAXONOMY = str(FIXTURES / "mini-trends.toml")
QUERY = "rekrytera undersköterskor"
CLAIM = "kommunen har svårt att rekrytera undersköterskor"


def flat(text: str) -> str:  # exports give each text on one line
    return " ".join(text.split())


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_one_citation_style():
    assert citation("Vägval", "SKR", 2024, 12, "Trender > Tillit") == "Vägval. SKR, 2024, s. 12, avsnitt ”Tillit”."
    assert citation("Vägval", "SKR", 2024, 12, "", markdown=True) == "*Vägval*. SKR, 2024, s. 12."
    assert citation("Rapport", page=3) == "Rapport. s. 3."
    assert citation("Rapport") == "Rapport."


def test_search_exports_hold_the_hits_of_the_json_output(idx, tmp_path):
    hits = [json.loads(line) for line in run("search", QUERY, "--index", idx, "--json", "-k", 3).stdout.splitlines()]
    assert len(hits) == 3
    for suffix in ("csv", "xlsx", "docx", "md", "json"):
        result = run("search", QUERY, "--index", idx, "-k", 3, "--output", tmp_path / f"hits.{suffix}")
        assert result.exit_code == 0 and f"3 hits written to {tmp_path / f'hits.{suffix}'}" in result.stderr
    first = "Omvärldsanalys för Testby. Testby kommun, 2024, s. 4, avsnitt ”Kompetensförsörjning”."

    book = openpyxl.load_workbook(tmp_path / "hits.xlsx")
    sheet = book["Träffar"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    assert [r["Text"] for r in rows] == [flat(h["text"]) for h in hits]
    assert [r["Stycke-id"] for r in rows] == [h["passage_id"] for h in hits]
    assert rows[0]["Källhänvisning"] == first and rows[0]["Utgivare"] == "Testby kommun" and rows[0]["År"] == 2024
    assert rows[0]["Sida"] == 4 and isinstance(rows[0]["Poäng"], float)

    with open(tmp_path / "hits.csv", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["passage_id"] for r in table] == [h["passage_id"] for h in hits] and table[0]["citation"] == first

    word = docx.Document(tmp_path / "hits.docx")
    paragraphs = [p.text for p in word.paragraphs]
    assert word.paragraphs[0].style.name == "Heading 1" and paragraphs[0] == f"Sökträffar: ”{QUERY}”"
    assert paragraphs[1].startswith("Exporterad från scan 20")
    quote = paragraphs.index(f"”{' '.join(hits[0]['text'].split())}”")
    assert word.paragraphs[quote].style.name == "Quote" and paragraphs[quote + 1] == first

    md = (tmp_path / "hits.md").read_text(encoding="utf-8")
    assert md.startswith(f"## Sökträffar: ”{QUERY}”") and f"> — {first}" in md
    lines = (tmp_path / "hits.json").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["passage_id"] for line in lines] == [h["passage_id"] for h in hits]


def test_quote_exports_and_the_old_format_option(idx, tmp_path):
    quotes = [json.loads(line) for line in run("quotes", CLAIM, "--index", idx, "--json", "-k", 3).stdout.splitlines()]
    run("quotes", CLAIM, "--index", idx, "-k", 3, "-o", tmp_path / "q.docx")
    run("quotes", CLAIM, "--index", idx, "-k", 3, "-o", tmp_path / "q.xlsx")
    word = docx.Document(tmp_path / "q.docx")
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[0] == f"Citat: {CLAIM}"
    for q in quotes:
        at = paragraphs.index(f"”{' '.join(q['text'].split())}”")
        assert paragraphs[at + 1].startswith(f"{q['title']}. {q['publisher']}, {q['year']}")
        assert (f"s. {q['page']}" in paragraphs[at + 1]) == (q["page"] is not None)
    sheet = openpyxl.load_workbook(tmp_path / "q.xlsx")["Citat"]
    header = [c.value for c in sheet[1]]
    assert [dict(zip(header, [c.value for c in r]))["Citat"] for r in sheet.iter_rows(min_row=2)] == [
        flat(q["text"]) for q in quotes
    ]
    # --format still prints to stdout as before, and the CSV gained the citation column
    rows = list(csv.DictReader(io.StringIO(run("quotes", CLAIM, "--index", idx, "-k", 3, "--format", "csv").stdout)))
    assert [r["text"] for r in rows] == [flat(q["text"]) for q in quotes]
    md = run("quotes", CLAIM, "--index", idx, "-k", 2, "--format", "md").stdout
    assert md.startswith(f"## {CLAIM}") and "[^1]: *Omvärldsanalys för Testby*. Testby kommun, 2024, s." in md


def test_classification_exports(idx, mini, tmp_path):
    for suffix in ("xlsx", "docx", "csv"):
        result = run(
            "classify", mini / "analys.md", "--index", idx, "--trends", TAXONOMY, "-o", tmp_path / f"c.{suffix}"
        )
        assert result.exit_code == 0
    verdict = json.loads(run("classify", mini / "analys.md", "--index", idx, "--trends", TAXONOMY, "--json").stdout)
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["Trender", "Belägg"]
    rows = [[c.value for c in r] for r in book["Trender"].iter_rows(min_row=2)]
    main_rows = [r for r in rows if r[4] == "ja"]
    assert len(main_rows) == (1 if verdict["label"] else 0)
    if verdict["label"]:
        assert main_rows[0][1] == verdict["label"]
    assert {r[1] for r in rows} == {0, 1, 2} and all(r[4] in ("ja", None) for r in rows)
    evidence = [[c.value for c in r] for r in book["Belägg"].iter_rows(min_row=2)]
    assert len(evidence) == sum(len(v) for v in verdict["evidence"].values())
    assert all(e[4].startswith(verdict["title"] + ".") for e in evidence)
    paragraphs = [p.text for p in docx.Document(tmp_path / "c.docx").paragraphs]
    assert paragraphs[0] == f"Trendklassificering: {verdict['title']}"
    assert any(p.startswith("Belägg för 1. Kompetensförsörjning") for p in paragraphs)
    with open(tmp_path / "c.csv", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == len(rows)


def test_a_bad_output_path_is_one_clear_error_before_any_work(idx, tmp_path):
    result = CliRunner().invoke(main, ["search", QUERY, "--index", str(idx), "-o", str(tmp_path / "hits.pdf")])
    assert result.exit_code == 1 and "cannot tell the export format of" in result.stderr and "Fix: end" in result.stderr
    result = CliRunner().invoke(main, ["quotes", CLAIM, "--index", str(idx), "-o", str(tmp_path / "no" / "q.csv")])
    assert result.exit_code == 1 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_xlsx_never_holds_a_formula_and_docx_says_when_empty():
    table = Table("Träffar", (("text", "Text"), ("page", "Sida")), [{"text": "=HYPERLINK(1)", "page": 3}])
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([table])))["Träffar"]
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["A2"].data_type == "s" and sheet["B2"].value == 3
    word = docx.Document(io.BytesIO(docx_bytes("Sökträffar", [])))
    assert [p.text for p in word.paragraphs][-1] == "Inga träffar."
    word = docx.Document(io.BytesIO(docx_bytes("Citat", [Entry("a  b", "T.", "stöder", "Grupp")])))
    assert [p.text for p in word.paragraphs][2:] == ["Grupp", "”a b”", "T. (stöder)"]


def test_a_grouped_search_exports_word_with_a_heading_per_document(idx, tmp_path):
    query = "rekrytera undersköterskor och parkering"
    groups = [
        json.loads(g)
        for g in run("search", query, "--index", idx, "--json", "-k", 6, "--group-by", "document").stdout.splitlines()
    ]
    run("search", query, "--index", idx, "-k", 6, "--group-by", "document", "-o", tmp_path / "g.docx")
    word = docx.Document(tmp_path / "g.docx")
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert headings == [g["title"] for g in groups] and len(headings) == 2
    texts = [p.text for p in word.paragraphs]
    for g in groups:  # each document's hits stand under its heading, best first
        start = texts.index(g["title"])
        end = len(texts) if g is groups[-1] else texts.index(groups[groups.index(g) + 1]["title"])
        quoted = [t for t in texts[start:end] if t.startswith("”")]
        assert quoted == [f"”{flat(h['text'])}”" for h in g["hits"]]
    assert openpyxl.load_workbook(io.BytesIO(xlsx_bytes([]))).sheetnames == ["Tomt"]

from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from pdfgen import encrypt, make_pdf, write_pdf

from scan.errors import ScanError
from scan.parse import read_document


def section_at(doc, phrase):
    offset = doc.text.index(phrase)
    return next(s for s in doc.sections if s.start <= offset < s.end)


def test_markdown_headings_pages_and_footnotes():
    doc = read_document(FIXTURES / "mini" / "analys.md")
    assert doc.title == "Omvärldsanalys för Testby kommun"
    # headings listed in the table of contents are chapters, with the printed page it gives
    s = section_at(doc, "Kommunen har svårt att rekrytera")
    assert s.heading == ("Kompetensförsörjning",) and s.page == 4
    # other headings nest below the chapter; bold markup and the leading dash are removed
    s = section_at(doc, "Välfärdsteknik och robotar")
    assert s.heading == ("Kompetensförsörjning", "Digitalisering i vården")
    s = section_at(doc, "Kommunen kan samarbeta med gymnasieskolan")
    assert s.heading == ("Så kan Testby möta kompetensbehovet", "Samverka med skolan") and s.page == 5
    # a footnote block ends the printed page: the rest of the paragraph is on the next page
    assert section_at(doc, "Många arbetssökande frågar").page == 5


def test_markdown_footnote_text_stays_out_of_the_body_and_markers_are_kept_as_refs():
    doc = read_document(FIXTURES / "mini" / "analys.md")
    assert "Rekryteringsrapport" not in doc.text and "<sup>" not in doc.text
    assert doc.footnotes == {1: "Rekryteringsrapport 2020", 2: "Ibid", 3: "Segregation i Sverige, Delmos"}
    offset, number = doc.footnote_refs[0]
    assert number == 1 and doc.text[:offset].endswith("till äldreomsorgen.")


def test_markdown_paragraph_cut_by_a_page_break_is_joined():
    doc = read_document(FIXTURES / "mini" / "analys.md")
    assert "bor långt bort från kontoret. Många" in doc.text


def test_markdown_table_of_contents_and_reference_list_are_not_body_text():
    doc = read_document(FIXTURES / "mini" / "analys.md")
    assert "....." not in doc.text
    assert "Delegationen mot segregation" not in doc.text


def test_shipped_corpus_pages_follow_its_table_of_contents():
    doc = read_document(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md")
    assert section_at(doc, "Alingsås kommuns omvärldsanalys tar sin utgångspunkt").page == 3
    assert section_at(doc, "Tillit och socialt kapital är grundläggande").page == 21
    assert section_at(doc, "Samhällets komplexitet ökar hela tiden").page == 28
    trust = section_at(doc, "Tillit och socialt kapital är grundläggande")
    assert trust.heading[0] == "Ökad polarisering och utsatthet samt tillitens betydelse"
    assert trust.heading[-1] == "Tillitens betydelse"
    assert sorted(doc.footnotes) == list(range(1, 34))


def test_text_file(tmp_path):
    doc = read_document(FIXTURES / "mini" / "parkering.txt")
    assert doc.kind == "text" and doc.title == "parkering"
    assert doc.sections[0].page is None
    assert "tjugo kronor i timmen" in doc.text


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("latin1.txt", "Välfärd och tillit".encode("latin-1"), "not UTF-8"),
        ("data.csv", b"a,b\n1,2\n", "unsupported file type"),
    ],
)
def test_bad_files_give_a_clear_error_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScanError) as err:
        read_document(path)
    assert message in str(err.value) and name in str(err.value) and err.value.hint


def test_missing_file(tmp_path):
    with pytest.raises(ScanError, match="no such file"):
        read_document(tmp_path / "nope.md")


def test_pdf_pages_and_page_labels(tmp_path):
    path = write_pdf(
        tmp_path / "rapport.pdf",
        [
            ["Rapport om välfärden", "Kompetensförsörjningen är kommunens största utmaning."],
            ["Tilliten i samhället minskar."],
        ],
        page_labels_start=12,
        title="Rapport om välfärden",
    )
    doc = read_document(path)
    assert doc.kind == "pdf" and doc.title == "Rapport om välfärden"
    assert section_at(doc, "Kompetensförsörjningen").page == 12
    assert section_at(doc, "Tilliten i samhället").page == 13


def test_a_pdf_metadata_title_that_the_text_does_not_have_is_ignored(tmp_path):
    path = write_pdf(
        tmp_path / "plan.pdf", [["Klimatplan för kommunen", "Text om energi."]], title="Föreskriftens namn"
    )
    assert read_document(path).title == "plan"


def test_pdf_without_labels_uses_the_physical_page(tmp_path):
    doc = read_document(write_pdf(tmp_path / "a.pdf", [["Första sidan."], ["Andra sidan med text."]]))
    assert section_at(doc, "Andra sidan").page == 2


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "trasig.pdf"
    path.write_bytes(make_pdf([["Text"]])[:200])
    with pytest.raises(ScanError, match="trasig.pdf: not a readable PDF"):
        read_document(path)


def test_pdf_encrypted_with_a_password(tmp_path):
    path = tmp_path / "hemlig.pdf"
    path.write_bytes(encrypt(make_pdf([["Hemlig text om budgeten."]]), "lösenord"))
    with pytest.raises(ScanError, match="hemlig.pdf: the PDF is encrypted") as err:
        read_document(path)
    assert "decrypt" in err.value.hint


def test_pdf_encrypted_with_an_empty_user_password_is_read(tmp_path):
    path = tmp_path / "skyddad.pdf"
    path.write_bytes(encrypt(make_pdf([["Skyddad men läsbar text om tillit."]]), ""))
    assert "läsbar text" in read_document(path).text


def test_pdf_with_no_text_layer(tmp_path):
    path = write_pdf(tmp_path / "skannad.pdf", [[], []])
    with pytest.raises(ScanError, match="skannad.pdf: no extractable text") as err:
        read_document(path)
    assert "OCR" in err.value.hint


def test_metadata_overrides_title(tmp_path):
    doc = read_document(FIXTURES / "mini" / "analys.md", "analys.md", {"title": "Annan titel", "year": 2024})
    assert doc.title == "Annan titel" and doc.metadata == {"year": 2024}


def test_paths_are_kept_as_given(tmp_path):
    doc = read_document(Path(FIXTURES / "mini" / "parkering.txt"))
    assert doc.path.endswith("parkering.txt") and len(doc.sha256) == 64


def test_docx_headings_paragraphs_and_tables(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Klimatstrategi"
    document.add_heading("Inledning", 1)
    document.add_paragraph("Kommunen ska minska utsläppen med 70 procent till 2030.")
    document.add_heading("Transporter", 2)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Bussar", "eldrivna 2027"
    document.add_heading("Energi", 1)
    document.add_paragraph("Solceller på alla kommunala tak.")
    document.save(tmp_path / "strategi.docx")
    doc = read_document(tmp_path / "strategi.docx")
    assert doc.kind == "docx" and doc.title == "Klimatstrategi"
    assert section_at(doc, "Kommunen ska minska").heading == ("Inledning",)
    assert section_at(doc, "Bussar | eldrivna 2027").heading == ("Inledning", "Transporter")
    assert section_at(doc, "Solceller").heading == ("Energi",) and section_at(doc, "Solceller").page is None


def test_a_broken_docx_is_a_clear_error(tmp_path):
    (tmp_path / "trasig.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ScanError, match="trasig.docx: not a readable Word file"):
        read_document(tmp_path / "trasig.docx")


def test_html_keeps_headings_and_drops_menus_and_scripts(tmp_path):
    (tmp_path / "sida.html").write_text(
        "<html><head><meta charset='utf-8'><title>Tillit i Testby</title><script>var x = 1;</script></head>"
        "<body><nav>Meny Start Kontakt</nav><main><h1>Tillit</h1><p>Tilliten minskar bland unga.</p>"
        "<h2>Åtgärder</h2><ul><li><p>Fler mötesplatser.</p></li></ul></main><footer>© Testby</footer></body></html>",
        encoding="utf-8",
    )
    doc = read_document(tmp_path / "sida.html")
    assert doc.kind == "html" and doc.title == "Tillit i Testby"
    assert section_at(doc, "Tilliten minskar").heading == ("Tillit",)
    assert section_at(doc, "Fler mötesplatser").heading == ("Tillit", "Åtgärder")
    assert "Meny" not in doc.text and "var x" not in doc.text and "Testby" not in doc.text.replace("Tillit", "")

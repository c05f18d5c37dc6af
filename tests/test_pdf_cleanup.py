"""PDF clean-up, page numbers, outlines and the extraction report, on PDFs the tests make."""

from pdfgen import add_outline, make_pdf, write_pdf

from scan.parse import read_document
from scan.split import split_document

FILLER = "Kommunen arbetar med frågan tillsammans med regionen och andra aktörer i länet."
TOPICS = ["skolan", "vården", "bostäderna", "kollektivtrafiken", "klimatet", "kulturen", "idrotten", "näringslivet"]


def body(n: int, lines: int) -> list[str]:
    """Body lines that differ from page to page, as in a real document."""
    return [
        f"På sida {n} handlar stycke {i} om {TOPICS[(n + i) % len(TOPICS)]} och {TOPICS[(n * i) % 7]}."
        for i in range(lines)
    ]


def section_at(doc, phrase):
    offset = doc.text.index(phrase)
    return next(s for s in doc.sections if s.start <= offset < s.end)


def test_hyphenated_words_are_joined_and_real_hyphens_kept(tmp_path):
    doc = read_document(
        write_pdf(
            tmp_path / "a.pdf",
            [
                [
                    "Det är i första hand kommun-",
                    "ens ansvar att erbjuda vård- och",
                    "omsorg, men även e-",
                    "tjänster och IT-",
                    "stöd för alla invånare i hela länet.",
                ]
            ],
        )
    )
    assert "kommunens ansvar" in doc.text
    assert "vård- och omsorg" in doc.text
    assert "e-tjänster" in doc.text and "IT-stöd" in doc.text
    assert doc.report["hyphenations_joined"] == 1


def test_running_headers_footers_and_page_numbers_are_removed_and_the_printed_page_used(tmp_path):
    pages = [
        [
            "Testby kommun – Omvärldsanalys 2024",
            *body(n, 3),
            f"Avsnitt {n}: {FILLER}",
            *body(n + 3, 3),
            f"Sida {n + 11} av 20",
        ]
        for n in range(1, 6)
    ]
    doc = read_document(write_pdf(tmp_path / "b.pdf", pages))
    assert "Omvärldsanalys 2024" not in doc.text and "Sida" not in doc.text
    assert doc.report["header_or_footer_lines_removed"] == 10
    assert doc.report["page_numbers"] == "printed numbers"
    s = section_at(doc, "Avsnitt 3:")
    assert (s.page, s.physical_page) == (14, 3)
    passage = next(p for p in split_document(doc) if "Avsnitt 3:" in p.text)
    assert (passage.page, passage.physical_page) == (14, 3)


def test_page_labels_win_over_printed_numbers(tmp_path):
    pages = [[*body(n, 2), f"Text på sida {n}.", *body(n + 2, 2), f"{n}"] for n in range(1, 5)]
    doc = read_document(write_pdf(tmp_path / "c.pdf", pages, page_labels_start=101))
    assert doc.report["page_numbers"] == "page labels"
    assert section_at(doc, "Text på sida 2.").page == 102


def test_outline_gives_headings(tmp_path):
    pdf = make_pdf(
        [
            ["Inledning", "Om analysen. " + FILLER],
            ["Klimat", "Utsläppen minskar. " + FILLER],
            ["Mer om utsläppen i transportsektorn. " + FILLER],
        ]
    )
    path = tmp_path / "d.pdf"
    path.write_bytes(add_outline(pdf, [("Inledning", 0, None), ("Klimat", 1, None), ("Transporter", 2, "Klimat")]))
    doc = read_document(path)
    assert section_at(doc, "Om analysen.").heading == ("Inledning",)
    assert section_at(doc, "Utsläppen minskar.").heading == ("Klimat",)
    assert section_at(doc, "Mer om utsläppen").heading == ("Klimat", "Transporter")
    assert "Inledning Om analysen" not in doc.text  # the heading line is not body text
    assert doc.report["outline_headings"] == 3


def test_scanned_and_broken_pages_are_reported(tmp_path):
    glued = "Kommunensarbetemedklimatfrågornaärviktigtförallainvånareiländet " * 8
    pages = [[FILLER * 4], [], [glued], [FILLER * 4]]
    doc = read_document(write_pdf(tmp_path / "e.pdf", pages))
    assert doc.report["no_text"] == [2]
    assert doc.report["broken"] == [3]
    assert doc.report["pages"] == 4


def test_ligatures_and_odd_spaces_are_normalised(tmp_path):
    from scan.parse.pdf import _normalise

    assert _normalise("e\ufb00ektiv \ufb01nansiering\u00a0och\u00adstöd") == "effektiv finansiering ochstöd"


def test_table_of_contents_lines_are_not_body_text(tmp_path):
    doc = read_document(
        write_pdf(tmp_path / "f.pdf", [["Innehåll", "1 Inledning .............. 3", "2 Mål ........... 5"], [FILLER]])
    )
    assert "....." not in doc.text and doc.report["table_of_contents_lines_removed"] == 2


def test_an_image_only_page_is_reported_as_scanned(tmp_path):
    from pdfgen import IMAGE

    doc = read_document(write_pdf(tmp_path / "skannad.pdf", [body(1, 6), [IMAGE], body(3, 6)]))
    assert doc.report["no_text"] == [2]
    assert all(s.physical_page != 2 for s in doc.sections)  # nothing indexed for it, and it is reported


def test_two_columns_are_read_column_by_column(tmp_path):
    from pdfgen import COLUMNS

    left = [
        "Den vänstra spalten börjar med en mening",
        "som fortsätter över flera rader i",
        "samma spalt och slutar här.",
    ]
    right = ["Den högra spalten har en egen mening", "som också går över flera rader och", "slutar först här."]
    doc = read_document(write_pdf(tmp_path / "spalter.pdf", [[COLUMNS, left, right]]))
    text = " ".join(doc.text.split())
    assert (
        "Den vänstra spalten börjar med en mening som fortsätter över flera rader i samma spalt och slutar här." in text
    )
    assert "Den högra spalten har en egen mening som också går över flera rader och slutar först här." in text


def test_columns_written_row_by_row_are_put_back_in_reading_order(tmp_path):
    from pdfgen import INTERLEAVED

    left = [
        "Den vänstra spalten börjar med en mening",
        "som fortsätter över flera rader i",
        "samma spalt och slutar här.",
        "Sedan kommer en andra mening till",
        "vänster som också är lång.",
    ]
    right = [
        "Den högra spalten har en egen mening",
        "som också går över flera rader och",
        "slutar först här.",
        "Den högra spaltens andra mening",
        "är kortare.",
    ]
    doc = read_document(write_pdf(tmp_path / "rader.pdf", [[INTERLEAVED, left, right]]))
    text = " ".join(doc.text.split())
    assert (
        "Den vänstra spalten börjar med en mening som fortsätter över flera rader i samma spalt och slutar här." in text
    )
    assert "Den högra spalten har en egen mening som också går över flera rader och slutar först här." in text
    assert text.index("vänster som också är lång") < text.index("Den högra spalten")
    assert doc.report["columns_reordered"] == [1]

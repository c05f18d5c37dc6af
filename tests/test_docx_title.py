"""A Word report's title when it sets no title property: its first level-1 heading, as a Markdown
file's first # heading is, unless that heading names a section ('Inledning')."""

import docx

from scan.metadata import ORIGIN
from scan.parse import read_document


def save(tmp_path, name, build):
    document = docx.Document()
    build(document)
    document.save(tmp_path / name)
    return read_document(tmp_path / name)


def test_the_first_heading_1_is_the_title_of_a_report_without_a_title_property(tmp_path):
    def build(d):
        d.add_heading("Äldreomsorgens kompetensförsörjning i Ås kommun", 1)
        d.add_paragraph("Kommunen har svårt att rekrytera undersköterskor.")
        d.add_heading("Distansarbete", 2)
        d.add_heading("Bilaga", 1)

    doc = save(tmp_path, "Äldreomsorg och kompetens 2024.docx", build)
    assert doc.title == "Äldreomsorgens kompetensförsörjning i Ås kommun"
    assert doc.report[ORIGIN]["document_title_from"] == "first heading"


def test_a_title_property_or_title_paragraph_still_wins(tmp_path):
    def with_property(d):
        d.core_properties.title = "Klimatstrategi"
        d.add_heading("Mål och åtgärder", 1)
        d.add_paragraph("Utsläppen ska minska.")

    def with_title_style(d):
        d.add_heading("Mål och åtgärder", 1)
        d.add_paragraph("Klimatstrategi 2030", style="Title")
        d.add_paragraph("Utsläppen ska minska.")

    assert save(tmp_path, "a.docx", with_property).title == "Klimatstrategi"
    assert save(tmp_path, "b.docx", with_title_style).title == "Klimatstrategi 2030"


def test_a_section_heading_is_no_title_and_no_later_heading_replaces_it(tmp_path):
    def build(d):
        d.add_heading("Inledning", 1)
        d.add_paragraph("Text.")
        d.add_heading("Energi", 1)

    doc = save(tmp_path, "strategi.docx", build)
    assert doc.title == "strategi"

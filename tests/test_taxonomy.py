from pathlib import Path

import pytest
from conftest import ROOT

from scan.errors import ScanError
from scan.sources import load_sources
from scan.taxonomy import load_taxonomy

VFF4 = ROOT / "corpus" / "trends" / "vff4.toml"


def test_vff4_has_the_ten_trends_in_skrs_order():
    tax = load_taxonomy(VFF4)
    assert [t.id for t in tax.trends] == list(range(1, 11))
    assert tax.get(1).name == "Ökat behov av livslångt lärande"
    assert tax.get(10).name == "Ökad medvetenhet om samhällets sårbarhet"
    assert all(t.name_en and t.description and t.headings for t in tax.trends)


def test_trust_section_is_trend_8_and_the_rest_of_its_chapter_trend_6():
    tax = load_taxonomy(VFF4)
    chapter = "Ökad polarisering och utsatthet samt tillitens betydelse"
    assert tax.trend_of((chapter, "Utsatthet i Alingsås", "Tillitens betydelse")) == 8
    assert tax.trend_of((chapter, "Utsatthet i Alingsås")) == 6
    assert tax.trend_of(("Inledning",)) is None


def test_every_trend_heading_exists_in_the_analysis():
    from scan.parse import read_document

    doc = read_document(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md")
    headings = {h.casefold() for s in doc.sections for h in s.heading}
    for trend in load_taxonomy(VFF4).trends:
        for heading in trend.headings:
            assert heading.casefold() in headings, (trend.id, heading)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "trender.toml"
    path.write_text(text, encoding="utf-8")
    return path


TWO = '[[trend]]\nid = 1\nname = "A"\ndescription = "a"\n\n[[trend]]\nid = 2\nname = "B"\ndescription = "b"\n'


def test_another_taxonomy_works_without_code_changes(tmp_path):
    tax = load_taxonomy(write(tmp_path, 'name = "Egna trender"\n' + TWO))
    assert tax.name == "Egna trender" and [t.name for t in tax.trends] == ["A", "B"]


@pytest.mark.parametrize(
    "text, message",
    [
        (TWO + '\n[[trend]]\nid = 3\ndescription = "c"\n', "line 11: the [[trend]] there has no name"),
        (TWO + '\n[[trend]]\nid = 2\nname = "C"\ndescription = "c"\n', "line 11: trend id 2 is used twice"),
        (TWO + '\n[[trend]]\nid = "tre"\nname = "C"\ndescription = "c"\n', "line 11: id must be a whole number"),
        (TWO + "\n[[trend]\nid = 3\n", "not valid TOML"),
        ('[[trend]]\nid = 1\nname = "A"\ndescription = "a"\n', "at least two"),
    ],
)
def test_malformed_taxonomy_names_the_file_and_line(tmp_path, text, message):
    with pytest.raises(ScanError, match="trender.toml") as err:
        load_taxonomy(write(tmp_path, text))
    assert message in str(err.value)


def test_unknown_trend_lists_the_valid_ones():
    with pytest.raises(ScanError) as err:
        load_taxonomy(VFF4).get(0)
    assert "1 (Ökat behov av livslångt lärande)" in err.value.hint


def test_sources_file_errors_name_the_line(tmp_path):
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nid = "a"\ntitle = "A"\nfootnotes = [1]\n\n[[source]]\nid = "b"\ntitle = "B"\nfootnotes = [1]\n'
    )
    with pytest.raises(ScanError, match="line 6: footnote 1 is already given to 'a'"):
        load_sources(tmp_path)
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "a"\n')
    with pytest.raises(ScanError, match="line 1: the \\[\\[source\\]\\] there has no title"):
        load_sources(tmp_path)


def test_the_shipped_sources_link_the_analysis():
    sources = load_sources(ROOT / "corpus")
    assert sources.analysis == "omvarldsanalys-alingsas-2023-2026.md"
    assert sources.by_footnote()[7].short() == "SKR, Vägval för framtiden 4"
    assert sources.document_metadata("omvarldsanalys-alingsas-2023-2026.md")["publisher"] == "Alingsås kommun"

"""The shipped corpus and its reference list as data agree with each other."""

import re
import tomllib

from conftest import ROOT

from scan.parse import read_document

ANALYSIS = ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md"
SOURCES = tomllib.loads((ROOT / "corpus" / "sources.toml").read_text(encoding="utf-8"))


def words(text):
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) > 3}


def test_every_footnote_of_the_analysis_cites_exactly_one_listed_source():
    doc = read_document(ANALYSIS)
    cited = [n for s in SOURCES["source"] for n in s["footnotes"]]
    assert sorted(cited) == sorted(doc.footnotes)  # each footnote once, none missing, none extra


def test_each_footnote_names_the_source_it_is_mapped_to():
    doc = read_document(ANALYSIS)
    by_note = {n: s for s in SOURCES["source"] for n in s["footnotes"]}
    for number, text in sorted(doc.footnotes.items()):
        source = by_note[number]
        if text.strip().lower() == "ibid":  # "the same as the note before"
            assert by_note[number - 1] is source, number
        else:
            shared = words(text) & words(source["title"] + " " + source["publisher"])
            assert len(shared) >= 2, (number, text, source["title"])


def test_sources_have_the_fields_a_citation_needs():
    kinds = {"report", "web page", "policy", "plan", "forecast", "essay"}
    for source in SOURCES["source"]:
        assert source["title"] and source["publisher"] and source["kind"] in kinds
        assert source["url"] == "" or source["url"].startswith("http")
    assert len({s["id"] for s in SOURCES["source"]}) == len(SOURCES["source"])


def test_every_url_in_the_reference_list_is_in_the_data():
    listed = set(re.findall(r"<(https?://[^>]+)>", ANALYSIS.read_text(encoding="utf-8")))
    assert listed <= {s["url"] for s in SOURCES["source"]}

from conftest import FIXTURES, ROOT

from scan.parse import read_document
from scan.split import SplitSettings, sentence_spans, split_document


def test_passages_are_verbatim_slices_of_the_document_text():
    doc = read_document(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md")
    passages = split_document(doc)
    assert len(passages) > 50
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text


def test_passages_never_cross_a_heading():
    doc = read_document(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md")
    for p in split_document(doc):
        covering = [s for s in doc.sections if s.start < p.end and p.start < s.end]
        assert {s.heading for s in covering} == {p.heading}


def test_passage_length_limits():
    doc = read_document(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md")
    settings = SplitSettings(max_chars=300, max_sentences=2)
    for p in split_document(doc, settings):
        sentences = sentence_spans(p.text)
        assert len(sentences) <= 2
        assert len(p.text) <= 300 or len(sentences) == 1


def test_swedish_abbreviations_do_not_end_sentences():
    spans = sentence_spans("Kommunen rekryterar t.ex. undersköterskor, bl.a. till äldreomsorgen. Nästa mening.")
    assert len(spans) == 2


def test_passages_carry_page_and_footnotes():
    doc = read_document(FIXTURES / "mini" / "analys.md")
    passages = split_document(doc, SplitSettings(max_chars=120, max_sentences=1))
    first = next(p for p in passages if "rekrytera undersköterskor" in p.text)
    assert first.footnotes == (1,) and first.page == 4
    spanning = next(p for p in passages if "bor långt bort från kontoret" in p.text)
    assert (spanning.page, spanning.page_end) == (4, 5)
    assert all("<sup>" not in p.text for p in passages)


def test_a_paragraph_break_ends_a_sentence():
    assert len(sentence_spans("Rubrik utan punkt\n\nEn mening här.")) == 2


def test_text_without_sentence_ends_is_cut_into_bounded_passages(tmp_path):
    from scan.parse import read_document

    rows = " ".join(f"{i} Kommun{i} län {i * 7} -{i},5" for i in range(400))  # a table: no full stops
    path = tmp_path / "tabell.txt"
    path.write_text(rows, encoding="utf-8")
    doc = read_document(path)
    passages = split_document(doc, SplitSettings(max_chars=300))
    assert len(passages) > 10
    assert all(len(p.text) <= 300 for p in passages)
    assert all(doc.text[p.start : p.end] == p.text for p in passages)
    assert " ".join(p.text for p in passages) == doc.text  # nothing lost at the cuts

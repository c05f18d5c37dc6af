import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from scan.cli import main
from scan.errors import ScanError
from scan.export import to_csv, to_markdown
from scan.ingest import ingest
from scan.integrity import seal
from scan.quotes import find_quotes
from scan.store import DATABASE, Index
from scan.types import Filters


def test_quotes_are_verbatim_sentences_with_exact_citations(index, encoder):
    quotes = find_quotes(index, encoder, "kommunen har svårt att rekrytera undersköterskor", k=3)
    assert quotes and quotes[0].text.startswith("Kommunen har svårt att rekrytera undersköterskor")
    for q in quotes:
        c = q.citation
        assert index.document_text(c.doc_id)[c.start : c.end] == q.text
        assert q.text.count(".") <= 3  # sentences, not whole passages
    top = quotes[0].citation
    assert (top.title, top.page, top.heading, top.publisher, top.year) == (
        "Omvärldsanalys för Testby",
        4,
        "Kompetensförsörjning",
        "Testby kommun",
        2024,
    )


def test_a_quote_cites_the_sources_of_the_footnotes_in_its_paragraph(index, encoder):
    quote = find_quotes(index, encoder, "kommunen har svårt att rekrytera undersköterskor", k=1)[0]
    assert [s.short() for s in quote.citation.cites] == ["SKR, Rekryteringsrapport 2020"]
    assert quote.citation.cites[0].url == "https://example.org/rekryteringsrapport-2020.pdf"
    no_note = find_quotes(index, encoder, "välfärdsteknik och robotar avlastar personalen", k=1)[0]
    assert "robotar" in no_note.text and no_note.citation.cites == ()


def test_a_sentence_that_points_back_is_quoted_with_the_one_before(index, encoder):
    quote = find_quotes(index, encoder, "det blir enklare för invånarna", k=1)[0]
    assert (
        quote.text
        == "Kommunen inför ett nytt system för e-tjänster under nästa år. Detta gör det enklare för invånarna."
    )


def test_a_quote_that_does_not_match_the_stored_text_is_never_shown(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    generation = Index.live_generation(tmp_path / "idx")
    db = sqlite3.connect(generation / DATABASE)
    db.execute('UPDATE sentences SET start = start + 3, "end" = "end" + 3 WHERE text LIKE \'%undersköterskor%\'')
    db.commit()
    db.close()
    manifest = json.loads((generation / "manifest.json").read_text())
    (generation / "manifest.json").write_text(seal(manifest, generation))  # consistent, but wrong offsets
    index = Index.open(tmp_path / "idx")
    quotes = find_quotes(index, encoder, "kommunen har svårt att rekrytera undersköterskor", k=10)
    assert quotes and not any("undersköterskor" in q.text for q in quotes)
    for q in quotes:
        assert index.document_text(q.citation.doc_id)[q.citation.start : q.citation.end] == q.text


def test_the_same_sentence_in_two_documents_is_one_quote_with_both_citations(mini, tmp_path, encoder):
    (mini / "kopia.md").write_text(
        "# Kopia\n\nEn annan rapport.\n\nBehovet av personal ökar när befolkningen blir äldre.\n", encoding="utf-8"
    )
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    quotes = find_quotes(index, encoder, "behovet av personal ökar när befolkningen blir äldre", k=5)
    same = [q for q in quotes if "Behovet av personal ökar" in q.text]
    assert len(same) == 1
    docs = {same[0].citation.doc_id} | {a.doc_id for a in same[0].also}
    assert docs == {"analys.md", "kopia.md"}


def test_filters_restrict_quotes_and_unknown_values_list_the_valid_ones(index, encoder):
    quotes = find_quotes(index, encoder, "avgift för att parkera på torget", k=5, filters=Filters(kind="analysis"))
    assert quotes and all(q.citation.doc_id == "analys.md" for q in quotes)
    quotes = find_quotes(
        index, encoder, "avgift för att parkera på torget", k=5, filters=Filters(publisher="gatukontor")
    )
    assert quotes and all(q.citation.doc_id == "parkering.txt" for q in quotes)
    with pytest.raises(ScanError, match="no document matches --doc nope.md") as err:
        find_quotes(index, encoder, "avgift för att parkera", filters=Filters(doc_ids=("nope.md",)))
    assert "analys.md, parkering.txt" in err.value.hint
    with pytest.raises(ScanError, match="--year 1999") as err:
        find_quotes(index, encoder, "avgift för att parkera", filters=Filters(year=1999))
    assert "2023, 2024" in err.value.hint


@pytest.mark.parametrize("claim", ["", "tillit", "ökad tillit"])
def test_empty_or_one_word_claims_get_a_clear_message(index, encoder, claim):
    with pytest.raises(ScanError, match="empty|too short"):
        find_quotes(index, encoder, claim)


def test_markdown_export_has_footnote_references(index, encoder):
    quotes = find_quotes(index, encoder, "kommunen har svårt att rekrytera undersköterskor", k=2)
    md = to_markdown(quotes, "Kompetens")
    assert md.startswith("## Kompetens\n")
    assert f"> ”{quotes[0].text}”[^1]" in md
    assert (
        "[^1]: *Omvärldsanalys för Testby*. Testby kommun, 2024, s. 4, avsnitt ”Kompetensförsörjning”. "
        "Hänvisar till: SKR, Rekryteringsrapport 2020 (2020), https://example.org/rekryteringsrapport-2020.pdf."
    ) in md


def test_csv_export_is_one_row_per_quote(index, encoder):
    quotes = find_quotes(index, encoder, "kommunen har svårt att rekrytera undersköterskor", k=3)
    rows = list(csv.DictReader(io.StringIO(to_csv(quotes))))
    assert len(rows) == len(quotes) and rows[0]["text"] == quotes[0].text and rows[0]["page"] == "4"
    assert rows[0]["cites"] == "SKR, Rekryteringsrapport 2020"


def test_cli_quotes_json_and_trend(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    runner = CliRunner()
    runner.invoke(main, ["ingest", str(mini), "--index", str(tmp_path / "idx")], catch_exceptions=False)
    result = runner.invoke(
        main,
        ["quotes", "rekrytera undersköterskor till äldreomsorgen", "--json", "--index", str(tmp_path / "idx")],
        catch_exceptions=False,
    )
    first = json.loads(result.stdout.splitlines()[0])
    assert {"text", "doc_id", "title", "page", "heading", "start", "end", "score", "cites", "also"} <= set(first)
    result = runner.invoke(
        main, ["quotes", "--trend", "1", "--format", "md", "--index", str(tmp_path / "idx")], catch_exceptions=False
    )
    assert result.exit_code == 0 and result.stdout.startswith("## Trend 1: Ökat behov av livslångt lärande")
    result = runner.invoke(main, ["quotes", "--trend", "42", "--index", str(tmp_path / "idx")])
    assert result.exit_code == 1 and "no trend 42" in result.stderr and "valid trend ids: 1 (" in result.stderr
    result = runner.invoke(main, ["quotes", "--index", str(tmp_path / "idx")])
    assert result.exit_code == 1 and "give either a CLAIM or --trend ID" in result.stderr

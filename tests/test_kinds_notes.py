"""Notes, sources and disclaimers under a table are boilerplate; heading-only passages go behind
the passages a reader can cite; exports mark every hit that is not an answer (issue 9, passage kinds)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import SHARED

from scan import kinds, relevance
from scan.kinds import passage_kind
from scan.types import Hit, Passage

PDFS = SHARED / "pdfs"


@pytest.mark.parametrize(
    "text",
    [
        "Källa: SCB, befolkningsstatistik 2023.",
        "Källor: SCB och Kolada. Uppgifterna för 2022 är preliminära.",
        "Anm. Uppgifterna för Exempelby saknas för 2021 och har skattats.",
        "Anmärkning: Beloppen är angivna i löpande priser.",
        "Not: Summorna kan avvika på grund av avrundning.",
        "Source: Statistics Sweden. Figures for 2022 are preliminary.",
        "Notes: Totals may not add up due to rounding.\nSource: Eurostat.",
        "DISCLAIMERS: The figures are provided for information only and may be revised.",
        "Disclaimer: the municipality is not responsible for errors in the data supplied by others.",
        "¹ Uppgift saknas för 2021.\n² Preliminära siffror.\n³ Exklusive gymnasieskolan.",
        "*Includes part-time staff **Multiple (more than one category selected) NOTES:",
        "These figures represent applications received. They do not represent decisions, and a one-to-one "
        "correlation cannot be made between an application and a grant.",
        "Siffrorna ska inte tolkas som ett mått på kvalitet, och kommunen ansvarar inte för uppgifter från andra.",
    ],
)
def test_notes_sources_and_disclaimers_are_boilerplate(text):
    assert passage_kind(text) == "boilerplate"


@pytest.mark.parametrize(
    "text",
    [
        # prose that names its source, in passing or on a line of its own after the paragraph
        "Befolkningen väntas öka med 5 procent till 2030 (källa: SCB), vilket ställer krav på fler bostäder, "
        "fler förskoleplatser och en utbyggd kollektivtrafik i de nya stadsdelarna.",
        "Enligt källan, Arbetsförmedlingens prognos, kommer bristen på undersköterskor att öka under hela "
        "perioden. Kommunen behöver därför både utbilda fler och behålla dem som redan arbetar.\n\nKälla: Arbetsförmedlingen.",
        "Note that remote work does not suit every job: most care staff cannot work from home, and "
        "municipalities must offer them other kinds of flexibility to stay attractive employers.",
        "The source of most emissions in the municipality is road traffic, which the plan addresses with "
        "charging points, better public transport and fewer trips by car.",
        "*Viktigt:* kommunen behöver fler undersköterskor de kommande åren, och konkurrensen om dem hårdnar.",
        "Anmälan till förskolan görs senast tre månader innan platsen behövs, och kommunen erbjuder plats "
        "inom fyra månader enligt skollagen.",
    ],
)
def test_prose_that_mentions_a_source_stays_prose(text):
    assert passage_kind(text) == "prose"


def test_notes_are_not_ranked_by_meaning():
    assert not kinds.is_ranked(passage_kind("Källa: SCB, befolkningsstatistik 2023."))


@pytest.mark.skipif(not (PDFS / "manifest.json").exists(), reason="../shared/pdfs is not here")
def test_the_fbi_tables_notes_and_disclaimers_are_boilerplate(tmp_path):
    """The FBI NICS PDF: its footnotes ("*Refers to …  DISCLAIMERS:") and its disclaimer ("They do not
    represent the number of firearms sold") were stored as prose and ranked by meaning."""
    import shutil

    from scan.embed import HashEncoder
    from scan.ingest import ingest
    from scan.store import Index

    pdf = next(PDFS.glob("en_fbi_nics*.pdf"), None)
    if pdf is None:
        pytest.skip("the FBI NICS PDF is not in ../shared/pdfs")
    (tmp_path / "lib").mkdir()
    shutil.copy(pdf, tmp_path / "lib" / pdf.name)
    ingest([tmp_path / "lib"], tmp_path / "idx", HashEncoder(256))
    index = Index.open(tmp_path / "idx")
    try:
        rows = index.passages(list(range(len(index) + 2)))  # every id (they need not start at 0)
        stored = [p for p, _ in rows.values()]
        notes = [p for p in stored if "DISCLAIMERS" in p.text or "do not represent" in p.text]
        assert len(notes) == 2
        assert {p.kind for p in notes} == {"boilerplate"}
        assert {p.kind for p in stored} <= {"table", "boilerplate"}  # nothing in this PDF is prose to cite
    finally:
        index.close()


def test_headings_go_behind_the_other_candidates_unless_rated_low():
    ranked = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)]
    rated = {1: 80.0, 2: 70.0, 3: 60.0, 4: 10.0, 5: 55.0}
    # 1 and 3 are heading-only: behind 2 and 5, ahead of 4 (rated under DEMOTE)
    assert relevance.demote(ranked, rated, headings={1, 3}) == [(2, 0.8), (5, 0.5), (1, 0.9), (3, 0.7), (4, 0.6)]
    assert relevance.demote(ranked, rated, headings={4}) == [(1, 0.9), (2, 0.8), (3, 0.7), (5, 0.5), (4, 0.6)]
    # no relevance (an encoder without a model): only the headings move
    assert relevance.demote(ranked, {}, headings={1}) == [(2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5), (1, 0.9)]
    # all headings (an explicit --passage-kind heading): the order stays
    assert relevance.demote(ranked, {}, headings={1, 2, 3, 4, 5}) == ranked


def test_search_by_meaning_puts_heading_only_passages_last_keyword_search_does_not(mini, tmp_path, monkeypatch):
    from scan.embed import HashEncoder
    from scan.ingest import ingest
    from scan.search import search
    from scan.store import Index

    def as_heading(text: str, heading: object = "") -> str:  # stand-in: every passage of parkering.txt a heading
        return "heading" if "parker" in text.casefold() else "prose"

    monkeypatch.setattr(kinds, "passage_kind", as_heading)
    encoder = HashEncoder(256)
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    try:
        query = "parkering avgifter kommunen"
        everything = len(index)
        keyword = search(index, encoder, query, k=everything, mode="keyword")
        assert keyword[0].passage.kind == "heading", "keyword search ranks by the words, headings included"
        for mode in ("dense", "hybrid"):
            hits = search(index, encoder, query, k=everything, mode=mode)
            found = [h.passage.kind for h in hits]
            assert "heading" in found and "prose" in found
            assert found == sorted(found, key=lambda kind: kind == "heading"), mode  # every heading after the prose
        only = search(index, encoder, query, k=3, mode="hybrid", passage_kinds=frozenset({"heading"}))
        assert only and all(h.passage.kind == "heading" for h in only)
    finally:
        index.close()


def _hit(rank: int, rel: float | None) -> Hit:
    text = f"Stycke nummer {rank} om kompetensförsörjning i kommunen."
    return Hit(
        rank, 1.0 - rank / 10, "analys.md", "Analys", Passage("analys.md", rank, text, 0, len(text)), "hybrid", (), rel
    )


def test_an_exported_hit_that_is_not_an_answer_says_so(mini, tmp_path, monkeypatch):
    """60 is over the floor of 50 but more than GAP under the best hit (90): the CLI shows it as a
    near-miss, so the export marks it too, by the same rule (relevance.answer_flags)."""
    from scan.cli import main
    from scan.facets import Results

    monkeypatch.setenv("SCAN_MODEL", "hash")
    runner = CliRunner()
    idx = tmp_path / "idx"
    assert runner.invoke(main, ["ingest", str(mini), "--index", str(idx)]).exit_code == 0
    hits = [_hit(1, 90.0), _hit(2, 80.0), _hit(3, 60.0), _hit(4, 30.0)]
    assert [relevance.above_floor(h.relevance) for h in hits] == [True, True, True, False]
    assert relevance.answer_flags(hits) == [True, True, False, False]
    monkeypatch.setattr("scan.cli_export.run_search", lambda *a, **k: Results(hits, {}, {}, {}))
    out = tmp_path / "hits.md"
    result = runner.invoke(main, ["search", "kompetens", "--index", str(idx), "-k", "4", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for rank, value, answer in ((1, 90, True), (2, 80, True), (3, 60, False), (4, 30, False)):
        line = next(line for line in text.splitlines() if f"relevans {value}" in line)
        assert ("under relevansgränsen" in line) is not answer, (rank, line)

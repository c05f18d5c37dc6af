"""Passage kinds (scan.kinds) on made-up examples, and their place in the index and in search."""

from __future__ import annotations

import pytest

from scan.kinds import KINDS, RANKED, annotate, is_ranked, passage_kind
from scan.types import Passage

PROSE_SV = (
    "Andelen äldre invånare ökar snabbt under mandatperioden. Det innebär att kommunen behöver fler "
    "undersköterskor, samtidigt som konkurrensen om arbetskraften hårdnar."
)
PROSE_EN = (
    "Remote work has changed what applicants expect of an employer. Municipalities that offer flexible "
    "hours find it easier to recruit, although most of their staff cannot work from home."
)


@pytest.mark.parametrize(
    "text, kind",
    [
        (PROSE_SV, "prose"),
        (PROSE_EN, "prose"),
        ("Ale 12 345 1 234 0 56 789 Alingsås 23 456 2 345 1 67 890 Arvika 3 456 345 0 8 901", "table"),
        ("Kommun | 2020 | 2021\n---|---|---\nAle | 4,1 | 3,9\nAlingsås | 5,2 | 4,8", "table"),
        ("Ale\n-4,1 %\nAlingsås\n-2,3 %\nArvika\n+1,2 %\nAsker\n0,5 %", "table"),
        (
            "Åtgärder:\n• Bygga ut laddinfrastrukturen.\n• Ställa klimatkrav i upphandlingar.\n• Minska matsvinnet.",
            "list",
        ),
        ("- first point on the list\n- second point on the list\n- third point", "list"),
        ("Kompetensförsörjning i välfärden", "heading"),
        ("4.2 Övrig omvärldsbevakning", "heading"),
        ("Federal Register / Vol. 85, No. 152 / Thursday, August 6, 2020 / Proposed Rules", "boilerplate"),
        ("FOR FURTHER INFORMATION CONTACT: Jane Doe, Aviation Safety Engineer; phone 206-231-3500.", "boilerplate"),
        ("Kommunstyrelsen\nTelefon: 0322-61 60 00\nE-post: kommun@example.se\nBox 123, 441 81 Alingsås", "boilerplate"),
        ("Sida 3 av 12", "boilerplate"),
        ("© 2023 Exempelkommunen. Alla rättigheter förbehållna.", "boilerplate"),
    ],
)
def test_passage_kind(text, kind):
    assert passage_kind(text) == kind


def test_a_sentence_with_a_few_figures_is_still_prose():
    text = "Mellan 2019 och 2022 ökade antalet invånare över 80 år med 12 procent, till drygt 2 400 personer."
    assert passage_kind(text) == "prose"


def test_only_tables_and_boilerplate_are_kept_out_of_the_ranking():
    assert set(KINDS) - RANKED == {"table", "boilerplate"}
    assert is_ranked("prose") and is_ranked("list") and not is_ranked("table")


def test_annotate_sets_kind_and_language_per_passage():
    text = PROSE_SV + "\n\n" + PROSE_EN + "\n\nAle 12 345 1 234 0 56 789 Alingsås 23 456 2 345 1 67 890"
    spans = [(0, len(PROSE_SV)), (len(PROSE_SV) + 2, len(PROSE_SV) + 2 + len(PROSE_EN))]
    spans.append((spans[1][1] + 2, len(text)))
    passages = [Passage("d", i, text[a:b], a, b) for i, (a, b) in enumerate(spans)]
    out = annotate(passages, text + "\n\n" + PROSE_SV)  # a mostly Swedish document
    assert [p.kind for p in out] == ["prose", "prose", "table"]
    assert [p.language for p in out[:2]] == ["sv", "en"]
    assert out[2].language == "sv"  # a table takes the document's language


def test_kinds_are_stored_and_tables_stay_out_of_search_by_meaning(mini, tmp_path, encoder):
    from scan.ingest import ingest
    from scan.search import search
    from scan.store import Index

    (mini / "tabell.txt").write_text(
        "Parkeringsavgifter per zon och timme\n\n"
        "Zon A 25 30 35 40 Zon B 15 20 25 30 Zon C 10 10 15 20 Zon D 5 5 10 10 Zon E 0 0 5 5\n",
        encoding="utf-8",
    )
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    try:
        table_ids = index.ids_of_kinds({"table"})
        assert table_ids, "the table passage is stored with its kind"
        query = "Zon A Zon B Zon C parkeringsavgifter per timme"
        for mode in ("dense", "hybrid"):
            hits = search(index, encoder, query, k=10, mode=mode)
            assert all(h.passage.kind not in ("table", "boilerplate") for h in hits)
        tables = search(index, encoder, query, k=3, mode="hybrid", passage_kinds=frozenset({"table"}))
        assert tables and all(h.passage.kind == "table" for h in tables)
        keyword = search(index, encoder, query, k=10, mode="keyword")
        assert any(h.passage.kind == "table" for h in keyword), "keyword search still finds tables"
        assert keyword[0].to_json()["passage_kind"] in KINDS
    finally:
        index.close()

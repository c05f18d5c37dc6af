"""Facets, several values per filter, grouping by document, and the per-passage trends behind
`--trend` / `--in-trend` (scan.facets, scan.passagetrends), on the mini corpus with the hash encoder."""

import json

from click.testing import CliRunner
from conftest import FIXTURES

from scan import passagetrends
from scan.classify import classify_document
from scan.cli import main
from scan.parse import read_document
from scan.taxonomy import load_taxonomy
from scan.trends import load_or_train

TAXONOMY = FIXTURES / "mini-trends.toml"
QUERY = "rekrytera undersköterskor och parkering"


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args] + ["--trends", str(TAXONOMY)])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_facet_counts_are_the_answers_per_value(idx):
    out = lines(run("search", QUERY, "--index", idx, "--json", "--facets", "-k", 2))
    hits, facets = out[:-1], out[-1]["facets"]
    assert len(hits) == 2 and set(facets) == {"publisher", "year", "doc", "language", "trend"}
    every = lines(run("search", QUERY, "--index", idx, "--json", "-k", 50))  # the pool: all 6 passages
    assert sum(v["count"] for v in facets["doc"]) == len(every) == 6
    per_doc = {d: sum(h["doc_id"] == d for h in every) for d in {h["doc_id"] for h in every}}
    assert {v["value"]: v["count"] for v in facets["doc"]} == per_doc
    assert {v["value"]: v["count"] for v in facets["year"]} == {
        2024: per_doc["analys.md"],
        2023: per_doc["parkering.txt"],
    }
    assert facets["language"] == [{"value": "sv", "label": "svenska", "count": 6}]
    assert sum(v["count"] for v in facets["trend"]) == 6
    counts = [v["count"] for v in facets["doc"]]
    assert counts == sorted(counts, reverse=True)


def test_several_values_for_one_filter(idx):
    both = lines(
        run("search", QUERY, "--index", idx, "--json", "-k", 10, "--publisher", "kommun", "--publisher", "gatu")
    )
    assert {h["doc_id"] for h in both} == {"analys.md", "parkering.txt"}
    one = lines(run("search", QUERY, "--index", idx, "--json", "-k", 10, "--publisher", "gatu"))
    assert {h["doc_id"] for h in one} == {"parkering.txt"}
    years = lines(run("search", QUERY, "--index", idx, "--json", "-k", 10, "--year", 2023, "--year", 2024))
    assert {h["doc_id"] for h in years} == {"analys.md", "parkering.txt"}
    result = run("search", QUERY, "--index", idx, "--publisher", "kommun", "--publisher", "Finns inte", ok=False)
    assert result.exit_code == 1 and "no document matches --publisher Finns inte" in result.stderr
    assert lines(run("search", QUERY, "--index", idx, "--json", "-k", 10, "--language", "sv"))
    result = run("search", QUERY, "--index", idx, "--language", "fi", ok=False)
    assert result.exit_code == 1 and "--language fi" in result.stderr and "valid values: sv" in result.stderr


def test_group_by_document_keeps_every_hit_best_document_first(idx):
    hits = lines(run("search", QUERY, "--index", idx, "--json", "-k", 6))
    groups = lines(run("search", QUERY, "--index", idx, "--json", "-k", 6, "--group-by", "document"))
    assert [g["doc_id"] for g in groups] == list(dict.fromkeys(h["doc_id"] for h in hits))
    assert sorted(h["rank"] for g in groups for h in g["hits"]) == [h["rank"] for h in hits]
    for g in groups:
        assert g["best_rank"] == g["hits"][0]["rank"] and all(h["doc_id"] == g["doc_id"] for h in g["hits"])
        assert [h["rank"] for h in g["hits"]] == sorted(h["rank"] for h in g["hits"])
    assert groups[0]["publisher"] and groups[0]["year"]
    text = run("search", QUERY, "--index", idx, "-k", 6, "--group-by", "document").stdout
    assert text.index("Omvärldsanalys för Testby (Testby kommun, 2024)") < text.index("1. ")


def _labels(index, encoder):
    taxonomy = load_taxonomy(TAXONOMY)
    return taxonomy, passagetrends.load(index, encoder, taxonomy)


def test_passage_trends_follow_the_headings_of_the_analysis_and_the_model_elsewhere(index, encoder, mini):
    taxonomy, found = _labels(index, encoder)
    rows = index.db.execute("SELECT doc_id, seq, heading FROM passages").fetchall()
    for r in rows:
        mapped = taxonomy.trend_of(tuple(json.loads(r["heading"])))
        if r["doc_id"] == "analys.md" and mapped is not None:
            assert found.of(f"analys.md#{r['seq']}") == mapped
    # every other passage: the label `scan classify --passages` gives the same text
    model = load_or_train(index, encoder, taxonomy)
    result = classify_document(read_document(mini / "parkering.txt"), model, encoder, taxonomy, keep_passages=True)
    for p in result.passages:
        assert found.of(f"parkering.txt#{p.passage.seq}") == (p.label or 0)
    assert sum(found.counts().values()) == len(index)


def test_passage_trends_are_cached_per_generation(index, encoder, mini, tmp_path):
    taxonomy, found = _labels(index, encoder)
    model = load_or_train(index, encoder, taxonomy)
    path = passagetrends.cache_path(index, model)
    assert path.exists()
    passagetrends._MEMORY.clear()
    again = passagetrends.passage_trends(index, model, taxonomy)  # read from the file
    assert again.keys == found.keys and (again.labels == found.labels).all()
    from scan.ingest import ingest
    from scan.store import Index

    (mini / "ny.md").write_text("# Tillit\n\nTilliten mellan människor minskar bland unga.\n", encoding="utf-8")
    ingest([mini], tmp_path / "idx", encoder)
    newer = Index.open(tmp_path / "idx")
    try:
        labels = passagetrends.passage_trends(newer, load_or_train(newer, encoder, taxonomy), taxonomy)
        assert len(labels.ids) == len(newer) == len(index) + 1 and not path.exists()
    finally:
        newer.close()


def test_trend_filter_on_search_and_quotes(idx):
    from scan.store import Index

    index = Index.open(idx)
    try:
        from scan.embed import HashEncoder

        _, found = _labels(index, HashEncoder(256))
    finally:
        index.close()
    hits = lines(run("search", QUERY, "--index", idx, "--json", "-k", 10, "--trend", 1))
    assert hits and all(found.of(h["passage_id"]) == 1 for h in hits)
    assert len(hits) == found.counts().get(1)
    both = lines(run("search", QUERY, "--index", idx, "--json", "-k", 10, "--in-trend", 1, "--in-trend", 2))
    assert {found.of(h["passage_id"]) for h in both} <= {1, 2} and len(both) > len(hits)
    claim = "kommunen har svårt att rekrytera undersköterskor"
    quotes = lines(run("quotes", claim, "--index", idx, "--json", "-k", 10, "--in-trend", 2))
    spans = [
        (h["doc_id"], h["start"], h["end"])
        for h in lines(run("search", QUERY, "--index", idx, "--json", "-k", 10, "--trend", 2))
    ]
    assert quotes and all(any(d == q["doc_id"] and s <= q["start"] < e for d, s, e in spans) for q in quotes)
    assert lines(run("quotes", "--trend", 1, "--in-trend", 1, "--index", idx, "--json"))  # quotes FOR trend 1, in it
    result = run("search", QUERY, "--index", idx, "--trend", 42, ok=False)
    assert result.exit_code == 1 and "no trend 42" in result.stderr


def test_without_the_analysis_the_facets_leave_the_trend_out(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    folder = tmp_path / "bib"
    folder.mkdir()
    (folder / "plan.md").write_text("# Klimatplan\n\nKommunen minskar utsläppen från transporter.\n", encoding="utf-8")
    CliRunner().invoke(main, ["ingest", str(folder), "--index", str(tmp_path / "i")], catch_exceptions=False)
    out = lines(run("search", "utsläpp transporter", "--index", tmp_path / "i", "--json", "--facets"))
    assert set(out[-1]["facets"]) == {"publisher", "year", "doc", "language"}
    result = run("search", "utsläpp transporter", "--index", tmp_path / "i", "--trend", 1, ok=False)
    assert result.exit_code == 1 and "not in the index" in result.stderr and "Fix:" in result.stderr

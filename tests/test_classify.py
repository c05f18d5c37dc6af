import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from scan.classify import classify_document, language
from scan.cli import main
from scan.errors import ScanError
from scan.ingest import ingest
from scan.parse import read_document
from scan.store import Index
from scan.taxonomy import load_taxonomy
from scan.trends import NONE, TrendModel, load_or_train, training_set

TAXONOMY = FIXTURES / "mini-trends.toml"
BACKGROUND = [
    "Koka pastan i saltat vatten och servera med riven ost.",
    "Hemmalaget vann matchen med två mål.",
    "Biblioteket har nya öppettider i sommar.",
    "Morgondagen blir solig med svag vind.",
    "Strö socker och kanel över degen och grädda bullarna.",
    "Laget spelar final på söndag.",
]


@pytest.fixture
def setup(mini, tmp_path, encoder):
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    taxonomy = load_taxonomy(TAXONOMY)
    yield index, taxonomy
    index.close()


def doc(tmp_path, text, name="ny.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def test_training_data_comes_from_the_headings_descriptions_and_background(setup, encoder):
    index, taxonomy = setup
    data = training_set(index, encoder, taxonomy, BACKGROUND)
    corpus = [t for t, g in zip(data.texts, data.groups) if g == 0]
    labels = dict(zip(data.texts, data.labels.tolist()))
    assert any("rekrytera undersköterskor" in t and labels[t] == 1 for t in corpus)
    assert any("Tilliten mellan människor" in t and labels[t] == 2 for t in corpus)
    assert not any("Testby kommun gör en omvärldsanalys" in t for t in corpus)  # "Inledning": no trend
    assert sorted(set(data.labels.tolist())) == [NONE, 1, 2]


def test_model_is_stored_beside_the_index_and_retrained_when_the_taxonomy_changes(setup, encoder, tmp_path):
    index, taxonomy = setup
    first = load_or_train(index, encoder, taxonomy, BACKGROUND)
    files = list(index.root.glob("trends-*.npz"))
    assert len(files) == 1 and TrendModel.load(files[0]).key == first.key
    assert load_or_train(index, encoder, taxonomy, BACKGROUND).key == first.key  # reused
    changed = tmp_path / "changed.toml"
    changed.write_text(TAXONOMY.read_text(encoding="utf-8").replace("minskar", "sjunker"), encoding="utf-8")
    second = load_or_train(index, encoder, load_taxonomy(changed), BACKGROUND)
    assert second.key != first.key and [p.name for p in index.root.glob("trends-*.npz")] == [
        f"trends-{second.key[:16]}.npz"
    ]


def test_probabilities_are_a_distribution(setup, encoder):
    index, taxonomy = setup
    model = load_or_train(index, encoder, taxonomy, BACKGROUND)
    probs = model.proba(encoder.encode_passages(["rekrytera undersköterskor", "koka pasta"]))
    assert probs.shape == (2, 3) and abs(probs.sum(axis=1) - 1).max() < 1e-6 and model.temperature > 0


def test_classification_labels_scores_and_evidence(setup, encoder, tmp_path):
    index, taxonomy = setup
    model = load_or_train(index, encoder, taxonomy, BACKGROUND)
    result = classify_document(
        doc(tmp_path, "Kommunen måste rekrytera fler undersköterskor och lärare till äldreomsorgen och skolan."),
        model,
        encoder,
        taxonomy,
    )
    assert result.label == 1 and result.labels[0] == 1
    assert set(result.scores) == {1, 2} and all(0 <= s <= 1 for s in result.scores.values())
    assert abs(sum(result.scores.values()) + result.none - 1) < 1e-6
    assert result.evidence[1] and "undersköterskor" in result.evidence[1][0].text


def test_text_about_no_trend_gets_no_trend(setup, encoder, tmp_path):
    index, taxonomy = setup
    model = load_or_train(index, encoder, taxonomy, BACKGROUND)
    result = classify_document(
        doc(tmp_path, "Koka pastan och servera med riven ost och sallad."), model, encoder, taxonomy
    )
    assert result.label is None and result.labels == [] and result.none > 0.5


def test_language_check():
    assert language("Kommunen och regionen har ett ansvar för att det finns vård.") == "sv"
    assert language("The municipality is responsible for the care of the elderly and for schools.") == "en"
    assert language("Die Gemeinde ist für die Pflege älterer Menschen zuständig und baut Schulen.") == "other"


def test_a_text_in_another_language_gets_a_warning(setup, encoder, tmp_path):
    index, taxonomy = setup
    model = load_or_train(index, encoder, taxonomy, BACKGROUND)
    german = doc(tmp_path, "Die Gemeinde muss mehr Lehrer und Pflegekräfte für die Schulen einstellen.")
    assert "neither Swedish nor English" in classify_document(german, model, encoder, taxonomy).warnings[0]
    english = doc(tmp_path, "The municipality must recruit more nurses and teachers.", "en.txt")
    assert classify_document(english, model, encoder, taxonomy).warnings == []


def test_a_long_document_is_streamed_with_progress_and_bounded_evidence(setup, encoder, tmp_path):
    index, taxonomy = setup
    model = load_or_train(index, encoder, taxonomy, BACKGROUND)
    page = "Kommunen behöver rekrytera undersköterskor. Tilliten minskar bland unga. Bussen går varje timme.\n\n"
    big = doc(tmp_path, page * 600)
    seen = []
    result = classify_document(big, model, encoder, taxonomy, progress=seen.append)
    assert sum(seen) == result.n_passages > 100 and len(seen) > 1  # batches, counted
    assert result.passages == [] and all(len(ev) <= 3 for ev in result.evidence.values())
    with_passages = classify_document(big, model, encoder, taxonomy, keep_passages=True)
    assert len(with_passages.passages) == with_passages.n_passages


def test_cli_classify_json_passages_and_report(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    runner = CliRunner()
    runner.invoke(main, ["ingest", str(mini), "--index", str(tmp_path / "idx")], catch_exceptions=False)
    text = tmp_path / "rapport.txt"  # plain text keeps "<och>", which the report must escape
    text.write_text(
        "Rapport\n\nKommunen måste rekrytera undersköterskor och lärare.\n\n"
        "Tilliten mellan människor minskar <och> segregationen ökar.\n",
        encoding="utf-8",
    )
    out = tmp_path / "rapport.html"
    result = runner.invoke(
        main,
        [
            "classify",
            str(text),
            "--json",
            "--passages",
            "--trends",
            str(TAXONOMY),
            "--report",
            str(out),
            "--index",
            str(tmp_path / "idx"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.splitlines()[0])
    assert {"path", "label", "labels", "scores", "evidence"} <= set(data)
    assert set(data["scores"]) == {"1", "2"} and len(data["passage_results"]) == data["passages"]
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "Trendprofil" in html and "Belägg för" in html
    assert "&lt;och&gt;" in html and "<och>" not in html  # document text is escaped
    assert "https://" not in html  # nothing loaded from the net


def test_cli_classify_errors(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("SCAN_MODEL", "hash")
    runner = CliRunner()
    runner.invoke(main, ["ingest", str(mini), "--index", str(tmp_path / "idx")], catch_exceptions=False)
    empty = tmp_path / "tom.txt"
    empty.write_text("")
    result = runner.invoke(main, ["classify", str(empty), "--trends", str(TAXONOMY), "--index", str(tmp_path / "idx")])
    assert result.exit_code == 1 and "tom.txt: the file is empty" in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[trend]]\nid = 1\nname = "A"\ndescription = "a"\n\n[[trend]]\nid = 1\nname = "B"\ndescription = "b"\n'
    )
    result = runner.invoke(
        main,
        ["classify", str(FIXTURES / "mini" / "parkering.txt"), "--trends", str(bad), "--index", str(tmp_path / "idx")],
    )
    assert result.exit_code == 1 and "bad.toml, line 6: trend id 1 is used twice" in result.stderr


def test_taxonomy_whose_analysis_is_not_indexed_is_a_clear_error(tmp_path, encoder):
    (tmp_path / "other.txt").write_text("Annan text om bussar.", encoding="utf-8")
    ingest([tmp_path / "other.txt"], tmp_path / "idx", encoder)
    with pytest.raises(ScanError, match="learns from 'analys.md', which is not in the index"):
        load_or_train(Index.open(tmp_path / "idx"), encoder, load_taxonomy(TAXONOMY), BACKGROUND)


def test_tables_and_boilerplate_are_never_shown_as_evidence(setup, encoder, tmp_path):
    """A table that scores for a trend counts towards the profile but is never offered as evidence."""
    from scan.kinds import passage_kind

    table = "\n".join(f"Undersköterskor äldreomsorgen {n} 345 1 234 56 789 2021 2022" for n in range(10, 30))
    assert passage_kind(table) == "table"
    index, taxonomy = setup
    model = load_or_train(index, encoder, taxonomy, BACKGROUND)
    text = (
        "# Statistik\n\n" + table + "\n\n# Personal\n\n"
        "Kommunen måste rekrytera fler undersköterskor och lärare till äldreomsorgen och skolan.\n"
    )
    result = classify_document(doc(tmp_path, text, "rapport.md"), model, encoder, taxonomy, keep_passages=True)
    rows = [r for r in result.passages if "12 345" in r.passage.text]
    assert rows and rows[0].scores[1] >= 0.2  # the table would qualify as evidence for trend 1 on its score
    assert result.evidence[1] and all("12 345" not in e.text for e in result.evidence[1])

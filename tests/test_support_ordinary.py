"""Round 5 of eval/quote_support.toml (ordinary claims a strategist would write and believe) and the
count of claims that get a supporting quote at all, which `scan eval support` reports with the top
three."""

from __future__ import annotations

from scan.support_eval import default_pairs_file, load_pairs


def test_round_five_is_ordinary_claims_split_by_topic_with_every_pair_labelled():
    pairs = [p for p in load_pairs(default_pairs_file()) if p.round == 5]
    claims = {p.claim: p.split for p in pairs}
    assert len(claims) >= 30 and len(pairs) >= 200
    assert {"dev", "test"} == set(claims.values())
    assert sum(p.label == "supports" for p in pairs) >= 40
    # written to be believed, not contradicted: no claim's pairs are mostly countering
    for claim in claims:
        labels = [p.label for p in pairs if p.claim == claim]
        assert labels.count("counters") * 2 < len(labels)


def test_the_top_three_check_counts_claims_with_a_supporting_quote_among_the_first_five(index, encoder):
    from scan.quotes import find_quotes
    from scan.support_eval import Pair, top3_check

    sentence = index.db.execute("SELECT text FROM sentences ORDER BY length(text) DESC LIMIT 1").fetchone()[0]
    restated = " ".join(sentence.split()).rstrip(".")
    pairs = [
        Pair(restated, sentence, "supports", "test", 5),
        Pair("Ett påstående om något helt annat än texten", sentence, "mentions", "test", 5),
    ]
    result = top3_check(index, encoder, pairs)
    assert result["claims"] == 2 and result["by_round"]["5"]["claims"] == 2
    marks = {p.claim: [q.support for q in find_quotes(index, encoder, p.claim, k=10, check=False)[:5]] for p in pairs}
    assert result["with_supporting"] == result["by_round"]["5"]["with_supporting"]
    assert result["with_supporting"] == sum("supports" in m for m in marks.values())
    assert "supports" in marks[restated]  # a word-for-word restatement is marked supports, so the count is not 0


def test_round_six_is_ordinary_claims_written_from_the_themes_split_by_topic():
    pairs = [p for p in load_pairs(default_pairs_file()) if p.round == 6]
    claims = {p.claim: p.split for p in pairs}
    assert len(claims) >= 40 and len(pairs) >= 300
    assert {"dev", "test"} == set(claims.values())
    assert sum(p.label == "supports" for p in pairs) >= 60 and any(p.label == "counters" for p in pairs)
    # no claim repeats one of an earlier round word for word
    earlier = {p.claim for p in load_pairs(default_pairs_file()) if p.round < 6}
    assert not earlier & set(claims)

"""Support marking for ordinary claims (round 5 of eval/quote_support.toml): an evaluation shared by
claim and sentence counts for support, "saknar"/"lacks" is a negation, and a claim of a change is
never supported by a sentence that states no change."""

from __future__ import annotations

import numpy as np
import pytest

from scan import support
from scan.support_eval import default_pairs_file, load_pairs

F = {name: i for i, name in enumerate(support.FEATURES)}
RECRUIT = "Kommunen har svårt att rekrytera till vård och omsorg"
HARD = "Kommunen upplever bland annat en svårighet att rekrytera inom exempelvis vård- och omsorgsarbete."
EASY = "Kommunen har lätt att rekrytera inom exempelvis vård- och omsorgsarbete."


def test_the_same_evaluation_on_both_sides_is_a_feature_of_its_own():
    same = support.features(RECRUIT, HARD, 0.9)
    assert same[F["valence_same"]] == 1 and same[F["valence_opposite"]] == 0
    opposite = support.features(RECRUIT, EASY, 0.9)
    assert opposite[F["valence_same"]] == 0 and opposite[F["valence_opposite"]] == 1
    # the same evaluative word in both counts too (it is skipped only when reading opposites)
    assert support.features(RECRUIT, "Det är svårt att rekrytera till omsorgen.", 0.9)[F["valence_same"]] == 1
    # a claim that evaluates nothing shares no evaluation
    assert support.features("Andelen äldre ökar", HARD, 0.9)[F["valence_same"]] == 0
    # a negation turns the evaluation round: "inte svårt" agrees with "lätt", not with "svårt"
    assert support.features("Kommunen har inte svårt att rekrytera", EASY, 0.9)[F["valence_same"]] == 1
    assert support.features("Kommunen har inte svårt att rekrytera", HARD, 0.9)[F["valence_same"]] == 0


def test_a_shared_evaluation_lifts_a_paraphrase_to_supports_and_an_opposite_one_never_is():
    assert support.WEIGHTS[0, F["valence_same"]] > support.WEIGHTS[2, F["valence_same"]]
    assert support.mark(RECRUIT, HARD, 0.937) == "supports"  # the round-5 pair, at its e5 cosine
    for cosine in np.arange(0.5, 1.01, 0.05):
        assert support.mark(RECRUIT, EASY, float(cosine)) != "supports"


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Tilliten bland unga ökar",
         "Andelen invånare som saknar tillit till andra ökar dock över tid i många kommuner, särskilt bland unga."),
        ("Alla bostadsområden har mötesplatser", "I de mest utsatta områdena saknas mötesplatser."),
        ("The municipality has a crisis plan for its IT systems",
         "The municipality still lacks a crisis plan for its IT systems."),
    ],
)  # fmt: skip
def test_lacking_something_is_a_negation_and_never_supports_having_it(claim, sentence):
    x = support.features(claim, sentence, 0.9)
    assert x[F["negation_mismatch"]] == 1
    for cosine in np.arange(0.5, 1.01, 0.05):
        assert support.mark(claim, sentence, float(cosine)) != "supports"


def test_lacking_on_both_sides_is_no_mismatch():
    x = support.features(
        "Allt fler saknar tillit till andra människor",
        "I Alingsås ökar andelen av befolkningen som saknar tillit till andra människor över tid.",
        0.9,
    )
    assert x[F["negation_mismatch"]] == 0 and x[F["negation_near_topic"]] == 0


STEERING = "Den statliga styrningen av kommunerna ökar"


@pytest.mark.parametrize(
    "sentence",
    [
        "Den statliga, särskilt riktade, styrningen i form av statsbidrag är både resurskrävande och kräver kompetens.",
        "Kommunerna å sin sida behöver bygga upp intern kompetens om statlig styrning och statsbidrag.",
    ],
)
def test_a_claim_of_a_change_is_never_supported_by_a_sentence_that_states_no_change(sentence):
    assert support.change_unstated(STEERING, sentence)
    assert support.unverified([(STEERING, sentence)]).tolist() == [True]
    for cosine in np.arange(0.5, 1.01, 0.05):
        assert support.mark(STEERING, sentence, float(cosine)) != "supports"


def test_a_sentence_that_states_the_change_or_a_claim_without_one_is_not_held_back():
    stated = "Statens styrning av kommuner och regioner har ökat under lång tid."
    assert not support.change_unstated(STEERING, stated)
    assert support.mark(STEERING, stated, support.COSINE_RANGE[1]) == "supports"
    # the opposite change is stated, so it is read (and counters), not held back as unstated
    assert not support.change_unstated(STEERING, "Den statliga styrningen av kommunerna minskar.")
    # a claim that states no change is never held back for it
    assert not support.change_unstated(RECRUIT, "Kommunen har svårt att rekrytera.")


def test_round_five_is_ordinary_claims_split_by_topic_with_every_pair_labelled():
    pairs = [p for p in load_pairs(default_pairs_file()) if p.round == 5]
    claims = {p.claim: p.split for p in pairs}
    assert len(claims) >= 30 and len(pairs) >= 200
    assert {"dev", "test"} == set(claims.values())
    assert sum(p.label == "supports" for p in pairs) >= 40


def test_the_top_three_check_counts_claims_with_a_supporting_quote_among_the_first_five(index, encoder):
    from scan.support_eval import Pair, top3_check

    sentence = index.db.execute("SELECT text FROM sentences ORDER BY length(text) DESC LIMIT 1").fetchone()[0]
    restated = " ".join(sentence.split()).rstrip(".")
    pairs = [
        Pair(restated, sentence, "supports", "test", 5),
        Pair("Ett påstående om något helt annat än texten", sentence, "mentions", "test", 5),
    ]
    result = top3_check(index, encoder, pairs)
    assert result["claims"] == 2 and result["by_round"]["5"]["claims"] == 2
    marks = {c: [q.support for q in _quotes(index, encoder, c)] for c in (p.claim for p in pairs)}
    assert result["with_supporting"] == sum("supports" in m for m in marks.values())
    assert "supports" in marks[restated] and result["with_supporting"] >= 1


def _quotes(index, encoder, claim):
    from scan.quotes import find_quotes

    return find_quotes(index, encoder, claim, k=10, check=False)[:5]


@pytest.mark.model
def test_ordinary_dev_claims_get_supporting_quotes_without_a_countering_one(e5):
    from scan.support_eval import evaluate_support

    result = evaluate_support(None, e5, load_pairs(default_pairs_file()))
    dev = result.by_split["dev"]
    assert dev["counters_marked_supports"] == 0 and dev["supports"]["recall"] >= 0.4
    ordinary = result.by_split["dev round 5"]
    assert ordinary["supports"]["recall"] >= 0.4 and ordinary["supports"]["precision"] >= 0.7

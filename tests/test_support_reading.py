"""Support marking, round 6 rules: idioms and group-naming relative clauses are no negation, "inte
bara"/"visst" limit a generalising claim, a claim of a change needs a sentence stating one, a problem
eased or aggravated has a direction, and "snarare än"/"rather than" orders two things."""

from __future__ import annotations

import numpy as np
import pytest

from scan import support
from scan.support_reading import also, negations

F = {name: i for i, name in enumerate(support.FEATURES)}
COSINES = [float(c) for c in np.arange(0.5, 1.01, 0.05)]


def never_supports(claim: str, sentence: str) -> bool:
    return all(support.mark(claim, sentence, c) != "supports" for c in COSINES)


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Tilliten gör det lättare att samverka",
         "Tilliten är viktig inte minst för förmågan att samverka över organisationsgränser."),
        ("Trust makes it easier to collaborate",
         "Trust matters, not least for the ability to collaborate across organisational boundaries."),
        ("Äldre riskerar att hamna utanför",
         "Samhällets digitalisering gör att de som sällan eller aldrig använder internet riskerar att hamna utanför."),
        ("Older people risk being left behind",
         "Services move online, and those who do not use the internet risk being left behind."),
    ],
)  # fmt: skip
def test_an_idiom_or_a_group_named_by_a_relative_clause_is_no_negation(claim, sentence):
    x = support.features(claim, sentence, 0.9)
    assert x[F["negation_mismatch"]] == 0 and x[F["negation_near_topic"]] == 0


@pytest.mark.parametrize(
    "sentence",
    [
        "Tilliten är inte viktig för förmågan att samverka.",
        "Äldre riskerar inte att hamna utanför.",
        "It is clear that older people do not risk being left behind.",
    ],
)
def test_a_plain_negation_still_counts(sentence):
    x = support.features("Äldre riskerar att hamna utanför", sentence, 0.9)
    assert x[F["negation_mismatch"]] == 1


def test_negations_skips_only_the_idiom_and_the_relative_clause():
    words = "de som aldrig använder internet är inte minst äldre men de är inte isolerade".split()
    assert [words[j] for j in negations(words, support.NEGATIONS)] == ["inte"]
    assert negations(words, support.NEGATIONS) == [12]
    assert also("kommunen nås inte bara digitalt".split()) and not also("kommunen nås inte digitalt".split())


def test_not_only_limits_a_claim_that_generalises():
    claim = "Alla invånare vill sköta sina kontakter med kommunen digitalt"
    sentence = "Det ökar kraven på att få möjlighet att möta kommunen, inte bara via digitala tjänster."
    assert support.features(claim, sentence, 0.9)[F["general_vs_limit"]] == 1
    assert never_supports(claim, sentence)


def test_a_certain_degree_limits_always():
    claim = "Polarisering är alltid skadlig för samhället"
    sentence = "Ett visst mått av polarisering kan vara nödvändigt, men den kan vara skadlig för samhället."
    assert support.features(claim, sentence, 0.9)[F["general_vs_limit"]] == 1
    assert never_supports(claim, sentence)
    assert support.features(claim, "Polarisering är skadlig för samhället.", 0.9)[F["general_vs_limit"]] == 0


STEERING = "Den statliga styrningen av kommunerna ökar"


@pytest.mark.parametrize(
    "sentence",
    [
        "Den statliga, särskilt riktade, styrningen i form av statsbidrag är både resurskrävande och kräver kompetens.",
        "Kommunerna å sin sida behöver bygga upp intern kompetens om statlig styrning och statsbidrag.",
    ],
)
def test_a_claim_of_a_change_is_never_supported_by_a_sentence_that_states_no_change(sentence):
    assert support.unverified([(STEERING, sentence)]).tolist() == [True]
    assert never_supports(STEERING, sentence)


def test_a_sentence_that_states_the_change_or_a_claim_without_one_is_not_held_back():
    stated = "Statens styrning av kommuner och regioner har ökat under lång tid."
    assert support.unverified([(STEERING, stated)]).tolist() == [False]
    assert support.mark(STEERING, stated, support.COSINE_RANGE[1]) == "supports"
    assert support.unverified([("Kommunen har svårt att rekrytera", "Kommunen har svårt att rekrytera.")]).tolist() == [
        False
    ]


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("The new plants eased the chip shortage", "The new plants aggravated the chip shortage."),
        ("Distansarbetet lindrar bristen på specialister", "Distansarbetet förvärrar bristen på specialister."),
    ],
)
def test_a_problem_eased_against_one_aggravated_is_a_contradiction(claim, sentence):
    assert support.features(claim, sentence, 0.9)[F["direction_opposite"]] == 1
    assert support.features(claim, claim + ".", 0.9)[F["direction_opposite"]] == 0
    assert never_supports(claim, sentence)


def test_rather_than_orders_two_things():
    claim = "Neighbouring municipalities compete rather than cooperate"
    sentence = "Neighbouring municipalities in the same labour market can cooperate rather than compete."
    assert support.features(claim, sentence, 0.9)[F["comparison_opposite"]] == 1
    assert (
        support.features(claim, "Neighbouring municipalities compete rather than cooperate.", 0.9)[
            F["comparison_opposite"]
        ]
        == 0
    )
    assert never_supports(claim, sentence)


def test_a_change_that_happened_does_not_agree_with_a_claim_that_one_is_needed():
    claim = "Kommunerna behöver stärka sin krisberedskap"
    happened = "Coronapandemin medförde en ökad krisberedskap i kommunen."
    assert support.features(claim, happened, 0.9)[F["direction_same"]] == 0
    assert support.features("Kommunernas krisberedskap stärks", happened, 0.9)[F["direction_same"]] == 1
    assert support.features(claim, "Kommunen behöver öka sin krisberedskap.", 0.9)[F["direction_same"]] == 1
    assert never_supports(claim, happened)

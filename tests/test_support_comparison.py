"""Comparisons and verbs of weakening/strengthening in the support marking (issue 9, item 5): a
claim comparing two subjects is only supported by a sentence that orders the same two the same way;
a comparative that compares is not a direction of change; "urholka", "undergräva", "erode",
"bolster" … are directions."""

import numpy as np
import pytest

from scan import support
from scan.support_cues import comparison_unverified, comparison_words

F = {name: i for i, name in enumerate(support.FEATURES)}
COSINES = np.linspace(0.5, 1.0, 11)


def _feature(claim: str, sentence: str, name: str) -> float:
    return float(support.features(claim, sentence, 0.9)[F[name]])


REVERSED = [
    # subjects swapped
    ("Skatteintäkterna växer snabbare än kostnaderna för omsorgen",
     "Kostnaderna för omsorgen växer snabbare än skatteintäkterna, så kommunerna står inför svåra val."),
    # the other comparative
    ("Kommunens arbetskraft växer snabbare än behoven",
     "Kommunens arbetskraft växer långsammare än behoven av välfärd."),
    # paraphrased subjects: the sentence compares two others, in the same words of change
    ("Kommunens arbetskraft växer snabbare än behoven",
     "Antalet yngre och äldre invånare i kommunen ökar i snabbare takt än den arbetsföra befolkningen."),
    # one side without a topic word, "fler" on both sides
    ("Fler pendlar in till kommunen än ut",
     "Kommunen är en utpendlingskommun: fler pendlar till kringliggande kommuner jämfört med hur många som "
     "pendlar in till kommunen."),
    ("Tax revenue grows faster than the cost of care",
     "The cost of care grows faster than tax revenue, so municipalities face hard choices."),
    ("Recovery after an attack is cheaper than prevention",
     "Recovery after an attack costs many times more than prevention."),
]  # fmt: skip


@pytest.mark.parametrize("claim, sentence", REVERSED)
def test_a_comparison_the_other_way_round_is_never_marked_supports_at_any_cosine(claim, sentence):
    assert comparison_unverified(claim, sentence)
    assert all(support.mark(claim, sentence, float(c)) != "supports" for c in COSINES)


def test_a_comparison_stated_the_same_way_is_verified_and_can_support():
    claim = "Kostnaderna för omsorgen växer snabbare än skatteintäkterna"
    same = "Kostnaderna för omsorgen växer snabbare än skatteintäkterna, så kommunerna står inför svåra val."
    turned = "Skatteintäkterna växer långsammare än kostnaderna för omsorgen."
    assert not comparison_unverified(claim, same)
    assert not comparison_unverified(claim, turned)  # the same order said from the other side
    assert support.mark(claim, same, 0.95) == "supports"
    # a claim with no comparison of two subjects is not held to one ("than before" is a change)
    assert not comparison_unverified("Each worker supports more people than before", "Each worker supports more.")


def test_a_comparative_that_compares_is_not_a_direction_of_change():
    words = "alingsås har en högre försörjningsbörda än riket".split()
    assert comparison_words(words) == {3}
    assert comparison_words("försörjningsbördan är högre än tidigare".split()) == set()  # the past: a change
    claim = "Försörjningsbördan i Alingsås är högre än i riket"
    assert _feature(claim, "Försörjningsbördan i Alingsås är högre än i Borås.", "direction_same") == 0
    assert _feature("Försörjningsbördan ökar", "Försörjningsbördan är högre än tidigare.", "direction_same") == 1


@pytest.mark.parametrize(
    "claim, sentence",
    [
        ("Välfärdsbrott stärker människors förtroende för institutionerna",
         "Välfärdsbrott riskerar att urholka människors förtroende för institutionerna."),
        ("Statlig styrning stärker det kommunala självstyret",
         "Med mer statlig styrning urvattnas det kommunala självstyret."),
        ("Föreningslivet befäster tilliten mellan grupper", "Ett svagt föreningsliv undergräver tilliten mellan grupper."),
        ("Segregation strengthens trust between groups", "Segregation erodes trust between groups."),
        ("Fraud bolsters confidence in the benefits system", "Fraud undermines confidence in the benefits system."),
        ("Tilliten mellan grupper har förstärkts", "Tilliten mellan grupper har försvagats."),
    ],
)  # fmt: skip
def test_verbs_of_weakening_and_strengthening_are_directions(claim, sentence):
    assert _feature(claim, sentence, "direction_opposite") == 1
    assert all(support.mark(claim, sentence, float(c)) != "supports" for c in COSINES)


def test_a_direction_word_both_use_the_same_way_is_topic():
    claim = "Information security governance can be relaxed as services become more connected"
    sentence = "As services become more connected, information security governance must be strengthened."
    assert _feature(claim, sentence, "direction_opposite") == 1  # relaxed against strengthened
    assert all(support.mark(claim, sentence, float(c)) != "supports" for c in COSINES)
    # when the shared words are the only direction of the claim, they still agree
    same = "Utsläppen har minskat något i Alingsås"
    assert _feature(same, "Utsläppen har minskat något i Sverige och i Alingsås.", "direction_same") == 1

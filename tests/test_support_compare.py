"""Comparisons, figures and compound evaluative words in the support marking (issue 9, item 5):
a sentence that orders the claim's two subjects the other way, gives figures that do, or calls
the claim's subject bad in a compound word is never offered as support."""

import numpy as np
import pytest
from quotemarks import WORDS, shown_everywhere

from scan import support
from scan.support_cues import change_from_to, comparison_opposite, compound_valence, turned_valence

F = {name: i for i, name in enumerate(support.FEATURES)}


def cue(claim: str, sentence: str, name: str) -> float:
    return float(support.features(claim, sentence, 0.9)[F[name]])


def test_two_subjects_compared_the_other_way_round_swedish_and_english():
    sentence = "Antalet äldre växer snabbare än antalet personer i arbetsför ålder."
    assert comparison_opposite("Antalet personer i arbetsför ålder växer snabbare än antalet äldre", sentence)
    assert not comparison_opposite("Antalet äldre växer snabbare än antalet personer i arbetsför ålder", sentence)
    en = "Because the costs of care rise faster than tax revenue, councils face hard choices."
    assert comparison_opposite("Tax revenue rises faster than the costs of care", en)
    assert not comparison_opposite("The costs of care rise faster than tax revenue", en)


def test_the_opposite_comparative_on_the_same_order_counters():
    sentence = "Low-sulphur fuels, such as marine gas oil, which cost more than heavy fuel oil."
    assert comparison_opposite("Low-sulphur fuels are cheaper than heavy fuel oil", sentence)
    assert not comparison_opposite("Low-sulphur fuels cost more than heavy fuel oil", sentence)
    # "jämfört med"/"compared with" also compares in the plain degree ("modest compared with")
    assert comparison_opposite(
        "Utsläppsminskningarna har varit större än målen",
        "Utsläppsminskningarna har varit blygsamma jämfört med målen.",
    )


def test_figures_that_order_the_two_subjects_the_other_way():
    sentence = "Bland barn lever 4,5 procent i ekonomiskt utsatta hushåll och av äldre över 65 år lever 11,4 procent."
    # "65 år" is an age, not the share: the share of "äldre" is 11,4
    assert comparison_opposite("Ekonomisk utsatthet är vanligare bland barn än bland äldre", sentence)
    assert not comparison_opposite("Äldre lever oftare i ekonomisk utsatthet än barn", sentence)
    assert not comparison_opposite("Ekonomisk utsatthet är vanligare bland barn än bland äldre", "Barn är 4,5 procent.")


def test_a_majority_or_a_minority_against_the_share_given():
    sentence = "Enligt undersökningen använder 94 procent av svenskarna internet år 2021."
    assert comparison_opposite("Bara en minoritet av svenskarna använder internet", sentence)
    assert not comparison_opposite("De flesta svenskar använder internet", sentence)
    assert comparison_opposite("Most workers can telework", "Only 30 % of workers could telework.")


def test_a_figure_moving_from_one_value_to_another_has_a_direction():
    assert change_from_to("The limit fell from 3.50 % to 0.50 % by mass.") == -1
    assert change_from_to("Andelen steg från 4,5 till 11,4 procent.") == 1
    assert change_from_to("Från 2022 har en ny myndighet inrättats.") == 0
    assert cue("The sulphur limit rose from 0.50 % to 3.50 %", "The limit changed from 3.50 % to 0.50 %.",
               "direction_opposite") == 1  # fmt: skip


def test_compound_and_affixed_evaluative_words():
    good, bad = support.GOOD, support.BAD
    assert compound_valence("kompetensbrist", good, bad) == -1
    assert compound_valence("konkurrensfördelar", good, bad) == 1
    assert compound_valence("samhällsutmaningar", good, bad) == -1
    assert compound_valence("ansvarsfördelning", good, bad) == 0  # not "fördel"
    assert compound_valence("informationssäkerheten", good, bad) == 0
    assert turned_valence("riskfri", good, bad) == 1  # opens with "risk", but free of it
    assert turned_valence("oproblematiskt", good, bad) == 1
    assert turned_valence("unsuccessful", good, bad) == -1
    claim = "Ett aktivt hållbarhetsarbete är en nackdel när organisationer rekryterar"
    assert cue(claim, "Ett aktivt hållbarhetsarbete ger en konkurrensfördel när organisationer rekryterar.",
               "valence_opposite") == 1  # fmt: skip
    assert cue("Tekniken är riskfri för kommunens arbetsuppgifter", "Tekniken riskerar att slå ut arbetsuppgifter.",
               "valence_opposite") == 1  # fmt: skip
    assert cue("Utpendlarna är ett problem för kommunen", "Utpendlarna är en möjlighet för kommunen.",
               "valence_opposite") == 1  # fmt: skip


def test_the_comparison_cue_is_in_the_veto():
    row = np.zeros(len(support.FEATURES))
    row[F["comparison_opposite"]] = 1
    assert "comparison_opposite" in support.VETO and support.vetoed(row)[0]
    assert support.decide(np.array([[0.95, 0.03, 0.02]]), veto=support.vetoed(row)) == ["counters"]


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Antalet i arbetsför ålder växer snabbare än antalet äldre",
         "Antalet äldre växer snabbare än antalet i arbetsför ålder."),
        ("Tax revenue rises faster than the costs of care", "The costs of care rise faster than tax revenue."),
        ("Ekonomisk utsatthet är vanligare bland barn än bland äldre",
         "Bland barn är 4,5 procent ekonomiskt utsatta och bland äldre 11,4 procent."),
        ("Hållbarhetsarbete är en nackdel för arbetsgivare", "Hållbarhetsarbete är en konkurrensfördel för arbetsgivare."),
        ("Samverkan är riskfri för kommunen", "Samverkan medför en risk för kommunen."),
    ],
)  # fmt: skip
def test_a_near_copy_that_orders_or_judges_the_other_way_is_never_marked_supports(claim, sentence):
    assert support.mark(claim, sentence, 0.97) != "supports"


def test_the_same_comparison_can_still_support():
    claim = "Antalet äldre växer snabbare än antalet i arbetsför ålder"
    assert (
        support.mark(claim, "Antalet äldre växer snabbare än antalet i arbetsför ålder i kommunen.", 0.97) == "supports"
    )


DOC = """# Befolkning

## Försörjning

Antalet äldre i kommunen växer snabbare än antalet invånare i arbetsför ålder.

Antalet invånare i arbetsför ålder i kommunen växer snabbare än antalet äldre.

Kommunen bygger en ny simhall vid stationen under nästa år.
"""


def test_cli_json_api_and_page_agree_on_a_reversed_comparison(tmp_path, monkeypatch):
    claim = "Antalet invånare i arbetsför ålder växer snabbare än antalet äldre i kommunen"
    shown = shown_everywhere(tmp_path, monkeypatch, "befolkning.md", DOC, claim)
    reversed_text = next(t for t in shown.marks if t.startswith("Antalet äldre"))
    mark = shown.marks[reversed_text]
    assert mark != "supports"
    block = shown.block("Antalet äldre")
    assert WORDS[mark] in block and "stöder" not in block
    assert shown.api == shown.marks
    assert f"support-{mark}" in shown.article("Antalet äldre")


def test_the_top_three_check_skips_claims_written_for_another_library_and_counts_by_round(index, encoder):
    from scan.support_eval import Pair, top3_check

    sentence = index.db.execute("SELECT text FROM sentences LIMIT 1").fetchone()[0]
    pairs = [
        Pair("Ett påstående om det som står i den här texten", sentence, "mentions", "test", 1),
        Pair("Ett påstående om ett bibliotek som inte är indexerat", "Meningen finns inte i indexet.", "counters",
             "test", 2),
        Pair("Ett påstående på dev-halvan av samlingen", sentence, "supports", "dev", 2),
    ]  # fmt: skip
    result = top3_check(index, encoder, pairs)
    assert result["claims"] == 1 and result["claims_skipped"] == 1
    assert set(result["by_round"]) == {"1"} and result["by_round"]["1"]["claims"] == 1
    assert result["supporting_quotes"] == result["by_round"]["1"]["supporting_quotes"]

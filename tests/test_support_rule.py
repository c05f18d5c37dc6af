"""The decision rule of the support marking (issue 9, item 5): a countering sentence is never
listed as support, `supports` needs a confident model, the probability of support never falls as
the cosine rises, and the thresholds are chosen on held-out marks with a countering sentence
offered as support costing COST_WEIGHT errors."""

import numpy as np
import pytest
from quotemarks import shown_everywhere

from scan import support
from scan.support_eval import COST_WEIGHT, cost, fit, held_out, restatement_cap

F = {name: i for i, name in enumerate(support.FEATURES)}
COSINES = np.linspace(0.5, 1.0, 11)  # from unrelated to a copy, under any encoder


def _probabilities_along_the_cosine(model=None) -> np.ndarray:
    """P(supports) of random cue rows as the cosine sweeps COSINES (rows × cosines)."""
    rng = np.random.default_rng(0)
    rows = (rng.random((40, len(support.FEATURES))) < 0.2).astype(float)
    rows[:, 1] = rng.random(40)  # the word overlap is a share
    out = []
    for c in COSINES:
        rows[:, 0] = c
        out.append(support.probabilities(rows, model)[:, 0])
    return np.array(out).T


def test_the_shipped_p_supports_never_falls_as_the_cosine_rises():
    assert (np.diff(_probabilities_along_the_cosine(), axis=1) >= -1e-12).all()


def test_the_fit_keeps_p_supports_monotone_even_when_the_data_pull_the_other_way():
    # near copies that counter (high cosine) and loose paraphrases that support (lower cosine):
    # an unconstrained fit would give `supports` a falling cosine weight
    rng = np.random.default_rng(1)
    n = 90
    labels = ["supports"] * 30 + ["mentions"] * 30 + ["counters"] * 30
    cosine = np.r_[rng.normal(0.86, 0.01, 30), rng.normal(0.84, 0.01, 30), rng.normal(0.93, 0.01, 30)]
    x = np.zeros((n, len(support.FEATURES)))
    x[:, 0], x[:, 1] = cosine, rng.random(n)
    model = fit(x, labels)
    weights = model[2]
    assert weights[0, 0] >= weights[1, 0] - 1e-12 and weights[0, 0] >= weights[2, 0] - 1e-12
    assert (np.diff(_probabilities_along_the_cosine(model), axis=1) >= -1e-12).all()


def test_a_countering_sentence_offered_as_support_costs_more_than_any_other_error():
    assert cost(["counters"], ["supports"]) == COST_WEIGHT > 1
    assert cost(["supports"], ["mentions"]) == cost(["mentions"], ["supports"]) == 1
    assert cost(["counters", "supports"], ["counters", "supports"]) == 0


def test_held_out_marks_come_from_models_fitted_without_the_claim():
    # five claims of supporting and mentioning rows, one claim (the last) of countering rows: held
    # out one claim at a time, the others are marked right, and the countering claim cannot be,
    # since no model that marks it has seen a countering row
    x = np.zeros((12, len(support.FEATURES)))
    labels = ["supports", "mentions"] * 5 + ["counters"] * 2
    claims = [f"claim {i // 2}" for i in range(12)]
    for i, label in enumerate(labels):
        x[i, 0] = 0.85 + 0.01 * (i % 3)
        x[i, 1] = {"supports": 1.0, "mentions": 0.1, "counters": 1.0}[label]
        x[i, F["antonym"]] = float(label == "counters")
    p = held_out(x, labels, claims, folds=6, shuffles=2)
    assert p.shape == (24, 3) and np.allclose(p.sum(axis=1), 1)
    marked = [support.LABELS[k] for k in p.argmax(axis=1)]
    assert marked[:10] == labels[:10] and marked[12:22] == labels[:10]
    assert "counters" not in marked[10:12] + marked[22:]
    # fitted with it, the same rows are marked `counters`
    assert support.LABELS[support.probabilities(x[10], fit(x, labels)).argmax()] == "counters"


def test_the_support_threshold_is_reachable_by_a_restatement_of_the_claim():
    model = (support.MEAN, support.SCALE, support.WEIGHTS, support.BIAS)
    assert support.SUPPORT_THRESHOLD <= restatement_cap(model, support.COSINE_RANGE)
    claim = "Kommunen har lätt att rekrytera sjuksköterskor"
    assert support.mark(claim, claim + ".", support.COSINE_RANGE[1]) == "supports"


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        # each a small fixture: the sentence says the opposite of the claim, in a different way each time
        ("Kommunen har lätt att rekrytera lärare", "Kommunen har svårt att rekrytera lärare."),
        ("Antalet elever ökar i kommunen", "Antalet elever i kommunen minskar för varje år."),
        ("Bibliotekets besökare blir fler", "Bibliotekets besökare blir allt färre."),
        ("Kommunen kan digitalisera hemtjänsten", "Hemtjänsten kommer inte att kunna digitaliseras."),
        ("Alla invånare använder e-tjänsterna", "Bara vissa invånare använder e-tjänsterna."),
        ("Skatteintäkterna växer snabbare än kostnaderna", "Kostnaderna växer snabbare än skatteintäkterna."),
        ("Councils find it easy to keep security staff", "Councils find it hard to keep security staff."),
        ("Income gaps have widened in the region", "Income gaps have narrowed in the region."),
        ("Återbruk minskar kommunens kostnader", "Återbruk ökar kommunens kostnader."),
    ],
)
def test_a_countering_sentence_is_never_marked_supports_at_any_cosine(claim, sentence):
    x = np.array([support.features(claim, sentence, float(c)) for c in COSINES])
    marks = support.decide(support.probabilities(x), veto=support.vetoed(x))
    assert "supports" not in marks


def test_a_shared_evaluative_word_is_topic_not_a_judgement():
    # "security" is good on both sides; it must not cancel "easy" against "hard"
    row = support.features(
        "Councils find it easy to keep security staff", "Councils find it hard to keep security staff.", 0.9
    )
    assert row[F["valence_opposite"]] == 1
    row = support.features("Security staff are easy to keep", "Security staff are easy to keep.", 0.9)
    assert row[F["valence_opposite"]] == 0


def test_rarely_is_a_negation_and_narrowing_a_direction():
    claim = "De som sällan använder internet riskerar att hamna utanför"
    sentence = "De som sällan eller aldrig använder internet riskerar att hamna utanför."
    assert support.features(claim, sentence, 0.9)[F["negation_mismatch"]] == 0
    assert support.features("Income gaps have widened", "Income gaps have narrowed.", 0.9)[F["direction_opposite"]] == 1


DOC = """# Skola

## Elever

Antalet elever i grundskolan minskar i kommunen under de kommande åren.

Antalet elever i grundskolan ökar i kommunen under de kommande åren.

Kommunen bygger en ny simhall vid stationen under nästa år.
"""


def test_a_countering_quote_is_never_listed_as_support_on_any_surface(tmp_path, monkeypatch):
    claim = "Antalet elever i grundskolan ökar i kommunen under de kommande åren"
    shown = shown_everywhere(tmp_path, monkeypatch, "skola.md", DOC, claim)
    falling = next(t for t in shown.marks if "minskar" in t)
    assert shown.marks[falling] == "counters" and shown.api[falling] == "counters"
    supporting = [t for t, m in shown.marks.items() if m == "supports"]
    assert all("minskar" not in t for t in supporting)
    assert "stöder" not in shown.block("minskar")

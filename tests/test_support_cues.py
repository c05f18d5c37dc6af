"""The support marking's newer cues (issue 9): a negation next to a shared topic word, a harm the
claim does not name, topic words matched on their first letters, and the support threshold."""

import numpy as np
import pytest

from scan import support
from scan.support_eval import choose_support_threshold

F = {name: i for i, name in enumerate(support.FEATURES)}
CLAIM = "Digitalisering kan frigöra resurser i välfärden"


def test_topic_words_match_on_their_first_letters():
    x = support.features("Välfärdsjobben kan digitaliseras", "Digitaliseringen av välfärdsjobben går fort.", 0.9)
    assert x[F["overlap"]] == 1.0
    unrelated = support.features("Välfärdsjobben kan digitaliseras", "Kommunen bygger en ny skola.", 0.9)
    assert unrelated[F["overlap"]] == 0.0


def test_a_negation_next_to_a_shared_topic_word_is_about_the_topic():
    near = support.features(
        "Välfärdsjobben kan digitaliseras", "Många av välfärdsjobben kommer inte kunna digitaliseras.", 0.9
    )
    assert near[F["negation_near_topic"]] == 1
    far = support.features(
        "Välfärdsjobben kan digitaliseras",
        "Välfärdsjobben kan digitaliseras i stor utsträckning enligt rapporten som ingen i kommunen har läst.",
        0.9,
    )
    assert far[F["negation_near_topic"]] == 0 and far[F["negation_mismatch"]] == 1


def test_a_harm_that_only_the_sentence_names():
    x = support.features(
        CLAIM, "Digitaliseringen medför att den som aldrig använder internet riskerar utanförskap.", 0.9
    )
    assert x[F["harm_only_in_sentence"]] == 1
    named = support.features(
        "Digitalisering riskerar att skapa utanförskap", "Många riskerar digitalt utanförskap.", 0.9
    )
    assert named[F["harm_only_in_sentence"]] == 0


def test_supports_needs_the_support_threshold():
    below = support.SUPPORT_THRESHOLD - 0.01
    p = np.array([[below, below - 0.1, 0.0], [support.SUPPORT_THRESHOLD, 0.1, 0.0]])
    assert support.decide(p) == ["mentions", "supports"]


def test_the_support_threshold_is_the_stricter_of_equally_good_ones():
    p = np.array([[0.9, 0.1, 0.0], [0.35, 0.3, 0.1]])
    # the second pair is a mention: every threshold above 0.35 marks both right; the strictest wins
    assert choose_support_threshold(p, ["supports", "mentions"], 0.5) == 0.9
    # but never above the cap (what a restatement of the claim reaches)
    assert choose_support_threshold(p, ["supports", "mentions"], 0.5, cap=0.8) == 0.8
    # when the weak one is a real support, a threshold above it costs an error
    assert choose_support_threshold(p, ["supports", "supports"], 0.5) == 0.35


@pytest.mark.model
def test_the_issues_example_no_digital_exclusion_as_support(corpus_index, e5):
    from scan.quotes import find_quotes

    quotes = find_quotes(corpus_index, e5, CLAIM, k=5)
    marks = {q.text: q.support for q in quotes}
    exclusion = [m for t, m in marks.items() if "digitalt utanförskap" in t]
    cannot = [m for t, m in marks.items() if "inte kunna digitaliseras" in t]
    assert exclusion and cannot  # both are among the top five quotes for the claim
    assert exclusion[0] != "supports" and cannot[0] == "counters"

"""The document verdict: main trend with its confidence, and every trend the text speaks to."""

from __future__ import annotations

import numpy as np
import pytest

from scan.trendprofile import (
    LABELS_MIN,
    MAIN_LEAD,
    MIN_SHARE,
    SEVERAL,
    TWO_TRENDS,
    DocumentMap,
    main_and_presence,
    outcome,
    verdict,
)

CLASSES = (0, 1, 2, 3)


def test_a_one_passage_text_gets_its_own_probabilities_exactly():
    row = np.array([[0.1, 0.6, 0.25, 0.05]])
    label, confidence, labels, presence, several = verdict(row, np.ones(1), CLASSES, document_map=DocumentMap(0.5, 1.0))
    assert label == 1 and confidence == pytest.approx(0.6) and not several  # no document map on one passage
    assert labels == [1] and presence[2] == pytest.approx(0.25)  # under LABELS_MIN


def test_a_text_most_likely_about_nothing_gets_no_trend():
    row = np.array([[0.55, 0.3, 0.1, 0.05]])
    label, confidence, labels, _, _ = verdict(row, np.ones(1), CLASSES)
    assert label is None and confidence == pytest.approx(0.55) and labels == []


def test_a_text_split_evenly_between_two_trends_lists_both_and_has_no_single_main_trend():
    rows = np.array([[0.02, 0.95, 0.02, 0.01], [0.02, 0.02, 0.95, 0.01]])
    label, confidence, labels, _, several = verdict(rows, np.array([600.0, 500.0]), CLASSES)
    assert several and label == 1 and labels == [1, 2] and 0.5 < confidence < 0.99  # 1 is only the largest


def test_a_report_on_two_trends_lists_both_and_is_sure_of_its_main_trend():
    rows = np.array([[0.05, 0.9, 0.03, 0.02]] * 6 + [[0.05, 0.03, 0.9, 0.02]] * 2 + [[0.9, 0.04, 0.03, 0.03]] * 2)
    label, confidence, labels, presence, several = verdict(rows, np.full(10, 500.0), CLASSES)
    assert label == 1 and confidence > 0.9 and not several
    assert labels == [1, 2] and presence[3] < LABELS_MIN


def test_a_trend_in_one_short_passage_of_a_long_report_is_not_listed():
    rows = np.array([[0.05, 0.9, 0.03, 0.02]] * 30 + [[0.02, 0.02, 0.02, 0.94]])
    _, _, labels, presence, _ = verdict(rows, np.full(31, 400.0), CLASSES)
    assert labels == [1] and presence[3] < LABELS_MIN  # 1/31 of the text < MIN_SHARE


def test_the_verdict_repeats_and_main_probabilities_sum_to_one():
    rng = np.random.default_rng(5)
    rows = rng.dirichlet(np.ones(4), size=700)  # several sampling chunks
    weights = rng.integers(100, 1000, size=700).astype(float)
    main, presence, several = main_and_presence(rows, weights, 0)
    again, _, _ = main_and_presence(rows, weights, 0)
    assert main.sum() + several == pytest.approx(1.0) and np.array_equal(main, again)
    assert ((presence >= 0) & (presence <= 1)).all() and MIN_SHARE > 0


def test_a_table_with_one_remark_on_a_trend_is_no_trend_but_the_remark_may_be_listed():
    rows = np.array([[0.97, 0.01, 0.01, 0.01]] * 8 + [[0.35, 0.6, 0.03, 0.02]])
    label, confidence, labels, presence, _ = verdict(rows, np.full(9, 300.0), CLASSES)
    assert label is None and confidence > 0.75  # most of the text speaks to no trend
    assert presence[1] == pytest.approx(0.6, abs=0.05)


def test_a_main_trend_needs_a_clear_lead_over_every_other_trend():
    shares = np.array(
        [
            [0.1, 0.6, 0.3, 0.0],  # 2 times the next: main trend 1
            [0.1, 0.35, 0.3, 0.25],  # a nose ahead: several
            [0.9, 0.1, 0.0, 0.0],  # mostly nothing: no trend
            [0.2, 0.8, 0.0, 0.0],  # alone: main trend
        ]
    )
    assert outcome(shares, 0).tolist() == [1, SEVERAL, 0, 1] and MAIN_LEAD > 1


def test_a_report_of_chapters_on_many_trends_says_no_single_main_trend():
    rows = np.vstack([np.eye(4)[c] * 0.9 + 0.025 for c in (1, 2, 3, 1, 2, 3)])
    label, confidence, labels, _, several = verdict(rows, np.full(6, 400.0), CLASSES)
    assert several and confidence > 0.5 and sorted(labels) == [1, 2, 3] and label in labels


def test_the_document_map_is_monotone_and_applies_only_to_several_passages():
    m = DocumentMap(0.7, 0.1)
    values = [m(p) for p in np.linspace(0.0, 1.0, 50)]
    assert all(a < b for a, b in zip(values, values[1:])) and DocumentMap()(0.7) == pytest.approx(0.7)
    assert 0.5 < m(0.5) < 0.55 and 0.98 < m(1.0) < 0.999  # a certainty is read as half a reading short of it
    rows = np.array([[0.05, 0.9, 0.03, 0.02]] * 6 + [[0.05, 0.03, 0.9, 0.02]] * 3)
    raw = verdict(rows, np.full(9, 500.0), CLASSES).confidence
    assert verdict(rows, np.full(9, 500.0), CLASSES, document_map=m).confidence == pytest.approx(m(raw))


def test_a_verdict_that_hangs_on_one_passage_allows_for_it_speaking_to_two_trends(monkeypatch):
    # two thirds of the text read as trend 1, one third as 2: main trend 1, unless the long passage
    # also speaks to 2 (its little remaining probability is on 2): then 2 leads
    rows = np.array([[0.001, 0.995, 0.004, 0.0], [0.001, 0.004, 0.995, 0.0]])
    weights = np.array([200.0, 100.0])
    label, confidence, _, _, _ = verdict(rows, weights, CLASSES)
    monkeypatch.setattr("scan.trendprofile.TWO_TRENDS", 0.0)
    label_alone, confidence_alone, _, _, _ = verdict(rows, weights, CLASSES)
    assert label == label_alone == 1 and confidence_alone > 0.98 and TWO_TRENDS > 0
    assert confidence == pytest.approx(confidence_alone - TWO_TRENDS, abs=0.012)  # sampling: sd about 0.0045


def test_a_passage_with_all_its_probability_on_one_class_is_never_split():
    rows = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    label, confidence, labels, presence, several = verdict(rows, np.array([200.0, 100.0]), CLASSES)
    assert label == 1 and confidence == 1.0 and not several and labels == [1, 2] and presence[3] == 0.0


def test_passages_that_may_speak_to_two_trends_leave_the_readings_summing_to_one():
    rng = np.random.default_rng(7)
    rows = rng.dirichlet(np.full(4, 0.3), size=300)  # two sampling chunks, many passages split
    weights = rng.integers(100, 1000, size=300).astype(float)
    main, presence, several = main_and_presence(rows, weights, 0)
    assert main.sum() + several == pytest.approx(1.0) and ((presence >= 0) & (presence <= 1)).all()

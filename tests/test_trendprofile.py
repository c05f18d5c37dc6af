"""The document verdict: main trend with its confidence, and every trend the text speaks to."""

from __future__ import annotations

import numpy as np
import pytest

from scan.trendprofile import LABELS_MIN, MIN_SHARE, main_and_presence, verdict

CLASSES = (0, 1, 2, 3)


def test_a_one_passage_text_gets_its_own_probabilities_exactly():
    row = np.array([[0.1, 0.6, 0.25, 0.05]])
    label, confidence, labels, presence = verdict(row, np.ones(1), CLASSES)
    assert label == 1 and confidence == pytest.approx(0.6)
    assert labels == [1] and presence[2] == pytest.approx(0.25)  # under LABELS_MIN


def test_a_text_most_likely_about_nothing_gets_no_trend():
    row = np.array([[0.55, 0.3, 0.1, 0.05]])
    label, confidence, labels, _ = verdict(row, np.ones(1), CLASSES)
    assert label is None and confidence == pytest.approx(0.55) and labels == []


def test_a_text_split_between_two_trends_lists_both():
    rows = np.array([[0.02, 0.95, 0.02, 0.01], [0.02, 0.02, 0.95, 0.01]])
    label, confidence, labels, _ = verdict(rows, np.array([600.0, 500.0]), CLASSES)
    assert label == 1 and labels == [1, 2] and 0.5 < confidence < 0.99


def test_a_report_on_two_trends_lists_both_and_is_sure_of_its_main_trend():
    rows = np.array([[0.05, 0.9, 0.03, 0.02]] * 6 + [[0.05, 0.03, 0.9, 0.02]] * 3 + [[0.9, 0.04, 0.03, 0.03]])
    label, confidence, labels, presence = verdict(rows, np.full(10, 500.0), CLASSES)
    assert label == 1 and confidence > 0.9
    assert labels == [1, 2] and presence[3] < LABELS_MIN


def test_a_trend_in_one_short_passage_of_a_long_report_is_not_listed():
    rows = np.array([[0.05, 0.9, 0.03, 0.02]] * 30 + [[0.02, 0.02, 0.02, 0.94]])
    _, _, labels, presence = verdict(rows, np.full(31, 400.0), CLASSES)
    assert labels == [1] and presence[3] < LABELS_MIN  # 1/31 of the text < MIN_SHARE


def test_the_verdict_repeats_and_main_probabilities_sum_to_one():
    rng = np.random.default_rng(5)
    rows = rng.dirichlet(np.ones(4), size=700)  # several sampling chunks
    weights = rng.integers(100, 1000, size=700).astype(float)
    main, presence = main_and_presence(rows, weights, 0)
    again, _ = main_and_presence(rows, weights, 0)
    assert main.sum() == pytest.approx(1.0) and np.array_equal(main, again)
    assert ((presence >= 0) & (presence <= 1)).all() and MIN_SHARE > 0


def test_a_table_with_one_remark_on_a_trend_is_no_trend_but_the_remark_may_be_listed():
    rows = np.array([[0.97, 0.01, 0.01, 0.01]] * 8 + [[0.35, 0.6, 0.03, 0.02]])
    label, confidence, labels, presence = verdict(rows, np.full(9, 300.0), CLASSES)
    assert label is None and confidence > 0.75  # most of the text speaks to no trend
    assert presence[1] == pytest.approx(0.6, abs=0.05)

"""Calibration beyond one passage: the pooled temperature and the document calibration map."""

from __future__ import annotations

import numpy as np
import pytest

from scan import doccalib, trends
from scan.classify_eval import LabelledText, calibration, decide_document, document_metrics
from scan.taxonomy import Taxonomy, Trend
from scan.trendprofile import SEVERAL, DocumentMap

CLASSES = (0, 1, 2)


def _pool(rng, n, true_temperature):
    """Logits whose labels are drawn from softmax(logits / true_temperature)."""
    z = rng.normal(0, 3, size=(n, len(CLASSES)))
    p = trends.softmax(z / true_temperature)
    y = np.array([rng.choice(len(CLASSES), p=row) for row in p])
    return z, y


def _top_ece(z, y, t):
    p = trends.softmax(z / t)
    return calibration(p.max(axis=1), (p.argmax(axis=1) == y).astype(float))[0]


def test_a_temperature_fitted_on_both_pools_fits_both_better_than_one_fitted_on_the_other_publishers():
    rng = np.random.default_rng(3)
    z_own, y_own = _pool(rng, 300, 2.0)  # the analysis's passages: the logits are over-sure
    z_other, y_other = _pool(rng, 300, 0.7)  # other publishers' texts: under-sure
    z_desc, y_desc = _pool(rng, 50, 0.1)  # descriptions: not part of the fit
    z = np.vstack([z_own, z_other, z_desc])
    y = np.concatenate([y_own, y_other, y_desc])
    groups = np.array([0] * 300 + [5] * 300 + [1] * 50)
    weights = trends._calibration_weights(groups, pooled=True)
    assert weights[groups == 1].sum() == 0 and weights[groups == 0].sum() == pytest.approx(weights[groups == 5].sum())
    assert (trends._calibration_weights(groups, pooled=False) == (groups == 5)).all()  # the other publishers only
    pooled = trends.fit_temperature(z, y, CLASSES, weights)
    other_only = trends.fit_temperature(z_other, y_other, CLASSES)
    assert other_only < pooled < 2.0
    both = (np.vstack([z_own, z_other]), np.concatenate([y_own, y_other]))
    assert _top_ece(*both, pooled) < _top_ece(*both, other_only)
    assert _top_ece(z_own, y_own, pooled) < _top_ece(z_own, y_own, other_only)


def test_without_enough_other_publishers_texts_every_row_calibrates():
    groups = np.array([0] * 30 + [5] * 10 + [3] * 5)
    assert (trends._calibration_weights(groups) == 1).all()


def _logit(p):
    return np.log(p / (1 - p))


def test_the_document_map_is_monotone_and_makes_over_sure_verdicts_honest():
    rng = np.random.default_rng(0)

    def draw(n):  # right less often than claimed: the true log-odds are half the stated ones, less 0.3
        raw = rng.uniform(0.35, 1.0, n)
        truth = 1 / (1 + np.exp(-(0.5 * _logit(np.clip(raw, 1e-3, 1 - 1e-3)) - 0.3)))
        return raw, (rng.random(n) < truth).astype(float)

    m = doccalib.fit_map(*draw(2000))
    assert 0.3 < m.slope < 0.7  # it learns to temper the frequencies
    values = [m(p) for p in np.linspace(0, 1, 101)]
    assert all(a < b for a, b in zip(values, values[1:])) and max(values) < 1.0 and min(values) > 0.0
    raw, right = draw(2000)
    assert calibration(np.array([m(p) for p in raw]), right)[0] < 0.03 < 0.05 < calibration(raw, right)[0]
    assert doccalib.fit_map(np.array([0.9, 0.8]), np.array([1.0, 0.0])) == DocumentMap()  # too few documents
    upside_down = doccalib.fit_map(np.linspace(0.4, 1.0, 200), (np.linspace(0.4, 1.0, 200) < 0.7).astype(float))
    assert upside_down == DocumentMap()  # never a map that says less the more the readings agree


def test_a_well_calibrated_frequency_keeps_a_map_near_the_identity():
    rng = np.random.default_rng(2)
    raw = rng.uniform(0.35, 0.999, 4000)
    m = doccalib.fit_map(raw, (rng.random(4000) < raw).astype(float))
    assert abs(m.slope - 1) < 0.15 and abs(m.intercept) < 0.15


def test_the_document_map_is_fitted_on_the_models_own_held_out_texts_never_the_evaluation_sets(monkeypatch):
    rng = np.random.default_rng(1)
    taxonomy = Taxonomy("Mine", (Trend(1, "One", "One", "d"), Trend(2, "Two", "Two", "d")))
    centres = rng.normal(0, 1, size=(3, 16))
    labels = np.array([0, 1, 2] * 50)
    groups = np.array([0] * 45 + [1] * 3 + [2] * 12 + [3] * 6 + [4] * 12 + [5] * 72)
    vectors = (centres[labels] + rng.normal(0, 0.8, size=(len(labels), 16))).astype(np.float32)
    texts = tuple(f"text {i} " + "x" * (10 * i) for i in range(len(labels)))
    parents = np.where(groups == 5, 1000 + np.arange(len(labels)) // 6, np.arange(len(labels)))  # publishers
    data = trends.TrainingSet(vectors, labels, texts, groups, parents)
    seen = {}

    def record_map(probs, labels, lengths, classes, none=0):
        seen.update(map_lengths=list(lengths), map_labels=[list(x) for x in labels], map_n=len(probs))
        return DocumentMap(0.6, 0.2)

    def record_share(probs, labels, lengths, classes):
        seen.update(share_lengths=list(lengths))
        return 0.2

    monkeypatch.setattr(doccalib, "fit_document_map", record_map)
    monkeypatch.setattr(doccalib, "measure_share_error", record_share)
    model = trends.fit(data, taxonomy)
    own = np.flatnonzero(np.isin(groups, (0, 2, 4)))
    assert seen["map_n"] == len(own) and seen["map_lengths"] == [len(texts[i]) for i in own]
    assert seen["map_labels"] == [[int(labels[i])] for i in own]
    assert seen["share_lengths"] == [len(texts[i]) for i in np.flatnonzero(groups == 5)]
    assert model.document_map == DocumentMap(0.6, 0.2, 0.2)


def test_the_document_map_is_really_fitted_when_the_model_is(monkeypatch):
    rng = np.random.default_rng(4)
    taxonomy = Taxonomy("Mine", (Trend(1, "One", "One", "d"), Trend(2, "Two", "Two", "d")))
    centres = rng.normal(0, 1, size=(3, 16))
    labels = np.array([0, 1, 2] * 30)
    groups = np.zeros(len(labels), dtype=int)
    vectors = (centres[labels] + rng.normal(0, 1.2, size=(len(labels), 16))).astype(np.float32)
    texts = tuple(f"text {i} " + "x" * (5 * i) for i in range(len(labels)))
    monkeypatch.setattr(doccalib, "FIT_DOCUMENTS", 60)
    monkeypatch.setattr(doccalib, "FIT_MAP", True)
    model = trends.fit(trends.TrainingSet(vectors, labels, texts, groups, np.arange(len(labels))), taxonomy)
    assert model.document_map != DocumentMap() and model.document_map.slope > 0
    assert model.document_map.share_error == 0.0  # no other publishers' texts to measure it on
    without_texts = trends.TrainingSet(vectors, labels, (), groups, np.arange(len(labels)))
    assert trends.fit(without_texts, taxonomy).document_map == DocumentMap()


def test_the_stored_model_keeps_its_document_map_as_plain_numbers(tmp_path):
    model = trends.TrendModel(
        CLASSES,
        np.eye(3, 4, dtype=np.float32),
        np.zeros(3, np.float32),
        0.5,
        "k",
        DocumentMap(0.7, 0.1, 0.12),
    )
    model.save(tmp_path / "trends-k.npz")
    loaded = trends.TrendModel.load(tmp_path / "trends-k.npz")
    assert loaded.document_map == model.document_map and loaded.document_map(0.9) == pytest.approx(
        model.document_map(0.9)
    )
    with np.load(tmp_path / "trends-k.npz", allow_pickle=False) as stored:
        assert stored["document_map"].dtype == np.float64 and stored["document_map"].tolist() == [0.7, 0.1]


def test_the_document_calibration_setting_is_part_of_the_model_key(monkeypatch):
    before = trends.doccalib_setting()
    monkeypatch.setattr(doccalib, "MAP_GROUPS", (0,))
    assert trends.doccalib_setting() != before
    monkeypatch.setattr(doccalib, "FIT_MAP", not doccalib.FIT_MAP)
    assert trends.doccalib_setting() != before
    again = trends.doccalib_setting()
    monkeypatch.setattr("scan.trendprofile.TWO_TRENDS", 0.0)  # the verdict's readings: cached verdicts renew
    assert trends.doccalib_setting() != again


def test_with_the_map_off_the_model_keeps_the_raw_frequency_and_still_measures_the_share_error(monkeypatch):
    monkeypatch.setattr(doccalib, "FIT_MAP", False)
    probs = np.tile([[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]], (30, 1))
    labels = np.array([1, 2, 0] * 30)
    groups = np.array([0] * 30 + [5] * 60)
    texts = tuple("t" * (20 + i) for i in range(90))
    m = doccalib.document_map_of(probs, labels, texts, groups, CLASSES, {})
    assert (m.slope, m.intercept) == (1.0, 0.0) and m.share_error > 0


def test_a_document_of_two_equal_halves_on_two_trends_counts_as_right_when_it_says_several():
    items = [
        LabelledText("a", "a" * 300, 1, (1,), "sv", "P", "dev"),
        LabelledText("b", "b" * 300, 2, (2,), "sv", "P", "dev"),
    ]
    probs_of = {"a": np.array([0.02, 0.96, 0.02]), "b": np.array([0.02, 0.02, 0.96])}
    verdict, _, _ = decide_document(CLASSES)(np.vstack(list(probs_of.values())), np.array([300.0, 300.0]))
    assert verdict == SEVERAL
    m = document_metrics([items], probs_of, CLASSES, decide_document(CLASSES))
    assert m["main_accuracy"] == 1.0 and m["truth"] == {"trend": 0, "none": 0, "several": 1}


def test_the_side_by_side_comparison_says_when_a_report_has_no_single_main_trend():
    from scan.classify import Classification
    from scan.classify_batch import comparison_sheet

    taxonomy = Taxonomy("Mine", (Trend(1, "One", "One", "d"), Trend(2, "Two", "Two", "d")))

    def result(path, label, several):
        return Classification(
            path, path, label, [1, 2], {1: 0.45, 2: 0.4}, 0.15, {}, 4, "sv", confidence=0.7, several=several
        )

    sheet = comparison_sheet([result("a.md", 1, True), result("b.md", 1, False)], taxonomy)
    row = next(r for r in sheet.rows if r[1] == "Huvudtrend")
    assert row[2:] == ["ingen enskild (störst: 1. One)", "1. One"]

"""The external classification evaluation: its reader and its figures, on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from scan.classify_eval import (
    LabelledText,
    calibration,
    decide_document,
    decide_text,
    document_metrics,
    load_set,
    text_metrics,
)
from scan.errors import ScanError

CLASSES = (0, 1, 2, 3)


def _text(i, label, labels=(), lang="sv", text="x" * 100):
    return LabelledText(f"t{i}", text, label, (label, *labels), lang, "P", "dev")


def _row(cls, p=0.9):
    row = np.full(len(CLASSES), (1 - p) / (len(CLASSES) - 1))
    row[CLASSES.index(cls)] = p
    return row


def test_a_prediction_of_any_of_a_texts_labels_is_right_and_multi_label_recall_counts_the_others():
    items = [_text(1, 1, (2,)), _text(2, 3), _text(3, 0)]
    probs = np.vstack([_row(2), _row(3), _row(0)])
    m = text_metrics(items, probs, decide_text(CLASSES), [1, 2, 3])
    assert m["accuracy"] == 1.0 and m["none_f1"] == 1.0
    # text 1 lists only trend 2 (0.9) of its two trends: one pair missed
    assert m["labels_precision"] == 1.0 and m["labels_recall"] == pytest.approx(2 / 3, abs=1e-3)


def test_a_wrong_trend_counts_against_the_main_label_and_no_trend():
    items = [_text(1, 1), _text(2, 0)]
    probs = np.vstack([_row(0), _row(1)])
    m = text_metrics(items, probs, decide_text(CLASSES), [1, 2, 3])
    assert m["accuracy"] == 0.0 and m["none_f1"] == 0.0 and m["macro_f1"] == 0.0


def test_calibration_error_is_the_gap_between_confidence_and_outcome():
    ece, bins = calibration(np.array([0.95, 0.95, 0.95, 0.95]), np.array([1.0, 1.0, 0.0, 0.0]))
    assert ece == pytest.approx(0.45) and bins[0]["n"] == 4


def test_document_shares_follow_text_lengths():
    items = [_text(1, 1, text="a" * 300), _text(2, 2, text="b" * 100)]
    probs_of = {"t1": _row(1, 1.0), "t2": _row(2, 1.0)}
    m = document_metrics([items], probs_of, CLASSES, decide_document(CLASSES))
    assert m["share_error"] == pytest.approx(0.0) and m["main_accuracy"] == 1.0


def test_a_set_naming_an_unknown_text_in_a_document_is_one_clear_error(tmp_path):
    path = tmp_path / "set.toml"
    path.write_text(
        '[[text]]\nid = "a"\ntext = "x"\nlabel = 1\n\n[[document]]\nid = "d"\nsplit = "dev"\ntexts = ["b"]\n'
    )
    with pytest.raises(ScanError, match="unknown texts"):
        load_set(path)
    path.write_text("[[text]\n")
    with pytest.raises(ScanError, match="not valid TOML"):
        load_set(path)


def test_the_older_set_without_ids_or_languages_reads():
    from pathlib import Path

    s = load_set(Path(__file__).resolve().parents[1] / "eval" / "classify.toml")
    assert len(s.texts) == 56 and {t.language for t in s.texts} <= {"sv", "en", "other"}
    assert {t.split for t in s.texts} == {"dev", "test"}


def test_training_texts_train_only_the_taxonomy_they_are_labelled_with(tmp_path):
    from scan.taxonomy import Taxonomy, Trend
    from scan.trainingdata import load_written

    path = tmp_path / "training.toml"
    path.write_text('taxonomy = "Mine"\n[[text]]\nlabel = 1\ntext = "a"\n[[text]]\nlabel = 7\ntext = "b"\n')
    mine = Taxonomy("Mine", (Trend(1, "One", "One", "d"),))
    other = Taxonomy("Other", (Trend(1, "One", "One", "d"),))
    assert [(e.text, e.label) for e in load_written(mine, path)] == [("a", 1)]  # 7 is no trend of Mine
    assert load_written(other, path) == []
    path.write_text('taxonomy = "Mine"\n[[text]]\ntext = "no label"\n')
    with pytest.raises(ScanError, match="training.toml"):
        load_written(mine, path)

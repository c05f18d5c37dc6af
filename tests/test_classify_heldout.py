"""The Alingsås held-out evaluation over several fold seeds, beside the baseline model (scan.classify_heldout)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scan import trends
from scan.classify_heldout import evaluate_heldout, seeds_line, spread
from scan.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml")


@pytest.fixture(scope="module")
def scored(taxonomy):
    return evaluate_heldout(None, None, taxonomy, seeds=2, data=_data(taxonomy))


def _data(taxonomy, extra_labels=None, seed=0):
    """A small training set: 6 'analysis passages' per trend, 8 background texts, the descriptions,
    and 60 'other publishers' texts (group 5) labelled `extra_labels` (default: their true class)."""
    rng = np.random.default_rng(seed)
    ids = [t.id for t in taxonomy.trends]
    centres = rng.normal(size=(11, 32))
    rows = []  # (class, group)
    rows += [(c, 0) for c in ids for _ in range(6)]
    rows += [(0, 2)] * 8
    rows += [(c, 1) for c in ids]
    extra_true = [ids[i % len(ids)] if i % 6 else 0 for i in range(60)]
    labels_extra = extra_true if extra_labels is None else extra_labels
    rows += [(c, 5) for c in extra_true]
    classes = np.array([c for c, _ in rows])
    groups = np.array([g for _, g in rows])
    vectors = centres[classes] + 0.9 * rng.normal(size=(len(rows), 32))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = classes.copy()
    labels[groups == 5] = labels_extra
    texts = tuple(f"ord{c} text{i} gemensam" for i, c in enumerate(classes))
    return trends.TrainingSet(vectors.astype(np.float32), labels, texts, groups, np.arange(len(rows)))


def test_spread_gives_mean_sd_and_range():
    s = spread([0.8, 0.9, 1.0])
    assert s == {"mean": 0.9, "sd": 0.1, "min": 0.8, "max": 1.0}
    assert spread([0.5])["sd"] == 0.0


def test_each_model_is_scored_on_every_fold_seed_and_summarised(scored):
    today, baseline = scored
    for r in (today, baseline):
        assert r["seeds"] == [1, 2] and [s["seed"] for s in r["by_seed"]] == [1, 2]
        assert r["n"] == 10 * 6 + 8  # analysis passages and background texts, each scored once per seed
        assert r["accuracy"] == r["by_seed"][0]["accuracy"]  # seed 1 stays the top-level figure
        for k in ("accuracy", "macro_f1", "ece"):
            values = [s[k] for s in r["by_seed"]]
            assert r["over_seeds"][k]["mean"] == pytest.approx(np.mean(values), abs=1e-4)
            assert r["over_seeds"][k]["min"] == min(values) and r["over_seeds"][k]["max"] == max(values)
    assert "baseline" in baseline["set"] and "baseline" not in today["set"]
    assert "fold seeds 1–2" in seeds_line(today) and "±" in seeds_line(today)


def test_the_baseline_learns_only_from_what_it_learnt_from_then(taxonomy, scored):
    """Other publishers' texts (here with wrong labels) change today's model, never the baseline."""
    ids = [t.id for t in taxonomy.trends]
    wrong = [ids[(i + 3) % len(ids)] for i in range(60)]
    right_today, right_base = scored
    wrong_today, wrong_base = evaluate_heldout(None, None, taxonomy, seeds=1, data=_data(taxonomy, wrong))
    assert wrong_base["by_seed"][0] == right_base["by_seed"][0]
    assert wrong_today["accuracy"] < right_today["accuracy"]


def test_the_shipped_calibration_gives_the_analysis_a_minor_share():
    """The temperature is fitted mostly on other publishers' texts, partly on the analysis's passages."""
    groups = np.array([0] * 100 + [2] * 30 + [5] * 165 + [4] * 60 + [1] * 10 + [3] * 300)
    weights = trends._calibration_weights(groups)
    own = weights[np.isin(groups, (0, 2))].sum() / weights.sum()
    assert 0 < own < 0.5

"""The analysis's own passages held out (Alingsås), over several fold seeds, beside the baseline.

`scan eval classify` scores the trend model on the passages of the analysis it learns from by
cross-validation: the passages under trend headings and the no-trend background texts are split
into folds (stratified by label; 4 folds, since trend 8 has only four passages), a passage's
sentences train with it and are never scored, and everything else the model learns from
(descriptions, written texts, the other publishers' dev half) always trains. With 133 items, one
passage is 0.75 points of accuracy, and which passages share a fold moves the figures by several
points with the fold seed alone. So the folds are drawn with SEEDS seeds (1, 2, …; seed 1 is
the one the figure was reported with before) and each figure is given as its mean, standard
deviation, lowest and highest over the seeds.

The same folds also score the BASELINE model, the trend model as it was when issue 10 was filed
(model version 2, git 8d31242): trained on the analysis's passages and sentences, the trend
descriptions and the background texts only, without the keyword view, its temperature fitted on
all its held-out rows. Today's `scan.trends.fit` on that training set (no other publishers'
texts, no texts, so no keyword view; the calibration then weighs every row alike) is that model:
bench/alingsas_seeds.py checks it against the old code, checked out of git, on the same folds.
"""

from __future__ import annotations

import numpy as np

SEEDS = 5  # fold seeds 1..SEEDS; the spread over 5 seeds is about 1-2 passages of 133
BASELINE_GROUPS = (0, 1, 2, 3)  # what the baseline learnt from: analysis, descriptions, background, sentences


def heldout_probabilities(data, taxonomy, seed: int, baseline: bool = False) -> tuple[np.ndarray, np.ndarray, int]:
    """(probabilities of the pool's items, their labels, folds) for one fold seed; `baseline`: the
    model of issue 10's start (see the module's docstring)."""
    from sklearn.model_selection import StratifiedKFold

    from scan import trends

    pool = np.flatnonzero((data.groups == 0) | (data.groups == 2))  # corpus passages and background
    always = np.flatnonzero(np.isin(data.groups, (1, 4, 5)))  # descriptions and other texts always train
    if baseline:
        always = np.flatnonzero(data.groups == 1)
    sentences = np.flatnonzero(data.groups == 3)  # train with their passage, never tested
    classes = (trends.NONE, *(t.id for t in taxonomy.trends))
    probs = np.zeros((len(pool), len(classes)))
    counts = np.bincount(data.labels[pool])
    folds = min(5, int(counts[counts > 0].min()))  # trend 8 has only four passages in the corpus
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(pool, data.labels[pool]):
        train_rows = set(pool[train].tolist())
        rows = np.concatenate([pool[train], always, [i for i in sentences if data.parents[i] in train_rows]])
        rows = rows.astype(int)
        texts = () if baseline else tuple(data.texts[i] for i in rows)
        subset = trends.TrainingSet(data.vectors[rows], data.labels[rows], texts, data.groups[rows], data.parents[rows])
        model = trends.fit(subset, taxonomy)
        test_texts = None if baseline else [data.texts[i] for i in pool[test]]
        probs[test] = model.proba(data.vectors[pool[test]], test_texts)
    return probs, data.labels[pool], folds


def spread(values: list[float]) -> dict:
    """Mean, sample standard deviation, lowest and highest of one figure over the seeds."""
    a = np.array(values, dtype=np.float64)
    sd = float(a.std(ddof=1)) if len(a) > 1 else 0.0
    return {
        "mean": round(float(a.mean()), 4),
        "sd": round(sd, 4),
        "min": round(float(a.min()), 4),
        "max": round(float(a.max()), 4),
    }


FIGURES = ("accuracy", "macro_f1", "ece")


def evaluate_heldout(index, encoder, taxonomy, seeds: int = SEEDS, data=None) -> list[dict]:
    """Two results (JSON dicts): today's model and the baseline model, on the same folds. Each has
    seed 1's figures at the top (as before), `seeds` (the fold seeds), `by_seed` (each seed's
    accuracy, macro-F1, ECE) and `over_seeds` (`spread` of each)."""
    from scan import trends
    from scan.evaluate import classification_metrics

    data = data if data is not None else trends.training_set(index, encoder, taxonomy, trends.load_background())
    trend_ids = [t.id for t in taxonomy.trends]
    classes = (trends.NONE, *trend_ids)
    out = []
    for baseline in (False, True):
        rows = np.flatnonzero(np.isin(data.groups, BASELINE_GROUPS)) if baseline else np.arange(len(data.labels))
        parents = data.parents[rows]
        if len(rows) < len(data.labels):  # parents index rows: renumber them
            new = {int(old): i for i, old in enumerate(rows)}
            parents = np.array([new[int(p)] for p in parents])
        part = trends.TrainingSet(
            data.vectors[rows], data.labels[rows], tuple(data.texts[i] for i in rows), data.groups[rows], parents
        )
        name = "corpus passages, held out" + (", baseline model (version 2)" if baseline else "")
        first, per_seed = None, []
        for seed in range(1, seeds + 1):
            probs, gold, folds = heldout_probabilities(part, taxonomy, seed, baseline)
            m = classification_metrics(f"{name} ({folds}-fold CV)", gold.tolist(), probs, classes, trend_ids)
            first = first or m
            per_seed.append({"seed": seed, **{k: round(getattr(m, k), 4) for k in FIGURES}})
        assert first is not None
        result = first.to_json()
        result["seeds"] = [s["seed"] for s in per_seed]
        result["by_seed"] = per_seed
        result["over_seeds"] = {k: spread([s[k] for s in per_seed]) for k in FIGURES}
        out.append(result)
    return out


def seeds_line(r: dict) -> str:
    """The over-seeds figures of one result, one line (the CLI's output)."""
    o = r["over_seeds"]
    parts = "  ".join(
        f"{name}={o[k]['mean']:.3f} ± {o[k]['sd']:.3f} ({o[k]['min']:.3f}–{o[k]['max']:.3f})"
        for k, name in (("accuracy", "accuracy"), ("macro_f1", "macro-F1"), ("ece", "ECE"))
    )
    return f"{'':44s}fold seeds {r['seeds'][0]}–{r['seeds'][-1]}: {parts}"

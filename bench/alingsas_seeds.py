"""Alingsås held out over several fold seeds: today's trend model against the baseline's, and the
baseline reproduced from its own code.

    python bench/alingsas_seeds.py --index DIR [--seeds 5]   # an index of corpus/, default encoder

The baseline is the trend model when issue 10 was filed (model version 2, commit 8d31242, whose
`scan eval classify` output is bench/results/classify_baseline.json). `scan eval classify`
reproduces it with today's code and settings (scan.classify_heldout). This script checks that:
it takes src/scan/trends.py of that commit out of git into a temporary folder, imports it beside
today's package, builds its training set and fits it in the same folds, and compares its
held-out probabilities with the reproduction's. Then it writes both models' figures per seed
and over the seeds to bench/results/alingsas_seeds.json. Needs git and the repository's history.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "8d31242"


def baseline_module():
    """src/scan/trends.py of BASELINE_COMMIT, imported as its own module."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:src/scan/trends.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="scan-baseline-"))
    path = folder / "trends_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("trends_baseline", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["trends_baseline"] = module
    spec.loader.exec_module(module)
    return module


def old_heldout(old, data, taxonomy, seed: int) -> np.ndarray:
    """The held-out loop of scan.evaluate at BASELINE_COMMIT, with the old code's fit."""
    from sklearn.model_selection import StratifiedKFold

    pool = np.flatnonzero((data.groups == 0) | (data.groups == 2))
    always = np.flatnonzero(data.groups == 1)
    sentences = np.flatnonzero(data.groups == 3)
    probs = np.zeros((len(pool), 1 + len(taxonomy.trends)))
    counts = np.bincount(data.labels[pool])
    folds = min(5, int(counts[counts > 0].min()))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(pool, data.labels[pool]):
        train_rows = set(pool[train].tolist())
        rows = np.concatenate([pool[train], always, [i for i in sentences if data.parents[i] in train_rows]])
        rows = rows.astype(int)
        subset = old.TrainingSet(data.vectors[rows], data.labels[rows], (), data.groups[rows], data.parents[rows])
        probs[test] = old.fit(subset, taxonomy).proba(data.vectors[pool[test]])
    return probs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    from scan import trends
    from scan.classify_heldout import BASELINE_GROUPS, evaluate_heldout, heldout_probabilities, spread
    from scan.evaluate import classification_metrics
    from scan.session import open_index
    from scan.taxonomy import load_taxonomy

    index, encoder = open_index(args.index, None)
    taxonomy = load_taxonomy(ROOT / "corpus" / "trends" / "vff4.toml")
    start = time.perf_counter()
    data = trends.training_set(index, encoder, taxonomy, trends.load_background())
    today, baseline = evaluate_heldout(index, encoder, taxonomy, args.seeds, data)
    old = baseline_module()
    old_data = old.training_set(index, encoder, taxonomy, trends.load_background())
    rows = np.flatnonzero(np.isin(data.groups, BASELINE_GROUPS))
    assert len(rows) == len(old_data.labels) and (data.labels[rows] == old_data.labels).all()
    trend_ids = [t.id for t in taxonomy.trends]
    classes = (0, *trend_ids)
    gaps, per_seed = [], []
    for seed in range(1, args.seeds + 1):
        p_old = old_heldout(old, old_data, taxonomy, seed)
        p_new, gold, _ = heldout_probabilities(old_data, taxonomy, seed, baseline=True)
        gaps.append(float(np.abs(p_old - p_new).max()))
        m = classification_metrics("old code", gold.tolist(), p_old, classes, trend_ids)
        per_seed.append({"seed": seed, "accuracy": m.accuracy, "macro_f1": m.macro_f1, "ece": m.ece})
    old_code = {
        "commit": BASELINE_COMMIT,
        "by_seed": [{k: round(v, 4) for k, v in s.items()} for s in per_seed],
        "over_seeds": {k: spread([s[k] for s in per_seed]) for k in ("accuracy", "macro_f1", "ece")},
        "max_probability_gap_to_reproduction": round(max(gaps), 6),
    }
    out = {
        "today": {k: today[k] for k in ("set", "n", "seeds", "by_seed", "over_seeds")},
        "baseline_reproduced": {k: baseline[k] for k in ("set", "n", "seeds", "by_seed", "over_seeds")},
        "baseline_old_code": old_code,
        "baseline_as_reported": {"accuracy": 0.8797, "macro_f1": 0.8522, "ece": 0.0582, "seed": 1},
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    (ROOT / "bench" / "results" / "alingsas_seeds.json").write_text(
        json.dumps(out, indent=2, ensure_ascii=False) + "\n"
    )


if __name__ == "__main__":
    main()

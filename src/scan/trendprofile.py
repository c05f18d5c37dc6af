"""From passage probabilities to a document's verdict: its main trend with a confidence, and every
trend it speaks to.

Each passage has calibrated probabilities over "no trend" and the trends (scan.trends). Read as
"this passage is about trend t with probability p", they define how likely each reading of the
whole document is. scan draws SAMPLES readings (each passage gets one class, drawn from its
probabilities; a fixed seed, so results repeat) and counts, per reading, the share of the text
(by length) that each trend gets:

- the document's main trend in a reading is the trend with the largest share, provided that share
  is at least MIN_SHARE and that no more than NONE_MAJORITY of the text speaks to no trend;
  otherwise the reading is "no trend" (a statistics table with one remark on trust is no trend). `main[c]` is the share of readings
  whose main trend is c: the label is the most frequent main trend, and its frequency is the
  label's confidence (calibrated on the documents of eval/classify_external.toml, see README);
- `presence[t]` is the share of readings in which trend t has at least MIN_SHARE of the text: the
  probability that the document speaks to t at all. Every trend whose presence reaches
  LABELS_MIN is listed (the multi-label verdict), each with its evidence.

For a one-passage text both are exact and simply its probabilities: the label is the most
probable class, its confidence that probability.
"""

from __future__ import annotations

import numpy as np

MIN_SHARE = 0.1  # a trend must speak in at least a tenth of the text to count for the document
NONE_MAJORITY = 0.8  # a reading in which more of the text than this speaks to no trend is "no trend" (see README)
LABELS_MIN = 0.5  # presence that lists a trend (more likely than not): best labels-F1 on the dev half of eval/classify_external.toml (0.15–0.5 tried)
SAMPLES = 1000
CHUNK = 256  # passages sampled at a time (bounds memory on a long document)


def main_and_presence(probs: np.ndarray, weights: np.ndarray, none_col: int) -> tuple[np.ndarray, np.ndarray]:
    """(main, presence), each (classes,): see the module docstring. probs (n, classes), weights (n,)."""
    probs = np.asarray(probs, dtype=np.float64)
    n, k = probs.shape
    if n == 1:
        row = probs[0] / probs[0].sum()
        return row.copy(), row.copy()
    rng = np.random.default_rng(0)
    shares = np.zeros((SAMPLES, k))
    w = np.asarray(weights, dtype=np.float64) / float(np.sum(weights))
    classes = np.arange(k)
    for start in range(0, n, CHUNK):
        cum = np.cumsum(probs[start : start + CHUNK], axis=1)
        cum[:, -1] = 1.0
        u = rng.random((SAMPLES, len(cum)))
        drawn = (u[:, :, None] > cum[None, :, :]).sum(axis=2)  # (SAMPLES, chunk) class index
        shares += ((drawn[:, :, None] == classes) * w[start : start + CHUNK, None]).sum(axis=1)
    trend_shares = shares.copy()
    trend_shares[:, none_col] = -1.0
    best = trend_shares.argmax(axis=1)
    best_share = trend_shares[np.arange(SAMPLES), best]
    trend_led = (best_share >= MIN_SHARE - 1e-12) & (shares[:, none_col] <= NONE_MAJORITY + 1e-12)
    main_class = np.where(trend_led, best, none_col)
    main = np.bincount(main_class, minlength=k) / SAMPLES
    presence = (shares >= MIN_SHARE - 1e-12).mean(axis=0)
    return main, presence


def verdict(
    probs: np.ndarray, weights: np.ndarray, classes: tuple[int, ...], none: int = 0
) -> tuple[int | None, float, list[int], dict[int, float]]:
    """(label or None, its confidence, labels best first, presence per trend) of a document."""
    none_col = classes.index(none)
    main, presence = main_and_presence(probs, weights, none_col)
    top = int(np.argmax(main))
    label = None if top == none_col else classes[top]
    shares = (np.asarray(probs) * np.asarray(weights, dtype=np.float64)[:, None]).sum(axis=0)
    trends = [i for i in range(len(classes)) if i != none_col]
    present = {classes[i]: float(presence[i]) for i in trends}
    labels = [classes[i] for i in sorted(trends, key=lambda i: -shares[i]) if presence[i] >= LABELS_MIN]
    if label is not None and label not in labels:
        labels.insert(0, label)
    return label, float(main[top]), labels, present

"""From passage probabilities to a document's verdict: its main trend with a confidence, and every
trend it speaks to.

Each passage has calibrated probabilities over "no trend" and the trends (scan.trends). Read as
"this passage is about trend t with probability p", they define how likely each reading of the
whole document is. scan draws SAMPLES readings (each passage gets one class, drawn from its
probabilities; a fixed seed, so results repeat) and counts, per reading, the share of the text
(by length) that each trend gets. A passage may speak to two trends at once (7 of the 165
labelled dev texts of other publishers do, and the passage model gives such a text nearly all
its probability on one of them): in TWO_TRENDS of a reading's passages, half of the passage goes
to a second class drawn from its other probabilities. Without this, a document whose verdict
hangs on such a passage was said at 0.98–0.99 and right 0.85–0.88 of the time (dev documents
containing a two-label text); on dev it lowers the verdict's log-loss (README, Document
calibration). Each reading has one outcome (`outcome`, also the truth of the
evaluation, from the true shares):

- "no trend" when no trend has MIN_SHARE of the text or more than NONE_MAJORITY of it speaks to
  no trend (a statistics table with one remark on trust is no trend);
- trend t, the document's main trend, when t has at least MAIN_LEAD times the share of every
  other trend;
- otherwise "several trends, none leading" (a trend report of eight chapters on eight trends).

The verdict is the most frequent outcome; its frequency, passed through the model's document
calibration (`DocumentMap`: a logistic map of the frequency's log-odds fitted by scan.doccalib on
whole documents of held-out texts; the identity while doccalib.FIT_MAP is off), is its confidence. `label` is the main trend (None for no trend); for "several", `several` is set and
`label` is the trend with the largest share, shown as leading, not as main.

`presence[t]` is the share of readings in which trend t has at least MIN_SHARE of the text: the
probability that the document speaks to t at all. Every trend whose presence reaches LABELS_MIN
is listed (the multi-label verdict), each with its evidence.

For a one-passage text everything is exact and simply its probabilities: the label is the most
probable class, its confidence that probability (no document map).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

MIN_SHARE = 0.1  # a trend must speak in at least a tenth of the text to count for the document
NONE_MAJORITY = 0.8  # a reading in which more of the text than this speaks to no trend is "no trend" (see README)
MAIN_LEAD = 1.5  # a main trend has at least 1.5 times the share of any other trend, else "several"
LABELS_MIN = 0.5  # presence that lists a trend (more likely than not): best labels-F1 on the dev half of eval/classify_external.toml (0.15–0.5 tried)
SAMPLES = 1000
CHUNK = 256  # passages sampled at a time (bounds memory on a long document)
TWO_TRENDS = 0.02  # share of a reading's passages that speak to two trends (half each): chosen on dev (README, Document calibration)
SEVERAL = -1  # the outcome "several trends, none leading"


EDGE = 0.5 / SAMPLES  # a frequency of 0 or 1 is read as half a reading away from it


class DocumentMap(NamedTuple):
    """Calibration of a document verdict's raw frequency p (Platt scaling on its log-odds):
    confidence = sigmoid(slope * logit(p) + intercept), p clipped to [EDGE, 1 - EDGE]. Monotone
    (slope >= 0). The identity (1, 0) returns p itself."""

    slope: float = 1.0
    intercept: float = 0.0
    share_error: float = 0.0  # mean share error on other publishers' documents (0: not measured)

    def __call__(self, p: float) -> float:
        if self.slope == 1.0 and self.intercept == 0.0:
            return float(p)
        q = min(max(float(p), EDGE), 1.0 - EDGE)
        z = self.slope * float(np.log(q / (1.0 - q))) + self.intercept
        return float(1.0 / (1.0 + np.exp(-z)))


class Verdict(NamedTuple):
    label: int | None  # the main trend; for `several`: the trend with the largest share; None: no trend
    confidence: float  # calibrated probability that the verdict (main trend, no trend, several) is right
    labels: list[int]  # every listed trend, largest share first
    presence: dict[int, float]  # trend -> probability the text speaks to it
    several: bool = False  # several trends, none leading


def outcome(shares: np.ndarray, none_col: int) -> np.ndarray:
    """Outcome of each row of shares (rows, classes): the main trend's column, none_col, or SEVERAL."""
    shares = np.atleast_2d(np.asarray(shares, dtype=np.float64))
    trend = shares.copy()
    trend[:, none_col] = -1.0
    order = np.argsort(-trend, axis=1, kind="stable")
    rows = np.arange(len(shares))
    first, second = trend[rows, order[:, 0]], np.maximum(trend[rows, order[:, 1]], 0.0)
    trend_led = (first >= MIN_SHARE - 1e-12) & (shares[:, none_col] <= NONE_MAJORITY + 1e-12)
    leads = first >= MAIN_LEAD * second - 1e-12
    return np.where(trend_led, np.where(leads, order[:, 0], SEVERAL), none_col)


def main_and_presence(probs: np.ndarray, weights: np.ndarray, none_col: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(main (classes,), presence (classes,), several): see the module docstring; main + several sum to 1.
    probs (n, classes), weights (n,)."""
    probs = np.asarray(probs, dtype=np.float64)
    n, k = probs.shape
    if n == 1:
        row = probs[0] / probs[0].sum()
        return row.copy(), row.copy(), 0.0
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
        if TWO_TRENDS:
            _split(shares, probs[start : start + CHUNK], drawn, w[start : start + CHUNK], rng)
    result = outcome(shares, none_col)
    several = float((result == SEVERAL).mean())
    main = np.bincount(result[result != SEVERAL], minlength=k) / SAMPLES
    presence = (shares >= MIN_SHARE - 1e-12).mean(axis=0)
    return main, presence, several


def _split(shares: np.ndarray, probs: np.ndarray, drawn: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> None:
    """In TWO_TRENDS of the readings' passages, move half the passage from its drawn class to a second
    class drawn from its other probabilities (a passage with all its probability on one class stays)."""
    reading, row = np.nonzero(rng.random(drawn.shape) < TWO_TRENDS)
    if not len(row):
        return
    first = drawn[reading, row]
    rest = probs[row].copy()
    rest[np.arange(len(row)), first] = 0.0
    total = rest.sum(axis=1)
    cum = np.cumsum(rest, axis=1) / np.where(total > 0, total, 1.0)[:, None]
    cum[:, -1] = 1.0
    second = np.where(total > 0, (rng.random(len(row))[:, None] > cum).sum(axis=1), first)
    k = shares.shape[1]
    moved = np.bincount(reading * k + second, 0.5 * w[row], shares.size)
    shares += (moved - np.bincount(reading * k + first, 0.5 * w[row], shares.size)).reshape(shares.shape)


def verdict(
    probs: np.ndarray,
    weights: np.ndarray,
    classes: tuple[int, ...],
    none: int = 0,
    document_map: DocumentMap = DocumentMap(),
) -> Verdict:
    """The verdict on a document (see the module docstring)."""
    none_col = classes.index(none)
    main, presence, several = main_and_presence(probs, weights, none_col)
    shares = (np.asarray(probs) * np.asarray(weights, dtype=np.float64)[:, None]).sum(axis=0)
    trends = [i for i in range(len(classes)) if i != none_col]
    top = int(np.argmax(main))
    is_several = several > main[top]
    if is_several:
        leading = max(trends, key=lambda i: shares[i])
        label, raw = classes[leading], several
    else:
        label, raw = (None if top == none_col else classes[top]), float(main[top])
    confidence = raw if len(np.atleast_2d(probs)) == 1 else document_map(raw)
    present = {classes[i]: float(presence[i]) for i in trends}
    labels = [classes[i] for i in sorted(trends, key=lambda i: -shares[i]) if presence[i] >= LABELS_MIN]
    if label is not None and label not in labels:
        labels.insert(0, label)
    return Verdict(label, confidence, labels, present, bool(is_several))

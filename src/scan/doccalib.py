"""Calibration of the document verdict on whole documents (scan.trendprofile).

A document's verdict (main trend, no trend, or several trends none leading) comes with the share of
sampled readings that agree with it. That frequency is not yet a calibrated probability: the
readings treat the passages as independent and their probabilities as exact. So scan fits a
logistic map of the frequency's log-odds (`trendprofile.DocumentMap`: Platt scaling, two numbers,
monotone) on documents assembled from texts the trend model was trained on, scored by the
cross-validated probabilities of its own fit (a text is scored by a model that never saw it):

- the texts: the analysis's passages under the trends' headings, the no-trend background texts
  and the written training texts (TrendSet groups MAP_GROUPS); never a text of the evaluation set
  eval/classify_external.toml, dev or test, so both halves measure the map on documents it never
  saw;
- led documents: 2–4 texts of one label, then 1–4 other texts, shuffled (`sample_led`);
- spread documents: 3–8 texts of as many different labels (`sample_spread`), most with no main
  trend.

The truth of a document is `trendprofile.outcome` of its true shares (each text's length on its
labels). The evaluation (scan.classify_eval) samples its documents the same way with other seeds
from each half of the evaluation set and reports both kinds. The share error shown to users is
measured on such documents of the external set's dev half (other publishers' texts, scored by the
fit's cross-validation).

Measured on the dev half (README "Classification quality", document calibration). With the
passage model of version 4, on 1,000 led and 500 spread dev documents the raw frequency had ECE
0.035 / 0.040 and this map (slope about 0.7, it tempers frequencies near 0 and 1) 0.015 / 0.035,
with lower log-loss, and it was shipped. With version 5 (the keyword view) the map fitted on the
model's own texts tempers more (slope 0.59) and made the dev documents worse (ECE 0.024 -> 0.042
sampled, 0.041 -> 0.068 spread), and no map tried beat the raw frequency in log-loss when
cross-fitted on two halves of the dev publishers; so FIT_MAP is off and the confidence is the raw
frequency (of readings that let 2 % of the passages speak to two trends: trendprofile.TWO_TRENDS,
chosen on dev, which is where the dev documents' over-sure verdicts came from). The machinery
stays, refitted with the model when switched on. Tried and not kept: the
isotonic map and a Platt map fitted on the dev half's own held-out probabilities (they did not
transfer between publishers: cross-fitted on two halves of the dev publishers, worse log-loss
than the raw frequency), extra features (the number of texts, the kind of verdict, the entropy of
the shares, the runner-up's frequency: no gain), a beta calibration (not monotone as fitted).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from scan.trendprofile import EDGE, SEVERAL, DocumentMap, outcome, verdict

FIT_MAP = False  # fit the map (True) or keep the raw frequency and only measure the share error: off since model version 5 (module docstring)
FIT_DOCUMENTS = 400  # of each kind
FIT_SEED = 1  # the evaluation samples with seed 0
MAP_GROUPS = (0, 2, 4)  # trends.TrainingSet groups the map is fitted on: analysis passages, background, written texts
SHARE_GROUP = 5  # the group the share error is measured on: the external set's dev texts
MIN_TEXTS = 30  # fewer held-out texts than this: the identity


def sample_led(labels: Sequence[int], n: int, seed: int = 0) -> list[list[int]]:
    """n documents (lists of indices): 2–4 texts of one label, then 1–4 others, shuffled."""
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    keys = sorted(k for k, v in by_label.items() if len(v) >= 2)
    docs = []
    for _ in range(n):
        main = rng.choice(keys)
        chosen = rng.sample(by_label[main], min(len(by_label[main]), rng.randint(2, 4)))
        rest = [i for i in range(len(labels)) if i not in chosen]
        chosen += rng.sample(rest, rng.randint(1, 4))
        rng.shuffle(chosen)
        docs.append(chosen)
    return docs


def sample_spread(labels: Sequence[int], n: int, seed: int = 0) -> list[list[int]]:
    """n documents of 3–8 texts, each of a different label (a report of chapters on many trends)."""
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    keys = sorted(by_label)
    docs = []
    for _ in range(n):
        chosen = [rng.choice(by_label[k]) for k in rng.sample(keys, min(len(keys), rng.randint(3, 8)))]
        rng.shuffle(chosen)
        docs.append(chosen)
    return docs


def true_shares(labels: Sequence[Sequence[int]], lengths: Sequence[float], classes: tuple[int, ...]) -> np.ndarray:
    """The true class shares of a document: each text's length split equally over its labels."""
    truth = np.zeros(len(classes))
    for labs, w in zip(labels, lengths):
        for lab in labs:
            truth[classes.index(lab)] += w / len(labs)
    return truth / float(np.sum(lengths))


def true_outcome(shares: np.ndarray, classes: tuple[int, ...], none: int = 0) -> int | None:
    """The document's true verdict: a trend id, None (no trend) or SEVERAL."""
    col = int(outcome(shares[None, :], classes.index(none))[0])
    return SEVERAL if col == SEVERAL else (None if classes[col] == none else classes[col])


def predicted_outcome(label: int | None, several: bool) -> int | None:
    return SEVERAL if several else label


def fit_map(raw: np.ndarray, right: np.ndarray) -> DocumentMap:
    """The Platt map (logistic regression of being right on the log-odds of the raw frequency);
    the identity when there are too few documents, only one outcome, or the fitted slope is not
    positive (the map must stay monotone)."""
    from sklearn.linear_model import LogisticRegression

    right = np.asarray(right, dtype=np.float64)
    if len(right) < 20 or right.min() == right.max():
        return DocumentMap()
    q = np.clip(np.asarray(raw, dtype=np.float64), EDGE, 1.0 - EDGE)
    fitted = LogisticRegression(C=1.0, max_iter=1000).fit(np.log(q / (1.0 - q))[:, None], right)
    slope, intercept = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
    return DocumentMap(slope, intercept) if slope > 0 else DocumentMap()


def _documents(main: Sequence[int]) -> list[list[int]]:
    return sample_led(main, FIT_DOCUMENTS, FIT_SEED) + sample_spread(main, FIT_DOCUMENTS, FIT_SEED)


def fit_document_map(
    probs: np.ndarray,
    labels: Sequence[Sequence[int]],
    lengths: Sequence[float],
    classes: tuple[int, ...],
    none: int = 0,
) -> DocumentMap:
    """Fit the map on led and spread documents assembled from held-out texts (probs: their
    probabilities, labels: every label of each, the main one first, lengths: characters). With
    FIT_MAP off, the identity at once (the documents' verdicts would only be thrown away)."""
    if not FIT_MAP:
        return DocumentMap()
    raw, right = [], []
    for doc in _documents([labs[0] for labs in labels]):
        w = np.array([lengths[i] for i in doc], dtype=np.float64)
        v = verdict(probs[doc], w, classes, none)
        truth = true_outcome(true_shares([labels[i] for i in doc], w, classes), classes, none)
        raw.append(v.confidence)
        right.append(predicted_outcome(v.label, v.several) == truth)
    return fit_map(np.array(raw), np.array(right))


def measure_share_error(
    probs: np.ndarray, labels: Sequence[Sequence[int]], lengths: Sequence[float], classes: tuple[int, ...]
) -> float:
    """Mean share error of led and spread documents assembled from these texts."""
    errors = []
    for doc in _documents([labs[0] for labs in labels]):
        w = np.array([lengths[i] for i in doc], dtype=np.float64)
        errors.append(share_error(probs[doc], w, true_shares([labels[i] for i in doc], w, classes)))
    return float(np.mean(errors))


def document_map_of(
    probs: np.ndarray,
    labels: np.ndarray,
    texts: Sequence[str],
    groups: np.ndarray,
    classes: tuple[int, ...],
    every_label: dict[str, tuple[int, ...]],
    none: int = 0,
) -> DocumentMap:
    """The model's document calibration from the held-out probabilities of its training rows:
    the map fitted on the MAP_GROUPS rows, the share error measured on the SHARE_GROUP rows
    (`every_label`: text -> all its labels, for the external set's texts that have several)."""
    if len(texts) != len(labels):  # a training set without its texts (cross-validation in scan.classify_eval)
        return DocumentMap()
    lengths = [float(len(t)) for t in texts]

    def part(rows: np.ndarray) -> tuple[np.ndarray, list[tuple[int, ...]], list[float]]:
        labs = [every_label.get(texts[i]) or (int(labels[i]),) for i in rows]
        return probs[rows], labs, [lengths[i] for i in rows]

    own = np.flatnonzero(np.isin(groups, MAP_GROUPS))
    fitted = DocumentMap()
    if len(own) >= MIN_TEXTS and len(set(labels[own].tolist())) >= 2:
        fitted = fit_document_map(*part(own), classes, none)
    other = np.flatnonzero(groups == SHARE_GROUP)
    if len(other) >= 50:
        fitted = fitted._replace(share_error=measure_share_error(*part(other), classes))
    return fitted


def share_error(probs: np.ndarray, lengths: np.ndarray, truth: np.ndarray) -> float:
    """The part of a document's text that its shares put on the wrong class: half the summed
    absolute gap between scan's shares (length-weighted mean probabilities) and the true ones."""
    shares = (probs * lengths[:, None]).sum(axis=0) / lengths.sum()
    return 0.5 * float(np.abs(shares - truth).sum())

"""Does a quote support the claim, only mention its topic, or possibly counter it?

No inference model (NLI) ships with scan, so the marking reads cues, the way a careful reader
skims for them, and weighs them with a small logistic regression:

- the cosine between the claim and the sentence (the encoder's view of "same topic");
- the share of the claim's content words (stems) that the sentence repeats;
- polarity: a negation ("inte", "ej", "ingen", "aldrig", "utan", "not", "never", "cannot" …) in
  one of the two and not in the other;
- direction: the claim says something grows (ökar, växer, stärks, fler, högre, increase, rise …)
  and the sentence says it shrinks (minskar, krymper, försvagas, färre, lägre, decrease, fall …),
  or the other way round; read near the words the two share, when they share any;
- a claim that generalises (alla, alltid, bara, every, only …) against a sentence that limits
  (vissa, många, inte alla, some, not all …);
- a contrast marker in the sentence (men, dock, däremot, however, but …).

The weights and the threshold come from the dev half of eval/quote_support.toml
(`python -m scan.support_eval --fit` prints them); they are plain constants here, nothing is
unpickled. A sentence whose probability of countering reaches COUNTER_THRESHOLD is marked
`counters` whatever its other scores, so a possibly-countering sentence is never marked
`supports`. Where it fails: contradictions without cue words ("Alingsås är en
utpendlingskommun" against "Alingsås är en inpendlingskommun"), numbers that contradict
(0,89 against "lägre än riket"), irony, double negation, and direction words about a different
subject in the same sentence.
"""

from __future__ import annotations

import re

import numpy as np

from scan.keywords import stems, stop_stems

LABELS = ("supports", "mentions", "counters")

_WORD = re.compile(r"\w+(?:'t)?", re.UNICODE)
NEGATIONS = frozenset(
    "inte ej icke ingen inget inga aldrig utan varken knappast "
    "not no never cannot can't won't don't doesn't isn't aren't without none nor".split()
)
# direction cues: word prefixes (lower case) for "up" and "down"
UP = (
    "ök", "väx", "stärk", "fler", "högre", "större", "stig", "förbättr", "bättre", "tilltar",
    "utök", "expander", "increas", "rise", "rising", "rose", "grow", "grew", "more", "higher", "larger",
    "improv", "strength", "gain", "expand",
)  # fmt: skip
DOWN = (
    "minsk", "krymp", "försvag", "färre", "lägre", "mindre", "sjunk", "försämr", "sämre", "avtar", "tappa",
    "ner", "ned", "decreas", "declin", "fall", "fell", "shrink", "less", "fewer", "lower", "smaller", "worse", "weaken",
    "down", "drop", "reduc",
)  # fmt: skip
_EXACT = frozenset({"mer", "mera"})  # "mer" as a prefix would also match "merparten"
GENERAL = frozenset("alla allt alltid samtliga bara enbart endast every all always only everyone".split())
LIMITING = frozenset("vissa många delvis somliga någon några även också både some many partly not also both".split())
# words that carry no topic: auxiliaries and quantities
_NOT_TOPIC = frozenset(
    "kommer kunna kan ska skulle blir bli har hade vara var allt flesta många will would can".split()
)
CONTRAST = frozenset("men dock däremot samtidigt trots however but although yet whereas".split())

FEATURES = (
    "cosine",
    "overlap",
    "negation_mismatch",
    "negation_mismatch_on_topic",
    "direction_opposite",
    "direction_same",
    "general_vs_limit",
    "contrast",
)

# Fitted on the dev half of eval/quote_support.toml with the default encoder (python -m scan.support_eval --fit).
# Rows: supports, mentions, counters; columns: FEATURES (standardised with MEAN and SCALE).
MEAN = np.array([0.8717, 0.4245, 0.1518, 0.0565, 0.1518, 0.1875, 0.0625, 0.3036])
SCALE = np.array([0.0257, 0.333, 0.3588, 0.1751, 0.3588, 0.3903, 0.2421, 0.4598])
WEIGHTS = np.array(
    [
        [0.1187, 0.4827, 0.3272, -0.1635, -0.9214, 0.3965, -0.5724, -0.0496],
        [-0.8323, -0.2388, -0.42, -0.0644, -0.3914, -0.3876, 0.007, -0.0125],
        [0.7136, -0.2439, 0.0929, 0.228, 1.3128, -0.0089, 0.5654, 0.0621],
    ]
)
BIAS = np.array([0.027, 0.3429, -0.3699])
COUNTER_THRESHOLD = 0.45  # chosen on dev: fewest errors, a countering pair marked `supports` counting thrice


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _direction(word: str) -> int:
    if word in _EXACT:
        return 1
    if word.startswith(UP):
        return 1
    if word.startswith(DOWN):
        return -1
    return 0


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def features(claim: str, sentence: str, cosine: float) -> np.ndarray:
    """The cue features of one (claim, sentence) pair, in the order of FEATURES."""
    claim_words, sentence_words = _words(claim), _words(sentence)
    stop = stop_stems()
    claim_stems = {
        s
        for w, s in zip(claim_words, stems(claim_words))
        if s not in stop and len(s) > 2 and not _direction(w) and w not in _NOT_TOPIC and w not in NEGATIONS
    }  # the claim's topic words
    sentence_stems = stems(sentence_words)
    shared = [i for i, s in enumerate(sentence_stems) if s in claim_stems]
    overlap = len(claim_stems & set(sentence_stems)) / (len(claim_stems) or 1)

    claim_direction = _sign(sum(_direction(w) for w in claim_words))
    moves = [(j, d) for j, w in enumerate(sentence_words) if (d := _direction(w))]
    if shared:  # for each topic word the sentence shares, the nearest direction word (at most 5 words away)
        nearest = [min(moves, key=lambda m: abs(m[0] - i), default=None) for i in shared]
        sentence_direction = _sign(sum(m[1] for m, i in zip(nearest, shared) if m and abs(m[0] - i) <= 5))
    else:
        sentence_direction = _sign(sum(d for _, d in moves))
    claim_negated = any(w in NEGATIONS for w in claim_words)
    sentence_negated = any(w in NEGATIONS for w in sentence_words)
    general = any(w in GENERAL for w in claim_words)
    limiting = any(w in LIMITING for w in sentence_words) or ("inte" in sentence_words and "alla" in sentence_words)
    return np.array(
        [
            cosine,
            overlap,
            float(claim_negated != sentence_negated),
            float(claim_negated != sentence_negated) * overlap,
            float(claim_direction * sentence_direction < 0),
            float(claim_direction * sentence_direction > 0),
            float(general and (limiting or sentence_negated)),
            float(any(w in CONTRAST for w in sentence_words)),
        ]
    )


def probabilities(
    x: np.ndarray,
    model: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = (MEAN, SCALE, WEIGHTS, BIAS),
) -> np.ndarray:
    """P(supports), P(mentions), P(counters) for feature rows `x` (n × FEATURES), under
    `model` = (mean, scale, weights, bias)."""
    mean, scale, weights, bias = model
    z = ((np.atleast_2d(x) - mean) / scale) @ weights.T + bias
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def decide(p: np.ndarray, counter_threshold: float = COUNTER_THRESHOLD) -> list[str]:
    """One label per row of probabilities: `counters` at or above the threshold, else the likelier
    of `supports` and `mentions`."""
    return [
        "counters" if row[2] >= counter_threshold else ("supports" if row[0] >= row[1] else "mentions")
        for row in np.atleast_2d(p)
    ]


def mark(claim: str, sentence: str, cosine: float) -> str:
    """`supports`, `mentions` or `counters`.

    >>> mark("Tilliten bland unga ökar", "De senaste åren syns dock en något minskad tillit bland unga.", 0.87)
    'counters'
    """
    return decide(probabilities(features(claim, sentence, cosine)))[0]

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
- a contrast marker in the sentence (men, dock, däremot, medan, however, but …);
- a negation within NEAR words of a topic word the two share ("… inte kunna digitaliseras");
- a harm or risk the sentence names and the claim does not (risk, utanförskap, sårbar, threat …).

Topic words match on their stems, or on their first PREFIX letters ("digitaliseras",
"digitalisering").

The weights and the thresholds come from the dev half of eval/quote_support.toml
(`python -m scan.support_eval --fit` prints them); they are plain constants here, nothing is
unpickled. A sentence whose probability of countering reaches COUNTER_THRESHOLD is marked
`counters` whatever its other scores, so a possibly-countering sentence is never marked
`supports`; a sentence is marked `supports` only when that is likelier than `mentions` and its
probability reaches SUPPORT_THRESHOLD (a quote that merely mentions the claim's topic is the
commoner error, and the one a reader pays for when it counters).

Where it fails: contradictions without cue words ("Alingsås är en utpendlingskommun" against "Alingsås är en inpendlingskommun"), numbers that contradict
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
CONTRAST = frozenset("men dock däremot samtidigt trots medan however but although yet whereas while".split())
# harm and risk cues (word prefixes): a sentence about a risk or a harm of the claim's topic rarely
# states a claim that names none (the digital-exclusion sentence against "Digitalisering kan frigöra
# resurser i välfärden", issue 9)
HARM = (
    "risk", "utanförskap", "isoler", "sårbar", "hot", "problem", "svårighet", "brist", "hinder", "utmaning",
    "försvår", "kris", "fara", "skad", "exclu", "isolat", "threat", "vulnerab", "barrier", "lack", "challeng",
    "harm", "danger", "damag",
)  # fmt: skip
PREFIX = 7  # letters two stems must share to count as the same topic word
NEAR = 3  # words between a negation and a shared topic word for the negation to be about the topic

FEATURES = (
    "cosine",
    "overlap",
    "negation_mismatch",
    "negation_mismatch_on_topic",
    "direction_opposite",
    "direction_same",
    "general_vs_limit",
    "contrast",
    "negation_near_topic",
    "harm_only_in_sentence",
)

# Fitted on the dev half of eval/quote_support.toml with the default encoder (python -m scan.support_eval --fit).
# Rows: supports, mentions, counters; columns: FEATURES (standardised with MEAN and SCALE).
MEAN = np.array([0.8716, 0.4615, 0.1504, 0.065, 0.1416, 0.1858, 0.0619, 0.3097, 0.0619, 0.1416])
SCALE = np.array([0.0256, 0.3354, 0.3575, 0.1827, 0.3486, 0.389, 0.2411, 0.4624, 0.2411, 0.3486])
WEIGHTS = np.array(
    [
        [0.0791, 0.5927, 0.3729, -0.0589, -0.9538, 0.3953, -0.5552, -0.1817, -0.0397, 0.0125],
        [-0.757, -0.2584, 0.2424, -0.6508, -0.4485, -0.4157, -0.0068, -0.094, -0.5078, 0.102],
        [0.6779, -0.3343, -0.6153, 0.7098, 1.4023, 0.0205, 0.562, 0.2757, 0.5474, -0.1145],
    ]
)
BIAS = np.array([0.1349, 0.2997, -0.4346])
COUNTER_THRESHOLD = 0.3  # chosen on dev: fewest errors, a countering pair marked `supports` counting thrice
SUPPORT_THRESHOLD = 0.55  # then on dev, the same way: the least P(supports) for the mark (ties: the stricter)


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


def _shares(stem: str, claim_stems: set[str]) -> bool:
    """A sentence stem that is one of the claim's topic stems, or shares its first PREFIX letters
    ("digitaliseras" and "digitalisering")."""
    if stem in claim_stems:
        return True
    return len(stem) >= PREFIX and any(len(c) >= PREFIX and c[:PREFIX] == stem[:PREFIX] for c in claim_stems)


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
    shared = [i for i, s in enumerate(sentence_stems) if _shares(s, claim_stems)]
    overlap = sum(any(_shares(s, {c}) for s in sentence_stems) for c in claim_stems) / (len(claim_stems) or 1)

    claim_direction = _sign(sum(_direction(w) for w in claim_words))
    moves = [(j, d) for j, w in enumerate(sentence_words) if (d := _direction(w))]
    if shared:  # for each topic word the sentence shares, the nearest direction word (at most 5 words away)
        nearest = [min(moves, key=lambda m: abs(m[0] - i), default=None) for i in shared]
        sentence_direction = _sign(sum(m[1] for m, i in zip(nearest, shared) if m and abs(m[0] - i) <= 5))
    else:
        sentence_direction = _sign(sum(d for _, d in moves))
    claim_negated = any(w in NEGATIONS for w in claim_words)
    sentence_negated = any(w in NEGATIONS for w in sentence_words)
    negation_near = not claim_negated and any(
        w in NEGATIONS and any(abs(j - i) <= NEAR for i in shared) for j, w in enumerate(sentence_words)
    )
    harm = any(w.startswith(HARM) for w in sentence_words) and not any(w.startswith(HARM) for w in claim_words)
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
            float(negation_near),
            float(harm),
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


def decide(
    p: np.ndarray, counter_threshold: float = COUNTER_THRESHOLD, support_threshold: float = SUPPORT_THRESHOLD
) -> list[str]:
    """One label per row of probabilities: `counters` at or above the countering threshold; else
    `supports` when it is the likelier of `supports` and `mentions` AND reaches the support
    threshold; else `mentions`."""
    return [
        "counters"
        if row[2] >= counter_threshold
        else ("supports" if row[0] >= row[1] and row[0] >= support_threshold else "mentions")
        for row in np.atleast_2d(p)
    ]


def mark(claim: str, sentence: str, cosine: float) -> str:
    """`supports`, `mentions` or `counters`.

    >>> mark("Tilliten bland unga ökar", "De senaste åren syns dock en något minskad tillit bland unga.", 0.87)
    'counters'
    """
    return decide(probabilities(features(claim, sentence, cosine)))[0]

"""Direction cues of scan.support: does a text say its subject grows or shrinks?

A direction word (UP, DOWN: word prefixes, so "försvagas", "urholkar", "undermined" and
"strengthening" count) read in the claim as a whole, and in the sentence next to the topic words the
two share. Not a direction of change:

- a comparative that compares two subjects ("snabbare" in "A växer snabbare än B", "fler" in "fler
  pendlar ut jämfört med in"): it orders the subjects and says nothing of a change over time ("högre
  än tidigare" still does);
- a direction word used the same way by both ("more connected" in claim and sentence) when the
  claim has another one: it is topic ("can be relaxed as services become more connected" against
  "must be strengthened as services become more connected").
"""

from __future__ import annotations

from scan.support_cues import change_from_to, comparison_words

# direction cues: word prefixes (lower case) for "up" and "down"
UP = (
    "ök", "väx", "stärk", "fler", "högre", "större", "stig", "förbättr", "bättre", "tilltar",
    "utök", "expander", "increas", "rise", "rising", "rose", "grow", "grew", "more", "higher", "larger",
    "improv", "strength", "gain", "expand", "vidga", "widen", "broaden", "outpac",
    "förstärk", "befäst", "bolster", "reinforc", "consolidat", "fortif",
)  # fmt: skip
DOWN = (
    "minsk", "krymp", "försvag", "färre", "lägre", "mindre", "sjunk", "försämr", "sämre", "avtar", "tappa",
    "ner", "ned", "decreas", "declin", "fall", "fell", "shrink", "less", "fewer", "lower", "smaller", "worse", "weaken",
    "down", "drop", "reduc", "smalna", "narrow", "tömm", "töms", "tömd", "empt",
    "urholk", "urvattn", "undergräv", "underminer", "undermin", "eroder", "erod", "erosion", "luckra",
    "hollow", "relax", "loosen", "dilut",
)  # fmt: skip
_EXACT = frozenset({"mer", "mera"})  # "mer" as a prefix would also match "merparten"


def direction(word: str) -> int:
    """+1 for a word of growth (UP), -1 for one of decline (DOWN), else 0."""
    if word in _EXACT:
        return 1
    if word.startswith(UP):
        return 1
    if word.startswith(DOWN):
        return -1
    return 0


def _moves(words: list[str]) -> set[tuple[str, str]]:
    """The direction words of a text with the word after each ("more connected")."""
    return {(w, v) for w, v in zip(words, words[1:] + [""]) if direction(w)}


def _at(words: list[str], moves: set[tuple[str, str]]) -> set[int]:
    return {j for j, pair in enumerate(zip(words, words[1:] + [""])) if pair in moves}


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def directions(
    claim: str, sentence: str, claim_words: list[str], sentence_words: list[str], shared: list[int]
) -> tuple[int, int]:
    """(claim direction, sentence direction), each +1, -1 or 0; `shared` are the positions of the
    sentence words that repeat a topic word of the claim."""
    # not a change: a comparative comparing two subjects ("snabbare än B"), or a direction word used the
    # same way by both ("more connected" in both is topic) when the claim has another
    shared_moves = _moves(claim_words) & _moves(sentence_words)
    if not _moves(claim_words) - shared_moves:
        shared_moves = set()
    skip = comparison_words(claim_words) | _at(claim_words, shared_moves)
    claim_direction = _sign(sum(direction(w) for j, w in enumerate(claim_words) if j not in skip))
    claim_direction = claim_direction or change_from_to(claim)
    skip = comparison_words(sentence_words) | _at(sentence_words, shared_moves)
    moves = [(j, d) for j, w in enumerate(sentence_words) if (d := direction(w)) and j not in skip]
    if shared:  # for each topic word the sentence shares, the nearest direction word (at most 5 words away)
        nearest = [min(moves, key=lambda m: abs(m[0] - i), default=None) for i in shared]
        sentence_direction = _sign(sum(m[1] for m, i in zip(nearest, shared) if m and abs(m[0] - i) <= 5))
    else:
        sentence_direction = _sign(sum(d for _, d in moves))
    sentence_direction = sentence_direction or change_from_to(sentence)
    return claim_direction, sentence_direction

"""Cues of scan.support that pair one claim word with one sentence word: antonyms on the same topic
word ("hög tillit … låg kriminalitet"), one word with opposite prefixes ("inpendlingskommun",
"utpendlingskommun"), and whether two stems are the same topic word."""

from __future__ import annotations

from scan.keywords import stems

# antonyms that are not good or bad in themselves (whole words: "hög" as a prefix would catch "höger")
ANTONYMS = (
    ("hög höga högt high", "låg låga lågt low"),
    ("stor stora stort large big", "liten litet lilla små small little"),
    ("mest most", "minst least"),
    ("snabb snabba snabbt snabbare snabbast fast faster fastest quick quickly",
     "långsam långsamma långsamt långsammare slow slower slowest slowly"),
    ("många much many", "få few"),
    ("stark starka starkt god goda gott strong good", "svag svaga svagt dålig dåliga dåligt weak poor bad"),
    ("lätt lätta lättare enkel enkelt enkla easy easily", "svår svårt svåra svårare difficult hard"),
    ("inpendling inflyttning into", "utpendling utflyttning out"),
    ("dyr dyra dyrt dyrare expensive costly costlier", "billig billiga billigt billigare billigast cheap cheaper cheapest"),
    ("överskott surplus", "brist bristen underskott shortage shortages deficit"),
)  # fmt: skip
_ANTONYMS = tuple((frozenset(a.split()), frozenset(b.split())) for a, b in ANTONYMS)
# opposite prefixes of one word ("inpendling"/"utpendling", "trygg"/"otrygg", "equal"/"unequal")
OPPOSITE_PREFIXES = (("in", "ut"), ("", "o"), ("", "un"), ("", "in"), ("", "im"), ("", "dis"), ("in", "out"),
                     ("över", "under"), ("over", "under"), ("", "non"))  # fmt: skip
PREFIX = 7  # letters two stems must share to count as the same topic word
NEAR = 3  # words between a negation and a shared topic word for the negation to be about the topic


def opposite_prefix(claim_words: list[str], sentence_words: list[str]) -> bool:
    """A claim word and a sentence word that are one word with opposite prefixes: "inpendlingskommun"
    and "utpendlingskommun", "trygg" and "otrygga", "equal" and "unequal" (the rest of the two
    words agrees on its first five letters at least)."""

    def rests(words: set[str], prefix: str, unless: str = "") -> set[str]:
        """The first five letters after `prefix` of the words that open with it (and not with `unless`)."""
        n = len(prefix)
        return {
            w[n : n + 5]
            for w in words
            if w.startswith(prefix) and len(w) - n >= 5 and not (unless and w.startswith(unless))
        }

    claim_long = {w for w in claim_words if len(w) >= 5}
    sentence_long = {w for w in sentence_words if len(w) >= 5}
    for a, b in OPPOSITE_PREFIXES:
        for x, y in ((a, b), (b, a)):
            claim_rests, sentence_rests = rests(claim_long, x, y), rests(sentence_long, y)
            if claim_rests & sentence_rests:
                return True
    return False


def antonym(claim_words: list[str], sentence_words: list[str], claim_stems: set[str]) -> bool:
    """The claim and the sentence qualify the same topic word with the two words of an antonym pair
    ("hög tillit … hög kriminalitet" against "hög tillit … låg kriminalitet"): for each topic word
    the claim qualifies (an antonym at most NEAR + 2 words away), the sentence's nearest antonym word to
    the same topic word. When the two qualify no topic word in common: one word of a pair in the claim
    and only the other in the sentence."""

    def qualifiers(words: list[str]) -> list[tuple[int, int, int]]:  # (position, pair, side)
        return [(j, k, side) for j, w in enumerate(words) for k, pair in enumerate(_ANTONYMS)
                for side in (0, 1) if w in pair[side]]  # fmt: skip

    def nearest(words: list[str], marks: list[tuple[int, int, int]], reach: int) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for i, s in enumerate(stems(words)):
            if shares(s, claim_stems):
                best = min(marks, key=lambda m: abs(m[0] - i), default=None)
                if best is not None and 0 < abs(best[0] - i) <= reach:
                    out.setdefault(s[:PREFIX], (best[1], best[2]))
        return out

    claim_marks, sentence_marks = qualifiers(claim_words), qualifiers(sentence_words)
    if not claim_marks or not sentence_marks:
        return False
    # a short claim puts its predicate further from its subject ("Arbetslösheten i Alingsås är hög")
    in_claim, in_sentence = nearest(claim_words, claim_marks, NEAR + 2), nearest(sentence_words, sentence_marks, NEAR)
    common = [k for k in in_claim if k in in_sentence]
    if common:
        return any(in_sentence[k][0] == in_claim[k][0] and in_sentence[k][1] != in_claim[k][1] for k in common)
    claim, sentence = set(claim_words), set(sentence_words)
    for a, b in _ANTONYMS:
        for x, y in ((a, b), (b, a)):
            if claim & x and not claim & y and sentence & y and not sentence & x:
                return True
    return False


def shares(stem: str, claim_stems: set[str]) -> bool:
    """A sentence stem that is one of the claim's topic stems, or shares its first PREFIX letters
    ("digitaliseras" and "digitalisering")."""
    if stem in claim_stems:
        return True
    return len(stem) >= PREFIX and any(len(c) >= PREFIX and c[:PREFIX] == stem[:PREFIX] for c in claim_stems)

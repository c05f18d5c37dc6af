"""Cues of scan.support that read the order of things: comparisons, figures, compound words.

- `comparison_opposite`: the claim compares two subjects ("A växer snabbare än B", "A is cheaper
  than B") and the sentence orders them the other way: the same comparison with the subjects
  swapped or with the opposite comparative ("B rises faster than A", "A costs more than B"), or
  figures that put them the other way round ("bland A 4,5 procent … bland B 11,4 procent"
  against "vanligare bland A än bland B"). Also a claim that calls a share a majority or a minority
  ("de flesta", "a minority") against the one share the sentence gives on the other side of half
  ("94 procent").
- `comparison_unverified`: the claim compares two subjects and the sentence does not state the same
  two in the same order (both sides matched, the same way round, in words or figures). A
  comparison is only supported by one that orders the same subjects the same way; "fler" in "fler
  pendlar in än ut" and in "fler pendlar ut jämfört med in" is no agreement.
- `comparison_words`: the comparatives of a text that compare two subjects ("snabbare" in "växer
  snabbare än behoven"); they say nothing about a change over time, unlike "högre än tidigare".
- `change_from_to`: the direction a figure moves in "från X till Y", "from X to Y" (+1, -1 or 0).
- `turned_valence`, `compound_valence`: good (+1) or bad (-1) of one word, beyond the plain prefix lists of
  scan.support: compounds whose last part is evaluative ("kompetensbrist", "konkurrensfördel",
  "kompetensutmaningen"), a bad word made good by a privative suffix ("riskfri", "risk-free") or
  by a negating prefix ("oproblematisk"), and the other way round.

All of it is word order and figures, not a parse: a comparison is read in the clause that holds
"än"/"than"/"jämfört med"/"compared with", its two sides are the topic words before and after
that word, and a figure belongs to the topic words nearest to it.
"""

from __future__ import annotations

import re

from scan.keywords import stems, stop_stems

_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|\w+", re.UNICODE)
_CLAUSE = re.compile(r"[;:()\u2014\u2013]|[.,](?!\d)|\s-\s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?$")

# comparatives that say "more of it" (+1) and "less of it" (-1); whole words
MORE = frozenset(
    "fler flera mer mera större högre snabbare vanligare oftare dyrare längre bättre starkare tyngre bredare "
    "more further greater larger bigger higher faster quicker commoner costlier longer better stronger outpace outpaces "
    "exceed exceeds exceeded".split()
)
LESS = frozenset(
    "färre mindre lägre långsammare ovanligare billigare kortare sämre svagare smalare "
    "less fewer lower smaller slower cheaper shorter worse weaker rarer".split()
)
ANCHORS = ("än", "than")
# after "jämfört med"/"compared with" the plain degree compares too ("modest compared with")
PLAIN_MORE = frozenset("hög höga högt stor stora stort high large big great".split())
PLAIN_LESS = frozenset("låg låga lågt liten litet små blygsam blygsamma low small little modest".split())
PAIRED_ANCHORS = (("jämfört", "med"), ("compared", "with"), ("compared", "to"))
# "än tidigare", "than before": a comparison with the past is a change over time, not of two subjects
PAST = frozenset("tidigare förut förr innan före förra fjol sist senast before previously earlier ever last".split())
MAJORITY = frozenset("flesta majoritet majoriteten merparten most majority".split())
MINORITY = frozenset("minoritet minoriteten fåtal minority few".split())
_UNITS_NOT_SHARE = frozenset("år års åren years year talister talet kr kronor".split())
# good and bad compound heads: the word ends with one of these and a short ending
_ENDINGS = ("", "a", "ar", "arna", "en", "er", "erna", "et", "na", "s", "es", "t")
PRIVATIVE = ("fri", "fria", "fritt", "free", "less")
NEGATING = ("o", "un", "non")


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _clauses(text: str) -> list[list[str]]:
    return [tokens for part in _CLAUSE.split(text) if (tokens := _tokens(part))]


def _value(token: str) -> float | None:
    """The figure a token states, or None (not a figure, or a year: 1900–2100 without decimals)."""
    if not _NUMBER.match(token):
        return None
    value = float(token.replace(",", "."))
    return None if token.isdigit() and 1900 <= value <= 2100 else value


def _topic(words: list[str]) -> list[str]:
    stop = stop_stems()
    return [s if s not in stop and len(s) > 2 and w not in MORE | LESS and w not in ANCHORS else "" for w, s in
            zip(words, stems(words))]  # fmt: skip


def _same(a: str, b: str) -> bool:
    return a == b or (len(a) >= 6 and len(b) >= 6 and a[:6] == b[:6])


def _comparison(words: list[str]) -> tuple[int, set[str], set[str]] | None:
    """(sign, left topic stems, right topic stems) of the first comparison in a clause: a
    comparative (MORE or LESS) at most six words before "än"/"than"/"jämfört med"; the stems on
    both sides are dropped."""
    for a, w in enumerate(words):
        width = 1 if w in ANCHORS else 2 if tuple(words[a : a + 2]) in PAIRED_ANCHORS else 0
        if not width:
            continue
        more, less = (MORE | PLAIN_MORE, LESS | PLAIN_LESS) if width == 2 else (MORE, LESS)
        before = [j for j in range(max(0, a - 6), a) if words[j] in more or words[j] in less]
        if not before:
            continue
        sign = 1 if words[before[-1]] in more else -1
        topic = _topic(words)
        left, right = {s for s in topic[:a] if s}, {s for s in topic[a + width : a + width + 8] if s}
        return sign, left - right, right - left
    return None


def _overlap(a: set[str], b: set[str]) -> int:
    return sum(any(_same(x, y) for y in b) for x in a)


def _figures(words: list[str], left: set[str], right: set[str]) -> tuple[float, float] | None:
    """The figures a sentence gives for the two sides of a comparison: each topic word of a side
    takes its nearest figure (at most six words away); a side's figure is the one its words agree
    on (words that reach two figures are dropped)."""
    numbers = [(j, v) for j, w in enumerate(words) if (v := _value(w)) is not None
               and not (j + 1 < len(words) and words[j + 1] in _UNITS_NOT_SHARE)]  # fmt: skip
    if len(numbers) < 2:
        return None
    topic = _topic(words)

    def side(stems_: set[str]) -> float | None:
        found: dict[str, set[float]] = {}
        for i, s in enumerate(topic):
            match = next((c for c in stems_ if s and _same(s, c)), None)
            if match is None:
                continue
            j, v = min(numbers, key=lambda n: (abs(n[0] - i), n[0] < i))
            if abs(j - i) <= 6:
                found.setdefault(match, set()).add(v)
        values = [next(iter(v)) for v in found.values() if len(v) == 1]
        return values[0] if values and len(set(values)) == 1 else None

    a, b = side(left), side(right)
    return None if a is None or b is None or a == b else (a, b)


def _share(words: list[str]) -> float | None:
    """The one percentage a sentence gives ("94 procent", "30 %"), or None (none, or several)."""
    shares = {v for j, w in enumerate(words[:-1]) if (v := _value(w)) is not None
              and words[j + 1] in ("procent", "percent", "per")}  # fmt: skip
    return next(iter(shares)) if len(shares) == 1 else None


def comparison_opposite(claim: str, sentence: str) -> bool:
    """The sentence orders the claim's two compared subjects the other way round (see the module)."""
    claim_words, sentence_words = _tokens(claim), _tokens(sentence.replace("%", " procent"))
    majority = MAJORITY & set(claim_words) or "nästan alla" in claim.lower() or "almost all" in claim.lower()
    minority = MINORITY & set(claim_words)
    if bool(majority) != bool(minority) and (share := _share(sentence_words)) is not None and share != 50:
        return (share > 50) != bool(majority)
    claimed = next((c for words in _clauses(claim) if (c := _comparison(words))), None)
    if claimed is None:
        return False
    sign, left, right = claimed
    for words in _clauses(sentence):
        stated = _comparison(words)
        if stated is not None:
            other, s_left, s_right = stated
            same, swapped = (
                _overlap(left, s_left) + _overlap(right, s_right),
                _overlap(left, s_right) + _overlap(right, s_left),
            )
            if same != swapped:
                return sign * other * (1 if same > swapped else -1) < 0
    figures = _figures(_tokens(sentence), left, right)
    return figures is not None and sign * (1 if figures[0] > figures[1] else -1) < 0


def _anchor(words: list[str], a: int) -> int:
    """The width of the comparison anchor at `a` ("än" 1, "jämfört med" 2), 0 for none or a comparison
    with the past ("än tidigare", "than before", "än i fjol")."""
    width = 1 if words[a] in ANCHORS else 2 if tuple(words[a : a + 2]) in PAIRED_ANCHORS else 0
    return 0 if width and PAST & set(words[a + width : a + width + 2]) else width


def comparison_words(words: list[str], reach: int = 8) -> set[int]:
    """Positions of the comparatives (MORE, LESS) at most `reach` words before a comparison anchor
    that compares two subjects, in a list of lower-case words."""
    out: set[int] = set()
    for a in range(len(words)):
        if _anchor(words, a):
            out |= {j for j in range(max(0, a - reach), a) if words[j] in MORE or words[j] in LESS}
    return out


def _subjects_compared(claim: str) -> tuple[int, set[str], set[str]] | None:
    """The first comparison of two subjects in a text (not one with the past), as `_comparison`."""
    for words in _clauses(claim):
        if any(_anchor(words, a) for a in range(len(words))) and (found := _comparison(words)):
            return found
    return None


def comparison_unverified(claim: str, sentence: str) -> bool:
    """The claim compares two subjects and the sentence does not order the same two the same way:
    both sides of a comparison of its own matched (directly, or swapped with the opposite
    comparative), or figures for both sides in the claim's order."""
    claimed = _subjects_compared(claim)
    if claimed is None:
        return False
    sign, left, right = claimed
    if not left or not right:
        return True  # "fler pendlar in än ut": one side has no topic word to match
    for words in _clauses(sentence):
        stated = _comparison(words)
        if stated is None:
            continue
        other, s_left, s_right = stated
        if sign * other > 0 and _overlap(left, s_left) and _overlap(right, s_right):
            return False
        if sign * other < 0 and _overlap(left, s_right) and _overlap(right, s_left):
            return False
    figures = _figures(_tokens(sentence), left, right)
    return figures is None or sign * (1 if figures[0] > figures[1] else -1) < 0


def change_from_to(text: str) -> int:
    """+1 when a text moves a figure up ("från 3,5 till 5", "from 0.50 % to 3.50 %"), -1 down, else 0."""
    words = _tokens(text)
    total = 0
    for j, w in enumerate(words):
        if w not in ("från", "from"):
            continue
        start = _value(words[j + 1]) if j + 1 < len(words) else None
        rest = words[j + 2 : j + 5]
        if start is None or not any(t in ("till", "to") for t in rest):
            continue
        k = j + 2 + next(i for i, t in enumerate(rest) if t in ("till", "to"))
        end = _value(words[k + 1]) if k + 1 < len(words) else None
        if end is not None and end != start:
            total += 1 if end > start else -1
    return (total > 0) - (total < 0)


def turned_valence(word: str, good: tuple[str, ...], bad: tuple[str, ...]) -> int:
    """+1 or -1 for a word whose affix turns an evaluative word round, else 0: a privative suffix on
    a bad word is good ("riskfri", "problemfria", "risk-free"), a negating prefix turns the rest
    ("oproblematisk" good, "unsuccessful" bad). It overrides the prefix lists ("riskfri" opens
    with "risk")."""
    for suffix in PRIVATIVE:
        stem = word.removesuffix(suffix).rstrip("-")
        if stem != word and len(stem) >= 4 and _opens(stem, bad):
            return 1
    for prefix in NEGATING:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 6:
            if _opens(rest, bad):
                return 1
            if _opens(rest, good):
                return -1
    return 0


def compound_valence(word: str, good: tuple[str, ...], bad: tuple[str, ...]) -> int:
    """+1 or -1 for a compound whose last part is evaluative ("kompetensbrist",
    "konkurrensfördelar", "samhällsutmaningar"; a part of five letters or more, with a short
    ending: "ansvarsfördelning" is not "fördel"), else 0."""
    for heads, sign in ((good, 1), (bad, -1)):
        for head in heads:
            if len(head) >= 5 and (at := word.find(head, 3)) > 0 and word[at + len(head) :] in _ENDINGS:
                return sign
    return 0


def _opens(word: str, prefixes: tuple[str, ...]) -> bool:
    return any(word.startswith(p) for p in prefixes if len(p) >= 4)

"""Reading cues of scan.support that need the words around a cue word, not the cue word alone.

- `negations`: the positions of the negations that deny what a text states. Not those of an idiom
  ("inte minst", "not least": especially; "inte bara", "not only": also) nor those inside a
  relative clause that names a group ("de som sällan eller aldrig använder internet", "those who
  do not"): the group is the subject, the text does not deny anything about it.
- `also`: "inte bara"/"not only" limits a claim that generalises ("Alla vill …" against "… inte
  bara via digitala tjänster").
- `need_only`: the claim says something needs to change ("Kommunerna behöver stärka sin
  krisberedskap") and the sentence states no need ("Pandemin medförde en ökad krisberedskap"): a
  change that happened does not state that one is needed, so the two directions do not agree.
- `change_unstated`: the claim states a change ("Den statliga styrningen ökar") and the sentence
  states none near the words the two share ("… styrningen i form av statsbidrag är
  resurskrävande"): the sentence is about the topic, not the change, so it cannot state the claim.
"""

from __future__ import annotations

# a negation followed by one of these is an idiom, not a denial
IDIOMS = {
    "inte": frozenset("minst bara enbart endast heller".split()),
    "not": frozenset("least only just merely".split()),
}
ALSO = {"inte": frozenset("bara enbart endast".split()), "not": frozenset("only just merely".split())}
# a negation at most RELATIVE words after one of these describes a group ("de som inte …", "those who never …")
RELATIVES = frozenset("som who".split())
RELATIVE = 3
NEEDS = frozenset("behöver behöva måste bör need needs must should".split())


def negations(words: list[str], negation_words: frozenset[str]) -> list[int]:
    """Positions of the words in `negation_words` that deny what the text states (see the module)."""
    out = []
    for j, w in enumerate(words):
        if w not in negation_words:
            continue
        following = words[j + 1] if j + 1 < len(words) else ""
        if following in IDIOMS.get(w, ()):
            continue
        if any(v in RELATIVES for v in words[max(0, j - RELATIVE) : j]):
            continue
        out.append(j)
    return out


def also(words: list[str]) -> bool:
    """The text says "inte bara"/"not only": something besides what it names."""
    return any(w in ALSO and v in ALSO[w] for w, v in zip(words, words[1:]))


def change_unstated(claim_direction: int, sentence_direction: int) -> bool:
    """The claim states a change (+1 or -1) and the sentence states none (0) near the shared words."""
    return claim_direction != 0 and sentence_direction == 0


def need_only(claim_words: list[str], sentence_words: list[str]) -> bool:
    """The claim states a need ("behöver", "must" …) and the sentence none."""
    return any(w in NEEDS for w in claim_words) and not any(w in NEEDS for w in sentence_words)

"""Contradictions without a negation or a direction word (issue 9, item 5): antonyms on the same
topic word, evaluative words of opposite sign, one word with opposite prefixes, and the veto that
keeps a sentence with any contradiction cue from being marked `supports`."""

import numpy as np
import pytest
from quotemarks import WORDS, shown_everywhere

from scan import support

F = {name: i for i, name in enumerate(support.FEATURES)}


def cue(claim: str, sentence: str, name: str) -> float:
    return float(support.features(claim, sentence, 0.9)[F[name]])


def test_an_antonym_on_the_same_topic_word_swedish_and_english():
    assert cue("Förtroendet för det offentliga är lågt", "Förtroendet för det offentliga är högt.", "antonym") == 1
    assert cue("Förtroendet för det offentliga är högt", "Förtroendet för det offentliga är högt.", "antonym") == 0
    assert cue("Unemployment in the town is high", "Unemployment in the town is low.", "antonym") == 1
    assert (
        cue("Sverige hör till världens minst tillitsfulla länder", "Sverige är ett av de mest tillitsfulla.", "antonym")
        == 1
    )


def test_the_antonym_is_read_at_the_topic_word_it_qualifies():
    claim = "Hög tillit hänger ihop med hög kriminalitet"
    # both "hög" and "låg" occur: "låg" is the one next to "kriminalitet"
    assert cue(claim, "Hög tillit går ihop med låg kriminalitet och god hälsa.", "antonym") == 1
    assert cue(claim, "Hög tillit går ihop med hög kriminalitet, men låg hälsa.", "antonym") == 0


def test_evaluative_words_of_opposite_sign():
    claim = "Kommunen har lätt att rekrytera till vård och omsorg"
    assert cue(claim, "Kommunen upplever en svårighet att rekrytera inom omsorgen.", "valence_opposite") == 1
    assert cue(claim, "Det är lätt att rekrytera inom omsorgen.", "valence_opposite") == 0
    # a negation just before an evaluative word turns it round: "inte lätt" is bad
    assert cue("Det är inte lätt att rekrytera", "Det är svårt att rekrytera.", "valence_opposite") == 0
    assert (
        cue(
            "Digitalisation can free resources and improve services", "It risks isolation and harm.", "valence_opposite"
        )
        == 1
    )


def test_short_evaluative_words_do_not_match_longer_words():
    assert cue("Kommunens service är bra", "Ett hotell brann ner i centrum.", "valence_opposite") == 0
    assert cue("Kommunens service är bra", "Det finns ett hot mot servicen.", "valence_opposite") == 1


def test_one_word_with_opposite_prefixes():
    assert cue("Alingsås är en inpendlingskommun", "Alingsås kommun är en utpendlingskommun.", "opposite_prefix") == 1
    assert cue("Invånarna upplever trygghet", "Många invånare upplever otrygghet i centrum.", "opposite_prefix") == 1
    assert cue("Income is equally shared", "Income is unequally shared.", "opposite_prefix") == 1
    assert cue("Invånarna upplever trygghet", "Invånarna upplever stor trygghet.", "opposite_prefix") == 0
    # short words are left alone ("lika"/"olika")
    assert cue("Kommunerna är lika", "Kommunerna är olika.", "opposite_prefix") == 0


def test_a_contradiction_cue_vetoes_supports_but_not_mentions():
    likely_support = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.2, 0.75, 0.05]])
    veto = np.array([True, False, True])
    assert support.decide(likely_support, veto=veto) == ["counters", "supports", "mentions"]
    for name in support.VETO:
        row = np.zeros(len(support.FEATURES))
        row[F[name]] = 1
        assert support.vetoed(row)[0]
    assert not support.vetoed(np.zeros(len(support.FEATURES)))[0]


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Kommunen har lätt att rekrytera sjuksköterskor", "Kommunen har svårt att rekrytera sjuksköterskor."),
        ("Skolresultaten i kommunen är höga", "Skolresultaten i kommunen är låga."),
        ("Inflyttningen till kommunen är stor", "Utflyttningen från kommunen är stor."),
        ("Remote work makes recruiting easy", "Remote work makes recruiting difficult."),
    ],
)
def test_a_near_copy_with_the_opposite_word_is_never_marked_supports(claim, sentence):
    # a cosine as high as a near copy gets: the model alone would lean to `supports`
    assert support.mark(claim, sentence, 0.95) != "supports"


def test_a_paraphrase_without_a_contradiction_can_still_support():
    assert (
        support.mark("Skolresultaten i kommunen är höga", "Skolresultaten i kommunen är höga och stiger.", 0.95)
        == "supports"
    )


DOC = """# Personal

## Rekrytering

Kommunen har svårt att rekrytera sjuksköterskor till äldreomsorgen i dag.

Kommunen har lätt att rekrytera sjuksköterskor till äldreomsorgen i dag.

Kommunen bygger en ny simhall vid stationen under nästa år.
"""


def test_cli_json_api_and_page_show_the_same_marks(tmp_path, monkeypatch):
    # the claim restates the "lätt" sentence word for word: only a restatement reaches `supports`
    claim = "Kommunen har lätt att rekrytera sjuksköterskor till äldreomsorgen i dag"
    shown = shown_everywhere(tmp_path, monkeypatch, "personal.md", DOC, claim)
    hard = next(m for t, m in shown.marks.items() if "svårt" in t)
    assert hard != "supports"  # the antonym keeps it from support, whatever the encoder's cosine
    assert shown.marks[next(t for t in shown.marks if "lätt" in t)] == "supports"
    summary = support.summary(list(shown.marks.values()))
    assert summary in shown.stderr
    hard_block = shown.block("svårt")
    assert WORDS[hard] in hard_block and "stöder" not in hard_block
    assert shown.api == shown.marks
    article = shown.article("svårt")
    assert f"support-{hard}" in article and WORDS[hard] in article
    assert summary.startswith("1 av 3 citat stöder påståendet") and summary in shown.page


@pytest.mark.model
@pytest.mark.parametrize(
    ("claim", "contradiction"),
    [
        ("Förtroendet för det offentliga i Sverige är lågt", "Förtroendet för det offentliga har varit och är högt"),
        ("Hög tillit hänger ihop med hög kriminalitet", "låg kriminalitet"),
        ("Företagarna ger kommunens hemsida höga betyg", "relativt låga betyg"),
    ],
)
def test_corpus_sentences_that_say_the_opposite_are_not_offered_as_support(corpus_index, e5, claim, contradiction):
    from scan.quotes import find_quotes

    quotes = find_quotes(corpus_index, e5, claim, k=5)
    found = [q for q in quotes if contradiction in q.text]
    assert found  # the sentence the claim contradicts is among the top five quotes
    assert found[0].support == "counters"


def test_the_summary_says_plainly_when_no_quote_supports():
    assert support.summary(["mentions", "counters", "mentions"]) == (
        "Inget citat stöder påståendet (av 3): 2 nämner ämnet, 1 kan motsäga det. Citera dem inte som stöd."
    )
    assert support.summary(["supports", "counters"]).startswith("1 av 2 citat stöder påståendet")


def test_no_supporting_quote_is_said_on_stderr_and_on_the_page(tmp_path, monkeypatch):
    doc = "# Personal\n\nKommunen har svårt att rekrytera sjuksköterskor till äldreomsorgen i dag.\n"
    claim = "Kommunen har lätt att rekrytera sjuksköterskor till äldreomsorgen"
    shown = shown_everywhere(tmp_path, monkeypatch, "personal.md", doc, claim)
    assert "svårt" in shown.text
    assert "Inget citat stöder påståendet (av 1)" in shown.stderr and "Inget citat" not in shown.text
    assert "Inget citat stöder påståendet (av 1)" in shown.page

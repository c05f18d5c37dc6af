"""bench/lexicon.py: English words are mapped to the library's own Swedish words by their centred
vectors (within top-m and a threshold), the library's words are encoded once per encoder and word
list, and the keyword bonus touches English hybrid queries only, on the glossary's scale."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "lexicon.py"

# words that mean the same thing share a topic dimension; every other word gets a small vector of its own
CONCEPTS = {"robotar": 2, "machines": 2, "lärare": 3, "teachers": 3, "ungdomar": 4, "youngsters": 4}


@pytest.fixture
def lex():
    spec = importlib.util.spec_from_file_location("lexicon_bench_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


class WordEncoder:
    """A multilingual encoder in miniature: a large component per language (what centring removes)
    plus a meaning component that translations share."""

    name = "word-test"
    dimension = 32

    def __init__(self, swedish: set[str]) -> None:
        self.swedish = swedish
        self.encoded: list[str] = []

    def encode_passages(self, texts, batch_size: int = 32):
        self.encoded.extend(texts)
        out = []
        for word in texts:
            v = np.zeros(self.dimension, dtype=np.float32)
            v[0 if word in self.swedish or any(c in word for c in "åäö") else 1] = 3.0
            if word in CONCEPTS:
                v[CONCEPTS[word]] = 1.0
            else:
                seed = int(hashlib.sha256(word.encode()).hexdigest()[:8], 16)
                v[8:] = np.random.default_rng(seed).normal(0, 0.35, self.dimension - 8)
            out.append(v / np.linalg.norm(v))
        return np.vstack(out)

    encode_queries = encode_passages


@pytest.fixture
def swedish_encoder(lex, index, monkeypatch):
    """The encoder, with every Swedish word of the library and the reference texts known as Swedish;
    the library's words count from one occurrence (the mini library is small)."""
    from scan import reference

    monkeypatch.setattr(lex, "MIN_COUNT", 1)
    words = set(lex.swedish_vocabulary(index))
    words |= {w for t in reference.SV for w in lex.content_words(t, "sv")}
    return WordEncoder(words)


def test_an_english_word_goes_to_its_swedish_counterpart_within_top_m_and_the_threshold(lex, index, swedish_encoder):
    encoder = swedish_encoder
    lexicon = lex.lexicon(index, encoder)
    assert {"robotar", "lärare", "ungdomar"} <= set(lexicon.words)
    found = lexicon.translate(encoder, ["machines", "teachers", "meatballs"], top_m=2, threshold=0.5)
    assert [w for w, _ in found["machines"]] == ["robotar"]  # its counterpart, and nothing else reaches 0.5
    assert [w for w, _ in found["teachers"]] == ["lärare"]
    assert found["meatballs"] == []  # no Swedish word means it
    everything = lexicon.translate(encoder, ["machines"], top_m=3, threshold=-1.0)["machines"]
    assert len(everything) == 3 and everything[0][0] == "robotar"
    assert everything[0][1] > everything[1][1] >= everything[2][1]
    # CSLS keeps the counterpart first
    assert lexicon.translate(encoder, ["teachers"], top_m=1, threshold=0.5, csls=True)["teachers"][0][0] == "lärare"


def test_the_librarys_words_are_encoded_once_per_encoder_and_word_list(lex, index, swedish_encoder, monkeypatch):
    first = lex.lexicon(index, swedish_encoder)
    assert set(first.words) <= set(swedish_encoder.encoded)
    monkeypatch.setattr(lex, "_lexicons", lex.weakref.WeakKeyDictionary())
    monkeypatch.setattr(lex, "_centres", {})
    swedish_encoder.encoded.clear()
    again = lex.lexicon(index, swedish_encoder)
    assert swedish_encoder.encoded == []  # read from the cache file
    assert again.words == first.words and np.allclose(again.matrix, first.matrix)
    monkeypatch.setattr(lex, "_lexicons", lex.weakref.WeakKeyDictionary())
    monkeypatch.setattr(lex, "MIN_COUNT", 2)  # another word list: encoded anew
    fewer = lex.lexicon(index, swedish_encoder)
    assert 0 < len(fewer.words) < len(first.words) and swedish_encoder.encoded


def test_query_words_leave_out_function_words_glossary_words_and_words_the_swedish_text_has(lex, index):
    # "young" is a glossary word, "segregation" a word of the Swedish passages, "robots" shares its
    # Swedish stem with their "robotar", "how"/"the"/"with" are function words
    words = lex.query_words(index, "How do the machines help young teachers with segregation and robots")
    assert words == ["machines", "help", "teachers"]
    assert lex.query_words(index, "young machines", beside_glossary=False) == ["young", "machines"]


def test_the_bonus_reaches_the_passage_with_the_induced_word_and_only_for_english(lex, index, swedish_encoder):
    query = "machines"
    bonus = lex.bonus(index, swedish_encoder, query, "en", 50, None, 0.05, 2, 0.5)
    assert bonus and max(bonus.values()) == pytest.approx(0.05)
    texts = index.passages(list(bonus))
    assert all("robotar" in texts[pid][0].text.lower() for pid in bonus)
    assert lex.bonus(index, swedish_encoder, query, "sv", 50, None, 0.05, 2, 0.5) == {}
    assert lex.bonus(index, swedish_encoder, query, "en", 50, None, 0.0, 2, 0.5) == {}
    assert lex.bonus(index, swedish_encoder, "meatballs", "en", 50, None, 0.05, 2, 0.5) == {}
